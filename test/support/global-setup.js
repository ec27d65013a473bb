const { chmodSync, mkdtempSync, mkdirSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

/**
 * One temporary folder for the whole run: every test process, and every CLI a test spawns with the
 * environment, reads TMPDIR (os.tmpdir()), so the folders the tests make land in it, and the teardown
 * removes it whole. Before, each run left hundreds of `aragora-*` folders in the machine's /tmp.
 *
 * One build cache for the whole run, in it (see src/core/build-cache.ts): the AWS templates of a plan, and
 * the region table, are computed once and read back by every later test and every CLI a test spawns
 * (test/support/cli.ts passes it on), instead of loading aws-cdk-lib and synthesizing the same stack again
 * in each. The key is new for every run, so no run reads another's.
 * Plain JavaScript: Jest loads this file itself, before any test process has the TypeScript loader.
 */
module.exports = function globalSetup() {
  const run = mkdtempSync(join(tmpdir(), 'aragora-test-run-'));
  // Others may pass through, not list: a test runs the files init script as another user (uid 1000) in a folder of its own here.
  chmodSync(run, 0o711);
  process.env.ARAGORA_TEST_RUN_DIR = run;
  process.env.TMPDIR = run;
  process.env.ARAGORA_SECRETS_BUILD = `test-run-${process.pid}-${Date.now()}`;
  process.env.ARAGORA_SECRETS_CACHE = join(run, 'build-cache');
  mkdirSync(process.env.ARAGORA_SECRETS_CACHE);
};
