import { compareStrings } from '../../core/sort';
import { ApiObject, Chart, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import * as eso from '../../../imports/external-secrets.io';
import { AppSecretBase } from '../../k8s/app-secret';
import { jsonPropsObject } from '../../k8s/json-props-object';
import { IGenerator, PasswordGenerator } from './password-generator';
import { type ExternalSecretsApiVersion, ISecretStore, SecretStore } from './secret-store';

/** When ESO syncs the Secret. */
export type ExternalSecretRefreshPolicy = 'Periodic' | 'OnChange' | 'CreatedOnce';

export interface ExternalSecretProps {
  /** The Secret ESO creates and owns (`spec.target.name`); also the ExternalSecret's own name. */
  readonly secretName: string;
  /**
   * Where `addData` and `addExtract` read from.
   * @default - none: every value comes from generators
   */
  readonly store?: ISecretStore;
  /**
   * A Go duration: how often ESO reads the store again, hence how soon a rotated value arrives.
   * @default '1h'
   */
  readonly refreshInterval?: string;
  /** @default 'v1' */
  readonly apiVersion?: ExternalSecretsApiVersion;
  /**
   * When ESO syncs the Secret: `Periodic` (every `refreshInterval`), `OnChange` (only when the
   * ExternalSecret changes) or `CreatedOnce`. `v1` only: CRDs before ESO 0.16 have no such field.
   * @default - not written: ESO's default, Periodic
   */
  readonly refreshPolicy?: ExternalSecretRefreshPolicy;
  /**
   * Make the Secret once and never touch its data again: for generated values, which a
   * generator would replace at every refresh. Sets `refreshInterval: 0s`, `refreshPolicy:
   * CreatedOnce` (v1) and an immutable target (which also guards against ESO versions that
   * re-run generators regardless).
   * @default false
   */
  readonly createOnce?: boolean;
  /**
   * Labels of the Secret ESO creates (`spec.target.template.metadata.labels`).
   * @default - none
   */
  readonly secretLabels?: Readonly<Record<string, string>>;
}

interface DataEntry {
  readonly secretKey: string;
  readonly key: string;
  readonly property?: string;
  readonly version?: string;
}

interface ExtractEntry {
  readonly key: string;
  readonly rewrites: readonly { readonly property: string; readonly secretKey: string }[];
}

interface GeneratedEntry {
  readonly secretKey: string;
  readonly generator: IGenerator;
}

/** A Go duration as ESO parses it (`time.ParseDuration`): `1h`, `90s`, `1h30m`, `0.5h`. */
const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

const OWNED_BY_ANOTHER = 'secret is owned by another ExternalSecret';

/**
 * An ExternalSecret: External Secrets Operator reads values from a store (or a generator) and
 * writes them into a Kubernetes Secret it owns (`creationPolicy: Owner`, so the Secret goes
 * away with the ExternalSecret). The manifest holds references only: store, remote key and
 * property; never a value.
 *
 * `deletionPolicy: Retain`: when the remote secret disappears (deleted, renamed, a store
 * outage that answers "not found"), the Kubernetes Secret keeps its last values instead of
 * being deleted under running pods; the ExternalSecret reports the error.
 *
 * ESO fails the whole sync when one `data` property is missing from the store, so add only
 * what the store holds; `addExtract` reads a remote key whole and tolerates missing properties.
 *
 * It is the Secret the workload reads: `grantRead` lets a reader `get` the target Secret.
 *
 * @see https://external-secrets.io/latest/api/externalsecret/
 */
export class ExternalSecret extends AppSecretBase {
  /** The ExternalSecret's own version (`external-secrets.io/<version>`); `apiVersion` is the target Secret's. */
  public readonly esoApiVersion: ExternalSecretsApiVersion;
  public readonly store?: ISecretStore;
  public readonly createOnce: boolean;
  /** `spec.refreshInterval`: `0s` for `createOnce`. */
  public readonly refreshInterval: string;
  protected readonly apiObject: ApiObject;
  private readonly data: DataEntry[] = [];
  private readonly extracts: ExtractEntry[] = [];
  private readonly generated: GeneratedEntry[] = [];

  constructor(scope: Construct, id: string, props: ExternalSecretProps) {
    super(scope, id, props.secretName);
    this.esoApiVersion = props.apiVersion ?? 'v1';
    this.store = props.store;
    this.createOnce = props.createOnce ?? false;
    if (this.createOnce && props.refreshInterval !== undefined && props.refreshInterval !== '0s') {
      throw new Error('`refreshInterval` conflicts with `createOnce` (which never refreshes)');
    }
    if (props.refreshPolicy !== undefined && this.createOnce) {
      throw new Error('`refreshPolicy` conflicts with `createOnce` (which sets CreatedOnce)');
    }
    if (props.refreshPolicy !== undefined && this.esoApiVersion !== 'v1') {
      throw new Error('`refreshPolicy` needs apiVersion v1: ESO releases that serve only v1beta1 have no such field');
    }
    this.refreshInterval = this.createOnce ? '0s' : (props.refreshInterval ?? '1h');
    const refreshPolicy = this.createOnce && this.esoApiVersion === 'v1' ? 'CreatedOnce' : props.refreshPolicy;

    const spec: eso.ExternalSecretSpec = {
      refreshInterval: this.refreshInterval,
      refreshPolicy: refreshPolicy as eso.ExternalSecretSpecRefreshPolicy | undefined,
      secretStoreRef: this.store && { name: this.store.storeName, kind: this.store.kind as eso.ExternalSecretSpecSecretStoreRefKind },
      target: {
        name: this.secretName,
        creationPolicy: eso.ExternalSecretSpecTargetCreationPolicy.OWNER,
        deletionPolicy: eso.ExternalSecretSpecTargetDeletionPolicy.RETAIN,
        immutable: this.createOnce || undefined,
        template: {
          type: 'Opaque',
          metadata: props.secretLabels && Object.keys(props.secretLabels).length > 0 ? { labels: sorted(props.secretLabels) } : undefined,
        },
      },
      data: Lazy.any({ produce: () => this.renderData() }) as unknown as eso.ExternalSecretSpecData[],
      dataFrom: Lazy.any({ produce: () => this.renderDataFrom() }) as unknown as eso.ExternalSecretSpecDataFrom[],
    };
    const metadata = { name: this.secretName };
    // Made from its JSON: the L1 class's conversion walks each of a catalog's thousands of data entries once more.
    this.apiObject =
      this.esoApiVersion === 'v1'
        ? jsonPropsObject<eso.ExternalSecretProps>(this, 'Resource', eso.ExternalSecret.GVK, { metadata, spec })
        : jsonPropsObject<eso.ExternalSecretV1Beta1Props>(this, 'Resource', eso.ExternalSecretV1Beta1.GVK, { metadata, spec: spec as unknown as eso.ExternalSecretV1Beta1Spec });

    this.node.addValidation({ validate: () => this.validate() });
  }

  /**
   * Reads `property` of `key` in the store into `secretKey` of the Secret (the whole value when
   * `property` is absent), at `version` (the store's latest when absent).
   */
  public addData(secretKey: string, remoteRef: { readonly key: string; readonly property?: string; readonly version?: string }): void {
    this.requireStore('addData');
    this.data.push({ secretKey, key: remoteRef.key, property: remoteRef.property, version: remoteRef.version });
  }

  /** What `addData` added, sorted by key of the Secret. */
  public get dataEntries(): { readonly secretKey: string; readonly remoteRef: { readonly key: string; readonly property?: string; readonly version?: string } }[] {
    return [...this.data]
      .sort((a, b) => compareStrings(a.secretKey, b.secretKey))
      .map((d) => ({ secretKey: d.secretKey, remoteRef: { key: d.key, property: d.property, version: d.version } }));
  }

  /**
   * Reads `key` whole (a JSON object in the store); `rewrites` rename its properties to keys of
   * the Secret. Properties the store lacks are skipped; the others are copied under their own names.
   */
  public addExtract(key: string, rewrites: readonly { readonly property: string; readonly secretKey: string }[] = []): void {
    this.requireStore('addExtract');
    this.extracts.push({ key, rewrites: [...rewrites] });
  }

  /** Fills `secretKey` from a generator (one invocation per key, so each key gets its own value). */
  public addGenerated(secretKey: string, generator: IGenerator): void {
    this.generated.push({ secretKey, generator });
  }

  /** The keys the Secret will hold for sure (extracted keys depend on the store), sorted. */
  public get secretKeys(): string[] {
    return [...this.data.map((d) => d.secretKey), ...this.generated.map((g) => g.secretKey)].sort();
  }

  private requireStore(method: string): void {
    if (!this.store) throw new Error(`ExternalSecret "${this.secretName}": ${method} reads from a store, but \`store\` is not set`);
  }

  private renderData(): unknown[] | undefined {
    if (this.data.length === 0) return undefined;
    return [...this.data]
      .sort((a, b) => compareStrings(a.secretKey, b.secretKey))
      .map((d) => ({ secretKey: d.secretKey, remoteRef: { key: d.key, property: d.property, version: d.version } }));
  }

  private renderDataFrom(): unknown[] | undefined {
    const entries: unknown[] = [];
    for (const e of [...this.extracts].sort((a, b) => compareStrings(a.key, b.key))) {
      const rewrite = e.rewrites
        .filter((r) => r.property !== r.secretKey)
        .map((r) => ({ regexp: { source: `^${escapeRegExp(r.property)}$`, target: r.secretKey } }));
      entries.push({ extract: { key: e.key }, rewrite: rewrite.length > 0 ? rewrite : undefined });
    }
    for (const g of [...this.generated].sort((a, b) => compareStrings(a.secretKey, b.secretKey))) {
      entries.push({
        sourceRef: { generatorRef: { apiVersion: g.generator.apiVersion, kind: g.generator.kind, name: g.generator.generatorName } },
        rewrite: [{ regexp: { source: `^${escapeRegExp(g.generator.outputKey)}$`, target: g.secretKey } }],
      });
    }
    return entries.length > 0 ? entries : undefined;
  }

  private validate(): string[] {
    const errors: string[] = [];
    const chart = Chart.of(this);
    const name = `ExternalSecret "${this.secretName}"`;

    if (this.refreshInterval !== '0' && !GO_DURATION.test(this.refreshInterval)) {
      errors.push(`${name}: refreshInterval "${this.refreshInterval}" is not a Go duration: write it like "1h", "15m" or "1h30m" ("0s" never refreshes)`);
    }

    if (this.data.length + this.extracts.length + this.generated.length === 0) {
      errors.push(`${name} reads nothing: it would create an empty Secret. Add data, an extract or a generated key`);
    }
    const keys = [...this.data.map((d) => d.secretKey), ...this.generated.map((g) => g.secretKey), ...this.extracts.flatMap((e) => e.rewrites.map((r) => r.secretKey))];
    for (const key of repeated(keys)) {
      errors.push(`${name} writes key "${key}" twice: the last source would silently win`);
    }

    const store = this.store;
    if (store) {
      const definition = findInChart(chart, (c): c is SecretStore => c instanceof SecretStore && c.storeName === store.storeName && c.kind === store.kind);
      if (!definition) {
        errors.push(`${name} uses ${store.kind} "${store.storeName}", which is not defined in this output: define the store in the same environment (config "stores")`);
      } else {
        if (definition.apiVersion !== this.esoApiVersion) {
          errors.push(`${name} is external-secrets.io/${this.esoApiVersion} but ${store.kind} "${store.storeName}" is external-secrets.io/${definition.apiVersion}: a cluster serves one of them; use the same apiVersion`);
        }
        if (!definition.isUsableFrom(chart.namespace)) {
          errors.push(
            store.kind === 'ClusterSecretStore'
              ? `${name} in namespace "${chart.namespace}" uses ClusterSecretStore "${store.storeName}", whose conditions allow only ${definition.allowedNamespaces!.join(', ')}: ESO would refuse it`
              : `${name} in namespace "${chart.namespace}" uses SecretStore "${store.storeName}" of another namespace: a SecretStore serves its own namespace only`,
          );
        }
      }
    }

    for (const g of this.generated) {
      const defined = findInChart(chart, (c): c is PasswordGenerator => c instanceof PasswordGenerator && c.generatorName === g.generator.generatorName);
      if (!defined) {
        errors.push(`${name} takes "${g.secretKey}" from ${g.generator.kind} generator "${g.generator.generatorName}", which is not defined in this output`);
      }
    }
    if (this.generated.length > 0 && !this.createOnce) {
      errors.push(`${name} takes values from a generator but refreshes every interval: the generator would replace them each time. Put generated keys in an ExternalSecret with \`createOnce\``);
    }

    const owners = findAllInChart(chart, (c): c is ExternalSecret => c instanceof ExternalSecret && c !== this && c.secretName === this.secretName);
    if (owners.length > 0) {
      errors.push(`${name}: another ExternalSecret in the namespace targets the same Secret; ESO would refuse it ("${OWNED_BY_ANOTHER}")`);
    }
    return errors;
  }
}

function findInChart<T extends IConstruct>(chart: Chart, test: (c: IConstruct) => c is T): T | undefined {
  return chart.node.findAll().find(test);
}

function findAllInChart<T extends IConstruct>(chart: Chart, test: (c: IConstruct) => c is T): T[] {
  return chart.node.findAll().filter(test);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}


function sorted(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.keys(record).sort().map((k) => [k, record[k]]));
}

/** The strings that occur more than once in `items`, each once, in order of their second occurrence. */
function repeated(items: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const item of items) (seen.has(item) ? twice : seen).add(item);
  return twice;
}
