import { oneVisibleLine, operand, sh, ShellCode, vaultArgument } from '../core/shell';
import { shown } from '../config-kit/shown';

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

type AddProblem = (segments: PropertyKey[], message: string, fix?: string) => void;

/**
 * The environments that bind a Vault role, by server, namespace, auth mount and role, per validation pass: a pass hands
 * every method the same `add`, so it identifies the pass (a config object may be validated again after a change).
 */
const claimedRoles = new WeakMap<AddProblem, Map<string, string>>();

/**
 * Claims a kubernetes auth role of one Vault for one environment, across every Vault method of the config (the agent,
 * the operator, the CSI provider): a second environment binding the same role on the same Vault and auth mount would
 * rebind it to its own namespace when its setup.sh runs. Adds a problem at `at` then; the first claimant keeps it.
 */
export function claimVaultRole(
  claim: { readonly address: string | undefined; readonly vaultNamespace: string | undefined; readonly authPath: string; readonly role: string },
  environment: string,
  at: PropertyKey[],
  add: AddProblem,
  suggestedRole: string,
): void {
  let roles = claimedRoles.get(add);
  if (!roles) claimedRoles.set(add, (roles = new Map()));
  // `auth/kubernetes` (the agent's path) and `kubernetes` (the operator's and the CSI provider's mount) are one mount.
  const mount = claim.authPath.replace(/^auth\//, '').replace(/\/+$/, '');
  const identity = JSON.stringify([claim.address ?? '', claim.vaultNamespace ?? '', mount, claim.role]);
  const other = roles.get(identity);
  if (other === undefined) {
    roles.set(identity, environment);
  } else if (other !== environment) {
    add(
      at,
      `Vault role ${shown(claim.role)} is also the role of environment "${other}" on the same Vault and auth mount: the second setup would rebind it to this namespace`,
      `give each environment its own role, e.g. role: ${suggestedRole}`,
    );
  }
}

/**
 * A read-only Vault policy (HCL) for one environment's reader: the header naming the policy, the method's lines about
 * who logs in with it (each already one visible line), the server line, then `read` on exactly `paths` and nothing
 * else (no `list`, no wildcard, no metadata).
 */
export function readPolicyHcl(props: { readonly policyName: string; readonly environment: string; readonly about: readonly string[]; readonly address: string | undefined; readonly vaultNamespace: string | undefined; readonly paths: readonly string[] }): string {
  const lines = [
    `# Vault policy "${oneVisibleLine(props.policyName)}": read-only access to the secrets of environment ${oneVisibleLine(props.environment)}`,
    ...props.about,
    vaultServerLine(props.address, props.vaultNamespace),
  ];
  for (const path of props.paths) lines.push('', `path ${hclString(path)} {`, '  capabilities = ["read"]', '}');
  return lines.join('\n') + '\n';
}
