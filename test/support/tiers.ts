/**
 * The integration tier: tests that start another program (the CLI as a user runs it, the cdk8s app, kubectl,
 * git, python3, openssl, npm, a shell script), install the package, replay CI, or run an outside validator
 * or build tool over the output (the CloudFormation validation engine, api-extractor). `npm test` runs the
 * other, unit tier (everything inside the test process; it refuses to start a program) and
 * `npm run test:integration` runs this one; CI runs both; `npx jest` runs both.
 *
 * ```ts
 * integration.test('exit 1 through the CLI', () => { ... });
 * integration.describe('the packed tarball', () => { ... });
 * ```
 *
 * Registered by test/support/test-guards.mjs, which decides per tier which tests run.
 */
export const integration = (globalThis as unknown as Record<symbol, { readonly test: jest.It; readonly describe: jest.Describe }>)[Symbol.for('aragora-secrets.integration')];
