import { Template } from 'aws-cdk-lib/assertions';
import type { AwsConfig } from '../src/cloud/aws/schema';
import type { AragoraSecretsConfig } from '../src/config-kit/schema';
import type { OutputFile } from '../src/core/output-file';
import { configWith, synth } from './helpers';

// A deprecated aws-cdk-lib API fails every AWS synth of the suite (jsii warns only once per process otherwise).
process.env.JSII_DEPRECATED = 'fail';

export const ACCOUNT = '123456789012';
export const OIDC_PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE`;
export const ROTATION_LAMBDA = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:rotate-aragora-keys`;

/** Every AWS option on: CMK, replicas, rotation, both stores, ECS, ESO, CloudTrail (with CloudWatch Logs), tags. */
export const FULL_AWS: AwsConfig = {
  account: ACCOUNT,
  region: 'us-east-1',
  tags: { 'cost-center': 'platform', owner: 'secrets@aragora.example' },
  kms: {},
  secretsManager: { replicaRegions: ['us-west-2'], rotation: { lambdaArn: ROTATION_LAMBDA, days: 30 } },
  parameterStore: { prefix: '/aragora/prod', secrets: ['SUPABASE_KEY', 'ARAGORA_SSO_CLIENT_SECRET'] },
  ecs: { cpu: 512, memory: 2048 },
  eso: { oidcProvider: OIDC_PROVIDER, serviceAccount: { namespace: 'aragora-prod', name: 'aragora-eso' } },
  cloudTrail: { bucketName: 'aragora-prod-secrets-audit-logs', retentionDays: 400, multiRegion: true, cloudWatchLogs: { retentionDays: 400 } },
};

/**
 * The default config with prod's `aws:` block replaced (or removed with `undefined`). With an ESO role,
 * prod delivers through an `aws` store that authenticates as it: a role nothing uses is a config error.
 */
export function configWithAws(aws: AwsConfig | undefined, mutate: (config: AragoraSecretsConfig) => void = () => undefined): AragoraSecretsConfig {
  return configWith((c) => {
    if (aws === undefined) delete c.environments.prod.aws;
    else c.environments.prod.aws = structuredClone(aws);
    if (aws?.eso) deliverThroughAwsStore(c, 'prod');
    mutate(c);
  });
}

/** `env` reads its values through an ESO `aws` SecretStore (Secrets Manager, in the stack's region) that authenticates as its IRSA role. */
export function deliverThroughAwsStore(config: AragoraSecretsConfig, env: string): void {
  const region = config.environments[env].aws?.region ?? 'us-east-1';
  config.stores = { ...config.stores, 'aws-secrets': { provider: 'aws', kind: 'SecretStore', service: 'SecretsManager', region } };
  config.environments[env].delivery = { method: 'external', store: 'aws-secrets' };
}

export function awsFiles(files: readonly OutputFile[], env: string): OutputFile[] {
  return files.filter((f) => f.path.startsWith(`${env}/aws/`));
}

export function templateFile(files: readonly OutputFile[], env: string): OutputFile {
  const found = awsFiles(files, env).filter((f) => f.path.endsWith('.template.json'));
  if (found.length !== 1) throw new Error(`expected one template in ${env}/aws, found ${found.length}`);
  return found[0];
}

/** The synthesized template of `env`, as parsed JSON and as an assertions Template. */
export function templateOf(files: readonly OutputFile[], env = 'prod'): { json: any; template: Template } {
  const json = JSON.parse(templateFile(files, env).content);
  return { json, template: Template.fromJSON(json) };
}

export function synthAws(aws: AwsConfig | undefined, mutate?: (config: AragoraSecretsConfig) => void): OutputFile[] {
  return synth(configWithAws(aws, mutate));
}

/** The resources of one type, by logical ID. */
export function resourcesOf(json: any, type: string): Record<string, any> {
  return Object.fromEntries(Object.entries(json.Resources as Record<string, any>).filter(([, r]) => r.Type === type));
}

/** The one resource of `type`, or the one named `logicalId`. */
export function resource(json: any, type: string, logicalId?: string): any {
  const all = resourcesOf(json, type);
  const ids = Object.keys(all).filter((id) => logicalId === undefined || id === logicalId);
  if (ids.length !== 1) throw new Error(`expected one ${type}${logicalId ? ` ${logicalId}` : ''}, found ${ids.length}: ${Object.keys(all).join(', ')}`);
  return all[ids[0]];
}

/** The inline policy statements of an IAM role resource. */
export function roleStatements(role: any): any[] {
  return (role.Properties.Policies ?? []).flatMap((p: any) => p.PolicyDocument.Statement);
}

/** Every string in a JSON value, with its path (for "no wildcard" and "no value" scans). */
export function stringsIn(value: unknown, path = ''): { path: string; value: string }[] {
  if (typeof value === 'string') return [{ path, value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringsIn(v, `${path}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => stringsIn(v, path ? `${path}.${k}` : k));
  return [];
}
