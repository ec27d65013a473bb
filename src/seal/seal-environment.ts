import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { didYouMean, UserError } from '../config/errors';
import { loadConfig } from '../config/load';
import { MAX_CERTIFICATE_BYTES, readUserFile } from '../config/user-file';
import { readEnvFile } from '../env/env-values';
import { resolvePlan } from '../model/plan';
import { readSealedFile, SealedValue, SealedValuesFile, writeSealedFile } from './sealed-file';
import { readSealingKey, sealValue, SealTarget } from './sealing';
import { makeVerifier, matchesVerifier } from './verifier';

export interface SealOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly configPath?: string;
  readonly environment: string;
  /** The controller's certificate (`kubeseal --fetch-cert`) or its bare public key. */
  readonly certificatePath: string;
  readonly envFile?: string;
  /** `KEY=VALUE` pairs; they win over the env file, which wins over the process environment. */
  readonly literals?: readonly string[];
  /**
   * Record a salted scrypt verifier per value so that unchanged values keep their ciphertext.
   * Turn off for low-entropy values (see verifier.ts). @default true
   */
  readonly verifier?: boolean;
}

export interface SealReport {
  readonly file: string;
  readonly target: SealTarget;
  readonly fingerprint: string;
  /** Keys sealed by this run (new or changed values, or a new certificate). */
  readonly sealed: readonly string[];
  /** Keys given again with the same value, target and certificate: their ciphertext is kept, so git sees no change. */
  readonly unchanged: readonly string[];
  /** Keys sealed earlier and kept as they were. */
  readonly kept: readonly string[];
  /** Keys sealed earlier for another name, namespace or scope: dropped, they must be given again. */
  readonly dropped: readonly string[];
  /** Required keys (or groups with no member) that still have no sealed value. */
  readonly missing: readonly string[];
}

/**
 * Seals the environment's secrets into `sealed/<env>.yaml`, merging with what is there.
 * Values are read, encrypted and forgotten: they are never printed or written in clear.
 */
export function sealEnvironment(options: SealOptions): SealReport {
  const { config } = loadConfig({ path: options.configPath, cwd: options.cwd, env: options.env });
  const environments = Object.keys(config.environments);
  if (!environments.includes(options.environment)) {
    const suggestion = didYouMean(options.environment, environments);
    throw new UserError(`unknown environment "${options.environment}"${suggestion ? `; did you mean "${suggestion}"?` : ''} (environments: ${environments.join(', ')})`);
  }
  const plan = resolvePlan(config).environments.find((e) => e.name === options.environment)!;
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
  const key = readSealingKey(readUserFile(certificateFile, { label: `certificate file "${options.certificatePath}"`, maxBytes: MAX_CERTIFICATE_BYTES }), options.certificatePath);

  const delivered = plan.secrets.map((s) => s.name);
  const values = collectValues(options, delivered);
  if (values.size === 0) {
    throw new UserError(
      `no value to seal for environment ${plan.name}: give them with --env-file or --from-literal KEY=VALUE, or in the process environment (keys delivered there: ${delivered.join(', ')})`,
    );
  }

  const existing = readSealedFile(options.cwd, plan.name);
  const sameTarget =
    existing !== undefined && existing.target.name === target.name && existing.target.namespace === target.namespace && existing.target.scope === target.scope;
  const merged: Record<string, SealedValue> = {};
  const kept: string[] = [];
  const dropped: string[] = [];
  for (const [name, value] of Object.entries(existing?.values ?? {})) {
    if (values.has(name) || !delivered.includes(name)) continue;
    if (sameTarget) {
      merged[name] = value;
      kept.push(name);
    } else {
      dropped.push(name);
    }
  }
  const context = `${target.scope}:${target.namespace}/${target.name}`;
  const unchanged: string[] = [];
  const resealed: string[] = [];
  for (const [name, value] of values) {
    const previous = sameTarget ? existing?.values[name] : undefined;
    if (previous && previous.certificate === key.fingerprint && matchesVerifier(previous.verifier, value, context)) {
      merged[name] = previous;
      unchanged.push(name);
      continue;
    }
    merged[name] = {
      encrypted: sealValue(key.publicKey, target, value),
      certificate: key.fingerprint,
      certificateNotAfter: key.notAfter,
      verifier: options.verifier === false ? undefined : makeVerifier(value, context),
    };
    resealed.push(name);
  }
  const file: SealedValuesFile = { environment: plan.name, target, values: merged };
  const written = writeSealedFile(options.cwd, file);

  const groupsWithValue = new Set(plan.secrets.filter((s) => s.group && merged[s.name]).map((s) => s.group));
  const missing = plan.secrets
    .filter((s) => !merged[s.name] && (s.status === 'required' || (s.status === 'one-of' && !groupsWithValue.has(s.group))))
    .map((s) => s.name);
  return { file: written, target, fingerprint: key.fingerprint, sealed: resealed, unchanged, kept: kept.sort(), dropped: dropped.sort(), missing };
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
  for (const literal of options.literals ?? []) {
    const eq = literal.indexOf('=');
    const name = eq > 0 ? literal.slice(0, eq) : '';
    if (!name) throw new UserError(`--from-literal "${literal.split('=')[0]}=…": write KEY=VALUE`);
    if (!delivered.includes(name)) {
      const suggestion = didYouMean(name, delivered);
      throw new UserError(`--from-literal ${name}: not a secret delivered in this environment${suggestion ? `; did you mean "${suggestion}"?` : ''} (delivered: ${delivered.join(', ')})`);
    }
    const value = literal.slice(eq + 1);
    if (!value) throw new UserError(`--from-literal ${name}: the value is empty`);
    values.set(name, value);
  }
  return new Map([...values].sort(([a], [b]) => a.localeCompare(b)));
}
