import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseDocument, stringify } from 'yaml';
import { z } from 'zod';
import { ConfigError, formatPath } from '../config/errors';
import { DNS1123_LABEL, ENV_VAR_NAME, SEAL_SCOPES } from '../config/schema';
import { MAX_SEALED_FILE_BYTES, readUserFile } from '../config/user-file';
import type { SealTarget } from './sealing';
import { VERIFIER_PATTERN } from './verifier';

/**
 * `sealed/<env>.yaml`: the encrypted values of one environment and what they were sealed for.
 * Written by `aragora-secrets seal`, committed, read by synth. Holds ciphertext only.
 */
export interface SealedValuesFile {
  readonly environment: string;
  readonly target: SealTarget;
  /** Ciphertext per key, with the public key it was sealed for. */
  readonly values: Readonly<Record<string, SealedValue>>;
}

export interface SealedValue {
  readonly encrypted: string;
  /** `sha256:<hex>` of the controller public key the value was sealed with. */
  readonly certificate: string;
  /** Expiry of that certificate, when sealed from a certificate (ISO 8601). */
  readonly certificateNotAfter?: string;
  /** Lets `seal` recognise an unchanged value without decrypting (see verifier.ts). */
  readonly verifier?: string;
}

export const SEALED_DIR = 'sealed';
export const SEALED_KIND = 'SealedValues';
export const SEALED_API_VERSION = 'aragora-secrets/v1';

export function sealedFilePath(environment: string): string {
  return `${SEALED_DIR}/${environment}.yaml`;
}

const fingerprint = z.string().regex(/^sha256:[0-9a-f]{64}$/, { error: 'a fingerprint is "sha256:" and 64 hex digits' });
const sealedFileSchema = z.strictObject({
  apiVersion: z.literal(SEALED_API_VERSION),
  kind: z.literal(SEALED_KIND),
  environment: z.string().min(1),
  target: z.strictObject({
    name: z.string().min(1),
    namespace: z.string().regex(DNS1123_LABEL),
    scope: z.enum(SEAL_SCOPES),
  }),
  values: z.record(
    z.string().regex(ENV_VAR_NAME),
    z.strictObject({
      encrypted: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/, { error: 'not base64 ciphertext' }),
      certificate: fingerprint,
      certificateNotAfter: z.string().optional(),
      verifier: z.string().regex(VERIFIER_PATTERN, { error: 'not a verifier written by `aragora-secrets seal`' }).optional(),
    }),
  ),
});

/** Reads `sealed/<env>.yaml` under `cwd`; undefined when there is none. */
export function readSealedFile(cwd: string, environment: string): SealedValuesFile | undefined {
  const relative = sealedFilePath(environment);
  const file = join(cwd, relative);
  if (!existsSync(file)) return undefined;
  const doc = parseDocument(readUserFile(file, { label: relative, maxBytes: MAX_SEALED_FILE_BYTES }).toString('utf8'), { uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(relative, [{ path: '', message: `YAML syntax: ${doc.errors[0].message.split('\n')[0]}`, fix: 'restore the file from git, or delete it and seal again' }]);
  }
  const parsed = sealedFileSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    throw new ConfigError(
      relative,
      parsed.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message, fix: 'this file is written by `aragora-secrets seal`: restore it from git or seal again' })),
    );
  }
  if (parsed.data.environment !== environment) {
    throw new ConfigError(relative, [{ path: 'environment', message: `the file is for environment "${parsed.data.environment}"`, fix: `move it to ${sealedFilePath(parsed.data.environment)}` }]);
  }
  return { environment, target: parsed.data.target, values: parsed.data.values };
}

/** Deterministic YAML: keys sorted, no timestamps, so that unchanged values do not show in diffs. */
export function renderSealedFile(file: SealedValuesFile): string {
  const values: Record<string, SealedValue> = {};
  for (const key of Object.keys(file.values).sort()) {
    const v = file.values[key];
    values[key] = {
      encrypted: v.encrypted,
      certificate: v.certificate,
      ...(v.certificateNotAfter ? { certificateNotAfter: v.certificateNotAfter } : {}),
      ...(v.verifier ? { verifier: v.verifier } : {}),
    };
  }
  const header = [
    '# Sealed values of one environment, written by `aragora-secrets seal`.',
    '# Encrypted for the Sealed Secrets controller: safe to commit. Synth puts them into the SealedSecret.',
  ].join('\n');
  const body = stringify(
    { apiVersion: SEALED_API_VERSION, kind: SEALED_KIND, environment: file.environment, target: { ...file.target }, values },
    { lineWidth: 0 },
  );
  return `${header}\n${body}`;
}

/** Writes atomically (temp file + rename): an interrupted seal never leaves half a file. */
export function writeSealedFile(cwd: string, file: SealedValuesFile): string {
  const relative = sealedFilePath(file.environment);
  const target = join(cwd, relative);
  mkdirSync(dirname(target), { recursive: true });
  const temporary = `${target}.tmp-${process.pid}`;
  writeFileSync(temporary, renderSealedFile(file));
  renameSync(temporary, target);
  return relative;
}
