import { parseSecretValue } from '../../src/runtime/shared/secret-value';
import { PEM_IN_AN_ERROR } from '../fixtures/fake-keys';

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
  [JSON.stringify({ account: 'a-b', user: 'svc-x', privateKey: KEY }), /field "user": "svc-x" is not valid/],
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
