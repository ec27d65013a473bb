import { ApiObject, Chart, JsonPatch, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import * as eso from '../../../imports/external-secrets.io';

/** `SecretStore` (namespaced) or `ClusterSecretStore` (cluster-scoped). */
export type SecretStoreKind = 'SecretStore' | 'ClusterSecretStore';

/** The version of External Secrets Operator's API: `v1` (ESO 0.17 and later) or `v1beta1` (older clusters). */
export type ExternalSecretsApiVersion = 'v1' | 'v1beta1';

/** A key of a Kubernetes Secret the store reads a credential reference from (never the credential). */
export interface SecretKeySelector {
  readonly name: string;
  readonly key: string;
  /** ClusterSecretStore only. @default - the ExternalSecret's namespace */
  readonly namespace?: string;
}

/** The ServiceAccount whose token the store presents. */
export interface ServiceAccountSelector {
  readonly name: string;
  /** ClusterSecretStore only. @default - the ExternalSecret's namespace */
  readonly namespace?: string;
  /** @default - the provider's default audience */
  readonly audiences?: readonly string[];
}

/** HashiCorp Vault, KV engine, Kubernetes auth. */
export interface VaultStoreProvider {
  readonly provider: 'vault';
  /** `https://vault.example:8200`. */
  readonly server: string;
  /** Mount path of the KV engine. */
  readonly path: string;
  readonly version: 'v1' | 'v2';
  /** @default - Vault's root namespace */
  readonly vaultNamespace?: string;
  /** The PEM bundle, base64-encoded as the CRD wants it. @default - the system roots */
  readonly caBundle?: string;
  /** @default - the system roots, or `caBundle` */
  readonly caProvider?: { readonly type: 'Secret' | 'ConfigMap'; readonly name: string; readonly key: string; readonly namespace?: string };
  readonly auth: {
    readonly kubernetes: { readonly mountPath: string; readonly role: string; readonly serviceAccountRef?: ServiceAccountSelector };
  };
}

/** AWS Secrets Manager or Parameter Store. */
export interface AwsStoreProvider {
  readonly provider: 'aws';
  readonly service: 'SecretsManager' | 'ParameterStore';
  readonly region: string;
  /** A role to assume. @default - none: the credentials of `auth` */
  readonly role?: string;
  /** @default - none */
  readonly prefix?: string;
  /** @default - the controller's own credentials */
  readonly auth?: {
    readonly jwt?: { readonly serviceAccountRef: ServiceAccountSelector };
    readonly secretRef?: {
      readonly accessKeyIDSecretRef: SecretKeySelector;
      readonly secretAccessKeySecretRef: SecretKeySelector;
      readonly sessionTokenSecretRef?: SecretKeySelector;
    };
  };
}

/** Google Cloud Secret Manager. */
export interface GcpStoreProvider {
  readonly provider: 'gcpsm';
  readonly projectID: string;
  /** @default - global secrets */
  readonly location?: string;
  /** @default - the controller's own credentials */
  readonly auth?: {
    readonly workloadIdentity?: {
      readonly serviceAccountRef: ServiceAccountSelector;
      readonly clusterLocation?: string;
      readonly clusterName?: string;
      readonly clusterProjectID?: string;
    };
    readonly secretRef?: { readonly secretAccessKeySecretRef: SecretKeySelector };
  };
}

/** Where a store reads: one provider, holding references only. */
export type SecretStoreProvider = VaultStoreProvider | AwsStoreProvider | GcpStoreProvider;

/** A SecretStore or ClusterSecretStore of External Secrets Operator. */
export interface ISecretStore {
  /** `metadata.name`. */
  readonly storeName: string;
  readonly kind: SecretStoreKind;
  /** `external-secrets.io/<apiVersion>`. */
  readonly apiVersion: ExternalSecretsApiVersion;
  /** Whether the object is defined in this app (false for `fromStoreName`). */
  readonly defined: boolean;
  /** Whether an ExternalSecret in `namespace` may use the store (ESO refuses it otherwise). */
  isUsableFrom(namespace: string | undefined): boolean;
}

export interface SecretStoreProps {
  /** `metadata.name`. */
  readonly storeName: string;
  /** Where the store reads, and how it authenticates there. */
  readonly provider: SecretStoreProvider;
  /** @default 'SecretStore' */
  readonly kind?: SecretStoreKind;
  /**
   * `v1` is the only version ESO 0.17 and later serve; `v1beta1` is for clusters on older ESO.
   * @default 'v1'
   */
  readonly apiVersion?: ExternalSecretsApiVersion;
  /**
   * ClusterSecretStore only: the namespaces whose ExternalSecrets may use it (`spec.conditions`).
   * More can be added with `allowNamespace`.
   * @default - every namespace (no condition)
   */
  readonly namespaces?: readonly string[];
  /**
   * Labels that replace the chart's. A ClusterSecretStore emitted by several environment charts
   * must be the same object in each, so it cannot carry any one environment's labels.
   * @default - the chart's labels
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * Where External Secrets Operator reads the values: Vault (KV v1/v2, Kubernetes auth), AWS
 * Secrets Manager / Parameter Store (IRSA or a credentials Secret) or GCP Secret Manager
 * (Workload Identity or a key Secret). A `ClusterSecretStore` is cluster-scoped: it carries no
 * namespace, and its conditions list the namespaces allowed to use it.
 *
 * The store holds references only (a role, a ServiceAccount, a Secret name and key); never a credential.
 *
 * @see https://external-secrets.io/latest/api/secretstore/
 * @see https://external-secrets.io/latest/api/clustersecretstore/
 */
export class SecretStore extends Construct implements ISecretStore {
  /** A store that exists outside the app. ExternalSecrets validate that a store they use is defined. */
  public static fromStoreName(scope: Construct, id: string, storeName: string, kind: SecretStoreKind = 'SecretStore', apiVersion: ExternalSecretsApiVersion = 'v1'): ISecretStore {
    return new ImportedSecretStore(scope, id, storeName, kind, apiVersion);
  }

  public readonly storeName: string;
  public readonly kind: SecretStoreKind;
  public readonly apiVersion: ExternalSecretsApiVersion;
  public readonly defined = true;
  protected readonly apiObject: ApiObject;
  private readonly namespaces?: Set<string>;

  constructor(scope: Construct, id: string, props: SecretStoreProps) {
    super(scope, id);
    this.storeName = props.storeName;
    this.kind = props.kind ?? 'SecretStore';
    this.apiVersion = props.apiVersion ?? 'v1';
    const cluster = this.kind === 'ClusterSecretStore';
    if (!cluster && props.namespaces !== undefined) {
      throw new Error('`namespaces` only applies to a ClusterSecretStore: a SecretStore serves its own namespace');
    }
    if (!cluster && !Chart.of(this).namespace) {
      throw new Error(`SecretStore "${this.storeName}" must be created in a Chart with a \`namespace\`: it is namespaced`);
    }
    this.namespaces = props.namespaces === undefined ? undefined : new Set(props.namespaces);

    const spec: eso.SecretStoreSpec = {
      provider: providerSpec(props.provider),
      conditions: Lazy.any({ produce: () => (this.namespaces ? [{ namespaces: this.allowedNamespaces }] : undefined) }) as unknown as eso.SecretStoreSpecConditions[],
    };
    const metadata = { name: this.storeName };
    // The four generated classes share this spec shape; only their enum types differ.
    this.apiObject = cluster
      ? this.apiVersion === 'v1'
        ? new eso.ClusterSecretStore(this, 'Resource', { metadata, spec: spec as unknown as eso.ClusterSecretStoreSpec })
        : new eso.ClusterSecretStoreV1Beta1(this, 'Resource', { metadata, spec: spec as unknown as eso.ClusterSecretStoreV1Beta1Spec })
      : this.apiVersion === 'v1'
        ? new eso.SecretStore(this, 'Resource', { metadata, spec })
        : new eso.SecretStoreV1Beta1(this, 'Resource', { metadata, spec: spec as unknown as eso.SecretStoreV1Beta1Spec });

    if (cluster) {
      // The chart stamps its namespace on every object; a ClusterSecretStore is cluster-scoped.
      this.apiObject.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
    }
    if (props.labels) {
      this.apiObject.addJsonPatch(JsonPatch.replace('/metadata/labels', sorted(props.labels)));
    }

    this.node.addValidation({
      validate: () => {
        const errors: string[] = [];
        if (cluster && props.provider.provider === 'vault' && props.provider.caProvider && !props.provider.caProvider.namespace) {
          errors.push(`ClusterSecretStore "${this.storeName}": caProvider needs a namespace (a cluster-wide store has none of its own)`);
        }
        if (!cluster) {
          for (const where of namespacedReferences(props.provider)) {
            errors.push(`SecretStore "${this.storeName}": ${where} names a namespace, which only a ClusterSecretStore may do (a SecretStore reads from its own namespace)`);
          }
        }
        if (this.namespaces && this.namespaces.size === 0) {
          errors.push(`ClusterSecretStore "${this.storeName}" allows no namespace: no ExternalSecret could use it`);
        }
        return errors;
      },
    });
  }

  /** ClusterSecretStore with conditions: the namespaces allowed, sorted; undefined when every namespace is. */
  public get allowedNamespaces(): string[] | undefined {
    return this.namespaces ? [...this.namespaces].sort() : undefined;
  }

  /** Adds a namespace to the conditions of a ClusterSecretStore that has some. */
  public allowNamespace(namespace: string): void {
    if (!this.namespaces) throw new Error(`store "${this.storeName}" has no namespace conditions to extend`);
    this.namespaces.add(namespace);
  }

  public isUsableFrom(namespace: string | undefined): boolean {
    if (this.kind === 'SecretStore') return namespace === Chart.of(this).namespace;
    return !this.namespaces || (namespace !== undefined && this.namespaces.has(namespace));
  }
}

export type ClusterSecretStoreProps = Omit<SecretStoreProps, 'kind'>;

/**
 * A `ClusterSecretStore`: a `SecretStore` of kind `ClusterSecretStore`, cluster-scoped, usable from the
 * namespaces of `namespaces` (every namespace without it).
 *
 * @see https://external-secrets.io/latest/api/clustersecretstore/
 */
export class ClusterSecretStore extends SecretStore {
  constructor(scope: Construct, id: string, props: ClusterSecretStoreProps) {
    super(scope, id, { ...props, kind: 'ClusterSecretStore' });
  }
}

class ImportedSecretStore extends Construct implements ISecretStore {
  public readonly defined = false;
  constructor(
    scope: Construct,
    id: string,
    public readonly storeName: string,
    public readonly kind: SecretStoreKind,
    public readonly apiVersion: ExternalSecretsApiVersion,
  ) {
    super(scope, id);
  }

  public isUsableFrom(): boolean {
    return true;
  }
}

function providerSpec(p: SecretStoreProvider): eso.SecretStoreSpecProvider {
  switch (p.provider) {
    case 'vault':
      return {
        vault: {
          server: p.server,
          path: p.path,
          version: p.version === 'v1' ? eso.SecretStoreSpecProviderVaultVersion.V1 : eso.SecretStoreSpecProviderVaultVersion.V2,
          namespace: p.vaultNamespace,
          caBundle: p.caBundle,
          caProvider: p.caProvider && {
            type: p.caProvider.type === 'Secret' ? eso.SecretStoreSpecProviderVaultCaProviderType.SECRET : eso.SecretStoreSpecProviderVaultCaProviderType.CONFIG_MAP,
            name: p.caProvider.name,
            key: p.caProvider.key,
            namespace: p.caProvider.namespace,
          },
          auth: {
            kubernetes: {
              mountPath: p.auth.kubernetes.mountPath,
              role: p.auth.kubernetes.role,
              serviceAccountRef: serviceAccount(p.auth.kubernetes.serviceAccountRef),
            },
          },
        },
      };
    case 'aws':
      return {
        aws: {
          service: p.service === 'SecretsManager' ? eso.SecretStoreSpecProviderAwsService.SECRETS_MANAGER : eso.SecretStoreSpecProviderAwsService.PARAMETER_STORE,
          region: p.region,
          role: p.role,
          prefix: p.prefix,
          auth: p.auth && {
            jwt: p.auth.jwt && { serviceAccountRef: serviceAccount(p.auth.jwt.serviceAccountRef) },
            secretRef: p.auth.secretRef && {
              accessKeyIdSecretRef: secretKey(p.auth.secretRef.accessKeyIDSecretRef),
              secretAccessKeySecretRef: secretKey(p.auth.secretRef.secretAccessKeySecretRef),
              sessionTokenSecretRef: secretKey(p.auth.secretRef.sessionTokenSecretRef),
            },
          },
        },
      };
    case 'gcpsm':
      return {
        gcpsm: {
          projectId: p.projectID,
          location: p.location,
          auth: p.auth && {
            workloadIdentity: p.auth.workloadIdentity && {
              serviceAccountRef: serviceAccount(p.auth.workloadIdentity.serviceAccountRef)!,
              clusterLocation: p.auth.workloadIdentity.clusterLocation,
              clusterName: p.auth.workloadIdentity.clusterName,
              clusterProjectId: p.auth.workloadIdentity.clusterProjectID,
            },
            secretRef: p.auth.secretRef && { secretAccessKeySecretRef: secretKey(p.auth.secretRef.secretAccessKeySecretRef) },
          },
        },
      };
  }
}

function serviceAccount(ref: ServiceAccountSelector | undefined): { name: string; namespace?: string; audiences?: string[] } | undefined {
  return ref && { name: ref.name, namespace: ref.namespace, audiences: ref.audiences ? [...ref.audiences] : undefined };
}

function secretKey(ref: SecretKeySelector | undefined): { name: string; key: string; namespace?: string } | undefined {
  return ref && { name: ref.name, key: ref.key, namespace: ref.namespace };
}

/** Where a provider config names another namespace, for the SecretStore check. */
function namespacedReferences(p: SecretStoreProvider): string[] {
  const found: string[] = [];
  const check = (where: string, ref: { namespace?: string } | undefined) => ref?.namespace !== undefined && found.push(where);
  switch (p.provider) {
    case 'vault':
      check('caProvider', p.caProvider);
      check('auth.kubernetes.serviceAccountRef', p.auth.kubernetes.serviceAccountRef);
      break;
    case 'aws':
      check('auth.jwt.serviceAccountRef', p.auth?.jwt?.serviceAccountRef);
      check('auth.secretRef.accessKeyIDSecretRef', p.auth?.secretRef?.accessKeyIDSecretRef);
      check('auth.secretRef.secretAccessKeySecretRef', p.auth?.secretRef?.secretAccessKeySecretRef);
      check('auth.secretRef.sessionTokenSecretRef', p.auth?.secretRef?.sessionTokenSecretRef);
      break;
    case 'gcpsm':
      check('auth.workloadIdentity.serviceAccountRef', p.auth?.workloadIdentity?.serviceAccountRef);
      check('auth.secretRef.secretAccessKeySecretRef', p.auth?.secretRef?.secretAccessKeySecretRef);
      break;
  }
  return found;
}

function sorted(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.keys(record).sort().map((k) => [k, record[k]]));
}
