import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { DEFAULT_CONFIG } from './default';
import { ConfigError, formatPath } from '../core/errors';
import { readPlainYaml } from '../core/plain-yaml';
import type { AragoraSecretsConfig } from '../config-kit/schema';
import { MAX_CONFIG_BYTES, readUserFile, UnreadableFileError } from '../config-kit/user-file';
import { validateConfig } from './validate';
import { aliasProblem, hasAlias, syntaxProblem, tagProblems } from './yaml-problems';

export const CONFIG_FILE_NAME = 'aragora-secrets.yaml';
export const CONFIG_ENV_VAR = 'ARAGORA_SECRETS_CONFIG';

/**
 * How many copies aliases may make in all (the YAML library's count): anchors shared by a few
 * environments stay far below it, a "billion laughs" file passes it within its first lines.
 */
const MAX_ALIAS_EXPANSION = 50;

export interface LoadedConfig {
  readonly config: AragoraSecretsConfig;
  /** The file the config came from, or `(embedded default)`. */
  readonly source: string;
  /** The resolved path of that file (undefined for the embedded default): the leak guard scans its text. */
  readonly file?: string;
}

export interface LoadOptions {
  /** Explicit config path (`--config`); wins over the environment variable. */
  readonly path?: string;
  /** Project root where `aragora-secrets.yaml` is looked up. @default process.cwd() */
  readonly cwd?: string;
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Finds and validates the config: `--config`, then `$ARAGORA_SECRETS_CONFIG`, then
 * `aragora-secrets.yaml` in the project root, then the embedded default.
 */
export function loadConfig(options: LoadOptions = {}): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const explicit = options.path ?? (env[CONFIG_ENV_VAR] || undefined);
  if (explicit !== undefined) {
    const via = options.path !== undefined ? '--config' : `$${CONFIG_ENV_VAR}`;
    const bytes = readConfigFile(resolve(cwd, explicit), explicit, { message: `config file not found (from ${via})`, fix: `check the path; it is resolved from ${cwd}` });
    return { config: parseConfigText(bytes, explicit), source: explicit, file: resolve(cwd, explicit) };
  }
  const file = resolve(cwd, CONFIG_FILE_NAME);
  if (existsSync(file)) return { config: parseConfigFile(file, CONFIG_FILE_NAME), source: CONFIG_FILE_NAME, file };
  return { config: validateConfig(DEFAULT_CONFIG, '(embedded default)'), source: '(embedded default)' };
}

/** @param source how errors name the file: the path as the user gave it, not the resolved one */
export function parseConfigFile(file: string, source: string = file): AragoraSecretsConfig {
  return parseConfigText(readConfigFile(file, source), source);
}

/** The bytes of a config file: a regular file of at most MAX_CONFIG_BYTES, or a ConfigError. */
function readConfigFile(file: string, source: string, missing?: { message: string; fix: string }): Buffer {
  try {
    return readUserFile(file, { label: 'the config file', maxBytes: MAX_CONFIG_BYTES, notAFileFix: 'point --config or $ARAGORA_SECRETS_CONFIG at the YAML file itself' });
  } catch (e) {
    if (!(e instanceof UnreadableFileError)) throw e;
    const problem = e.problem === 'not found' && missing ? missing : { message: `the file ${e.problem}`, fix: e.fix };
    throw new ConfigError(source, [{ path: '', ...problem }]);
  }
}

/** Parses and validates YAML (JSON is YAML too) config text. */
export function parseConfigText(content: Buffer | string, source: string): AragoraSecretsConfig {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  if (bytes.length > MAX_CONFIG_BYTES) {
    throw new ConfigError(source, [{ path: '', message: `the file is over the ${MAX_CONFIG_BYTES / 1024 / 1024} MiB limit`, fix: 'is this the right file?' }]);
  }
  const text = bytes.toString('utf8');
  if (text.includes('\u0000') || text.includes('\uFFFD')) {
    throw new ConfigError(source, [{ path: '', message: 'file is not UTF-8 text (binary or NUL bytes found)', fix: 'save the config as plain UTF-8 YAML' }]);
  }
  // A config in plain block YAML (most are) is read fast and validated without line numbers. A config
  // that is refused, or that uses more of YAML, goes through the document parser below, which finds the
  // same data and gives each problem its line: only a config with a problem pays for the lines.
  const plain = readPlainYaml(text);
  if (plain !== undefined && plain.value !== null) {
    try {
      return validateConfig(plain.value, source);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
    }
  }
  const lineCounter = new LineCounter();
  // The library's own unique-key check compares every key with every other (quadratic: a second at
  // 5,000 secrets); duplicateKeys below does the same job in one pass.
  // No prettyErrors: the library then gives every error its line and a code frame, in time quadratic in their number
  // (100,000 bad escapes in a 400 KB file took 45 s); only the first error is reported, its line from lineCounter.
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false, strict: true });
  if (doc.errors.length > 0) throw new ConfigError(source, [syntaxProblem(doc.errors, text, lineCounter)]);
  const tags = tagProblems(doc, lineCounter);
  if (tags.length > 0) throw new ConfigError(source, tags);
  const duplicates = duplicateKeys(doc.contents as Node | null, []);
  if (duplicates.length > 0) {
    throw new ConfigError(
      source,
      duplicates.map((d) => ({
        path: formatPath(d.path),
        line: d.offset === undefined ? undefined : lineCounter.linePos(d.offset).line,
        message: 'YAML syntax: Map keys must be unique; this key is repeated',
        fix: 'remove or rename the repeated key',
      })),
    );
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSION });
  } catch (e) {
    if (!hasAlias(doc)) throw e;
    throw new ConfigError(source, [aliasProblem(doc, lineCounter, e as Error)]);
  }
  if (value === null || value === undefined) {
    throw new ConfigError(source, [{ path: '', message: 'the config file is empty', fix: 'run `npx aragora-secrets init` or delete the file to use the embedded default' }]);
  }
  const locate = (path: readonly PropertyKey[]): number | undefined => {
    // Walk up to the nearest existing node so that a missing key points at its parent.
    for (let depth = path.length; depth >= 0; depth--) {
      const node = doc.getIn(path.slice(0, depth) as unknown[], true) as Node | undefined;
      const offset = keyOffset(doc.contents as Node | null, path.slice(0, depth)) ?? node?.range?.[0];
      if (offset !== undefined) return lineCounter.linePos(offset).line;
    }
    return undefined;
  };
  return validateConfig(value, source, locate);
}

/** Keys repeated within one mapping, anywhere in the document, in one pass per mapping. */
function duplicateKeys(node: Node | null, path: PropertyKey[]): { path: PropertyKey[]; offset?: number }[] {
  const found: { path: PropertyKey[]; offset?: number }[] = [];
  if (isMap(node)) {
    const seen = new Set<string>();
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
      if (seen.has(key)) found.push({ path: [...path, key], offset: keyNode?.range?.[0] });
      seen.add(key);
      found.push(...duplicateKeys(pair.value as Node | null, [...path, key]));
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => found.push(...duplicateKeys(item as Node | null, [...path, i])));
  }
  return found;
}

/** Offset of the key (not the value) of a mapping entry, so that errors point at the line a user reads. */
function keyOffset(root: Node | null, path: readonly PropertyKey[]): number | undefined {
  let node: unknown = root;
  let offset: number | undefined;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => (item.key as { value?: unknown } | null)?.value === segment);
      if (!pair) return undefined;
      offset = (pair.key as Node).range?.[0];
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      offset = (node as Node | undefined)?.range?.[0];
    } else {
      return undefined;
    }
  }
  return offset;
}


