/**
 * Checks that a generated object would be accepted by a Kubernetes API server, without a
 * cluster: the OpenAPI schema of its kind (kubernetes-models for the built-in kinds, the
 * upstream CRDs in ../shared/crds for external-secrets and sealed-secrets, schemas transcribed
 * from the Config Connector and Cloud Run references in ./gcp-schemas.ts), plus the
 * metadata rules the API server enforces outside the schema (name syntax, scope, label
 * and annotation syntax) and a few semantic rules it is known to reject.
 *
 * Deliberately independent of src/: validating the output with the generator's own regexes
 * would only prove that the code agrees with itself.
 *
 * Known gaps: unknown fields of built-in kinds go unreported (the kubernetes-models schemas
 * allow additional properties; cdk8s's typed props make them unlikely, except through
 * escape hatches such as Lazy values and JSON patches), and CEL rules of CRDs are not run.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv, { _, type ErrorObject, type ValidateFunction } from 'ajv';
import standaloneCode from 'ajv/dist/standalone';
import { ObjectMeta } from '@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta';
import { formats } from '@kubernetes-models/validate';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1';
import { DaemonSet, Deployment, ReplicaSet, StatefulSet } from 'kubernetes-models/apps/v1';
import { CronJob, Job } from 'kubernetes-models/batch/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ConfigMap, Namespace, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { CNRM_ANNOTATION_VALUES, GCP_SCHEMAS } from './gcp-schemas';

// ---------------------------------------------------------------------------------------
// Built-in kinds

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: any) => Validatable;

const CORE_MODELS: Readonly<Record<string, ModelClass>> = Object.fromEntries(
  [
    Namespace,
    Secret,
    ServiceAccount,
    ConfigMap,
    Service,
    Deployment,
    ReplicaSet,
    StatefulSet,
    DaemonSet,
    Job,
    CronJob,
    Role,
    RoleBinding,
    ClusterRole,
    ClusterRoleBinding,
    NetworkPolicy,
    CustomResourceDefinition,
  ].map((model) => [typeKey(model.apiVersion, model.kind), model as unknown as ModelClass]),
);

/**
 * Kinds without a namespace. CRD kinds not listed here take their scope from their CRD; the
 * two cluster-scoped ESO kinds are listed anyway so that the check holds without the CRDs.
 */
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'ClusterSecretStore', 'ClusterExternalSecret']);

/**
 * Name rules stricter than the default DNS-1123 subdomain, as the API server applies them
 * (Service names are DNS-1035 labels: they become DNS names and env var prefixes).
 *
 * Everything else is held to a DNS-1123 subdomain, which is stricter than the API server for
 * RBAC objects (it accepts any path segment there, uppercase included): names that only
 * work for some kinds are a trap when the same name is reused for the ServiceAccount.
 */
const NAME_RULES: Readonly<Record<string, { readonly describe: string; readonly test: (name: string) => boolean }>> = {
  Namespace: { describe: 'a DNS-1123 label (at most 63 lowercase letters, digits and "-")', test: isDns1123Label },
  Service: { describe: 'a DNS-1035 label (at most 63 lowercase letters, digits and "-", starting with a letter)', test: isDns1035Label },
};

// ---------------------------------------------------------------------------------------
// Custom resources

/** Where the upstream CRDs are kept (outside the project, shared by every worktree). */
export const CRD_DIR = resolve(__dirname, '../../../shared/crds');
export const crdsAvailable = existsSync(CRD_DIR);

/** Groups served by CRDs: objects of these groups are never "unknown kinds" even without the files. */
const CRD_GROUPS = new Set(['external-secrets.io', 'generators.external-secrets.io', 'bitnami.com', 'secrets.hashicorp.com', 'secrets-store.csi.x-k8s.io']);

type JsonSchema = Record<string, any>;

interface CrdInfo {
  readonly scope: 'Namespaced' | 'Cluster';
  readonly versions: ReadonlyMap<string, { readonly served: boolean; readonly schema: JsonSchema }>;
}

let crdIndex: Map<string, CrdInfo> | undefined;

/**
 * Where parsed CRDs and compiled validators are kept between test files and runs, keyed by the content they are
 * made from (the CRD files; the schema, ajv's version and this file's options): parsing the 2 MB of CRD YAML and
 * compiling the SecretStore schemas cost seconds in every test file that validates manifests.
 */
const CACHE_DIR = resolve(__dirname, '../../node_modules/.cache/aragora-secrets-tests');
/** Part of every key: a change to how this file parses or converts makes new entries. */
const THIS_FILE = readFileSync(__filename, 'utf8');

function cached<T>(file: string, make: () => { value: T; text: string }, read: (path: string) => T): T {
  const path = join(CACHE_DIR, file);
  if (existsSync(path)) return read(path);
  const { value, text } = make();
  mkdirSync(CACHE_DIR, { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path); // a concurrent test file never reads half a file
  return value;
}

/** Parsed lazily: the SecretStore CRDs are ~700 KB each, and most test files never need them. */
function crds(): Map<string, CrdInfo> {
  if (crdIndex) return crdIndex;
  crdIndex = new Map();
  if (!crdsAvailable) return crdIndex;
  const files = readdirSync(CRD_DIR).filter((f) => /\.ya?ml$/.test(f)).sort();
  const texts = files.map((file) => readFileSync(resolve(CRD_DIR, file), 'utf8'));
  const hash = createHash('sha256').update(THIS_FILE);
  for (const [i, file] of files.entries()) hash.update(file).update('\0').update(texts[i]).update('\0');
  type Entry = [key: string, group: string, scope: CrdInfo['scope'], versions: [name: string, served: boolean, schema: JsonSchema][]];
  const entries = cached<Entry[]>(
    `crds-${hash.digest('hex').slice(0, 24)}.json`,
    () => {
      const parsed: Entry[] = [];
      for (const text of texts) {
        for (const doc of parseAllDocuments(text)) {
          const crd = doc.toJS();
          if (crd?.kind !== 'CustomResourceDefinition') continue;
          const versions = (crd.spec.versions ?? []).map((v: any): [string, boolean, JsonSchema] => [v.name, v.served === true, v.schema?.openAPIV3Schema ?? {}]);
          parsed.push([crdKey(crd.spec.group, crd.spec.names.kind), crd.spec.group, crd.spec.scope, versions]);
        }
      }
      return { value: parsed, text: JSON.stringify(parsed) };
    },
    (path) => JSON.parse(readFileSync(path, 'utf8')),
  );
  for (const [key, group, scope, versions] of entries) {
    crdIndex.set(key, { scope, versions: new Map(versions.map(([name, served, schema]) => [name, { served, schema }])) });
    CRD_GROUPS.add(group);
  }
  return crdIndex;
}

const FORMATS_MODULE = require.resolve('@kubernetes-models/validate');
const AJV_OPTIONS = {
  // CRD schemas carry OpenAPI and x-kubernetes-* keywords that are not JSON Schema.
  strict: false,
  allErrors: true,
  // The API server applies schema defaults before it validates, so a required field with a
  // default may be left out (the Password generator's `length`). Validators get a copy.
  useDefaults: true,
} as const;
// Validators are written as standalone modules, which take the formats kubernetes-models validates built-in kinds
// with (int32, int64, byte, date-time...) from that package.
const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true, formats: _`require(${FORMATS_MODULE}).formats` } });
for (const [name, format] of Object.entries(formats)) ajv.addFormat(name, format);

const crdValidators = new Map<string, ValidateFunction>();

function crdValidator(key: string, schema: JsonSchema): ValidateFunction {
  let validator = crdValidators.get(key);
  if (!validator) {
    validator = compiledValidator(toAjvSchema(schema) as JsonSchema);
    crdValidators.set(key, validator);
  }
  return validator;
}

/**
 * `schema` compiled by this file's ajv (formats of kubernetes-models, all errors, schema defaults applied to
 * the object validated: give it a copy), kept as a standalone module between test files and runs.
 */
export function compiledValidator(schema: JsonSchema): ValidateFunction {
  const hash = createHash('sha256').update(THIS_FILE).update(JSON.stringify({ ajv: require('ajv/package.json').version, options: AJV_OPTIONS, formats: FORMATS_MODULE, schema }));
  return cached<ValidateFunction>(
    `validator-${hash.digest('hex').slice(0, 24)}.js`,
    () => {
      const compiled = ajv.compile(schema);
      return { value: compiled, text: standaloneCode(ajv, compiled) };
    },
    (path) => require(path),
  );
}

/** The openAPIV3Schema of a CRD's version in ../shared/crds, served or not, read from the parsed-CRD cache. */
export function crdVersionSchema(group: string, kind: string, version: string): JsonSchema | undefined {
  return crds().get(crdKey(group, kind))?.versions.get(version)?.schema;
}

/**
 * Rewrites a CRD structural schema into the JSON Schema that accepts what the API server
 * accepts:
 * - `x-kubernetes-int-or-string` means integer or string, whatever `type` or `anyOf` say;
 * - `nullable` (OpenAPI, not JSON Schema) also admits null;
 * - objects with declared properties reject unknown fields, unless
 *   `x-kubernetes-preserve-unknown-fields` says otherwise: kubectl applies with strict
 *   server-side field validation, so a misspelled field fails the apply instead of being
 *   pruned silently. `metadata` (declared as a bare object) stays open.
 * CEL rules (`x-kubernetes-validations`) are not evaluated.
 */
function toAjvSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toAjvSchema);
  if (node === null || typeof node !== 'object') return node;
  const source = node as JsonSchema;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(source)) {
    if (key === 'properties' || key === 'patternProperties' || key === 'definitions') {
      out[key] = Object.fromEntries(Object.entries(value as JsonSchema).map(([name, child]) => [name, toAjvSchema(child)]));
    } else if (key === 'enum' || key === 'default' || key === 'example' || key === 'required' || key.startsWith('x-kubernetes-')) {
      // Data, not subschemas.
      out[key] = value;
    } else {
      out[key] = toAjvSchema(value);
    }
  }
  // Type lists rather than anyOf: one readable error ("must be integer,string") instead of
  // one per branch plus "must match a schema in anyOf".
  if (out['x-kubernetes-int-or-string'] === true) {
    delete out.anyOf;
    out.type = ['integer', 'string'];
  }
  if (out.properties && out.additionalProperties === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true) {
    out.additionalProperties = false;
  }
  if (out.nullable === true) {
    delete out.nullable;
    if (out.type === undefined) return { anyOf: [{ type: 'null' }, out] };
    out.type = [...(Array.isArray(out.type) ? out.type : [out.type]), 'null'];
    if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Syntax rules of names, labels and annotations (k8s.io/apimachinery/pkg/util/validation)

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

function isDns1123Label(value: string): boolean {
  return value.length <= 63 && DNS1123_LABEL.test(value);
}

function isDns1123Subdomain(value: string): boolean {
  return value.length <= 253 && DNS1123_SUBDOMAIN.test(value);
}

function isDns1035Label(value: string): boolean {
  return value.length <= 63 && DNS1035_LABEL.test(value);
}

/** `[prefix/]name`: the syntax of label keys, annotation keys and finalizers. */
function isQualifiedName(value: string): boolean {
  const parts = value.split('/');
  if (parts.length > 2) return false;
  const name = parts.at(-1)!;
  if (parts.length === 2 && !isDns1123Subdomain(parts[0])) return false;
  return name.length <= 63 && QUALIFIED_NAME.test(name);
}

function isLabelValue(value: string): boolean {
  return value === '' || (value.length <= 63 && QUALIFIED_NAME.test(value));
}

const LABEL_KEY_RULE = 'an optional DNS-1123 subdomain prefix and "/", then at most 63 letters, digits, "-", "_" or ".", starting and ending alphanumeric';
const LABEL_VALUE_RULE = 'empty, or at most 63 letters, digits, "-", "_" or ".", starting and ending alphanumeric';

// ---------------------------------------------------------------------------------------
// Entry points

/** Problems of one Kubernetes object, as human-readable sentences; empty when it is valid. */
export function validateManifest(obj: any): string[] {
  if (!isRecord(obj)) return [`not an object: ${describeValue(obj)}`];
  const problems: string[] = [];
  if (typeof obj.apiVersion !== 'string' || obj.apiVersion === '') problems.push('apiVersion: missing');
  if (typeof obj.kind !== 'string' || obj.kind === '') problems.push('kind: missing');
  if (!isRecord(obj.metadata)) problems.push('metadata: missing');
  if (problems.length > 0) return problems;

  problems.push(...schemaProblems(obj));
  problems.push(...metadataProblems(obj));
  if (isRecord(obj.spec)) problems.push(...nestedLabelProblems(obj.spec, 'spec'));
  problems.push(...semanticProblems(obj));
  return [...new Set(problems)];
}

/** Problems of several objects, each prefixed with `Kind/name`. */
export function validateManifests(objs: readonly any[]): string[] {
  return objs.flatMap((obj) => {
    const id = `${obj?.kind ?? '<no kind>'}/${obj?.metadata?.name ?? '<no name>'}`;
    return validateManifest(obj).map((problem) => `${id}: ${problem}`);
  });
}

// ---------------------------------------------------------------------------------------
// Schema

function schemaProblems(obj: Record<string, any>): string[] {
  const model = CORE_MODELS[typeKey(obj.apiVersion, obj.kind)];
  if (model) return modelProblems(() => new model(obj).validate());

  // Google Cloud kinds without a CRD in ../shared/crds: schemas transcribed from their references.
  const gcpSchema = GCP_SCHEMAS[typeKey(obj.apiVersion, obj.kind)];
  if (gcpSchema) {
    const validate = crdValidator(typeKey(obj.apiVersion, obj.kind), gcpSchema);
    const problems = validate(structuredClone(obj)) ? [] : (validate.errors ?? []).map((e) => describeAjvError(e));
    problems.push(...modelProblems(() => new ObjectMeta(obj.metadata).validate(), '/metadata'));
    for (const [key, allowed] of Object.entries(CNRM_ANNOTATION_VALUES)) {
      const value = obj.metadata?.annotations?.[key];
      if (value !== undefined && !allowed.includes(value)) problems.push(`metadata.annotations["${key}"]: must be one of ${allowed.join(', ')}`);
    }
    const project = obj.metadata?.annotations?.['cnrm.cloud.google.com/project-id'];
    if (project !== undefined && !/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/.test(project)) problems.push(`metadata.annotations["cnrm.cloud.google.com/project-id"]: "${project}" is not a project ID`);
    return problems;
  }

  const { group, version } = splitApiVersion(obj.apiVersion);
  const crd = crds().get(crdKey(group, obj.kind));
  if (!crd && !CRD_GROUPS.has(group)) {
    return [`no schema for ${obj.apiVersion} ${obj.kind}: add its model to CORE_MODELS in ${__filename}`];
  }
  if (!crdsAvailable) return [];
  if (!crd) return [`no CRD in ${CRD_DIR} defines kind ${obj.kind} in group ${group}`];
  const crdVersion = crd.versions.get(version);
  if (!crdVersion) return [`the ${obj.kind} CRD has no version ${version} (it has: ${[...crd.versions.keys()].join(', ')})`];

  const problems: string[] = [];
  if (!crdVersion.served) {
    const served = [...crd.versions].filter(([, v]) => v.served).map(([name]) => name);
    problems.push(`${obj.apiVersion} is not served by the ${obj.kind} CRD: the API server would answer "no matches for kind"; use ${served.join(' or ')}`);
  }
  const validate = crdValidator(typeKey(obj.apiVersion, obj.kind), crdVersion.schema);
  if (!validate(structuredClone(obj))) problems.push(...(validate.errors ?? []).map((e) => describeAjvError(e)));
  // The CRD schema says nothing about metadata beyond "object": check it as ObjectMeta.
  problems.push(...modelProblems(() => new ObjectMeta(obj.metadata).validate(), '/metadata'));
  return problems;
}

/** Runs a kubernetes-models `validate()`, which throws an ajv ValidationError listing every error. */
function modelProblems(validate: () => void, pathPrefix = ''): string[] {
  try {
    validate();
    return [];
  } catch (e) {
    const errors = (e as { errors?: ErrorObject[] }).errors;
    if (!Array.isArray(errors)) throw e;
    return errors.map((error) => describeAjvError(error, pathPrefix));
  }
}

function describeAjvError(error: ErrorObject, pathPrefix = ''): string {
  const at = pointerToPath(pathPrefix + error.instancePath);
  const params = error.params as Record<string, any>;
  switch (error.keyword) {
    case 'additionalProperties':
      return `${at}: unknown field "${params.additionalProperty}"`;
    case 'enum':
      return `${at}: must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'required':
      return `${at}: missing required field "${params.missingProperty}"`;
    default:
      return `${at}: ${error.message ?? error.keyword}`;
  }
}

// ---------------------------------------------------------------------------------------
// Metadata

function metadataProblems(obj: Record<string, any>): string[] {
  const problems: string[] = [];
  const { metadata, kind } = obj;

  if (typeof metadata.name !== 'string' || metadata.name === '') {
    problems.push('metadata.name: missing');
  } else {
    const rule = NAME_RULES[kind] ?? { describe: 'a DNS-1123 subdomain (at most 253 lowercase letters, digits, "-" and ".")', test: isDns1123Subdomain };
    if (!rule.test(metadata.name)) problems.push(`metadata.name: "${metadata.name}" is not ${rule.describe}`);
  }

  const clusterScoped = scopeOf(obj) === 'Cluster';
  if (clusterScoped && metadata.namespace !== undefined) {
    problems.push(`metadata.namespace: ${kind} is cluster-scoped and must not have a namespace (found "${metadata.namespace}")`);
  }
  if (!clusterScoped) {
    if (metadata.namespace === undefined) {
      // Without one, `kubectl apply` puts the object wherever the current context points.
      problems.push(`metadata.namespace: missing; ${kind} is namespaced`);
    } else if (typeof metadata.namespace !== 'string' || !isDns1123Label(metadata.namespace)) {
      problems.push(`metadata.namespace: "${metadata.namespace}" is not a DNS-1123 label`);
    }
  }

  problems.push(...labelProblems(metadata.labels, 'metadata.labels'));
  problems.push(...annotationProblems(metadata.annotations, 'metadata.annotations'));
  return problems;
}

function scopeOf(obj: Record<string, any>): 'Namespaced' | 'Cluster' {
  if (CLUSTER_SCOPED.has(obj.kind)) return 'Cluster';
  return crds().get(crdKey(splitApiVersion(obj.apiVersion).group, obj.kind))?.scope ?? 'Namespaced';
}

function labelProblems(labels: unknown, path: string): string[] {
  if (labels === undefined) return [];
  if (!isRecord(labels)) return [`${path}: must be a mapping, got ${describeValue(labels)}`];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(labels)) {
    if (!isQualifiedName(key)) problems.push(`${path}: "${key}" is not a valid label key (${LABEL_KEY_RULE})`);
    if (typeof value !== 'string') problems.push(`${path}["${key}"]: must be a string, got ${describeValue(value)}`);
    else if (!isLabelValue(value)) problems.push(`${path}["${key}"]: "${value}" is not a valid label value (${LABEL_VALUE_RULE})`);
  }
  return problems;
}

function annotationProblems(annotations: unknown, path: string): string[] {
  if (annotations === undefined) return [];
  if (!isRecord(annotations)) return [`${path}: must be a mapping, got ${describeValue(annotations)}`];
  const problems: string[] = [];
  let size = 0;
  for (const [key, value] of Object.entries(annotations)) {
    // The API server lowercases annotation keys before checking them (the prefix may have capitals).
    if (!isQualifiedName(key.toLowerCase())) problems.push(`${path}: "${key}" is not a valid annotation key (${LABEL_KEY_RULE})`);
    if (typeof value !== 'string') problems.push(`${path}["${key}"]: must be a string, got ${describeValue(value)}`);
    size += Buffer.byteLength(key) + Buffer.byteLength(String(value));
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) problems.push(`${path}: ${size} bytes in total, more than the ${TOTAL_ANNOTATION_SIZE_LIMIT} the API server allows`);
  return problems;
}

/**
 * Labels below `spec`: pod templates (also a CronJob's job template) and label selectors.
 * A selector with an invalid label can never match, and a template's labels are validated
 * when the controller creates the pods, long after the apply succeeded.
 */
function nestedLabelProblems(node: unknown, path: string): string[] {
  if (Array.isArray(node)) return node.flatMap((item, i) => nestedLabelProblems(item, `${path}[${i}]`));
  if (!isRecord(node)) return [];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(node)) {
    const at = `${path}.${key}`;
    if (key === 'matchLabels') {
      problems.push(...labelProblems(value, at));
    } else if (key === 'matchExpressions' && Array.isArray(value)) {
      value.forEach((expression, i) => {
        if (!isRecord(expression)) return;
        if (typeof expression.key === 'string' && !isQualifiedName(expression.key)) {
          problems.push(`${at}[${i}].key: "${expression.key}" is not a valid label key (${LABEL_KEY_RULE})`);
        }
        if (expression.operator === 'In' || expression.operator === 'NotIn') {
          for (const v of Array.isArray(expression.values) ? expression.values : []) {
            if (typeof v === 'string' && !isLabelValue(v)) problems.push(`${at}[${i}].values: "${v}" is not a valid label value (${LABEL_VALUE_RULE})`);
          }
        }
      });
    } else if (key === 'metadata' && isRecord(value)) {
      problems.push(...labelProblems(value.labels, `${at}.labels`));
      problems.push(...annotationProblems(value.annotations, `${at}.annotations`));
    }
    problems.push(...nestedLabelProblems(value, at));
  }
  return problems;
}

// ---------------------------------------------------------------------------------------
// Rules the API server enforces in code, not in the schema

const WORKLOAD_KINDS = new Set(['apps/v1 Deployment', 'apps/v1 ReplicaSet', 'apps/v1 StatefulSet', 'apps/v1 DaemonSet']);

function semanticProblems(obj: Record<string, any>): string[] {
  const problems: string[] = [];
  if (WORKLOAD_KINDS.has(typeKey(obj.apiVersion, obj.kind))) problems.push(...selectorProblems(obj));
  if (obj.apiVersion === 'networking.k8s.io/v1' && obj.kind === 'NetworkPolicy') problems.push(...ipBlockProblems(obj));
  return problems;
}

/** "selector does not match template labels": the workload could never own its pods. */
function selectorProblems(obj: Record<string, any>): string[] {
  const matchLabels = obj.spec?.selector?.matchLabels;
  const templateLabels = obj.spec?.template?.metadata?.labels ?? {};
  if (!isRecord(matchLabels) || !isRecord(templateLabels)) return [];
  if (Object.keys(matchLabels).length === 0 && !obj.spec.selector.matchExpressions) {
    return ['spec.selector: empty; it would select every pod of the namespace (the API server rejects it)'];
  }
  return Object.entries(matchLabels)
    .filter(([key, value]) => templateLabels[key] !== value)
    .map(([key, value]) => `spec.selector.matchLabels["${key}"]: "${value}" is not among spec.template.metadata.labels, so the selector does not match the pods`);
}

/** `ipBlock.cidr` must parse, and every `except` must be a strict subset of it. */
function ipBlockProblems(obj: Record<string, any>): string[] {
  const problems: string[] = [];
  for (const [direction, peersKey] of [
    ['egress', 'to'],
    ['ingress', 'from'],
  ] as const) {
    const rules: unknown[] = Array.isArray(obj.spec?.[direction]) ? obj.spec[direction] : [];
    rules.forEach((rule, r) => {
      const peers: unknown[] = isRecord(rule) && Array.isArray(rule[peersKey]) ? rule[peersKey] : [];
      peers.forEach((peer, p) => {
        const block = isRecord(peer) ? peer.ipBlock : undefined;
        if (!isRecord(block)) return;
        const at = `spec.${direction}[${r}].${peersKey}[${p}].ipBlock`;
        const cidr = parseCidr(block.cidr);
        if (!cidr) {
          problems.push(`${at}.cidr: ${JSON.stringify(block.cidr)} is not a CIDR`);
          return;
        }
        const excepts: unknown[] = Array.isArray(block.except) ? block.except : [];
        excepts.forEach((value, e) => {
          const except = parseCidr(value);
          if (!except) problems.push(`${at}.except[${e}]: ${JSON.stringify(value)} is not a CIDR`);
          else if (!isStrictSubset(except, cidr)) problems.push(`${at}.except[${e}]: "${value}" is not a strict subset of cidr "${block.cidr}"`);
        });
      });
    });
  }
  return problems;
}

interface Cidr {
  readonly bits: 32 | 128;
  readonly address: bigint;
  readonly prefix: number;
}

function parseCidr(value: unknown): Cidr | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^([^/]+)\/(\d{1,3})$/.exec(value);
  if (!m) return undefined;
  const prefix = Number(m[2]);
  const v4 = parseIPv4(m[1]);
  if (v4 !== undefined) return prefix <= 32 ? { bits: 32, address: v4, prefix } : undefined;
  const v6 = parseIPv6(m[1]);
  if (v6 !== undefined) return prefix <= 128 ? { bits: 128, address: v6, prefix } : undefined;
  return undefined;
}

function parseIPv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n);
}

function parseIPv6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (s: string): bigint[] | undefined => {
    if (s === '') return [];
    const out: bigint[] = [];
    const parts = s.split(':');
    for (const [i, part] of parts.entries()) {
      const v4 = i === parts.length - 1 && part.includes('.') ? parseIPv4(part) : undefined;
      if (v4 !== undefined) out.push(v4 >> 16n, v4 & 0xffffn);
      else if (/^[0-9a-fA-F]{1,4}$/.test(part)) out.push(BigInt(parseInt(part, 16)));
      else return undefined;
    }
    return out;
  };
  const head = groupsOf(halves[0]);
  const tail = halves.length === 2 ? groupsOf(halves[1]) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  return [...head, ...Array<bigint>(missing).fill(0n), ...tail].reduce((acc, g) => (acc << 16n) | g, 0n);
}

/** As the API server checks it: same family, a longer prefix, and inside the range. */
function isStrictSubset(inner: Cidr, outer: Cidr): boolean {
  if (inner.bits !== outer.bits || inner.prefix <= outer.prefix) return false;
  const shift = BigInt(outer.bits - outer.prefix);
  return inner.address >> shift === outer.address >> shift;
}

// ---------------------------------------------------------------------------------------
// Helpers

/** `apps/v1 Deployment`. */
function typeKey(apiVersion: string, kind: string): string {
  return `${apiVersion} ${kind}`;
}

/** `external-secrets.io ExternalSecret`: a CRD spans versions. */
function crdKey(group: string, kind: string): string {
  return `${group} ${kind}`;
}

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** `/spec/template/metadata/labels/app.kubernetes.io~1name` → `spec.template.metadata.labels["app.kubernetes.io/name"]`. */
function pointerToPath(pointer: string): string {
  if (pointer === '') return '(root)';
  return pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment, i) => (/^\d+$/.test(segment) ? `[${segment}]` : /^[A-Za-z_$][\w$]*$/.test(segment) ? `${i === 0 ? '' : '.'}${segment}` : `["${segment}"]`))
    .join('');
}

function isRecord(value: unknown): value is Record<string, any> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'string' ? `the string ${JSON.stringify(value)}` : `${typeof value} ${JSON.stringify(value)}`;
}
