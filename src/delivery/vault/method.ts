import { findByKey } from '../../core/lookup';
import type { DeliveryMethod } from '../method';
import { vaultDelivery, type VaultDeliveryConfig } from './schema';
import { resolveVaultDelivery, type VaultDeliveryPlan } from './plan';
import { vaultProblems } from './validate';
import { VAULT_RULES, vaultFacts } from './checks';
import { sourceEnvCommand, vaultAgentAnnotations, vaultTokenVolume } from './vault-agent';
import { vaultPolicyHcl, vaultPutValuesScript, vaultSetupScript, VAULT_PUT_VALUES_SCRIPT } from './server-files';
import { helmValuesWithAgent } from './helm-values';

declare module '../../plan/plan' {
  interface DeliveryPlans {
    vault: VaultDeliveryPlan;
  }
}

const code = (text: string) => `\`${text}\``;

const envOfField = (field: { readonly env: string }) => field.env;

function vaultSource(d: VaultDeliveryPlan, key: string): string | undefined {
  for (const source of d.sources) {
    const field = findByKey(source.fields, envOfField, key);
    if (field) return `Vault ${code(source.path)}, field ${code(field.field)}`;
  }
  return undefined;
}

/** Delivery method `vault`: the Vault Agent injector renders the values into a file in the pod; no Kubernetes Secret. */
export const vaultMethod: DeliveryMethod<VaultDeliveryPlan> = {
  name: 'vault',
  description: 'the Vault Agent injector renders the values into the pod; no Kubernetes Secret',
  schema: vaultDelivery,
  configProblems: vaultProblems,
  resolve: ({ options, config, environment, secrets }) => ({
    delivery: resolveVaultDelivery(options as VaultDeliveryConfig, { appName: config.app.name, environment, secrets }),
    warnings: [],
    errors: [],
  }),
  // Vault's kubernetes auth logs the agent in with the pod's ServiceAccount token.
  podAuthenticates: true,
  // Reloader restarts pods when a Kubernetes Secret changes; with Vault injection there is none to watch.
  defaultReloader: 'none',
  egress: (delivery) => {
    const peer = delivery.server.peer;
    if (!peer) return [];
    return [
      {
        purpose: 'Vault server (the injected agent authenticates and reads the secrets there)',
        peers: [peer.kind === 'cidr' ? { kind: 'cidr', cidr: peer.cidr, except: [] } : { kind: 'pods', namespace: peer.namespace, podLabels: peer.podLabels }],
        ports: [{ port: delivery.server.port, protocol: 'TCP' }],
      },
    ];
  },
  // The injected agent reads Vault with the pod's token and renders a file; no Secret exists.
  addTo: () => ({}),
  podWiring: (delivery, workload) => {
    // No env from a Secret: the container sources the file the agent renders, then runs the app.
    const run = workload.command ? sourceEnvCommand(delivery.filePath, workload.command) : undefined;
    return {
      podAnnotations: vaultAgentAnnotations(delivery, workload.containerName),
      volumes: [vaultTokenVolume(delivery)],
      command: run?.command,
      args: run?.args,
      needsToken: { uses: 'Vault Agent injection', why: "Vault's kubernetes auth needs it" },
    };
  },
  helmValues: helmValuesWithAgent,
  patchNotes: (plan, vault) =>
    plan.workload.command
      ? []
      : [
          `# Vault Agent injection renders the values into ${vault.filePath}; set the container's command so it sources the file`,
          `# first, e.g. command: ["/bin/sh", "-c", ". ${vault.filePath} && exec \"$0\" \"$@\""] with args: [<your program>, ...]`,
          '# (or set workload.command in the config and this patch carries it).',
        ],
  appTokenReads: (delivery) => `Vault role ${delivery.role} (kubernetes auth)`,
  files: (plan, delivery, { serviceAccountName }) => {
    const props = { environment: plan.name, namespace: plan.namespace, serviceAccountName, delivery, oneOfGroups: plan.oneOfGroups };
    return [
      { path: 'vault/policy.hcl', content: vaultPolicyHcl(props) },
      { path: 'vault/setup.sh', content: vaultSetupScript(props) },
      { path: `vault/${VAULT_PUT_VALUES_SCRIPT}`, content: vaultPutValuesScript(props) },
    ];
  },
  auditedSecrets: (delivery) => (delivery.tls.secret ? [delivery.tls.secret] : []),
  chartProblems: (plan, delivery) => (delivery.sources.length === 0 ? [`environment ${plan.name} delivers no secret, so the Vault Agent has nothing to render`] : []),
  renderRefusal: (plan) =>
    'the Vault Agent renders the values from Vault into the pod; there is no Kubernetes Secret to create; put the values into Vault (dist/' + plan.name + '/vault/put-values.sh)',
  checks: VAULT_RULES,
  checkFacts: vaultFacts,
  report: {
    summary: (_plan, d) => `\`vault\`: Vault Agent injection renders ${code(d.filePath)} from ${d.sources.map((s) => code(s.path)).join(', ') || 'nothing'}; no Kubernetes Secret`,
    valueSource: (_plan, d, secret) => vaultSource(d, secret.name) ?? 'not rendered',
    injection: (d) => `sources ${code(d.filePath)} at start`,
    consumer: (_plan, d, secret, deployment) => (vaultSource(d, secret.name) === undefined ? '—' : `${deployment}: exported by ${code(d.filePath)}`),
    readableBy: (d, serviceAccountName) => `Vault role ${code(d.role)} (ServiceAccount ${code(serviceAccountName)})`,
    kubernetesReader: (account, token) => `Kubernetes: ${account} (${token}: Vault's kubernetes auth logs the agent in with it); no Role, since there is no Kubernetes Secret to read.`,
    readers: (plan, d, serviceAccountName) => [
      `Vault: role ${code(d.role)} of ${code(d.authPath)} binds ServiceAccount ${code(serviceAccountName)} in ${code(plan.namespace)} ` +
        `(tokens for audience ${code(d.audience)}, Vault tokens of at most ${d.tokenMaxTtl}); ` +
        `its policy ${code(d.policyName)} reads ${d.sources.map((s) => code(s.path)).join(', ')} only (\`vault/policy.hcl\`, \`vault/setup.sh\`).`,
    ],
    readsAuditedElsewhere: { where: 'the reads happen in Vault', how: 'enable a Vault audit device' },
    openItems: (_plan, d) => {
      const required = d.sources
        .map((s) => ({ path: s.path, fields: s.fields.filter((f) => f.required).map((f) => code(f.field)) }))
        .filter((s) => s.fields.length > 0)
        .map((s) => `${code(s.path)}: ${s.fields.join(', ')}`);
      return required.length > 0 ? [`Vault must hold the required fields, or the agent fails the pod's start: ${required.join('; ')}.`] : [];
    },
  },
};
