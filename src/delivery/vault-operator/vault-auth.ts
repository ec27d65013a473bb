import { Construct } from 'constructs';
import * as vso from '../../../imports/secrets.hashicorp.com';
import type { VaultConnection } from './vault-connection';

export interface VaultAuthProps {
  /** `metadata.name`. */
  readonly authName: string;
  readonly connection: VaultConnection;
  /** Role of Vault's kubernetes auth method. */
  readonly role: string;
  /** ServiceAccount (same namespace) whose token the operator requests and presents to Vault. */
  readonly serviceAccount: string;
  /** Audiences of that token; the role requires them. */
  readonly audiences: readonly string[];
  /** Mount of the kubernetes auth method, without `auth/`. @default 'kubernetes' */
  readonly mount?: string;
  /** Vault Enterprise namespace. @default - the root namespace */
  readonly vaultNamespace?: string;
}

/**
 * A Vault Secrets Operator `VaultAuth`: the operator logs into Vault's kubernetes auth method with a
 * token it requests for `serviceAccount` (the pods never hold it).
 *
 * @see https://developer.hashicorp.com/vault/docs/deploy/kubernetes/vso/api-reference#vaultauthspec
 */
export class VaultAuth extends Construct {
  public readonly authName: string;
  protected readonly apiObject: vso.VaultAuth;

  constructor(scope: Construct, id: string, props: VaultAuthProps) {
    super(scope, id);
    this.authName = props.authName;
    this.apiObject = new vso.VaultAuth(this, 'Resource', {
      metadata: { name: props.authName },
      spec: {
        vaultConnectionRef: props.connection.connectionName,
        method: vso.VaultAuthSpecMethod.KUBERNETES,
        mount: props.mount ?? 'kubernetes',
        namespace: props.vaultNamespace,
        kubernetes: { role: props.role, serviceAccount: props.serviceAccount, audiences: [...props.audiences] },
      },
    });
  }
}
