import { z } from 'zod';
import { DURATION, VAULT_PATH, vaultName } from '../../config-kit/fields';
import { PATH_SEGMENT_RULE } from '../../config-kit/path-pattern';
import { DNS1123_SUBDOMAIN } from '../../core/names';

const secretName = (what: string) => z.string().max(253).regex(DNS1123_SUBDOMAIN, { error: `${what}: a Secret name (DNS-1123 subdomain: lowercase letters, digits, "-" and ".")` });

export const vaultOperatorDelivery = z
  .strictObject({
    method: z.literal('vault-operator'),
    address: z
      .string()
      .regex(/^https?:\/\/[^\s/@]+(:\d+)?\/?$/, { error: 'an address such as "https://vault.vault.svc:8200" (no user or password in it: credentials never go into the config)' })
      .describe("Vault's address as the operator reaches it (the VaultConnection's `address`)."),
    tls: z
      .strictObject({
        caSecret: secretName('tls.caSecret')
          .optional()
          .describe("Secret in the environment's namespace holding Vault's CA certificate under the key `ca.crt` (the VaultConnection's `caCertSecretRef`)."),
        serverName: z.string().min(1).max(253).regex(/^[A-Za-z0-9.-]+$/, { error: 'a host name such as "vault.example.com"' }).optional().describe("Name to verify in Vault's certificate."),
        skipVerify: z.boolean().optional().describe('Refused when true: the operator would hand its token to whoever answers.'),
      })
      .optional()
      .describe("How the operator verifies Vault's certificate. @default the system's CAs"),
    mount: z
      .string()
      .regex(VAULT_PATH, { error: `a KV mount path such as "secret" (${PATH_SEGMENT_RULE})` })
      .optional()
      .describe('Mount of the KV engine. @default secret'),
    kvVersion: z
      .union([z.literal(1), z.literal(2)], { error: 'the KV engine version is 1 or 2' })
      .optional()
      .describe('Version of the KV secrets engine. @default 2'),
    path: z
      .string()
      .regex(VAULT_PATH, { error: `a KV path inside the mount such as "aragora/api-keys" (${PATH_SEGMENT_RULE})` })
      .optional()
      .describe('Path of the one KV secret under `mount` that holds every field, as `vault kv get` names it (the operator adds /data/ for KV v2). @default the catalog\'s remote key (one for all secrets)'),
    role: vaultName('a Vault role name').optional().describe("Role of Vault's kubernetes auth method that the operator logs in with. @default <app.name>-<environment>"),
    authMount: z
      .string()
      .regex(VAULT_PATH, { error: `an auth mount such as "kubernetes" or "k8s-prod" (${PATH_SEGMENT_RULE})` })
      .optional()
      .describe("Mount of Vault's kubernetes auth method, without `auth/`. @default kubernetes"),
    serviceAccount: z
      .enum(['dedicated', 'workload'], { error: 'serviceAccount is "dedicated" (one of its own, no pod runs as it) or "workload" (the application\'s)' })
      .optional()
      .describe('The ServiceAccount whose token the operator presents to Vault: a dedicated one that no pod runs as, or the workload\'s. @default dedicated'),
    vaultNamespace: z
      .string()
      .regex(VAULT_PATH, { error: `a Vault Enterprise namespace such as "admin/aragora" (${PATH_SEGMENT_RULE})` })
      .optional()
      .describe('Vault Enterprise namespace of the role and the secret. @default none (the root namespace)'),
    policyName: vaultName('a Vault policy name').optional().describe('Name of the read-only Vault policy. @default <app.name>-<environment>-read'),
    tokenTtl: z.string().regex(DURATION, { error: 'a duration such as "1h"' }).optional().describe('TTL of the Vault token the role issues to the operator. @default 1h'),
    refreshAfter: z
      .string()
      .regex(DURATION, { error: 'a duration such as "1h" or "30m"' })
      .optional()
      .describe('How often the operator reads the KV secret again. With rolloutRestart, at least 1m (each change restarts the Deployment). @default 1h'),
    hmacSecretData: z
      .boolean()
      .optional()
      .describe('Whether the operator keeps an HMAC of the data to tell a change from none; refused as false with rolloutRestart (every refresh would restart the Deployment). @default true'),
    overwrite: z
      .boolean()
      .optional()
      .describe('Let the operator take over a Secret of the same name that already exists (migrating to the operator). @default false'),
    rolloutRestart: z
      .boolean()
      .optional()
      .describe("Restart the environment's Deployment when the values change (the VaultStaticSecret's rolloutRestartTargets); false to leave restarts to Reloader. @default true"),
  })
  .describe('Vault Secrets Operator: a VaultStaticSecret copies one KV secret into the environment\'s Secret; the operator, not the pods, logs into Vault.');

export type VaultOperatorDeliveryConfig = z.input<typeof vaultOperatorDelivery>;

declare module '../../config-kit/schema' {
  interface DeliveryConfigs {
    'vault-operator': VaultOperatorDeliveryConfig;
  }
}
