import { MANAGED_ANNOTATION } from './sealed-secret';
import { annotationsOf, environmentsOf, namespaceIn, problemWith, ref, SEALED_SECRETS_GROUP, secretMadeBy } from '../../checks/objects';
import type { ManifestObject, Problem, Rule, SecretProducer } from '../../checks/types';

/** The checks of the Sealed Secrets delivery (`sealed`). */

/** A SealedSecret makes the Secret its template names (the controller writes it), else one of its own name. */
export const sealedSecretProducer: SecretProducer = {
  kind: 'SealedSecret',
  group: SEALED_SECRETS_GROUP,
  how: 'its controller writes it',
  secretsOf: (object, namespace) => {
    const template = object.spec?.template?.metadata;
    return [
      {
        namespace: typeof template?.namespace === 'string' ? template.namespace : namespace,
        name: typeof template?.name === 'string' ? template.name : object.metadata.name,
      },
    ];
  },
};

export const sealedSecretUnmanagedTarget: Rule = {
  id: 'sealed-secret-unmanaged-target',
  phase: 'objects',
  severity: 'error',
  what: 'A plain Secret beside a SealedSecret of the same name and namespace',
  why: 'the Sealed Secrets controller refuses to overwrite a Secret it does not own unless it carries `sealedsecrets.bitnami.com/managed: "true"` ("already exists and is not managed by SealedSecret"): the sealed values never arrive (with the mark: a warning, each apply writes the plain values back)',
  fix: 'annotate the existing Secret with `sealedsecrets.bitnami.com/managed: "true"`, then stop applying it',
  check: (input) =>
    environmentsOf(input).flatMap((env) => {
      const secrets = new Map<string, ManifestObject>();
      for (const entry of env.objects) {
        const made = secretMadeBy(entry.object, namespaceIn(env, entry.object));
        if (made) secrets.set(`${made.namespace}/${made.name}`, entry);
      }
      return env.objects.flatMap((entry): Problem[] => {
        const made = secretMadeBy(entry.object, namespaceIn(env, entry.object), [sealedSecretProducer]);
        if (made?.producer !== sealedSecretProducer) return [];
        const secret = secrets.get(`${made.namespace}/${made.name}`);
        if (!secret) return [];
        const managed = annotationsOf(secret.object.metadata)[MANAGED_ANNOTATION];
        if (managed !== 'true') {
          return [
            problemWith(
              secret,
              `${ref(secret.object)} exists beside ${ref(entry.object)} without ${MANAGED_ANNOTATION}: "true"${managed === undefined ? '' : ` (it is ${JSON.stringify(managed)}; the controller accepts exactly "true")`}: the controller refuses to overwrite a Secret it does not own ("already exists and is not managed by SealedSecret"), so the sealed values never reach it`,
              `annotate the Secret with ${MANAGED_ANNOTATION}: "true" (kubectl -n ${made.namespace} annotate secret ${made.name} ${MANAGED_ANNOTATION}=true) so the controller adopts it, then remove the plain Secret from the manifests; with aragora-secrets, set delivery.manageExisting: true to keep the mark on the Secret`,
            ),
          ];
        }
        return [
          problemWith(
            secret,
            `${ref(secret.object)} is applied beside ${ref(entry.object)}: the controller adopts it (it carries ${MANAGED_ANNOTATION}), but every apply writes the plain values back until the controller unseals again`,
            'remove the plain Secret from the manifests once the SealedSecret has taken it over',
            { severity: 'warning' },
          ),
        ];
      });
    }),
};

/** The rules of the `sealed` delivery. */
export const SEALED_RULES: readonly Rule[] = [sealedSecretUnmanagedTarget];
