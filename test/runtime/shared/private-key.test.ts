import { createHash, createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { KeyFormatCode, KeyFormatError, normalisePrivateKey } from '../../../src/runtime/shared/private-key';
import { redact } from '../../../src/runtime/shared/redact';
import { opensshPrivateKey, SELF_SIGNED_CERTIFICATE_PEM } from '../../fixtures/key-forms';
import { scanText } from '../../support/secret-scan';

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

describe('forms that are not a PKCS#8 key get a diagnosis of their own', () => {
  test('a certificate: "a certificate, not a private key"', () => {
    const error = (() => { try { normalisePrivateKey(SELF_SIGNED_CERTIFICATE_PEM); } catch (e) { return e; } return undefined; })();
    expect(error).toBeInstanceOf(KeyFormatError);
    expect((error as KeyFormatError).code).toBe('KEY_IS_CERTIFICATE');
    expect((error as Error).message).toMatch(/a certificate, not a private key/);
  });

  test('an OpenSSH key: says so, and gives the conversion command', () => {
    const openssh = opensshPrivateKey();
    const error = (() => { try { normalisePrivateKey(openssh); } catch (e) { return e; } return undefined; })();
    expect((error as KeyFormatError).code).toBe('KEY_IS_OPENSSH');
    expect((error as Error).message).toMatch(/OpenSSH private key/);
    expect((error as Error).message).toContain('`ssh-keygen -p -m PKCS8 -f <file>`');
    expect(scanText((error as Error).message, 'error', [openssh.split('\n')[1]])).toEqual([]);
  });

  test('base64 of a PEM file is decoded and used, with a warning', () => {
    const key = normalisePrivateKey(Buffer.from(pkcs8).toString('base64'));
    expect(key.pkcs8Pem).toBe(pkcs8);
    expect(key.warnings).toEqual([expect.stringMatching(/^privateKey holds base64 of a PEM file, not the PEM itself/)]);
    const encrypted = privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASSPHRASE }) as string;
    expect(normalisePrivateKey(Buffer.from(encrypted).toString('base64'), PASSPHRASE).pkcs8Pem).toBe(pkcs8);
  });

  test('base64 of a certificate PEM file gets the certificate diagnosis', () => {
    expect(() => normalisePrivateKey(Buffer.from(SELF_SIGNED_CERTIFICATE_PEM).toString('base64'))).toThrow(/a certificate, not a private key/);
  });

  test('a PEM key gives no warning', () => {
    expect(normalisePrivateKey(pkcs8).warnings).toEqual([]);
  });
});

describe('every form of a read key is registered for redaction, fragments included', () => {
  const { privateKey: other } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const shortPassphrase = 'abcd';
  const encrypted = other.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: shortPassphrase }) as string;
  normalisePrivateKey(encrypted, shortPassphrase);
  const decrypted = other.export({ type: 'pkcs8', format: 'pem' }) as string;
  const forms: Array<[string, string]> = [
    ['the stored (encrypted) PEM body', encrypted.split('\n').slice(1, -2).join('')],
    ['the decrypted PKCS#8 body', decrypted.split('\n').slice(1, -2).join('')],
    ['the PKCS#1 body', (other.export({ type: 'pkcs1', format: 'pem' }) as string).split('\n').slice(1, -2).join('')],
    ['the DER base64', other.export({ type: 'pkcs8', format: 'der' }).toString('base64')],
    ['base64 of the PEM file', Buffer.from(decrypted).toString('base64')],
  ];
  test.each(forms)('%s: any 12 characters of it are redacted', (_name, base64) => {
    for (const at of [0, 100, 700, base64.length - 20]) {
      const fragment = base64.slice(at, at + 12);
      expect(redact(`value "${fragment}" is not valid`)).toBe('value "[REDACTED]" is not valid');
      // Inside a longer run, the whole run goes.
      expect(redact(`x${fragment}yz`)).toBe('[REDACTED]');
    }
  });

  test('a passphrase shorter than 8 characters is redacted where it stands alone', () => {
    expect(redact(`passphrase ${shortPassphrase}.`)).toBe('passphrase [REDACTED].');
    // Not inside other words, which would garble every message.
    expect(redact('abcdefgh')).toBe('abcdefgh');
  });

  test('text with no key in it is left alone', () => {
    const text = 'SnowflakeConnectorError: SECRET_FIELD_INVALID SHA256:TNBwaa7Fuf27tHKXE/q9nkA65KngYc3fIzBb3YrGqoU=';
    expect(redact(text)).toBe(text);
  });
});
