import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small stand-in for a fresh cluster's API server, enough for `kubectl apply` (client-side) of
 * what we write: discovery (`/api`, `/apis`, and the resource list of each group version) for the
 * core kinds we emit and for the kinds of the operators' CRDs; GET of an object (404 until it is
 * created); POST to create it. Like the real server it refuses a namespaced object whose Namespace
 * does not exist yet (404 `namespaces "x" not found`), an object whose namespace differs from the
 * URL's, and an object that exists already. It keeps what it created and what it refused.
 */

export interface ServedResource {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
  /** The operator whose CRD defines the kind; undefined for the kinds every cluster serves. */
  readonly operator?: Operator;
}

export type Operator = 'external-secrets' | 'sealed-secrets' | 'config-connector' | 'vault-secrets-operator' | 'secrets-store-csi-driver';

const BUILT_IN: readonly ServedResource[] = [
  { group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false },
  { group: '', version: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true },
  { group: '', version: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true },
  { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true },
  { group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true },
  { group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy', plural: 'networkpolicies', namespaced: true },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'Role', plural: 'roles', namespaced: true },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'RoleBinding', plural: 'rolebindings', namespaced: true },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole', plural: 'clusterroles', namespaced: false },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', namespaced: false },
];

/** The kinds of the CRDs the README asks to install first, per operator. */
export const OPERATOR_RESOURCES: readonly ServedResource[] = [
  { group: 'external-secrets.io', version: 'v1', kind: 'ExternalSecret', plural: 'externalsecrets', namespaced: true, operator: 'external-secrets' },
  { group: 'external-secrets.io', version: 'v1', kind: 'SecretStore', plural: 'secretstores', namespaced: true, operator: 'external-secrets' },
  { group: 'external-secrets.io', version: 'v1', kind: 'ClusterSecretStore', plural: 'clustersecretstores', namespaced: false, operator: 'external-secrets' },
  { group: 'generators.external-secrets.io', version: 'v1alpha1', kind: 'Password', plural: 'passwords', namespaced: true, operator: 'external-secrets' },
  { group: 'bitnami.com', version: 'v1alpha1', kind: 'SealedSecret', plural: 'sealedsecrets', namespaced: true, operator: 'sealed-secrets' },
  { group: 'secrets.hashicorp.com', version: 'v1beta1', kind: 'VaultConnection', plural: 'vaultconnections', namespaced: true, operator: 'vault-secrets-operator' },
  { group: 'secrets.hashicorp.com', version: 'v1beta1', kind: 'VaultAuth', plural: 'vaultauths', namespaced: true, operator: 'vault-secrets-operator' },
  { group: 'secrets.hashicorp.com', version: 'v1beta1', kind: 'VaultStaticSecret', plural: 'vaultstaticsecrets', namespaced: true, operator: 'vault-secrets-operator' },
  { group: 'secrets.hashicorp.com', version: 'v1beta1', kind: 'VaultDynamicSecret', plural: 'vaultdynamicsecrets', namespaced: true, operator: 'vault-secrets-operator' },
  { group: 'secrets-store.csi.x-k8s.io', version: 'v1', kind: 'SecretProviderClass', plural: 'secretproviderclasses', namespaced: true, operator: 'secrets-store-csi-driver' },
  { group: 'iam.cnrm.cloud.google.com', version: 'v1beta1', kind: 'IAMPolicyMember', plural: 'iampolicymembers', namespaced: true, operator: 'config-connector' },
  { group: 'iam.cnrm.cloud.google.com', version: 'v1beta1', kind: 'IAMServiceAccount', plural: 'iamserviceaccounts', namespaced: true, operator: 'config-connector' },
  { group: 'secretmanager.cnrm.cloud.google.com', version: 'v1beta1', kind: 'SecretManagerSecret', plural: 'secretmanagersecrets', namespaced: true, operator: 'config-connector' },
];

export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

export interface Refusal {
  readonly request: string;
  readonly code: number;
  readonly message: string;
}

export interface StandInApiServer {
  readonly url: string;
  /** Every object created, in the order the requests came. */
  readonly created: readonly ObjectRef[];
  /** Every write refused (a GET of a missing object is not a refusal). */
  readonly refused: readonly Refusal[];
  close(): Promise<void>;
}

export interface StandInOptions {
  /** Operators whose CRDs are installed. @default every one */
  readonly operators?: readonly Operator[];
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;

export async function startStandInApiServer(options: StandInOptions = {}): Promise<StandInApiServer> {
  const operators = options.operators ?? ['external-secrets', 'sealed-secrets', 'config-connector', 'vault-secrets-operator', 'secrets-store-csi-driver'];
  const served = [...BUILT_IN, ...OPERATOR_RESOURCES.filter((r) => operators.includes(r.operator!))];
  const objects = new Map<string, Record<string, any>>();
  const namespaces = new Set(['default', 'kube-system', 'kube-public']);
  const created: ObjectRef[] = [];
  const refused: Refusal[] = [];
  let serial = 0;

  const groupVersions = [...new Set(served.filter((r) => r.group !== '').map((r) => `${r.group}/${r.version}`))].sort();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const path = url.pathname.replace(/\/+$/, '');
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const fail = (code: number, reason: string, message: string, write: boolean) => {
      if (write) refused.push({ request: `${req.method} ${path}`, code, message });
      send(code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
    };

    if (req.method === 'GET' && path === '/version') return send(200, { major: '1', minor: '32', gitVersion: 'v1.32.0-stand-in', platform: 'linux/amd64' });
    if (req.method === 'GET' && path === '/api') return send(200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
    if (req.method === 'GET' && path === '/apis') {
      const groups = [...new Set(served.filter((r) => r.group !== '').map((r) => r.group))].sort().map((name) => {
        const versions = groupVersions.filter((gv) => gv.startsWith(`${name}/`)).map((groupVersion) => ({ groupVersion, version: groupVersion.slice(name.length + 1) }));
        return { name, versions, preferredVersion: versions[0] };
      });
      return send(200, { kind: 'APIGroupList', apiVersion: 'v1', groups });
    }

    const match = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/(.*))?$/.exec(path);
    if (!match) return fail(404, 'NotFound', `the server could not find the requested resource (${path})`, req.method !== 'GET');
    const group = match[2] ?? '';
    const version = match[1] ?? match[3];
    const inVersion = served.filter((r) => r.group === group && r.version === version);
    if (inVersion.length === 0) return fail(404, 'NotFound', `the server could not find the requested resource (${path})`, req.method !== 'GET');
    const rest = match[4] ? match[4].split('/') : [];
    const apiVersion = group === '' ? version : `${group}/${version}`;

    if (rest.length === 0 && req.method === 'GET') {
      return send(200, {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: apiVersion,
        resources: inVersion.map((r) => ({
          name: r.plural,
          singularName: r.kind.toLowerCase(),
          namespaced: r.namespaced,
          kind: r.kind,
          verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
        })),
      });
    }

    // /namespaces/<ns>/<plural>[/<name>] for a namespaced kind, /<plural>[/<name>] otherwise.
    const namespacedPath = rest[0] === 'namespaces' && rest.length >= 3;
    const namespace = namespacedPath ? rest[1] : undefined;
    const [plural, name, ...more] = namespacedPath ? rest.slice(2) : rest;
    const resource = inVersion.find((r) => r.plural === plural && r.namespaced === namespacedPath);
    const write = req.method !== 'GET';
    if (!resource || more.length > 0) return fail(404, 'NotFound', `the server could not find the requested resource (${path})`, write);
    const key = (objectName: string) => `${apiVersion}|${resource.kind}|${namespace ?? ''}|${objectName}`;

    if (req.method === 'GET' && name !== undefined) {
      const found = objects.get(key(name));
      return found ? send(200, found) : fail(404, 'NotFound', `${resource.plural}${group ? `.${group}` : ''} "${name}" not found`, false);
    }
    if (req.method !== 'POST' || name !== undefined) return fail(405, 'MethodNotAllowed', `${req.method} ${path} is not served by the stand-in`, write);

    const body = await readBody(req);
    let object: Record<string, any>;
    try {
      object = JSON.parse(body);
    } catch {
      return fail(400, 'BadRequest', 'the request body is not JSON', true);
    }
    if (object?.apiVersion !== apiVersion || object?.kind !== resource.kind || typeof object?.metadata?.name !== 'string') {
      return fail(400, 'BadRequest', `expected a ${resource.kind} of ${apiVersion} with metadata.name`, true);
    }
    const objectNamespace: string | undefined = object.metadata.namespace;
    if (resource.namespaced && objectNamespace !== undefined && objectNamespace !== namespace) {
      return fail(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request', true);
    }
    if (namespace !== undefined && !namespaces.has(namespace)) {
      return fail(404, 'NotFound', `namespaces "${namespace}" not found`, true);
    }
    const objectName: string = object.metadata.name;
    if (objects.has(key(objectName))) return fail(409, 'AlreadyExists', `${resource.plural} "${objectName}" already exists`, true);
    serial++;
    const stored = {
      ...object,
      metadata: { ...object.metadata, ...(namespace ? { namespace } : {}), uid: `stand-in-${serial}`, resourceVersion: String(serial), creationTimestamp: '2026-01-01T00:00:00Z' },
    };
    objects.set(key(objectName), stored);
    if (resource.kind === 'Namespace' && group === '') namespaces.add(objectName);
    created.push({ apiVersion, kind: resource.kind, ...(namespace ? { namespace } : {}), name: objectName });
    return send(201, stored);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      refused.push({ request: `${req.method} ${req.url}`, code: 500, message: String(e) });
      res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    created,
    refused,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) req.destroy(new Error('request body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
