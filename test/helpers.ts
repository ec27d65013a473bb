import { parse } from 'yaml';
import { DEFAULT_CONFIG } from '../src/config/default';
import { ConfigError } from '../src/core/errors';
import type { AragoraSecretsConfig } from '../src/config-kit/schema';
import { validateConfig } from '../src/config/validate';
import { resolvePlan } from '../src/app/resolve-plan';
import type { OutputFile } from '../src/core/output-file';
import { synthesizePlan } from '../src/app/synthesize';

/** A deep copy of the default config, changed by `mutate`. */
export function configWith(mutate: (config: AragoraSecretsConfig) => void = () => undefined): AragoraSecretsConfig {
  const config = structuredClone(DEFAULT_CONFIG);
  mutate(config);
  return config;
}

export function synth(config: AragoraSecretsConfig = DEFAULT_CONFIG): OutputFile[] {
  return synthesizePlan(resolvePlan(validateConfig(config, 'test')));
}

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: any;
}

/** The Kubernetes objects of one environment, parsed. */
export function manifests(files: OutputFile[], env: string): Manifest[] {
  return files.filter((f) => f.path.startsWith(`${env}/`) && f.path.endsWith('.k8s.yaml')).map((f) => parse(f.content));
}

/** Finds an object by kind and name; never by position. */
export function find(objects: Manifest[], kind: string, name?: string): Manifest {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` named ${name}` : ''}, found ${found.length}`);
  return found[0];
}

export function findAll(objects: Manifest[], kind: string): Manifest[] {
  return objects.filter((o) => o.kind === kind);
}

/** The problems of the ConfigError `fn` throws; fails the test when it throws none. */
export function configProblems(fn: () => unknown): ConfigError['problems'] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

/** The problems validation finds in `config`; fails the test when it finds none. */
export function problemsOf(config: AragoraSecretsConfig): ConfigError['problems'] {
  return configProblems(() => validateConfig(config, 'test'));
}
