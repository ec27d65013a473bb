import { BootstraplessSynthesizer, CfnElement, CfnOutput, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib/core';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { pascalId, type AwsPlan, type AwsPodReaderPlan } from './plan';
import type { EnvironmentPlan } from '../../plan/plan';
import { ManagedSecret } from './managed-secret';
import { SecretReaderRole } from './secret-reader-role';
import { SecretsAuditTrail } from './secrets-audit-trail';
import { SecretsTaskDefinition } from './secrets-task-definition';
import { SecureParameter } from './secure-parameter';

export interface SecretsStackProps {
  readonly plan: EnvironmentPlan;
}

/**
 * The AWS side of one environment, as one self-contained CloudFormation stack: the
 * customer managed key, the Secrets Manager secrets, the readers (ECS task execution role,
 * ESO role) with exact grants, the ECS task definition, rotation and the audit trail.
 *
 * The stack is pinned to the plan's account and region and uses `BootstraplessSynthesizer`:
 * the template has no BootstrapVersion parameter or rule and no asset parameter, so it deploys
 * with `aws cloudformation deploy` into an account that was never `cdk bootstrap`ped, and an
 * asset (which would need a bootstrap bucket) fails synth instead of slipping in. Logical IDs
 * are the construct paths without hashes, so a reviewer reads `SecretAragoraApiKeys`, not
 * `SecretAragoraApiKeys4F2A19C0`, and a rename is a visible, deliberate replacement.
 */
export class SecretsStack extends Stack {
  public readonly plan: EnvironmentPlan;
  public readonly aws: AwsPlan;
  public readonly secrets: readonly ManagedSecret[];
  public readonly parameters: readonly SecureParameter[];
  public readonly key?: kms.Key;
  /** The trail's own key when the config has no customer managed key for the secrets. */
  public readonly auditKey?: kms.Key;
  public readonly task?: SecretsTaskDefinition;
  public readonly externalSecretsRole?: SecretReaderRole;
  /** The role the application's pods read the secrets with through a provider on the node (the AWS CSI provider). */
  public readonly podReaderRole?: SecretReaderRole;
  public readonly auditTrail?: SecretsAuditTrail;
  private readonly logicalIds = new Map<string, CfnElement>();

  constructor(scope: Construct, id: string, props: SecretsStackProps) {
    const { plan } = props;
    if (!plan.aws) throw new Error(`environment ${plan.name} has no aws plan`);
    const aws = plan.aws;
    super(scope, id, {
      stackName: aws.stackName,
      env: { account: aws.account, region: aws.region },
      synthesizer: new BootstraplessSynthesizer(),
      description: `aragora-secrets: AWS secret resources of environment ${plan.name} (generated from the config; do not edit)`,
      analyticsReporting: false,
    });
    this.plan = plan;
    this.aws = aws;

    if (aws.kms) {
      this.key = new kms.Key(this, 'SecretsKey', {
        alias: aws.kms.alias,
        description: `aragora-secrets, environment ${plan.name}: encrypts the secrets and parameters`,
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    }

    this.secrets = (aws.secretsManager?.secrets ?? []).map(
      (secret) =>
        new ManagedSecret(this, `Secret${secret.id}`, {
          secretName: secret.name,
          jsonKeys: secret.keys.map((key) => key.jsonKey),
          generatedKey: secret.generatedKey,
          description: `aragora-secrets, environment ${plan.name}: ${secret.keys.map((k) => k.secret).sort().join(', ')}. Values are put by put-secret-values.sh, never by the template.`,
          encryptionKey: this.key,
          replicaRegions: aws.secretsManager?.replicaRegions,
          rotation: aws.secretsManager?.rotation,
        }),
    );
    this.parameters = (aws.parameterStore?.parameters ?? []).map(
      (parameter) => new SecureParameter(this, `Parameter${pascalId(parameter.secret)}`, { parameterName: parameter.name, parameterArn: parameter.arn, encryptionKey: this.key }),
    );

    if (aws.ecs) {
      this.task = new SecretsTaskDefinition(this, 'Ecs', { plan: aws.ecs, environment: plan.name, secrets: this.ecsSecrets(aws.ecs.readByApp), logsKey: this.key, appReads: aws.appCustody !== undefined });
      this.grantReadAll(this.task.executionRole);
      if (this.task.appRole && aws.appCustody) {
        const app = this.task.appRole;
        const secret = this.secrets.find((s) => s.secretName === aws.appCustody!.secretName)!;
        secret.grantRead(app);
        // Its replicas have the same name and suffix in other regions; the application falls back to them.
        for (const replica of aws.secretsManager?.replicaRegions ?? []) secret.grantReadReplica(app, replica);
      }
    }

    const irsa = aws.appCustody?.irsa;
    if (irsa && aws.appCustody) {
      const appRole = new SecretReaderRole(this, 'AppRole', {
        roleName: irsa.roleName,
        description: `aragora-secrets, environment ${plan.name}: the application, ServiceAccount ${irsa.serviceAccount.namespace}/${irsa.serviceAccount.name} (IRSA); reads ${aws.appCustody.secretName}`,
        trust: { kind: 'web-identity', providerArn: irsa.oidcProviderArn, issuer: irsa.issuer, subject: irsa.subject, audience: irsa.audience },
        parameterAction: 'ssm:GetParameter',
      });
      const secret = this.secrets.find((s) => s.secretName === aws.appCustody!.secretName)!;
      secret.grantRead(appRole);
      for (const replica of aws.secretsManager?.replicaRegions ?? []) secret.grantReadReplica(appRole, replica);
    }

    if (aws.eso) {
      const eso = aws.eso;
      this.externalSecretsRole = new SecretReaderRole(this, 'ExternalSecretsRole', {
        roleName: eso.roleName,
        description: `aragora-secrets, environment ${plan.name}: External Secrets Operator, ServiceAccount ${eso.serviceAccount.namespace}/${eso.serviceAccount.name} (IRSA)`,
        trust: {
          kind: 'web-identity',
          providerArn: eso.oidcProviderArn,
          issuer: eso.issuer,
          subject: eso.subject,
          audience: eso.audience,
        },
        parameterAction: 'ssm:GetParameter',
      });
      this.grantReadAll(this.externalSecretsRole);
    }

    if (aws.podReader) this.podReaderRole = this.addPodReader(aws.podReader);

    if (aws.cloudTrail) {
      // An audit trail of secret reads is encrypted with a customer managed key: the stack's, else one of its own.
      this.auditKey = this.key
        ? undefined
        : new kms.Key(this, 'AuditKey', {
            description: `aragora-secrets, environment ${plan.name}: encrypts the secrets audit trail`,
            enableKeyRotation: true,
            removalPolicy: RemovalPolicy.RETAIN,
          });
      this.auditTrail = new SecretsAuditTrail(this, 'Audit', { plan: aws.cloudTrail, encryptionKey: (this.key ?? this.auditKey)! });
    }

    for (const [key, value] of Object.entries(aws.tags)) Tags.of(this).add(key, value);
    this.outputs();
  }

  /** Each stored secret as ECS fetches it, keyed by environment variable name. */
  private ecsSecrets(readByApp: readonly string[]): Record<string, ecs.Secret> {
    const out: Record<string, ecs.Secret> = {};
    for (const location of this.aws.locations) {
      // In the environment as well, a critical value would stop the application in strict mode.
      if (readByApp.includes(location.secret)) continue;
      if (location.store === 'secretsManager') {
        out[location.secret] = this.secrets.find((s) => s.secretName === location.secretName)!.ecsSecret(location.jsonKey);
      } else {
        out[location.secret] = this.parameters.find((p) => p.parameterName === location.parameterName)!.ecsSecret();
      }
    }
    return out;
  }

  /**
   * The pods' role: read on every secret and parameter of the stack (the environment's, nothing else), assumed
   * through IRSA by the application's ServiceAccount, or through an EKS Pod Identity association the stack makes.
   */
  private addPodReader(reader: AwsPodReaderPlan): SecretReaderRole {
    const { serviceAccount, trust } = reader;
    const role = new SecretReaderRole(this, 'PodReaderRole', {
      roleName: reader.roleName,
      description: `aragora-secrets, environment ${this.plan.name}: the application's pods, ServiceAccount ${serviceAccount.namespace}/${serviceAccount.name} (${trust.kind === 'irsa' ? 'IRSA' : 'EKS Pod Identity'}), through the AWS CSI provider`,
      trust:
        trust.kind === 'irsa'
          ? { kind: 'web-identity', providerArn: trust.oidcProviderArn, issuer: trust.issuer, subject: trust.subject, audience: trust.audience }
          : { kind: 'pod-identity', clusterName: trust.clusterName, namespace: serviceAccount.namespace, serviceAccount: serviceAccount.name },
      // The provider batches parameter reads, and checks a secret's current version before it reads it again.
      parameterAction: 'ssm:GetParameters',
      describesSecrets: true,
    });
    this.grantReadAll(role);
    if (trust.kind === 'podIdentity') {
      // Loaded here only: the EKS module is needed by no other environment.
      const { CfnPodIdentityAssociation } = require('aws-cdk-lib/aws-eks') as typeof import('aws-cdk-lib/aws-eks');
      new CfnPodIdentityAssociation(this, 'PodIdentityAssociation', {
        clusterName: trust.clusterName,
        namespace: serviceAccount.namespace,
        serviceAccount: serviceAccount.name,
        roleArn: role.roleArn,
      });
    }
    return role;
  }

  private grantReadAll(reader: SecretReaderRole): void {
    for (const secret of this.secrets) secret.grantRead(reader);
    for (const parameter of this.parameters) parameter.grantRead(reader);
  }

  private outputs(): void {
    const output = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    if (this.key) output('SecretsKeyArn', this.key.keyArn, 'The customer managed key of the secrets and parameters');
    for (const secret of this.secrets) output(`${secret.node.id}Arn`, secret.secretArn, `Full ARN of Secrets Manager secret ${secret.secretName}`);
    if (this.task) {
      output('EcsTaskDefinitionArn', this.task.taskDefinitionArn, 'The task definition whose container reads the secrets');
      output('EcsExecutionRoleArn', this.task.executionRole.roleArn, 'Fetches the task secrets (exact read grants)');
      output('EcsTaskRoleArn', this.task.taskRoleArn, 'The application role (no secret access)');
    }
    if (this.podReaderRole) output('PodReaderRoleArn', this.podReaderRole.roleArn, "The role of the application's pods (the AWS CSI provider reads the secrets as it)");
    if (this.externalSecretsRole) output('ExternalSecretsRoleArn', this.externalSecretsRole.roleArn, 'Annotate the ESO ServiceAccount with it (eks.amazonaws.com/role-arn)');
    if (this.auditTrail) {
      output('AuditBucketName', this.auditTrail.bucket.bucketName, 'Where CloudTrail writes the audit log');
      output('AuditTrailArn', this.auditTrail.trailArn, 'The audit trail');
    }
  }

  /**
   * The construct path below the stack without `Resource`/`Default` and without CDK's hash:
   * `Audit/Bucket/Policy/Resource` → `AuditBucketPolicy`. Two elements may not end up with
   * the same ID (an error, not a silent suffix).
   */
  protected override allocateLogicalId(element: CfnElement): string {
    const scopes = element.node.scopes;
    const parts = scopes
      .slice(scopes.indexOf(this) + 1)
      .map((scope) => scope.node.id)
      .filter((part) => part !== 'Resource' && part !== 'Default')
      .map((part) => part.replace(/[^A-Za-z0-9]/g, ''))
      .map((part) => part.charAt(0).toUpperCase() + part.slice(1));
    const logicalId = parts.join('').slice(0, 255);
    const holder = this.logicalIds.get(logicalId);
    if (holder && holder !== element) {
      throw new Error(`two CloudFormation elements would get the logical ID "${logicalId}": ${holder.node.path} and ${element.node.path}`);
    }
    this.logicalIds.set(logicalId, element);
    return logicalId;
  }
}
