import { Stack } from 'aws-cdk-lib/core';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';

/**
 * A read grant of one stored value: `actions` on its exact ARN and, when a customer managed key encrypts it,
 * `kms:Decrypt` on that key only through the service that stores it (`kms:ViaService`, in the stack's region).
 */
export function grantStoredRead(
  scope: Construct,
  grantee: iam.IGrantable,
  read: { readonly actions: string[]; readonly resourceArn: string },
  encryption: { readonly key?: kms.IKey; readonly service: 'secretsmanager' | 'ssm' },
): iam.Grant {
  const grant = iam.Grant.addToPrincipal({ grantee, actions: read.actions, resourceArns: [read.resourceArn] });
  if (!encryption.key) return grant;
  return grant.combine(
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['kms:Decrypt'],
      resourceArns: [encryption.key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `${encryption.service}.${Stack.of(scope).region}.amazonaws.com` } },
    }),
  );
}
