import type { Plan } from './plan';

/** Names that hold where a service is (`DATABASE_URL`, `REDIS_HOST`, `SENTRY_DSN`), not a credential alone. */
const BACKEND_ADDRESS_NAME = /_(?:URL|URI|HOST|HOSTNAME|DSN|ADDR|ADDRESS|ENDPOINT|SERVER)$/;

/**
 * A secret whose name says it locates a backend, in an environment whose NetworkPolicy opens no
 * backend: the pods reach DNS and public HTTPS only, so a database or cache in the cluster or on a
 * private network times out, with nothing in the output saying why. A hint, not an error: the
 * address may be a public HTTPS one.
 */
export function backendHints(plan: Plan): string[] {
  return plan.environments.flatMap((env) => {
    if (!env.network || env.network.egress.some((rule) => rule.purpose.startsWith('backend '))) return [];
    const names = env.secrets.map((s) => s.name).filter((name) => BACKEND_ADDRESS_NAME.test(name));
    if (names.length === 0) return [];
    return [
      `environment ${env.name}: ${names.join(', ')} ${names.length === 1 ? 'looks like the address' : 'look like addresses'} of a backend, but the NetworkPolicy ${env.network.policyName} ` +
        'opens no backend (`network.backends` is empty), so a database or service in the cluster or on a private network is unreachable: ' +
        `list it under environments.${env.name}.network.backends (namespace and podLabels, or cidr; and ports). A public HTTPS address needs nothing.`,
    ];
  });
}
