import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { didYouMean, UserError } from '../../core/errors';
import { requireEnvironment } from '../../config-kit/shown';
import { ENV_VAR_NAME } from '../../core/names';
import { compareStrings } from '../../core/sort';
import { readEnvFile } from '../../config-kit/env-values';
import type { EnvironmentPlan, Plan } from '../../plan/plan';
import { readCertificateFile } from './certificate-file';
import { acquireSealLock } from './seal-lock';
import { entryBinding, EntryProblem, sealedValuesProblems } from './sealed-entry';
import { ensureSealedFolder, readSealedFile, SealedValue, SealedValuesFile, sealedFilePath, writeSealedFile } from './sealed-file';
import { certificateValidityWarnings, readSealingKey, sealValue, SealingKey, SealTarget } from './sealing';
import { isCurrentVerifier, makeVerifier, matchesVerifier } from './verifier';

export interface SealOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly configPath?: string;
  /**
   * Loads the config (`configPath`, else the lookup order) and resolves its plan: given by the
   * CLI, which knows every delivery method (this one does not look the others up).
   */
  readonly loadPlan: () => { readonly environments: readonly string[]; readonly plan: Plan };
  readonly environment: string;
  /** The controller's certificate (`kubeseal --fetch-cert`) or its bare public key. */
  readonly certificatePath: string;
  readonly envFile?: string;
  /** One value read from standard input, for `key`; read only once the key is known to be delivered. */
  readonly stdin?: { readonly key: string; readonly read: () => string };
  /** `KEY=VALUE` pairs; they and stdin win over the env file, which wins over the process environment. */
  readonly literals?: readonly string[];
  /**
   * Record a salted scrypt verifier per value so that unchanged values keep their ciphertext.
   * Turn off for low-entropy values (see verifier.ts). @default true
   */
  readonly verifier?: boolean;
  /** How long to wait for another `seal` of the same file. @default 30000 */
  readonly lockWaitMs?: number;
  /** Progress a user waiting should know of (another run holds the lock). @default - none */
  readonly notice?: (message: string) => void;
  /** The date certificate validity is checked against. @default - now */
  readonly now?: Date;
}

export interface SealReport {
  readonly file: string;
  readonly target: SealTarget;
  readonly fingerprint: string;
  /** Keys sealed by this run (new or changed values, a new certificate, or an entry that was edited). */
  readonly sealed: readonly string[];
  /** Keys given again with the same value, target and certificate: their ciphertext is kept, so git sees no change. */
  readonly unchanged: readonly string[];
  /** Keys sealed earlier and kept as they were. */
  readonly kept: readonly string[];
  /** Keys sealed earlier in the older file format and kept: now bound as they are, not checked against a value. */
  readonly upgraded: readonly string[];
  /** Keys sealed earlier for another name, namespace or scope: dropped, they must be given again. */
  readonly dropped: readonly string[];
  /** Required keys (or groups with no member) that still have no sealed value. */
  readonly missing: readonly string[];
  /** For stderr: a weak way of giving values, a certificate out of its validity, entries replaced. */
  readonly warnings: readonly string[];
}

const DEFAULT_LOCK_WAIT_MS = 30_000;

/**
 * Seals the environment's secrets into `sealed/<env>.yaml`, merging with what is there.
 * Values are read, encrypted and forgotten: they are never printed or written in clear.
 */
export function sealEnvironment(options: SealOptions): SealReport {
  const { plan, target, key, values, warnings } = prepare(options);
  const relative = sealedFilePath(plan.name);
  ensureSealedFolder(options.cwd);
  const lock = acquireSealLock(join(options.cwd, `${relative}.lock`), `${relative}.lock`, {
    waitMs: options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS,
    notice: options.notice ?? (() => undefined),
  });
  try {
    return sealLocked(options, plan, target, key, values, warnings);
  } finally {
    lock.release();
  }
}

function sealLocked(options: SealOptions, plan: EnvironmentPlan, target: SealTarget, key: SealingKey, values: Map<string, string>, warnings: string[]): SealReport {
  const relative = sealedFilePath(plan.name);
  const delivered = plan.secrets.map((s) => s.name);
  const existing = readSealedFile(options.cwd, plan.name);
  const sameTarget = existing !== undefined && sameSealTarget(existing.target, target);
  const problems = existing && sameTarget ? checkEntries(existing, key, delivered) : {};

  const blocking = Object.keys(problems).filter((name) => !values.has(name) && delivered.includes(name));
  if (blocking.length > 0) {
    throw new UserError(
      [
        `${relative} has entries that are damaged or were edited after sealing, and no value was given for them (nothing was written):`,
        ...blocking.flatMap((name) => problems[name].map((p) => `  - values.${name}.${p.field}: ${p.message}`)),
        `Give their values (e.g. --env-file FILE, or --from-stdin ${blocking[0]}) so that seal replaces them, or restore ${relative} from git.`,
      ].join('\n'),
    );
  }

  const merged: Record<string, SealedValue> = {};
  const kept: string[] = [];
  const upgraded: string[] = [];
  const dropped: string[] = [];
  for (const [name, value] of Object.entries(existing?.values ?? {})) {
    if (values.has(name) || !delivered.includes(name)) continue;
    if (!sameTarget) {
      dropped.push(name);
    } else if (existing!.legacyFormat) {
      // Bound as it is: the owner vouches for the file by sealing into it. Its old verifier is not
      // bound to the ciphertext, so it is dropped: the next seal of this value seals it again.
      const entry = { encrypted: value.encrypted, certificate: value.certificate, certificateNotAfter: value.certificateNotAfter };
      merged[name] = { ...entry, binding: entryBinding(name, target, entry) };
      upgraded.push(name);
    } else {
      merged[name] = value;
      kept.push(name);
    }
  }
  const unchanged: string[] = [];
  const resealed: string[] = [];
  for (const [name, value] of values) {
    const previous = sameTarget ? existing?.values[name] : undefined;
    if (
      previous &&
      !problems[name] &&
      !existing!.legacyFormat &&
      previous.certificate === key.fingerprint &&
      previous.binding !== undefined &&
      matchesVerifier(previous.verifier, value, previous.binding)
    ) {
      merged[name] = previous;
      unchanged.push(name);
      continue;
    }
    if (problems[name]) {
      warnings.push(`${relative}: the entry of ${name} was damaged or edited after sealing (${problems[name].map((p) => `${p.field}: ${p.message}`).join('; ')}); sealed again from the value given`);
    }
    merged[name] = sealEntry(name, value, target, key, options.verifier !== false);
    resealed.push(name);
  }
  const file: SealedValuesFile = { environment: plan.name, target, values: merged };
  const written = writeSealedFile(options.cwd, file);

  const groupsWithValue = new Set(plan.secrets.filter((s) => s.group && merged[s.name]).map((s) => s.group));
  const missing = plan.secrets
    .filter((s) => !merged[s.name] && (s.status === 'required' || (s.status === 'one-of' && !groupsWithValue.has(s.group))))
    .map((s) => s.name);
  return {
    file: written,
    target,
    fingerprint: key.fingerprint,
    sealed: resealed,
    unchanged,
    kept: kept.sort(),
    upgraded: upgraded.sort(),
    dropped: dropped.sort(),
    missing,
    warnings,
  };
}

function sealEntry(name: string, value: string, target: SealTarget, key: SealingKey, withVerifier: boolean): SealedValue {
  const entry = { encrypted: sealValue(key.publicKey, target, value), certificate: key.fingerprint, certificateNotAfter: key.notAfter };
  const binding = entryBinding(name, target, entry);
  return { ...entry, binding, verifier: withVerifier ? makeVerifier(value, binding) : undefined };
}

export interface VerifyReport {
  readonly file: string;
  /** Keys whose committed entry was sealed from exactly the value given. */
  readonly matching: readonly string[];
  /** Keys whose committed entry does not hold the value given, with the reason. */
  readonly mismatched: readonly { readonly key: string; readonly reason: string }[];
  /** Keys whose entry cannot be checked against a value (no verifier, or the older file format). */
  readonly uncheckable: readonly { readonly key: string; readonly reason: string }[];
  /** Keys with an entry sealed for another certificate than the one given (a note, not a mismatch). */
  readonly otherCertificate: readonly string[];
  /** Sealed keys for which no value was given. */
  readonly notGiven: readonly string[];
  readonly warnings: readonly string[];
}

/**
 * `seal --verify`: checks, with the values, that each committed entry holds exactly the value given
 * (the verifier covers the value and the ciphertext). Reads only; writes nothing.
 */
export function verifySealedEnvironment(options: SealOptions): VerifyReport {
  const { plan, target, key, values, warnings } = prepare(options);
  const relative = sealedFilePath(plan.name);
  const delivered = plan.secrets.map((s) => s.name);
  const existing = readSealedFile(options.cwd, plan.name);
  const problems = existing ? checkEntries(existing, key, delivered) : {};
  const matching: string[] = [];
  const mismatched: { key: string; reason: string }[] = [];
  const uncheckable: { key: string; reason: string }[] = [];
  const otherCertificate: string[] = [];
  for (const [name, value] of values) {
    const entry = existing?.values[name];
    if (!existing || !entry) {
      mismatched.push({ key: name, reason: `not sealed in ${relative}` });
    } else if (!sameSealTarget(existing.target, target)) {
      mismatched.push({ key: name, reason: `${relative} was sealed for another Secret, namespace or scope than the config's` });
    } else if (problems[name]) {
      mismatched.push({ key: name, reason: problems[name].map((p) => `${p.field}: ${p.message}`).join('; ') });
    } else if (existing.legacyFormat || !isCurrentVerifier(entry.verifier)) {
      uncheckable.push({ key: name, reason: existing.legacyFormat ? 'sealed in the older format (aragora-secrets/v1)' : 'sealed with --no-verifier' });
    } else if (matchesVerifier(entry.verifier, value, entry.binding!)) {
      matching.push(name);
      if (entry.certificate !== key.fingerprint) otherCertificate.push(name);
    } else {
      mismatched.push({ key: name, reason: 'its ciphertext was not sealed from the value given (the value changed, or the entry was replaced)' });
    }
  }
  const notGiven = Object.keys(existing?.values ?? {}).filter((name) => !values.has(name)).sort();
  return { file: relative, matching, mismatched, uncheckable, otherCertificate, notGiven, warnings };
}

function checkEntries(file: SealedValuesFile, key: SealingKey, catalogKeys: readonly string[]): Record<string, EntryProblem[]> {
  return sealedValuesProblems(file.values, {
    target: file.target,
    bound: !file.legacyFormat,
    keyBytes: (fingerprint) => (fingerprint === key.fingerprint ? key.modulusBits / 8 : undefined),
    otherKeys: catalogKeys,
  });
}

function sameSealTarget(a: SealTarget, b: SealTarget): boolean {
  return a.name === b.name && a.namespace === b.namespace && a.scope === b.scope;
}

interface Prepared {
  readonly plan: EnvironmentPlan;
  readonly target: SealTarget;
  readonly key: SealingKey;
  readonly values: Map<string, string>;
  readonly warnings: string[];
}

function prepare(options: SealOptions): Prepared {
  const loaded = options.loadPlan();
  requireEnvironment([...loaded.environments], options.environment);
  const plan = loaded.plan.environments.find((e) => e.name === options.environment)!;
  if (plan.delivery.method !== 'sealed') {
    throw new UserError(
      `environment ${plan.name} delivers its secrets with "${plan.delivery.method}", not "sealed": set environments.${plan.name}.delivery to sealed first`,
    );
  }
  const target: SealTarget = { name: plan.secretName, namespace: plan.namespace, scope: plan.delivery.scope };
  const certificateFile = resolve(options.cwd, options.certificatePath);
  if (!existsSync(certificateFile)) {
    throw new UserError(`certificate file "${options.certificatePath}" not found: fetch it with \`kubeseal --fetch-cert > ${options.certificatePath}\``);
  }
  const key = readSealingKey(readCertificateFile(certificateFile, `certificate file "${options.certificatePath}"`), options.certificatePath);
  const warnings = certificateValidityWarnings(key, options.certificatePath, options.now ?? new Date());

  const delivered = plan.secrets.map((s) => s.name);
  const values = collectValues(options, delivered);
  if ((options.literals ?? []).length > 0) {
    warnings.push(
      '--from-literal puts the value on the command line, where every user of this machine can read it (ps, /proc/<pid>/cmdline) and the shell history keeps it: prefer --env-file FILE or --from-stdin KEY',
    );
  }
  if (values.size === 0) {
    throw new UserError(
      `no value to seal for environment ${plan.name}: give them with --env-file FILE, --from-stdin KEY or in the process environment (keys delivered there: ${delivered.join(', ')})`,
    );
  }
  return { plan, target, key, values, warnings };
}

function collectValues(options: SealOptions, delivered: readonly string[]): Map<string, string> {
  const values = new Map<string, string>();
  for (const name of delivered) {
    const value = options.env[name];
    if (value) values.set(name, value);
  }
  if (options.envFile !== undefined) {
    const parsed = readEnvFile(options.cwd, options.envFile);
    for (const name of delivered) {
      if (parsed[name]) values.set(name, parsed[name]);
    }
  }
  const explicit = new Set<string>();
  const giveExplicitly = (option: string, name: string, value: () => string) => {
    checkDelivered(option, name, delivered);
    if (explicit.has(name)) throw new UserError(`${option} ${name}: ${name} is given twice on the command line`);
    explicit.add(name);
    const text = value();
    if (!text) throw new UserError(`${option} ${name}: the value is empty`);
    values.set(name, text);
  };
  if (options.stdin) giveExplicitly('--from-stdin', options.stdin.key, options.stdin.read);
  for (const literal of options.literals ?? []) {
    const eq = literal.indexOf('=');
    const name = eq > 0 ? literal.slice(0, eq) : '';
    // Anything before "=" that is not a variable name may well be (part of) a value: never shown.
    if (!ENV_VAR_NAME.test(name)) {
      throw new UserError('--from-literal takes KEY=VALUE, with KEY a variable name; this argument does not start with one (it is not shown, as it may hold a value)');
    }
    giveExplicitly('--from-literal', name, () => literal.slice(eq + 1));
  }
  return new Map([...values].sort(([a], [b]) => compareStrings(a, b)));
}

function checkDelivered(option: string, name: string, delivered: readonly string[]): void {
  if (!ENV_VAR_NAME.test(name)) throw new UserError(`${option}: KEY must be a variable name (A-Z, 0-9 and "_"); it is not shown, as it may hold a value`);
  if (!delivered.includes(name)) {
    const suggestion = didYouMean(name, delivered);
    throw new UserError(`${option} ${name}: not a secret delivered in this environment${suggestion ? `; did you mean "${suggestion}"?` : ''} (delivered: ${delivered.join(', ')})`);
  }
}
