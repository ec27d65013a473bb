import { oneVisibleLine } from '../core/shell';

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
