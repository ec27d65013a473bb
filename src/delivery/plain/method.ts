import { AppSecret } from '../../k8s/app-secret';
import type { DeliveryMethod } from '../method';
import { plainDelivery } from './schema';

/** The resolved plan of delivery method `plain`: nothing beyond the environment's Secret name. */
export interface PlainDeliveryPlan {
  readonly method: 'plain';
}

declare module '../../plan/plan' {
  interface DeliveryPlans {
    plain: PlainDeliveryPlan;
  }
}

const code = (text: string) => `\`${text}\``;

/** Delivery method `plain`: a Kubernetes Secret created at deploy time from `.env`, never committed. */
export const plainMethod: DeliveryMethod<PlainDeliveryPlan> = {
  name: 'plain',
  description: 'a plain Secret created at deploy time from .env (aragora-secrets render --env ENV | kubectl apply --server-side -f -)',
  schema: plainDelivery,
  resolve: () => ({ delivery: { method: 'plain' }, warnings: [], errors: [] }),
  podAuthenticates: false,
  defaultReloader: 'targeted',
  // Created at deploy time from the team's .env (`aragora-secrets render --env ENV | kubectl apply --server-side -f -`), never committed.
  addTo: (scope, plan) => ({ secret: AppSecret.fromSecretName(scope, 'Secret', plan.secretName), deployTimeSecrets: [plan.secretName] }),
  renderNote: () => 'apply it with `kubectl apply --server-side -f -`: a client-side `kubectl apply` keeps a copy of the values in the last-applied-configuration annotation',
  report: {
    summary: (plan) =>
      `\`plain\`: Secret ${code(plan.secretName)} created at deploy time from \`.env\` (\`aragora-secrets render --env ${plan.name} | kubectl apply --server-side -f -\`); no object in this folder holds it`,
    valueSource: () => '`.env` at deploy time',
    readers: (plan) => [`Whoever creates the Secret at deploy time needs \`create\`/\`update\` on Secrets in ${code(plan.namespace)}; the values live in their \`.env\`.`],
    openItems: (plan) => {
      const required = plan.secrets.filter((s) => s.status === 'required').map((s) => s.name);
      return [
        `The Secret must exist before the pods start${required.length > 0 ? ` and hold ${required.map(code).join(', ')}` : ''}: ` +
          `\`aragora-secrets check --env ${plan.name} --env-file .env\`, then \`aragora-secrets render --env ${plan.name} --env-file .env | kubectl apply --server-side -f -\`.`,
      ];
    },
  },
};
