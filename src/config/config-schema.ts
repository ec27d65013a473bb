import { configSchemaWith, deliverySchemaOf, type DeliveryMethod } from '../config-kit/schema';
import { clouds } from '../cloud/registry';
import { deliveryMethods } from '../delivery/registry';

/** The delivery methods' names (the short form of `delivery:`), in the registry's order. */
export const DELIVERY_METHODS = deliveryMethods.map((method) => method.name) as [DeliveryMethod, ...DeliveryMethod[]];

/**
 * The schema of `aragora-secrets.yaml` that validation and the JSON Schema use: the generic one
 * (src/config-kit/schema.ts) around the options of the registered delivery methods.
 */
export const { configSchema, environmentSchema } = configSchemaWith(deliverySchemaOf(deliveryMethods.map((method) => method.schema)), {
  environment: Object.fromEntries(clouds.map((cloud) => [cloud.name, cloud.schema])),
  config: Object.assign({}, ...deliveryMethods.map((method) => method.configBlocks ?? {})),
});
