const { rmSync } = require('node:fs');

/** Removes the run's temporary folder (test/support/global-setup.js), with every folder the tests made in it. */
module.exports = function globalTeardown() {
  const run = process.env.ARAGORA_TEST_RUN_DIR;
  if (run && /aragora-test-run-/.test(run)) rmSync(run, { recursive: true, force: true });
};
