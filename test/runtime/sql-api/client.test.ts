/**
 * The SQL API client (src/runtime/sql-api/client.ts) in process, against real protocols on
 * loopback: the local Snowflake endpoint's SQL API v2 (which verifies every JWT and runs SQL on
 * embedded Postgres) and moto's Secrets Manager, read by the connector's own SecretReader. What
 * the client did is read from the endpoint's request log and counters, not from the client.
 *
 * No test waits on time: the client's clock, sleep and dice are injected, and the endpoint's clock
 * is the same variable (`clock`): a sleep of the client moves both.
 */
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { LocalSnowflake, signJwt, startLocalSnowflake } from '@cdk-snowflake-keypair/local-snowflake';
import { SecretReader } from '../../../src/runtime/connector/credentials';
import { RetryEnvironment } from '../../../src/runtime/connector/retry';
import { AuthenticationError, ConfigurationError, QueryError, SnowflakeConnectorError, TransientError } from '../../../src/runtime/shared/errors';
import { SqlApiClient, SqlApiClientOptions, USER_AGENT } from '../../../src/runtime/sql-api/client';
import { AwsSide } from '../../support/connector-fixture';
import { rsaKey, TestKey } from '../../support/keys';

const ACCOUNT = 'TESTORG-TESTACCOUNT';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const FAST = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1_000, totalTimeMs: 30_000 };

let aws: AwsSide;
let endpoint: LocalSnowflake;
let clock = Date.UTC(2026, 11, 3, 12, 0, 0);
const sleeps: number[] = [];
const env: RetryEnvironment = {
  now: () => clock,
  sleep: async (ms) => {
    sleeps.push(ms);
    clock += ms;
  },
  random: () => 0.5,
};
let users = 0;
/** Everything the process wrote while a client ran: scanned for the JWT, the key and bind values. */
let output = '';
const writes: jest.SpyInstance[] = [];

beforeAll(async () => {
  [aws, endpoint] = await Promise.all([AwsSide.start(), startLocalSnowflake({ account: ACCOUNT, now: () => clock })]);
  await endpoint.sql('CREATE TABLE numbers (n INT)');
  await endpoint.sql('INSERT INTO numbers VALUES (1), (2), (3), (4), (5)');
});

afterAll(async () => {
  await Promise.all([aws?.stop(), endpoint?.stop()]);
});

beforeEach(() => {
  endpoint.faults.reset();
  endpoint.resetCounters();
  endpoint.setSqlApiRowsPerPartition(10_000);
  endpoint.setInProgressAfterMs(45_000);
  sleeps.length = 0;
  output = '';
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream);
    writes.push(jest.spyOn(stream, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
      output += String(chunk);
      return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as never));
  }
});

afterEach(() => {
  for (const spy of writes.splice(0)) spy.mockRestore();
  // Nothing the client logged holds a JWT (base64url JSON header `eyJ`) or a PEM.
  expect(output).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
  expect(output).not.toMatch(/BEGIN [A-Z ]*PRIVATE KEY/);
});

interface Fixture {
  readonly user: string;
  readonly key: TestKey;
  readonly secretId: string;
  readonly reader: SecretReader;
  readonly client: SqlApiClient;
}

/** A new Snowflake user holding a new key, a secret for it in moto, and a client reading that secret. */
async function fixture(secretPatch: Record<string, unknown> = {}, options: Partial<SqlApiClientOptions> = {}): Promise<Fixture> {
  const key = rsaKey();
  const user = `SVC_API_${++users}`;
  endpoint.addUser({ name: user, publicKeys: [key.publicPem], defaultRole: 'LOADER', defaultWarehouse: 'LOAD_WH' });
  const secretId = await aws.createSecret({ account: ACCOUNT, user, privateKey: key.pkcs8Pem, ...secretPatch });
  const reader = new SecretReader(secretId, { client: aws.sm });
  const client = new SqlApiClient({ credentials: reader, endpointUrl: endpoint.url, env, retryPolicy: FAST, ...options });
  return { user, key, secretId, reader, client };
}

/** The endpoint's log of SQL API requests of one kind. */
function logged(kind: 'statements' | 'statementStatus' | 'statementCancel') {
  return endpoint.requests.filter((r) => r.kind === kind);
}

/** Resolves when the endpoint has logged a request matching `match` (it logs when the request arrives). */
async function arrived(match: (r: ReturnType<typeof logged>[number]) => boolean): Promise<void> {
  for (;;) {
    if (endpoint.requests.some(match)) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function rejection(promise: Promise<unknown>): Promise<SnowflakeConnectorError> {
  try {
    await promise;
  } catch (error) {
    return error as SnowflakeConnectorError;
  }
  throw new Error('expected a rejection');
}

describe('a statement is one POST /api/v2/statements', () => {
  test('a query: rows keyed by column name, the query id is the statement handle, and the headers Snowflake requires', async () => {
    const { client, user, key } = await fixture();
    const result = await client.statement('SELECT n FROM numbers ORDER BY n', undefined, { kind: 'all' });
    const [post] = logged('statements');
    expect(result).toEqual({ queryId: post.queryId, rowCount: 5, rows: [{ N: 1 }, { N: 2 }, { N: 3 }, { N: 4 }, { N: 5 }] });
    expect(post).toMatchObject({
      method: 'POST',
      status: 200,
      tokenType: 'KEYPAIR_JWT',
      userAgent: USER_AGENT,
      jwtClaims: { iss: `${ACCOUNT}.${user}.${key.fingerprint}`, sub: `${ACCOUNT}.${user}` },
    });
    expect(post.requestId).toMatch(UUID);
    expect(post.retry).toBeFalsy();
    expect(USER_AGENT).toMatch(/^cdk-snowflake-keypair\/\d+\.\d+\.\d+/);
    expect(endpoint.counters.queries).toBe(1);
  });

  test('concurrent first statements share one secret read and one signer', async () => {
    const { client, reader } = await fixture();
    const results = await Promise.all([1, 2, 3].map((n) => client.statement(`SELECT ${n} AS X`, undefined, { kind: 'all' })));
    expect(results.map((r) => r.rows)).toEqual([[{ X: 1 }], [{ X: 2 }], [{ X: 3 }]]);
    expect(reader.reads).toBe(1);
    expect(client.stats.jwtSignings).toBe(1);
  });

  test('fetch none: the row count and the query id, no rows', async () => {
    const { client } = await fixture();
    const result = await client.statement('SELECT n FROM numbers', undefined, { kind: 'none' });
    expect(result).toEqual({ queryId: expect.stringMatching(UUID), rowCount: 5 });
  });

  test('DML: rows inserted, updated and deleted, from the answer\'s stats', async () => {
    const { client } = await fixture();
    await client.statement('CREATE OR REPLACE TABLE dml_counts (n INT)', undefined, { kind: 'none' });
    await expect(client.statement('INSERT INTO dml_counts VALUES (1), (2), (3)', undefined, { kind: 'none' })).resolves.toMatchObject({ rowCount: 3 });
    await expect(client.statement('UPDATE dml_counts SET n = n + 10 WHERE n > 1', undefined, { kind: 'none' })).resolves.toMatchObject({ rowCount: 2 });
    await expect(client.statement('DELETE FROM dml_counts', undefined, { kind: 'all' })).resolves.toMatchObject({
      rowCount: 3, rows: [{ 'number of rows deleted': 3 }],
    });
  });

  test('binds of each type: TEXT, FIXED for integers, REAL for other numbers, BOOLEAN', async () => {
    const { client } = await fixture();
    await client.statement('CREATE OR REPLACE TABLE bound (s TEXT, n INT, f FLOAT, b BOOLEAN)', undefined, { kind: 'none' });
    await client.statement('INSERT INTO bound VALUES (?, ?, ?, ?)', ['Ada', 42, 1.5, true], { kind: 'none' });
    await client.statement('INSERT INTO bound VALUES (?, ?, ?, ?)', ['it\'s', -7, -0.25, false], { kind: 'none' });
    const { rows } = await client.statement('SELECT s, n, f, b FROM bound WHERE n > ? ORDER BY n', [-100], { kind: 'all' });
    expect(rows).toEqual([{ S: 'it\'s', N: -7, F: -0.25, B: false }, { S: 'Ada', N: 42, F: 1.5, B: true }]);
  });

  test.each([
    ['null', [null], /bind 1 is null: Snowflake's SQL API documents no way to bind SQL NULL/],
    ['an array (array binding)', [[1, 2]], /bind 1 is an array: Snowflake's SQL API has no array binding/],
    ['a non-finite number', [1, Number.NaN], /bind 2 is the non-finite number NaN/],
  ])('a bind that the SQL API cannot take (%s) is refused before anything is sent', async (_name, binds, message) => {
    const { client } = await fixture();
    const error = await rejection(client.statement('SELECT ?', binds as never, { kind: 'all' }));
    expect(error).toBeInstanceOf(SnowflakeConnectorError);
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(message);
    expect(endpoint.counters.statementRequests).toBe(0);
  });

  test('role, warehouse, database and schema go as resolved names: a quoted case-sensitive role works, and an unquoted name is upper-cased', async () => {
    endpoint.createRole('"Mixed Role"');
    const { client, user } = await fixture({ role: '"Mixed Role"', warehouse: 'load_wh' });
    endpoint.grantRole('"Mixed Role"', user);
    const { rows } = await client.statement('SELECT CURRENT_ROLE() AS R, CURRENT_WAREHOUSE() AS W', undefined, { kind: 'all' });
    expect(rows).toEqual([{ R: 'Mixed Role', W: 'LOAD_WH' }]);
    // `loader` in the secret is the role LOADER: sent resolved, it is accepted ...
    const { client: lower, user: other, key } = await fixture({ role: 'loader' });
    await expect(lower.statement('SELECT CURRENT_ROLE() AS R', undefined, { kind: 'all' })).resolves.toMatchObject({ rows: [{ R: 'LOADER' }] });
    expect(logged('statements').every((r) => r.status === 200)).toBe(true);
    // ... and the control: sent as written, the SQL API takes it exactly (SUB), and refuses it.
    const iat = Math.floor(clock / 1000);
    const sub = `${ACCOUNT}.${other}`;
    const token = signJwt(key.privateKey, { iss: `${sub}.${key.fingerprint}`, sub, iat, exp: iat + 3540 });
    const response = await fetch(`${endpoint.url}/api/v2/statements?requestId=${randomUUID()}`, {
      method: 'POST',
      headers: { 'Authorization': `Bearer ${token}`, 'Content-Type': 'application/json', 'Accept': 'application/json', 'User-Agent': USER_AGENT },
      body: JSON.stringify({ statement: 'SELECT 1', role: 'loader' }),
    });
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ code: '390189' });
  });

  test('a role not granted to the user is AUTH_SESSION_SETTING, as at a driver login', async () => {
    endpoint.createRole('NOT_MINE');
    const { client } = await fixture({ role: 'NOT_MINE' });
    const error = await rejection(client.statement('SELECT 1', undefined, { kind: 'all' }));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.code).toBe('AUTH_SESSION_SETTING');
    expect((error as AuthenticationError).snowflakeCode).toBe('390189');
    expect(endpoint.counters.queries).toBe(0);
  });
});

describe('multi-statement requests (MULTI_STATEMENT_COUNT)', () => {
  test('several statements in one request: one result per statement, in order', async () => {
    const { client } = await fixture();
    const results = await client.statements(
      'CREATE OR REPLACE TABLE multi (n INT); INSERT INTO multi VALUES (1), (2); SELECT n FROM multi ORDER BY n', 3, { kind: 'all' });
    expect(logged('statements')).toHaveLength(1);
    expect(results).toHaveLength(3);
    expect(results[1]).toMatchObject({ rowCount: 2 });
    expect(results[2]).toMatchObject({ rowCount: 2, rows: [{ N: 1 }, { N: 2 }] });
    expect(new Set(results.map((r) => r.queryId)).size).toBe(3);
  });

  test('a failing statement fails the request with its own error; the ones before it ran', async () => {
    const { client } = await fixture();
    await client.statement('CREATE OR REPLACE TABLE multi_fail (n INT)', undefined, { kind: 'none' });
    const error = await rejection(client.statements('INSERT INTO multi_fail VALUES (1); SELECT afaf', 2, { kind: 'all' }));
    expect(error).toBeInstanceOf(QueryError);
    expect(error).toMatchObject({ code: 'SQL_ERROR', snowflakeCode: '000904', sqlState: '42000' });
    await expect(client.statement('SELECT COUNT(*) AS C FROM multi_fail', undefined, { kind: 'all' })).resolves.toMatchObject({ rows: [{ C: 1 }] });
  });

  test('a count that does not match is Snowflake\'s 000008, as a QueryError', async () => {
    const { client } = await fixture();
    const error = await rejection(client.statements('SELECT 1; SELECT 2', 3, { kind: 'all' }));
    expect(error).toBeInstanceOf(QueryError);
    expect(error).toMatchObject({ code: 'SQL_ERROR', snowflakeCode: '000008' });
  });
});

describe('partitions', () => {
  test('every partition is read: 0 from the answer, 1..n-1 by GET ?partition=N (gzip)', async () => {
    endpoint.setSqlApiRowsPerPartition(2);
    const { client } = await fixture();
    const result = await client.statement('SELECT n FROM numbers ORDER BY n', undefined, { kind: 'all' });
    expect(result.rows).toEqual([1, 2, 3, 4, 5].map((n) => ({ N: n })));
    expect(endpoint.counters.partitionFetches).toBe(2);
    const partitions = endpoint.requests.filter((r) => r.partition !== undefined && Number(r.partition) >= 1).map((r) => Number(r.partition));
    expect(partitions).toEqual([1, 2]);
  });

  test('a partition GET that fails (503) is sent again: GETs are safe to repeat', async () => {
    endpoint.setSqlApiRowsPerPartition(2);
    const { client } = await fixture();
    endpoint.faults.failNext(1, { status: 503, kind: 'statementStatus' });
    const result = await client.statement('SELECT n FROM numbers ORDER BY n', undefined, { kind: 'all' });
    expect(result.rows).toHaveLength(5);
    const partitionAnswers = endpoint.requests.filter((r) => Number(r.partition ?? 0) >= 1).map((r) => [Number(r.partition), r.status]);
    expect(partitionAnswers).toEqual([[1, 503], [1, 200], [2, 200]]);
    expect(endpoint.counters.queries).toBe(1);
  });

  test.each([
    [1, 0, [1], true],
    [2, 0, [1, 2], true],
    [3, 1, [1, 2, 3], true],
    [5, 2, [1, 2, 3, 4, 5], false],
    [9, 2, [1, 2, 3, 4, 5], false],
  ])('maxRows %d: %d partition(s) fetched past the first, truncated as the driver path reports it', async (maxRows, fetched, ns, truncated) => {
    endpoint.setSqlApiRowsPerPartition(2);
    const { client } = await fixture();
    const result = await client.statement('SELECT n FROM numbers ORDER BY n', undefined, { kind: 'max', maxRows });
    expect(result).toEqual({ queryId: expect.stringMatching(UUID), rowCount: 5, rows: ns.map((n) => ({ N: n })), truncated });
    expect(endpoint.counters.partitionFetches).toBe(fetched);
  });
});

describe('values: every type the endpoint serves, round trip', () => {
  test('FIXED (exact, and beyond 2^53), REAL, TEXT, BOOLEAN, DATE (before 1970 too), TIME, TIMESTAMP_NTZ (negative epoch), TIMESTAMP_LTZ, VARIANT, NULL', async () => {
    const { client } = await fixture();
    const { rows } = await client.statement(`SELECT 42 AS I, CAST(12.30 AS NUMBER(10,2)) AS D, CAST(9007199254740993 AS NUMBER(38,0)) AS BIG,
      CAST(1.5 AS FLOAT) AS F, 'text' AS T, TRUE AS B, CAST('2020-01-01' AS DATE) AS DT, CAST('1969-12-31' AS DATE) AS OLD,
      CAST('12:34:56.123456' AS TIME) AS TM, CAST('2021-03-19 17:06:59.123456' AS TIMESTAMP_NTZ) AS NTZ,
      CAST('1960-01-01 00:00:00.5' AS TIMESTAMP_NTZ) AS NEG, CAST('2021-03-19 17:06:59+00' AS TIMESTAMP_LTZ) AS LTZ,
      PARSE_JSON('{"a":[1,2,{"b":null}]}') AS V, CAST(NULL AS TEXT) AS N`, undefined, { kind: 'all' });
    expect(rows).toEqual([{
      I: 42,
      D: 12.3,
      BIG: '9007199254740993',
      F: 1.5,
      T: 'text',
      B: true,
      DT: '2020-01-01',
      OLD: '1969-12-31',
      TM: '12:34:56.123456000',
      NTZ: '2021-03-19T17:06:59.123456000',
      NEG: '1960-01-01T00:00:00.500000000',
      LTZ: '2021-03-19T17:06:59.000000000Z',
      V: { a: [1, 2, { b: null }] },
      N: null,
    }]);
  });

  test('BINARY: upper-case hex', async () => {
    const { client } = await fixture();
    await client.statement('CREATE OR REPLACE TABLE bin (b BINARY)', undefined, { kind: 'none' });
    await client.statement('INSERT INTO bin VALUES (CAST(\'Hello\' AS BINARY))', undefined, { kind: 'none' });
    await expect(client.statement('SELECT b FROM bin', undefined, { kind: 'all' })).resolves.toMatchObject({ rows: [{ B: '48656C6C6F' }] });
  });
});

describe('202: polled at statementStatusUrl within the deadline, cancelled when it passes', () => {
  test('a statement still running after the POST is polled until it ends, with backoff on the injected clock', async () => {
    endpoint.faults.slowStatements(1, { polls: 3 });
    const { client } = await fixture();
    const result = await client.statement('SELECT 6 AS X', undefined, { kind: 'all' });
    expect(result.rows).toEqual([{ X: 6 }]);
    expect(endpoint.counters.statementStatusChecks).toBe(3);
    expect(client.stats.polls).toBe(3);
    // Equal jitter (random 0.5) under a cap doubling from 500 ms.
    expect(sleeps).toEqual([375, 750, 1500]);
    expect(endpoint.counters.statementCancels).toBe(0);
  });

  test('metrics: QueryMs, from the POST to the result, on the injected clock (the driver path\'s metric), only inside Lambda', async () => {
    endpoint.faults.slowStatements(2, { polls: 3 });
    const { client } = await fixture();
    await client.statement('SELECT 1', undefined, { kind: 'none' });
    expect(output).not.toContain('"QueryMs"');
    process.env.AWS_LAMBDA_FUNCTION_NAME = 'test-sql-api';
    try {
      await client.statement('SELECT 2', undefined, { kind: 'none' });
    } finally {
      delete process.env.AWS_LAMBDA_FUNCTION_NAME;
    }
    const metrics = output.split('\n').filter((line) => line.startsWith('{"_aws"')).map((line) => JSON.parse(line));
    expect(metrics).toEqual([expect.objectContaining({ FunctionName: 'test-sql-api', QueryMs: 375 + 750 + 1500 })]);
    expect(metrics[0]._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'CdkSnowflakeKeypair', Metrics: [{ Name: 'QueryMs', Unit: 'Milliseconds' }] });
  });

  test('a status GET answered 429 is "still running": polled again', async () => {
    endpoint.faults.slowStatements(1, { polls: 2 });
    endpoint.faults.failNext(1, { status: 429, kind: 'statementStatus' });
    const { client } = await fixture();
    await expect(client.statement('SELECT 7 AS X', undefined, { kind: 'all' })).resolves.toMatchObject({ rows: [{ X: 7 }] });
    expect(logged('statementStatus').map((r) => r.status)).toEqual([429, 202, 200]);
  });

  test('the deadline passes while it runs: the client POSTs the cancel URL and fails with DEADLINE_EXCEEDED', async () => {
    endpoint.faults.slowStatements(1, { polls: 1_000 });
    const { client } = await fixture({}, { statementDeadlineMs: 10_000 });
    const error = await rejection(client.statement('SELECT 8', undefined, { kind: 'all' }));
    expect(error).toBeInstanceOf(TransientError);
    expect(error.code).toBe('DEADLINE_EXCEEDED');
    const [post] = logged('statements');
    expect(error.message).toContain(post.queryId);
    expect(logged('statementCancel')).toEqual([expect.objectContaining({ method: 'POST', status: 200, queryId: post.queryId })]);
    expect(endpoint.counters.queries).toBe(0);
    expect(sleeps.reduce((a, b) => a + b, 0)).toBeLessThan(10_000);
  });

  test('408 (Snowflake cancelled it at the body\'s timeout) is the driver path\'s STATEMENT_TIMEOUT, not resent', async () => {
    endpoint.faults.slowStatements(1, { polls: 100 });
    const { client } = await fixture({}, { statementTimeoutSeconds: 5 });
    const pending = rejection(client.statement('SELECT 9', undefined, { kind: 'all' }));
    await arrived((r) => r.kind === 'statements' && r.queryId !== undefined);
    clock += 5_000;
    const error = await pending;
    expect(error).toBeInstanceOf(QueryError);
    expect(error).toMatchObject({ code: 'STATEMENT_TIMEOUT', snowflakeCode: '000630', sqlState: '57014', queryId: logged('statements')[0].queryId });
    expect(logged('statements').map((r) => r.status)).toEqual([408]);
  });
});

describe('resends: the same requestId with retry=true, so a statement runs once', () => {
  test.each([
    ['503 twice', () => endpoint.faults.failNext(2, { status: 503, kind: 'statements' }), [503, 503, 200]],
    ['429', () => endpoint.faults.failNext(1, { status: 429, kind: 'statements' }), [429, 200]],
    ['500 after the statement ran', () => endpoint.faults.failNext(1, { status: 500, kind: 'statements', afterHandling: true }), [500, 200]],
    ['a reset connection after the statement ran', () => endpoint.faults.resetNext(1, { kind: 'statements', afterHandling: true }), [0, 200]],
    ['a reset connection before it ran', () => endpoint.faults.resetNext(1, { kind: 'statements' }), [0, 200]],
  ])('%s', async (_name, fault, statuses) => {
    const { client } = await fixture();
    await client.statement('CREATE OR REPLACE TABLE once (n INT)', undefined, { kind: 'none' });
    endpoint.resetCounters();
    fault();
    const result = await client.statement('INSERT INTO once VALUES (1)', undefined, { kind: 'none' });
    const posts = logged('statements');
    expect(posts.map((r) => r.status)).toEqual(statuses);
    expect(new Set(posts.map((r) => r.requestId)).size).toBe(1);
    expect(posts.map((r) => Boolean(r.retry))).toEqual(statuses.map((_s, i) => i > 0));
    expect(endpoint.counters.queries).toBe(1);
    expect(result.rowCount).toBe(1);
    await expect(client.statement('SELECT COUNT(*) AS C FROM once', undefined, { kind: 'all' })).resolves.toMatchObject({ rows: [{ C: 1 }] });
  });

  test('bounded: after maxAttempts it fails with SNOWFLAKE_UNAVAILABLE, having run the statement at most once', async () => {
    endpoint.faults.failNext(10, { status: 503, kind: 'statements' });
    const { client } = await fixture();
    const error = await rejection(client.statement('SELECT 1', undefined, { kind: 'all' }));
    expect(error).toBeInstanceOf(TransientError);
    expect(error.code).toBe('SNOWFLAKE_UNAVAILABLE');
    expect(error.message).toMatch(/after 4 attempt\(s\) \(last: HTTP 503\)\. Each resend carried the same request id with retry=true/);
    expect(logged('statements')).toHaveLength(4);
    expect(endpoint.counters.queries).toBe(0);
  });

  test('422 is never resent', async () => {
    const { client } = await fixture();
    await rejection(client.statement('SELECT afaf', undefined, { kind: 'all' }));
    expect(logged('statements').map((r) => r.status)).toEqual([422]);
  });

  // The local endpoint never answers these to a well-formed request: a loopback server stands in
  // for REF's documented answers (and a proxy's page), and counts what reached it.
  async function answering(status: number, body: unknown, work: (url: string) => Promise<void>): Promise<string[]> {
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.writeHead(status, { 'content-type': 'application/json' }).end(typeof body === 'string' ? body : JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await work(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    return seen;
  }

  test('a 200 that is not the SQL API\'s (no statement handle: a proxy\'s page) is resent like a 5xx, under one requestId', async () => {
    const { reader } = await fixture();
    const seen = await answering(200, '<html>captive portal</html>', async (url) => {
      const client = new SqlApiClient({ credentials: reader, endpointUrl: url, env, retryPolicy: FAST });
      const error = await rejection(client.statement('SELECT 1', undefined, { kind: 'all' }));
      expect(error).toBeInstanceOf(TransientError);
      expect(error.message).toMatch(/after 4 attempt\(s\) \(last: HTTP 200 without a statement handle\)/);
    });
    expect(seen).toHaveLength(4);
    expect(new Set(seen.map((r) => /requestId=([0-9a-f-]+)/.exec(r)![1])).size).toBe(1);
    expect(seen.slice(1).every((r) => r.endsWith('&retry=true'))).toBe(true);
  });

  test.each([
    [400, { code: '390142', message: 'Incoming request does not contain a valid payload.' }, SnowflakeConnectorError, 'INVALID_ARGUMENT'],
    [403, {}, AuthenticationError, 'AUTH_ACCOUNT_NOT_FOUND'],
    [404, {}, AuthenticationError, 'AUTH_ACCOUNT_NOT_FOUND'],
    [415, {}, ConfigurationError, 'CONFIG_INVALID'],
  ])('HTTP %d is never resent, and is a typed error', async (status, body, type, code) => {
    const { reader } = await fixture();
    const seen = await answering(status, body, async (url) => {
      const client = new SqlApiClient({ credentials: reader, endpointUrl: url, env, retryPolicy: FAST });
      const error = await rejection(client.statement('SELECT 1', undefined, { kind: 'all' }));
      expect(error).toBeInstanceOf(type);
      expect(error.code).toBe(code);
    });
    expect(seen).toEqual([expect.stringMatching(/^POST \/api\/v2\/statements\?requestId=[0-9a-f-]{36}$/)]);
  });
});

describe('JWT: re-signed by the clock, re-read from the secret after a rotation', () => {
  test('a token past its time is never sent: the clock two hours on signs a new one, which the endpoint accepts', async () => {
    const { client, user, key } = await fixture();
    await client.statement('SELECT 1', undefined, { kind: 'none' });
    clock += 2 * 3600 * 1000;
    await client.statement('SELECT 2', undefined, { kind: 'none' });
    expect(logged('statements').map((r) => r.status)).toEqual([200, 200]);
    expect(client.stats.jwtSignings).toBe(2);
    // The control: the endpoint does refuse a token signed two hours ago.
    const iat = Math.floor(clock / 1000) - 2 * 3600;
    const sub = `${ACCOUNT}.${user}`;
    const stale = signJwt(key.privateKey, { iss: `${sub}.${key.fingerprint}`, sub, iat, exp: iat + 3540 });
    const response = await fetch(`${endpoint.url}/api/v2/statements?requestId=${randomUUID()}`, {
      method: 'POST',
      headers: { 'Authorization': `Bearer ${stale}`, 'Content-Type': 'application/json', 'Accept': 'application/json', 'User-Agent': USER_AGENT },
      body: JSON.stringify({ statement: 'SELECT 3' }),
    });
    expect(response.status).toBe(401);
  });

  test('after a rotation: the old key is refused, the secret is read once more, and the new key signs', async () => {
    const { client, user, secretId, reader } = await fixture();
    await client.statement('SELECT 1', undefined, { kind: 'none' });
    expect(reader.reads).toBe(1);
    const next = rsaKey();
    endpoint.setPublicKey(user, 1, next.publicPem);
    await aws.putSecret(secretId, { account: ACCOUNT, user, privateKey: next.pkcs8Pem });
    const result = await client.statement('SELECT 2 AS X', undefined, { kind: 'all' });
    expect(result.rows).toEqual([{ X: 2 }]);
    expect(reader.reads).toBe(2);
    const posts = logged('statements');
    expect(posts.map((r) => r.status)).toEqual([200, 401, 200]);
    expect(posts[2].jwtClaims?.iss).toBe(`${ACCOUNT}.${user}.${next.fingerprint}`);
    expect(posts[1].requestId).toBe(posts[2].requestId);
    expect(client.stats.secretRereads).toBe(1);
  });

  test('the secret still holds the refused key: one re-read, then AUTH_REJECTED naming the fingerprint, nothing run', async () => {
    const { client, user, key, reader } = await fixture();
    endpoint.setPublicKey(user, 1, rsaKey().publicPem);
    const error = await rejection(client.statement('SELECT 1', undefined, { kind: 'none' }));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ code: 'AUTH_REJECTED', snowflakeCode: '390144' });
    expect(error.message).toContain(key.fingerprint);
    expect(error.message).toContain('still holds the same key, so this is not a rotation in progress');
    expect(reader.reads).toBe(2);
    // The re-read found the same key: no second request with it.
    expect(logged('statements').map((r) => r.status)).toEqual([401]);
    expect(endpoint.counters.queries).toBe(0);
  });

  test('a password secret is refused: the SQL API takes a key-pair JWT only', async () => {
    const user = `SVC_API_${++users}`;
    const secretId = await aws.createSecret({ account: ACCOUNT, user, password: 'correct horse battery staple' });
    const client = new SqlApiClient({ credentials: new SecretReader(secretId, { client: aws.sm }), endpointUrl: endpoint.url, env });
    const error = await rejection(client.statement('SELECT 1', undefined, { kind: 'none' }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(/key-pair JWT only/);
    expect(error.message).not.toContain('correct horse');
    expect(endpoint.counters.statementRequests).toBe(0);
  });
});

describe('errors: the driver path\'s typed errors, with no JWT, key or bind value in them', () => {
  test('a SQL error is a QueryError with Snowflake\'s code, the SQL state and the query id', async () => {
    const { client } = await fixture();
    const error = await rejection(client.statement('SELECT afaf', undefined, { kind: 'all' }));
    expect(error).toBeInstanceOf(QueryError);
    const [post] = logged('statements');
    expect(error).toMatchObject({ code: 'SQL_ERROR', snowflakeCode: '000904', sqlState: '42000', queryId: post.queryId });
    expect(error.message).toMatch(/invalid identifier 'AFAF'/);
  });

  test('a bind value Snowflake quotes back never reaches the error or the logs', async () => {
    const { client } = await fixture();
    const secretish = 'not-a-number-4711-hush';
    const error = await rejection(client.statement('SELECT CAST(? AS INT) AS X', [secretish], { kind: 'all' }));
    expect(error).toBeInstanceOf(QueryError);
    expect(error.message).not.toContain(secretish);
    expect(JSON.stringify(error)).not.toContain(secretish);
    expect(output).not.toContain(secretish);
  });

  test('an endpoint URL that is plain http to a non-loopback host is refused (and https or loopback is not)', async () => {
    const reader = new SecretReader('unused', { client: aws.sm });
    expect(() => new SqlApiClient({ credentials: reader, endpointUrl: 'http://proxy.example.com' })).toThrow(ConfigurationError);
    expect(() => new SqlApiClient({ credentials: reader, endpointUrl: 'https://proxy.example.com' })).not.toThrow();
    expect(() => new SqlApiClient({ credentials: reader, endpointUrl: endpoint.url })).not.toThrow();
  });
});
