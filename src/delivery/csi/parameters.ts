import { parse, stringify } from 'yaml';
import type { CsiDeliveryPlan } from './plan';

/**
 * The `parameters` of the SecretProviderClass: a map of strings, some of which hold YAML the provider
 * parses again (`objects`). They are built from typed objects and serialized here, never written as
 * text, so a name with a quote or a colon cannot change their structure.
 */

/** One object of the Vault provider's `objects` parameter. */
export interface VaultCsiObject {
  readonly objectName: string;
  readonly secretPath: string;
  readonly secretKey: string;
}

export function vaultParameters(delivery: CsiDeliveryPlan): Record<string, string> {
  const v = delivery.vault;
  const objects: VaultCsiObject[] = delivery.objects.map((o) => ({ objectName: o.env, secretPath: o.secretPath, secretKey: o.secretKey }));
  const out: Record<string, string> = {
    audience: v.audience,
    objects: yamlString(objects),
    roleName: v.role,
    vaultAddress: v.address,
    vaultKubernetesMountPath: v.authMount,
  };
  if (v.vaultNamespace) out.vaultNamespace = v.vaultNamespace;
  if (v.caCertPath) out.vaultCACertPath = v.caCertPath;
  if (v.tlsServerName) out.vaultTLSServerName = v.tlsServerName;
  return sorted(out);
}

/** YAML inside a string, as the providers read it; `parse` gives the objects back. */
export function yamlString(value: unknown): string {
  return stringify(value, { lineWidth: 0 });
}

/** The objects of a Vault provider's `objects` parameter, or a description of why it is not a list of them. */
export function parseVaultObjects(text: unknown): { objects: VaultCsiObject[] } | { problem: string } {
  if (typeof text !== 'string') return { problem: 'it is not a string' };
  let value: unknown;
  try {
    value = parse(text);
  } catch (e) {
    return { problem: `it is not valid YAML (${(e as Error).message.split('\n')[0]})` };
  }
  if (!Array.isArray(value)) return { problem: 'it is not a YAML list' };
  for (const [i, item] of value.entries()) {
    for (const key of ['objectName', 'secretPath'] as const) {
      if (!item || typeof item !== 'object' || typeof (item as Record<string, unknown>)[key] !== 'string' || (item as Record<string, string>)[key] === '') {
        return { problem: `item ${i} has no ${key}` };
      }
    }
  }
  return { objects: value as VaultCsiObject[] };
}

function sorted(record: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(record).sort()) out[key] = record[key];
  return out;
}
