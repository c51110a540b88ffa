/**
 * Login names: a user's NAME (an identifier) and LOGIN_NAME (a string the driver sends as its
 * `username`) are two things. Logins find users by LOGIN_NAME, case-insensitively; the JWT's
 * `sub` is `<ACCOUNT>.<LOGIN NAME upper-cased>`, `iss` the same plus `.SHA256:<fp>`.
 * Sources: https://docs.snowflake.com/en/sql-reference/sql/create-user (NAME note, LOGIN_NAME);
 * snowflake-sdk lib/authentication/auth_keypair.js (iss/sub, both upper-cased).
 */
import '../src/driver-env';
import * as snowflake from 'snowflake-sdk';
import { driverOptionsFor, DriverLogin, LocalSnowflake, signJwt, startLocalSnowflake } from '../src';
import { connect, connectError, destroy, execute } from '../src/promisified';
import { newKeyPair, TestKeyPair } from '../src/test-keys';

snowflake.configure({ logLevel: 'OFF' });

let endpoint: LocalSnowflake;
let key: TestKeyPair;

beforeAll(async () => {
  endpoint = await startLocalSnowflake();
  key = newKeyPair();
  endpoint.addUser({ name: 'SVC_LOADER_PROD', loginName: 'svc-loader.prod', publicKeys: [key.publicKeyPem] });
  endpoint.addUser({ name: '"svc.loader"', publicKeys: [key.publicKeyPem] });
  endpoint.addUser({ name: 'MAIL_USER', loginName: 'svc.loader@example.com', publicKeys: [key.publicKeyPem] });
  endpoint.addUser({ name: 'SPACED', loginName: 'Data Loader Svc', password: 'spaced-password-1' });
});

afterAll(async () => {
  await endpoint?.stop();
});

async function whoAmI(login: DriverLogin): Promise<unknown> {
  const conn = await connect(snowflake.createConnection(driverOptionsFor(endpoint, login)));
  try {
    const { rows } = await execute(conn, 'SELECT CURRENT_USER()', { rowMode: 'array' });
    return (rows[0] as unknown[])[0];
  } finally {
    await destroy(conn);
  }
}

describe('login by LOGIN_NAME', () => {
  test.each([
    ['svc-loader.prod', 'SVC_LOADER_PROD'],
    ['SVC-LOADER.PROD', 'SVC_LOADER_PROD'],
    ['svc.loader', 'svc.loader'],
    ['svc.loader@example.com', 'MAIL_USER'],
    ['Svc.Loader@Example.COM', 'MAIL_USER'],
  ])('the driver logs in as %s (user %s) with a key pair', async (username, name) => {
    await expect(whoAmI({ user: username, privateKeyPem: key.privateKeyPem })).resolves.toBe(name);
  });

  test('a login name with spaces logs in with a password, in any case', async () => {
    await expect(whoAmI({ user: 'data loader svc', password: 'spaced-password-1' })).resolves.toBe('SPACED');
  });

  test('the NAME is not a login name when LOGIN_NAME differs', async () => {
    const err = await connectError(snowflake.createConnection(driverOptionsFor(endpoint, { user: 'SVC_LOADER_PROD', privateKeyPem: key.privateKeyPem })));
    expect(err.code).toBe('390144');
    const id = /\[([0-9a-f-]{36})\]/.exec(err.message)?.[1] ?? '';
    expect(endpoint.loginFailureDetails(id)).toMatchObject({ errorCode: 'JWT_TOKEN_INVALID_USER_IN_ISSUER' });
    await expect(connectError(snowflake.createConnection(driverOptionsFor(endpoint, { user: 'spaced', password: 'spaced-password-1' }))))
      .resolves.toMatchObject({ code: '390100' });
  });

  test('the driver\'s JWT names the login name upper-cased in sub and iss', async () => {
    endpoint.resetCounters();
    await whoAmI({ user: 'svc.loader@example.com', privateKeyPem: key.privateKeyPem });
    const claims = endpoint.requests.find((r) => r.kind === 'login')?.jwtClaims;
    expect(claims).toEqual({
      sub: 'TESTORG-TESTACCOUNT.SVC.LOADER@EXAMPLE.COM',
      iss: `TESTORG-TESTACCOUNT.SVC.LOADER@EXAMPLE.COM.${key.fingerprint}`,
    });
  });

  test('a JWT whose user part is not upper case is refused', async () => {
    const now = Math.floor(Date.now() / 1000);
    const sub = 'TESTORG-TESTACCOUNT.svc.loader@example.com';
    const token = signJwt(key.privateKey, { iss: `${sub}.${key.fingerprint}`, sub, iat: now, exp: now + 60 });
    const response = await fetch(`${endpoint.url}/session/v1/login-request`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ data: { ACCOUNT_NAME: 'TESTORG-TESTACCOUNT', LOGIN_NAME: 'svc.loader@example.com', AUTHENTICATOR: 'SNOWFLAKE_JWT', TOKEN: token } }),
    });
    await expect(response.json()).resolves.toMatchObject({ success: false, code: '390144' });
  });
});

describe('LOGIN_NAME in SQL', () => {
  test('CREATE USER … LOGIN_NAME: DESC USER shows it upper-cased; the login works, the name does not', async () => {
    const other = newKeyPair();
    await endpoint.sql(`CREATE USER "svc.loader@corp.example" LOGIN_NAME = 'Loader-Bot.Prod@corp.example' RSA_PUBLIC_KEY = '${other.publicKeyBase64}'`);
    const rows = await endpoint.sql('DESC USER "svc.loader@corp.example"');
    expect(rows).toEqual(expect.arrayContaining([
      expect.objectContaining({ property: 'NAME', value: 'svc.loader@corp.example' }),
      expect.objectContaining({ property: 'LOGIN_NAME', value: 'LOADER-BOT.PROD@CORP.EXAMPLE' }),
    ]));
    await expect(whoAmI({ user: 'loader-bot.prod@corp.example', privateKeyPem: other.privateKeyPem })).resolves.toBe('svc.loader@corp.example');
    await expect(connectError(snowflake.createConnection(driverOptionsFor(endpoint, { user: 'svc.loader@corp.example', privateKeyPem: other.privateKeyPem }))))
      .resolves.toMatchObject({ code: '390144' });
  });

  test('without LOGIN_NAME the login name is the user\'s name, upper-cased', async () => {
    const other = newKeyPair();
    await endpoint.sql(`CREATE USER IF NOT EXISTS "svc.loader@example.org" TYPE = SERVICE DEFAULT_ROLE = "LOADER" DEFAULT_SECONDARY_ROLES = () RSA_PUBLIC_KEY = '${other.publicKeyBase64}'`);
    expect(endpoint.describeUser('"svc.loader@example.org"')).toMatchObject({ name: 'svc.loader@example.org', loginName: 'SVC.LOADER@EXAMPLE.ORG' });
    await expect(whoAmI({ user: 'svc.loader@example.org', privateKeyPem: other.privateKeyPem })).resolves.toBe('svc.loader@example.org');
  });

  test('ALTER USER … SET LOGIN_NAME moves the login; UNSET brings the name back', async () => {
    const other = newKeyPair();
    endpoint.addUser({ name: 'MOVER', publicKeys: [other.publicKeyPem] });
    await expect(whoAmI({ user: 'mover', privateKeyPem: other.privateKeyPem })).resolves.toBe('MOVER');
    await endpoint.sql('ALTER USER MOVER SET LOGIN_NAME = \'mover.new@example.com\'');
    await expect(whoAmI({ user: 'MOVER.NEW@example.com', privateKeyPem: other.privateKeyPem })).resolves.toBe('MOVER');
    await expect(connectError(snowflake.createConnection(driverOptionsFor(endpoint, { user: 'mover', privateKeyPem: other.privateKeyPem }))))
      .resolves.toMatchObject({ code: '390144' });
    await endpoint.sql('ALTER USER MOVER UNSET LOGIN_NAME');
    await expect(whoAmI({ user: 'mover', privateKeyPem: other.privateKeyPem })).resolves.toBe('MOVER');
  });
});
