/**
 * Schemas of the Google Cloud kinds aragora-secrets emits, for which no CRD is kept in
 * ../shared/crds: transcribed by hand (never generated from src/) from
 *
 * - the Config Connector CRDs and reference pages of SecretManagerSecret
 *   (secretmanager.cnrm.cloud.google.com/v1beta1) and IAMPolicyMember (iam.cnrm.cloud.google.com/v1beta1):
 *   https://cloud.google.com/config-connector/docs/reference/resource-docs/secretmanager/secretmanagersecret
 *   https://cloud.google.com/config-connector/docs/reference/resource-docs/iam/iampolicymember
 * - the Cloud Run Admin API v1 (the Knative Serving `serving.knative.dev/v1` Service that
 *   `gcloud run services replace` takes): https://cloud.google.com/run/docs/reference/rest/v1/namespaces.services
 *
 * They are written the way the CRD schemas are (OpenAPI structural schemas: declared
 * properties only, so a misspelled field is an error) and go through the same ajv conversion.
 * The Cloud Run schema covers the fields of the Service, RevisionTemplate, RevisionSpec and
 * Container that Cloud Run (fully managed) supports; fields its reference marks "Not supported
 * by Cloud Run" are left out on purpose, so that emitting one fails.
 */

type JsonSchema = Record<string, any>;

const str = { type: 'string' };
const stringMap = { type: 'object', additionalProperties: { type: 'string' } };
const int = { type: 'integer', format: 'int32' };

/** A Config Connector reference: `name` (and `namespace`) of an object of the cluster, or `external`. */
const kccRef: JsonSchema = {
  type: 'object',
  properties: { external: str, name: str, namespace: str },
  oneOf: [
    { required: ['name'], not: { required: ['external'] } },
    { required: ['external'], not: { anyOf: [{ required: ['name'] }, { required: ['namespace'] }] } },
  ],
};

const customerManagedEncryption: JsonSchema = { type: 'object', properties: { kmsKeyRef: kccRef }, required: ['kmsKeyRef'] };

export const SECRET_MANAGER_SECRET_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    apiVersion: str,
    kind: str,
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      properties: {
        annotations: stringMap,
        expireTime: str,
        labels: stringMap,
        replication: {
          type: 'object',
          // Exactly one replication policy (the API refuses a secret with none or two).
          minProperties: 1,
          maxProperties: 1,
          properties: {
            auto: { type: 'object', properties: { customerManagedEncryption } },
            automatic: { type: 'boolean', enum: [true] },
            userManaged: {
              type: 'object',
              properties: {
                replicas: {
                  type: 'array',
                  minItems: 1,
                  items: { type: 'object', properties: { customerManagedEncryption, location: str }, required: ['location'] },
                },
              },
              required: ['replicas'],
            },
          },
        },
        resourceID: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,255}$' },
        rotation: { type: 'object', properties: { nextRotationTime: str, rotationPeriod: str } },
        topics: { type: 'array', items: { type: 'object', properties: { topicRef: kccRef }, required: ['topicRef'] } },
        ttl: str,
        versionAliases: stringMap,
      },
      required: ['replication'],
    },
  },
  required: ['spec'],
};

const namedRef = (extra: JsonSchema = {}): JsonSchema => ({ type: 'object', properties: { name: str, namespace: str, ...extra }, required: ['name'] });

export const IAM_POLICY_MEMBER_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    apiVersion: str,
    kind: str,
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      oneOf: [{ required: ['member'] }, { required: ['memberFrom'] }],
      properties: {
        condition: { type: 'object', properties: { description: str, expression: str, title: str }, required: ['expression', 'title'] },
        member: { type: 'string', pattern: '^(serviceAccount|user|group|domain|principal|principalSet):\\S+$' },
        memberFrom: {
          type: 'object',
          properties: {
            logSinkRef: namedRef(),
            serviceAccountRef: namedRef(),
            serviceIdentityRef: namedRef(),
            sqlInstanceRef: namedRef(),
            bigQueryConnectionConnectionRef: namedRef({ type: { type: 'string', enum: ['spark', 'cloudSQL', 'cloudResource'] } }),
          },
          minProperties: 1,
          maxProperties: 1,
        },
        resourceRef: {
          type: 'object',
          properties: { apiVersion: str, external: str, kind: str, name: str, namespace: str },
          required: ['kind'],
          oneOf: [
            { required: ['name'], not: { required: ['external'] } },
            { required: ['external'], not: { anyOf: [{ required: ['name'] }, { required: ['namespace'] }] } },
            { not: { anyOf: [{ required: ['name'] }, { required: ['namespace'] }, { required: ['apiVersion'] }, { required: ['external'] }] } },
          ],
        },
        role: { type: 'string', pattern: '^((projects|organizations)/[^/]+/)?roles/[\\w_\\.]+$' },
      },
      required: ['resourceRef', 'role'],
    },
  },
  required: ['spec'],
};

const envVar: JsonSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
    value: str,
    valueFrom: {
      type: 'object',
      // Cloud Run supports secretKeyRef only (configMapKeyRef: "Not supported by Cloud Run").
      properties: {
        secretKeyRef: {
          type: 'object',
          properties: {
            // "Must be 'latest' for the latest version or an integer for a specific version."
            key: { type: 'string', pattern: '^(latest|[1-9][0-9]*)$' },
            name: str,
            optional: { type: 'boolean' },
          },
          required: ['key', 'name'],
        },
      },
      required: ['secretKeyRef'],
    },
  },
  required: ['name'],
  // "Cannot be used if value is not empty."
  not: { required: ['value', 'valueFrom'] },
};

const container: JsonSchema = {
  type: 'object',
  properties: {
    args: { type: 'array', items: str },
    command: { type: 'array', items: str },
    env: { type: 'array', items: envVar },
    image: str,
    name: str,
    ports: {
      type: 'array',
      // "Only a single port can be specified."
      maxItems: 1,
      items: {
        type: 'object',
        properties: { containerPort: { type: 'integer', minimum: 1, maximum: 65535 }, name: { type: 'string', enum: ['http1', 'h2c'] }, protocol: { type: 'string', enum: ['TCP'] } },
      },
    },
    resources: {
      type: 'object',
      properties: {
        // "Only memory and CPU are supported."
        limits: { type: 'object', properties: { cpu: str, memory: str } },
        requests: { type: 'object', properties: { cpu: str, memory: str } },
      },
    },
    workingDir: str,
  },
  required: ['image'],
};

export const CLOUD_RUN_SERVICE_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    apiVersion: { type: 'string', enum: ['serving.knative.dev/v1'] },
    kind: { type: 'string', enum: ['Service'] },
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      properties: {
        template: {
          type: 'object',
          properties: {
            metadata: { type: 'object', properties: { annotations: stringMap, labels: stringMap, name: str } },
            spec: {
              type: 'object',
              properties: {
                containerConcurrency: { ...int, minimum: 0, maximum: 1000 },
                // "In Cloud Run, only a single container may be provided" (for a service without sidecars).
                containers: { type: 'array', minItems: 1, maxItems: 1, items: container },
                serviceAccountName: str,
                timeoutSeconds: { ...int, minimum: 1, maximum: 3600 },
              },
              required: ['containers'],
            },
          },
          required: ['spec'],
        },
        traffic: { type: 'array', items: { type: 'object', properties: { configurationName: str, latestRevision: { type: 'boolean' }, percent: int, revisionName: str, tag: str } } },
      },
      required: ['template'],
    },
  },
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
};

/** `<apiVersion> <kind>` → schema (all three kinds are namespaced). */
export const GCP_SCHEMAS: Readonly<Record<string, JsonSchema>> = {
  'secretmanager.cnrm.cloud.google.com/v1beta1 SecretManagerSecret': SECRET_MANAGER_SECRET_SCHEMA,
  'iam.cnrm.cloud.google.com/v1beta1 IAMPolicyMember': IAM_POLICY_MEMBER_SCHEMA,
  'serving.knative.dev/v1 Service': CLOUD_RUN_SERVICE_SCHEMA,
};

/** Config Connector annotations with a fixed set of values. */
export const CNRM_ANNOTATION_VALUES: Readonly<Record<string, readonly string[]>> = {
  'cnrm.cloud.google.com/deletion-policy': ['abandon', 'delete'],
  'cnrm.cloud.google.com/state-into-spec': ['merge', 'absent'],
};
