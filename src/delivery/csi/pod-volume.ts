import type { MethodPodWiring } from '../../k8s/pod-wiring';
import { CSI_DRIVER, CSI_VOLUME, type CsiDeliveryPlan } from './plan';

/**
 * The pod's side of the CSI delivery: a read-only volume of the driver naming the environment's
 * SecretProviderClass, mounted by the application container. With sync the container also reads the
 * synced Secret (which the driver writes only while this volume is mounted); without, it reads the files.
 */
export function csiPodWiring(delivery: CsiDeliveryPlan): MethodPodWiring {
  return {
    podAnnotations: {},
    volumes: [{ name: CSI_VOLUME, csi: { driver: CSI_DRIVER, readOnly: true, volumeAttributes: { secretProviderClass: delivery.className } } }],
    volumeMounts: [{ name: CSI_VOLUME, mountPath: delivery.mountPath, readOnly: true }],
    withSecret: delivery.syncedSecret !== undefined,
  };
}
