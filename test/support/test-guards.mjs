// The test files run in long-lived Node processes (jest-light-runner), several files per process: no module
// registry or environment per file, and no timeout of the runner's own. These guards give back the two that
// the suite relies on, around every test and hook:
// - a timeout (Jest's `testTimeout`, or a test's own third argument), so an awaited promise that never settles
//   fails its test instead of holding the run until CI kills it;
// - the process state a later file would inherit: a test that leaves `process.env` or the working folder
//   changed fails, naming what it changed, and the state is put back so the next test starts clean.
// Hooks (beforeAll, ...) only get the timeout: setting an environment variable for a describe block is their job.

// The same as jest.config.js's testTimeout, which this runner does not pass to its test processes.
const DEFAULT_TIMEOUT_MS = 60_000;

function withTimeout(run, timeoutMs, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${timeoutMs} ms (hung: an awaited promise never settled?)`)), timeoutMs);
  });
  return Promise.race([Promise.resolve().then(run), timeout]).finally(() => clearTimeout(timer));
}

function changedVariables(before) {
  const names = new Set([...Object.keys(before), ...Object.keys(process.env)]);
  return [...names].filter((name) => before[name] !== process.env[name]).sort();
}

function restoreEnvironment(before) {
  for (const name of Object.keys(process.env)) if (!(name in before)) delete process.env[name];
  Object.assign(process.env, before);
}

function guardTest(fn, timeoutMs) {
  if (typeof fn !== 'function') return fn;
  const limit = timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // No declared parameters: jest-each passes a table row's values through, and Jest reads a declared first
  // parameter of a test as a `done` callback, which no test here uses.
  return async function guardedTest(...args) {
    const env = { ...process.env };
    const cwd = process.cwd();
    try {
      await withTimeout(() => fn.apply(this, args, `
{
  "a": 1,
}
`), limit, 'the test');
    } finally {
      const changed = changedVariables(env);
      const movedFrom = process.cwd() !== cwd ? process.cwd() : undefined;
      restoreEnvironment(env);
      if (movedFrom !== undefined) process.chdir(cwd);
      if (changed.length > 0 || movedFrom !== undefined) {
        const what = [changed.length > 0 && `process.env (${changed.join(', ')})`, movedFrom !== undefined && `the working folder (to ${movedFrom})`].filter(Boolean);
        // eslint-disable-next-line no-unsafe-finally
        throw new Error(`the test changed ${what.join(' and ')} and did not put it back: later test files in this process would see it`);
      }
    }
  };
}

function guardHook(fn, timeoutMs) {
  if (typeof fn !== 'function') return fn;
  const limit = timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return function guardedHook() {
    return withTimeout(() => fn.call(this), limit, 'the hook');
  };
}

function guardedRegistrar(register) {
  const guarded = (name, fn, timeoutMs) => register(name, guardTest(fn, timeoutMs), timeoutMs);
  for (const key of Object.keys(register)) guarded[key] = register[key];
  guarded.only = (name, fn, timeoutMs) => register.only(name, guardTest(fn, timeoutMs), timeoutMs);
  guarded.each = (...table) => {
    const bound = register.each(...table);
    return (name, fn, timeoutMs) => bound(name, guardTest(fn, timeoutMs), timeoutMs);
  };
  return guarded;
}

globalThis.test = guardedRegistrar(globalThis.test);
globalThis.it = guardedRegistrar(globalThis.it);
globalThis.fit = globalThis.test.only;
for (const hook of ['beforeAll', 'afterAll', 'beforeEach', 'afterEach']) {
  const register = globalThis[hook];
  globalThis[hook] = (fn, timeoutMs) => register(guardHook(fn, timeoutMs), timeoutMs);
}
