import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { readDoc } from './support/docs';
import { LIBRARY_PAGE, libraryExamples, typescriptBlocks } from '../scripts/library-examples';
import { root } from './support/cli';

/**
 * docs/library.md as a reader uses it: every ```ts block type-checks against the public API (src/index.ts,
 * which the package exports as 'aragora-secrets'), and the first one, a complete program, runs and writes a
 * Deployment that reads the sealed Secret. The packaging test runs the same block from the packed tarball.
 *
 * The blocks are kept as files in test/library-examples/ (imports pointed at src/index.ts), which the
 * type check of `npm test` (`tsc --noEmit`) covers with the rest of the repository; this test fails when a
 * file differs from its block, and runs the first one.
 */

/** Runs an example file as the program it is, writing into `outdir`. */
function run(examplePath: string, outdir: string, cwd = outdir): void {
  const previous = { CDK8S_OUTDIR: process.env.CDK8S_OUTDIR, CDK_OUTDIR: process.env.CDK_OUTDIR };
  const previousCwd = process.cwd();
  // cdk8s and aws-cdk-lib write where these say; the whole-config example reads its config from the working folder.
  process.env.CDK8S_OUTDIR = outdir;
  process.env.CDK_OUTDIR = outdir;
  process.chdir(cwd);
  try {
    // A program runs once per load: a second run of the same example loads its file again (the library it
    // imports stays loaded, as in any program).
    const file = require.resolve(join(root, examplePath));
    delete require.cache[file];
    require(file);
  } finally {
    process.chdir(previousCwd);
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

describe('docs/library.md', () => {
  const blocks = typescriptBlocks(readDoc(LIBRARY_PAGE));

  test('has its complete program first, then the ExternalSecret, SecretReader and AWS examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    expect(blocks[0]).toMatch(/new SealedSecret\(/);
    expect(blocks[0]).toMatch(/new kplus\.Deployment\(/);
    expect(blocks[0]).toMatch(/app\.synth\(\)/);
    expect(blocks.some((block) => /new ExternalSecret\(/.test(block) && /new SecretStore\(/.test(block))).toBe(true);
    expect(blocks.some((block) => /new SecretReader\(/.test(block) && /grantRead\(/.test(block))).toBe(true);
    expect(blocks.some((block) => /aws-cdk-lib/.test(block) && /grantRead\(/.test(block))).toBe(true);
  });

  test("every ts block imports only 'aragora-secrets' and the peer packages, and is the file tsc type-checks", () => {
    for (const block of blocks) {
      const imports = [...block.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
      expect(imports.filter((name) => !/^(aragora-secrets|cdk8s|cdk8s-plus-27|constructs|aws-cdk-lib(\/.*)?|node:.*)$/.test(name))).toEqual([]);
    }
    const examples = libraryExamples();
    expect(examples).toHaveLength(blocks.length);
    // A difference: run `npx tsx scripts/write-library-examples.ts`.
    expect(readdirSync(join(root, 'test', 'library-examples')).sort()).toEqual(examples.map((e) => e.path.split('/').pop()).sort());
    for (const example of examples) expect({ path: example.path, content: readFileSync(join(root, example.path), 'utf8') }).toEqual(example);
  });

  test('the first block runs and writes a Deployment whose env takes DATABASE_URL from the sealed Secret', () => {
    // GIVEN an empty output folder
    const outdir = mkdtempSync(join(tmpdir(), 'aragora-library-'));
    // WHEN the program runs
    run(libraryExamples()[0].path, outdir);
    // THEN it wrote the SealedSecret and a Deployment reading the Secret the controller makes from it
    expect(readdirSync(outdir)).toEqual(['shop.k8s.yaml']);
    const objects = parseAllDocuments(readFileSync(join(outdir, 'shop.k8s.yaml'), 'utf8')).map((d) => d.toJS());
    const sealed = objects.find((o) => o.kind === 'SealedSecret');
    const deployment = objects.find((o) => o.kind === 'Deployment');
    expect(sealed.metadata).toEqual(expect.objectContaining({ name: 'shop-secrets', namespace: 'shop' }));
    expect(Object.keys(sealed.spec.encryptedData)).toEqual(['DATABASE_URL']);
    expect(JSON.stringify(sealed)).not.toContain('db.shop.svc');
    expect(deployment.spec.template.spec.containers[0].env).toEqual([
      { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'shop-secrets', key: 'DATABASE_URL' } } },
    ]);
  });

  test.each(libraryExamples().slice(1).map((example) => example.path))('%s runs and writes its output', (path) => {
    const outdir = mkdtempSync(join(tmpdir(), 'aragora-library-'));
    run(path, outdir);
    expect(readdirSync(outdir).length).toBeGreaterThan(0);
  });
});
