import { z } from 'zod';

export const plainDelivery = z
  .strictObject({ method: z.literal('plain') })
  .describe('A Kubernetes Secret created at deploy time from .env (`aragora-secrets render`); never committed.');

export type PlainDeliveryConfig = z.input<typeof plainDelivery>;

declare module '../../config-kit/schema' {
  interface DeliveryConfigs {
    plain: PlainDeliveryConfig;
  }
}
