import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachedByBuild, saveBuildCache } from '../src/core/build-cache';

/** Runs `body` with the build cache pointed at `cacheDir` under `build`, as scripts/app.cjs sets it up. */
function withBuild<T>(build: string, cacheDir: string, body: () => T): T {
  const saved = { build: process.env.ARAGORA_SECRETS_BUILD, cache: process.env.ARAGORA_SECRETS_CACHE };
  process.env.ARAGORA_SECRETS_BUILD = build;
  process.env.ARAGORA_SECRETS_CACHE = cacheDir;
  try {
    return body();
  } finally {
    for (const [name, value] of [['ARAGORA_SECRETS_BUILD', saved.build], ['ARAGORA_SECRETS_CACHE', saved.cache]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

describe('the build cache', () => {
  test('a result is computed once per build and inputs, and read back by the next run of the same build', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aragora-build-cache-'));
    let computed = 0;
    const compute = () => ({ n: ++computed });
    expect(withBuild('build-a', dir, () => cachedByBuild('aws', 'plan-1', compute))).toEqual({ n: 1 });
    withBuild('build-a', dir, saveBuildCache);
    expect(withBuild('build-a', dir, () => cachedByBuild('aws', 'plan-1', compute))).toEqual({ n: 1 });
    expect(withBuild('build-a', dir, () => cachedByBuild('aws', 'plan-2', compute))).toEqual({ n: 2 });
    expect(withBuild('build-b', dir, () => cachedByBuild('aws', 'plan-1', compute))).toEqual({ n: 3 });
    withBuild('build-b', dir, saveBuildCache);
  });

  test("saving removes the results other builds made under the same name, and nothing else", () => {
    const dir = mkdtempSync(join(tmpdir(), 'aragora-build-cache-'));
    withBuild('build-a', dir, () => {
      cachedByBuild('aws', 'plan-1', () => 1);
      cachedByBuild('aws', 'plan-2', () => 2);
      cachedByBuild('aws-regions', '', () => ['eu-west-1']);
      saveBuildCache();
    });
    // the layout before builds were named in the file, and files that are not results of ours
    writeFileSync(join(dir, `aws-${'a'.repeat(24)}.json`), '{}');
    writeFileSync(join(dir, 'notes.json'), '{}');
    writeFileSync(join(dir, `other-${'b'.repeat(12)}-${'c'.repeat(24)}.json`), '{}');
    expect(readdirSync(dir)).toHaveLength(6);

    // WHEN another build saves an AWS result
    withBuild('build-b', dir, () => {
      cachedByBuild('aws', 'plan-1', () => 10);
      saveBuildCache();
    });

    // THEN only its own AWS result is left of the `aws` results; the regions of build-a stay until it saves some
    const files = readdirSync(dir).sort();
    expect(files.filter((f) => /^aws-[0-9a-f]/.test(f))).toHaveLength(1);
    expect(files.filter((f) => f.startsWith('aws-regions-'))).toHaveLength(1);
    expect(files).toEqual(expect.arrayContaining(['notes.json', `other-${'b'.repeat(12)}-${'c'.repeat(24)}.json`]));
    expect(withBuild('build-b', dir, () => cachedByBuild('aws', 'plan-1', () => 11))).toBe(10);
  });
});
