// Preloaded (NODE_OPTIONS=--require) into `seal` processes by test/seal.test.ts to force the schedule in
// which concurrent runs lose keys: a process that has opened or read SEAL_BARRIER_FILE (the sealed file)
// says so with a file `read-<pid>` in SEAL_BARRIER_DIR and stops until the test creates `go` there.
// Without a lock, both runs stop there having read the same file; with one, only the lock holder does.
const fs = require('node:fs');
const path = require('node:path');

const dir = process.env.SEAL_BARRIER_DIR;
const watched = process.env.SEAL_BARRIER_FILE && path.resolve(process.env.SEAL_BARRIER_FILE);
let paused = false;

function pauseOnce(file) {
  if (paused || typeof file !== 'string' || path.resolve(file) !== watched) return;
  paused = true;
  fs.writeFileSync(path.join(dir, `read-${process.pid}`), '');
  const deadline = Date.now() + 60_000;
  while (!fs.existsSync(path.join(dir, 'go')) && Date.now() < deadline) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
}

if (dir && watched) {
  const readFileSync = fs.readFileSync;
  fs.readFileSync = function (file, ...rest) {
    const result = readFileSync.call(this, file, ...rest);
    pauseOnce(file);
    return result;
  };
  const openSync = fs.openSync;
  fs.openSync = function (file, ...rest) {
    const fd = openSync.call(this, file, ...rest);
    pauseOnce(file);
    return fd;
  };
}
