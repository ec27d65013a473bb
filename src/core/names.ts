/** An environment variable name (and a key of the catalog). */
export const ENV_VAR_NAME = /^[A-Z_][A-Z0-9_]*$/;

export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS1123_LABEL_MAX = 63;
export const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const DNS1123_SUBDOMAIN_MAX = 253;

export function isDnsLabel(value: string): boolean {
  return value.length <= DNS1123_LABEL_MAX && DNS1123_LABEL.test(value);
}

export function isDnsSubdomain(value: string): boolean {
  return value.length <= DNS1123_SUBDOMAIN_MAX && DNS1123_SUBDOMAIN.test(value);
}

/**
 * The nearest DNS-1123 label to `input` (lowercased, other characters turned into '-',
 * trimmed to 63), or undefined when nothing usable is left. Used to suggest a fix, never to
 * rename silently: a name in the config is used as written or rejected.
 */
export function suggestDnsLabel(input: string): string | undefined {
  const candidate = input
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+/, '')
    .slice(0, DNS1123_LABEL_MAX)
    .replace(/-+$/, '');
  return candidate.length > 0 && isDnsLabel(candidate) ? candidate : undefined;
}

/**
 * Joins name parts with '-' into a DNS-1123 label. Parts come from validated config
 * (app name at most 40 characters) and fixed suffixes, so an invalid result is a bug
 * in the caller; it is reported, never hashed or truncated into a surprise.
 */
export function deriveName(...parts: string[]): string {
  const name = parts.filter((p) => p.length > 0).join('-');
  if (!isDnsLabel(name)) {
    throw new Error(`derived name "${name}" is not a DNS-1123 label (from ${JSON.stringify(parts)})`);
  }
  return name;
}

/**
 * The construct id of something named by the user (an environment's chart and stack). The
 * constructs library keeps children in a plain object, so an id that every object inherits
 * ("constructor", "toString") would collide with nothing there; such names get a "_" suffix,
 * which no environment name can have. Ids only appear in construct paths, never in output names.
 */
export function constructIdOf(name: string): string {
  return name in Object.prototype ? `${name}_` : name;
}
