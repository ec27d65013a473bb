import { posix } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { environmentFolderOf } from '../core/manifest-layout';
import { readPlainYaml } from '../core/plain-yaml';
import type { OutputFile } from '../core/output-file';
import type { CheckInput, EnvironmentFacts, K8sObject, ManifestObject, ManifestTree, Problem, SecretProducer } from './types';

/** Files cdk8s and aragora-secrets write one Kubernetes object into; other YAML (Helm values, patches) is not applied. */
export const MANIFEST_SUFFIX = '.k8s.yaml';

export const ESO_GROUP = 'external-secrets.io';
export const SEALED_SECRETS_GROUP = 'bitnami.com';

export function isManifestPath(path: string): boolean {
  return path.endsWith(MANIFEST_SUFFIX);
}

/**
 * Parses the manifests of a tree; the other files are kept as text. `known` holds the object of a
 * manifest its writer already has (synth serialized it a moment ago): that file is not parsed again.
 */
export function parseTree(files: readonly OutputFile[], known: ReadonlyMap<string, unknown> = new Map()): ManifestTree {
  const objects: ManifestObject[] = [];
  const unreadable: { file: string; problem: string }[] = [];
  for (const file of files) {
    if (!isManifestPath(file.path)) continue;
    // The environment's folder, not `manifests/` in it: the rules compare environments by it.
    const folder = environmentFolderOf(file.path);
    const object = known.get(file.path);
    if (isK8sObject(object)) {
      objects.push({ file: file.path, folder, object });
      continue;
    }
    for (const document of manifestDocuments(file.content)) {
      if ('problem' in document) {
        unreadable.push({ file: file.path, problem: document.problem });
        continue;
      }
      const { value } = document;
      if (value === null || value === undefined) continue;
      if (!isK8sObject(value)) {
        unreadable.push({ file: file.path, problem: 'not a Kubernetes object (apiVersion, kind and metadata.name are required)' });
        continue;
      }
      objects.push({ file: file.path, folder, object: value });
    }
  }
  return { files: [...files], objects, unreadable };
}

/**
 * The data of each YAML document of a manifest file, or why a document is not valid YAML. A manifest in
 * plain block YAML (what synth writes, bar block scalars) is read fast, into the same data as the library's.
 */
function manifestDocuments(content: string): ({ value: unknown } | { problem: string })[] {
  const plain = readPlainYaml(content);
  if (plain !== undefined) return [plain];
  const documents = parseAllDocuments(content);
  return (Array.isArray(documents) ? documents : [documents]).map((doc) =>
    doc.errors.length > 0 ? { problem: `not valid YAML: ${doc.errors[0].message.split('\n')[0]}` } : { value: doc.toJS() },
  );
}

function isK8sObject(value: unknown): value is K8sObject {
  const v = value as Partial<K8sObject> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.apiVersion === 'string' &&
    typeof v.kind === 'string' &&
    typeof v.metadata === 'object' &&
    v.metadata !== null &&
    typeof v.metadata.name === 'string'
  );
}

/** `Role aragora-dev/aragora-secrets-reader`, `ClusterSecretStore vault-backend`. */
export function describe(object: K8sObject): string {
  const ns = object.metadata.namespace;
  return `${object.kind} ${ns ? `${ns}/` : ''}${object.metadata.name}`;
}

/** `Kind/name`, as messages name an object. */
export function ref(object: K8sObject): string {
  return `${object.kind}/${object.metadata.name}`;
}

/** `group` of an `apiVersion` (`external-secrets.io/v1` → `external-secrets.io`; `v1` → ``). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

export function versionOf(apiVersion: string): string {
  return apiVersion.slice(apiVersion.lastIndexOf('/') + 1);
}

/** The objects of one folder, by kind. */
export function inFolder(tree: ManifestTree, folder: string, kind?: string): ManifestObject[] {
  return tree.objects.filter((o) => o.folder === folder && (kind === undefined || o.object.kind === kind));
}

export function annotationsOf(meta: { readonly annotations?: unknown } | undefined): Record<string, unknown> {
  const a = meta?.annotations;
  return a && typeof a === 'object' && !Array.isArray(a) ? (a as Record<string, unknown>) : {};
}

export function arr(value: unknown): any[] {
  return Array.isArray(value) ? value : [];
}

// --- environments ---

/** One environment's objects, as the per-environment rules see them. */
export interface Environment {
  /** The environment's name: its folder's. */
  readonly name: string;
  readonly folder: string;
  /** The namespace of its objects that name none: the config's, else the folder's own. */
  readonly namespace: string;
  readonly objects: readonly ManifestObject[];
  readonly facts?: EnvironmentFacts;
  /** The kinds besides a core Secret that make Secrets (`CheckInput.producers`). */
  readonly producers: readonly SecretProducer[];
}

/** The manifest folders of the tree, one environment each, with the config facts of that environment. */
export function environmentsOf(input: CheckInput): Environment[] {
  const namespaces = folderNamespaces(input.tree);
  const folders = [...new Set(input.tree.objects.map((o) => o.folder))].sort();
  return folders.map((folder) => {
    const name = posix.basename(folder);
    const facts = input.facts?.find((f) => f.name === name);
    return { name, folder, namespace: facts?.namespace ?? namespaces.get(folder) ?? 'default', objects: input.tree.objects.filter((o) => o.folder === folder), facts, producers: input.producers ?? [] };
  });
}

/** The namespace of an object in its environment. */
export function namespaceIn(env: Environment, object: K8sObject): string {
  return typeof object.metadata.namespace === 'string' ? object.metadata.namespace : env.namespace;
}

/** The namespace of each manifest folder: its Namespace object, else the most common namespace of its objects. */
export function folderNamespaces(tree: ManifestTree): Map<string, string> {
  const counts = new Map<string, Map<string, number>>();
  const out = new Map<string, string>();
  for (const { folder, object } of tree.objects) {
    if (object.kind === 'Namespace' && object.apiVersion === 'v1') out.set(folder, object.metadata.name);
    const ns = object.metadata.namespace;
    if (!ns) continue;
    const byNs = counts.get(folder) ?? new Map<string, number>();
    byNs.set(ns, (byNs.get(ns) ?? 0) + 1);
    counts.set(folder, byNs);
  }
  for (const [folder, byNs] of counts) {
    if (!out.has(folder)) out.set(folder, [...byNs].sort(([, a], [, b]) => b - a)[0][0]);
  }
  return out;
}

/** The environment folder of a file: the manifest folder it lies in, else its first segment. */
export function folderResolver(tree: ManifestTree): (path: string) => string {
  const manifestFolders = [...new Set(tree.objects.map((o) => o.folder))].sort((a, b) => b.length - a.length);
  return (path) => {
    const normalized = path.replace(/\\/g, '/');
    return manifestFolders.find((f) => normalized.startsWith(`${f}/`)) ?? normalized.split('/')[0];
  };
}

/** A problem with an object of the tree. */
export function problemWith(entry: ManifestObject, message: string, fix: string, more: Pick<Problem, 'location' | 'severity'> = {}): Problem {
  return { resource: describe(entry.object), file: entry.file, message, fix, ...more };
}

// --- pods ---

/** The pod spec of a workload kind, or undefined for other kinds. */
export function podSpecOf(object: K8sObject): any {
  switch (object.kind) {
    case 'Pod':
      return object.spec;
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'Job':
      return object.spec?.template?.spec;
    case 'CronJob':
      return object.spec?.jobTemplate?.spec?.template?.spec;
    default:
      return undefined;
  }
}

/** A pod template inside an object: where the Vault injector and the kubelet look. */
export interface PodTemplate {
  /** Path from the object's root, e.g. `spec.template` (empty for a Pod). */
  readonly path: string;
  readonly annotations: Readonly<Record<string, unknown>>;
  readonly spec: any;
}

/**
 * Every pod template of an object, whatever its kind: a Pod itself, `spec.template` (Deployment,
 * StatefulSet, DaemonSet, ReplicaSet, Job, and custom workloads such as Argo Rollouts) and
 * `spec.jobTemplate.spec.template` (CronJob).
 */
export function podTemplates(obj: K8sObject): PodTemplate[] {
  if (obj.kind === 'Pod') return [{ path: '', annotations: annotationsOf(obj.metadata), spec: obj.spec ?? {} }];
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
export function runsToCompletion(obj: K8sObject, template: PodTemplate): boolean {
  return obj.kind === 'Job' || obj.kind === 'CronJob' || template.spec?.restartPolicy === 'Never' || template.spec?.restartPolicy === 'OnFailure';
}

/** The Secrets a pod spec reads (env, envFrom, volumes, also projected; ephemeral containers too), sorted, each with where it is first read. */
export function secretReferences(podSpec: any): { name: string; location: string }[] {
  const found = new Map<string, string>();
  const add = (name: unknown, location: string) => {
    if (typeof name === 'string' && name && !found.has(name)) found.set(name, location);
  };
  for (const field of ['initContainers', 'containers', 'ephemeralContainers'] as const) {
    arr(podSpec?.[field]).forEach((c: any, i: number) => {
      arr(c?.env).forEach((e: any, j: number) => add(e?.valueFrom?.secretKeyRef?.name, `spec.template.spec.${field}[${i}].env[${j}]`));
      arr(c?.envFrom).forEach((e: any, j: number) => add(e?.secretRef?.name, `spec.template.spec.${field}[${i}].envFrom[${j}]`));
    });
  }
  arr(podSpec?.volumes).forEach((v: any, i: number) => {
    add(v?.secret?.secretName, `spec.template.spec.volumes[${i}]`);
    arr(v?.projected?.sources).forEach((s: any, j: number) => add(s?.secret?.name, `spec.template.spec.volumes[${i}].projected.sources[${j}]`));
  });
  return [...found].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, location]) => ({ name, location }));
}

// --- which object makes Secret X ---

/** The ExternalSecret specs of an environment: ExternalSecrets, and those a ClusterExternalSecret stamps out. */
export function externalSecretSpecs(objects: readonly ManifestObject[]): { entry: ManifestObject; spec: any; path: string }[] {
  return objects.flatMap((entry) => {
    const obj = entry.object;
    if (groupOf(obj.apiVersion) !== ESO_GROUP) return [];
    if (obj.kind === 'ExternalSecret') return [{ entry, spec: obj.spec ?? {}, path: 'spec' }];
    if (obj.kind === 'ClusterExternalSecret' && obj.spec?.externalSecretSpec) return [{ entry, spec: obj.spec.externalSecretSpec, path: 'spec.externalSecretSpec' }];
    return [];
  });
}

/** The Secret an ExternalSecret writes: `target.name`, or the ExternalSecret's own name. */
export function targetName(obj: K8sObject, spec: any): string {
  return typeof spec?.target?.name === 'string' && spec.target.name !== '' ? spec.target.name : obj.metadata.name;
}

/** What makes a Secret in the cluster: `plain`, a Secret itself; else the producer of the object's kind. */
export interface SecretMade {
  readonly namespace: string;
  readonly name: string;
  /** Absent for a core Secret. */
  readonly producer?: SecretProducer;
}

/**
 * The Secret an object makes in the cluster: a Secret itself, or what the controller of a registered
 * producer's kind writes (a SealedSecret's, an ExternalSecret's target...). Undefined for other objects.
 */
export function secretMadeBy(object: K8sObject, namespace: string, producers: readonly SecretProducer[] = []): SecretMade | undefined {
  return secretsMadeBy(object, namespace, producers)[0];
}

/** Every Secret an object makes in the cluster (a SecretProviderClass syncs one per `secretObjects` entry). */
export function secretsMadeBy(object: K8sObject, namespace: string, producers: readonly SecretProducer[] = []): SecretMade[] {
  if (object.kind === 'Secret' && object.apiVersion === 'v1') return [{ namespace, name: object.metadata.name }];
  const group = groupOf(object.apiVersion);
  const producer = producers.find((p) => p.kind === object.kind && p.group === group);
  return producer ? producer.secretsOf(object, namespace).map((made) => ({ namespace: made.namespace, name: made.name, producer })) : [];
}

/** `the plain Secret/x`, `SealedSecret/x (its controller writes it)`: who makes a Secret, for messages. */
export function madeByText(object: K8sObject, made: SecretMade): string {
  return made.producer ? `${ref(object)} (${made.producer.how})` : `the plain ${ref(object)}`;
}

/** The objects of an environment that make the Secret `namespace/name`. */
export function producersOf(env: Environment, namespace: string, name: string): ManifestObject[] {
  return env.objects.filter(({ object }) => secretsMadeBy(object, namespaceIn(env, object), env.producers).some((made) => made.namespace === namespace && made.name === name));
}

// --- values as controllers read them ---

/** Go's `strconv.ParseBool`, which the Vault injector applies to its boolean annotations. */
export function parseGoBool(value: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  return undefined;
}

/** Whether a Go duration as ESO reads `refreshInterval` (`0`, `0s`, `0h0m`, `1h`...) is zero. */
export function isZeroGoDuration(duration: string): boolean {
  return [...duration.matchAll(/(\d+(?:\.\d+)?)/g)].every(([n]) => Number(n) === 0);
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
