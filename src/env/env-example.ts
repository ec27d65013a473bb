import type { AragoraSecretsConfig, RequirementRule } from '../config-kit/schema';
import type { EnvironmentPlan, Plan, SecretPlan } from '../plan/plan';
import { statusLabel } from './env-check';
import { pushTo } from '../core/collections';

/**
 * `.env.example`: every secret of the catalog with its purpose and when it is required, with
 * empty values. With an environment, only what that environment uses, grouped by requirement.
 */
export function renderEnvExample(config: AragoraSecretsConfig, plan: Plan, environment?: EnvironmentPlan): string {
  return environment ? forEnvironment(config, environment) : forAllEnvironments(config, plan);
}

function header(config: AragoraSecretsConfig, scope: string, checkWith: string): string[] {
  return [
    `# Secrets of ${config.app.name}${scope}, written by \`aragora-secrets env-example\`.`,
    '# Copy it to .env (gitignored: never commit it), fill in the values, then check them:',
    `#   aragora-secrets check ${checkWith}--env-file .env`,
    '# Empty values count as unset.',
  ];
}

function forAllEnvironments(config: AragoraSecretsConfig, plan: Plan): string {
  const envs = plan.environments.map((e) => `${e.name} (${e.tier})`).join(', ');
  const lines = [...header(config, '', '--env ENV '), `# Environments: ${envs}.`];
  const catalogs = plan.environments.map((env) => ({ env, byName: new Map(env.catalog.map((c) => [c.name, c])) }));
  for (const name of Object.keys(config.secrets).sort()) {
    const secret = config.secrets[name];
    lines.push('', `# ${name}: ${oneLine(secret.purpose)}`, `#   ${describeRule(config, name, secret.required)}`);
    const byStatus = new Map<string, string[]>();
    for (const { env, byName } of catalogs) {
      const s = byName.get(name)!;
      const label = s.status === 'excluded' ? 'not used' : statusLabel(s);
      pushTo(byStatus, label, env.name);
    }
    const rank = (label: string) => ['required', 'one of', 'recommended', 'optional', 'not used'].findIndex((p) => label.startsWith(p));
    const statuses = [...byStatus].sort(([a], [b]) => rank(a) - rank(b));
    if (statuses.length > 1) lines.push(`#   ${statuses.map(([label, envNames]) => `${label}: ${envNames.join(', ')}`).join('; ')}`);
    if (secret.generated) lines.push('#   any random value works, e.g. the output of: openssl rand -base64 32');
    lines.push(`${name}=`);
  }
  return lines.join('\n') + '\n';
}

function forEnvironment(config: AragoraSecretsConfig, env: EnvironmentPlan): string {
  const lines = [
    ...header(config, ` in environment ${env.name} (${env.tier}, delivery ${env.delivery.method})`, `--env ${env.name} `),
  ];
  const sections: { title: string; secrets: SecretPlan[] }[] = [
    { title: `Required in ${env.name}`, secrets: env.secrets.filter((s) => s.status === 'required') },
    ...env.oneOfGroups.map((g) => ({
      title: `At least one of group ${g.group}`,
      secrets: env.secrets.filter((s) => s.status === 'one-of' && s.group === g.group),
    })),
    { title: 'Recommended', secrets: env.secrets.filter((s) => s.status === 'recommended') },
    { title: 'Optional', secrets: env.secrets.filter((s) => s.status === 'optional') },
  ];
  for (const section of sections) {
    if (section.secrets.length === 0) continue;
    lines.push('', `## ${section.title}`);
    for (const s of section.secrets) {
      lines.push(`# ${s.name}: ${oneLine(s.purpose)} (${s.reason})`);
      if (s.generated) lines.push('#   any random value works, e.g. the output of: openssl rand -base64 32');
      lines.push(`${s.name}=`);
    }
  }
  const excluded = env.catalog.filter((s) => s.status === 'excluded');
  if (excluded.length > 0) {
    lines.push('', `## Not used in ${env.name} (not delivered; leave them out)`);
    for (const s of excluded) lines.push(`#   ${s.name}: ${oneLine(s.purpose)} (${s.reason})`);
  }
  return lines.join('\n') + '\n';
}

/** A requirement rule in words, for every environment. */
export function describeRule(config: AragoraSecretsConfig, name: string, rule: RequirementRule | undefined): string {
  if (rule === undefined || rule === 'optional') return 'optional';
  if (rule === 'always') return 'required in every environment';
  if (rule === 'recommended') return 'recommended';
  if ('oneOf' in rule) {
    const others = Object.keys(config.secrets)
      .filter((n) => n !== name && (config.secrets[n].required as { oneOf?: string } | undefined)?.oneOf === rule.oneOf)
      .sort();
    return `required: at least one of group ${rule.oneOf} (this or ${others.join(', ')})`;
  }
  if ('tiers' in rule) return `required in ${rule.tiers.join(', ')} tier environments, optional elsewhere`;
  if ('environments' in rule) return `required in environments ${rule.environments.join(', ')}, optional elsewhere`;
  return `required where feature ${rule.feature} is enabled, not used where it is disabled`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
