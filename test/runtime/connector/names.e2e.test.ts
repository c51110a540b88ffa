/**
 * Snowflake's own rules for names and accounts, end to end (issue 14; docs/secret-format.md gives
 * each rule's source). The bundled connector runs in a warm Lambda-like process, reads real secrets
 * from moto through the real AWS SDK and logs in to the local Snowflake endpoint through the real
 * snowflake-sdk. Where the issue names the plain driver as the control, the test process logs in
 * with snowflake-sdk alone, with the same names, against the same endpoint.
 */
import '@cdk-snowflake-keypair/local-snowflake/driver-env';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { driverOptionsFor, LocalSnowflake, startLocalSnowflake } from '@cdk-snowflake-keypair/local-snowflake';
import * as snowflake from 'snowflake-sdk';
import { AwsSide, FAST_RETRIES, leaks, startConnectorInstance } from '../../support/connector-fixture';
import { rsaKey, TestKey } from '../../support/keys';
import { REPO } from '../../support/lambda-process';
import { Invocation, LambdaInstance } from '../../support/lambda-runtime';
import { connect, destroy, execute } from '@cdk-snowflake-keypair/local-snowflake/promisified';

snowflake.configure({ logLevel: 'OFF' });

const DNS_RECORD = path.join(REPO, 'test', 'fixtures', 'dns-record.js');

/** snowflake-sdk alone, logging in to `myorg-my_account` with the key in $PEM; prints the error it gets. */
const PLAIN_DRIVER_LOGIN = `
const snowflake = require('snowflake-sdk');
snowflake.configure({ logLevel: 'OFF' });
const connection = snowflake.createConnection({ account: 'myorg-my_account', username: 'SVC_LOADER', authenticator: 'SNOWFLAKE_JWT',
  privateKey: process.env.PEM, sfRetryMaxLoginRetries: 0, timeout: 10000 });
connection.connect((error) => { console.log(error ? String(error.code) + ' ' + error.message : 'connected'); process.exit(0); });
`;

let aws: AwsSide;
let key: TestKey;
const endpoints: LocalSnowflake[] = [];
const instances: LambdaInstance[] = [];

beforeAll(async () => {
  aws = await AwsSide.start();
  key = rsaKey();
  aws.rememberKey(key);
});

afterAll(async () => {
  try {
    for (const instance of instances) expect(leaks(instance.output(), aws.secrets)).toEqual([]);
  } finally {
    await Promise.all(instances.map((i) => i.stop()));
    await Promise.all([aws?.stop(), ...endpoints.map((e) => e.stop())]);
  }
});

async function endpoint(account: string): Promise<LocalSnowflake> {
  const started = await startLocalSnowflake({ account });
  endpoints.push(started);
  return started;
}

async function instanceFor(env: Record<string, string>): Promise<LambdaInstance> {
  const started = await startConnectorInstance({ ...aws.env(), ...env });
  instances.push(started);
  return started;
}

/** One cold connector for `secret` in `instance`, running `sql`. */
async function run(instance: LambdaInstance, secret: Record<string, unknown>, sql: string): Promise<Invocation> {
  const secretId = await aws.createSecret(secret);
  return instance.invoke({ secretId, options: { retryPolicy: FAST_RETRIES }, op: 'fetchAll', sql });
}

/** The plain driver's answer to `sql`, logged in with `login` (the control). */
async function plainDriver(local: LocalSnowflake, login: { user: string; account?: string; role?: string }, sql: string): Promise<unknown[]> {
  const conn = await connect(snowflake.createConnection(driverOptionsFor(local, { ...login, privateKeyPem: key.pkcs8Pem })));
  try {
    const { rows } = await execute(conn, sql, { rowMode: 'array' });
    return rows[0] as unknown[];
  } finally {
    await destroy(conn);
  }
}

describe('login names', () => {
  let local: LocalSnowflake;
  let instance: LambdaInstance;
  beforeAll(async () => {
    local = await endpoint('TESTORG-TESTACCOUNT');
    // The name Snowflake gives a user created as CREATE USER "<login name>" (registration does that),
    // and a user whose login name differs from its name.
    local.addUser({ name: '"svc-loader.prod"', publicKeys: [key.publicPem] });
    local.addUser({ name: '"svc.loader"', publicKeys: [key.publicPem] });
    local.addUser({ name: 'MAIL_LOADER', loginName: 'svc.loader@example.com', publicKeys: [key.publicPem] });
    instance = await instanceFor({ SNOWFLAKE_ENDPOINT_URL: local.url });
  });

  test.each([
    ['svc-loader.prod', 'svc-loader.prod'],
    ['svc.loader', 'svc.loader'],
    ['svc.loader@example.com', 'MAIL_LOADER'],
    ['SVC.LOADER@EXAMPLE.COM', 'MAIL_LOADER'], // login names are compared without regard to case
  ])('user %j logs in, as the plain driver does (CURRENT_USER() %s)', async (user, current) => {
    const before = local.requests.filter((r) => r.kind === 'login').length;
    const invocation = await run(instance, { account: 'testorg-testaccount', user, privateKey: key.pkcs8Pem }, 'SELECT CURRENT_USER() AS WHO');
    expect(invocation.error).toBeUndefined();
    expect(invocation.result).toEqual([{ WHO: current }]);
    // The JWT's sub is the login name, upper-cased, as Snowflake expects.
    const logins = local.requests.filter((r) => r.kind === 'login');
    expect(logins.length).toBe(before + 1);
    expect(logins[logins.length - 1].jwtClaims?.sub).toBe(`TESTORG-TESTACCOUNT.${user.toUpperCase()}`);
    // (control) snowflake-sdk alone, same endpoint, same login name.
    expect(await plainDriver(local, { user, account: 'testorg-testaccount' }, 'SELECT CURRENT_USER()')).toEqual([current]);
  }, 60_000);

  test('a trailing space is refused before any login, and the message says so', async () => {
    const before = local.requests.filter((r) => r.kind === 'login').length;
    const invocation = await run(instance, { account: 'testorg-testaccount', user: 'svc.loader ', privateKey: key.pkcs8Pem }, 'SELECT 1');
    expect(invocation.error).toEqual(expect.objectContaining({ errorType: 'SecretFormatError', code: 'SECRET_FIELD_INVALID' }));
    expect(invocation.error!.errorMessage).toMatch(/field "user".*trailing space.*Write `svc\.loader`/);
    expect(local.requests.filter((r) => r.kind === 'login').length).toBe(before);
  }, 60_000);
});

describe('account identifiers', () => {
  test('myorg-my_account: the JWT names MYORG-MY_ACCOUNT (as the plain driver\'s does)', async () => {
    const local = await endpoint('myorg-my_account');
    local.addUser({ name: 'SVC_LOADER', publicKeys: [key.publicPem] });
    const instance = await instanceFor({ SNOWFLAKE_ENDPOINT_URL: local.url });
    const invocation = await run(instance, { account: 'myorg-my_account', user: 'SVC_LOADER', privateKey: key.pkcs8Pem }, 'SELECT CURRENT_ACCOUNT_NAME() AS A');
    expect(invocation.error).toBeUndefined();
    const login = local.requests.filter((r) => r.kind === 'login').pop()!;
    expect(login.jwtClaims?.sub).toBe('MYORG-MY_ACCOUNT.SVC_LOADER');
    expect(await plainDriver(local, { user: 'SVC_LOADER', account: 'myorg-my_account' }, 'SELECT 1')).toEqual([1]);
    expect(local.requests.filter((r) => r.kind === 'login').pop()!.jwtClaims?.sub).toBe('MYORG-MY_ACCOUNT.SVC_LOADER');
  }, 60_000);

  test('myorg-my_account: the connector asks DNS for myorg-my-account.snowflakecomputing.com; the plain driver for the underscore', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dns-record-'));
    fs.chmodSync(dir, 0o755);
    const record = path.join(dir, 'lookups');
    fs.writeFileSync(record, '');
    fs.chmodSync(record, 0o666);
    try {
      const instance = await instanceFor({ NODE_OPTIONS: `--require ${DNS_RECORD}`, DNS_RECORD_FILE: record });
      const invocation = await run(instance, { account: 'myorg-my_account', user: 'SVC_LOADER', privateKey: key.pkcs8Pem }, 'SELECT 1');
      // Nothing answers (the fixture says ENOTFOUND): the error names the host it tried.
      expect(invocation.error).toEqual(expect.objectContaining({ code: 'AUTH_ACCOUNT_NOT_FOUND' }));
      expect(invocation.error!.errorMessage).toContain('https://myorg-my-account.snowflakecomputing.com');
      const asked = fs.readFileSync(record, 'utf8').split('\n').filter(Boolean);
      expect(new Set(asked)).toEqual(new Set(['myorg-my-account.snowflakecomputing.com']));

      // (control) snowflake-sdk alone, in a fresh Node process with the same fixture, asks for the underscore.
      fs.writeFileSync(record, '');
      const control = spawnSync(process.execPath, ['--require', DNS_RECORD, '-e', PLAIN_DRIVER_LOGIN], {
        cwd: REPO,
        env: { ...process.env, DNS_RECORD_FILE: record, SNOWFLAKE_DISABLE_PLATFORM_DETECTION: 'true', PEM: key.pkcs8Pem },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect({ status: control.status, stderr: control.stderr }).toEqual({ status: 0, stderr: '' });
      expect(control.stdout).toMatch(/ENOTFOUND|not found|could not connect/i);
      expect(new Set(fs.readFileSync(record, 'utf8').split('\n').filter(Boolean))).toEqual(new Set(['myorg-my_account.snowflakecomputing.com']));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  test('XY12345.US-EAST-1 (an upper-case region) is accepted, and the JWT names the locator XY12345', async () => {
    const local = await endpoint('XY12345');
    local.addUser({ name: 'SVC_LOADER', publicKeys: [key.publicPem] });
    const instance = await instanceFor({ SNOWFLAKE_ENDPOINT_URL: local.url });
    const invocation = await run(instance, { account: 'XY12345.US-EAST-1', user: 'SVC_LOADER', privateKey: key.pkcs8Pem }, 'SELECT 1 AS ONE');
    expect(invocation.error).toBeUndefined();
    expect(invocation.result).toEqual([{ ONE: 1 }]);
    expect(local.requests.filter((r) => r.kind === 'login').pop()!.jwtClaims?.sub).toBe('XY12345.SVC_LOADER');
    // (control) the plain driver, same account string.
    expect(await plainDriver(local, { user: 'SVC_LOADER', account: 'XY12345.US-EAST-1' }, 'SELECT 1')).toEqual([1]);
  }, 60_000);
});

describe('role, warehouse, database and schema', () => {
  let local: LocalSnowflake;
  let instance: LambdaInstance;
  beforeAll(async () => {
    local = await endpoint('TESTORG-TESTACCOUNT');
    await local.sql('CREATE ROLE IF NOT EXISTS "Data Loader"');
    await local.sql('CREATE ROLE IF NOT EXISTS "DATA LOADER"');
    await local.sql('CREATE ROLE IF NOT EXISTS "loader"');
    await local.sql('CREATE ROLE IF NOT EXISTS ANALYST');
    local.addUser({ name: 'SVC_LOADER', publicKeys: [key.publicPem], grantedRoles: ['"Data Loader"', '"loader"'] });
    instance = await instanceFor({ SNOWFLAKE_ENDPOINT_URL: local.url });
  });

  const secret = (role: string): Record<string, unknown> => ({ account: 'testorg-testaccount', user: 'SVC_LOADER', privateKey: key.pkcs8Pem, role });

  test('role "Data Loader" is the session role exactly, not DATA LOADER', async () => {
    const invocation = await run(instance, secret('Data Loader'), 'SELECT CURRENT_ROLE() AS R');
    expect(invocation.error).toBeUndefined();
    expect(invocation.result).toEqual([{ R: 'Data Loader' }]);
  }, 60_000);

  test('a case-sensitive plain name is written in double quotes: "loader" is the lower-case role', async () => {
    const invocation = await run(instance, secret('"loader"'), 'SELECT CURRENT_ROLE() AS R');
    expect(invocation.error).toBeUndefined();
    expect(invocation.result).toEqual([{ R: 'loader' }]);
  }, 60_000);

  test('a role the user was not granted is refused at login, and the error names the grant', async () => {
    const invocation = await run(instance, secret('ANALYST'), 'SELECT 1');
    expect(invocation.error).toEqual(expect.objectContaining({ errorType: 'AuthenticationError', code: 'AUTH_SESSION_SETTING' }));
    expect(invocation.error!.errorMessage).toContain('GRANT ROLE "ANALYST" TO USER "SVC_LOADER"');
    // (control) the plain driver is refused too: the endpoint checks grants.
    await expect(plainDriver(local, { user: 'SVC_LOADER', role: 'ANALYST' }, 'SELECT 1')).rejects.toThrow(/not granted/);
  }, 60_000);

  test('(control) sent unquoted, as before, "Data Loader" would select DATA LOADER, which is not granted', async () => {
    await expect(plainDriver(local, { user: 'SVC_LOADER', role: 'Data Loader' }, 'SELECT 1')).rejects.toThrow(/not granted/);
  }, 60_000);
});
