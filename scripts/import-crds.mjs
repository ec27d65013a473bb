#!/usr/bin/env node
// Regenerates imports/ from the upstream CRDs kept in ../shared/crds (or CRDS_DIR).
// `cdk8s import` takes one file per API group, so the External Secrets (and Vault Secrets Operator) CRDs are
// concatenated into one temporary file first. The CRD files themselves never enter the repo.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const crds = resolve(process.env.CRDS_DIR ?? join(root, '..', 'shared', 'crds'));
if (!existsSync(crds)) {
  console.error(`CRD folder not found: ${crds}. Set CRDS_DIR to the folder holding the upstream CRDs.`);
  process.exit(1);
}

const groups = {
  'external-secrets.io': [
    'external-secrets.io_externalsecrets.yaml',
    'external-secrets.io_secretstores.yaml',
    'external-secrets.io_clustersecretstores.yaml',
    'external-secrets.io_clusterexternalsecrets.yaml',
  ],
  'generators.external-secrets.io': ['generators.external-secrets.io_passwords.yaml'],
  'bitnami.com': ['bitnami.com_sealedsecrets.yaml'],
  'secrets.hashicorp.com': [
    'secrets.hashicorp.com_vaultconnections.yaml',
    'secrets.hashicorp.com_vaultauths.yaml',
    'secrets.hashicorp.com_vaultstaticsecrets.yaml',
    'secrets.hashicorp.com_vaultdynamicsecrets.yaml',
  ],
  'secrets-store.csi.x-k8s.io': ['secrets-store.csi.x-k8s.io_secretproviderclasses.yaml'],
};

const work = mkdtempSync(join(tmpdir(), 'aragora-crds-'));
try {
  for (const [group, files] of Object.entries(groups)) {
    const combined = files.map((f) => readFileSync(join(crds, f), 'utf8').trim()).join('\n---\n') + '\n';
    const file = join(work, `${group}.yaml`);
    writeFileSync(file, combined);
    execFileSync(join(root, 'node_modules', '.bin', 'cdk8s'), ['import', '--no-check-upgrade', file, '--language', 'typescript', '--output', join(root, 'imports')], {
      stdio: 'inherit',
      // cdk8s import records what it imported in ./cdk8s.yaml: let it do so in the scratch folder, not ours.
      cwd: work,
    });
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
