/**
 * The driver's connection options and error classification. The PrivateLink case runs the real
 * snowflake-sdk against the local Snowflake endpoint, which verifies the JWT's account.
 */
import { LocalSnowflake, startLocalSnowflake } from '@cdk-snowflake-keypair/local-snowflake';
import type { Credentials } from '../../../src/runtime/connector/credentials';
import { connectionOptions, loadDriver } from '../../../src/runtime/connector/driver';
import { isTransientDriverError } from '../../../src/runtime/connector/driver-errors';
import { rsaKey } from '../../support/keys';

const key = rsaKey();
const SETTINGS = { requestTimeoutMs: 60_000, application: 'cdk-snowflake-keypair' };

/** The host snowflake-sdk builds from `account` alone: its own function, called as its ConnectionConfig calls it. */
function sdkHostFor(account: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const util = require('snowflake-sdk/dist/lib/util') as { constructHostname(region: string | undefined, account: string): string };
  const dot = account.indexOf('.');
  return dot > 0 ? util.constructHostname(account.slice(dot + 1), account.slice(0, dot)) : util.constructHostname(undefined, account);
}

function credentials(settings: Record<string, string> = {}, password?: string): Credentials {
  return {
    secretId: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf',
    versionId: 'v1',
    settings: { account: 'testorg-testaccount', user: 'SVC_PL', ...settings },
    authentication: password ? { kind: 'password', password } : { kind: 'keyPair', pkcs8Pem: key.pkcs8Pem, fingerprint: key.fingerprint, bits: 2048 },
  };
}

test('key pair: SNOWFLAKE_JWT with the account, session settings passed explicitly, the driver\'s login retries off', () => {
  const options = connectionOptions(credentials({ role: 'LOADER', warehouse: 'WH', database: 'DB', schema: 'SC' }), SETTINGS) as Record<string, unknown>;
  expect(options).toEqual(expect.objectContaining({
    account: 'testorg-testaccount',
    username: 'SVC_PL',
    authenticator: 'SNOWFLAKE_JWT',
    privateKey: key.pkcs8Pem,
    role: 'LOADER',
    warehouse: 'WH',
    database: 'DB',
    schema: 'SC',
    sfRetryMaxLoginRetries: 0,
    clientStoreTemporaryCredential: false,
  }));
  // Without a host, the account's own host name (snowflake-sdk would build the same one here).
  expect(options).toEqual(expect.objectContaining({ accessUrl: 'https://testorg-testaccount.snowflakecomputing.com' }));
  expect(options).not.toHaveProperty('password');
});

test.each([
  // [account, the host the connector builds, the host snowflake-sdk alone would build]
  ['myorg-my_account', 'myorg-my-account.snowflakecomputing.com', 'myorg-my_account.snowflakecomputing.com'],
  ['XY12345.US-EAST-1', 'xy12345.us-east-1.snowflakecomputing.com', 'XY12345.US-EAST-1.snowflakecomputing.com'],
  ['xy12345.us-east-2.aws', 'xy12345.us-east-2.aws.snowflakecomputing.com', 'xy12345.us-east-2.aws.snowflakecomputing.com'],
  ['xy12345.us-west-2', 'xy12345.snowflakecomputing.com', 'xy12345.snowflakecomputing.com'],
  ['xy12345.cn-north-1.aws', 'xy12345.cn-north-1.aws.snowflakecomputing.cn', 'xy12345.cn-north-1.aws.snowflakecomputing.cn'],
])('account %s: host %s (the sdk alone: %s), and the account passed unchanged for the JWT', (account, host, sdkHost) => {
  const creds = { ...credentials(), settings: { account, user: 'SVC_PL' } };
  const options = connectionOptions(creds, SETTINGS) as Record<string, unknown>;
  expect(options).toEqual(expect.objectContaining({ account, accessUrl: `https://${host}`, host }));
  // (control) what snowflake-sdk builds from the account alone: only underscores differ.
  expect(sdkHostFor(account).toLowerCase()).toBe(sdkHost.toLowerCase());
});

test.each([
  // [as written in the secret, as sent at login]
  ['LOADER', 'LOADER'],
  ['loader', 'loader'], // Snowflake upper-cases it: LOADER
  ['Data Loader', '"Data Loader"'],
  ['"loader"', '"loader"'], // already quoted: the lower-case role
  ['a"b c', '"a""b c"'],
])('session name %j is sent as %j', (written, sent) => {
  const names = { role: written, warehouse: written, database: written, schema: written };
  const options = connectionOptions(credentials(names), SETTINGS) as Record<string, unknown>;
  expect([options.role, options.warehouse, options.database, options.schema]).toEqual([sent, sent, sent, sent]);
});

test('a PrivateLink host becomes the access URL, and the account stays the account', () => {
  const options = connectionOptions(credentials({ host: 'testorg-testaccount.privatelink.snowflakecomputing.com' }), SETTINGS) as Record<string, unknown>;
  expect(options).toEqual(expect.objectContaining({
    account: 'testorg-testaccount',
    accessUrl: 'https://testorg-testaccount.privatelink.snowflakecomputing.com',
    host: 'testorg-testaccount.privatelink.snowflakecomputing.com',
  }));
});

test('the function\'s PrivateLink host (SNOWFLAKE_HOST) wins over the secret\'s host, and the account stays the account', () => {
  const withSecretHost = credentials({ host: 'public-alias.snowflakecomputing.com' });
  const options = connectionOptions(withSecretHost, { ...SETTINGS, host: 'xy12345.us-east-1.privatelink.snowflakecomputing.com' }) as Record<string, unknown>;
  expect(options).toEqual(expect.objectContaining({
    account: 'testorg-testaccount',
    accessUrl: 'https://xy12345.us-east-1.privatelink.snowflakecomputing.com',
    host: 'xy12345.us-east-1.privatelink.snowflakecomputing.com',
  }));
  // (control) without it, the secret's host is used.
  expect(connectionOptions(withSecretHost, SETTINGS)).toEqual(expect.objectContaining({ accessUrl: 'https://public-alias.snowflakecomputing.com' }));
});

test('a legacy password: the SNOWFLAKE authenticator, no key', () => {
  const options = connectionOptions(credentials({}, 'pw-pw-pw-pw'), SETTINGS) as Record<string, unknown>;
  expect(options).toEqual(expect.objectContaining({ authenticator: 'SNOWFLAKE', password: 'pw-pw-pw-pw' }));
  expect(options).not.toHaveProperty('privateKey');
});

test.each([
  ['network failure', true, { code: 401001, cause: { code: 'ECONNRESET' } }],
  ['5xx', true, { code: 401002, response: { statusCode: 503 } }],
  ['429', true, { code: 401002, response: { statusCode: 429 } }],
  ['403', false, { code: 401002, response: { statusCode: 403 } }],
  ['unknown host (a wrong account)', false, { code: 401001, cause: { code: 'ENOTFOUND' } }],
  ['JWT invalid', false, { code: '390144' }],
  ['SQL error', false, { code: '001003', sqlState: '42000' }],
])('%s is transient: %s', (_what, transient, error) => {
  expect(isTransientDriverError(error)).toBe(transient);
});

describe('with the real driver', () => {
  let endpoint: LocalSnowflake;
  beforeAll(async () => {
    endpoint = await startLocalSnowflake({ account: 'TESTORG-TESTACCOUNT' });
    endpoint.addUser({ name: 'SVC_PL', publicKeys: [key.publicPem] });
  });
  afterAll(() => endpoint?.stop());

  async function login(options: Record<string, unknown>): Promise<string | undefined> {
    const connection = loadDriver().createConnection(options as never);
    const error = await new Promise<{ code?: unknown } | undefined>((resolve) => connection.connect((e) => resolve(e ?? undefined)));
    if (!error) await new Promise((resolve) => connection.destroy(resolve as never));
    return error ? String(error.code) : undefined;
  }

  test('over a PrivateLink host, the JWT names the account from the secret', async () => {
    // The request goes to the local endpoint; the host is the PrivateLink name, whose first label
    // is not the account (as with a regionless or organisation PrivateLink URL).
    const options = connectionOptions(credentials({ host: 'privatelink-alias.privatelink.snowflakecomputing.com' }), SETTINGS);
    expect(await login({ ...options, accessUrl: endpoint.url })).toBeUndefined();
  });

  test('(control) a JWT naming the host\'s first label instead (what older drivers did) is rejected', async () => {
    const options = connectionOptions(credentials({ host: 'privatelink-alias.privatelink.snowflakecomputing.com' }), SETTINGS);
    expect(await login({ ...options, account: 'privatelink-alias', accessUrl: endpoint.url })).toBe('390144');
  });
});
