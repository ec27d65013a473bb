import { z } from 'zod';

export const SEAL_SCOPES = ['strict', 'namespace-wide', 'cluster-wide'] as const;
export type SealScope = (typeof SEAL_SCOPES)[number];

export const sealedDelivery = z
  .strictObject({
    method: z.literal('sealed'),
    scope: z
      .enum(SEAL_SCOPES)
      .optional()
      .describe('Where the values may be unsealed: `strict` (this name in this namespace), `namespace-wide`, `cluster-wide`. @default strict'),
    certificate: z
      .string()
      .min(1)
      .optional()
      .describe("Path of the controller's current certificate (`kubeseal --fetch-cert`); synth warns about values sealed for another. @default - no check"),
    manageExisting: z
      .boolean()
      .optional()
      .describe('The SealedSecret takes over a Secret that exists already: its template carries sealedsecrets.bitnami.com/managed: "true", so the Secret keeps the mark the controller requires. Annotate the existing Secret once by hand before the first apply. @default false'),
  })
  .describe('A SealedSecret from the encrypted values in sealed/<env>.yaml (`aragora-secrets seal`).');

export type SealedDeliveryConfig = z.input<typeof sealedDelivery>;

declare module '../../config-kit/schema' {
  interface DeliveryConfigs {
    sealed: SealedDeliveryConfig;
  }
}
