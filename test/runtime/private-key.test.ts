import { createHash, createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { KeyFormatCode, KeyFormatError, normalisePrivateKey } from '../../src/runtime/shared/private-key';
import { scanText } from '../support/secret-scan';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PASSPHRASE = 'correct horse battery staple';
const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const expectedFingerprint = fingerprint(privateKey);
const secrets = [pkcs8.split('\n')[1], PASSPHRASE];

function fingerprint(key: KeyObject): string {
  const der = createPublicKey(key).export({ type: 'spki', format: 'der' });
  return `SHA256:${createHash('sha256').update(der).digest('base64')}`;
}

describe('accepted forms all normalise to the same unencrypted PKCS#8 key', () => {
  // Every row has three entries: jest passes a done callback in place of missing trailing arguments.
  const forms: Array<[string, string, string | undefined]> = [
    ['PEM with real newlines', pkcs8, undefined],
    ['PEM with CRLF', pkcs8.replace(/\n/g, '\r\n'), undefined],
    ['PEM with literal \\n escapes', JSON.stringify(pkcs8).slice(1, -1), undefined],
    ['PEM flattened onto one line (spaces)', pkcs8.replace(/\n/g, ' '), undefined],
    ['PEM flattened onto one line (no separators)', pkcs8.replace(/\n/g, ''), undefined],
    ['bare base64 DER, PKCS#8', privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'), undefined],
    ['bare base64 DER, PKCS#1', privateKey.export({ type: 'pkcs1', format: 'der' }).toString('base64'), undefined],
    ['PKCS#1 PEM (BEGIN RSA PRIVATE KEY)', privateKey.export({ type: 'pkcs1', format: 'pem' }) as string, undefined],
    ['encrypted PKCS#8 with its passphrase', privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASSPHRASE }) as string, PASSPHRASE],
    ['encrypted PKCS#8, flattened, with its passphrase',
      (privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASSPHRASE }) as string).replace(/\n/g, ' '), PASSPHRASE],
  ];
  test.each(forms)('%s', (_name, raw, passphrase) => {
    const key = normalisePrivateKey(raw, passphrase);
    expect(key.pkcs8Pem).toBe(pkcs8);
    expect(key.publicKey.fingerprint).toBe(expectedFingerprint);
    expect(key.bits).toBe(2048);
  });
});

describe('rejected keys get a specific code and message, never the key or passphrase', () => {
  const encrypted = privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASSPHRASE }) as string;
  const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const lines = pkcs8.trim().split('\n');
  const cases: Array<[string, string, string | undefined, KeyFormatCode, RegExp]> = [
    ['a public key pasted in', createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }) as string, undefined, 'KEY_IS_PUBLIC', /holds a public key.*RSA_PUBLIC_KEY/],
    ['an EC key', ec, undefined, 'KEY_NOT_RSA', /EC key.*RS256.*RSA key/],
    ['a 1024-bit key', small, undefined, 'KEY_TOO_SMALL', /1024-bit.*at least 2048/],
    ['a PEM cut off before its end line', lines.slice(0, 10).join('\n'), undefined, 'KEY_UNREADABLE', /never ends: it looks truncated/],
    ['a PEM with lines missing from the middle', [...lines.slice(0, 5), ...lines.slice(-3)].join('\n'), undefined, 'KEY_UNREADABLE', /truncated or damaged/],
    ['an encrypted key without a passphrase', encrypted, undefined, 'KEY_PASSPHRASE_MISSING', /encrypted, and the secret has no passphrase/],
    ['an encrypted key with a wrong passphrase', encrypted, 'not the passphrase', 'KEY_PASSPHRASE_WRONG', /could not be decrypted with the stored passphrase/],
    ['an empty value', '  ', undefined, 'KEY_EMPTY', /privateKey is empty/],
    ['something that is not a key', 'my-password-123!', undefined, 'KEY_UNREADABLE', /neither PEM nor base64/],
  ];
  test.each(cases)('%s', (_name, raw, passphrase, code, message) => {
    let error: unknown;
    try {
      normalisePrivateKey(raw, passphrase);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KeyFormatError);
    expect((error as KeyFormatError).code).toBe(code);
    expect((error as KeyFormatError).field).toBe('privateKey');
    expect((error as Error).message).toMatch(message);
    expect(scanText(`${(error as Error).message} ${(error as Error).stack}`, 'error', [...secrets, raw.trim().split('\n')[1] ?? raw])).toEqual([]);
  });
});
