import { MANAGED_ANNOTATION } from '../delivery/sealed/sealed-secret';
import { annotationsOf, finding, groupOf, kindOf, namespaceOf, ref } from './objects';
import type { PitfallRule } from './types';

export const sealedSecretUnmanagedTarget: PitfallRule = {
  id: 'sealed-secret-unmanaged-target',
  what: 'A plain Secret beside a SealedSecret of the same name and namespace',
  why: 'the Sealed Secrets controller refuses to overwrite a Secret it does not own unless it carries `sealedsecrets.bitnami.com/managed: "true"` ("already exists and is not managed by SealedSecret"): the sealed values never arrive',
  fix: 'annotate the existing Secret with `sealedsecrets.bitnami.com/managed: "true"`, then stop applying it',
  check(context) {
    const secrets = new Map(
      context.objects.filter((o) => kindOf(o) === 'Secret' && groupOf(o) === '').map((o) => [`${namespaceOf(o, context)}/${String(o.metadata?.name)}`, o] as const),
    );
    return context.objects.flatMap((obj) => {
      if (kindOf(obj) !== 'SealedSecret') return [];
      const template = obj.spec?.template?.metadata;
      const name = String(template?.name ?? obj.metadata?.name);
      const ns = typeof template?.namespace === 'string' ? template.namespace : namespaceOf(obj, context);
      const secret = secrets.get(`${ns}/${name}`);
      if (!secret) return [];
      const managed = annotationsOf(secret.metadata)[MANAGED_ANNOTATION];
      if (managed !== 'true') {
        return [
          finding(
            context,
            this.id,
            'error',
            secret,
            `${ref(secret)} exists beside ${ref(obj)} without ${MANAGED_ANNOTATION}: "true"${managed === undefined ? '' : ` (it is ${JSON.stringify(managed)}; the controller accepts exactly "true")`}: the controller refuses to overwrite a Secret it does not own ("already exists and is not managed by SealedSecret"), so the sealed values never reach it`,
            `annotate the Secret with ${MANAGED_ANNOTATION}: "true" (kubectl -n ${ns} annotate secret ${name} ${MANAGED_ANNOTATION}=true) so the controller adopts it, then remove the plain Secret from the manifests; with aragora-secrets, set delivery.manageExisting: true to keep the mark on the Secret`,
          ),
        ];
      }
      return [
        finding(
          context,
          this.id,
          'warning',
          secret,
          `${ref(secret)} is applied beside ${ref(obj)}: the controller adopts it (it carries ${MANAGED_ANNOTATION}), but every apply writes the plain values back until the controller unseals again`,
          'remove the plain Secret from the manifests once the SealedSecret has taken it over',
        ),
      ];
    });
  },
};
