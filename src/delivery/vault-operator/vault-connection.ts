import { Construct } from 'constructs';
import * as vso from '../../../imports/secrets.hashicorp.com';

export interface VaultConnectionProps {
  /** `metadata.name`. */
  readonly connectionName: string;
  /** Vault's address as the operator reaches it, e.g. `https://vault.vault.svc:8200`. */
  readonly address: string;
  /** Secret in the same namespace holding Vault's CA certificate under `ca.crt`. @default - the operator's system CAs */
  readonly caCertSecret?: string;
  /** Name to verify in Vault's certificate. @default - the address's host */
  readonly tlsServerName?: string;
}

/**
 * A Vault Secrets Operator `VaultConnection`: where Vault is and how its certificate is verified.
 * Verification is never skipped (`skipTLSVerify: false`, written out so a reviewer sees it).
 *
 * @see https://developer.hashicorp.com/vault/docs/deploy/kubernetes/vso/api-reference#vaultconnectionspec
 */
export class VaultConnection extends Construct {
  public readonly connectionName: string;
  protected readonly apiObject: vso.VaultConnection;

  constructor(scope: Construct, id: string, props: VaultConnectionProps) {
    super(scope, id);
    this.connectionName = props.connectionName;
    this.apiObject = new vso.VaultConnection(this, 'Resource', {
      metadata: { name: props.connectionName },
      spec: {
        address: props.address,
        skipTlsVerify: false,
        caCertSecretRef: props.caCertSecret,
        tlsServerName: props.tlsServerName,
      },
    });
  }
}
