import type { Rule } from './types';

export const readableManifests: Rule = {
  id: 'readable-manifests',
  phase: 'objects',
  severity: 'error',
  what: 'a `*.k8s.yaml` that is not YAML or not a Kubernetes object',
  why: 'the other rules could not see what it holds, and `kubectl apply` would refuse it',
  fix: 'regenerate the folder (`aragora-secrets synth`); do not edit generated files',
  check: ({ tree }) =>
    tree.unreadable.map((u) => ({
      resource: u.file,
      file: u.file,
      message: u.problem,
      fix: 'regenerate the folder (aragora-secrets synth); do not edit generated files',
    })),
};
