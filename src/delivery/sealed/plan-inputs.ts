import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, UserError } from '../../core/errors';
import type { AragoraSecretsConfig } from '../../config-kit/schema';
import type { CurrentCertificate } from './plan';
import { deliveryOptions } from '../../plan/plan';
import { readCertificateFile } from './certificate-file';
import { readSealedFile, SealedValuesFile } from './sealed-file';
import { readSealingKey } from './sealing';
import type { SealedDeliveryConfig } from './schema';

/** What the sealed method reads besides the config, per environment: the sealed values and the controller's current certificate. */
export type SealedPlanInputs = {
  readonly sealed?: Readonly<Record<string, SealedValuesFile | undefined>>;
  readonly certificates?: Readonly<Record<string, CurrentCertificate | undefined>>;
};

/** Reads what the plan needs besides the config: `sealed/<env>.yaml` and the configured certificates. */
/** @param source how messages name the config (the file as the user gave it) */
export function loadPlanInputs(config: AragoraSecretsConfig, cwd: string, source = 'config'): SealedPlanInputs {
  const sealed: Record<string, SealedValuesFile | undefined> = {};
  const certificates: Record<string, CurrentCertificate | undefined> = {};
  for (const [name, env] of Object.entries(config.environments)) {
    const options = deliveryOptions(env.delivery) as SealedDeliveryConfig;
    if (options.method !== 'sealed') continue;
    sealed[name] = readSealedFile(cwd, name);
    if (options.certificate) {
      const file = resolve(cwd, options.certificate);
      if (!existsSync(file)) {
        throw new ConfigError(source, [
          {
            path: `environments.${name}.delivery.certificate`,
            message: `certificate file "${options.certificate}" not found`,
            fix: `fetch it with \`kubeseal --fetch-cert > ${options.certificate}\` (it is public; commit it), or remove the setting`,
          },
        ]);
      }
      let key;
      try {
        key = readSealingKey(readCertificateFile(file, `certificate file "${options.certificate}"`), options.certificate);
      } catch (e) {
        if (!(e instanceof UserError)) throw e;
        throw new ConfigError(source, [{ path: `environments.${name}.delivery.certificate`, message: e.message }]);
      }
      certificates[name] = { path: options.certificate, fingerprint: key.fingerprint, modulusBits: key.modulusBits };
    }
  }
  return { sealed, certificates };
}
