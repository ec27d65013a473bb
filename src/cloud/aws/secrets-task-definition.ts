import { Stack } from 'aws-cdk-lib/core';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { AwsEcsPlan } from './plan';
import { EncryptedLogGroup } from './encrypted-log-group';
import { SecretReaderRole } from './secret-reader-role';
import { acknowledgeRules } from './compliance';

export interface SecretsTaskDefinitionProps {
  readonly plan: AwsEcsPlan;
  readonly environment: string;
  /** Environment variable name → where ECS fetches it from. */
  readonly secrets: Readonly<Record<string, ecs.Secret>>;
  /** Encrypts the container's log group. @default - CloudWatch Logs' own encryption */
  readonly logsKey?: kms.Key;
  /**
   * The application reads Secrets Manager itself (`appCustody`): the task role becomes a reader, granted by the caller.
   * @default false - the task role reads nothing
   */
  readonly appReads?: boolean;
}

/**
 * A Fargate task definition whose container receives the secrets as environment variables
 * through the `secrets` mapping, the way the seed writes it.
 *
 * ECS fetches `secrets` with the task *execution* role before the container starts, so that role
 * gets the read grants (`grantRead(task.executionRole)`); the task role, the application's own
 * AWS identity, gets none. The container logs to its own CloudWatch Logs group (awslogs driver, a
 * retention period, the stack's key), which the execution role may write to. Image-pull permissions
 * (for an ECR image) are left to the service that runs the task.
 *
 * @see https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar.html
 */
export class SecretsTaskDefinition extends Construct {
  public readonly executionRole: SecretReaderRole;
  /** The task role when the application reads Secrets Manager itself (`appReads`). */
  public readonly appRole?: SecretReaderRole;
  public readonly taskRoleArn: string;
  public readonly taskDefinitionArn: string;
  protected readonly taskDefinition: ecs.FargateTaskDefinition;

  constructor(scope: Construct, id: string, props: SecretsTaskDefinitionProps) {
    super(scope, id);
    const { plan } = props;
    const account = Stack.of(this).account;
    const trust = { kind: 'service' as const, service: 'ecs-tasks.amazonaws.com', sourceAccount: account };

    this.executionRole = new SecretReaderRole(this, 'ExecutionRole', {
      roleName: plan.executionRoleName,
      description: `aragora-secrets, environment ${props.environment}: ECS task execution role of ${plan.family}; fetches its secrets`,
      trust,
      parameterAction: 'ssm:GetParameters',
    });
    if (props.appReads) {
      this.appRole = new SecretReaderRole(this, 'AppRole', {
        roleName: plan.taskRoleName,
        description: `aragora-secrets, environment ${props.environment}: the application's role in ${plan.family}; the application reads its secret from Secrets Manager with it`,
        trust,
        parameterAction: 'ssm:GetParameters',
      });
      this.taskRoleArn = this.appRole.roleArn;
    } else {
      const taskRole = new iam.CfnRole(this, 'TaskRole', {
        roleName: plan.taskRoleName,
        description: `aragora-secrets, environment ${props.environment}: the application's role in ${plan.family}; no secret access (ECS injects the values)`,
        assumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { Service: trust.service }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:SourceAccount': account } } },
          ],
        },
      });
      this.taskRoleArn = taskRole.attrArn;
    }

    const logs = new EncryptedLogGroup(this, 'Logs', { logGroupName: plan.logGroupName, retentionDays: plan.logRetentionDays, encryptionKey: props.logsKey });
    // The execution role is immutable to ECS (below): the log driver's grant is given here, on this group alone.
    this.executionRole.allowLogWrites(logs.logGroupArn);

    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      family: plan.family,
      cpu: plan.cpu,
      memoryLimitMiB: plan.memory,
      // Immutable views: the grants are the exact ones of the reader role, not those ECS would add.
      executionRole: this.executionRole.asImmutableRole(this, 'ExecutionRoleView'),
      taskRole: iam.Role.fromRoleArn(this, 'TaskRoleView', this.taskRoleArn, { mutable: false }),
    });
    const secrets: Record<string, ecs.Secret> = {};
    for (const name of Object.keys(props.secrets).sort()) secrets[name] = props.secrets[name];
    this.taskDefinition.addContainer('Container', {
      containerName: plan.containerName,
      image: ecs.ContainerImage.fromRegistry(plan.image),
      essential: true,
      portMappings: plan.port ? [{ containerPort: plan.port, protocol: ecs.Protocol.TCP }] : undefined,
      secrets,
      environment: plan.environment.length > 0 ? Object.fromEntries(plan.environment.map((e) => [e.name, e.value])) : undefined,
      logging: ecs.LogDrivers.awsLogs({ logGroup: logs.logGroup, streamPrefix: plan.containerName }),
    });
    if (plan.environment.length > 0) {
      acknowledgeRules(
        this.taskDefinition,
        `The plain environment holds no secret: only the application's mode and where it reads its secret (${plan.environment.map((e) => e.name).join(', ')}); the values come from Secrets Manager.`,
        'AwsSolutions-ECS2',
      );
    }
    this.taskDefinitionArn = this.taskDefinition.taskDefinitionArn;
  }
}
