/**
 * Account forms: which account names a key-pair JWT may carry. The drivers drop the region/cloud
 * of a locator, keep underscores and upper-case the rest (snowflake-sdk connection_config.js and
 * auth_keypair.js; snowflake-connector-python auth/keypair.py; snowflake-jdbc
 * SessionUtilKeyPair.java); Snowflake accepts the account's name or locator in that form
 * (https://docs.snowflake.com/en/developer-guide/sql-api/authenticating). Rules: accounts.ts.
 */
import '../src/driver-env';
import * as snowflake from 'snowflake-sdk';
import {
  accountHostOf, accountNameOf, driverOptionsFor, LocalSnowflake, signJwt, startLocalSnowflake,
} from '../src';
import { connect, connectError, destroy, execute } from '../src/promisified';
import { newKeyPair, TestKeyPair } from '../src/test-keys';

snowflake.configure({ logLevel: 'OFF' });

const key: TestKeyPair = newKeyPair();
const endpoints: LocalSnowflake[] = [];

async function endpointFor(options: Parameters<typeof startLocalSnowflake>[0]): Promise<LocalSnowflake> {
  const endpoint = await startLocalSnowflake(options);
  endpoints.push(endpoint);
  endpoint.addUser({ name: 'SVC', publicKeys: [key.publicKeyPem] });
  return endpoint;
}

afterAll(async () => {
  await Promise.all(endpoints.map((e) => e.stop()));
});

/** Logs in through the driver with `account` as given; the JWT's sub as the endpoint saw it. */
async function loginAs(endpoint: LocalSnowflake, account: string): Promise<string | undefined> {
  endpoint.resetCounters();
  const conn = await connect(snowflake.createConnection(driverOptionsFor(endpoint, { user: 'svc', privateKeyPem: key.privateKeyPem, account })));
  await execute(conn, 'SELECT 1');
  await destroy(conn);
  return endpoint.requests.find((r) => r.kind === 'login')?.jwtClaims?.sub;
}

/** The detail code behind the 390144 a login with `account` gets. */
async function refusedAs(endpoint: LocalSnowflake, account: string): Promise<string | undefined> {
  const err = await connectError(snowflake.createConnection(driverOptionsFor(endpoint, { user: 'svc', privateKeyPem: key.privateKeyPem, account })));
  expect(err.code).toBe('390144');
  return endpoint.loginFailureDetails(/\[([0-9a-f-]{36})\]/.exec(err.message)?.[1] ?? '')?.errorCode;
}

describe('accountNameOf: the account part of the JWT the drivers sign', () => {
  test.each([
    ['myorg-my_account', 'MYORG-MY_ACCOUNT'],
    ['MyOrg-My_Account', 'MYORG-MY_ACCOUNT'],
    ['xy12345', 'XY12345'],
    ['xy12345.us-east-1', 'XY12345'],
    ['XY12345.US-EAST-1', 'XY12345'],
    ['xy12345.us-east-2.aws', 'XY12345'],
    ['myorg-my-account', 'MYORG-MY-ACCOUNT'],
  ])('%s → %s', (input, expected) => {
    expect(accountNameOf(input)).toBe(expected);
  });

  test('a global URL\'s account drops its -suffix', () => {
    expect(accountNameOf('xy12345-abcdef', { global: true })).toBe('XY12345');
  });

  test('accountHostOf writes underscores as hyphens, keeps a locator\'s region', () => {
    expect(accountHostOf('myorg-my_account')).toBe('myorg-my-account.snowflakecomputing.com');
    expect(accountHostOf('XY12345.us-east-1')).toBe('xy12345.us-east-1.snowflakecomputing.com');
  });
});

describe('an account named in its organization (MYORG-MY_ACCOUNT)', () => {
  let endpoint: LocalSnowflake;
  beforeAll(async () => {
    endpoint = await endpointFor({ account: 'myorg-my_account' });
  });

  test('the endpoint keeps the underscore', () => {
    expect(endpoint.account).toBe('MYORG-MY_ACCOUNT');
  });

  test('the driver\'s JWT keeps the underscore and is accepted, in any input case', async () => {
    await expect(loginAs(endpoint, 'myorg-my_account')).resolves.toBe('MYORG-MY_ACCOUNT.SVC');
    await expect(loginAs(endpoint, 'MyOrg-My_Account')).resolves.toBe('MYORG-MY_ACCOUNT.SVC');
  });

  test('the hyphenated host form is not the account name: 390144 (394307)', async () => {
    await expect(refusedAs(endpoint, 'myorg-my-account')).resolves.toBe('JWT_TOKEN_ACCOUNT_MISMATCH');
    await expect(refusedAs(endpoint, 'myorg-other_account')).resolves.toBe('JWT_TOKEN_ACCOUNT_MISMATCH');
  });

  test('a token whose account part is lower case is refused even when ACCOUNT_NAME is right', async () => {
    const now = Math.floor(Date.now() / 1000);
    const sub = 'myorg-my_account.SVC';
    const token = signJwt(key.privateKey, { iss: `${sub}.${key.fingerprint}`, sub, iat: now, exp: now + 60 });
    const response = await fetch(`${endpoint.url}/session/v1/login-request`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ data: { ACCOUNT_NAME: 'myorg-my_account', LOGIN_NAME: 'svc', AUTHENTICATOR: 'SNOWFLAKE_JWT', TOKEN: token } }),
    });
    const json = await response.json() as { code: string; message: string };
    expect(json.code).toBe('390144');
    expect(endpoint.loginFailureDetails(/\[([0-9a-f-]{36})\]/.exec(json.message)?.[1] ?? '')).toMatchObject({ errorCode: 'JWT_TOKEN_ACCOUNT_MISMATCH' });
  });
});

describe('an account by locator (XY12345 in us-east-1)', () => {
  let endpoint: LocalSnowflake;
  beforeAll(async () => {
    endpoint = await endpointFor({ account: 'xy12345.us-east-1' });
  });

  test('the driver drops the region: the JWT names XY12345', async () => {
    expect(endpoint.account).toBe('XY12345');
    await expect(loginAs(endpoint, 'XY12345.US-EAST-1')).resolves.toBe('XY12345.SVC');
    await expect(loginAs(endpoint, 'xy12345.us-east-1.aws')).resolves.toBe('XY12345.SVC');
    await expect(loginAs(endpoint, 'xy12345')).resolves.toBe('XY12345.SVC');
  });

  test('another locator is refused', async () => {
    await expect(refusedAs(endpoint, 'XY99999.US-EAST-1')).resolves.toBe('JWT_TOKEN_ACCOUNT_MISMATCH');
  });
});

describe('an account with both a name and a locator', () => {
  let endpoint: LocalSnowflake;
  beforeAll(async () => {
    endpoint = await endpointFor({ account: 'MYORG-MY_ACCOUNT', locator: 'xy12345' });
  });

  test('a JWT may name either', async () => {
    expect(endpoint.locator).toBe('XY12345');
    await expect(loginAs(endpoint, 'myorg-my_account')).resolves.toBe('MYORG-MY_ACCOUNT.SVC');
    await expect(loginAs(endpoint, 'xy12345.us-east-1')).resolves.toBe('XY12345.SVC');
    await expect(refusedAs(endpoint, 'MYORG-XY12345')).resolves.toBe('JWT_TOKEN_ACCOUNT_MISMATCH');
  });
});
