import { deliveryMethod } from '../delivery/registry';
import { App, Chart, Yaml } from 'cdk8s';
import { UserError } from '../core/errors';
import { AppSecret } from '../k8s/app-secret';
import type { EnvironmentPlan } from '../plan/plan';
import { constructIdOf } from '../core/names';
import { placeholderReason } from './placeholders';

export interface RenderResult {
  /** The Secret as YAML, for stdout only. */
  readonly yaml: string;
  /** Keys rendered, sorted. */
  readonly keys: readonly string[];
  /** Keys left out although required (or whole one-of groups), with `allowMissing`. */
  readonly missing: readonly string[];
  /** Recommended keys with no value. */
  readonly missingRecommended: readonly string[];
}

export interface RenderOptions {
  /** Render although required keys have no value. @default false */
  readonly allowMissing?: boolean;
}

/**
 * The plain Kubernetes Secret of an environment, as `kubectl create secret generic NAME
 * --from-literal=... --dry-run=client -o yaml` would print it, from `values`: only the keys
 * delivered there. Built with the `AppSecret` construct in a throwaway app that is never
 * synthesized to disk; the caller prints the result to stdout.
 *
 * @throws UserError for an environment whose Secret is not created from values (external, vault),
 *   for placeholder values, and for missing required keys unless `allowMissing`
 */
export function renderSecret(plan: EnvironmentPlan, values: ReadonlyMap<string, string>, options: RenderOptions = {}): RenderResult {
  const why = deliveryMethod(plan.delivery).renderRefusal?.(plan);
  if (why !== undefined) {
    throw new UserError(`environment ${plan.name} delivers its secrets with "${plan.delivery.method}": ${why}`);
  }
  const delivered = plan.secrets.filter((s) => values.has(s.name));
  const placeholders = delivered.flatMap((s) => {
    const why = placeholderReason(values.get(s.name)!);
    return why ? [`${s.name} (looks like ${why})`] : [];
  });
  if (placeholders.length > 0) {
    throw new UserError(`refusing to render placeholder values for environment ${plan.name}: ${placeholders.join(', ')}. Put the real values into the env file.`);
  }
  const satisfied = new Set(plan.oneOfGroups.filter((g) => g.members.some((m) => values.has(m))).map((g) => g.group));
  const missing = [
    ...plan.secrets.filter((s) => s.status === 'required' && !values.has(s.name)).map((s) => s.name),
    ...plan.oneOfGroups.filter((g) => !satisfied.has(g.group)).map((g) => `one of ${g.members.join(', ')}`),
  ];
  if (missing.length > 0 && !options.allowMissing) {
    throw new UserError(
      `environment ${plan.name} needs values for: ${missing.join('; ')}. Add them to the env file (or the environment), or pass --allow-missing to render without them.`,
    );
  }

  const app = new App({ outdir: '.' });
  const chart = new Chart(app, constructIdOf(plan.name), { namespace: plan.namespace, disableResourceNameHashes: true });
  new AppSecret(chart, 'Secret', {
    secretName: plan.secretName,
    values: Object.fromEntries(delivered.map((s) => [s.name, values.get(s.name)!])),
    labels: plan.labels,
  });
  const yaml = chart.toJson().map((object) => Yaml.stringify(object)).join('---\n');
  return {
    yaml,
    keys: delivered.map((s) => s.name).sort(),
    missing,
    missingRecommended: plan.secrets.filter((s) => s.status === 'recommended' && !values.has(s.name)).map((s) => s.name),
  };
}
