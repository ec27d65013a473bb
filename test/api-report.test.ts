import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireCurrentBuild, root } from './support/cli';
import { integration } from './support/tiers';

const REPORT = 'etc/aragora-secrets.api.md';

integration.test(`the public API report (${REPORT}) is what api-extractor writes for lib/src/index.d.ts: after a change of the public API, run \`npm run api\` and commit the report`, () => {
  requireCurrentBuild();
  // Loaded here, not at the top: the unit tier loads this file and runs none of it.
  const { Extractor, ExtractorConfig } = require('@microsoft/api-extractor') as typeof import('@microsoft/api-extractor');
  // GIVEN the project's api-extractor.json, writing its report to a folder of its own
  const configFile = join(root, 'api-extractor.json');
  const fresh = mkdtempSync(join(tmpdir(), 'aragora-api-report-'));
  const configObject = ExtractorConfig.loadFile(configFile);
  configObject.apiReport = { ...configObject.apiReport!, enabled: true, reportFolder: fresh, reportTempFolder: join(fresh, 'temp') };
  const config = ExtractorConfig.prepare({ configObject, configObjectFullPath: configFile, packageJsonFullPath: join(root, 'package.json') });
  // WHEN it runs over the build `npm test` has just made
  const problems: string[] = [];
  const result = Extractor.invoke(config, {
    localBuild: true,
    messageCallback: (message) => {
      if (message.logLevel === 'error') problems.push(message.text);
      message.handled = true;
    },
  });
  // THEN it succeeds, and its report is the committed one (the diff shows what changed)
  expect(problems).toEqual([]);
  expect(result.succeeded).toBe(true);
  expect(readFileSync(join(root, REPORT), 'utf8')).toBe(readFileSync(join(fresh, 'aragora-secrets.api.md'), 'utf8'));
});
