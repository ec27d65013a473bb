import { APP_DEFAULT_SECRET_NAME, IAM_ROLE_NAME_MAX, assignStores, parameterName, pascalId, roleName } from './plan';
import { APP_CRITICAL_SECRETS } from '../../plan/app-contract';
import { pushTo } from '../../core/collections';

function isCritical(config: AragoraSecretsConfig, name: string): boolean {
  return config.secrets[name].critical ?? APP_CRITICAL_SECRETS.includes(name);
}
import { knownRegions } from './regions';
import { defaultProperty } from '../../plan/plan';
import { fargateMemoryOptions, LAMBDA_FUNCTION_ARN, OIDC_PROVIDER_ARN } from './schema';
import { didYouMean } from '../../core/errors';
import { shown } from '../../config-kit/shown';
import { evaluateRequirement } from '../../config-kit/requirements';
import type { AragoraSecretsConfig } from '../../config-kit/schema';

export interface AwsProblem {
  readonly segments: PropertyKey[];
  readonly message: string;
  readonly fix?: string;
}

const SECRETS_MANAGER_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const MAX_USER_TAGS = 50 - 3;
const MAX_PARAMETER_DEPTH = 15;

/**
 * The rules of the `aws:` blocks that span several fields or environments: store assignment,
 * catalog references, ARNs that must point into the stack's own account and region, and names
 * that two environments would both create in the same account and region.
 */
export function awsProblems(config: AragoraSecretsConfig): AwsProblem[] {
  const problems: AwsProblem[] = [];
  const add = (segments: PropertyKey[], message: string, fix?: string) => problems.push({ segments, message, fix });
  const catalog = Object.keys(config.secrets);
  /** Names each environment would create, keyed by account/region/kind/name, for collisions. */
  const claimed = new Map<string, string>();
  const claim = (key: string, environment: string, at: PropertyKey[], what: string, fix: string) => {
    const other = claimed.get(key);
    if (other && other !== environment) add(at, `${what} is also created by environment "${other}" in the same account and region`, fix);
    else claimed.set(key, environment);
  };

  for (const [envName, env] of Object.entries(config.environments).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const aws = env.aws;
    if (!aws) continue;
    const at = (...rest: PropertyKey[]) => ['environments', envName, 'aws', ...rest];
    const prefix = `${config.app.name}-${envName}`;
    const where = `${aws.account}/${aws.region}`;

    const regions = knownRegions();
    const checkRegion = (region: string, path: PropertyKey[]) => {
      if (regions.names.includes(region)) return true;
      const suggestion = didYouMean(region, regions.names);
      add(path, `unknown AWS region "${region}"`, suggestion ? `did you mean "${suggestion}"?` : 'check the spelling; a region newer than this aws-cdk-lib needs an upgrade of it');
      return false;
    };
    const regionKnown = checkRegion(aws.region, at('region'));
    const partition = regionKnown ? regions.partitions.get(aws.region) : undefined;

    if (!aws.secretsManager && !aws.parameterStore) {
      add(at(), 'no secret store: the AWS stack would hold no secret', 'add secretsManager: {} and/or parameterStore: {}');
    }
    if (aws.secretsManager && aws.parameterStore && !aws.secretsManager.secrets && !aws.parameterStore.secrets) {
      add(
        at('parameterStore'),
        'both Secrets Manager and Parameter Store are configured and neither lists its secrets',
        'list under parameterStore.secrets the secrets kept in Parameter Store; the others go to Secrets Manager (a secret lives in one store, so ECS, ESO and rotation agree on where it is)',
      );
    }
    for (const store of ['secretsManager', 'parameterStore'] as const) {
      const seen = new Set<string>();
      (aws[store]?.secrets ?? []).forEach((name, i) => {
        if (!catalog.includes(name)) {
          const suggestion = didYouMean(name, catalog);
          add(at(store, 'secrets', i), `"${name}" is not in the secret catalog`, suggestion ? `did you mean "${suggestion}"?` : `use a name from \`secrets\` (${catalog.slice(0, 10).join(', ')}${catalog.length > 10 ? `, and ${catalog.length - 10} more` : ''})`);
        } else if (seen.has(name)) {
          add(at(store, 'secrets', i), `"${name}" is listed twice`, 'remove the repetition');
        } else if (store === 'parameterStore' && aws.secretsManager?.secrets?.includes(name)) {
          add(at(store, 'secrets', i), `"${name}" is listed under both secretsManager.secrets and parameterStore.secrets`, 'keep it in one store');
        }
        seen.add(name);
      });
    }

    // What the plan will store where (the same resolution as resolveAwsPlan).
    const features = { ...config.features, ...env.features };
    const delivered = catalog.filter(
      (name) => evaluateRequirement(config.secrets[name].required, { environment: envName, tier: env.tier, features }).status !== 'excluded',
    );
    const stores = assignStores(aws, delivered);
    const remoteKeyPath = (name: string): PropertyKey[] =>
      config.secrets[name].remote?.key !== undefined ? ['secrets', name, 'remote', 'key'] : config.remoteKey !== undefined ? ['remoteKey'] : ['app', 'name'];

    const appSecretName = aws.appCustody ? (aws.appCustody.secretName ?? APP_DEFAULT_SECRET_NAME) : undefined;
    if (aws.appCustody && !aws.secretsManager) {
      add(at('appCustody'), 'the application reads Secrets Manager itself, but the environment keeps nothing there', 'add secretsManager: {} (every delivered secret not listed under parameterStore.secrets goes there)');
    }
    if (aws.appCustody) {
      // The application never reads Parameter Store: a critical value there would reach it only as an environment variable.
      for (const name of delivered.filter((n) => stores.get(n) === 'parameterStore' && isCritical(config, n))) {
        add(
          aws.parameterStore?.secrets?.includes(name) ? at('parameterStore', 'secrets', aws.parameterStore.secrets.indexOf(name)) : at('parameterStore'),
          `${name} is critical to the application, which reads Secrets Manager itself (appCustody) but never Parameter Store: in strict mode it would refuse the value ECS passes as an environment variable`,
          `keep ${name} in Secrets Manager (list it under secretsManager.secrets, or remove it from parameterStore.secrets)`,
        );
      }
    }
    // An External Secrets `aws` store reads the catalog's layout (remote.key, remote.property); the application's secret is
    // keyed by variable name, so the catalog must point there for both to read the same secret (one secret, not two copies).
    const storeName = typeof env.delivery === 'object' && env.delivery !== null ? (env.delivery as { store?: unknown }).store : undefined;
    const readsAwsStore = typeof storeName === 'string' && (config.stores as Record<string, { provider?: string }> | undefined)?.[storeName]?.provider === 'aws';
    if (appSecretName && aws.secretsManager && readsAwsStore) {
      for (const name of delivered.filter((n) => stores.get(n) === 'secretsManager')) {
        const key = config.secrets[name].remote?.key ?? config.remoteKey ?? `${config.app.name}/api-keys`;
        const property = config.secrets[name].remote?.property ?? defaultProperty(name);
        if (key !== appSecretName || property !== name) {
          add(
            ['secrets', name, 'remote'],
            `environment ${envName} reads ${name} through an External Secrets aws store at key ${shown(key)}, property ${shown(property)}, but the application's secret (aws.appCustody) keeps it at key ${shown(appSecretName)}, property ${shown(name)}`,
            `point the catalog at the application's layout: remote: { key: ${appSecretName}, property: ${name} } (or remoteKey: ${appSecretName} and remote.property: ${name})`,
          );
        }
      }
    }
    if (aws.secretsManager) {
      const byName = new Map<string, string[]>();
      for (const name of delivered.filter((n) => stores.get(n) === 'secretsManager')) {
        const key = appSecretName ?? config.secrets[name].remote?.key ?? config.remoteKey ?? `${config.app.name}/api-keys`;
        pushTo(byName, key, name);
      }
      const ids = new Map<string, string>();
      for (const [secretName, members] of byName) {
        if (!SECRETS_MANAGER_NAME.test(secretName)) {
          add(appSecretName ? at('appCustody', 'secretName') : remoteKeyPath(members[0]), `${shown(secretName)} is not a valid Secrets Manager secret name`, 'use at most 512 letters, digits and / _ + = . @ -');
          continue;
        }
        const id = pascalId(secretName);
        const clash = ids.get(id);
        if (clash) add(remoteKeyPath(members[0]), `Secrets Manager secrets ${shown(clash)} and ${shown(secretName)} differ only in punctuation`, 'rename one of them: their CloudFormation logical IDs would be the same');
        ids.set(id, secretName);
        const generated = members.filter((n) => config.secrets[n].generated);
        if (generated.length > 1) {
          add(
            ['secrets', generated[1], 'generated'],
            `${generated.join(' and ')} are both generated and both kept in Secrets Manager secret ${shown(secretName)} (environment ${envName})`,
            `CloudFormation generates one key per secret: give ${generated.slice(1).join(', ')} its own remote.key`,
          );
        }
        const keys = new Map<string, string>();
        for (const name of members) {
          const property = appSecretName ? name : (config.secrets[name].remote?.property ?? defaultProperty(name));
          const other = keys.get(property);
          if (other) {
            add(['secrets', name, 'remote', 'property'], `${other} and ${name} would share key ${shown(property)} of Secrets Manager secret ${shown(secretName)}`, 'give each secret its own remote.property');
          }
          keys.set(property, name);
        }
        claim(`${where}/secret/${secretName}`, envName, at('secretsManager'), `Secrets Manager secret ${shown(secretName)}`, 'deploy each environment to its own AWS account (environment isolation), or to another region');
      }

      const replicas = aws.secretsManager.replicaRegions ?? [];
      replicas.forEach((replica, i) => {
        const path = at('secretsManager', 'replicaRegions', i);
        if (!checkRegion(replica, path)) return;
        if (replica === aws.region) add(path, `"${replica}" is the stack's own region`, 'list only other regions');
        else if (replicas.indexOf(replica) !== i) add(path, `"${replica}" is listed twice`, 'remove the repetition');
        else if (partition && regions.partitions.get(replica) !== partition) add(path, `"${replica}" is in another partition than ${aws.region}`, 'replicate within the partition');
      });

      const rotation = aws.secretsManager.rotation;
      const lambda = rotation && LAMBDA_FUNCTION_ARN.exec(rotation.lambdaArn);
      if (lambda) {
        const [, lambdaPartition, lambdaRegion, lambdaAccount] = lambda;
        if (lambdaRegion !== aws.region || lambdaAccount !== aws.account || (partition && lambdaPartition !== partition)) {
          add(
            at('secretsManager', 'rotation', 'lambdaArn'),
            `the rotation function is in ${lambdaAccount}/${lambdaRegion}, the secrets in ${aws.account}/${aws.region}`,
            'Secrets Manager invokes a rotation function of the same account and region: deploy one there',
          );
        }
      }
    }

    if (aws.parameterStore) {
      const parameterPrefix = aws.parameterStore.prefix ?? `/${config.app.name}`;
      if (parameterPrefix.split('/').length - 1 >= MAX_PARAMETER_DEPTH) {
        add(at('parameterStore', 'prefix'), `${shown(parameterPrefix)} is too deep: Parameter Store allows ${MAX_PARAMETER_DEPTH} levels`, 'use a shorter path');
      }
      for (const name of delivered.filter((n) => stores.get(n) === 'parameterStore')) {
        const parameter = parameterName(parameterPrefix, name);
        claim(
          `${where}/parameter/${parameter}`,
          envName,
          at('parameterStore', 'prefix'),
          `parameter ${shown(parameter, 2048)}`,
          `give each environment its own prefix (e.g. /${config.app.name}/${envName}) or its own AWS account`,
        );
      }
    }

    const storedCount = delivered.filter((n) => stores.has(n)).length;
    for (const reader of ['ecs', 'eso'] as const) {
      if (aws[reader] && (aws.secretsManager || aws.parameterStore) && storedCount === 0) {
        add(at(reader), `no secret delivered in environment ${envName} is stored in AWS, so the ${reader === 'ecs' ? 'task' : 'role'} would read nothing`, 'check secretsManager.secrets and parameterStore.secrets');
      }
    }

    if (aws.ecs) {
      const cpu = aws.ecs.cpu ?? 256;
      const allowed = fargateMemoryOptions(cpu);
      const memory = aws.ecs.memory ?? allowed[0];
      if (!allowed.includes(memory)) {
        add(at('ecs', 'memory'), `Fargate does not run ${cpu} CPU units with ${memory} MiB`, `with cpu ${cpu} use one of: ${allowed.join(', ')}`);
      }
      // With the workload on, its own "no image" error says it already (and the same fix applies).
      if (!aws.ecs.image && !env.workload?.image && !config.app.image && env.workload?.enabled === false) {
        add(at('ecs', 'image'), 'no container image for the ECS task', 'set app.image, the workload image, or ecs.image');
      }
      for (const purpose of ['ecs-execution', 'ecs-task']) checkRoleName(roleName(prefix, purpose), at('ecs'));
      const logGroup = `/ecs/${aws.ecs.family ?? prefix}`;
      claim(`${where}/log-group/${logGroup}`, envName, at('ecs', 'family'), `the CloudWatch Logs group "${logGroup}" of the ECS container`, 'set a distinct ecs.family');
    }

    if (aws.eso) {
      const provider = OIDC_PROVIDER_ARN.exec(aws.eso.oidcProvider);
      if (provider && (provider[2] !== aws.account || (partition && provider[1] !== partition))) {
        add(at('eso', 'oidcProvider'), `the OIDC provider is in account ${provider[2]}, the role in ${aws.account}`, 'a role trusts identity providers of its own account: create the cluster\'s OIDC provider in this account');
      }
      checkRoleName(roleName(prefix, 'external-secrets'), at('eso'));
    }

    if (aws.cloudTrail) {
      claim(`${where}/trail/${aws.cloudTrail.trailName ?? `${prefix}-secrets-audit`}`, envName, at('cloudTrail'), 'the CloudTrail trail', 'set cloudTrail.trailName, or keep one trail per account');
      if (aws.cloudTrail.bucketName) {
        claim(`bucket/${aws.cloudTrail.bucketName}`, envName, at('cloudTrail', 'bucketName'), `bucket ${shown(aws.cloudTrail.bucketName)}`, 'bucket names are global: give each environment its own');
      }
      if (aws.cloudTrail.cloudWatchLogs) checkRoleName(roleName(prefix, 'cloudtrail-logs'), at('cloudTrail', 'cloudWatchLogs'));
    }
    claim(`${where}/stack/${aws.stackName ?? `${prefix}-secrets`}`, envName, at('stackName'), 'the CloudFormation stack name', 'set a distinct stackName');
    if (aws.kms) claim(`${where}/alias/${aws.kms.alias ?? `alias/${prefix}-secrets`}`, envName, at('kms', 'alias'), 'the KMS alias', 'set a distinct kms.alias');
    if (Object.keys(aws.tags ?? {}).length > MAX_USER_TAGS) {
      add(at('tags'), `at most ${MAX_USER_TAGS} tags: AWS allows 50 per resource and app, environment and managed-by are always set`, 'remove some tags');
    }

    function checkRoleName(name: string, path: PropertyKey[]) {
      if (name.length > IAM_ROLE_NAME_MAX) {
        add(path, `the IAM role name "${name}" is longer than ${IAM_ROLE_NAME_MAX} characters`, 'shorten app.name or the environment name');
      }
    }
  }
  return problems;
}
