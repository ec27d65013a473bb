import type { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type * as kplus from 'cdk8s-plus-27';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import { isDnsSubdomain } from '../core/names';
import { jsonPropsObject } from './json-props-object';

/** Who may be granted `get` on a Secret by name: a `SecretReader`, or anything that keeps such a list. */
export interface ISecretReader {
  /** Adds `secretName` to the Secrets this reader may `get`. Prefer `secret.grantRead(reader)`. */
  allowGet(secretName: string): void;
}

/**
 * A Kubernetes Secret holding the application's environment variables, whichever object makes it
 * (a Secret, a SealedSecret the controller unseals, an ExternalSecret ESO syncs).
 *
 * It is a `kplus.ISecret` naming the Secret the pods read, so cdk8s-plus accepts it:
 * `kplus.EnvValue.fromSecretValue({ secret, key })`, `kplus.Env.fromSecret(secret)`,
 * `kplus.Role.allowRead(secret)`.
 */
export interface IAppSecret extends kplus.ISecret {
  /** `metadata.name` of the Secret the pods read. */
  readonly secretName: string;
  /** Lets `reader` `get` this one Secret by name (no list, no watch). */
  grantRead(reader: ISecretReader): void;
}

/**
 * What every Secret of ours shares: the `kplus.ISecret` side describes the Secret the pods read
 * (core `v1` `Secret`, resource `secrets`), not the object that makes it, so RBAC rules and
 * `secretKeyRef`s made by cdk8s-plus name the right thing.
 */
export abstract class AppSecretBase extends Construct implements IAppSecret {
  public readonly apiGroup = '';
  public readonly apiVersion = 'v1';
  public readonly kind = 'Secret';
  public readonly resourceType = 'secrets';

  constructor(
    scope: Construct,
    id: string,
    public readonly secretName: string,
  ) {
    super(scope, id);
    this.node.addValidation({
      validate: () =>
        isDnsSubdomain(secretName)
          ? []
          : [`Secret name "${secretName}" is not a Kubernetes name: use lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters`],
    });
  }

  /** The Secret's `metadata.name` (cdk8s-plus reads it for `secretKeyRef` and `envFrom`). */
  public get name(): string {
    return this.secretName;
  }

  /** The one name RBAC rules made by cdk8s-plus grant (`resourceNames`). */
  public get resourceName(): string {
    return this.secretName;
  }

  /** A `secretKeyRef` to `key` of this Secret, for a cdk8s-plus container's `envVariables`. */
  public envValue(key: string, options?: kplus.EnvValueFromSecretOptions): kplus.EnvValue {
    // Loaded here, by the caller that uses cdk8s-plus: its index costs a synth that does not a tenth of its time.
    const { EnvValue } = require('cdk8s-plus-27') as typeof kplus;
    return EnvValue.fromSecretValue({ secret: this, key }, options);
  }

  public grantRead(reader: ISecretReader): void {
    reader.allowGet(this.secretName);
  }
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
export class AppSecret extends AppSecretBase {
  /** A Secret that exists outside the app (created at deploy time, by an operator, or by hand). */
  public static fromSecretName(scope: Construct, id: string, secretName: string): IAppSecret {
    return new ImportedAppSecret(scope, id, secretName);
  }

  protected readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: AppSecretProps) {
    super(scope, id, props.secretName);
    const data: Record<string, string> = {};
    for (const key of Object.keys(props.values).sort()) {
      data[key] = Buffer.from(props.values[key], 'utf8').toString('base64');
    }
    this.apiObject = jsonPropsObject<k8s.KubeSecretProps>(this, 'Resource', k8s.KubeSecret.GVK, {
      metadata: { name: props.secretName, labels: props.labels ? { ...props.labels } : undefined },
      type: 'Opaque',
      data,
    });
  }
}

class ImportedAppSecret extends AppSecretBase {}
