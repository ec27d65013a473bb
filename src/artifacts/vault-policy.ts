import { oneVisibleLine, operand, sh, ShellCode, vaultArgument } from '../core/shell';

/**
 * What the Vault policy files of the delivery methods share (Vault Agent injection, and an
 * External Secrets store on Vault): KV API paths and the header line naming the server.
 */

/** Starts the header line of a generated Vault policy that names its server (the guard rails read it to tell servers apart). */
export const VAULT_SERVER_COMMENT = '# Vault server:';

/** `secret` + `aragora/api-keys` → `secret/data/aragora/api-keys` (KV v2) or `secret/aragora/api-keys` (KV v1). */
export function kvApiPath(mount: string, key: string, kvVersion: 1 | 2): string {
  const trimmed = key.replace(/^\/+|\/+$/g, '');
  return kvVersion === 2 ? `${mount}/data/${trimmed}` : `${mount}/${trimmed}`;
}

/**
 * The KV v2 mount and key of an API path (`secret/data/aragora/env` → `secret`, `aragora/env`),
 * for the `vault kv` commands that take them apart; undefined when the path has no `/data/`.
 */
export function splitKv2Path(path: string): { mount: string; key: string } | undefined {
  const at = path.indexOf('/data/');
  return at > 0 ? { mount: path.slice(0, at), key: path.slice(at + '/data/'.length) } : undefined;
}

export function hclString(value: string): string {
  return JSON.stringify(value);
}

/** The Vault server a policy file is for, in the header line the guard rails read to tell servers apart. */
export function vaultServerLine(address: string | undefined, vaultNamespace: string | undefined): string {
  return `${VAULT_SERVER_COMMENT} ${address ? oneVisibleLine(address) : "(the injector's default)"}${vaultNamespace ? ` namespace ${oneVisibleLine(vaultNamespace)}` : ''}`;
}

export interface KubernetesAuthRole {
  /** `auth/kubernetes`: where the kubernetes auth method is mounted, without a trailing slash. */
  readonly authPath: string;
  readonly role: string;
  /** The Vault Enterprise namespace, when there is one. */
  readonly vaultNamespace?: string;
  /** The one ServiceAccount, in the one namespace, the role accepts. */
  readonly serviceAccountName: string;
  readonly namespace: string;
  readonly audience: string;
  readonly policyName: string;
  readonly tokenTtl: string;
  /** @default - Vault's default */
  readonly tokenMaxTtl?: string;
}

/**
 * `vault write auth/kubernetes/role/<role> ...`: binds exactly one ServiceAccount in one namespace to the policy,
 * for tokens of one audience, with a bounded token life. The setup script of every method that logs in to Vault
 * with a ServiceAccount token (the agent, the operator, the CSI provider) writes its role with it.
 */
export function kubernetesAuthRoleCommand(role: KubernetesAuthRole): ShellCode {
  const ns = role.vaultNamespace ? sh` -namespace=${role.vaultNamespace}` : sh``;
  return new ShellCode(
    [
      sh`vault write${ns} ${operand(`${role.authPath}/role/${role.role}`)}`,
      sh`    ${vaultArgument('bound_service_account_names', role.serviceAccountName)}`,
      sh`    ${vaultArgument('bound_service_account_namespaces', role.namespace)}`,
      sh`    ${vaultArgument('audience', role.audience)}`,
      sh`    ${vaultArgument('token_policies', role.policyName)}`,
      sh`    ${vaultArgument('token_ttl', role.tokenTtl)}`,
      ...(role.tokenMaxTtl === undefined ? [] : [sh`    ${vaultArgument('token_max_ttl', role.tokenMaxTtl)}`]),
    ]
      .map((line) => line.code)
      .join(' \\\n'),
  );
}
