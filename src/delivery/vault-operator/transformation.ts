import type { OperatorField } from './plan';

/**
 * The transformation templates of the VaultStaticSecret: one key of the destination Secret per
 * catalog variable, from its field of the KV secret (Go templates with the operator's functions;
 * `.Secrets` holds the fields). The raw fields are left out (`excludes: [".*"]`, `excludeRaw`), so
 * the Secret holds exactly the catalog's variables.
 *
 * A required field missing from Vault fails the template (`fail`): the operator reports the sync
 * error and keeps the Secret as it was, instead of writing an empty value the pod would start with.
 * An optional field missing is written empty.
 */
export function transformationTemplates(fields: readonly OperatorField[]): Record<string, { text: string }> {
  const out: Record<string, { text: string }> = {};
  for (const field of fields) {
    const name = goString(field.field);
    const read = `{{- get .Secrets ${name} -}}`;
    out[field.env] = {
      text: field.required ? `{{- if not (hasKey .Secrets ${name}) }}{{ fail ${goString(`field ${field.field} (${field.env}) is missing from the KV secret`)} }}{{ end -}}\n${read}` : read,
    };
  }
  return out;
}

/** A Go interpreted string literal: JSON's escapes are a subset of Go's. */
function goString(value: string): string {
  return JSON.stringify(value);
}
