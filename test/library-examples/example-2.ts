// Block 2 of docs/library.md, with 'aragora-secrets' read from src/index.ts. Written by
// `npx tsx scripts/write-library-examples.ts`; test/library-docs.test.ts fails when it differs from the page.
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { ExternalSecret, SecretStore } from '../../src';

const app = new App();
const chart = new Chart(app, 'shop', { namespace: 'shop', disableResourceNameHashes: true });

const store = new SecretStore(chart, 'Store', {
  storeName: 'aws',
  provider: {
    provider: 'aws',
    service: 'SecretsManager',
    region: 'eu-west-1',
    auth: { jwt: { serviceAccountRef: { name: 'external-secrets' } } },
  },
});

const secret = new ExternalSecret(chart, 'Secrets', { secretName: 'shop-secrets', store, refreshInterval: '15m' });
secret.addData('DATABASE_URL', { key: 'shop/prod', property: 'database_url' });
secret.addExtract('shop/prod/providers'); // every property of a JSON secret, under its own name

const deployment = new kplus.Deployment(chart, 'Web', { containers: [{ image: 'ghcr.io/example/shop:1.0.0', portNumber: 8080 }] });
deployment.containers[0].env.copyFrom(kplus.Env.fromSecret(secret));

app.synth();
