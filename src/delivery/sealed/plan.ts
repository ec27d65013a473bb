import { compareStrings, sortRecord } from '../../core/sort';
import type { SealScope } from './schema';
import { UNSEALED_PLACEHOLDER_PREFIX } from './ciphertext';
import { sealedValuesProblems } from './sealed-entry';
import type { SealedValuesFile } from './sealed-file';
import { LEGACY_SEALED_API_VERSION, sealedFilePath } from './sealed-file';

/** What synth knows about the controller's current certificate of an environment. */
export interface CurrentCertificate {
  readonly path: string;
  readonly fingerprint: string;
  /** Size of its RSA key: every value sealed for it has an RSA block of `modulusBits / 8` bytes. */
  readonly modulusBits?: number;
}

export interface SealedDeliveryPlan {
  readonly method: 'sealed';
  readonly scope: SealScope;
  /** The SealedSecret takes over an existing Secret: its template carries the controller's `managed` annotation. */
  readonly manageExisting: boolean;
  /** `sealed/<env>.yaml`, relative to the project root. */
  readonly sealedFile: string;
  /** Ciphertext per key, or the placeholder for keys that still need sealing; sorted by key. */
  readonly encryptedData: Readonly<Record<string, string>>;
  /** Keys carrying the placeholder: the controller will refuse the SealedSecret until they are sealed. */
  readonly unsealed: readonly string[];
  /** Optional keys with no sealed value: left out, so that the others still unseal. */
  readonly omitted: readonly string[];
  readonly certificate?: CurrentCertificate;
  /** Fingerprint of the controller key each sealed value was sealed for, by key (for the review report). */
  readonly sealedWith?: Readonly<Record<string, string>>;
  /** Per sealed key: the expiry (ISO 8601) of the certificate it was sealed for, when recorded. */
  readonly certificateExpiry?: Readonly<Record<string, string>>;
}

interface SealedInput {
  readonly environment: string;
  readonly namespace: string;
  readonly secretName: string;
  readonly scope: SealScope;
  readonly manageExisting?: boolean;
  readonly secrets: readonly { readonly name: string; readonly status: string; readonly group?: string }[];
  readonly file: SealedValuesFile | undefined;
  readonly certificate: CurrentCertificate | undefined;
}

export interface SealedResolution {
  readonly delivery: SealedDeliveryPlan;
  readonly warnings: string[];
  /** Problems that make the sealed values unusable (the controller would refuse them). */
  readonly errors: string[];
}

export function placeholderFor(environment: string): string {
  return `${UNSEALED_PLACEHOLDER_PREFIX}run: aragora-secrets seal --env ${environment}`;
}

export function resolveSealed(input: SealedInput): SealedResolution {
  const { environment, file } = input;
  const sealedFile = sealedFilePath(environment);
  const warnings: string[] = [];
  const errors: string[] = [];
  const target = { name: input.secretName, namespace: input.namespace, scope: input.scope };
  const sealed: Record<string, string> = {};
  const sealedWith: Record<string, string> = {};
  const certificateExpiry: Record<string, string> = {};

  if (file) {
    const was = file.target;
    const sameTarget = was.name === target.name && was.namespace === target.namespace && was.scope === target.scope;
    if (!sameTarget) {
      errors.push(
        `${sealedFile} was sealed for Secret "${was.name}" in namespace "${was.namespace}" (${was.scope}), but environment ${environment} now delivers ` +
          `"${target.name}" in "${target.namespace}" (${target.scope}); the controller would refuse every value. ` +
          `Seal them again: aragora-secrets seal --env ${environment} --cert CERT.pem --env-file .env`,
      );
    }
    const delivered = new Set(input.secrets.map((s) => s.name));
    // With another target every value is refused already (above): one error says it all.
    const problems = sameTarget
      ? sealedValuesProblems(file.values, {
          target: was,
          bound: !file.legacyFormat,
          keyBytes: (fingerprint) =>
            input.certificate?.modulusBits && fingerprint === input.certificate.fingerprint ? input.certificate.modulusBits / 8 : undefined,
          otherKeys: [...delivered],
        })
      : {};
    const reseal = (key: string) => `aragora-secrets seal --env ${environment} --cert CERT.pem --from-stdin ${key} (or --env-file FILE), or restore ${sealedFile} from git`;
    for (const [key, found] of Object.entries(problems)) {
      if (!delivered.has(key)) continue;
      for (const problem of found) errors.push(`${sealedFile}: values.${key}.${problem.field}: ${problem.message}. Seal ${key} again: ${reseal(key)}`);
    }
    if (file.legacyFormat) {
      warnings.push(
        `${sealedFile} is in the older format (${LEGACY_SEALED_API_VERSION}): its entries are not bound to their keys and ciphertext, so an edited, moved or swapped entry ` +
          `goes unnoticed. Seal environment ${environment} once (aragora-secrets seal --env ${environment} --cert CERT.pem --env-file FILE) to upgrade it`,
      );
    }
    for (const [key, value] of Object.entries(file.values)) {
      if (!delivered.has(key)) {
        warnings.push(`${sealedFile}: ${key} is not delivered in environment ${environment} (not in the catalog, or its feature is off); it is left out`);
        continue;
      }
      if (problems[key]) continue;
      sealed[key] = value.encrypted;
      sealedWith[key] = value.certificate;
      if (value.certificateNotAfter) certificateExpiry[key] = value.certificateNotAfter;
      if (input.certificate && value.certificate !== input.certificate.fingerprint) {
        warnings.push(
          `${sealedFile}: ${key} was sealed for certificate ${short(value.certificate)}, not the current ${short(input.certificate.fingerprint)} (${input.certificate.path}); ` +
            `the controller still unseals it while it keeps the old key, but re-seal after a key renewal`,
        );
      }
    }
  }

  const groupsWithValue = new Set(input.secrets.filter((s) => s.group && sealed[s.name]).map((s) => s.group));
  const encryptedData: Record<string, string> = {};
  const unsealed: string[] = [];
  const omitted: string[] = [];
  for (const secret of [...input.secrets].sort((a, b) => compareStrings(a.name, b.name))) {
    if (sealed[secret.name]) {
      encryptedData[secret.name] = sealed[secret.name];
    } else if (secret.status === 'required' || (secret.status === 'one-of' && !groupsWithValue.has(secret.group))) {
      encryptedData[secret.name] = placeholderFor(environment);
      unsealed.push(secret.name);
    } else {
      omitted.push(secret.name);
    }
  }
  if (unsealed.length > 0) {
    warnings.push(
      `environment ${environment}: ${unsealed.length} key(s) still need sealing (placeholders in the SealedSecret): ${unsealed.join(', ')}. ` +
        `Run: aragora-secrets seal --env ${environment} --cert CERT.pem --env-file .env`,
    );
  }
  return {
    delivery: {
      method: 'sealed',
      scope: input.scope,
      manageExisting: input.manageExisting ?? false,
      sealedFile,
      encryptedData,
      unsealed,
      omitted,
      certificate: input.certificate,
      sealedWith: sortRecord(sealedWith),
      certificateExpiry: sortRecord(certificateExpiry),
    },
    warnings,
    errors,
  };
}


function short(fingerprint: string): string {
  return fingerprint.slice(0, 'sha256:'.length + 12);
}
