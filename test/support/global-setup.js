const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

/**
 * One build cache for the whole run (see src/core/build-cache.ts): the AWS templates of a plan, and the
 * region table, are computed once and read back by every later test and every CLI a test spawns
 * (test/support/cli.ts passes it on), instead of loading aws-cdk-lib and synthesizing the same stack again
 * in each. The key is new for every run and the folder is removed after it, so no run reads another's.
 * Plain JavaScript: Jest loads this file itself, before any test process has the TypeScript loader.
 */
module.exports = function globalSetup() {
  process.env.ARAGORA_SECRETS_BUILD = `test-run-${process.pid}-${Date.now()}`;
  process.env.ARAGORA_SECRETS_CACHE = mkdtempSync(join(tmpdir(), 'aragora-test-build-cache-'));
};
