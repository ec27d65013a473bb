import { parseAllDocuments } from 'yaml';
import { environmentFolderOf } from '../core/manifest-layout';
import type { K8sObject, ManifestObject, ManifestTree, TreeFile } from './types';

/** Files cdk8s and aragora-secrets write one Kubernetes object into; other YAML (Helm values, patches) is not applied. */
export const MANIFEST_SUFFIX = '.k8s.yaml';

export function isManifestPath(path: string): boolean {
  return path.endsWith(MANIFEST_SUFFIX);
}

/** Parses the manifests of a tree; the other files are kept as text for the leak guard. */
export function parseTree(files: readonly TreeFile[]): ManifestTree {
  const objects: ManifestObject[] = [];
  const unreadable: { file: string; problem: string }[] = [];
  for (const file of files) {
    if (!isManifestPath(file.path)) continue;
    // The environment's folder, not `manifests/` in it: the rules compare environments by it.
    const folder = environmentFolderOf(file.path);
    const documents = parseAllDocuments(file.content);
    for (const doc of Array.isArray(documents) ? documents : [documents]) {
      if (doc.errors.length > 0) {
        unreadable.push({ file: file.path, problem: `not valid YAML: ${doc.errors[0].message.split('\n')[0]}` });
        continue;
      }
      const value = doc.toJS();
      if (value === null || value === undefined) continue;
      if (!isK8sObject(value)) {
        unreadable.push({ file: file.path, problem: 'not a Kubernetes object (apiVersion, kind and metadata.name are required)' });
        continue;
      }
      objects.push({ file: file.path, folder, object: value });
    }
  }
  return { files: [...files], objects, unreadable };
}

function isK8sObject(value: unknown): value is K8sObject {
  const v = value as Partial<K8sObject> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.apiVersion === 'string' &&
    typeof v.kind === 'string' &&
    typeof v.metadata === 'object' &&
    v.metadata !== null &&
    typeof v.metadata.name === 'string'
  );
}

/** `Role aragora-dev/aragora-secrets-reader`, `ClusterSecretStore vault-backend`. */
export function describe(object: K8sObject): string {
  const ns = object.metadata.namespace;
  return `${object.kind} ${ns ? `${ns}/` : ''}${object.metadata.name}`;
}

export function group(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** The objects of one folder, by kind. */
export function inFolder(tree: ManifestTree, folder: string, kind?: string): ManifestObject[] {
  return tree.objects.filter((o) => o.folder === folder && (kind === undefined || o.object.kind === kind));
}
