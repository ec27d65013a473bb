import { Construct } from 'constructs';
import { Password } from '../../../imports/generators.external-secrets.io';

/** An ESO generator an ExternalSecret can take values from (`dataFrom[].sourceRef.generatorRef`). */
export interface IGenerator {
  readonly generatorName: string;
  readonly kind: 'Password';
  /** `generators.external-secrets.io/v1alpha1`. */
  readonly apiVersion: string;
  /** The key the generator writes its value under. */
  readonly outputKey: string;
}

export interface PasswordGeneratorProps {
  /** `metadata.name`. */
  readonly generatorName: string;
  /**
   * 44 characters (33 letters, 11 digits at random places) carry about 257 bits, at least as much as the guide's
   * `openssl rand -base64 32` (256 bits).
   * @default 44
   */
  readonly length?: number;
  /**
   * Symbols make values awkward in shells, URLs and YAML for no gain in strength at this length.
   * @default 0
   */
  readonly symbols?: number;
  /** @default - a quarter of the length (ESO's default) */
  readonly digits?: number;
  /**
   * Repeated characters are allowed: forbidding them removes entropy.
   * @default true
   */
  readonly allowRepeat?: boolean;
  /** @default false */
  readonly noUpper?: boolean;
}

/**
 * ESO's Password generator: a random value made in the cluster, for secrets the catalog marks
 * `generated: true` (the JWT signing secret). Every invocation makes a new value, so the
 * ExternalSecret that uses it must be created once and never refreshed (see `ExternalSecret`
 * `createOnce`); otherwise the value would change at every refresh.
 *
 * Only the generator's parameters are written; the value never leaves the cluster.
 *
 * @see https://external-secrets.io/latest/api/generator/password/
 */
export class PasswordGenerator extends Construct implements IGenerator {
  public readonly generatorName: string;
  public readonly kind = 'Password' as const;
  public readonly apiVersion = Password.GVK.apiVersion;
  public readonly outputKey = 'password';
  protected readonly apiObject: Password;

  constructor(scope: Construct, id: string, props: PasswordGeneratorProps) {
    super(scope, id);
    this.generatorName = props.generatorName;
    const length = props.length ?? 44;
    const symbols = props.symbols ?? 0;
    if (!Number.isInteger(length) || length < 16) throw new Error('`length` must be an integer of at least 16');
    if (symbols + (props.digits ?? 0) > length) throw new Error('`symbols` and `digits` together exceed `length`');
    this.apiObject = new Password(this, 'Resource', {
      metadata: { name: props.generatorName },
      spec: {
        length,
        symbols,
        digits: props.digits,
        allowRepeat: props.allowRepeat ?? true,
        noUpper: props.noUpper ?? false,
      },
    });
  }
}
