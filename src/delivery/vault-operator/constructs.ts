import type { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
import type { EnvironmentPlan } from '../../plan/plan';
import type { VaultOperatorDeliveryPlan } from './plan';
import { transformationTemplates } from './transformation';
import { VaultAuth } from './vault-auth';
import { VaultConnection } from './vault-connection';
import { VaultStaticSecret } from './vault-static-secret';

/**
 * Delivery method `vault-operator`: the VaultConnection and VaultAuth the operator logs in with (and,
 * by default, a ServiceAccount of their own that no pod runs as), and the VaultStaticSecret that
 * writes the environment's Secret.
 */
export function addVaultOperatorDelivery(scope: Construct, plan: EnvironmentPlan, delivery: VaultOperatorDeliveryPlan): VaultStaticSecret {
  if (delivery.serviceAccount.dedicated) {
    new k8s.KubeServiceAccount(scope, 'VaultAuthServiceAccount', {
      metadata: { name: delivery.serviceAccount.name },
      // The operator requests its tokens through the TokenRequest API; nothing mounts one.
      automountServiceAccountToken: false,
    });
  }
  const connection = new VaultConnection(scope, 'VaultConnection', {
    connectionName: delivery.connectionName,
    address: delivery.address,
    caCertSecret: delivery.tls.caSecret,
    tlsServerName: delivery.tls.serverName,
  });
  const auth = new VaultAuth(scope, 'VaultAuth', {
    authName: delivery.authName,
    connection,
    role: delivery.role,
    serviceAccount: delivery.serviceAccount.name,
    audiences: [delivery.audience],
    mount: delivery.authMount,
    vaultNamespace: delivery.vaultNamespace,
  });
  return new VaultStaticSecret(scope, 'VaultStaticSecret', {
    secretName: delivery.staticSecretName,
    auth,
    mount: delivery.mount,
    path: delivery.path,
    kvVersion: delivery.kvVersion,
    templates: transformationTemplates(delivery.fields),
    refreshAfter: delivery.refreshAfter,
    hmacSecretData: delivery.hmacSecretData,
    overwrite: delivery.overwrite,
    restartDeployment: delivery.restartTarget,
    secretLabels: plan.labels,
  });
}
