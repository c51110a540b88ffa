/**
 * End to end through the real driver: the bundled connector (assets/connector) in a warm
 * Lambda-like process, real secrets in moto (through the real AWS SDK, behind a counting proxy),
 * and the local Snowflake endpoint, which verifies every JWT and runs SQL on embedded Postgres.
 * Secrets Manager reads and Snowflake logins are counted at the endpoints, not in the connector.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { LocalSnowflake, startLocalSnowflake } from '@cdk-snowflake-keypair/local-snowflake';
import { AwsSide, FAST_RETRIES, leaks, startConnectorInstance } from '../../support/connector-fixture';
import { bareBase64, encryptedPem, pkcs1Pem, rsaKey, TestKey } from '../../support/keys';
import { REPO } from '../../support/lambda-process';
import { LambdaInstance } from '../../support/lambda-runtime';

const ACCOUNT = 'TESTORG-TESTACCOUNT';

let aws: AwsSide;
let snowflake: LocalSnowflake;
const instances: LambdaInstance[] = [];
let users = 0;

beforeAll(async () => {
  [aws, snowflake] = await Promise.all([AwsSide.start(), startLocalSnowflake({ account: ACCOUNT })]);
});

afterAll(async () => {
  try {
    for (const instance of instances) {
      expect(leaks(instance.output(), aws.secrets)).toEqual([]);
    }
  } finally {
    await Promise.all(instances.map((i) => i.stop()));
    await Promise.all([aws?.stop(), snowflake?.stop()]);
  }
});

/** A new Snowflake user holding `key` in slot 1, and a secret for it. */
async function userWithSecret(key: TestKey, secretPatch: Record<string, unknown> = {}): Promise<{ user: string; secretId: string }> {
  const user = `SVC_E2E_${++users}`;
  snowflake.addUser({ name: user, publicKeys: [key.publicPem], defaultRole: 'LOADER', defaultWarehouse: 'LOAD_WH' });
  aws.rememberKey(key);
  const secretId = await aws.createSecret({ account: ACCOUNT, user, privateKey: key.pkcs8Pem, warehouse: 'LOAD_WH', ...secretPatch });
  return { user, secretId };
}

/** A warm instance whose shared connector (getConnector) reads `secretId`. */
async function instanceFor(secretId: string): Promise<LambdaInstance> {
  const instance = await startConnectorInstance({ ...aws.env(), SNOWFLAKE_SECRET_ID: secretId, SNOWFLAKE_ENDPOINT_URL: snowflake.url });
  instances.push(instance);
  return instance;
}

/** Values of each metric in the embedded-metric-format lines of an output. */
function emfMetrics(output: string): Record<string, number[]> {
  const values: Record<string, number[]> = {};
  for (const line of output.split('\n')) {
    if (!line.startsWith('{"_aws"')) continue;
    const doc = JSON.parse(line);
    const [directive] = doc._aws.CloudWatchMetrics;
    expect(directive).toEqual(expect.objectContaining({ Namespace: 'CdkSnowflakeKeypair', Dimensions: [['FunctionName']] }));
    expect(doc.FunctionName).toMatch(/^test-/);
    for (const { Name } of directive.Metrics) (values[Name] ??= []).push(doc[Name]);
  }
  return values;
}

function stsCalls(): number {
  return aws.proxy.calls.filter((c) => /GetCallerIdentity/.test(c.operation)).length;
}

async function ok(instance: LambdaInstance, event: unknown): Promise<any> {
  const invocation = await instance.invoke(event);
  if (invocation.error && process.env.DEBUG_E2E) console.log(instance.output());
  expect(invocation.error).toBeUndefined();
  return invocation.result;
}

describe.each([
  ['an unencrypted key', false],
  ['an encrypted key with its passphrase', true],
])('customers, end to end, with %s', (_title, encrypted) => {
  test('create a table, insert three rows with executeMany, read them back in pages of two', async () => {
    const key = rsaKey();
    const passphrase = `pass-${users}-e2e-passphrase`;
    const privateKey = encrypted ? encryptedPem(key, passphrase) : key.pkcs8Pem;
    aws.remember(privateKey, passphrase);
    const { secretId } = await userWithSecret(key, { privateKey, ...(encrypted ? { passphrase } : {}) });
    const instance = await instanceFor(secretId);
    const table = `CUSTOMERS_${encrypted ? 'ENC' : 'PLAIN'}`;

    const [created, inserted, pages] = await ok(instance, {
      steps: [
        { op: 'execute', sql: `CREATE TABLE ${table} (ID INTEGER, NAME VARCHAR, EMAIL VARCHAR, ACTIVE BOOLEAN)` },
        {
          op: 'executeMany',
          sql: `INSERT INTO ${table} (ID, NAME, EMAIL, ACTIVE) VALUES (?, ?, ?, ?)`,
          rows: [[1, 'Ada', 'ada@example.com', true], [2, 'Grace', 'grace@example.com', false], [3, 'Linus', null, true]],
        },
        { op: 'fetchMany', sql: `SELECT ID, NAME, EMAIL, ACTIVE FROM ${table} ORDER BY ID`, size: 2 },
      ],
    });
    expect(created.queryId).toMatch(/^[0-9a-f-]{36}$/);
    expect(inserted.rowCount).toBe(3);
    expect(pages).toEqual([
      [{ ID: 1, NAME: 'Ada', EMAIL: 'ada@example.com', ACTIVE: true }, { ID: 2, NAME: 'Grace', EMAIL: 'grace@example.com', ACTIVE: false }],
      [{ ID: 3, NAME: 'Linus', EMAIL: null, ACTIVE: true }],
    ]);
    // executeMany was one statement, not three.
    expect(snowflake.requests.filter((r) => r.kind === 'query' && r.sql?.startsWith(`INSERT INTO ${table}`))).toHaveLength(1);
  });
});

describe('every stored key form logs in', () => {
  const key = rsaKey();
  const forms: [string, () => string][] = [
    ['PEM with CRLF newlines', () => key.pkcs8Pem.replace(/\n/g, '\r\n')],
    ['PEM with literal \\n escapes', () => key.pkcs8Pem.replace(/\n/g, '\\n')],
    ['PEM flattened onto one line', () => key.pkcs8Pem.replace(/\n/g, ' ')],
    ['bare base64 DER (PKCS#8)', () => bareBase64(key)],
    ['PKCS#1 PEM', () => pkcs1Pem(key)],
  ];
  test.each(forms)('%s', async (_form, make) => {
    const stored = make();
    aws.remember(stored);
    const { user, secretId } = await userWithSecret(key, { privateKey: stored });
    const instance = await instanceFor(secretId);
    expect(await ok(instance, { op: 'fetchOne', sql: 'SELECT CURRENT_USER() AS WHO' })).toEqual({ WHO: user });
  });
});

test('fetchOne, fetchAll and execute with binds', async () => {
  const { secretId } = await userWithSecret(rsaKey());
  const instance = await instanceFor(secretId);
  const [, , one, none, all, updated, selected] = await ok(instance, {
    steps: [
      { op: 'execute', sql: 'CREATE TABLE ORDERS (ID INTEGER, AMOUNT NUMBER(10,2))' },
      { op: 'executeMany', sql: 'INSERT INTO ORDERS VALUES (?, ?)', rows: [[1, 10.5], [2, 20.25], [3, 30]] },
      { op: 'fetchOne', sql: 'SELECT ID FROM ORDERS WHERE AMOUNT > ? ORDER BY ID', binds: [15] },
      { op: 'fetchOne', sql: 'SELECT ID FROM ORDERS WHERE AMOUNT > ?', binds: [1000] },
      { op: 'fetchAll', sql: 'SELECT COUNT(*) AS N FROM ORDERS' },
      { op: 'execute', sql: 'UPDATE ORDERS SET AMOUNT = AMOUNT + 1 WHERE ID >= ?', binds: [2] },
      { op: 'execute', sql: 'SELECT ID FROM ORDERS' },
    ],
  });
  expect(one).toEqual({ ID: 2 });
  expect(none).toBeNull();
  expect(all).toEqual([{ N: 3 }]);
  expect(updated.rowCount).toBe(2);
  // Not DML: the rows returned.
  expect(selected.rowCount).toBe(3);
});

test('executeAsync submits, polls and returns the rows', async () => {
  const { secretId } = await userWithSecret(rsaKey());
  const instance = await instanceFor(secretId);
  const result = await ok(instance, { op: 'executeAsync', sql: 'SELECT SYSTEM$WAIT(1) AS W, 42 AS ANSWER', options: { pollIntervalMs: 100 } });
  expect(result.rows).toEqual([{ W: expect.any(String), ANSWER: 42 }]);
  expect(snowflake.requests.filter((r) => r.kind === 'queryStatus').length).toBeGreaterThan(0);
});

test('warm path: 1,000 sequential invocations read the secret once and log in once', async () => {
  const { secretId } = await userWithSecret(rsaKey());
  const instance = await instanceFor(secretId);
  const reads = aws.reads();
  const logins = snowflake.counters.logins;
  for (let i = 0; i < 1_000; i++) {
    const result = await instance.invoke({ op: 'fetchOne', sql: 'SELECT CAST(? AS INTEGER) AS I', binds: [i] });
    if (result.error || result.result?.I !== i) throw new Error(`invocation ${i}: ${JSON.stringify(result)}`);
  }
  expect(aws.reads() - reads).toBe(1);
  expect(snowflake.counters.logins - logins).toBe(1);
  // The connector's own metrics (embedded metric format) say the same.
  const metrics = emfMetrics(instance.output());
  expect(metrics.SecretReadMs).toHaveLength(1);
  expect(metrics.ConnectMs).toHaveLength(1);
  expect(metrics.QueryMs).toHaveLength(1_000);
  expect(metrics.Reconnects ?? []).toHaveLength(0);
});

test('concurrent first calls share one secret read and one login', async () => {
  const { secretId } = await userWithSecret(rsaKey());
  const instance = await instanceFor(secretId);
  const reads = aws.reads();
  const logins = snowflake.counters.logins;
  const results = await ok(instance, { op: 'parallel', steps: Array.from({ length: 5 }, (_, i) => ({ op: 'fetchOne', sql: `SELECT ${i} AS I` })) });
  expect(results).toEqual([0, 1, 2, 3, 4].map((i) => ({ I: i })));
  expect(aws.reads() - reads).toBe(1);
  expect(snowflake.counters.logins - logins).toBe(1);
});

describe('rotation', () => {
  test('after the old key is revoked, the next call re-reads AWSCURRENT once and logs in with the new key', async () => {
    const oldKey = rsaKey();
    const newKey = rsaKey();
    aws.rememberKey(newKey);
    const { user, secretId } = await userWithSecret(oldKey);
    const instance = await instanceFor(secretId);
    expect(await ok(instance, { op: 'fetchOne', sql: 'SELECT 1 AS ONE' })).toEqual({ ONE: 1 });

    // 1. Register the second key. 2. Put it into the secret as AWSCURRENT. 3. Revoke the old key.
    snowflake.setPublicKey(user, 2, newKey.publicPem);
    await aws.putSecret(secretId, { account: ACCOUNT, user, privateKey: newKey.pkcs8Pem, warehouse: 'LOAD_WH' });
    snowflake.setPublicKey(user, 1, undefined);
    // The instance's session ends (as it would after hours), so its next call must log in again.
    snowflake.expireSessions({ master: true });

    const reads = aws.reads();
    expect(await ok(instance, { op: 'fetchOne', sql: 'SELECT CURRENT_USER() AS WHO' })).toEqual({ WHO: user });
    expect(aws.reads() - reads).toBe(1);
    // Only AWSCURRENT was ever asked for: never AWSPENDING.
    expect(aws.proxy.calls.filter((c) => c.operation === 'secretsmanager.GetSecretValue').map((c) => c.body?.VersionStage))
      .not.toContain('AWSPENDING');
    expect(instance.output()).toContain(newKey.fingerprint);
    // The session was gone (one reconnect), then the key was rejected (a second, with the new key).
    expect(emfMetrics(instance.output()).Reconnects).toEqual([1, 1]);
    expect(emfMetrics(instance.output()).SecretReadMs).toHaveLength(2);
  });

  test('when the secret still holds the revoked key, the error says so after one re-read', async () => {
    const oldKey = rsaKey();
    const { user, secretId } = await userWithSecret(oldKey);
    const instance = await instanceFor(secretId);
    await ok(instance, { op: 'fetchOne', sql: 'SELECT 1 AS ONE' });
    snowflake.setPublicKey(user, 1, undefined);
    snowflake.expireSessions({ master: true });
    const reads = aws.reads();
    const invocation = await instance.invoke({ op: 'fetchOne', sql: 'SELECT 1 AS ONE' });
    expect(invocation.error).toEqual(expect.objectContaining({ errorType: 'AuthenticationError', code: 'AUTH_REJECTED' }));
    expect(invocation.error!.errorMessage).toContain(oldKey.fingerprint);
    expect(invocation.error!.errorMessage).toMatch(/still holds the same key/);
    expect(aws.reads() - reads).toBe(1);
  });
});

describe('connection reuse', () => {
  test('an expired session token is renewed by the driver; an expired master token makes the connector log in again', async () => {
    const { secretId } = await userWithSecret(rsaKey());
    const instance = await instanceFor(secretId);
    await ok(instance, { op: 'fetchOne', sql: 'SELECT 1 AS ONE' });
    const logins = snowflake.counters.logins;

    snowflake.expireSessions();
    expect(await ok(instance, { op: 'fetchOne', sql: 'SELECT 2 AS TWO' })).toEqual({ TWO: 2 });
    expect(snowflake.counters.logins - logins).toBe(0);

    snowflake.expireSessions({ master: true });
    expect(await ok(instance, { op: 'fetchOne', sql: 'SELECT 3 AS THREE' })).toEqual({ THREE: 3 });
    expect(snowflake.counters.logins - logins).toBe(1);
    expect((await ok(instance, { op: 'stats' })).reconnects).toBe(1);
  });

  test('a 503 or a reset during a statement is retried by the driver under one request id, and the statement runs once', async () => {
    const { secretId } = await userWithSecret(rsaKey());
    const instance = await instanceFor(secretId);
    await ok(instance, { op: 'execute', sql: 'CREATE TABLE RETRIED (ID INTEGER)' });
    const before = snowflake.counters;
    snowflake.faults.failNext(1, { status: 503, kind: 'query' });
    snowflake.faults.resetNext(1, { kind: 'query' });
    expect((await ok(instance, { op: 'execute', sql: 'INSERT INTO RETRIED VALUES (?)', binds: [7] })).rowCount).toBe(1);
    const after = snowflake.counters;
    const ran = snowflake.requests.filter((r) => r.kind === 'query' && r.sql === 'INSERT INTO RETRIED VALUES (?)');
    expect(ran).toHaveLength(1);
    // Three HTTP attempts (a reset, a 503, then success), all with the statement's one request id.
    const attempts = snowflake.requests.filter((r) => r.kind === 'query' && r.requestId === ran[0].requestId);
    expect(attempts.map((r) => r.fault ?? r.status)).toEqual(['reset', 'status', 200]);
    expect(after.queries - before.queries).toBe(1);
    expect(await ok(instance, { op: 'fetchAll', sql: 'SELECT ID FROM RETRIED' })).toEqual([{ ID: 7 }]);
  });

  test('after an idle spell, a failed heartbeat makes the connector log in again before the statement', async () => {
    const { secretId } = await userWithSecret(rsaKey());
    const instance = await instanceFor(secretId);
    // validateAfterIdleMs 0: check before every call, as if every call came after a long idle.
    await ok(instance, { op: 'fetchOne', sql: 'SELECT 1 AS ONE', options: { validateAfterIdleMs: 0 } });
    const heartbeats = snowflake.counters.heartbeats;
    await ok(instance, { op: 'fetchOne', sql: 'SELECT 1 AS ONE' });
    expect(snowflake.counters.heartbeats - heartbeats).toBe(1);
    const logins = snowflake.counters.logins;
    snowflake.faults.failNext(1, { status: 503, kind: 'heartbeat' });
    expect(await ok(instance, { op: 'fetchOne', sql: 'SELECT 2 AS TWO' })).toEqual({ TWO: 2 });
    expect(snowflake.counters.logins - logins).toBe(1);
  });

  test('a failed login is not kept: the next invocation tries again and succeeds', async () => {
    const { secretId } = await userWithSecret(rsaKey());
    const instance = await instanceFor(secretId);
    snowflake.faults.failNext(FAST_RETRIES.maxAttempts + 1, { status: 503, kind: 'login' });
    const first = await instance.invoke({ op: 'fetchOne', sql: 'SELECT 1 AS ONE', options: { retryPolicy: FAST_RETRIES } });
    expect(first.error).toEqual(expect.objectContaining({ errorType: 'TransientError', code: 'SNOWFLAKE_UNAVAILABLE' }));
    snowflake.faults.reset();
    expect(await ok(instance, { op: 'fetchOne', sql: 'SELECT 1 AS ONE' })).toEqual({ ONE: 1 });
  });

  test('a 503 at login is retried with backoff and then succeeds', async () => {
    const { secretId } = await userWithSecret(rsaKey());
    const instance = await instanceFor(secretId);
    const attempts = snowflake.requests.filter((r) => r.kind === 'login').length;
    snowflake.faults.failNext(2, { status: 503, kind: 'login' });
    expect(await ok(instance, { op: 'fetchOne', sql: 'SELECT 1 AS ONE', options: { retryPolicy: FAST_RETRIES } })).toEqual({ ONE: 1 });
    expect(snowflake.requests.filter((r) => r.kind === 'login').length - attempts).toBe(3);
  });
});

test('a secret given by name is read in the function\'s region, and the session gets the secret\'s role and warehouse', async () => {
  const key = rsaKey();
  const { user, secretId } = await userWithSecret(key, { role: 'ANALYST', warehouse: 'REPORTING_WH', database: 'RAW', schema: 'EVENTS' });
  // Snowflake refuses a login with a role not granted to the user (390189).
  snowflake.createRole('ANALYST');
  snowflake.grantRole('ANALYST', user);
  const name = secretId.split(':secret:')[1].replace(/-[A-Za-z0-9]{6}$/, '');
  const instance = await instanceFor(name);
  expect(await ok(instance, {
    op: 'fetchOne',
    sql: 'SELECT CURRENT_USER() AS U, CURRENT_ROLE() AS R, CURRENT_WAREHOUSE() AS W, CURRENT_DATABASE() AS D, CURRENT_SCHEMA() AS S',
  })).toEqual({ U: user, R: 'ANALYST', W: 'REPORTING_WH', D: 'RAW', S: 'EVENTS' });
});

test('a legacy password secret still connects, with a warning', async () => {
  snowflake.addUser({ name: 'LEGACY_E2E', password: 'legacy-e2e-password', defaultRole: 'LOADER' });
  aws.remember('legacy-e2e-password');
  const secretId = await aws.createSecret({ account: ACCOUNT, username: 'LEGACY_E2E', password: 'legacy-e2e-password' });
  const instance = await instanceFor(secretId);
  expect(await ok(instance, { op: 'fetchOne', sql: 'SELECT CURRENT_USER() AS WHO' })).toEqual({ WHO: 'LEGACY_E2E' });
  expect(instance.output()).toMatch(/"level":"WARN".*blocking single-factor password sign-in for service users/);
});

describe('the driver is set up for Lambda', () => {
  test('no platform detection: no STS call reaches AWS during a whole run', async () => {
    const { secretId } = await userWithSecret(rsaKey());
    const instance = await instanceFor(secretId);
    await ok(instance, { op: 'fetchOne', sql: 'SELECT 1 AS ONE' });
    await new Promise((r) => setTimeout(r, 500));
    expect(stsCalls()).toBe(0);
  });

  test('(control) snowflake-sdk loaded without that setting does call STS, so the check above can fail', async () => {
    const before = stsCalls();
    // Kept alive until its STS call arrives (however slow the machine), then stopped: no fixed wait.
    const child = spawn(process.execPath, ['-e', 'require("snowflake-sdk"); setInterval(() => {}, 1000)'], {
      cwd: REPO,
      env: { PATH: process.env.PATH, HOME: '/tmp', ...aws.env(), NODE_PATH: path.join(REPO, 'node_modules') },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (c) => { stderr += String(c); });
    const exited = new Promise<string>((resolve) => {
      child.on('error', (error) => resolve(`could not start: ${error.message}`));
      child.on('exit', (code) => resolve(`exited with ${code} before any STS call: ${stderr.slice(-500)}`));
    });
    const called = (async () => {
      while (stsCalls() === before) await new Promise((r) => setTimeout(r, 50));
      return 'called';
    })();
    const outcome = await Promise.race([called, exited]);
    child.kill('SIGKILL');
    expect(outcome).toBe('called');
    expect(stsCalls() - before).toBeGreaterThan(0);
  });

  test('the connector logs JSON lines only, with the fingerprint at INFO', async () => {
    const key = rsaKey();
    const { secretId } = await userWithSecret(key);
    const instance = await instanceFor(secretId);
    await ok(instance, { op: 'fetchOne', sql: 'SELECT 1 AS ONE' });
    const lines = instance.output().trim().split('\n');
    const parsed = lines.map((line) => JSON.parse(line));
    expect(parsed).toContainEqual(expect.objectContaining({ level: 'INFO', message: 'Read the Snowflake secret', publicKeyFingerprint: key.fingerprint }));
    expect(parsed).toContainEqual(expect.objectContaining({ level: 'INFO', message: 'Connected to Snowflake' }));
  });
});
