import type { VaultDeliveryPlan, VaultField } from './plan';

/** A key Go templates can reach with `.Data.data.<key>`; any other needs `index`. */
const GO_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The Vault Agent template (consul-template syntax) that renders the environment's secrets as a
 * shell file, one `export NAME='value'` line each, for the container to source before it starts
 * the application.
 *
 * Quoting: every value is written inside single quotes, where a POSIX shell interprets nothing
 * (`$`, backticks, `"`, `\` and newlines are literal); the only character to escape is the single
 * quote itself, which `replaceAll` turns into `'\''` (close, escaped quote, reopen).
 *
 * Missing keys: a required secret is piped into `replaceAll` unguarded, so an absent key fails the
 * render (Go templates refuse a missing value where a string is expected) and the agent's init
 * container stops the pod, as a missing `secretKeyRef` would. Other secrets are guarded by
 * `with`: exported when present and not empty, left unset otherwise.
 */
export function renderEnvTemplate(delivery: Pick<VaultDeliveryPlan, 'kvVersion' | 'sources'>): string {
  const data = delivery.kvVersion === 2 ? '.Data.data' : '.Data';
  const lines: string[] = [];
  for (const source of delivery.sources) {
    lines.push(`{{ with secret ${goString(source.path)} -}}`);
    for (const field of source.fields) lines.push(...exportLines(field, data));
    lines.push('{{ end -}}');
  }
  return lines.join('\n') + '\n';
}

function exportLines(field: VaultField, data: string): string[] {
  const escape = `replaceAll "'" \`'\\''\``;
  if (field.required) {
    return [`export ${field.env}='{{ ${fieldAccess(data, field.field)} | ${escape} }}'`];
  }
  return [`{{ with ${indexAccess(data, field.field)} -}}`, `export ${field.env}='{{ . | ${escape} }}'`, '{{ end -}}'];
}

/** `.Data.data.anthropic` for identifiers; `index .Data.data "stripe-secret"` otherwise. */
export function fieldAccess(data: string, field: string): string {
  return GO_IDENTIFIER.test(field) ? `${data}.${field}` : indexAccess(data, field);
}

function indexAccess(data: string, field: string): string {
  return `index ${data} ${goString(field)}`;
}

/** A Go interpreted string literal: JSON's escapes are a subset of Go's. */
function goString(value: string): string {
  return JSON.stringify(value);
}
