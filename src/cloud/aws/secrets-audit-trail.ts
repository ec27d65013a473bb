import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib/core';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { AwsCloudTrailPlan } from './plan';
import { acknowledgeRules, inEveryPack, wildcardResourceFinding } from './compliance';
import { EncryptedLogGroup } from './encrypted-log-group';

export interface SecretsAuditTrailProps {
  readonly plan: AwsCloudTrailPlan;
  /** Encrypts the log files, the bucket's objects and the CloudWatch Logs group; its policy gets CloudTrail's exact grants. */
  readonly encryptionKey: kms.Key;
}

/**
 * The seed's `secrets-audit` trail: every management event of the account — among them
 * Secrets Manager `GetSecretValue`, SSM `GetParameter(s)` and KMS `Decrypt`, which are management
 * events, so no data event selector (and no data-event cost) is needed — written to a private
 * bucket: all public access blocked, TLS 1.2+ only, versioned, encrypted with the stack's KMS key,
 * ACLs disabled, server access logs to a second bucket, retained when the stack is deleted. Only
 * CloudTrail may write, and only for this trail (`aws:SourceArn`), under `AWSLogs/<account>/`; the
 * key lets CloudTrail encrypt for this trail only. With `cloudWatchLogs`, the trail also delivers to
 * an encrypted CloudWatch Logs group through a role that may write to that group alone.
 *
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html
 */
export class SecretsAuditTrail extends Construct {
  public readonly bucket: s3.Bucket;
  public readonly accessLogsBucket: s3.Bucket;
  public readonly trailArn: string;
  public readonly logGroup?: EncryptedLogGroup;
  protected readonly trail: cloudtrail.CfnTrail;

  constructor(scope: Construct, id: string, props: SecretsAuditTrailProps) {
    super(scope, id);
    const { plan, encryptionKey: key } = props;
    const stack = Stack.of(this);
    const retention = plan.retentionDays !== undefined ? Duration.days(plan.retentionDays) : undefined;
    const lifecycleRules = retention ? [{ id: 'expire-audit-logs', expiration: retention, noncurrentVersionExpiration: retention }] : undefined;
    const notReplicated =
      'Cross-region replication needs a destination bucket in another region, outside this one-region stack; ' +
      'the bucket is versioned, retained when the stack is deleted, and CloudTrail log file validation detects any change to a log file.';

    // What both buckets of the audit trail share: private, TLS only, versioned, kept with the stack gone.
    const hardened: s3.BucketProps = {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules,
    };
    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      ...hardened,
      // S3 delivers server access logs only to a bucket encrypted with SSE-S3.
      encryption: s3.BucketEncryption.S3_MANAGED,
    });
    acknowledgeRules(this.accessLogsBucket, 'S3 delivers server access logs only to a bucket with SSE-S3 default encryption, not SSE-KMS.', ...inEveryPack('S3DefaultEncryptionKMS'));
    acknowledgeRules(this.accessLogsBucket, notReplicated, ...inEveryPack('S3BucketReplicationEnabled'));

    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...hardened,
      bucketName: plan.bucketName,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: key,
      bucketKeyEnabled: true,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'audit-bucket/',
    });
    acknowledgeRules(this.bucket, notReplicated, ...inEveryPack('S3BucketReplicationEnabled'));

    const cloudTrail = new iam.ServicePrincipal('cloudtrail.amazonaws.com');
    const fromThisTrail = { 'aws:SourceArn': plan.trailArn };
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudTrailAclCheck',
        principals: [cloudTrail],
        actions: ['s3:GetBucketAcl'],
        resources: [this.bucket.bucketArn],
        conditions: { StringEquals: fromThisTrail },
      }),
    );
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudTrailWrite',
        principals: [cloudTrail],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects(`AWSLogs/${stack.account}/*`)],
        conditions: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', ...fromThisTrail } },
      }),
    );
    // CloudTrail encrypts each log file with a data key of this key, for this trail only.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudTrailEncryptLogFiles',
        principals: [cloudTrail],
        actions: ['kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { ...fromThisTrail, 'kms:EncryptionContext:aws:cloudtrail:arn': plan.trailArn } },
      }),
    );
    key.addToResourcePolicy(
      new iam.PolicyStatement({ sid: 'CloudTrailDescribeKey', principals: [cloudTrail], actions: ['kms:DescribeKey'], resources: ['*'], conditions: { StringEquals: fromThisTrail } }),
    );

    let cloudWatchLogs: { readonly logGroupArn: string; readonly roleArn: string } | undefined;
    if (plan.cloudWatchLogs) {
      const cw = plan.cloudWatchLogs;
      this.logGroup = new EncryptedLogGroup(this, 'Logs', { logGroupName: cw.logGroupName, retentionDays: cw.retentionDays, encryptionKey: key });
      const role = new iam.CfnRole(this, 'LogsRole', {
        roleName: cw.roleName,
        description: `aragora-secrets: lets trail ${plan.trailName} write to CloudWatch Logs group ${cw.logGroupName}, nothing else`,
        assumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: { StringEquals: fromThisTrail } }],
        },
        policies: [
          {
            policyName: 'write-trail-logs',
            policyDocument: {
              Version: '2012-10-17',
              Statement: [
                { Sid: 'WriteTrailLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: [`${this.logGroup.logGroupArn}:log-stream:*`] },
              ],
            },
          },
        ],
      });
      acknowledgeRules(
        role,
        'An exact inline policy: the two actions CloudTrail needs, on the streams of one log group, in the role that uses them (a managed policy could be attached elsewhere). Stream names are chosen by CloudTrail, hence the stream wildcard.',
        ...inEveryPack('IAMNoInlinePolicy'),
        wildcardResourceFinding(this, `${this.logGroup.logGroupArn}:log-stream:*`),
      );
      cloudWatchLogs = { logGroupArn: this.logGroup.logGroup.logGroupArn, roleArn: role.attrArn };
    }

    this.trail = new cloudtrail.CfnTrail(this, 'Trail', {
      trailName: plan.trailName,
      s3BucketName: this.bucket.bucketName,
      kmsKeyId: key.keyArn,
      isLogging: true,
      isMultiRegionTrail: plan.multiRegion,
      includeGlobalServiceEvents: true,
      enableLogFileValidation: true,
      eventSelectors: [{ readWriteType: 'All', includeManagementEvents: true }],
      cloudWatchLogsLogGroupArn: cloudWatchLogs?.logGroupArn,
      cloudWatchLogsRoleArn: cloudWatchLogs?.roleArn,
    });
    if (!cloudWatchLogs) {
      acknowledgeRules(
        this.trail,
        'The config does not ask for CloudWatch Logs (cloudTrail.cloudWatchLogs is not set): the trail delivers to the encrypted, access-logged S3 bucket. Set cloudTrail.cloudWatchLogs: {} for metric filters and alarms on secret reads.',
        ...inEveryPack('CloudTrailCloudWatchLogsEnabled'),
      );
    }
    // CloudTrail checks at creation that it may write to the bucket and use the key.
    this.trail.node.addDependency(this.bucket.policy!);
    this.trailArn = this.trail.attrArn;
  }
}
