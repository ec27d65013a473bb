/**
 * The shape of src/, checked in `npm test` (test/architecture.test.ts runs `depcruise` with this file).
 *
 * src/ is a stack of layers (scripts/layers.cjs, bottom to top): a module imports its own folder and the
 * layers below it, never one above. README "Architecture" draws the graph (scripts/architecture.ts).
 */
const { LAYERS } = require('./scripts/layers.cjs');

const paths = (layers) => layers.map(([, path]) => `(${path})`).join('|');

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'Every file-level cycle, type imports included.', from: {}, to: { circular: true } },
    ...LAYERS.slice(0, -1).map(([name, path], index) => ({
      name: `layer-${name.replace(/[^a-z]+/g, '-')}`,
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
