import { parse, stringify } from 'yaml';
import type { CsiDeliveryPlan } from './plan';
import { pushTo } from '../../core/collections';

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

/** The parameters of the provider the delivery names. */
export function providerParameters(delivery: CsiDeliveryPlan): Record<string, string> {
  if (delivery.provider === 'gcp') return gcpParameters(delivery);
  return delivery.provider === 'aws' ? awsParameters(delivery) : vaultParameters(delivery);
}

/** One secret of the Google Cloud provider's `secrets` parameter: its version's resource name and the file it becomes. */
export interface GcpCsiSecret {
  readonly resourceName: string;
  readonly fileName: string;
}

export function gcpParameters(delivery: CsiDeliveryPlan): Record<string, string> {
  const secrets: GcpCsiSecret[] = delivery.objects.map((o) => ({ resourceName: o.secretPath, fileName: o.env }));
  return { secrets: yamlString(secrets) };
}

/** One object of the AWS provider's `objects` parameter: a secret and the JSON keys mounted from it, or a parameter mounted whole. */
export type AwsCsiObject =
  | { readonly objectName: string; readonly objectType: 'secretsmanager'; readonly jmesPath: readonly { readonly path: string; readonly objectAlias: string }[] }
  | { readonly objectName: string; readonly objectType: 'ssmparameter'; readonly objectAlias: string };

/** A JMESPath expression for one key of the secret's JSON: a bare identifier, else a quoted one (JSON's quoting). */
export function jmesPathOf(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? key : JSON.stringify(key);
}

export function awsParameters(delivery: CsiDeliveryPlan): Record<string, string> {
  const aws = delivery.aws!;
  const bySecret = new Map<string, { path: string; objectAlias: string }[]>();
  const parameters: AwsCsiObject[] = [];
  for (const o of delivery.objects) {
    if (o.objectType === 'ssmparameter') parameters.push({ objectName: o.secretPath, objectType: 'ssmparameter', objectAlias: o.env });
    else pushTo(bySecret, o.secretPath, { path: jmesPathOf(o.secretKey), objectAlias: o.env });
  }
  const secrets: AwsCsiObject[] = [...bySecret.keys()].sort().map((name) => ({ objectName: name, objectType: 'secretsmanager', jmesPath: bySecret.get(name)! }));
  const objects = [...secrets, ...parameters.sort((a, b) => (a.objectName < b.objectName ? -1 : a.objectName > b.objectName ? 1 : 0))];
  const out: Record<string, string> = { objects: yamlString(objects) };
  if (aws.region) out.region = aws.region;
  if (aws.identity === 'podIdentity') out.usePodIdentity = 'true';
  return sorted(out);
}

export function vaultParameters(delivery: CsiDeliveryPlan): Record<string, string> {
  const v = delivery.vault!;
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

/**
 * The names a provider's `objects` parameter mounts (Vault: each `objectName`; AWS: each `objectAlias` of a
 * `jmesPath`, and the secrets themselves), or why the parameter is not a list the provider reads.
 */
export function mountedNames(provider: unknown, text: unknown): { names: string[] } | { problem: string } {
  if (provider === 'gcp') {
    const parsed = parseList(text, ['resourceName', 'fileName']);
    if ('problem' in parsed) return parsed;
    for (const [i, item] of parsed.items.entries()) {
      if (!/^projects\/[^/]+\/secrets\/[^/]+\/versions\/[^/]+$/.test(item.resourceName)) return { problem: `item ${i}'s resourceName is not projects/<project>/secrets/<secret>/versions/<version>` };
    }
    return { names: parsed.items.map((item) => item.fileName) };
  }
  if (provider === 'aws') {
    const parsed = parseList(text, ['objectName']);
    if ('problem' in parsed) return parsed;
    const names: string[] = [];
    for (const [i, item] of parsed.items.entries()) {
      names.push(typeof item.objectAlias === 'string' ? item.objectAlias : item.objectName);
      if (item.jmesPath !== undefined && !Array.isArray(item.jmesPath)) return { problem: `item ${i} has a jmesPath that is not a list` };
      for (const j of item.jmesPath ?? []) {
        if (!j || typeof j.path !== 'string' || typeof j.objectAlias !== 'string') return { problem: `item ${i} has a jmesPath entry without path and objectAlias` };
        names.push(j.objectAlias);
      }
    }
    return { names };
  }
  const parsed = parseVaultObjects(text);
  return 'problem' in parsed ? parsed : { names: parsed.objects.map((o) => o.objectName) };
}

function parseList(text: unknown, required: readonly string[]): { items: any[] } | { problem: string } {
  if (typeof text !== 'string') return { problem: 'it is not a string' };
  let value: unknown;
  try {
    value = parse(text);
  } catch (e) {
    return { problem: `it is not valid YAML (${(e as Error).message.split('\n')[0]})` };
  }
  if (!Array.isArray(value)) return { problem: 'it is not a YAML list' };
  for (const [i, item] of value.entries()) {
    for (const key of required) {
      if (!item || typeof item !== 'object' || typeof item[key] !== 'string' || item[key] === '') return { problem: `item ${i} has no ${key}` };
    }
  }
  return { items: value };
}

/** The objects of a Vault provider's `objects` parameter, or a description of why it is not a list of them. */
export function parseVaultObjects(text: unknown): { objects: VaultCsiObject[] } | { problem: string } {
  const parsed = parseList(text, ['objectName', 'secretPath']);
  return 'problem' in parsed ? parsed : { objects: parsed.items as VaultCsiObject[] };
}

function sorted(record: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(record).sort()) out[key] = record[key];
  return out;
}
