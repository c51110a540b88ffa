/**
 * Key pairs made for a test run (never committed), in every form an administrator might store.
 */
import { createHash, generateKeyPairSync, KeyObject } from 'node:crypto';

export interface TestKey {
  readonly privateKey: KeyObject;
  /** Unencrypted PKCS#8 PEM. */
  readonly pkcs8Pem: string;
  /** SPKI PEM, as LocalSnowflake and RSA_PUBLIC_KEY take it (armour stripped for the latter). */
  readonly publicPem: string;
  /** `SHA256:<base64>` as DESC USER shows it. */
  readonly fingerprint: string;
}

export function rsaKey(bits = 2048): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return {
    privateKey,
    pkcs8Pem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
    fingerprint: `SHA256:${createHash('sha256').update(der).digest('base64')}`,
  };
}

/** The same key as encrypted PKCS#8 PEM. */
export function encryptedPem(key: TestKey, passphrase: string): string {
  return key.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }) as string;
}

/** The same key as PKCS#1 PEM (BEGIN RSA PRIVATE KEY). */
export function pkcs1Pem(key: TestKey): string {
  return key.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
}

/** The same key as bare base64 DER (PKCS#8), as some tools print it. */
export function bareBase64(key: TestKey): string {
  return (key.privateKey.export({ type: 'pkcs8', format: 'der' }) as Buffer).toString('base64');
}

export function ecPem(): string {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}
