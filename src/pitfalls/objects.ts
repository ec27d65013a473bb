import type { Finding, KubeObject, PitfallContext } from './types';

/** A pod template inside an object: where the Vault injector and the kubelet look. */
export interface PodTemplate {
  /** Path from the object's root, e.g. `spec.template` (empty for a Pod). */
  readonly path: string;
  readonly annotations: Readonly<Record<string, unknown>>;
  readonly spec: any;
}

export function kindOf(obj: KubeObject): string {
  return typeof obj.kind === 'string' ? obj.kind : '?';
}

export function nameOf(obj: KubeObject): string {
  return typeof obj.metadata?.name === 'string' ? obj.metadata.name : '?';
}

export function namespaceOf(obj: KubeObject, context: PitfallContext): string {
  return typeof obj.metadata?.namespace === 'string' ? obj.metadata.namespace : context.namespace;
}

/** `Kind/name`. */
export function ref(obj: KubeObject): string {
  return `${kindOf(obj)}/${nameOf(obj)}`;
}

export function annotationsOf(meta: { readonly annotations?: unknown } | undefined): Record<string, unknown> {
  const a = meta?.annotations;
  return a && typeof a === 'object' && !Array.isArray(a) ? (a as Record<string, unknown>) : {};
}

/** `group` of an `apiVersion` (`external-secrets.io/v1` → `external-secrets.io`; `v1` → ``). */
export function groupOf(obj: KubeObject): string {
  const v = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
  return v.includes('/') ? v.slice(0, v.lastIndexOf('/')) : '';
}

export function versionOf(obj: KubeObject): string {
  const v = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
  return v.slice(v.lastIndexOf('/') + 1);
}

/**
 * Every pod template of an object, whatever its kind: a Pod itself, `spec.template` (Deployment,
 * StatefulSet, DaemonSet, ReplicaSet, Job, and custom workloads such as Argo Rollouts) and
 * `spec.jobTemplate.spec.template` (CronJob).
 */
export function podTemplates(obj: KubeObject): PodTemplate[] {
  if (kindOf(obj) === 'Pod') return [{ path: '', annotations: annotationsOf(obj.metadata), spec: obj.spec ?? {} }];
  const found: PodTemplate[] = [];
  const template = obj.spec?.template;
  if (isPodTemplate(template)) found.push({ path: 'spec.template', annotations: annotationsOf(template.metadata), spec: template.spec });
  const jobTemplate = obj.spec?.jobTemplate?.spec?.template;
  if (isPodTemplate(jobTemplate)) found.push({ path: 'spec.jobTemplate.spec.template', annotations: annotationsOf(jobTemplate.metadata), spec: jobTemplate.spec });
  return found;
}

function isPodTemplate(value: any): boolean {
  return value && typeof value === 'object' && value.spec && Array.isArray(value.spec.containers);
}

/** Whether the pods run to completion (a Job's or CronJob's, or a Pod that is not restarted). */
export function runsToCompletion(obj: KubeObject, template: PodTemplate): boolean {
  const kind = kindOf(obj);
  return kind === 'Job' || kind === 'CronJob' || template.spec?.restartPolicy === 'Never' || template.spec?.restartPolicy === 'OnFailure';
}

/** Names of the Secrets a pod spec references: env, envFrom, volumes (also projected), of every container. */
export function referencedSecrets(spec: any): string[] {
  const names = new Set<string>();
  const add = (n: unknown) => typeof n === 'string' && names.add(n);
  for (const c of [...arr(spec?.initContainers), ...arr(spec?.containers), ...arr(spec?.ephemeralContainers)]) {
    for (const e of arr(c?.env)) add(e?.valueFrom?.secretKeyRef?.name);
    for (const e of arr(c?.envFrom)) add(e?.secretRef?.name);
  }
  for (const v of arr(spec?.volumes)) {
    add(v?.secret?.secretName);
    for (const s of arr(v?.projected?.sources)) add(s?.secret?.name);
  }
  return [...names].sort();
}

export function arr(value: unknown): any[] {
  return Array.isArray(value) ? value : [];
}

/** Go's `strconv.ParseBool`, which the Vault injector applies to its boolean annotations. */
export function parseGoBool(value: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  return undefined;
}

/** `0.17.1` / `v0.17` → [0, 17, 1]; undefined when it is not a version. */
export function parseVersion(version: string): [number, number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?$/.exec(version);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

export function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

export function finding(context: PitfallContext, rule: string, severity: Finding['severity'], obj: KubeObject, message: string, fix: string): Finding {
  return { rule, severity, environment: context.environment, object: ref(obj), namespace: namespaceOf(obj, context), message, fix };
}
