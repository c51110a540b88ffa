import { redact } from '../../../src/runtime/shared/redact';
import { looksLikeKeyMaterial, parseSecretValue, SecretFormatError } from '../../../src/runtime/shared/secret-value';
import { PEM_IN_AN_ERROR } from '../../fixtures/fake-keys';

const ID = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:s-AbCdEf';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';

test('a filled secret parses, and username is accepted for user', () => {
  expect(parseSecretValue(ID, JSON.stringify({ account: 'myorg-myaccount', username: 'SVC', privateKey: KEY, warehouse: 'WH' })))
    .toEqual({ account: 'myorg-myaccount', user: 'SVC', privateKey: KEY, warehouse: 'WH' });
});

test('an unfilled bring-your-own-key secret gets a clear error, not a crash', () => {
  // Exactly what the key-material function writes in bring-your-own-key mode.
  expect(() => parseSecretValue(ID, JSON.stringify({ account: 'myorg-myaccount', user: 'SVC', warehouse: 'WH' })))
    .toThrow(`Secret ${ID}, field "privateKey": is not set yet: the secret holds connection settings only (bring-your-own-key mode, still unfilled).`);
});

test.each([
  [undefined, /holds a binary value/],
  ['not json', /its value is not JSON/],
  ['[1]', /JSON but not an object/],
  [JSON.stringify({ user: 'SVC', privateKey: KEY }), /field "account": is missing/],
  [JSON.stringify({ account: 'https://x.snowflakecomputing.com', user: 'SVC', privateKey: KEY }), /field "account": "https:.*it is a URL/],
  [JSON.stringify({ account: 'a-b', privateKey: KEY }), /field "user": is missing/],
  [JSON.stringify({ account: 'a-b', user: 'svc-x ', privateKey: KEY }), /field "user": "svc-x " is not valid: it ends with a trailing space/],
  [JSON.stringify({ account: 'a-b', user: 'SVC', privateKey: 42 }), /field "privateKey": must be a string, not number/],
  [JSON.stringify({ account: 'a-b', user: 'SVC', privateKey: KEY, host: 'x.example.com' }), /field "host"/],
])('%j is rejected by field', (value, message) => {
  expect(() => parseSecretValue(ID, value)).toThrow(message);
});

test('errors never carry the key, even when it is pasted into the wrong field', () => {
  const pasted = PEM_IN_AN_ERROR;
  for (const value of [
    { account: pasted, user: 'SVC', privateKey: KEY },
    { account: 'a-b', user: pasted, privateKey: KEY },
    { account: 'a-b', user: 'SVC', privateKey: KEY, host: pasted },
  ]) {
    let message = '';
    try {
      parseSecretValue(ID, JSON.stringify(value));
    } catch (error) {
      message = String(error);
    }
    expect(message).toMatch(/holds key material/);
    expect(message).not.toContain('MIIEvQ');
    expect(message).not.toContain('BEGIN PRIVATE KEY');
  }
});

function errorOf(value: string | undefined): SecretFormatError {
  try {
    parseSecretValue(ID, value);
  } catch (error) {
    return error as SecretFormatError;
  }
  throw new Error('no error');
}

test('several missing fields are all named in one error, the first as `field`', () => {
  const error = errorOf('{}');
  expect(error).toBeInstanceOf(SecretFormatError);
  expect(error.code).toBe('SECRET_FIELD_MISSING');
  expect(error.field).toBe('account');
  expect(error.fields).toEqual(['account', 'user', 'privateKey']);
  expect(error.message).toMatch(/3 fields are wrong \("account", "user", "privateKey"\)/);
  expect(error.message).toMatch(/Field "account": is missing.*Field "user": is missing.*Field "privateKey": is not set yet/);
});

test('missing and invalid fields together, of different kinds', () => {
  const error = errorOf(JSON.stringify({ account: 'https://x.snowflakecomputing.com', privateKey: KEY, warehouse: 7, role: '' }));
  expect(error.fields).toEqual(['account', 'user', 'warehouse']);
  expect(error.code).toBe('SECRET_FIELD_INVALID');
  expect(error.message).toMatch(/must be a string, not number/);
});

test('a field of the wrong type is named once', () => {
  const error = errorOf(JSON.stringify({ account: 'a-b', user: 42, privateKey: KEY }));
  expect(error.fields).toEqual(['user']);
  expect(error.message).toMatch(/field "user": must be a string, not number/);
});

test('one problem keeps the one-field message, and `fields` holds it', () => {
  const error = errorOf(JSON.stringify({ user: 'SVC', privateKey: KEY }));
  expect(error.message).toMatch(/^Secret .*, field "account": is missing/);
  expect(error.fields).toEqual(['account']);
});

test.each([
  ['private_key', 'privateKey'],
  ['privatekey', 'privateKey'],
  ['private-key', 'privateKey'],
  ['PrivateKey', 'privateKey'],
  ['Account', 'account'],
  ['ACCOUNT', 'account'],
  ['user_name', 'user'],
  ['User', 'user'],
])('a near-miss name (%s) is named with the expected one (%s)', (found, expected) => {
  const value: Record<string, string> = { account: 'a-b', user: 'SVC', privateKey: KEY };
  value[found] = value[expected];
  delete value[expected];
  const error = errorOf(JSON.stringify(value));
  expect(error.code).toBe('SECRET_FIELD_MISNAMED');
  expect(error.field).toBe(expected);
  expect(error.message).toContain(`field "${expected}": is missing: found "${found}"; the expected name is "${expected}"`);
});

test('a near-miss passphrase name is named too, and its value is never shown', () => {
  const error = errorOf(JSON.stringify({ account: 'a-b', user: 'SVC', privateKey: KEY, pass_phrase: 'hunter2-hunter2' }));
  expect(error.code).toBe('SECRET_FIELD_MISNAMED');
  expect(error.message).toContain('found "pass_phrase"; the expected name is "passphrase"');
  expect(redact('said hunter2-hunter2')).toBe('said [REDACTED]');
});

test('accepted names stay accepted: username for user, and unknown extra fields are ignored', () => {
  expect(parseSecretValue(ID, JSON.stringify({ account: 'a-b', username: 'SVC', privateKey: KEY, keySettings: {}, comment: 'x' })))
    .toEqual({ account: 'a-b', user: 'SVC', privateKey: KEY });
});

test('a byte-order mark before the JSON is ignored, with a warning', () => {
  const writes: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string) => { writes.push(String(chunk)); return true; }) as never;
  try {
    const value = { account: 'a-b', user: 'SVC', privateKey: KEY };
    expect(parseSecretValue(ID, `\uFEFF${JSON.stringify(value)}`)).toEqual(value);
  } finally {
    process.stderr.write = write;
  }
  expect(writes.join('')).toMatch(/"level":"WARN","message":"The secret's value starts with a byte-order mark/);
});

test('key material in a setting is refused without a quote, in every field at once', () => {
  const body = PEM_IN_AN_ERROR.split('\n')[1];
  const pasted = Object.fromEntries(['account', 'user', 'host', 'role', 'warehouse', 'database', 'schema'].map((f) => [f, body]));
  const error = errorOf(JSON.stringify({ ...pasted, privateKey: KEY }));
  expect(error.fields).toEqual(['account', 'user', 'host', 'role', 'warehouse', 'database', 'schema']);
  for (const field of error.fields) expect(error.message).toContain(`Field "${field}": holds key material`);
  expect(error.message).not.toContain(body.slice(40, 52));
  expect(error.message).not.toContain('MIIE');
});

test('a quoted value is cut to 40 characters', () => {
  const error = errorOf(JSON.stringify({ account: 'a-b', user: 'SVC', privateKey: KEY, warehouse: 'Warehouse name '.repeat(20) }));
  const quoted = /"(Warehouse [^"]*)"/.exec(error.message)![1];
  expect(quoted).toMatch(/\.\.\.$/);
  expect(quoted.length).toBe(40);
});

test('looksLikeKeyMaterial: keys and their lines, not names', () => {
  expect(looksLikeKeyMaterial(PEM_IN_AN_ERROR)).toBe(true);
  expect(looksLikeKeyMaterial(PEM_IN_AN_ERROR.split('\n')[1])).toBe(true);
  for (const name of ['myorg-myaccount', 'SVC_LOADER', 'svc.loader@example.com', 'LOAD_WH', 'A'.repeat(60), 'org-acct.privatelink.snowflakecomputing.com']) {
    expect(looksLikeKeyMaterial(name)).toBe(false);
  }
});
