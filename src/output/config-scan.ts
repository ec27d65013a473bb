import { UserError } from '../core/errors';
import { MAX_CONFIG_BYTES, readUserFile, UnreadableFileError } from '../config-kit/user-file';
import { knownShapeMatches, randomTokensIn } from '../core/credential-shapes';
import { compareStrings } from '../core/sort';
import { startSecretlintScan, type PendingScan } from './secretlint';

/** Where a credential-looking value sits in the config: a file and a line, never the value. */
export interface ConfigFinding {
  readonly file: string;
  readonly line: number;
  /** What it looks like, e.g. `an Anthropic API key`, `a random-looking token`, `secretlint: SLACK_TOKEN`. */
  readonly what: readonly string[];
}

/**
 * A line that ends with this comment is not reported: for a public value that only looks random.
 * (secretlint's own `secretlint-disable` for the rest of a file is not honoured: one word in any
 * field would switch the scan off.)
 */
export const ALLOW_LINE_DIRECTIVE = 'secretlint-disable-line';
const ALLOWED_LINE = /\s#\s*secretlint-disable-line\s*$/;

/** A config scan under way: our own detectors have run; secretlint's rules may still be running. */
export interface PendingConfigScan {
  /** Every finding (blocking until secretlint is done). */
  findings(): ConfigFinding[];
  /** Throws ConfigCredentialError when anything was found. */
  throwIfFindings(): void;
  cancel(): void;
}

/**
 * Scans config text (the source of most strings in the output, and committed itself) for
 * credentials: the known shapes of our catalog's providers, URLs with a password, random-looking
 * tokens, and secretlint's recommended rules. Comments are scanned too. Every line is also read
 * with its backslash escapes undone, so `"\x73k-ant-..."` is no way around it. Public certificate
 * blocks are not looked into (a CA bundle is random-looking by nature).
 */
export function startConfigScan(file: string, content: string): PendingConfigScan {
  const lines = content.split(/\r\n|\r|\n/);
  const normalized = lines.join('\n');
  const unescaped = lines.map(undoLineEscapes).join('\n');
  const texts = unescaped === normalized ? [normalized] : [normalized, unescaped];
  const own = texts.flatMap(ownFindings);
  const pending: PendingScan = startSecretlintScan(texts.map((text, i) => ({ name: `${file}#${i}`, content: text })));
  let result: ConfigFinding[] | undefined;
  const findings = () => {
    if (result) return result;
    const fromSecretlint = pending.wait().flatMap((list) => list.map((f) => ({ line: f.line, what: `secretlint: ${f.messageId}` })));
    result = group(file, [...own, ...fromSecretlint], lines);
    return result;
  };
  return {
    findings,
    throwIfFindings() {
      const found = findings();
      if (found.length > 0) throw new ConfigCredentialError(found);
    },
    cancel: () => pending.cancel(),
  };
}

/** `startConfigScan(...).findings()`, blocking. */
export function scanConfigText(file: string, content: string): ConfigFinding[] {
  return startConfigScan(file, content).findings();
}

/** Reads a config file for the scanner (regular files only, bounded) and starts the scan; a file that cannot be read is scanned as empty (loading it reports why). */
export function startConfigFileScan(path: string, shownAs: string): PendingConfigScan {
  let text = '';
  try {
    text = readUserFile(path, { label: shownAs, maxBytes: MAX_CONFIG_BYTES }).toString('utf8');
  } catch (e) {
    if (!(e instanceof UnreadableFileError)) throw e;
  }
  return startConfigScan(shownAs, text);
}

const RANDOM_TOKEN = 'a random-looking token';

function ownFindings(text: string): { line: number; what: string }[] {
  const lineOf = lineIndex(text);
  const masked = maskPublicBlocks(text);
  return [
    ...knownShapeMatches(text).map((m) => ({ line: lineOf(m.index), what: m.name })),
    ...randomTokensIn(masked).map((index) => ({ line: lineOf(index), what: RANDOM_TOKEN })),
  ];
}

/** Certificates and public keys are public and random-looking: blank them out, keeping the line count. */
function maskPublicBlocks(text: string): string {
  return text.replace(/-----BEGIN (CERTIFICATE|PUBLIC KEY|RSA PUBLIC KEY|X509 CRL|CERTIFICATE REQUEST)-----[\s\S]*?-----END \1-----/g, (block) =>
    block.replace(/[^\n]/g, ' '),
  );
}

function lineIndex(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return (offset) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (starts[middle] <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  };
}

/** `\xNN`, `\uNNNN`, `\"` and friends of YAML and JSON double quotes, within one line. */
function undoLineEscapes(line: string): string {
  if (!line.includes('\\')) return line;
  return line.replace(/\\(?:u\{([0-9a-fA-F]{1,6})\}|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|x([0-9a-fA-F]{2})|(.))/g, (_, braced, u4, u8, x2, single) => {
    const hex = braced ?? u8;
    if (hex) {
      const n = parseInt(hex, 16);
      return n <= 0x10ffff ? String.fromCodePoint(n) : '';
    }
    if (u4) return String.fromCharCode(parseInt(u4, 16));
    if (x2) return String.fromCharCode(parseInt(x2, 16));
    // A line break or tab inside a value stays one character, so offsets never cross lines.
    return single === 'n' || single === 't' || single === 'r' ? ' ' : single;
  });
}

function group(file: string, raw: readonly { line: number; what: string }[], lines: readonly string[]): ConfigFinding[] {
  const byLine = new Map<number, Set<string>>();
  for (const f of raw) {
    if (ALLOWED_LINE.test(lines[f.line - 1] ?? '')) continue;
    byLine.set(f.line, (byLine.get(f.line) ?? new Set()).add(f.what));
  }
  return [...byLine]
    .sort(([a], [b]) => a - b)
    .map(([line, what]) => ({ file, line, what: [...what].sort((a, b) => findingRank(a) - findingRank(b) || compareStrings(a, b)) }));
}

/** Known shapes first, then the random-looking token, then what secretlint adds. */
function findingRank(what: string): number {
  return what.startsWith('secretlint') ? 2 : what === RANDOM_TOKEN ? 1 : 0;
}

export class ConfigCredentialError extends UserError {
  constructor(public readonly findings: readonly ConfigFinding[]) {
    const file = findings[0]?.file ?? 'the config';
    super(
      [
        `Refusing to synthesize: ${file} holds ${findings.length === 1 ? 'something that looks like a credential' : `${findings.length} lines that look like credentials`} (nothing was written; values are not shown):`,
        ...findings.map((f) => `  - ${f.file}:${f.line}: ${f.what.join('; ')}`),
        'The config is committed and its fields reach dist/: name secrets in it, keep their values in .env (`aragora-secrets render`), sealed/ (`aragora-secrets seal`) or the secret store.',
        `A value that is public and only looks random can stay: end its line with \`# ${ALLOW_LINE_DIRECTIVE}\` (the output is still checked for known credential shapes).`,
      ].join('\n'),
    );
    this.name = 'ConfigCredentialError';
  }
}
