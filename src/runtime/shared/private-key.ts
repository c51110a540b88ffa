/**
 * Normalises the private key an administrator stored into what snowflake-sdk accepts:
 * unencrypted PKCS#8 PEM with real newlines. Parsing and decryption are Node's crypto; the only
 * text handling is line breaks and armour.
 *
 * Accepted: PEM with LF or CRLF newlines, with literal `\n` escapes, or flattened onto one line;
 * bare base64 DER (PKCS#8, or PKCS#1); PKCS#1 PEM (`BEGIN RSA PRIVATE KEY`); encrypted PKCS#8
 * with `passphrase`; base64 of a whole PEM file (decoded, with a warning). Rejected with a
 * specific message: a public key, a certificate, an OpenSSH key, a non-RSA key, a truncated or
 * damaged key, a missing or wrong passphrase. No message contains the key or the passphrase:
 * every form of the key is registered with the redaction point before anything can quote it.
 */
import { createPrivateKey, KeyObject } from 'node:crypto';
import { SnowflakeConnectorError } from './errors';
import { describePublicKey, PublicKeyInfo } from './keys';
import { registerKeyMaterial, registerSecret } from './redact';

/** Why a key cannot be used. `code` is stable across releases. */
export type KeyFormatCode =
  | 'KEY_EMPTY'
  | 'KEY_IS_PUBLIC'
  | 'KEY_IS_CERTIFICATE'
  | 'KEY_IS_OPENSSH'
  | 'KEY_NOT_RSA'
  | 'KEY_TOO_SMALL'
  | 'KEY_UNREADABLE'
  | 'KEY_PASSPHRASE_MISSING'
  | 'KEY_PASSPHRASE_WRONG';

/** A stored key that cannot be used. Names the cause and the fix, never the key. */
export class KeyFormatError extends SnowflakeConnectorError {
  public readonly field = 'privateKey';
  declare public readonly code: KeyFormatCode;
  /**
   * @param detail the cause and the fix, without the code
   */
  constructor(code: KeyFormatCode, public readonly detail: string) {
    super(code, detail);
  }

  /** The same error, its message prefixed with where the key came from (a secret's id). */
  within(where: string): KeyFormatError {
    return new KeyFormatError(this.code, `${where}: ${this.detail}`);
  }
}

/** A usable key. */
export interface NormalisedKey {
  /** Unencrypted PKCS#8 PEM with real newlines: what snowflake-sdk's `privateKey` takes. */
  readonly pkcs8Pem: string;
  /** The public half as Snowflake shows it: SPKI base64 and the `SHA256:` fingerprint. */
  readonly publicKey: PublicKeyInfo;
  /** Modulus length in bits. */
  readonly bits: number;
  /** What the caller should log as WARN: the key was read, but not stored the way it should be. Never key material. */
  readonly warnings: string[];
}

const ARMOUR = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/;

/** Normalises a stored key (and its passphrase, if encrypted). */
export function normalisePrivateKey(raw: string, passphrase?: string): NormalisedKey {
  // Before anything can quote them: the key as stored, each of its lines and fragments, and the passphrase.
  registerKeyMaterial(raw);
  registerSecret(passphrase);
  const text = raw.replace(/\\r\\n|\\n|\\r/g, '\n').replace(/\r\n?/g, '\n').trim();
  if (text.length === 0) {
    throw new KeyFormatError('KEY_EMPTY', 'privateKey is empty. Store the PKCS#8 private key (BEGIN PRIVATE KEY) in it');
  }
  const armoured = ARMOUR.exec(text);
  let key: KeyObject;
  if (armoured) {
    const label = armoured[1];
    if (/CERTIFICATE/.test(label)) {
      throw new KeyFormatError('KEY_IS_CERTIFICATE', `privateKey holds a certificate, not a private key (BEGIN ${label}). Store the `
        + 'private key itself (BEGIN PRIVATE KEY): Snowflake key-pair authentication uses no certificate, only the key pair');
    }
    if (label === 'OPENSSH PRIVATE KEY') {
      throw new KeyFormatError('KEY_IS_OPENSSH', 'privateKey is an OpenSSH private key (BEGIN OPENSSH PRIVATE KEY), a format '
        + 'Snowflake drivers cannot read. Convert a copy of the key file to PKCS#8 with `ssh-keygen -p -m PKCS8 -f <file>` '
        + '(it rewrites the file in place, keeping its passphrase; give an empty one to store it unencrypted), then store the '
        + 'new BEGIN PRIVATE KEY text');
    }
    if (/PUBLIC KEY/.test(label)) {
      throw new KeyFormatError('KEY_IS_PUBLIC', `privateKey holds a public key (BEGIN ${label}). Store the private half of the key pair; `
        + 'the public key belongs in Snowflake (ALTER USER ... SET RSA_PUBLIC_KEY)');
    }
    const body = armoured[2].replace(/[^A-Za-z0-9+/=:,\-\n ]/g, '');
    const headers = body.split('\n').filter((line) => line.includes(':')).join('\n');
    const base64 = body.split('\n').filter((line) => !line.includes(':')).join('').replace(/\s+/g, '');
    const pem = `-----BEGIN ${label}-----\n${headers ? `${headers}\n\n` : ''}${(base64.match(/.{1,64}/g) ?? []).join('\n')}\n-----END ${label}-----\n`;
    key = parse({ key: pem, format: 'pem', passphrase }, /ENCRYPTED/.test(label) || /Proc-Type: 4,ENCRYPTED/.test(headers));
  } else if (/^-----BEGIN /.test(text)) {
    throw new KeyFormatError('KEY_UNREADABLE', 'privateKey starts a PEM block that never ends: it looks truncated. Paste the whole key, '
      + 'from -----BEGIN to -----END');
  } else if (/^[A-Za-z0-9+/=\s]+$/.test(text)) {
    const der = Buffer.from(text.replace(/\s+/g, ''), 'base64');
    const decoded = der.toString('utf8');
    if (/^\s*-----BEGIN [A-Z0-9 ]+-----/.test(decoded)) {
      // base64 of a whole PEM file (`base64 -w0 key.p8`): read what it decodes to.
      const inner = normalisePrivateKey(decoded, passphrase);
      return {
        ...inner,
        warnings: [...inner.warnings, 'privateKey holds base64 of a PEM file, not the PEM itself; it was decoded and used. '
          + 'Store the PEM text (-----BEGIN PRIVATE KEY----- ...) instead'],
      };
    }
    key = parseDer(der, passphrase);
  } else {
    throw new KeyFormatError('KEY_UNREADABLE', 'privateKey is neither PEM nor base64. Store the PKCS#8 private key (BEGIN PRIVATE KEY)');
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new KeyFormatError('KEY_NOT_RSA', `privateKey is an ${String(key.asymmetricKeyType).toUpperCase()} key. Snowflake key-pair `
      + 'authentication signs with RS256, so it needs an RSA key: generate one with `openssl genrsa 2048`');
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < 2048) {
    throw new KeyFormatError('KEY_TOO_SMALL', `privateKey is a ${bits}-bit RSA key. Snowflake needs at least 2048 bits`);
  }
  const pkcs8Pem = key.export({ type: 'pkcs8', format: 'pem' }) as string;
  // The forms the key takes from here on (decrypted, re-armoured), and those an administrator may hold.
  registerKeyMaterial(pkcs8Pem);
  registerKeyMaterial(key.export({ type: 'pkcs1', format: 'pem' }) as string);
  registerKeyMaterial(Buffer.from(pkcs8Pem).toString('base64'));
  return { pkcs8Pem, publicKey: describePublicKey(key), bits, warnings: [] };
}

function parseDer(der: Buffer, passphrase?: string): KeyObject {
  for (const type of ['pkcs8', 'pkcs1'] as const) {
    try {
      return createPrivateKey({ key: der, format: 'der', type, ...(passphrase && type === 'pkcs8' ? { passphrase } : {}) });
    } catch { /* try the next form */ }
  }
  // Encrypted PKCS#8 in DER: let Node say whether the passphrase is the problem.
  return parse({ key: der, format: 'der', type: 'pkcs8', passphrase }, true);
}

function parse(input: { key: string | Buffer; format: 'pem' | 'der'; type?: 'pkcs8'; passphrase?: string }, encrypted: boolean): KeyObject {
  if (encrypted && !input.passphrase) {
    throw new KeyFormatError('KEY_PASSPHRASE_MISSING', 'privateKey is encrypted, and the secret has no passphrase. Add the key\'s '
      + 'passphrase to the secret as "passphrase", or store the key unencrypted');
  }
  try {
    const { passphrase, ...rest } = input;
    return createPrivateKey(passphrase ? { ...rest, passphrase } : rest);
  } catch (error) {
    const code = String((error as { code?: string }).code ?? '');
    const message = String((error as Error).message ?? '');
    if (encrypted && /bad decrypt|BAD_DECRYPT|wrong|interrupted|DECRYPT/i.test(`${code} ${message}`)) {
      throw new KeyFormatError('KEY_PASSPHRASE_WRONG', 'privateKey could not be decrypted with the stored passphrase: the passphrase '
        + 'is wrong, or belongs to another key. Store the passphrase the key was encrypted with');
    }
    throw new KeyFormatError('KEY_UNREADABLE', `privateKey could not be read by Node's crypto (${code || 'unknown error'}): it is `
      + 'truncated or damaged. Paste the whole PKCS#8 key, from -----BEGIN to -----END');
  }
}
