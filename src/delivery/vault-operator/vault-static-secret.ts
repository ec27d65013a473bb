import type { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import * as vso from '../../../imports/secrets.hashicorp.com';
import { AppSecretBase } from '../../k8s/app-secret';
import { jsonPropsObject } from '../../k8s/json-props-object';
import type { VaultAuth } from './vault-auth';

export interface VaultStaticSecretProps {
  /** Name of the VaultStaticSecret and of the Secret the operator creates. */
  readonly secretName: string;
  readonly auth: VaultAuth;
  readonly mount: string;
  /** Path of the KV secret inside `mount`. */
  readonly path: string;
  /** @default 2 */
  readonly kvVersion?: 1 | 2;
  /** Key of the Secret → template text over the KV fields (`.Secrets`). */
  readonly templates: Readonly<Record<string, { readonly text: string }>>;
  /** @default '1h' */
  readonly refreshAfter?: string;
  /** @default true */
  readonly hmacSecretData?: boolean;
  /** Take over an existing Secret of the same name. @default false */
  readonly overwrite?: boolean;
  /** The Deployment to restart when the data changes. @default - none */
  readonly restartDeployment?: string;
  /** Labels of the Secret the operator creates. @default - none */
  readonly secretLabels?: Readonly<Record<string, string>>;
  /** Vault Enterprise namespace of the secret. @default - the VaultAuth's */
  readonly vaultNamespace?: string;
}

/**
 * A Vault Secrets Operator `VaultStaticSecret`: the operator reads one KV secret and writes the
 * Secret the workload reads, one key per template, none of the raw fields.
 *
 * @see https://developer.hashicorp.com/vault/docs/deploy/kubernetes/vso/api-reference#vaultstaticsecretspec
 */
export class VaultStaticSecret extends AppSecretBase {
  protected readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: VaultStaticSecretProps) {
    super(scope, id, props.secretName);
    const keys = Object.keys(props.templates).sort();
    if (keys.length === 0) throw new Error(`VaultStaticSecret "${props.secretName}" has no templates: the operator would write an empty Secret`);
    const templates: Record<string, { text: string }> = {};
    for (const key of keys) templates[key] = { text: props.templates[key].text };
    // One template a key: made from its JSON, as the L1 class converts the map in time quadratic in its keys.
    this.apiObject = jsonPropsObject<vso.VaultStaticSecretProps>(this, 'Resource', vso.VaultStaticSecret.GVK, {
      metadata: { name: props.secretName },
      spec: {
        vaultAuthRef: props.auth.authName,
        namespace: props.vaultNamespace,
        mount: props.mount,
        path: props.path,
        type: (props.kvVersion ?? 2) === 2 ? vso.VaultStaticSecretSpecType.KV_HYPHEN_V2 : vso.VaultStaticSecretSpecType.KV_HYPHEN_V1,
        refreshAfter: props.refreshAfter ?? '1h',
        hmacSecretData: props.hmacSecretData ?? true,
        destination: {
          name: props.secretName,
          create: true,
          overwrite: props.overwrite ? true : undefined,
          labels: props.secretLabels ? { ...props.secretLabels } : undefined,
          type: 'Opaque',
          transformation: { excludeRaw: true, excludes: ['.*'], templates },
        },
        rolloutRestartTargets: props.restartDeployment ? [{ kind: vso.VaultStaticSecretSpecRolloutRestartTargetsKind.DEPLOYMENT, name: props.restartDeployment }] : undefined,
      },
    });
  }
}
