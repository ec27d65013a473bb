// Block 5 of docs/library.md, with 'aragora-secrets' read from src/index.ts. Written by
// `npx tsx scripts/write-library-examples.ts`; test/library-docs.test.ts fails when it differs from the page.
import { App } from 'cdk8s';
import { buildCharts, loadConfig, loadPlanInputs, resolvePlan } from '../../src';

const app = new App();
const { config } = loadConfig(); // aragora-secrets.yaml in the current folder, or the embedded default
buildCharts(app, resolvePlan(config, loadPlanInputs(config, process.cwd())));
app.synth();
