import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import type { SecretReader } from './secret-reader';

/** A Kubernetes Secret holding the application's environment variables. */
export interface IAppSecret {
  /** `metadata.name` of the Secret. */
  readonly secretName: string;
  /** Lets `reader` `get` this one Secret by name (no list, no watch). */
  grantRead(reader: SecretReader): void;
}

export interface AppSecretProps {
  /** `metadata.name`. */
  readonly secretName: string;
  /**
   * The values, keyed by environment variable name.
   *
   * Only for output that goes to stdout (`aragora-secrets render`): a chart synthesized into
   * `dist/` never holds an `AppSecret` with values, and the leak guard refuses any that would.
   */
  readonly values: Readonly<Record<string, string>>;
  /** @default - no extra labels */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * The plain Secret (delivery method `plain`), as `kubectl create secret generic` makes it.
 *
 * @see https://kubernetes.io/docs/concepts/configuration/secret/
 */
export class AppSecret extends Construct implements IAppSecret {
  /** A Secret that exists outside the app (created at deploy time, by an operator, or by hand). */
  public static fromSecretName(scope: Construct, id: string, secretName: string): IAppSecret {
    return new ImportedAppSecret(scope, id, secretName);
  }

  public readonly secretName: string;
  protected readonly apiObject: k8s.KubeSecret;

  constructor(scope: Construct, id: string, props: AppSecretProps) {
    super(scope, id);
    this.secretName = props.secretName;
    const data: Record<string, string> = {};
    for (const key of Object.keys(props.values).sort()) {
      data[key] = Buffer.from(props.values[key], 'utf8').toString('base64');
    }
    this.apiObject = new k8s.KubeSecret(this, 'Resource', {
      metadata: { name: props.secretName, labels: props.labels ? { ...props.labels } : undefined },
      type: 'Opaque',
      data,
    });
  }

  public grantRead(reader: SecretReader): void {
    reader.allowGet(this.secretName);
  }
}

class ImportedAppSecret extends Construct implements IAppSecret {
  constructor(scope: Construct, id: string, public readonly secretName: string) {
    super(scope, id);
  }

  public grantRead(reader: SecretReader): void {
    reader.allowGet(this.secretName);
  }
}
