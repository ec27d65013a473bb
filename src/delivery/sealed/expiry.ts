import type { EnvironmentPlan } from '../../plan/plan';
import type { SealedDeliveryPlan } from './plan';

/** Warn ahead of time (stderr only: dist/ never depends on the date) when sealed values' certificates expire. */
export function certificateExpiryWarnings(env: EnvironmentPlan, delivery: SealedDeliveryPlan, now: Date, withinDays = 30): string[] {
  const warnings: string[] = [];
  const byCertificate = new Map<string, { expiry: string; keys: string[] }>();
  for (const [key, expiry] of Object.entries(delivery.certificateExpiry ?? {})) {
    const fingerprint = delivery.sealedWith?.[key] ?? 'unknown';
    const entry = byCertificate.get(fingerprint) ?? { expiry, keys: [] };
    entry.keys.push(key);
    byCertificate.set(fingerprint, entry);
  }
  for (const [fingerprint, { expiry, keys }] of byCertificate) {
    const days = Math.floor((Date.parse(expiry) - now.getTime()) / 86_400_000);
    if (days > withinDays) continue;
    const when = days < 0 ? `expired on ${expiry.slice(0, 10)}` : `expires on ${expiry.slice(0, 10)} (in ${days} day(s))`;
    warnings.push(
      `environment ${env.name}: the certificate ${fingerprint.slice(0, 19)}… that ${keys.join(', ')} were sealed for ${when}; ` +
        `fetch the controller's current certificate and seal them again (aragora-secrets seal --env ${env.name} --cert CERT.pem)`,
    );
  }
  return warnings;
}
