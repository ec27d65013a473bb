import { z } from 'zod';
import { cidr, dnsLabel, DURATION, labels, port, resourceQuantities, VAULT_PATH, vaultName } from '../../config-kit/fields';
import { PATH_SEGMENT_RULE, pathPattern } from '../../config-kit/path-pattern';

export const vaultDelivery = z
  .strictObject({
    method: z.literal('vault'),
    role: vaultName('a Vault role name')
      .optional()
      .describe("Role of Vault's kubernetes auth method that binds the ServiceAccount and namespace. @default <app.name>-<environment>"),
    path: z
      .string()
      .regex(VAULT_PATH, { error: `a Vault API path such as "secret/data/aragora/env": segments of letters, digits, "-", "_" and ".", separated by "/" (${PATH_SEGMENT_RULE})` })
      .optional()
      .describe('API path of the one KV secret holding every field (KV v2 paths carry /data/, e.g. secret/data/aragora/env). @default <mount>/data/<remote.key> per secret'),
    mount: z
      .string()
      .regex(VAULT_PATH, { error: `a KV mount path such as "secret" (${PATH_SEGMENT_RULE})` })
      .optional()
      .describe('Mount of the KV engine, used to derive the paths when `path` is not set. @default secret'),
    kvVersion: z
      .union([z.literal(1), z.literal(2)], { error: 'the KV engine version is 1 or 2' })
      .optional()
      .describe('Version of the KV secrets engine: v2 reads .Data.data.<field>, v1 .Data.<field>. @default 2'),
    file: z
      .string()
      .max(40, { error: 'a file name of at most 40 characters (it ends an annotation key)' })
      .regex(/^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$/, { error: 'a file name of lowercase letters, digits, "-", "_" and ".", starting and ending with a letter or digit' })
      .optional()
      .describe('Name of the rendered file under /vault/secrets. @default env'),
    authPath: z
      .string()
      .regex(pathPattern({ prefix: 'auth/', characters: 'A-Za-z0-9_.-' }), { error: `an auth mount path such as "auth/kubernetes" or "auth/k8s-prod" (${PATH_SEGMENT_RULE})` })
      .optional()
      .describe("Mount path of Vault's kubernetes auth method. @default auth/kubernetes (the injector's default)"),
    vaultNamespace: z
      .string()
      .regex(VAULT_PATH, { error: `a Vault Enterprise namespace such as "admin/aragora" (${PATH_SEGMENT_RULE})` })
      .optional()
      .describe('Vault Enterprise namespace of the role and the secret. @default none (the root namespace)'),
    prePopulateOnly: z
      .boolean()
      .optional()
      .describe('Render the file once, in an init container, with no sidecar: values change only when the pod restarts. @default false (a sidecar re-renders the file)'),
    renderInterval: z
      .string()
      .regex(DURATION, { error: 'a duration such as "5m" or "1h"' })
      .optional()
      .describe("How often the sidecar re-reads the KV secret to re-render the file. @default the agent's (5m)"),
    tokenTtl: z
      .string()
      .regex(DURATION, { error: 'a duration such as "1h"' })
      .optional()
      .describe('TTL of the Vault token the role issues to the agent. @default 1h'),
    tokenMaxTtl: z
      .string()
      .regex(DURATION, { error: 'a duration such as "24h"' })
      .optional()
      .describe('Longest life of that token, renewals included (the role\'s token_max_ttl); the agent then logs in again. @default 24h, or tokenTtl when longer'),
    policyName: vaultName('a Vault policy name').optional().describe('Name of the read-only Vault policy. @default <app.name>-<environment>-read'),
    server: z
      .strictObject({
        address: z
          .string()
          .regex(/^https?:\/\/[^\s/@]+(:\d+)?\/?$/, { error: 'an address such as "https://vault.vault.svc:8200" (no user or password in it: credentials never go into the config)' })
          .optional()
          .describe("Vault's address for this pod (vault.hashicorp.com/service). @default the injector's (AGENT_INJECT_VAULT_ADDR)"),
        namespace: dnsLabel('a namespace').optional().describe('Namespace of in-cluster Vault pods.'),
        podLabels: labels.optional().describe('Labels of the Vault server pods. @default all pods of `namespace`'),
        cidr: cidr.optional().describe('Address range of a Vault outside the cluster.'),
        port: port.optional().describe('@default 8200'),
      })
      .optional()
      .describe('Where Vault runs, for the egress NetworkPolicy (and the agent, with `address`). Required while the NetworkPolicy is on.'),
    tls: z
      .strictObject({
        secret: z
          .string()
          .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { error: 'a Secret name (DNS-1123 subdomain)' })
          .optional()
          .describe('Kubernetes Secret with the CA and client certificates, mounted into the agent at /vault/tls (vault.hashicorp.com/tls-secret).'),
        caCert: z.string().regex(pathPattern({ leadingSlash: 'required', characters: '^/\\s' }), { error: `an absolute path inside the agent container, e.g. /vault/tls/ca.crt (${PATH_SEGMENT_RULE})` }).optional().describe('Path of the CA certificate that signs Vault\'s (vault.hashicorp.com/ca-cert).'),
        serverName: z.string().min(1).optional().describe('Name to verify in Vault\'s certificate (vault.hashicorp.com/tls-server-name).'),
        skipVerify: z.boolean().optional().describe('Refused when true: the agent would hand its token to whoever answers.'),
      })
      .optional(),
    agentResources: z
      .strictObject({ requests: resourceQuantities.optional(), limits: resourceQuantities.optional() })
      .optional()
      .describe("CPU and memory of the injected agent containers. @default the injector's"),
  })
  .describe('Vault Agent injection: a sidecar renders the values into /vault/secrets/<file>; no Kubernetes Secret exists.');

export type VaultDeliveryConfig = z.input<typeof vaultDelivery>;

declare module '../../config-kit/schema' {
  interface DeliveryConfigs {
    vault: VaultDeliveryConfig;
  }
}
