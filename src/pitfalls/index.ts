import { parse } from 'yaml';
import { UserError } from '../core/errors';
import type { EnvironmentPlan, Plan } from '../plan/plan';
import { splitKv2Path } from '../artifacts/vault-policy';
import type { OutputFile } from '../core/output-file';
import { esoApiVersion, esoOwnerTakeover, esoRefreshDisabled } from './eso';
import { reloaderVolatileSecret } from './reloader';
import { sealedSecretUnmanagedTarget } from './sealed';
import type { Finding, KubeObject, PitfallContext, PitfallRule } from './types';
import { vaultAnnotationBoolean, vaultAnnotationPlacement, vaultJobSidecar, vaultKv2Path } from './vault';

export type { Finding, KubeObject, PitfallContext, PitfallRule, Severity } from './types';

/**
 * Operator pitfalls: objects the API server accepts, that then fail quietly in the cluster (a
 * Secret that never syncs, a Job that never ends, pods restarting every hour). Each rule is a pure
 * function of one environment's objects (and the config facts in the context), so it runs on what
 * synth makes and on objects written by hand alike.
 */
export const PITFALL_RULES: readonly PitfallRule[] = [
  esoRefreshDisabled,
  esoOwnerTakeover,
  esoApiVersion,
  vaultAnnotationPlacement,
  vaultAnnotationBoolean,
  vaultKv2Path,
  vaultJobSidecar,
  reloaderVolatileSecret,
  sealedSecretUnmanagedTarget,
];

/** The config facts the rules need besides the objects, from the environment's plan. */
export function contextOf(plan: EnvironmentPlan, objects: readonly KubeObject[]): PitfallContext {
  const delivery = plan.delivery;
  return {
    environment: plan.name,
    namespace: plan.namespace,
    objects,
    esoVersion: delivery.method === 'external' ? delivery.esoVersion : undefined,
    acknowledgedNoRefresh: delivery.method === 'external' && delivery.acknowledgeNoRefresh ? [plan.secretName] : [],
    kv2Mounts:
      delivery.method === 'vault' && delivery.kvVersion === 2
        ? [...new Set(delivery.sources.map((s) => splitKv2Path(s.path)?.mount).filter((m): m is string => m !== undefined))].sort()
        : [],
  };
}

/** Runs every rule over one environment; findings sorted by severity (errors first), rule and object. */
export function checkEnvironment(context: PitfallContext, rules: readonly PitfallRule[] = PITFALL_RULES): Finding[] {
  return sortFindings(rules.flatMap((rule) => rule.check(context)));
}

/** Runs every rule over the Kubernetes manifests synth wrote (`<env>/*.k8s.yaml`, parsed), per environment. */
export function checkPitfalls(plan: Plan, files: readonly OutputFile[], rules: readonly PitfallRule[] = PITFALL_RULES): Finding[] {
  const objects = new Map(
    plan.environments.map((env) => [env.name, files.filter((f) => f.path.startsWith(`${env.name}/`) && f.path.endsWith('.k8s.yaml')).map((f) => parse(f.content) as KubeObject)]),
  );
  return checkObjects(plan, objects, rules);
}

/** Runs every rule over each environment's objects (by environment name), as synth holds them before writing. */
export function checkObjects(plan: Plan, objects: ReadonlyMap<string, readonly unknown[]>, rules: readonly PitfallRule[] = PITFALL_RULES): Finding[] {
  return sortFindings(plan.environments.flatMap((env) => checkEnvironment(contextOf(env, (objects.get(env.name) ?? []) as KubeObject[]), rules)));
}

/** `[eso-refresh-disabled] staging: ExternalSecret/x: ... Fix: ...` */
export function formatFinding(finding: Finding): string {
  return `[${finding.rule}] ${finding.environment}: ${finding.message}. Fix: ${finding.fix}`;
}

/** Synth refuses output with a pitfall of severity error; the message lists each. */
export class PitfallError extends UserError {
  constructor(public readonly findings: readonly Finding[]) {
    super(
      [`Synthesis refused: ${findings.length === 1 ? '1 known pitfall' : `${findings.length} known pitfalls`} in the output (nothing was written):`, ...findings.map((f) => `  - ${formatFinding(f)}`)].join('\n'),
    );
    this.name = 'PitfallError';
  }
}

function sortFindings(findings: Finding[]): Finding[] {
  const key = (f: Finding) => `${f.severity === 'error' ? 0 : 1}\u0000${f.environment}\u0000${f.rule}\u0000${f.object}\u0000${f.message}`;
  return [...findings].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
