import { Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { AwsParameterPlan } from './plan';
import type { SecretReaderRole } from './secret-reader-role';

export interface SecureParameterProps {
  readonly plan: AwsParameterPlan;
  /** The key `put-secret-values.sh` encrypts the parameter with. @default - the AWS managed key aws/ssm */
  readonly encryptionKey?: kms.IKey;
}

/**
 * A SecureString parameter the stack reads but does not create: CloudFormation cannot create
 * SecureString parameters (a value in a template would be plaintext), so `put-secret-values.sh`
 * creates it from the environment at run time. The stack refers to it by its exact ARN, which
 * the plan derives from the name.
 *
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ssm-parameter.html
 */
export class SecureParameter extends Construct {
  public readonly parameterName: string;
  public readonly parameterArn: string;
  public readonly encryptionKey?: kms.IKey;
  private readonly imported: ssm.IStringParameter;

  constructor(scope: Construct, id: string, props: SecureParameterProps) {
    super(scope, id);
    this.parameterName = props.plan.name;
    this.parameterArn = props.plan.arn;
    this.encryptionKey = props.encryptionKey;
    // Without the key: ECS would grant decryption through the key policy; the reader's own grants cover it.
    this.imported = ssm.StringParameter.fromSecureStringParameterAttributes(this, 'Import', { parameterName: props.plan.name });

    // The ARN in IAM (from the plan) and in the ECS mapping (from aws-cdk-lib) must be the same string.
    this.node.addValidation({
      validate: () => {
        const built = Stack.of(this).resolve(this.imported.parameterArn);
        return built === this.parameterArn ? [] : [`parameter ARN mismatch: the plan says ${this.parameterArn}, aws-cdk-lib builds ${JSON.stringify(built)}`];
      },
    });
  }

  /** Lets `reader` read this parameter: its SSM action on the exact ARN, and decryption through SSM. */
  public grantRead(reader: SecretReaderRole): void {
    reader.allowParameter(this.parameterArn);
    if (this.encryptionKey) {
      reader.allowDecryptVia('key', this.encryptionKey.keyArn, `ssm.${Stack.of(this).region}.amazonaws.com`);
    }
  }

  /** The ECS `secrets` entry: `valueFrom: arn:<partition>:ssm:<region>:<account>:parameter/<name>`. */
  public ecsSecret(): ecs.Secret {
    return ecs.Secret.fromSsmParameter(this.imported);
  }
}
