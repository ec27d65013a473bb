// The layers of src/, bottom to top, each a path pattern: .dependency-cruiser.cjs forbids an import
// upwards, and scripts/architecture.ts draws them for docs/architecture.md.
'use strict';
const LAYERS = [
  ['core', '^src/core/'], // errors, names, the one output-file type: imports nothing of ours
  // The config's building blocks and its generic types; each method and cloud adds its own blocks from
  // its folder (declare module), and src/config/ composes the registered ones.
  ['config-kit', '^src/config-kit/'],
  ['output', '^src/output/'], // the leak guard and the output folder
  ['plan', '^src/plan/'], // plan types and the pure resolution: no I/O, no cdk8s, no aws-cdk-lib (rules below)
  ['audit, artifacts', '^src/(audit|artifacts)/'], // who reads the values; files two methods share (Vault policies)
  ['checks', '^src/checks/'], // one Rule type, one engine, object helpers, the built-in rules (methods add theirs)
  ['k8s', '^src/k8s/'], // shared constructs: AppSecret, SecretReader, AppWorkload, egress policy, pod wiring
  ['cloud', '^src/cloud/(aws|gcp)/'],
  ['cloud registry', '^src/cloud/registry[.]ts$'],
  ['method interface', '^src/delivery/method[.]ts$'],
  ['methods', '^src/delivery/[^/]+/'],
  ['method registry', '^src/delivery/registry[.]ts$'],
  ['helm, report', '^src/(helm|report)/'], // Helm values, SECRETS.md: each method writes its part
  ['config', '^src/config/'], // validation and loading of the composed config
  ['env', '^src/env/'],
  ['app', '^src/app/'], // the only code that builds charts and stacks from the plan
  ['cli', '^src/cli/|^src/[^/]+[.]ts$'],
];

module.exports = { LAYERS };
