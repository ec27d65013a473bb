import { arr, environmentsOf, groupOf, namespaceIn, podTemplates, problemWith, ref, secretReferences } from '../../checks/objects';
import type { Environment } from '../../checks/objects';
import type { ManifestObject, Problem, Rule, SecretProducer } from '../../checks/types';
import { mountedNames } from './parameters';
import { CSI_DRIVER } from './plan';

/** The checks of the Secrets Store CSI delivery (`csi`): SecretProviderClasses and the CSI volumes that name them. */

export const CSI_GROUP = 'secrets-store.csi.x-k8s.io';

/** A SecretProviderClass makes the Secret of its first `secretObjects` entry, while a pod mounts it. */
export const secretProviderClassProducer: SecretProducer = {
  kind: 'SecretProviderClass',
  group: CSI_GROUP,
  how: 'synced by the CSI driver while a pod mounts it',
  secretsOf: (object, namespace) =>
    arr(object.spec?.secretObjects)
      .map((synced: any) => synced?.secretName)
      .filter((name): name is string => typeof name === 'string' && name !== '')
      .map((name) => ({ namespace, name })),
};

function classes(env: Environment): ManifestObject[] {
  return env.objects.filter(({ object }) => object.kind === 'SecretProviderClass' && groupOf(object.apiVersion) === CSI_GROUP);
}

/** The CSI volumes of the driver in the pod templates of a folder: the class each names, with where. */
function csiVolumes(env: Environment): { entry: ManifestObject; namespace: string; className: unknown; readOnly: unknown; location: string }[] {
  return env.objects.flatMap((entry) =>
    podTemplates(entry.object).flatMap((template) =>
      arr(template.spec?.volumes)
        .map((volume: any, i: number) => ({ volume, i }))
        .filter(({ volume }) => volume?.csi?.driver === CSI_DRIVER)
        .map(({ volume, i }) => ({
          entry,
          namespace: namespaceIn(env, entry.object),
          className: volume.csi.volumeAttributes?.secretProviderClass,
          readOnly: volume.csi.readOnly,
          location: `${template.path ? `${template.path}.` : ''}spec.volumes[${i}]`,
        })),
    ),
  );
}

export const csiSyncWithoutMount: Rule = {
  id: 'csi-sync-without-mount',
  phase: 'objects',
  severity: 'error',
  what: 'A Secret synced by a SecretProviderClass, read by a pod that does not mount the class',
  why: 'the CSI driver writes the synced Secret only while a pod mounts a volume naming the class, and deletes it with the last one (secrets-store-csi-driver #298): a pod that only reads the Secret through env never gets it and waits in CreateContainerConfigError (when no pod of the folder mounts the class at all: a warning, the Secret exists only once a pod elsewhere mounts it)',
  fix: 'mount a read-only CSI volume naming the class in every pod that reads the Secret (aragora-secrets does, also in the patch for a Deployment managed elsewhere)',
  check: (input) =>
    environmentsOf(input).flatMap((env) => {
      const mounted = csiVolumes(env);
      return classes(env).flatMap((entry): Problem[] => {
        const synced: string[] = arr(entry.object.spec?.secretObjects).map((s: any) => s?.secretName).filter((n: unknown): n is string => typeof n === 'string');
        if (synced.length === 0) return [];
        const ns = namespaceIn(env, entry.object);
        const className = entry.object.metadata.name;
        const mounts = (object: ManifestObject) => mounted.some((v) => v.entry === object && v.className === className && v.namespace === ns);
        const readers = env.objects.filter((o) => namespaceIn(env, o.object) === ns && podTemplates(o.object).some((t) => secretReferences(t.spec).some((r) => synced.includes(r.name))));
        const problems: Problem[] = readers
          .filter((reader) => !mounts(reader))
          .map((reader) =>
            problemWith(
              reader,
              `${ref(reader.object)} reads Secret ${synced.map((n) => `"${n}"`).join(', ')}, which ${ref(entry.object)} syncs only while a pod mounts a ${CSI_DRIVER} volume naming it, but its pods mount none: they wait for the Secret forever`,
              `mount a read-only CSI volume with volumeAttributes.secretProviderClass: ${className} in ${ref(reader.object)}`,
            ),
          );
        if (!mounted.some((v) => v.className === className && v.namespace === ns)) {
          problems.push(
            problemWith(
              entry,
              `${ref(entry.object)} syncs Secret ${synced.map((n) => `"${n}"`).join(', ')}, but no pod template in this folder mounts a volume naming it: the Secret exists only while a pod elsewhere mounts it`,
              `mount a read-only CSI volume naming ${className} in the workload that reads the Secret (the patch in patches/ does, for a Deployment managed elsewhere)`,
              { location: 'spec.secretObjects', severity: 'warning' },
            ),
          );
        }
        return problems;
      });
    }),
};

export const csiVolumeClass: Rule = {
  id: 'csi-volume-class',
  phase: 'objects',
  severity: 'error',
  what: 'A Secrets Store CSI volume that is not read-only, or names no SecretProviderClass of its namespace',
  why: 'the driver refuses a volume that is not read-only, and one whose class does not exist in the pod\'s namespace: the pod waits in ContainerCreating',
  fix: '`csi.readOnly: true` and `volumeAttributes.secretProviderClass` naming a SecretProviderClass of the same namespace',
  check: (input) =>
    environmentsOf(input).flatMap((env) => {
      const known = classes(env).map((c) => `${namespaceIn(env, c.object)}/${c.object.metadata.name}`);
      return csiVolumes(env).flatMap((v): Problem[] => {
        const out: Problem[] = [];
        if (v.readOnly !== true) {
          out.push(problemWith(v.entry, `${ref(v.entry.object)}: the ${CSI_DRIVER} volume at ${v.location} is not read-only: the driver refuses to mount it`, 'write csi.readOnly: true', { location: `${v.location}.csi.readOnly` }));
        }
        if (typeof v.className !== 'string' || !known.includes(`${v.namespace}/${v.className}`)) {
          out.push(
            problemWith(
              v.entry,
              `${ref(v.entry.object)}: the ${CSI_DRIVER} volume at ${v.location} names SecretProviderClass ${JSON.stringify(v.className)}, which this folder does not define in ${v.namespace}: the pod waits in ContainerCreating`,
              'name the SecretProviderClass of the environment, or add it',
              { location: `${v.location}.csi.volumeAttributes.secretProviderClass` },
            ),
          );
        }
        return out;
      });
    }),
};

export const csiProviderParameters: Rule = {
  id: 'csi-provider-parameters',
  phase: 'objects',
  severity: 'error',
  what: 'A SecretProviderClass whose parameters the provider cannot read, or whose sync names an object it does not mount',
  why: 'the parameters are strings the provider parses again (YAML inside a string): an error there, or a synced object that is not mounted, shows only when a pod tries to start, as a mount failure (secrets-store-csi-driver #1963)',
  fix: 'write `objects` as a YAML list (Vault: `objectName`, `secretPath`, `secretKey`; AWS: `objectName`, `objectType`, `jmesPath` of `path` and `objectAlias`), or `secrets` (Google Cloud: `resourceName`, `fileName`), and sync only objects it names',
  check: (input) =>
    environmentsOf(input).flatMap((env) =>
      classes(env).flatMap((entry): Problem[] => {
        const spec = entry.object.spec ?? {};
        if (spec.provider !== 'vault' && spec.provider !== 'aws' && spec.provider !== 'gcp') return [];
        const parameter = spec.provider === 'gcp' ? 'secrets' : 'objects';
        const parsed = mountedNames(spec.provider, spec.parameters?.[parameter]);
        if ('problem' in parsed) {
          const shape = { aws: '{ objectName, objectType, jmesPath }', gcp: '{ resourceName, fileName }', vault: '{ objectName, secretPath, secretKey }' }[spec.provider as 'aws' | 'gcp' | 'vault'];
          return [problemWith(entry, `${ref(entry.object)}: spec.parameters.${parameter} cannot be read by the ${spec.provider} provider: ${parsed.problem}`, `write a YAML list of ${shape}`, { location: `spec.parameters.${parameter}` })];
        }
        const names = new Set(parsed.names);
        const problems: Problem[] = [];
        if (spec.provider === 'vault' && (typeof spec.parameters?.roleName !== 'string' || spec.parameters.roleName === '')) {
          problems.push(problemWith(entry, `${ref(entry.object)}: spec.parameters.roleName is missing: the Vault provider cannot log in`, 'write the Vault role that binds the workload\'s ServiceAccount', { location: 'spec.parameters.roleName' }));
        }
        if (spec.provider === 'vault' && spec.parameters?.vaultSkipTLSVerify === 'true') {
          problems.push(problemWith(entry, `${ref(entry.object)}: spec.parameters.vaultSkipTLSVerify is "true": the provider sends the pod's token to whoever answers`, "remove it and give Vault's CA (vaultCACertPath)", { location: 'spec.parameters.vaultSkipTLSVerify' }));
        }
        arr(spec.secretObjects).forEach((secretObject: any, i: number) =>
          arr(secretObject?.data).forEach((d: any, j: number) => {
            if (!names.has(d?.objectName)) {
              problems.push(
                problemWith(entry, `${ref(entry.object)}: spec.secretObjects[${i}].data[${j}] syncs object ${JSON.stringify(d?.objectName)}, which spec.parameters.${parameter} does not mount: the driver fails the mount`, `sync only objects that spec.parameters.${parameter} names`, {
                  location: `spec.secretObjects[${i}].data[${j}].objectName`,
                }),
              );
            }
          }),
        );
        return problems;
      }),
    ),
};

/** The rules of the `csi` delivery, in the order reports list them. */
export const CSI_RULES: readonly Rule[] = [csiSyncWithoutMount, csiVolumeClass, csiProviderParameters];
