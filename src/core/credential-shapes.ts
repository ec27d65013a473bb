/**
 * What a credential looks like: the shapes of the providers in the catalog (and the usual
 * neighbours), credential-bearing URLs, and random-looking tokens. Pure functions over text; they
 * never return the matched text, only the name of what was found and where.
 */

export interface CredentialShape {
  readonly name: string;
  readonly pattern: RegExp;
}

/** Not after a letter or digit: `task-definition-...` must not read as an OpenAI `sk-...` key. */
const START = '(?<![A-Za-z0-9])';

/** Well-known credential shapes, found whatever variable (or none) they came from. */
export const KNOWN_SECRET_SHAPES: readonly CredentialShape[] = [
  { name: 'an Anthropic API key', pattern: new RegExp(`${START}sk-ant-[a-z]{3,6}\\d{2}-[A-Za-z0-9_-]{20,}`) },
  { name: 'an OpenRouter API key', pattern: new RegExp(`${START}sk-or-v1-[A-Za-z0-9]{20,}`) },
  { name: 'an OpenAI API key', pattern: new RegExp(`${START}sk-(?!ant-|or-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{32,}`) },
  { name: 'a Stripe secret key', pattern: new RegExp(`${START}[sr]k_(?:live|test)_[A-Za-z0-9]{16,}`) },
  { name: 'a Stripe webhook secret', pattern: new RegExp(`${START}whsec_[A-Za-z0-9+/=]{16,}`) },
  { name: 'a Google OAuth client secret', pattern: /GOCSPX-[A-Za-z0-9_-]{16,}/ },
  { name: 'a Google API key', pattern: new RegExp(`${START}AIza[0-9A-Za-z_-]{35}`) },
  { name: 'a Supabase secret key', pattern: new RegExp(`${START}sb_secret_[A-Za-z0-9_-]{16,}`) },
  { name: 'a JSON Web Token (Supabase keys are JWTs)', pattern: /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/ },
  { name: 'an AWS access key id', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { name: 'a private key', pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/ },
  { name: 'a GitHub token', pattern: new RegExp(`${START}(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})`) },
  { name: 'a GitLab token', pattern: new RegExp(`${START}glpat-[A-Za-z0-9_-]{20,}`) },
  { name: 'a Slack token', pattern: new RegExp(`${START}xox[abposre]-[A-Za-z0-9-]{10,}`) },
  { name: 'a Slack webhook URL', pattern: /hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9_/-]{20,}/ },
  { name: 'a Hugging Face token', pattern: new RegExp(`${START}hf_[A-Za-z0-9]{30,}`) },
  { name: 'a URL with a password', pattern: /\b[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s:/?#@'"`|]+:([^\s/?#@'"`|]+)@[^\s/?#@'"`|]+/ },
];

const URL_WITH_PASSWORD = KNOWN_SECRET_SHAPES[KNOWN_SECRET_SHAPES.length - 1].pattern;

/** A password slot in a URL that holds no password yet: `${DB_PASSWORD}`, `<password>`, `***`, `$PASS`. */
export function isPasswordSlot(password: string): boolean {
  return /^(?:\$\{[^}]*\}|\$\(?[A-Za-z_][A-Za-z0-9_]*\)?|<[^>]*>|\{\{[^}]*\}\}|\*+|x+|\.\.\.|…|%[sv]|password|pass|secret|changeme)$/i.test(password);
}

/** The name of the first known credential shape in `text`, if any. */
export function credentialShapeOf(text: string): string | undefined {
  return knownShapesIn(text)[0];
}

/** The names of the known credential shapes in `text`. */
export function knownShapesIn(text: string): string[] {
  const found: string[] = [];
  for (const shape of KNOWN_SECRET_SHAPES) {
    if (shape.pattern === URL_WITH_PASSWORD) {
      if (urlPasswordsIn(text).length > 0) found.push(shape.name);
    } else if (shape.pattern.test(text)) {
      found.push(shape.name);
    }
  }
  return found;
}

/**
 * Each `scheme://user:password@host` in `text`, with the password's offset, placeholders left out: the
 * matches of URL_WITH_PASSWORD, found from the `://` they hold instead of at every word of the text (a
 * large output file holds megabytes of words and a handful of URLs). A match holds exactly one `://` (no
 * `/` after it, no `:` or `/` in the scheme), and starts in the run of scheme characters before it.
 */
export function urlPasswordsIn(text: string): { index: number; password: string }[] {
  const out: { index: number; password: string }[] = [];
  const anchored = new RegExp(URL_WITH_PASSWORD.source, 'y');
  let searchFrom = 0; // where the regex's own search would go on: the end of the last match
  for (let at = text.indexOf('://'); at !== -1; at = text.indexOf('://', at + 1)) {
    let start = at;
    while (start > searchFrom && isSchemeCode(text.charCodeAt(start - 1))) start--;
    for (let from = start; from < at; from++) {
      SCHEME_START.lastIndex = from;
      if (!SCHEME_START.test(text)) continue;
      // Every start that passes `\b[A-Za-z]` reads the same scheme characters up to this `://` and then the same
      // rest: the first one decides for all (trying each in turn is quadratic: `a.a.a.…://x`).
      anchored.lastIndex = from;
      const match = anchored.exec(text);
      if (match) {
        if (!isPasswordSlot(match[1])) out.push({ index: from, password: match[1] });
        searchFrom = anchored.lastIndex;
      }
      break;
    }
  }
  return out;
}

/** Where URL_WITH_PASSWORD can start: a letter at a word boundary. */
const SCHEME_START = /\b[A-Za-z]/y;

/** [A-Za-z0-9+.-]: the characters of a URL scheme. */
function isSchemeCode(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 43 || c === 46 || c === 45;
}

/** The offsets of known credential shapes in `text` (for line numbers). */
export function knownShapeMatches(text: string): { index: number; name: string }[] {
  const out: { index: number; name: string }[] = [];
  for (const shape of KNOWN_SECRET_SHAPES) {
    if (shape.pattern === URL_WITH_PASSWORD) {
      for (const url of urlPasswordsIn(text)) out.push({ index: url.index, name: shape.name });
      continue;
    }
    for (const match of text.matchAll(new RegExp(shape.pattern.source, 'g'))) out.push({ index: match.index ?? 0, name: shape.name });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Random-looking tokens
// ---------------------------------------------------------------------------------------------

/** Runs of the base64 / base64url alphabets (padding only at the end) long enough to carry a secret. */
const TOKEN_CANDIDATE = /[A-Za-z0-9+/_-]{20,}={0,2}/g;
const MIN_TOKEN_LENGTH = 20;

function shannonEntropy(text: string): number {
  const counts = new Map<string, number>();
  for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

function characterClass(c: string): number {
  return c >= 'a' && c <= 'z' ? 0 : c >= 'A' && c <= 'Z' ? 1 : c >= '0' && c <= '9' ? 2 : 3;
}

/** How often neighbouring characters change class (lower, upper, digit, other): ~0.6 for random base64, ~0.2 for camelCase words. */
function classChangeRate(text: string): number {
  let changes = 0;
  for (let i = 1; i < text.length; i++) if (characterClass(text[i]) !== characterClass(text[i - 1])) changes++;
  return changes / (text.length - 1);
}

/**
 * Whether `token` (a run of base64 characters) looks random rather than written by a person.
 * Hex strings (digests, commit ids, account and key ids) and identifiers never do: random
 * means upper case, lower case and digits in one path segment, an entropy near that of random
 * base64 of the same length, and frequent changes of character class. Thresholds sit below the
 * 1st percentile of random base64url and above camelCase names, ARNs and EKS OIDC ids.
 */
export function isRandomLookingToken(token: string): boolean {
  const core = token.replace(/=+$/, '');
  if (core.length < MIN_TOKEN_LENGTH) return false;
  if (!core.split('/').some((segment) => segment.length >= 10 && /[a-z]/.test(segment) && /[A-Z]/.test(segment) && /[0-9]/.test(segment))) return false;
  const threshold = Math.min(4.2, 0.85 * Math.log2(core.length));
  return shannonEntropy(core) >= threshold && classChangeRate(core) >= 0.35;
}

/** The offsets of random-looking tokens in `text`. */
export function randomTokensIn(text: string): number[] {
  const out: number[] = [];
  for (const match of text.matchAll(TOKEN_CANDIDATE)) if (isRandomLookingToken(match[0])) out.push(match.index ?? 0);
  return out;
}

/** Whether a whole value is one random-looking token. */
export function isRandomLookingValue(value: string): boolean {
  const trimmed = value.trim();
  return /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed) && isRandomLookingToken(trimmed);
}

/**
 * Why `value` reads as a credential by its shape alone (a known shape, a URL with a password, a
 * random-looking token), or undefined. Never returns the value.
 */
export function credentialKindOf(value: string): string | undefined {
  return credentialShapeOf(value) ?? (isRandomLookingValue(value) ? 'a random-looking token' : undefined);
}
