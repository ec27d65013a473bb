// Block 3 of docs/library.md, with 'aragora-secrets' read from src/index.ts. Written by
// `npx tsx scripts/write-library-examples.ts`; test/library-docs.test.ts fails when it differs from the page.
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AppSecret, SecretReader } from '../../src';

const app = new App();
const chart = new Chart(app, 'shop', { namespace: 'shop', disableResourceNameHashes: true });

// A Secret created at deploy time (kubectl, an operator), named here.
const secret = AppSecret.fromSecretName(chart, 'Secrets', 'shop-secrets');

const reader = new SecretReader(chart, 'Reader', { serviceAccountName: 'web', roleName: 'web-secrets-reader' });
secret.grantRead(reader); // Role rule: get on secrets/shop-secrets, nothing else

new kplus.Deployment(chart, 'Web', {
  serviceAccount: reader.serviceAccount,
  automountServiceAccountToken: true,
  containers: [{ image: 'ghcr.io/example/shop:1.0.0', portNumber: 8080 }],
});

app.synth();
