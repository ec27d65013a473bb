const { rmSync } = require('node:fs');

module.exports = function globalTeardown() {
  const cache = process.env.ARAGORA_SECRETS_CACHE;
  if (cache && /aragora-test-build-cache-/.test(cache)) rmSync(cache, { recursive: true, force: true });
};
