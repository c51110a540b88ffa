/**
 * RSA key pairs, with Node's own crypto only: no hand-rolled ASN.1 or PEM surgery.
 */
import { createHash, createPublicKey, generateKeyPair, KeyObject, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const generateKeyPairAsync = promisify(generateKeyPair);

/** A freshly generated key pair, in the forms the secret and Snowflake want. */
export interface GeneratedKeyPair {
  /** PKCS#8 PEM, encrypted with `passphrase` when one is given. */
  readonly privateKeyPem: string;
  /** Random passphrase for an encrypted PKCS#8 key. */
  readonly passphrase?: string;
  /** The public key as Snowflake's `RSA_PUBLIC_KEY` wants it. */
  readonly publicKey: PublicKeyInfo;
}

/** A public key as Snowflake shows it. */
export interface PublicKeyInfo {
  /** One line of base64 DER SubjectPublicKeyInfo, no armour: the value of `RSA_PUBLIC_KEY`. */
  readonly spkiBase64: string;
  /** `SHA256:<base64>`: the value of `RSA_PUBLIC_KEY_FP` in `DESC USER`. */
  readonly fingerprint: string;
}

/**
 * Generates an RSA key pair.
 *
 * @param modulusLength key size in bits
 * @param encrypt whether to encrypt the private key (AES-256-CBC PKCS#8) with a random passphrase
 */
export async function generateRsaKeyPair(modulusLength: number, encrypt: boolean): Promise<GeneratedKeyPair> {
  const { privateKey, publicKey } = await generateKeyPairAsync('rsa', { modulusLength, publicExponent: 0x10001 });
  const passphrase = encrypt ? randomBytes(32).toString('base64url') : undefined;
  const privateKeyPem = exportPrivateKey(privateKey, passphrase);
  return { privateKeyPem, passphrase, publicKey: describePublicKey(publicKey) };
}

/** Exports a private key as PKCS#8 PEM, encrypted when a passphrase is given. */
export function exportPrivateKey(privateKey: KeyObject, passphrase?: string): string {
  return passphrase
    ? privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }) as string
    : privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}

/** Describes a public key (or the public half of a private key) as Snowflake shows it. */
export function describePublicKey(key: KeyObject): PublicKeyInfo {
  const publicKey = key.type === 'public' ? key : createPublicKey(key);
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return {
    spkiBase64: der.toString('base64'),
    fingerprint: `SHA256:${createHash('sha256').update(der).digest('base64')}`,
  };
}
