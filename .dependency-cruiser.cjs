/**
 * The shape of src/, checked in `npm test` (test/architecture.test.ts runs `depcruise` with this file).
 *
 * src/ is a stack of layers: a module imports its own folder and the layers below it, never one above.
 * Bottom to top (README "Architecture" draws the same graph):
 */
const LAYERS = [
  ['core', '^src/core/'], // errors, names, the one output-file type: imports nothing of ours
  // The config's building blocks and types. A method's or a cloud's schema.ts lives in its folder but sits
  // here: the config schema is composed of them, and they import nothing but zod and this layer.
  ['config-kit', '^src/config-kit/|^src/(delivery|cloud)/[^/]+/schema[.]ts$'],
  ['output', '^src/output/'], // the leak guard and the output folder
  ['plan', '^src/plan/'], // plan types and the pure resolution: no I/O, no cdk8s, no aws-cdk-lib (rules below)
  ['audit', '^src/(audit|artifacts)/'],
  ['checks', '^src/(checks|rules)/'],
  ['k8s', '^src/k8s/'], // shared constructs: AppSecret, SecretReader, AppWorkload, egress policy, pod wiring
  ['cloud', '^src/cloud/(aws|gcp)/'],
  ['cloud registry', '^src/cloud/registry[.]ts$'],
  ['method interface', '^src/delivery/method[.]ts$'],
  ['methods', '^src/delivery/[^/]+/'],
  ['method registry', '^src/delivery/registry[.]ts$'],
  // For now above the methods: its method-specific rules move into src/delivery/<method>/ with the checks engine.
  ['pitfalls', '^src/pitfalls/'],
  ['files for people', '^src/(helm|report)/'],
  ['config', '^src/config/'], // validation and loading of the composed config
  ['env', '^src/env/'],
  ['app', '^src/app/'], // the only code that builds charts and stacks from the plan
  ['cli', '^src/cli/|^src/[^/]+[.]ts$'],
];

const paths = (layers) => layers.map(([, path]) => `(${path})`).join('|');

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'Every file-level cycle, type imports included.', from: {}, to: { circular: true } },
    ...LAYERS.slice(0, -1).map(([name, path], index) => ({
      name: `layer-${name.replace(/ /g, '-')}`,
      severity: 'error',
      comment: `${name} imports only itself and the layers below it.`,
      from: { path },
      to: { path: paths(LAYERS.slice(index + 1)), pathNot: paths(LAYERS.slice(0, index + 1)) },
    })),
    {
      name: 'core-imports-nothing-of-ours',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/', pathNot: '^src/core/' },
    },
    {
      name: 'one-method-never-imports-another',
      severity: 'error',
      comment: 'What two methods share lives below them (k8s/, artifacts/, config-kit/).',
      from: { path: '^src/delivery/([^/]+)/' },
      to: { path: '^src/delivery/[^/]+/', pathNot: '^src/delivery/$1/' },
    },
    {
      name: 'one-cloud-never-imports-another',
      severity: 'error',
      from: { path: '^src/cloud/([^/]+)/' },
      to: { path: '^src/cloud/[^/]+/', pathNot: '^src/cloud/$1/' },
    },
    {
      name: 'plan-is-pure',
      severity: 'error',
      comment: 'The plan is a function of the config and the inputs its caller read: nothing it reaches does I/O or loads cdk8s/aws-cdk-lib.',
      from: { path: '^src/plan/' },
      to: {
        reachable: true,
        path: '^(fs|node:fs|child_process|node:child_process|net|node:net|http|https|worker_threads|node:worker_threads)$|node_modules/(cdk8s|cdk8s-plus-27|aws-cdk-lib|constructs|cdk-nag)/',
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
