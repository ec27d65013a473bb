// Setup of every test process. The test files run in long-lived Node processes (jest-light-runner), several
// files per process: no module registry or environment per file, and no timeout of the runner's own. This file
// gives back what the suite relies on, around every test and hook:
// - a timeout (that of jest.config.js, or a test's own third argument), so an awaited promise that never
//   settles fails its test instead of holding the run until CI kills it;
// - the process state a later file would inherit: a test that leaves `process.env` or the working folder
//   changed fails, naming what it changed, and the state is put back so the next test starts clean.
// Hooks (beforeAll, ...) only get the timeout: setting an environment variable for a describe block is their job.
//
// It also sorts the tests into two tiers (test/support/tiers.ts), chosen by ARAGORA_TEST_TIER:
// - `unit` (`npm test`): everything that runs inside the test process. A test of this tier that starts another
//   program (the CLI, the app, kubectl, git, python3, openssl, npm, a shell) fails and says to tag it.
// - `integration` (`npm run test:integration`): the tests tagged `integration.test` / `integration.describe`.
// - unset (`npx jest`): both.
// CI (.ci/run) runs both tiers.

import childProcess from 'node:child_process';
import { createRequire } from 'node:module';

// jest.config.js's testTimeout, which this runner does not apply itself.
const DEFAULT_TIMEOUT_MS = createRequire(import.meta.url)('../../jest.config.js').testTimeout;

const TIERS = ['unit', 'integration'];
const tier = process.env.ARAGORA_TEST_TIER || 'all';
if (tier !== 'all' && !TIERS.includes(tier)) {
  throw new Error(`ARAGORA_TEST_TIER=${tier}: expected one of ${TIERS.join(', ')}, or unset for both`);
}

/** How deep registration is inside `integration.describe` / `integration.test` right now. */
let integrationDepth = 0;

function inIntegrationRegion(register) {
  integrationDepth++;
  try {
    return register();
  } finally {
    integrationDepth--;
  }
}

/** Whether a test registered here runs in this tier. */
function runsHere() {
  if (tier === 'all') return true;
  return (tier === 'integration') === integrationDepth > 0;
}

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
      await withTimeout(() => fn.apply(this, args), limit, 'the test');
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

// Snapshots belong to the unit tier. A file's snapshots whose tests the integration tier skips would count as
// obsolete and fail its run: as a file's first test is registered, they are marked as seen.
const releasedSnapshots = new WeakSet();
function releaseUnitTierSnapshots() {
  const state = globalThis.expect?.getState().snapshotState;
  if (tier !== 'integration' || !state || releasedSnapshots.has(state)) return;
  releasedSnapshots.add(state);
  for (const key of state.getUncheckedKeys()) state.markSnapshotsAsCheckedForTest(key.replace(/ \d+$/, ''));
}

function guardedTestRegistrar(register) {
  const guarded = (name, fn, timeoutMs) => {
    releaseUnitTierSnapshots();
    return (runsHere() ? register : register.skip)(name, guardTest(fn, timeoutMs), timeoutMs);
  };
  for (const key of Object.keys(register)) guarded[key] = register[key];
  guarded.only = (name, fn, timeoutMs) => (runsHere() ? register.only : register.skip)(name, guardTest(fn, timeoutMs), timeoutMs);
  guarded.each = (...table) => {
    releaseUnitTierSnapshots();
    const bound = register.each(...table);
    const skipped = register.skip.each(...table);
    return (name, fn, timeoutMs) => (runsHere() ? bound : skipped)(name, guardTest(fn, timeoutMs), timeoutMs);
  };
  return guarded;
}

globalThis.test = guardedTestRegistrar(globalThis.test);
globalThis.it = guardedTestRegistrar(globalThis.it);
globalThis.fit = globalThis.test.only;
for (const hook of ['beforeAll', 'afterAll', 'beforeEach', 'afterEach']) {
  const register = globalThis[hook];
  globalThis[hook] = (fn, timeoutMs) => register(guardHook(fn, timeoutMs), timeoutMs);
}

const plainDescribe = globalThis.describe;
const integrationTest = (name, fn, timeoutMs) => inIntegrationRegion(() => globalThis.test(name, fn, timeoutMs));
integrationTest.each = (...table) => (name, fn, timeoutMs) => inIntegrationRegion(() => globalThis.test.each(...table)(name, fn, timeoutMs));
integrationTest.skip = globalThis.test.skip;
// The unit tier does not even run the body of an integration describe: it may start work at registration
// (a synth, a validator) that only its tests need. One skipped entry stands for its tests.
const standIn = () => globalThis.test.skip('(its tests run in the integration tier: npm run test:integration)', () => undefined);
const integrationDescribe =
  tier === 'unit' ? (name) => plainDescribe.skip(name, standIn) : (name, fn) => plainDescribe(name, () => inIntegrationRegion(fn));
integrationDescribe.each =
  tier === 'unit'
    ? (...table) => (name) => plainDescribe.skip.each(...table)(name, standIn)
    : (...table) => (name, fn, timeoutMs) => plainDescribe.each(...table)(name, (...row) => inIntegrationRegion(() => fn(...row)), timeoutMs);
integrationDescribe.skip = plainDescribe.skip;
globalThis[Symbol.for('aragora-secrets.integration')] = { test: integrationTest, describe: integrationDescribe };

if (tier === 'unit') {
  // Patched on the module's own exports, which the compiled test files and sources read at each call.
  for (const name of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork']) {
    childProcess[name] = function refusedInUnitTier(command) {
      throw new Error(
        `a unit test started another program (child_process.${name} ${String(command)}): tag it \`integration.test\` or wrap its ` +
          `describe in \`integration.describe\` (test/support/tiers.ts), or test it in process (npm test runs the unit tier only)`,
      );
    };
  }
}
