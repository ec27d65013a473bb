import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { ManagedSecret, SecretReaderRole, SecureParameter } from '../src';

// The AWS constructs as another team uses them: grants take any IGrantable and return an iam.Grant.

function stack(): Stack {
  return new Stack(new App(), 'Shop', { env: { account: '111111111111', region: 'eu-west-1' } });
}

function appRole(scope: Stack): iam.Role {
  return new iam.Role(scope, 'App', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
}

function readerRole(scope: Stack): SecretReaderRole {
  return new SecretReaderRole(scope, 'Reader', {
    roleName: 'shop-reader',
    description: 'reads the shop secrets',
    trust: { kind: 'service', service: 'ecs-tasks.amazonaws.com', sourceAccount: '111111111111' },
    parameterAction: 'ssm:GetParameters',
  });
}

/** The statements of the inline policy a SecretReaderRole renders. */
function readerStatements(s: Stack): any[] {
  const roles = Template.fromStack(s).findResources('AWS::IAM::Role', { Properties: { RoleName: 'shop-reader' } });
  return Object.values(roles)[0].Properties.Policies[0].PolicyDocument.Statement;
}

describe('ManagedSecret.grantRead(grantee: IGrantable): iam.Grant', () => {
  test('an aws-cdk-lib Role gets GetSecretValue on the one ARN, and nothing else', () => {
    // GIVEN a secret and a role of the user's own
    const s = stack();
    const secret = new ManagedSecret(s, 'Secret', { secretName: 'shop/prod', jsonKeys: ['DATABASE_URL'] });
    const role = appRole(s);
    // WHEN the role is granted read
    const grant = secret.grantRead(role);
    // THEN the grant succeeded and the role's policy names exactly that secret
    expect(grant.success).toBe(true);
    Template.fromStack(s).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: s.resolve(secret.secretArn) }] },
      Roles: [s.resolve(role.roleName)],
    });
  });

  test('with a customer managed key: kms:Decrypt on that key, only through Secrets Manager of the region', () => {
    const s = stack();
    const key = new kms.Key(s, 'Key');
    const secret = new ManagedSecret(s, 'Secret', { secretName: 'shop/prod', jsonKeys: ['DATABASE_URL'], encryptionKey: key });
    secret.grantRead(appRole(s));
    Template.fromStack(s).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Action: 'kms:Decrypt', Effect: 'Allow', Resource: s.resolve(key.keyArn), Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } } },
        ]),
      },
    });
  });

  test('defaults: no value in the template (no generateSecretString), a description that says so, retained', () => {
    const s = stack();
    new ManagedSecret(s, 'Secret', { secretName: 'shop/prod', jsonKeys: ['DATABASE_URL'] });
    const template = Template.fromStack(s);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'shop/prod',
      Description: 'Values are put by put-secret-values.sh, never by the template.',
      GenerateSecretString: Match.absent(),
      ReplicaRegions: Match.absent(),
    });
    template.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  test('bad props: a generatedKey that is not one of the JSON keys', () => {
    expect(() => new ManagedSecret(stack(), 'Secret', { secretName: 'shop/prod', jsonKeys: ['A'], generatedKey: 'B' })).toThrow(
      /ManagedSecret "shop\/prod": `generatedKey` "B" is not one of `jsonKeys`/,
    );
  });
});

describe('SecureParameter.grantRead(grantee: IGrantable): iam.Grant', () => {
  test('GetParameter and GetParameters on the exact ARN aws-cdk-lib builds from the name', () => {
    const s = stack();
    const parameter = new SecureParameter(s, 'Parameter', { parameterName: '/shop/prod/DATABASE_URL' });
    const grant = parameter.grantRead(appRole(s));
    expect(grant.success).toBe(true);
    Template.fromStack(s).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [{ Action: ['ssm:GetParameter', 'ssm:GetParameters'], Effect: 'Allow', Resource: s.resolve(parameter.parameterArn) }],
      },
    });
  });
});

test('SecureParameter: a parameterArn other than the one aws-cdk-lib builds for the name is a synth error', () => {
  const s = stack();
  new SecureParameter(s, 'Parameter', { parameterName: '/shop/prod/DATABASE_URL', parameterArn: 'arn:aws:ssm:eu-west-1:111111111111:parameter/shop/prod/OTHER' });
  expect(() => Template.fromStack(s)).toThrow(/parameter ARN mismatch: `parameterArn` is arn:aws:ssm:eu-west-1:111111111111:parameter\/shop\/prod\/OTHER/);
});

describe('SecretReaderRole is an IGrantable that keeps read grants in its one inline policy', () => {
  test('secret.grantRead(reader) and parameter.grantRead(reader): GetSecretValue, its one SSM action, decryption through each service', () => {
    // GIVEN a secret and a parameter under one customer managed key
    const s = stack();
    const key = new kms.Key(s, 'Key');
    const secret = new ManagedSecret(s, 'Secret', { secretName: 'shop/prod', jsonKeys: ['DATABASE_URL'], encryptionKey: key });
    const parameter = new SecureParameter(s, 'Parameter', { parameterName: '/shop/prod/STRIPE_KEY', encryptionKey: key });
    const reader = readerRole(s);
    // WHEN both are granted to the reader role
    secret.grantRead(reader);
    parameter.grantRead(reader);
    // THEN one inline policy, no separate AWS::IAM::Policy, each grant on its one resource
    expect(Template.fromStack(s).findResources('AWS::IAM::Policy')).toEqual({});
    expect(readerStatements(s)).toEqual([
      { Sid: 'ReadSecretsManagerSecrets', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [s.resolve(secret.secretArn)] },
      { Sid: 'ReadParameters', Effect: 'Allow', Action: ['ssm:GetParameters'], Resource: [s.resolve(parameter.parameterArn)] },
      {
        Sid: 'DecryptThroughSecretStores',
        Effect: 'Allow',
        Action: ['kms:Decrypt'],
        Resource: [s.resolve(key.keyArn)],
        Condition: { StringEquals: { 'kms:ViaService': ['secretsmanager.eu-west-1.amazonaws.com', 'ssm.eu-west-1.amazonaws.com'] } },
      },
    ]);
  });

  test('secrets are listed by name, whatever the order of the grants', () => {
    const s = stack();
    const reader = readerRole(s);
    const [zebra, apple] = ['shop/zebra', 'shop/apple'].map((name) => new ManagedSecret(s, name.replace('/', '-'), { secretName: name, jsonKeys: ['A'] }));
    zebra.grantRead(reader);
    apple.grantRead(reader);
    expect(reader.granted.secrets).toEqual(['secretsmanager:shop/apple', 'secretsmanager:shop/zebra']);
    expect(readerStatements(s)[0].Resource).toEqual([s.resolve(apple.secretArn), s.resolve(zebra.secretArn)]);
  });

  test("a grant broader than a read is refused, naming the role: aws-cdk-lib's own Secret.grantRead adds DescribeSecret", () => {
    const s = stack();
    const reader = readerRole(s);
    const foreign = secretsmanager.Secret.fromSecretNameV2(s, 'Foreign', 'shop/other');
    expect(() => foreign.grantRead(reader)).toThrow(/SecretReaderRole "shop-reader" takes read grants only .*got secretsmanager:GetSecretValue, secretsmanager:DescribeSecret/);
    expect(() => iam.Grant.addToPrincipal({ grantee: reader, actions: ['secretsmanager:GetSecretValue'], resourceArns: ['*'] })).toThrow(/a grant on every resource/);
  });

  test('a reader granted nothing is a synth error', () => {
    const s = stack();
    readerRole(s);
    expect(() => Template.fromStack(s)).toThrow(/SecretReaderRole "shop-reader" was granted no secret/);
  });
});
