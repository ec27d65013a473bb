import { ApiObject } from 'cdk8s';
import type { IConstruct } from 'constructs';

export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';

/**
 * Argo CD applies lower waves first and waits for them to be healthy. What an object needs comes
 * in an earlier wave: the namespace and identity, then the stores and generators an ExternalSecret
 * reads, then the secrets, then the workload that mounts them. CRD-backed kinds come after the core
 * kinds, so their operators (installed separately, earlier) have had every chance to be ready.
 * The delivery methods add their own kinds (`DeliveryMethod.syncWaves`).
 */
export const SYNC_WAVES: Readonly<Record<string, number>> = {
  Namespace: -3,
  ServiceAccount: -2,
  Role: -2,
  RoleBinding: -2,
  NetworkPolicy: -2,
  Secret: 0,
  Deployment: 1,
};

/** Adds the sync-wave annotation to every API object under `scope` whose kind has a wave. */
export function addSyncWaves(scope: IConstruct, moreWaves: Readonly<Record<string, number>> = {}): void {
  const waves = { ...SYNC_WAVES, ...moreWaves };
  for (const child of scope.node.findAll()) {
    if (!ApiObject.isApiObject(child)) continue;
    const wave = Object.hasOwn(waves, child.kind) ? waves[child.kind] : undefined;
    if (wave !== undefined) child.metadata.addAnnotation(SYNC_WAVE_ANNOTATION, String(wave));
  }
}
