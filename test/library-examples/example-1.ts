// Block 1 of docs/library.md, with 'aragora-secrets' read from src/index.ts. Written by
// `npx tsx scripts/write-library-examples.ts`; test/library-docs.test.ts fails when it differs from the page.
import { generateKeyPairSync } from 'node:crypto';
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { readSealingKey, SealedSecret, sealValue } from '../../src';

// The controller's certificate. In a real project: `kubeseal --fetch-cert > sealed-secrets.pem`, then
// readSealingKey(readFileSync('sealed-secrets.pem'), 'sealed-secrets.pem'). A throwaway key keeps this example self-contained.
const throwaway = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' });
const sealingKey = readSealingKey(throwaway, 'example key');

// The value comes from your environment, never from the code; only its ciphertext is written.
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://db.shop.svc:5432/shop';

const app = new App();
const chart = new Chart(app, 'shop', { namespace: 'shop', disableResourceNameHashes: true });

const secret = new SealedSecret(chart, 'Secrets', {
  secretName: 'shop-secrets',
  encryptedData: {
    DATABASE_URL: sealValue(sealingKey.publicKey, { name: 'shop-secrets', namespace: 'shop', scope: 'strict' }, databaseUrl),
  },
});

const deployment = new kplus.Deployment(chart, 'Web', {
  metadata: { name: 'web' },
  containers: [{ name: 'web', image: 'ghcr.io/example/shop:1.0.0', portNumber: 8080 }],
});
deployment.containers[0].env.addVariable('DATABASE_URL', kplus.EnvValue.fromSecretValue({ secret, key: 'DATABASE_URL' }));

app.synth();
