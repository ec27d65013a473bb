import { Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { AwsSecretsManagerSecretPlan } from './plan';
import { acknowledgeRules, inEveryPack } from './compliance';
import type { SecretReaderRole } from './secret-reader-role';

/** Length of a generated value: 64 letters and digits, about 380 bits. */
export const GENERATED_LENGTH = 64;

export interface ManagedSecretProps {
  readonly plan: AwsSecretsManagerSecretPlan;
  readonly environment: string;
  /** @default - the AWS managed key aws/secretsmanager */
  readonly encryptionKey?: kms.IKey;
  /** @default - no replicas */
  readonly replicaRegions?: readonly string[];
  /** @default - no rotation */
  readonly rotation?: { readonly lambdaArn: string; readonly days: number };
}

/**
 * One Secrets Manager secret holding a JSON object, one key per catalog secret.
 *
 * The template never holds a value: the secret is created empty (no version), or, when one of
 * its keys is a generated secret, with a value CloudFormation generates (`{"<key>": "<random>"}`).
 * The other keys are put out of band by `put-secret-values.sh`, which merges them into the
 * current value. The secret is retained when the stack is deleted or the resource replaced.
 *
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-secretsmanager-secret.html
 */
export class ManagedSecret extends Construct {
  public readonly secretName: string;
  /** The full ARN (with Secrets Manager's random suffix), known only at deploy time. */
  public readonly secretArn: string;
  public readonly encryptionKey?: kms.IKey;
  protected readonly resource: secretsmanager.CfnSecret;
  private readonly plan: AwsSecretsManagerSecretPlan;
  private imported?: secretsmanager.ISecret;

  constructor(scope: Construct, id: string, props: ManagedSecretProps) {
    super(scope, id);
    const { plan } = props;
    this.plan = plan;
    this.secretName = plan.name;
    this.encryptionKey = props.encryptionKey;
    const replicaRegions = props.replicaRegions ?? [];

    this.resource = new secretsmanager.CfnSecret(this, 'Resource', {
      name: plan.name,
      description: `aragora-secrets, environment ${props.environment}: ${plan.keys.map((k) => k.secret).sort().join(', ')}. Values are put by put-secret-values.sh, never by the template.`,
      kmsKeyId: props.encryptionKey?.keyArn,
      generateSecretString: plan.generatedKey
        ? { secretStringTemplate: '{}', generateStringKey: plan.generatedKey, passwordLength: GENERATED_LENGTH, excludePunctuation: true }
        : undefined,
      replicaRegions: replicaRegions.length > 0 ? replicaRegions.map((region) => ({ region })) : undefined,
    });
    // Values are filled out of band: deleting the stack or replacing the resource must not lose them.
    this.resource.applyRemovalPolicy(RemovalPolicy.RETAIN);
    this.secretArn = this.resource.ref;

    if (!props.rotation) {
      acknowledgeRules(
        this.resource,
        'Provider API keys are issued and rotated by each provider, not by a Lambda: no rotation schedule unless the config names a rotation function (secretsManager.rotation). ' +
          'Rotation runbook: docs/guides/rotation.md.',
        'AwsSolutions-SMG4',
        ...inEveryPack('SecretsManagerRotationEnabled'),
      );
    }
    if (!props.encryptionKey) {
      acknowledgeRules(
        this.resource,
        'No customer managed key in the config (aws.kms is not set): the secret is encrypted with the AWS managed key aws/secretsmanager. Set aws.kms: {} for a key of the stack.',
        ...inEveryPack('SecretsManagerUsingKMSKey'),
      );
    }
    if (props.rotation) {
      const stack = Stack.of(this);
      // Secrets Manager of this account may invoke the function (the form of AWS's rotation set-up;
      // the function's own role needs GetSecretValue/PutSecretValue/UpdateSecretVersionStage on the secret).
      const permission = new lambda.CfnPermission(this, 'RotationPermission', {
        action: 'lambda:InvokeFunction',
        functionName: props.rotation.lambdaArn,
        principal: 'secretsmanager.amazonaws.com',
        sourceAccount: stack.account,
      });
      const schedule = new secretsmanager.CfnRotationSchedule(this, 'Rotation', {
        secretId: this.secretArn,
        rotationLambdaArn: props.rotation.lambdaArn,
        rotationRules: { automaticallyAfterDays: props.rotation.days },
        // Rotating at deploy time would run before the values are put.
        rotateImmediatelyOnUpdate: false,
      });
      schedule.node.addDependency(permission);
    }
  }

  /** Lets `reader` read this secret: `GetSecretValue` on its ARN, and decryption through Secrets Manager. */
  public grantRead(reader: SecretReaderRole): void {
    reader.allowSecretsManagerSecret(`secretsmanager:${this.secretName}`, this.secretArn);
    if (this.encryptionKey) {
      reader.allowDecryptVia('key', this.encryptionKey.keyArn, `secretsmanager.${Stack.of(this).region}.amazonaws.com`);
    }
  }

  /**
   * Lets `reader` read this secret's replica in `region` (the application falls back to it): `GetSecretValue` on the
   * replica's ARN, which is the primary's with the region replaced (same name, same random suffix).
   */
  public grantReadReplica(reader: SecretReaderRole, region: string): void {
    const parts = Fn.split(':', this.secretArn, 7);
    const arn = Fn.join(':', [Fn.select(0, parts), Fn.select(1, parts), Fn.select(2, parts), region, Fn.select(4, parts), Fn.select(5, parts), Fn.select(6, parts)]);
    reader.allowSecretsManagerSecret(`secretsmanager:${this.secretName}@${region}`, arn);
  }

  /** The ECS `secrets` entry for one JSON key: `valueFrom: <secret ARN>:<jsonKey>::` (Fargate platform 1.4+). */
  public ecsSecret(jsonKey: string): ecs.Secret {
    if (!this.plan.keys.some((k) => k.jsonKey === jsonKey)) {
      throw new Error(`Secrets Manager secret "${this.secretName}" has no key "${jsonKey}"`);
    }
    // Without the key: ECS would grant decryption through the key policy; the reader's own grants cover it.
    this.imported ??= secretsmanager.Secret.fromSecretAttributes(this, 'Import', { secretCompleteArn: this.secretArn });
    return ecs.Secret.fromSecretsManager(this.imported, jsonKey);
  }
}
