import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib/core';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { pascalId } from './plan';
import { acknowledgeRules, inEveryPack } from './compliance';

export interface EncryptedLogGroupProps {
  readonly logGroupName: string;
  /** One of the periods CloudWatch Logs accepts (the config schema allows only those). */
  readonly retentionDays: number;
  /** @default - CloudWatch Logs' own encryption (no customer managed key in the config) */
  readonly encryptionKey?: kms.Key;
}

/**
 * A CloudWatch Logs group with a retention period, kept when the stack is deleted, encrypted with the
 * stack's customer managed key. The key policy lets CloudWatch Logs of this region use the key for
 * this one group only (`kms:EncryptionContext:aws:logs:arn`), the form AWS documents.
 *
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
 */
export class EncryptedLogGroup extends Construct {
  public readonly logGroup: logs.LogGroup;
  /** `arn:...:log-group:<name>` (without the `:*` CloudFormation's `Arn` attribute carries). */
  public readonly logGroupArn: string;

  constructor(scope: Construct, id: string, props: EncryptedLogGroupProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.logGroupArn = stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: props.logGroupName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    if (props.encryptionKey) {
      props.encryptionKey.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: `CloudWatchLogs${pascalId(props.logGroupName)}`,
          principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
          actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
          resources: ['*'],
          conditions: { ArnEquals: { 'kms:EncryptionContext:aws:logs:arn': this.logGroupArn } },
        }),
      );
    }
    this.logGroup = new logs.LogGroup(this, 'Resource', {
      logGroupName: props.logGroupName,
      retention: props.retentionDays as logs.RetentionDays,
      encryptionKey: props.encryptionKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    if (!props.encryptionKey) {
      acknowledgeRules(
        this.logGroup,
        'No customer managed key in the config (aws.kms is not set): CloudWatch Logs encrypts the group with its own key. Set aws.kms: {} to encrypt it with the stack key.',
        ...inEveryPack('CloudWatchLogGroupEncrypted'),
      );
    }
  }
}
