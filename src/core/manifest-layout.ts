import { posix } from 'node:path';

/**
 * Where the Kubernetes objects of an environment go: `dist/<env>/manifests/`, a folder that holds
 * objects only, so `kubectl apply -f dist/<env>/manifests/` reads nothing else. The files for people
 * and other tools (the review report, the audit policy, Helm values, scripts, patches) and the
 * `kustomization.yaml` that lists the manifests stay one level up, where `-f` on this folder never
 * reads them.
 */
export const MANIFESTS_FOLDER = 'manifests';

/** Files cdk8s and aragora-secrets write one Kubernetes object into. */
export const MANIFEST_SUFFIX = '.k8s.yaml';

/**
 * The order the API server accepts the objects in, and the order a cluster is best brought up in:
 * the namespace first (a namespaced object is refused before its Namespace exists); then who may do
 * what, and the NetworkPolicy, so no pod ever runs without them; then the stores and generators an
 * ExternalSecret reads; then the secrets; the workload last, once what it mounts is there. Kinds of
 * the operators (CRDs) are never first: their definitions are installed before any of our objects.
 */
const APPLY_PHASES: readonly (readonly string[])[] = [
  ['Namespace'],
  ['ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding', 'NetworkPolicy', 'IAMServiceAccount', 'IAMPolicyMember'],
  ['SecretStore', 'ClusterSecretStore', 'Password', 'SecretManagerSecret'],
  ['ExternalSecret', 'SealedSecret', 'Secret'],
  ['Deployment'],
];
/** The phases by what they hold, for a delivery method to place its own kinds (`DeliveryMethod.applyPhases`). */
export const APPLY_PHASE = { namespace: 0, identity: 1, store: 2, secret: 3, workload: 4 } as const;
export type ApplyPhase = keyof typeof APPLY_PHASE;

/** A kind not listed: after the namespace and the identities, before the workload. */
const UNLISTED_PHASE = APPLY_PHASE.secret;

/** The position of `kind` in the apply order (0 first); `more` places kinds the table does not list. */
export function applyPhaseOf(kind: string, more: Readonly<Record<string, ApplyPhase>> = {}): number {
  const phase = APPLY_PHASES.findIndex((kinds) => kinds.includes(kind));
  if (phase >= 0) return phase;
  return Object.hasOwn(more, kind) ? APPLY_PHASE[more[kind]] : UNLISTED_PHASE;
}

/**
 * `20-ClusterSecretStore.vault-backend.k8s.yaml`: the phase first, so that `kubectl apply -f` on the
 * folder (which reads files in name order) applies them in the order above, and a diff lists them in
 * that order too. The number goes in steps of ten so a phase can be added without renaming the others.
 */
export function manifestFileName(kind: string, name: string, more: Readonly<Record<string, ApplyPhase>> = {}): string {
  const phase = String(applyPhaseOf(kind, more) * 10).padStart(2, '0');
  return `${phase}-${kind}.${name}`.replace(/[^0-9a-zA-Z-_.]/g, '') + MANIFEST_SUFFIX;
}

/** `dev/manifests/00-Namespace.aragora-dev.k8s.yaml`, relative to the output folder. */
export function manifestPath(environment: string, kind: string, name: string, more: Readonly<Record<string, ApplyPhase>> = {}): string {
  return `${environment}/${MANIFESTS_FOLDER}/${manifestFileName(kind, name, more)}`;
}

/**
 * The environment folder a manifest belongs to: `dist/dev` for `dist/dev/manifests/x.k8s.yaml`, and
 * for a manifest written straight into its environment folder (by hand, or by an earlier version).
 */
export function environmentFolderOf(manifest: string): string {
  const folder = posix.dirname(manifest.replace(/\\/g, '/'));
  const parent = posix.dirname(folder);
  return posix.basename(folder) === MANIFESTS_FOLDER && parent !== '.' ? parent : folder;
}
