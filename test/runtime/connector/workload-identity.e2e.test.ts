/**
 * A function signs in with its own IAM role and no secret, end to end: the bundled assets
 * (assets/connector through the probe handler, assets/sql-executor, and a user's handler through
 * the layer) in fresh Lambda-like processes whose AWS credentials come from moto's AssumeRole of
 * the execution role, as Lambda gives them, against the local Snowflake endpoint, which verifies
 * every attestation (its SigV4 signature with the secret moto issued, the audience, the date by
 * its injected clock, and who the caller is by moto's STS) and matches it to the user's identity.
 *
 * A proxy in front of the endpoint sees each attestation, so that the output can be scanned for
 * it, and alters it for the forged and expired cases. Secrets Manager and STS calls of the
 * function are counted at the AWS proxy: there are none.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalSnowflake, startLocalSnowflake } from '@cdk-snowflake-keypair/local-snowflake';
import { Template } from 'aws-cdk-lib/assertions';
import { ConnectorHandler, SnowflakeConnectorFunction, SnowflakeKeyPairSecret, SqlStatement } from '../../../src';
import { setWorkloadIdentitySql } from '../../../src/shared/workload-identity';
import { AwsSide, leaks, startConnectorInstance } from '../../support/connector-fixture';
import { assetDir, REPO } from '../../support/lambda-process';
import { Invocation, LambdaInstance, startLambdaInstance } from '../../support/lambda-runtime';
import { testStack } from '../../support/stacks';
import { assumeExecutionRole, lambdaCredentialsEnv, LoginProxy, RoleCredentials, startLoginProxy } from '../../support/workload-identity';

const ACCOUNT = 'TESTORG-TESTACCOUNT';
const ROLE_ARN = 'arn:aws:iam::123456789012:role/app/connector-role';
const OTHER_ARN = 'arn:aws:iam::123456789012:role/another-function-role';

let aws: AwsSide;
let snowflake: LocalSnowflake;
let proxy: LoginProxy;
let creds: RoleCredentials;
/** The endpoint's clock runs this far ahead of the real one (expiry without waiting). */
let skewMs = 0;
const instances: LambdaInstance[] = [];
let users = 0;

beforeAll(async () => {
  aws = await AwsSide.start();
  snowflake = await startLocalSnowflake({ account: ACCOUNT, sts: { endpointUrl: aws.moto.endpoint }, now: () => Date.now() + skewMs });
  proxy = await startLoginProxy(snowflake.url);
  creds = await assumeExecutionRole(aws.moto.endpoint, ROLE_ARN);
  aws.remember(creds.secretAccessKey, creds.sessionToken);
});

afterAll(async () => {
  try {
    // Every attestation the function sent, its signature, and the role's secret key and session
    // token: none is in any output of any instance.
    const secrets = [...aws.secrets, ...proxy.tokens, ...proxy.tokens.map(signatureOf)];
    expect(proxy.tokens.length).toBeGreaterThan(0);
    for (const instance of instances) expect(leaks(instance.output(), secrets)).toEqual([]);
    // (control) the scan finds each of them when it is there.
    for (const secret of [proxy.tokens[0], signatureOf(proxy.tokens[0]), creds.secretAccessKey, creds.sessionToken]) {
      expect(leaks(`${instances[0].output()}\n${secret}`, secrets)).not.toEqual([]);
    }
  } finally {
    await Promise.all(instances.map((i) => i.stop()));
    await proxy?.close();
    await Promise.all([aws?.stop(), snowflake?.stop()]);
  }
});

function signatureOf(token: string): string {
  return /Signature=([0-9a-f]{64})/.exec(Buffer.from(token, 'base64').toString('utf8'))![1];
}

/** A service user trusting `arn` (undefined: no identity), and the settings that name it. */
function userTrusting(arn: string | undefined): string {
  const user = `SVC_WIF_${++users}`;
  snowflake.addUser({ name: user, defaultRole: 'LOADER', defaultWarehouse: 'LOAD_WH', ...(arn ? { workloadIdentity: { arn } } : {}) });
  return user;
}

/** What SnowflakeConnectorFunction sets for a workload identity, and the credentials Lambda sets. */
function wifEnv(user: string): Record<string, string> {
  return {
    ...aws.env(),
    ...lambdaCredentialsEnv(creds),
    SNOWFLAKE_AUTHENTICATION: 'WORKLOAD_IDENTITY',
    SNOWFLAKE_CONNECTION: JSON.stringify({ account: ACCOUNT, user, warehouse: 'LOAD_WH' }),
    SNOWFLAKE_WORKLOAD_IDENTITY_ARN: ROLE_ARN,
    SNOWFLAKE_ENDPOINT_URL: proxy.url,
  };
}

async function probe(user: string): Promise<LambdaInstance> {
  const instance = await startConnectorInstance(wifEnv(user));
  instances.push(instance);
  return instance;
}

async function ok(instance: LambdaInstance, event: unknown): Promise<any> {
  const invocation = await instance.invoke(event);
  if (invocation.error && process.env.DEBUG_E2E) console.log(instance.output());
  expect(invocation.error).toBeUndefined();
  return invocation.result;
}

function logins(): number {
  return proxy.tokens.length;
}

describe('no secret: the function signs in as its role', () => {
  test('the probe over the bundled connector: CURRENT_USER is the user trusting the role; one login for many invocations; no AWS call at all', async () => {
    const user = userTrusting(ROLE_ARN);
    const instance = await probe(user);
    const before = { logins: logins(), aws: aws.proxy.calls.length };
    expect(await ok(instance, { op: 'fetchOne', sql: 'SELECT CURRENT_USER() AS WHO, CURRENT_ROLE() AS ROLE' })).toEqual({ WHO: user, ROLE: 'LOADER' });
    for (let i = 0; i < 4; i++) expect(await ok(instance, { op: 'fetchAll', sql: 'SELECT 1 AS ONE' })).toEqual([{ ONE: 1 }]);
    expect(await ok(instance, { op: 'stats' })).toEqual(expect.objectContaining({ secretReads: 0, logins: 1, loginFailures: 0 }));
    // Warm reuse: one login, seen at the wire; no Secrets Manager read, no STS call (the attestation is signed, never sent by the function).
    expect(logins() - before.logins).toBe(1);
    expect(aws.proxy.calls.length - before.aws).toBe(0);
    expect(aws.reads()).toBe(0);
    // No secret in the function's environment.
    expect(Object.keys(wifEnv(user))).not.toContain('SNOWFLAKE_SECRET_ID');
  });

  test('the SQL executor (the default handler) runs its declared statement with the role', async () => {
    const user = userTrusting(ROLE_ARN);
    // The executor's configuration as the construct writes it.
    const stack = testStack();
    const secret = new SnowflakeKeyPairSecret(stack, 'Secret', { account: 'myorg-myaccount', user: 'SVC_SQL' });
    new SnowflakeConnectorFunction(stack, 'Sql', {
      secret, handler: ConnectorHandler.sqlExecutor({ statements: { context: SqlStatement.of('SELECT CURRENT_USER() AS WHO, CURRENT_WAREHOUSE() AS WH') } }),
    });
    const [fn] = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } }))
      .filter((r: any) => r.Properties.Environment?.Variables?.SNOWFLAKE_SQL_EXECUTOR);
    const executorConfig = (fn as any).Properties.Environment.Variables.SNOWFLAKE_SQL_EXECUTOR;
    const instance = await startLambdaInstance('index.js', assetDir('sql-executor'), { ...wifEnv(user), SNOWFLAKE_SQL_EXECUTOR: executorConfig });
    instances.push(instance);
    const first = await ok(instance, { run: 'context' });
    expect(first.results).toEqual([expect.objectContaining({ rows: [{ WHO: user, WH: 'LOAD_WH' }] })]);
    await ok(instance, { run: 'context' });
    expect(aws.reads()).toBe(0);
  });

  test('a user\'s own handler through the layer (getConnector reads the mode from the environment)', async () => {
    const user = userTrusting(ROLE_ARN);
    await snowflake.sql('CREATE TABLE IF NOT EXISTS LANDED_FILES (FILE_KEY VARCHAR, BYTES INTEGER)');
    const bundleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'user-bundle-'));
    try {
      execFileSync(path.join(REPO, 'node_modules', '.bin', 'esbuild'), [
        path.join(REPO, 'test', 'fixtures', 'handlers', 'custom-loader.js'),
        '--bundle', '--platform=node', '--target=node24', '--format=cjs', '--external:@cdk-snowflake-keypair/connector',
        `--outfile=${path.join(bundleDir, 'index.js')}`,
      ], { stdio: 'pipe' });
      const instance = await startLambdaInstance('index.js', bundleDir, {
        ...wifEnv(user),
        NODE_PATH: path.join(path.dirname(assetDir('connector')), 'connector-layer', 'nodejs', 'node_modules'),
      });
      instances.push(instance);
      const before = logins();
      const event = (keys: string[]) => ({ Records: keys.map((key, i) => ({ s3: { object: { key, size: 10 + i } } })) });
      expect(await ok(instance, event(['raw/a.json', 'raw/b.json']))).toEqual({ inserted: 2, total: 2 });
      expect(await ok(instance, event(['raw/c.json']))).toEqual({ inserted: 1, total: 3 });
      expect(logins() - before).toBe(1);
      expect(aws.reads()).toBe(0);
    } finally {
      fs.rmSync(bundleDir, { recursive: true, force: true });
    }
  });
});

/** Expects the refusal, with the function's ARN, the user and the SQL that fixes it, after exactly one login attempt. */
async function expectRefused(instance: LambdaInstance, user: string, extra: RegExp[] = []): Promise<Invocation> {
  const before = logins();
  const invocation = await instance.invoke({ op: 'fetchOne', sql: 'SELECT 1 AS ONE' });
  expect(invocation.error).toEqual(expect.objectContaining({ errorType: 'AuthenticationError', code: 'WORKLOAD_IDENTITY_REFUSED' }));
  const message = invocation.error!.errorMessage;
  expect(message).toContain(`workload-identity login for user "${user}"`);
  expect(message).toContain(`The function signs in as IAM role ${ROLE_ARN}`);
  expect(message).toContain(setWorkloadIdentitySql(user, ROLE_ARN));
  for (const pattern of extra) expect(message).toMatch(pattern);
  // Refused once, not retried.
  expect(logins() - before).toBe(1);
  return invocation;
}

describe('(failing cases) every refusal of the issue, through the bundled connector', () => {
  afterEach(() => {
    proxy.tamper = undefined;
    skewMs = 0;
  });

  test('another role: the user trusts another function\'s role', async () => {
    const user = userTrusting(OTHER_ARN);
    await expectRefused(await probe(user), user, [/assumed-role\/connector-role/, new RegExp(`Snowflake says the user expects ${OTHER_ARN}\\.`)]);
  });

  test('a user with no identity', async () => {
    const user = userTrusting(undefined);
    await expectRefused(await probe(user), user);
  });

  test('a forged signature', async () => {
    const user = userTrusting(ROLE_ARN);
    proxy.tamper = (a) => ({
      ...a,
      headers: { ...a.headers, authorization: a.headers.authorization.replace(/Signature=([0-9a-f]{63})([0-9a-f])/, (_m, head, last) => `Signature=${head}${last === '0' ? '1' : '0'}`) },
    });
    await expectRefused(await probe(user), user);
  });

  test('a request altered after signing (its date moved one second)', async () => {
    const user = userTrusting(ROLE_ARN);
    proxy.tamper = (a) => {
      const date = a.headers['x-amz-date'];
      const [y, mo, d, h, mi, sec] = [[0, 4], [4, 6], [6, 8], [9, 11], [11, 13], [13, 15]].map(([from, to]) => Number(date.slice(from, to)));
      const moved = new Date(Date.UTC(y, mo - 1, d, h, mi, sec + 1));
      return { ...a, headers: { ...a.headers, 'x-amz-date': moved.toISOString().replace(/[-:]|\.\d{3}/g, '') } };
    };
    await expectRefused(await probe(user), user);
  });

  test('a wrong audience', async () => {
    const user = userTrusting(ROLE_ARN);
    proxy.tamper = (a) => ({ ...a, headers: { ...a.headers, 'x-snowflake-audience': 'attacker.example.com' } });
    await expectRefused(await probe(user), user);
  });

  test('an expired request (the endpoint\'s clock 6 minutes ahead: past SigV4\'s 5 minutes)', async () => {
    const user = userTrusting(ROLE_ARN);
    const instance = await probe(user);
    skewMs = 6 * 60_000;
    await expectRefused(instance, user);
    // (control) the same instance, with the clock back, signs in.
    skewMs = 0;
    expect(await ok(instance, { op: 'fetchOne', sql: 'SELECT CURRENT_USER() AS WHO' })).toEqual({ WHO: user });
  });

  test('the identity removed while warm: the session ends, the next call logs in once more and fails with the clear error; no loop', async () => {
    const user = userTrusting(ROLE_ARN);
    const instance = await probe(user);
    expect(await ok(instance, { op: 'fetchOne', sql: 'SELECT CURRENT_USER() AS WHO' })).toEqual({ WHO: user });
    snowflake.setWorkloadIdentity(user, undefined);
    await expectRefused(instance, user);
    // Every later call: one more login, refused the same way (nothing kept, nothing looping).
    await expectRefused(instance, user);
    expect(await ok(instance, { op: 'stats' })).toEqual(expect.objectContaining({ logins: 1, loginFailures: 2, secretReads: 0 }));
    // Registered again (the SQL in the message), the next call signs in.
    snowflake.setWorkloadIdentity(user, { arn: ROLE_ARN });
    expect(await ok(instance, { op: 'fetchOne', sql: 'SELECT CURRENT_USER() AS WHO' })).toEqual({ WHO: user });
  });
});
