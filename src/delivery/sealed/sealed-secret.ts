import type { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import * as bitnami from '../../../imports/bitnami.com';
import { sortRecord } from '../../core/sort';
import { AppSecretBase } from '../../k8s/app-secret';
import { jsonPropsObject } from '../../k8s/json-props-object';
import { checkCiphertext, UNSEALED_PLACEHOLDER_PREFIX } from './ciphertext';

/**
 * Where the ciphertext may be unsealed: `strict` (this name in this namespace), `namespace-wide`
 * (any name in this namespace) or `cluster-wide`.
 */
export type SealedSecretScope = 'strict' | 'namespace-wide' | 'cluster-wide';

export interface SealedSecretProps {
  /** Name of the SealedSecret and of the Secret the controller makes from it. */
  readonly secretName: string;
  /**
   * Ciphertext per key, as `aragora-secrets seal` (or kubeseal) produced it for this name, namespace and scope,
   * or a placeholder starting with `UNSEALED - ` for a key still to seal. Anything else (a plain or
   * base64-encoded value) is refused: it would be committed in clear.
   */
  readonly encryptedData: Readonly<Record<string, string>>;
  /** @default 'strict' */
  readonly scope?: SealedSecretScope;
  /** @default 'Opaque' */
  readonly type?: string;
  /** Labels of the Secret the controller creates. @default - none */
  readonly secretLabels?: Readonly<Record<string, string>>;
  /** @default - no extra labels on the SealedSecret */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * The SealedSecret takes over a Secret that exists already. The controller only overwrites an
   * existing Secret it does not own when that Secret carries `sealedsecrets.bitnami.com/managed:
   * "true"`, and at every unseal it replaces the Secret's annotations with the template's: the
   * template carries the mark too, so the Secret keeps it (the first takeover still needs the
   * existing Secret annotated by hand).
   * @default false
   */
  readonly manageExisting?: boolean;
}

/** The annotation that lets the controller overwrite and adopt an existing Secret (exactly "true"). */
export const MANAGED_ANNOTATION = 'sealedsecrets.bitnami.com/managed';

/** The annotation the controller reads to pick a scope other than strict. */
export const SCOPE_ANNOTATIONS: Readonly<Record<SealedSecretScope, Record<string, string>>> = {
  strict: {},
  'namespace-wide': { 'sealedsecrets.bitnami.com/namespace-wide': 'true' },
  'cluster-wide': { 'sealedsecrets.bitnami.com/cluster-wide': 'true' },
};

/**
 * A Sealed Secrets `SealedSecret` (delivery `sealed`): encrypted values that only the
 * controller in the cluster can turn into the Secret, so it is safe in git.
 *
 * @see https://github.com/bitnami-labs/sealed-secrets#scopes
 */
export class SealedSecret extends AppSecretBase {
  public readonly scope: SealedSecretScope;
  protected readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: SealedSecretProps) {
    super(scope, id, props.secretName);
    this.scope = props.scope ?? 'strict';
    if (Object.keys(props.encryptedData).length === 0) {
      throw new Error(`SealedSecret "${props.secretName}" has no encryptedData: the controller would create an empty Secret`);
    }
    const encryptedData: Record<string, string> = {};
    for (const key of Object.keys(props.encryptedData).sort()) {
      const value = props.encryptedData[key];
      const check = checkCiphertext(value);
      if (!check.ok && !value.startsWith(UNSEALED_PLACEHOLDER_PREFIX)) {
        throw new Error(
          `SealedSecret "${props.secretName}": encryptedData.${key} is not Sealed Secrets ciphertext (${check.problem}); seal the value with kubeseal or aragora-secrets seal`,
        );
      }
      encryptedData[key] = value;
    }
    const annotations = SCOPE_ANNOTATIONS[this.scope];
    const hasAnnotations = Object.keys(annotations).length > 0;
    const templateAnnotations = props.manageExisting ? sortRecord({ ...annotations, [MANAGED_ANNOTATION]: 'true' }) : annotations;
    const hasTemplateAnnotations = Object.keys(templateAnnotations).length > 0;

    this.apiObject = jsonPropsObject<bitnami.SealedSecretProps>(this, 'Resource', bitnami.SealedSecret.GVK, {
      metadata: { name: props.secretName, labels: props.labels ? { ...props.labels } : undefined, annotations: hasAnnotations ? { ...annotations } : undefined },
      spec: {
        encryptedData,
        template: {
          // kubeseal copies the scope annotation into the template too; the controller keeps it on the Secret.
          metadata: {
            name: props.secretName,
            labels: props.secretLabels ? { ...props.secretLabels } : undefined,
            annotations: hasTemplateAnnotations ? { ...templateAnnotations } : undefined,
          },
          type: props.type ?? 'Opaque',
        },
      },
    });
  }
}

