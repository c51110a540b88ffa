/**
 * RSA key pairs generated for a test run (never stored): the private key as the driver takes it,
 * the public key as RSA_PUBLIC_KEY takes it, and its fingerprint as DESC USER shows it.
 */
import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { fingerprintOf } from './jwt';

export interface TestKeyPair {
  readonly privateKey: KeyObject;
  /** Unencrypted PKCS#8 PEM. */
  readonly privateKeyPem: string;
  /** SPKI PEM. */
  readonly publicKeyPem: string;
  /** The SPKI DER in base64, without armour, as `ALTER USER … SET RSA_PUBLIC_KEY='…'` takes it. */
  readonly publicKeyBase64: string;
  /** `SHA256:<base64>`. */
  readonly fingerprint: string;
}

export function newKeyPair(): TestKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
    publicKeyBase64: (publicKey.export({ type: 'spki', format: 'der' })).toString('base64'),
    fingerprint: fingerprintOf(publicKey),
  };
}
