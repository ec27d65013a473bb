import type { DeliveryMethod } from '../method';
import { vaultOperatorDelivery, type VaultOperatorDeliveryConfig } from './schema';
import { resolveVaultOperatorDelivery, type VaultOperatorDeliveryPlan } from './plan';
import { vaultOperatorProblems } from './validate';
import { VAULT_OPERATOR_RULES, vaultOperatorFacts, vaultOperatorProducers } from './checks';
import { addVaultOperatorDelivery } from './constructs';
import { operatorPolicyHcl, operatorPutValuesScript, operatorSetupScript } from './server-files';
import { VAULT_PUT_VALUES_SCRIPT } from '../../artifacts/vault-put-values';

declare module '../../plan/plan' {
  interface DeliveryPlans {
    'vault-operator': VaultOperatorDeliveryPlan;
  }
}

const code = (text: string) => `\`${text}\``;

function kvName(d: VaultOperatorDeliveryPlan): string {
  return `Vault ${code(d.apiPath)}`;
}

function loginText(d: VaultOperatorDeliveryPlan, namespace: string): string {
  return `ServiceAccount ${code(`${namespace}/${d.serviceAccount.name}`)}${d.serviceAccount.dedicated ? ' (its own; no pod runs as it)' : " (the workload's)"}`;
}

/** Delivery method `vault-operator`: the Vault Secrets Operator copies one KV secret into the environment's Secret. */
export const vaultOperatorMethod: DeliveryMethod<VaultOperatorDeliveryPlan> = {
  name: 'vault-operator',
  description: 'the Vault Secrets Operator copies a Vault KV secret into the Secret (VaultStaticSecret)',
  schema: vaultOperatorDelivery,
  configProblems: vaultOperatorProblems,
  resolve: ({ options, config, environment, env, secretName, secrets }) => ({
    delivery: resolveVaultOperatorDelivery(options as VaultOperatorDeliveryConfig, {
      appName: config.app.name,
      environment,
      secretName,
      workloadName: env.workload?.name ?? config.app.name,
      workloadServiceAccount: config.app.name,
      secrets,
    }),
    warnings: [],
    errors: [],
  }),
  // The operator logs into Vault with a token it requests; the pods read a Secret through the kubelet.
  podAuthenticates: false,
  // The operator restarts the Deployment itself (rolloutRestartTargets); Reloader only when that is off.
  defaultReloader: 'none',
  // The connection and the login before the secret that uses them.
  syncWaves: { VaultConnection: -1, VaultAuth: -1, VaultStaticSecret: 0 },
  applyPhases: { VaultConnection: 'store', VaultAuth: 'store', VaultStaticSecret: 'secret' },
  addTo: (scope, plan, delivery) => ({ secret: addVaultOperatorDelivery(scope, plan, delivery) }),
  // The ServiceAccount the operator logs in as reads what the Vault role reads: the workload's own, or a dedicated one.
  appTokenReads: (delivery) =>
    delivery.serviceAccount.dedicated
      ? 'nothing (the kubelet reads the Secret; no pod mounts a token, so a request for one is unexpected)'
      : `Vault role ${delivery.role} (the Vault Secrets Operator logs in with a token it requests for it)`,
  tokenHolders: (plan, delivery) => [{ namespace: plan.namespace, name: delivery.serviceAccount.name, reads: `Vault role ${delivery.role} (the Vault Secrets Operator logs in with a token it requests for it)` }],
  files: (plan, delivery) => {
    const props = { environment: plan.name, namespace: plan.namespace, delivery };
    return [
      { path: 'vault/policy.hcl', content: operatorPolicyHcl(props) },
      { path: 'vault/setup.sh', content: operatorSetupScript(props) },
      { path: `vault/${VAULT_PUT_VALUES_SCRIPT}`, content: operatorPutValuesScript({ ...props, oneOfGroups: plan.oneOfGroups }) },
    ];
  },
  auditedSecrets: (delivery) => (delivery.tls.caSecret ? [delivery.tls.caSecret] : []),
  chartProblems: (plan, delivery) => (delivery.fields.length === 0 ? [`environment ${plan.name} delivers no secret, so the VaultStaticSecret would write an empty Secret`] : []),
  renderRefusal: (plan) => `the Vault Secrets Operator makes and owns Secret "${plan.secretName}" from Vault; put the values into Vault instead (dist/${plan.name}/vault/${VAULT_PUT_VALUES_SCRIPT})`,
  checks: VAULT_OPERATOR_RULES,
  checkFacts: vaultOperatorFacts,
  secretProducers: vaultOperatorProducers,
  report: {
    summary: (plan, d) =>
      `\`vault-operator\`: VaultStaticSecret ${code(d.staticSecretName)} (Vault Secrets Operator, refresh every ${d.refreshAfter}) copies ${kvName(d)} into Secret ${code(plan.secretName)}` +
      (d.restartTarget ? `, restarting Deployment ${code(d.restartTarget)} on a change` : ''),
    valueSource: (_plan, d, secret) => {
      const field = d.fields.find((f) => f.env === secret.name);
      return field ? `${kvName(d)}, field ${code(field.field)}` : 'not delivered';
    },
    readers: (plan, d) => [
      `Vault Secrets Operator: the controller logs into ${code(`auth/${d.authMount}`)} with role ${code(d.role)} as ${loginText(d, plan.namespace)}, ` +
        `tokens for audience ${code(d.audience)}; the role's policy ${code(d.policyName)} reads ${code(d.apiPath)} only (\`vault/policy.hcl\`, \`vault/setup.sh\`). The pods never talk to Vault, so they need no egress to it.`,
      `Vault Secrets Operator: whoever may create a VaultAuth or VaultStaticSecret in ${code(plan.namespace)} can have the controller log in as a ServiceAccount of the namespace and copy what its role reads into a Secret there.`,
    ],
    readsAuditedElsewhere: { where: 'the reads of the values happen in Vault, by the operator', how: 'enable a Vault audit device' },
    openItems: (_plan, d) => {
      const required = d.fields.filter((f) => f.required).map((f) => code(f.field));
      return [
        ...(required.length > 0 ? [`Vault must hold the required fields of ${kvName(d)}, or the operator fails the sync and leaves the Secret as it was: ${required.join(', ')}.`] : []),
        ...(d.overwrite ? [`The operator takes over an existing Secret ${code(d.staticSecretName)} (\`overwrite: true\`): check that no other tool writes it.`] : []),
      ];
    },
  },
};
