/**
 * The checks: one Rule type, one engine, one set of object helpers. Synth, `aragora-secrets check`
 * and the cdk8s validation plugin (plugins/guard-rails) all run `runChecks(RULES, ...)`.
 */
export * from './types';
export { checkFiles, formatFindings, formatWarning, GuardRailError, runChecks } from './engine';
export { describe as describeObject, isManifestPath, MANIFEST_SUFFIX, parseTree, secretMadeBy } from './objects';
export { DEPLOY_TIME_SECRETS_ANNOTATION } from './annotations';
export { BUILT_IN_RULES } from './built-in';
