import { Stack } from 'aws-cdk-lib/core';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { grantStoredRead } from './read-grant';

export interface SecureParameterProps {
  /** The parameter's name (`/<prefix>/<name>`). */
  readonly parameterName: string;
  /**
   * The exact ARN IAM grants name; synth fails when aws-cdk-lib builds another one for the name.
   * @default - the ARN aws-cdk-lib builds from the name and the stack's partition, region and account
   */
  readonly parameterArn?: string;
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
    this.parameterName = props.parameterName;
    this.encryptionKey = props.encryptionKey;
    // Without the key: ECS would grant decryption through the key policy; the reader's own grants cover it.
    this.imported = ssm.StringParameter.fromSecureStringParameterAttributes(this, 'Import', { parameterName: props.parameterName });
    this.parameterArn = props.parameterArn ?? this.imported.parameterArn;

    // The ARN in IAM (given) and in the ECS mapping (built by aws-cdk-lib) must be the same string.
    const given = props.parameterArn;
    if (given !== undefined) {
      this.node.addValidation({
        validate: () => {
          const built = Stack.of(this).resolve(this.imported.parameterArn);
          return built === given ? [] : [`parameter ARN mismatch: \`parameterArn\` is ${given}, aws-cdk-lib builds ${JSON.stringify(built)}`];
        },
      });
    }
  }

  /**
   * Lets `grantee` read this parameter: `ssm:GetParameter` and `ssm:GetParameters` on its exact ARN (a
   * `SecretReaderRole` keeps only the one its client uses) and, with a customer managed key, `kms:Decrypt`
   * on that key only through SSM (`kms:ViaService`).
   */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return grantStoredRead(this, grantee, { actions: ['ssm:GetParameter', 'ssm:GetParameters'], resourceArn: this.parameterArn }, { key: this.encryptionKey, service: 'ssm' });
  }

  /** The ECS `secrets` entry: `valueFrom: arn:<partition>:ssm:<region>:<account>:parameter/<name>`. */
  public ecsSecret(): ecs.Secret {
    return ecs.Secret.fromSsmParameter(this.imported);
  }
}
