/**
 * The SQL API's key-pair JWT (jwt.ts): claims as Snowflake's "Using key-pair authentication" and
 * snowflake-sdk form them, RS256 verified with Node's crypto against the public key, and the cache
 * re-signing by the injected clock.
 */
import { createPublicKey, verify } from 'node:crypto';
import { JWT_LIFETIME_SECONDS, jwtAccount, JwtSigner, jwtSubject, signKeyPairJwt } from '../../../src/runtime/sql-api/jwt';
import { rsaKey } from '../../support/keys';

const key = rsaKey();

function decode(token: string): { header: any; payload: any; signed: Buffer; signature: Buffer } {
  const [h, p, s] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(p, 'base64url').toString('utf8')),
    signed: Buffer.from(`${h}.${p}`),
    signature: Buffer.from(s, 'base64url'),
  };
}

describe('jwtAccount (the account part, as snowflake-sdk forms it)', () => {
  test.each([
    ['myorg-myaccount', 'MYORG-MYACCOUNT'],
    ['myorg-my_account', 'MYORG-MY_ACCOUNT'],
    ['xy12345.us-east-1', 'XY12345'],
    ['xy12345.us-east-2.aws', 'XY12345'],
    ['XY12345', 'XY12345'],
  ])('%s signs as %s', (account, expected) => {
    expect(jwtAccount(account)).toBe(expected);
  });

  test('a global URL cuts the account at its first hyphen (connection_config.js); other URLs, PrivateLink included, do not', () => {
    expect(jwtAccount('myorg-myaccount', 'https://myorg-myaccount.global.snowflakecomputing.com')).toBe('MYORG');
    expect(jwtAccount('myorg-myaccount', 'https://myorg-myaccount.privatelink.snowflakecomputing.com')).toBe('MYORG-MYACCOUNT');
  });
});

describe('signKeyPairJwt', () => {
  const now = Date.UTC(2026, 11, 3, 12, 0, 0, 500);

  test('iss ACCOUNT.USER.SHA256:fp, sub ACCOUNT.USER (upper case), iat/exp in seconds, 59 minutes, RS256 that verifies', () => {
    const { token, expiresAtMs } = signKeyPairJwt({ account: 'myorg-my_account', user: 'svc.loader@example.com', fingerprint: key.fingerprint, privateKey: key.privateKey, nowMs: now });
    const { header, payload, signed, signature } = decode(token);
    expect(header).toEqual({ alg: 'RS256', typ: 'JWT' });
    expect(payload).toEqual({
      iss: `MYORG-MY_ACCOUNT.SVC.LOADER@EXAMPLE.COM.${key.fingerprint}`,
      sub: 'MYORG-MY_ACCOUNT.SVC.LOADER@EXAMPLE.COM',
      iat: Math.floor(now / 1000),
      exp: Math.floor(now / 1000) + JWT_LIFETIME_SECONDS,
    });
    expect(expiresAtMs).toBe(payload.exp * 1000);
    expect(verify('sha256', signed, createPublicKey(key.publicPem), signature)).toBe(true);
    // ... and only with this key: a failing case for the check itself.
    expect(verify('sha256', signed, createPublicKey(rsaKey().publicPem), signature)).toBe(false);
  });

  test('never longer than Snowflake\'s one hour', () => {
    const { payload } = decode(signKeyPairJwt({ account: 'a-b', user: 'u', fingerprint: 'SHA256:x', privateKey: key.privateKey, nowMs: now, lifetimeSeconds: 7200 }).token);
    expect(payload.exp - payload.iat).toBe(3600);
  });

  test('jwtSubject', () => {
    expect(jwtSubject('xy12345.us-east-1', 'app', 'SHA256:abc')).toEqual({ iss: 'XY12345.APP.SHA256:abc', sub: 'XY12345.APP' });
  });
});

describe('JwtSigner: cached, re-signed before it expires by the injected clock', () => {
  test('the same token until less than 5 minutes are left, then a new one', () => {
    let clock = Date.UTC(2026, 11, 3, 12, 0, 0);
    const signer = new JwtSigner({ account: 'testorg-testaccount', user: 'app', pkcs8Pem: key.pkcs8Pem, fingerprint: key.fingerprint }, () => clock);
    const first = signer.token();
    clock += (JWT_LIFETIME_SECONDS - 5 * 60 - 1) * 1000;
    expect(signer.token()).toBe(first);
    expect(signer.signed).toBe(1);
    clock += 1000;
    const second = signer.token();
    expect(second).not.toBe(first);
    expect(signer.signed).toBe(2);
    expect(decode(second).payload.iat).toBe(Math.floor(clock / 1000));
  });

  test('a clock two hours on gives a token valid now, not the expired one', () => {
    let clock = Date.UTC(2026, 11, 3, 12, 0, 0);
    const signer = new JwtSigner({ account: 'testorg-testaccount', user: 'app', pkcs8Pem: key.pkcs8Pem, fingerprint: key.fingerprint }, () => clock);
    const old = decode(signer.token()).payload;
    clock += 2 * 3600 * 1000;
    const fresh = decode(signer.token()).payload;
    expect(old.exp * 1000).toBeLessThan(clock);
    expect(fresh.exp * 1000).toBeGreaterThan(clock);
  });
});
