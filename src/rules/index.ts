import { noClusterWideSecretAccess, noRbacWildcards, secretAccessGetOnly, secretRoleHasUser } from './rbac';
import { egressAllowsDns, egressBlocksMetadata } from './network';
import { externalSecretRefsExist, workloadSecretsConsistent } from './consistency';
import { environmentIsolation } from './isolation';
import { noCredentialShapes, noSecretValues } from './leak';
import { parseTree } from './tree';
import type { GuardRail, ManifestTree, TreeFile, Violation } from './types';

export * from './types';
export { parseTree, isManifestPath, MANIFEST_SUFFIX } from './tree';
export { DEPLOY_TIME_SECRETS_ANNOTATION } from './annotations';
export { environmentIsolation } from './isolation';

const readableManifests: GuardRail = {
  name: 'readable-manifests',
  description: 'every *.k8s.yaml file is valid YAML holding Kubernetes objects',
  check: (tree) =>
    tree.unreadable.map((u) => ({
      rule: 'readable-manifests',
      resource: u.file,
      file: u.file,
      message: u.problem,
      fix: 'regenerate the folder (aragora-secrets synth); do not edit generated files',
    })),
};

/** Every guard rail, in the order reports list them. */
export const GUARD_RAILS: readonly GuardRail[] = [
  readableManifests,
  noCredentialShapes,
  noSecretValues,
  secretAccessGetOnly,
  noClusterWideSecretAccess,
  noRbacWildcards,
  secretRoleHasUser,
  egressAllowsDns,
  egressBlocksMetadata,
  workloadSecretsConsistent,
  externalSecretRefsExist,
  environmentIsolation,
];

/** Runs the guard rails over a parsed tree; violations sorted by file, rule and message. */
export function runGuardRails(tree: ManifestTree, rails: readonly GuardRail[] = GUARD_RAILS): Violation[] {
  return rails
    .flatMap((rail) => rail.check(tree))
    .sort((a, b) => compare(a.file, b.file) || compare(a.rule, b.rule) || compare(a.location ?? '', b.location ?? '') || compare(a.message, b.message));
}

/** Parses the files and runs every guard rail. */
export function checkFiles(files: readonly TreeFile[]): Violation[] {
  return runGuardRails(parseTree(files));
}

/** One violation a line, with its fix: what `aragora-secrets synth` and `check` print. */
export function formatViolations(violations: readonly Violation[]): string {
  return violations
    .map((v) => `  - [${v.rule}] ${v.resource} (${v.file}${v.location ? `, ${v.location}` : ''}): ${v.message}\n    fix: ${v.fix}`)
    .join('\n');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
