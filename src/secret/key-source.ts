/** Options for a key pair generated inside AWS at deploy time. */
export interface GeneratedKeyOptions {
  /**
   * RSA key size in bits: 2048 or 4096.
   *
   * @default 2048
   */
  readonly keySize?: number;

  /**
   * Encrypt the private key (PKCS#8, AES-256-CBC) with a random passphrase, stored in the
   * same secret under `passphrase`.
   *
   * This adds no protection beyond the secret's own encryption, since both live in one
   * secret; turn it on where a policy requires encrypted key files.
   *
   * @default false
   */
  readonly encryptPrivateKey?: boolean;

  /**
   * A counter that asks for a new key. Increase it (1, 2, 3, ...) and deploy to replace the
   * stored key; Secrets Manager keeps the replaced value as AWSPREVIOUS until the next write,
   * and a CloudFormation rollback restores it.
   *
   * Changing connection settings (warehouse, role, ...) never replaces the key. The new key is
   * current as soon as the deploy finishes, so register it in Snowflake right away
   * (see docs/security.md, "Rotation").
   *
   * @default 1
   */
  readonly keyGeneration?: number;
}

/**
 * Where the secret's key pair comes from.
 */
export class KeySource {
  /**
   * Generate the RSA key pair inside AWS at deploy time (the default).
   *
   * A custom-resource Lambda generates it with node:crypto and writes it straight into the
   * secret. The private key never appears in the template, the custom-resource response,
   * CloudFormation events or logs.
   */
  public static generate(options: GeneratedKeyOptions = {}): KeySource {
    return new KeySource('GENERATE', options.keySize ?? 2048, options.encryptPrivateKey ?? false, options.keyGeneration ?? 1);
  }

  /**
   * Bring your own key: the secret holds only the connection settings, and an administrator
   * pastes `privateKey` (and `passphrase`, if the key is encrypted) into it later.
   *
   * Deploys never touch the key fields in this mode. Runtime code reading the secret before
   * the key is pasted gets a clear "unfilled" error. Switching to `KeySource.generate()` later
   * adopts a pasted key rather than replacing it.
   */
  public static bringYourOwn(): KeySource {
    return new KeySource('BRING_YOUR_OWN', undefined, undefined, undefined);
  }

  private constructor(
    /** @internal */ public readonly _mode: 'GENERATE' | 'BRING_YOUR_OWN',
    /** @internal */ public readonly _keySize: number | undefined,
    /** @internal */ public readonly _encryptPrivateKey: boolean | undefined,
    /** @internal */ public readonly _keyGeneration: number | undefined,
  ) {}
}
