import { Construct } from 'constructs';
import * as csi from '../../../imports/secrets-store.csi.x-k8s.io';
import type { ISecretReader } from '../../k8s/app-secret';

export interface SecretProviderClassProps {
  /** `metadata.name`, which the pod's CSI volume names in `volumeAttributes.secretProviderClass`. */
  readonly className: string;
  /** The provider the driver hands the mount to (`vault`, `aws`, `gcp`). */
  readonly provider: string;
  /** The provider's parameters (strings; some hold YAML the provider parses). */
  readonly parameters: Readonly<Record<string, string>>;
  /**
   * Sync the mounted objects into this Secret, one key per object of the same name. The driver makes it
   * when a pod mounts the volume and deletes it when the last one is gone.
   * @default - no sync: the application reads the files
   */
  readonly syncedSecret?: { readonly secretName: string; readonly objectNames: readonly string[]; readonly labels?: Readonly<Record<string, string>> };
}

/**
 * A Secrets Store CSI driver `SecretProviderClass`: what the provider reads for a pod that mounts a
 * CSI volume naming it, and optionally the Secret the driver syncs the files into.
 *
 * @see https://secrets-store-csi-driver.sigs.k8s.io/concepts.html#secretproviderclass
 */
export class SecretProviderClass extends Construct {
  /** The synced Secret; empty when there is none (the class is then no Secret to read). */
  public readonly secretName: string;
  public readonly className: string;
  protected readonly apiObject: csi.SecretProviderClass;

  constructor(scope: Construct, id: string, props: SecretProviderClassProps) {
    super(scope, id);
    this.className = props.className;
    this.secretName = props.syncedSecret?.secretName ?? '';
    const sync = props.syncedSecret;
    if (sync && sync.objectNames.length === 0) throw new Error(`SecretProviderClass "${props.className}" syncs no object: the driver would make an empty Secret`);
    this.apiObject = new csi.SecretProviderClass(this, 'Resource', {
      metadata: { name: props.className },
      spec: {
        provider: props.provider,
        parameters: { ...props.parameters },
        secretObjects: sync
          ? [
              {
                secretName: sync.secretName,
                type: 'Opaque',
                labels: sync.labels ? { ...sync.labels } : undefined,
                data: [...sync.objectNames].sort().map((name) => ({ objectName: name, key: name })),
              },
            ]
          : undefined,
      },
    });
  }

  /** Lets `reader` get the synced Secret (nothing when the class syncs none). */
  public grantRead(reader: ISecretReader): void {
    if (this.secretName) reader.allowGet(this.secretName);
  }
}
