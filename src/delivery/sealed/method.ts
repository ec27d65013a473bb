import type { DeliveryMethod } from '../method';
import { addSealCommand } from './commands';
import { certificateExpiryWarnings } from './expiry';
import { loadPlanInputs, type SealedPlanInputs } from './plan-inputs';
import { resolveSealed, type SealedDeliveryPlan } from './plan';
import { sealedDelivery, type SealedDeliveryConfig } from './schema';
import { SealedSecret } from './sealed-secret';
import { SEALED_RULES, sealedSecretProducer } from './checks';
import { unusedSealedFileWarnings } from './unused-sealed-files';
import { listHas } from '../../core/collections';

declare module '../../plan/plan' {
  interface DeliveryPlans {
    sealed: SealedDeliveryPlan;
  }
}

const code = (text: string) => `\`${text}\``;

function shortFingerprint(fingerprint: string): string {
  return `${fingerprint.slice(0, 'sha256:'.length + 16)}…`;
}

/** Delivery method `sealed`: a SealedSecret from the ciphertext committed in `sealed/<env>.yaml` (`aragora-secrets seal`). */
export const sealedMethod: DeliveryMethod<SealedDeliveryPlan> = {
  name: 'sealed',
  description: 'a SealedSecret from sealed/ENV.yaml (aragora-secrets seal --env ENV --cert CERT.pem --env-file .env)',
  schema: sealedDelivery,
  loadInputs: loadPlanInputs,
  resolve: ({ environment, env, options, secretName, secrets, inputs }) => {
    const sealed = options as SealedDeliveryConfig;
    const committed = inputs as SealedPlanInputs;
    return resolveSealed({
      environment,
      namespace: env.namespace,
      secretName,
      scope: sealed.scope ?? 'strict',
      manageExisting: sealed.manageExisting ?? false,
      secrets,
      file: committed.sealed?.[environment],
      certificate: committed.certificates?.[environment],
    });
  },
  podAuthenticates: false,
  defaultReloader: 'targeted',
  syncWaves: { SealedSecret: 0 },
  addTo: (scope, plan, delivery) => ({
    secret: new SealedSecret(scope, 'SealedSecret', {
      secretName: plan.secretName,
      scope: delivery.scope,
      encryptedData: delivery.encryptedData,
      secretLabels: plan.labels,
      manageExisting: delivery.manageExisting,
    }),
  }),
  timelyWarnings: certificateExpiryWarnings,
  projectWarnings: unusedSealedFileWarnings,
  checks: SEALED_RULES,
  secretProducers: [sealedSecretProducer],
  renderNote: (plan) => `environment ${plan.name} uses sealed delivery: seal it (kubeseal, or aragora-secrets seal) rather than applying it`,
  addCommands: addSealCommand,
  report: {
    summary: (plan, d) => `\`sealed\`: SealedSecret ${code(plan.secretName)} (scope ${d.scope}) from ${code(d.sealedFile)}; the Sealed Secrets controller makes Secret ${code(plan.secretName)}`,
    valueSource: (_plan, d, secret) => {
      if (listHas(d.unsealed, secret.name)) return '**placeholder**: not sealed yet';
      if (listHas(d.omitted, secret.name)) return 'left out: no sealed value';
      const fingerprint = d.sealedWith?.[secret.name];
      const expiry = d.certificateExpiry?.[secret.name];
      return `sealed in ${code(d.sealedFile)}${fingerprint ? ` for certificate ${code(shortFingerprint(fingerprint))}` : ''}${expiry ? ` (valid until ${expiry.slice(0, 10)})` : ''}`;
    },
    readers: () => ['Sealed Secrets: only the controller holds the private key that unseals the values; `sealed/` holds ciphertext.'],
    valueCommitted: (d, secret) => Object.hasOwn(d.encryptedData, secret) && !listHas(d.unsealed, secret),
    openItems: (plan, d) => [
      ...(d.unsealed.length > 0
        ? [
            `Placeholders in the SealedSecret, which the controller refuses until they are sealed: ${d.unsealed.map(code).join(', ')}. ` +
              `Run \`aragora-secrets seal --env ${plan.name} --cert CERT.pem --env-file .env\`.`,
          ]
        : []),
      ...(d.omitted.length > 0 ? [`Optional keys left out (no sealed value): ${d.omitted.map(code).join(', ')}.`] : []),
    ],
  },
};
