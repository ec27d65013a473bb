import { UserError } from '../core/errors';
import { credentialKindOf, knownShapesIn, urlPasswordsIn } from '../core/credential-shapes';
import { dotenvFilesIn, readDotenvForGuard } from './dotenv-sources';
import type { OutputFile } from '../core/output-file';

export { credentialShapeOf, KNOWN_SECRET_SHAPES } from '../core/credential-shapes';

/** A value that must never be written to `dist/`, with where it came from (the value itself is never printed). */
export interface SensitiveValue {
  /** e.g. `ANTHROPIC_API_KEY from .env` */
  readonly origin: string;
  readonly value: string;
}

export interface Leak {
  readonly file: string;
  /** What was found, without the value: `ANTHROPIC_API_KEY from the environment (base64)` or `shape of an Anthropic API key`. */
  readonly what: string;
}

export interface CollectOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** The catalog's secret names: their values are sensitive whatever they look like. */
  readonly secretNames: readonly string[];
  /**
   * Dotenv files read besides those of the project root (`--env-file`), relative to `cwd` or
   * absolute; a listed file that does not exist is skipped.
   * @default - only the dotenv files of the project root (`.env`, `.env.*`, `*.env`, ...)
   */
  readonly envFiles?: readonly string[];
}

/** Shorter values would match by accident ("true", "8080") and are no credential anyway. */
const MIN_VALUE_LENGTH = 8;
/** Lines of a multi-line value are looked for alone only when long enough not to match by accident. */
const MULTILINE_PART_MIN = 16;
// Anchored at the end: SEALED_SECRETS_CONTROLLER_NAMESPACE or AWS_SECRET_NAME hold no secret.
export const SECRET_LOOKING_NAME = /(?:KEY|SECRET|TOKEN|PASSWORD|PASSWD|PRIVATE_KEY|CREDENTIALS?|CLIENT_ID|KEY_ID)$/i;
/** A word of a variable name that always means a password (POSTGRES_PWD, DB_PASS_PROD); PWD alone is the shell's folder. */
const PASSWORD_WORD = /^(?:PASS|PASSWD|PASSWORD|PASSPHRASE|PWD|PW)$/i;
/** A word that means a secret when the value does not read as an ordinary setting (STRIPE_KEY_LIVE, but not SEALED_SECRETS_NAMESPACE=kube-system). */
const SECRET_WORD = /^(?:KEY|KEYS|APIKEY|SECRET|SECRETS|TOKEN|TOKENS|CREDENTIAL|CREDENTIALS|CREDS|AUTH|PRIVATE|DSN|SIGNING|SALT|COOKIE)$/i;
/** Variables the shell and the tools set for themselves, never secrets whatever their names. */
const SHELL_VARIABLES = new Set(['PWD', 'OLDPWD']);

/**
 * An ordinary setting: a lowercase name, host, path or URL without a password, a number. Matched
 * under a name with a secret word in the middle, it would stop synth on our own output (the DNS
 * policy names kube-system; the config file name appears in messages).
 */
function isOrdinarySetting(value: string): boolean {
  return (
    /^[a-z0-9]+(?:[-_.:@/][a-z0-9]+)*\/?$/.test(value) ||
    /^(?:~|\.{1,2})?\/[^\s]*$/.test(value) ||
    (/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(value) && urlPasswordsIn(value).length === 0) ||
    /^-?\d+(?:\.\d+)?$/.test(value)
  );
}

/** A value too weak to look for: one short lowercase word (`postgres`, `password`) matches ordinary text. */
function isTooWeakToMatch(value: string): boolean {
  return value.length < MIN_VALUE_LENGTH || (value.length < 16 && /^[a-z]+$/.test(value));
}

/** Why the variable `name` holding `value` is sensitive, or undefined. Names and shapes only: the value is never returned. */
export function sensitivityOf(name: string, value: string, catalog: ReadonlySet<string>): string | undefined {
  if (SHELL_VARIABLES.has(name) || isTooWeakToMatch(value)) return undefined;
  if (catalog.has(name)) return 'a catalog secret';
  if (SECRET_LOOKING_NAME.test(name)) return 'a secret-looking name';
  const words = name.split(/[_\W]+/).filter(Boolean);
  if (words.some((w) => PASSWORD_WORD.test(w))) return 'a password by its name';
  const shape = credentialKindOf(value);
  if (shape) return shape;
  if (words.some((w) => SECRET_WORD.test(w)) && !isOrdinarySetting(value)) return 'a secret word in its name';
  return undefined;
}

/**
 * The values present on this machine that must not reach `dist/`: the catalog's variables and
 * anything secret by its name or its shape, in the process environment and in every dotenv file
 * of the project root (plus `envFiles`). A URL with a password is looked for whole and for its
 * password alone.
 */
export function collectSensitiveValues(options: CollectOptions): SensitiveValue[] {
  const values: SensitiveValue[] = [];
  const catalog = new Set(options.secretNames);
  const add = (name: string, value: string | undefined, where: string) => {
    if (!value || sensitivityOf(name, value, catalog) === undefined) return;
    values.push({ origin: `${name} from ${where}`, value });
    for (const { password } of urlPasswordsIn(value)) {
      const decoded = safeDecodeURIComponent(password);
      for (const form of new Set([password, decoded])) {
        if (!isTooWeakToMatch(form)) values.push({ origin: `${name} from ${where} (the password in it)`, value: form });
      }
    }
  };
  for (const [name, value] of Object.entries(options.env)) add(name, value, 'the environment');
  const files = [...dotenvFilesIn(options.cwd), ...(options.envFiles ?? []).filter((f) => !isProjectRootDotenv(options.cwd, f))];
  for (const envFile of [...new Set(files)]) {
    const parsed = readDotenvForGuard(options.cwd, envFile);
    if (!parsed) continue;
    for (const [name, value] of Object.entries(parsed)) add(name, value, envFile);
  }
  return dedupeValues(values);
}

function isProjectRootDotenv(cwd: string, file: string): boolean {
  return dotenvFilesIn(cwd).includes(file.replace(/^\.\//, ''));
}

function dedupeValues(values: SensitiveValue[]): SensitiveValue[] {
  const seen = new Set<string>();
  return values.filter((v) => {
    const key = `${v.origin}\u0000${v.value}`;
    return !seen.has(key) && seen.add(key);
  });
}

function safeDecodeURIComponent(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The forms a value takes when a tool writes it: as is, escaped, base64 (at any byte offset), hex, percent-encoded. */
export function encodingsOf(value: string): { encoding: string; text: string }[] {
  const bytes = Buffer.from(value, 'utf8');
  // A lone surrogate cannot be percent-encoded; what the file would hold is its UTF-8 replacement.
  const wellFormed = bytes.toString('utf8');
  const forms = [
    { encoding: 'plain', text: value },
    { encoding: 'JSON-escaped', text: JSON.stringify(value).slice(1, -1) },
    { encoding: 'percent-encoded', text: encodeURIComponent(wellFormed) },
    // YAML writes a multi-line value as an indented block: look for its lines one by one.
    ...value
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => value.includes('\n') && line.length >= MULTILINE_PART_MIN)
      .map((line) => ({ encoding: 'one line of a multi-line value', text: line })),
    { encoding: 'hex', text: bytes.toString('hex') },
    { encoding: 'hex', text: bytes.toString('hex').toUpperCase() },
  ];
  for (let offset = 0; offset < 3; offset++) {
    const core = base64Core(bytes, offset);
    if (core.length >= MIN_VALUE_LENGTH) {
      forms.push({ encoding: 'base64', text: core });
      forms.push({ encoding: 'base64url', text: core.replace(/\+/g, '-').replace(/\//g, '_') });
    }
  }
  const seen = new Set<string>();
  return forms.filter((f) => f.text.length >= MIN_VALUE_LENGTH && !seen.has(f.text) && seen.add(f.text));
}

/**
 * The base64 characters that depend only on `bytes` when they sit `offset` bytes into a longer
 * buffer: a value embedded anywhere in base64 data contains one of the three.
 */
function base64Core(bytes: Buffer, offset: number): string {
  const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64').replace(/=+$/, '');
  const start = Math.ceil((offset * 8) / 6);
  const totalBits = (offset + bytes.length) * 8;
  // The last character is shared with whatever byte follows unless the bits end on a boundary.
  const end = totalBits % 6 === 0 ? encoded.length : encoded.length - 1;
  return encoded.slice(start, end);
}

/**
 * Every place a sensitive value (in any of its encodings) or a known credential shape appears in
 * `files`. Each file is also read with its escaping undone (backslash escapes of JSON, YAML, HCL,
 * shell and Markdown; doubled quotes of YAML and shell; HCL's `$${`; HTML entities; percent
 * encoding; base64 tokens), and compared case-insensitively with runs of whitespace made one
 * space (YAML folds long lines, Markdown tables turn newlines into spaces).
 */
export function findLeaks(files: readonly OutputFile[], values: readonly SensitiveValue[]): Leak[] {
  const byOrigin = new Map<string, { encoding: string; text: string; normalized: string }[]>();
  for (const v of values) {
    const forms = byOrigin.get(v.origin) ?? [];
    for (const form of encodingsOf(v.value)) forms.push({ ...form, normalized: normalize(form.text) });
    byOrigin.set(v.origin, forms);
  }
  const leaks: Leak[] = [];
  for (const file of files) {
    const views = byOrigin.size > 0 ? decodedViews(file.content) : [];
    const searchable = byOrigin.size > 0 ? [file.content, ...views.map((v) => v.text)].map(normalize).join('\u0000') : '';
    // Base64 or hex wrapped over lines (a PEM-like block) is joined up only in files that have such lines.
    const unwrapped = byOrigin.size > 0 && WRAPPED_LINE.test(file.content) ? searchable.replace(/ /g, '') : undefined;
    for (const [origin, forms] of byOrigin) {
      const found = forms.filter(
        (f) =>
          (f.normalized.length >= MIN_VALUE_LENGTH && searchable.includes(f.normalized)) ||
          (unwrapped !== undefined && f.normalized.length >= UNWRAPPED_MIN && !f.normalized.includes(' ') && unwrapped.includes(f.normalized)),
      );
      if (found.length === 0) continue;
      // As written: every encoding that appears verbatim. Otherwise, the first one found after undoing an escaping.
      const verbatim = found.filter((f) => file.content.includes(f.text));
      if (verbatim.length > 0) {
        for (const f of verbatim) leaks.push({ file: file.path, what: `the value of ${origin} (${f.encoding})` });
        continue;
      }
      leaks.push({ file: file.path, what: `the value of ${origin} (${describeHit(found, views)})` });
    }
    for (const shape of shapesIn(file.content, views)) leaks.push({ file: file.path, what: `something shaped like ${shape}` });
  }
  return dedupe(leaks);
}

/** A line holding nothing but base64 or hex characters: part of a block wrapped over lines. */
const WRAPPED_LINE = /^[ \t]*[A-Za-z0-9+/=_-]{16,}[ \t]*$/m;

/** Base64 or hex wrapped over lines is looked for without its line breaks only when this long. */
const UNWRAPPED_MIN = 16;

function normalize(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').trim();
}

function describeHit(found: readonly { encoding: string; text: string; normalized: string }[], views: readonly View[]): string {
  for (const f of found) {
    const view = views.find((v) => v.text.includes(f.text));
    if (view) return f.encoding === 'plain' ? view.label : `${f.encoding}, ${view.label}`;
  }
  return `${found[0].encoding}, with its case or line breaks changed`;
}

const INSIDE_BASE64 = 'inside base64';

interface View {
  /** How the file had the value, e.g. `backslash-escaped`. */
  readonly label: string;
  readonly text: string;
}

/** The file's text with each kind of escaping undone (only those it uses). */
function decodedViews(content: string): View[] {
  const views: View[] = [];
  const add = (label: string, text: string) => {
    if (text !== content && !views.some((v) => v.text === text)) views.push({ label, text });
  };
  const unescaped = content.includes('\\') ? undoBackslashEscapes(content) : content;
  add('backslash-escaped (JSON, YAML, HCL or shell)', unescaped);
  // Markdown tables escape only the pipe; a backslash of the value itself stays as it is.
  if (content.includes('\\|')) add('Markdown-escaped', content.replace(/\\\|/g, '|'));
  if (content.includes("'")) {
    add('quote-escaped (YAML or shell)', undoQuoteEscapes(content));
    add('backslash- and quote-escaped', undoQuoteEscapes(unescaped));
  }
  if (/\$\$\{|%%\{/.test(content)) add('HCL-escaped', undoHclTemplateEscapes(unescaped));
  if (content.includes('&')) add('HTML-escaped', decodeHtmlEntities(content));
  if (content.includes('%')) add('percent-encoded', percentDecode(content));
  const inside = decodedBase64Tokens(content);
  if (inside.length > 0) {
    add(INSIDE_BASE64, inside);
    if (inside.includes('\\')) add('escaped inside base64', undoBackslashEscapes(inside));
  }
  return views;
}

const SINGLE_CHARACTER_ESCAPES: Readonly<Record<string, string>> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '0': '\0',
  b: '\b',
  f: '\f',
  v: '\v',
  a: '\x07',
  e: '\x1b',
  N: '\x85',
  _: '\xa0',
  L: '\u2028',
  P: '\u2029',
};

function codePoint(hex: string): string {
  const n = parseInt(hex, 16);
  return n <= 0x10ffff ? String.fromCodePoint(n) : '';
}

/**
 * `\"`, `\\`, `\|`, `\$`, `\n`, `\uXXXX`, `\xXX`, an escaped line break (YAML, shell): what JSON,
 * YAML double quotes, HCL strings, shell double quotes and `$'...'`, and Markdown write.
 */
function undoBackslashEscapes(text: string): string {
  return text.replace(/\\(?:u\{([0-9a-fA-F]{1,6})\}|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|x([0-9a-fA-F]{2})|\r?\n[ \t]*|([\s\S]))/g, (_, braced, u4, u8, x2, single) => {
    if (braced) return codePoint(braced);
    if (u4) return String.fromCharCode(parseInt(u4, 16));
    if (u8) return codePoint(u8);
    if (x2) return String.fromCharCode(parseInt(x2, 16));
    if (single === undefined) return ''; // an escaped line break joins the lines
    return SINGLE_CHARACTER_ESCAPES[single] ?? single;
  });
}

/** YAML's and SQL's `''`, and the shell's `'\''` and `'"'"'`, each a single quote. */
function undoQuoteEscapes(text: string): string {
  return text.replace(/'\\''|'"'"'|''/g, "'");
}

/** HCL writes a literal `${` as `$${` and `%{` as `%%{`. */
function undoHclTemplateEscapes(text: string): string {
  return text.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{');
}

const HTML_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\xa0' };

function decodeHtmlEntities(text: string): string {
  return text.replace(/&(?:#(\d{1,7})|#x([0-9a-fA-F]{1,6})|([a-zA-Z]+));/g, (entity, decimal, hex, name) => {
    if (decimal) return codePoint(Number(decimal).toString(16));
    if (hex) return codePoint(hex);
    return HTML_ENTITIES[name] ?? entity;
  });
}

function percentDecode(text: string): string {
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => safeDecodeURIComponent(run));
}

function shapesIn(content: string, views: readonly View[]): string[] {
  const found = new Set<string>(shapesOfFile(content));
  for (const view of views) {
    if (view.label === INSIDE_BASE64) continue; // shapesOfFile has looked there
    for (const shape of knownShapesIn(view.text)) found.add(shape);
  }
  return [...found];
}

/**
 * The credential shapes in a file's text and inside its base64 tokens. Synth's leak guard and the
 * no-credential-shapes rule both ask it of every file of a run: each text is scanned once.
 */
function shapesOfFile(content: string): readonly string[] {
  let shapes = fileShapes.get(content);
  if (shapes === undefined) {
    shapes = [...new Set([...knownShapesIn(content), ...knownShapesIn(decodedBase64Tokens(content))])];
    remember(fileShapes, content, shapes);
  }
  return shapes;
}

const fileShapes = new Map<string, readonly string[]>();

/** Caches of this process's files are small: a run writes some dozens of files, a test process some thousands. */
function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  if (cache.size >= 512) cache.delete(cache.keys().next().value as string);
  cache.set(key, value);
}

/**
 * The base64 tokens of `content` that decode to text (Secret `data`, JSON blobs and the like), decoded,
 * one a line. The shapes are then looked for in one text (no shape spans a line break), and a token is
 * decoded once however often it repeats: a catalog's names recur in every file of every environment.
 */
function decodedBase64Tokens(content: string): string {
  let decoded = decodedTexts.get(content);
  if (decoded === undefined) {
    decoded = decodeBase64Tokens(content);
    remember(decodedTexts, content, decoded);
  }
  return decoded;
}

const decodedTexts = new Map<string, string>();

function decodeBase64Tokens(content: string): string {
  const texts = new Set<string>();
  forEachBase64Token(content, (start, end) => {
    // Most tokens are names and words that decode to binary: those are refused in place, with no string cut out.
    if (decodesToBinary(content, start, end)) return;
    const token = content.slice(start, end);
    let decoded = decodedTokens.get(token);
    if (decoded === undefined) {
      // Node's base64 decoder reads the URL-safe alphabet (`-`, `_`) as well.
      const bytes = Buffer.from(token, 'base64');
      // Text, in any script: no control characters but whitespace, nothing undecodable.
      decoded = hasControlByte(bytes) ? null : decodedText(bytes);
      if (decodedTokens.size < 100_000) decodedTokens.set(token, decoded);
    }
    if (decoded !== null) texts.add(decoded);
  });
  return [...texts].join('\n');
}

/**
 * Whether the token `content[start, end)` surely decodes to no text: a byte of its complete groups of four
 * characters (each three bytes, whatever follows) is a control character, or cannot stand there in UTF-8
 * (a continuation byte without a lead, a lead not followed by one, a byte UTF-8 never uses). Then both
 * checks of the decoded token would refuse it. False is no verdict: the token is decoded in full.
 */
export function decodesToBinary(content: string, start: number, end: number): boolean {
  let continuations = 0; // still expected after a lead byte
  for (let at = start; at + 4 <= end; at += 4) {
    const group =
      (sextet(content.charCodeAt(at)) << 18) | (sextet(content.charCodeAt(at + 1)) << 12) | (sextet(content.charCodeAt(at + 2)) << 6) | sextet(content.charCodeAt(at + 3));
    if (group < 0) return false; // `=` ends the data
    for (let shift = 16; shift >= 0; shift -= 8) {
      const byte = (group >> shift) & 0xff;
      if (continuations > 0) {
        if ((byte & 0xc0) !== 0x80) return true;
        continuations--;
      } else if (byte < 0x80) {
        if (byte <= 0x08 || (byte >= 0x0e && byte <= 0x1f) || byte === 0x7f) return true;
      } else if (byte >= 0xc2 && byte <= 0xdf) {
        continuations = 1;
      } else if (byte >= 0xe0 && byte <= 0xef) {
        continuations = 2;
      } else if (byte >= 0xf0 && byte <= 0xf4) {
        continuations = 3;
      } else {
        return true;
      }
    }
  }
  return false;
}

/** The six bits of a base64 character of either alphabet; -1 for `=`, which ends the data. */
function sextet(code: number): number {
  return code < 128 ? SEXTETS[code] : -1;
}

const SEXTETS = Int8Array.from({ length: 128 }, (_, c) => {
  const at = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.indexOf(String.fromCharCode(c));
  return at >= 0 ? at : c === 45 /* - */ ? 62 : c === 95 /* _ */ ? 63 : -1;
});

const decodedTokens = new Map<string, string | null>();

function hasControlByte(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b <= 0x08 || (b >= 0x0e && b <= 0x1f) || b === 0x7f) return true;
  }
  return false;
}

/** The UTF-8 text of `bytes`, or null when they are not UTF-8 (or hold U+FFFD, which reads the same). */
function decodedText(bytes: Buffer): string | null {
  const text = bytes.toString('utf8');
  return text.includes('\ufffd') ? null : text;
}

/** The shortest run of base64 characters decoded: shorter ones are words, not encoded data. */
const BASE64_TOKEN_MIN = 16;

/**
 * Each maximal run of 16 or more base64 characters (both alphabets), with up to two `=` after it: what
 * `/[A-Za-z0-9+/_-]{16,}={0,2}/g` matches, without reading every character (a regular expression, or a
 * loop over each character, costs the most of the leak guard on the megabytes a large catalog writes).
 * A run of 16 characters holds one of every 16th position, so only those are read first; a run is read
 * whole only where such a position falls in it.
 */
export function base64Tokens(content: string): string[] {
  const tokens: string[] = [];
  forEachBase64Token(content, (start, end) => tokens.push(content.slice(start, end)));
  return tokens;
}

/** Calls `visit` with the start and end of each token `base64Tokens` finds, in order. */
function forEachBase64Token(content: string, visit: (start: number, end: number) => void): void {
  const length = content.length;
  let probe = BASE64_TOKEN_MIN - 1;
  while (probe < length) {
    if (!isBase64Code(content.charCodeAt(probe))) {
      probe += BASE64_TOKEN_MIN;
      continue;
    }
    let start = probe;
    while (start > 0 && isBase64Code(content.charCodeAt(start - 1))) start--;
    let end = probe + 1;
    while (end < length && isBase64Code(content.charCodeAt(end))) end++;
    if (end - start >= BASE64_TOKEN_MIN) {
      let padded = end;
      while (padded < length && padded - end < 2 && content.charCodeAt(padded) === 61 /* = */) padded++;
      visit(start, padded);
    }
    // content[end] is no base64 character: a run after it holds end + 16 or a later probe.
    probe = end + BASE64_TOKEN_MIN;
  }
}

function isBase64Code(c: number): boolean {
  return c < 128 && BASE64_CODES[c] === 1;
}

/** 1 for the character codes of both base64 alphabets: A-Z a-z 0-9 + / _ -. */
const BASE64_CODES = Uint8Array.from({ length: 128 }, (_, c) =>
  (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47 || c === 95 || c === 45 ? 1 : 0,
);

function dedupe(leaks: Leak[]): Leak[] {
  const seen = new Set<string>();
  return leaks.filter((l) => {
    const key = `${l.file}\u0000${l.what}`;
    return !seen.has(key) && seen.add(key);
  });
}

/** A message holding this many consecutive characters of a value shows part of it (messages cut long values short). */
const MESSAGE_WINDOW = 12;

/**
 * `message` with every sensitive value in it replaced by its origin, for errors that quote config
 * text (a value from .env pasted into a field): `[the value of X from .env]`. A line that still
 * shows a value, in another form or in part (a quoted value cut short), is withheld.
 */
export function redactMessage(message: string, values: readonly SensitiveValue[]): string {
  let redacted = message;
  for (const v of values) {
    for (const form of encodingsOf(v.value)) redacted = redacted.split(form.text).join(`[the value of ${v.origin}]`);
  }
  const windows = values.flatMap((v) => windowsOf(normalize(v.value)).map((text) => ({ text, origin: v.origin })));
  // Suggestions rebuild a value with other separators ("for example a-b-c"): compare letters and digits only.
  const skeletonWindows = values.flatMap((v) => windowsOf(skeleton(v.value)).map((text) => ({ text, origin: v.origin })));
  return redacted
    .split('\n')
    .map((line) => {
      const lowered = normalize(line);
      const bare = skeleton(line);
      const shown =
        windows.find((w) => lowered.includes(w.text))?.origin ??
        skeletonWindows.find((w) => bare.includes(w.text))?.origin ??
        findLeaks([{ path: 'message', content: line }], values).find((l) => l.what.startsWith('the value of'))?.what.slice('the value of '.length);
      return shown === undefined ? line : `${/^\s*(?:- )?/.exec(line)?.[0] ?? ''}(a line withheld: it would show part of the value of ${shown.replace(/ \(.*$/, '')})`;
    })
    .join('\n');
}

/** The letters and digits of `text`, lower case. */
function skeleton(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

/** Every run of MESSAGE_WINDOW characters of `text`. */
function windowsOf(text: string): string[] {
  const out = new Set<string>();
  for (let i = 0; i + MESSAGE_WINDOW <= text.length; i++) out.add(text.slice(i, i + MESSAGE_WINDOW));
  return [...out];
}

export class LeakError extends UserError {
  constructor(public readonly leaks: readonly Leak[]) {
    super(
      [
        `Refusing to write: ${leaks.length === 1 ? 'a secret value' : `${leaks.length} secret values`} would land in the output (nothing was written).`,
        ...leaks.map((l) => `  - ${l.file}: ${l.what}`),
        'Secret values belong in .env (rendered with `aragora-secrets render`), in sealed/ (encrypted), or in the secret store, never in the config or in dist/.',
      ].join('\n'),
    );
    this.name = 'LeakError';
  }
}
