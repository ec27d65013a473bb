// Block 4 of docs/library.md, with 'aragora-secrets' read from src/index.ts. Written by
// `npx tsx scripts/write-library-examples.ts`; test/library-docs.test.ts fails when it differs from the page.
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { ManagedSecret } from '../../src';

const app = new App();
const stack = new Stack(app, 'shop-secrets', { env: { account: '111111111111', region: 'eu-west-1' } });

const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
const secret = new ManagedSecret(stack, 'Secret', { secretName: 'shop/prod', jsonKeys: ['DATABASE_URL'], encryptionKey: key });

const taskRole = new iam.Role(stack, 'TaskRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
secret.grantRead(taskRole).assertSuccess();

app.synth();
