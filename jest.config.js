/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Each test process runs many test files in plain Node, loading the libraries (cdk8s, aws-cdk-lib, ...) and
  // warming the JIT once instead of once per file in a fresh sandbox: the whole suite took 300 s of CPU instead
  // of 407 s (one run each, same machine). Separate processes, not threads: tests change the working folder.
  runner: 'jest-light-runner/child-process',
  setupFiles: ['<rootDir>/test/support/register-typescript.mjs'],
  setupFilesAfterEnv: ['<rootDir>/test/support/test-guards.mjs'],
  // Applied by test/support/test-guards.mjs (the runner itself has no timeout).
  testTimeout: 60000,
  // Jest's default on 2 cores is one worker, which leaves a core idle while a test waits on a CLI it spawned.
  maxWorkers: 2,
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
};
