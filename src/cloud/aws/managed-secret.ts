import { Fn, RemovalPolicy, Stack } from 'aws-cdk-lib/core';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledgeRules, inEveryPack } from './compliance';
import type { SecretReaderRole } from './secret-reader-role';
import { grantStoredRead } from './read-grant';

/** Length of a generated value: 64 letters and digits, about 380 bits. */
export const GENERATED_LENGTH = 64;

export interface ManagedSecretProps {
  /** The secret's name in Secrets Manager. */
  readonly secretName: string;
  /** The keys of its JSON value: the only ones `ecsSecret` hands out. */
  readonly jsonKeys: readonly string[];
  /**
   * The one key CloudFormation fills with a random value of `GENERATED_LENGTH` letters and digits.
   * @default - none: the secret is created without a value
   */
  readonly generatedKey?: string;
  /** @default - "Values are put by put-secret-values.sh, never by the template." */
  readonly description?: string;
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
  private readonly jsonKeys: ReadonlySet<string>;
  private imported?: secretsmanager.ISecret;

  constructor(scope: Construct, id: string, props: ManagedSecretProps) {
    super(scope, id);
    this.secretName = props.secretName;
    this.jsonKeys = new Set(props.jsonKeys);
    if (props.generatedKey !== undefined && !this.jsonKeys.has(props.generatedKey)) {
      throw new Error(`ManagedSecret "${props.secretName}": \`generatedKey\` "${props.generatedKey}" is not one of \`jsonKeys\``);
    }
    this.encryptionKey = props.encryptionKey;
    const replicaRegions = props.replicaRegions ?? [];

    this.resource = new secretsmanager.CfnSecret(this, 'Resource', {
      name: props.secretName,
      description: props.description ?? 'Values are put by put-secret-values.sh, never by the template.',
      kmsKeyId: props.encryptionKey?.keyArn,
      generateSecretString: props.generatedKey
        ? { secretStringTemplate: '{}', generateStringKey: props.generatedKey, passwordLength: GENERATED_LENGTH, excludePunctuation: true }
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

  /**
   * Lets `grantee` read this secret: `secretsmanager:GetSecretValue` on its one ARN and, with a customer
   * managed key, `kms:Decrypt` on that key only through Secrets Manager (`kms:ViaService`).
   */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return grantStoredRead(this, grantee, { actions: ['secretsmanager:GetSecretValue'], resourceArn: this.secretArn }, { key: this.encryptionKey, service: 'secretsmanager' });
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
    if (!this.jsonKeys.has(jsonKey)) {
      throw new Error(`Secrets Manager secret "${this.secretName}" has no key "${jsonKey}"`);
    }
    // Without the key: ECS would grant decryption through the key policy; the reader's own grants cover it.
    this.imported ??= secretsmanager.Secret.fromSecretAttributes(this, 'Import', { secretCompleteArn: this.secretArn });
    return ecs.Secret.fromSecretsManager(this.imported, jsonKey);
  }
}
