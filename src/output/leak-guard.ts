import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { UserError } from '../config/errors';
import type { OutputFile } from './output-file';

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
  /** @default ['.env'] */
  readonly envFiles?: readonly string[];
}

/** Shorter values would match by accident ("true", "8080") and are no credential anyway. */
const MIN_VALUE_LENGTH = 8;
/** Lines of a multi-line value are looked for alone only when long enough not to match by accident. */
const MULTILINE_PART_MIN = 16;
// Anchored at the end: SEALED_SECRETS_CONTROLLER_NAMESPACE or AWS_SECRET_NAME hold no secret.
export const SECRET_LOOKING_NAME = /(?:KEY|SECRET|TOKEN|PASSWORD|PASSWD|PRIVATE_KEY|CREDENTIALS?|CLIENT_ID|KEY_ID)$/i;

/** Well-known credential shapes, found whatever variable (or none) they came from. */
export const KNOWN_SECRET_SHAPES: readonly { readonly name: string; readonly pattern: RegExp }[] = [
  { name: 'an Anthropic API key', pattern: /sk-ant-[a-z]{3,6}\d{2}-[A-Za-z0-9_-]{20,}/ },
  { name: 'an OpenRouter API key', pattern: /sk-or-v1-[A-Za-z0-9]{20,}/ },
  { name: 'an OpenAI API key', pattern: /sk-(?!ant-|or-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{32,}/ },
  { name: 'a Stripe secret key', pattern: /\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}/ },
  { name: 'a Stripe webhook secret', pattern: /\bwhsec_[A-Za-z0-9+/=]{16,}/ },
  { name: 'a Google OAuth client secret', pattern: /GOCSPX-[A-Za-z0-9_-]{16,}/ },
  { name: 'a JSON Web Token (Supabase keys are JWTs)', pattern: /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/ },
  { name: 'an AWS access key id', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { name: 'a private key', pattern: /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/ },
  { name: 'a GitHub token', pattern: /\bgh[pousr]_[A-Za-z0-9]{36,}/ },
  { name: 'a Slack token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/ },
];

/**
 * The values present on this machine that must not reach `dist/`: the catalog's variables and
 * anything secret-looking in the process environment and in the `.env` files.
 */
export function collectSensitiveValues(options: CollectOptions): SensitiveValue[] {
  const values: SensitiveValue[] = [];
  const catalog = new Set(options.secretNames);
  const isSensitive = (name: string) => catalog.has(name) || SECRET_LOOKING_NAME.test(name);
  for (const [name, value] of Object.entries(options.env)) {
    if (value && value.length >= MIN_VALUE_LENGTH && isSensitive(name)) values.push({ origin: `${name} from the environment`, value });
  }
  for (const envFile of options.envFiles ?? ['.env']) {
    const file = resolve(options.cwd, envFile);
    if (!existsSync(file)) continue;
    const parsed = parseDotenv(readFileSync(file));
    for (const [name, value] of Object.entries(parsed)) {
      if (value.length >= MIN_VALUE_LENGTH && isSensitive(name)) values.push({ origin: `${name} from ${envFile}`, value });
    }
  }
  return values;
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

export function findLeaks(files: readonly OutputFile[], values: readonly SensitiveValue[]): Leak[] {
  const needles = values.flatMap((v) => encodingsOf(v.value).map((form) => ({ ...form, origin: v.origin })));
  const leaks: Leak[] = [];
  for (const file of files) {
    for (const needle of needles) {
      if (file.content.includes(needle.text)) {
        leaks.push({ file: file.path, what: `the value of ${needle.origin} (${needle.encoding})` });
      }
    }
    for (const shape of shapesIn(file.content)) leaks.push({ file: file.path, what: `something shaped like ${shape}` });
  }
  return dedupe(leaks);
}

/** The name of the credential shape `text` contains, if any. */
export function credentialShapeOf(text: string): string | undefined {
  return KNOWN_SECRET_SHAPES.find((shape) => shape.pattern.test(text))?.name;
}

function shapesIn(content: string): string[] {
  const found = new Set<string>();
  const texts = [content, ...decodedBase64Tokens(content)];
  for (const text of texts) {
    for (const shape of KNOWN_SECRET_SHAPES) if (shape.pattern.test(text)) found.add(shape.name);
  }
  return [...found];
}

/** Base64 tokens decoded, when they decode to text: Secret `data`, JSON blobs and the like. */
function decodedBase64Tokens(content: string): string[] {
  const out: string[] = [];
  for (const match of content.matchAll(/[A-Za-z0-9+/_-]{16,}={0,2}/g)) {
    const token = match[0];
    const decoded = Buffer.from(token.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
    if (/^[\x20-\x7E\s]+$/.test(decoded)) out.push(decoded);
  }
  return out;
}

function dedupe(leaks: Leak[]): Leak[] {
  const seen = new Set<string>();
  return leaks.filter((l) => {
    const key = `${l.file}\u0000${l.what}`;
    return !seen.has(key) && seen.add(key);
  });
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
