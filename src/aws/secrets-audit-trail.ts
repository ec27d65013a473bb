import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { AwsCloudTrailPlan } from '../model/aws-plan';

export interface SecretsAuditTrailProps {
  readonly plan: AwsCloudTrailPlan;
}

/**
 * The seed's `secrets-audit` trail: every management event of the account — among them
 * Secrets Manager `GetSecretValue`, SSM `GetParameter(s)` and KMS `Decrypt`, which are management
 * events, so no data event selector (and no data-event cost) is needed — written to a private
 * bucket: all public access blocked, TLS 1.2+ only, versioned, SSE-S3 encrypted, ACLs disabled,
 * retained when the stack is deleted. Only CloudTrail may write, and only for this trail
 * (`aws:SourceArn`), under `AWSLogs/<account>/`.
 *
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html
 */
export class SecretsAuditTrail extends Construct {
  public readonly bucket: s3.Bucket;
  public readonly trailArn: string;
  protected readonly trail: cloudtrail.CfnTrail;

  constructor(scope: Construct, id: string, props: SecretsAuditTrailProps) {
    super(scope, id);
    const { plan } = props;
    const stack = Stack.of(this);
    const retention = plan.retentionDays !== undefined ? Duration.days(plan.retentionDays) : undefined;

    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: plan.bucketName,
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: retention ? [{ id: 'expire-audit-logs', expiration: retention, noncurrentVersionExpiration: retention }] : undefined,
    });
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

    this.trail = new cloudtrail.CfnTrail(this, 'Trail', {
      trailName: plan.trailName,
      s3BucketName: this.bucket.bucketName,
      isLogging: true,
      isMultiRegionTrail: plan.multiRegion,
      includeGlobalServiceEvents: true,
      enableLogFileValidation: true,
      eventSelectors: [{ readWriteType: 'All', includeManagementEvents: true }],
    });
    // CloudTrail checks at creation that it may write to the bucket.
    this.trail.node.addDependency(this.bucket.policy!);
    this.trailArn = this.trail.attrArn;
  }
}
