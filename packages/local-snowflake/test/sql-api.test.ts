/**
 * The local Snowflake endpoint's SQL API v2 (`/api/v2/statements`), with plain `fetch` and JWTs
 * signed here: every route, each status, each fault switch, every value type, gzip partitions,
 * requestId de-duplication, cancel, multi-statement requests, binds of each type, JWT refusals
 * and roles. The endpoint's clock is the test's (`now`): no test sleeps.
 */
import * as http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { LocalSnowflake, signJwt, startLocalSnowflake } from '../src';
import { sqlApiCell } from '../src/sql-api';
import { newKeyPair, TestKeyPair } from '../src/test-keys';

const ACCOUNT = 'TESTORG-TESTACCOUNT';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const JWT_INVALID = /^JWT token is invalid\. \[([0-9a-f-]{36})\]$/;

let endpoint: LocalSnowflake;
let clock = Date.UTC(2026, 11, 3, 12, 0, 0);
let appKey: TestKeyPair;
let otherKey: TestKeyPair;
let stranger: TestKeyPair;

beforeAll(async () => {
  endpoint = await startLocalSnowflake({ now: () => clock });
  [appKey, otherKey, stranger] = [newKeyPair(), newKeyPair(), newKeyPair()];
  endpoint.addUser({ name: 'app', publicKeys: [appKey.publicKeyPem], defaultRole: 'LOADER', defaultWarehouse: 'LOAD_WH', defaultDatabase: 'RAW' });
  endpoint.addUser({ name: 'other', publicKeys: [otherKey.publicKeyPem] });
  endpoint.createRole('SYSADMIN');
  endpoint.createRole('"Mixed Role"');
  endpoint.grantRole('"Mixed Role"', 'app');
  await endpoint.sql('CREATE TABLE numbers (n INT)');
  await endpoint.sql('INSERT INTO numbers VALUES (1), (2), (3), (4), (5)');
});

afterAll(async () => {
  await endpoint?.stop();
});

beforeEach(() => {
  endpoint.faults.reset();
  endpoint.resetCounters();
  endpoint.setSqlApiRowsPerPartition(10_000);
  endpoint.setInProgressAfterMs(45_000);
});

interface Token {
  readonly key?: TestKeyPair;
  readonly user?: string;
  readonly account?: string;
  /** Seconds. */
  readonly iat?: number;
  readonly exp?: number;
  readonly fingerprint?: string;
}

/** A key-pair JWT as AUTH describes it: iss ACCOUNT.USER.SHA256:fp, sub ACCOUNT.USER, RS256. */
function jwt(t: Token = {}): string {
  const key = t.key ?? appKey;
  const sub = `${t.account ?? ACCOUNT}.${t.user ?? 'APP'}`;
  const iat = t.iat ?? Math.floor(clock / 1000);
  return signJwt(key.privateKey, { iss: `${sub}.${t.fingerprint ?? key.fingerprint}`, sub, iat, exp: t.exp ?? iat + 3540 });
}

interface Reply {
  readonly status: number;
  readonly json: any;
  readonly headers: Headers;
}

interface CallOptions {
  readonly method?: string;
  readonly body?: unknown;
  readonly token?: string | null;
  readonly headers?: Record<string, string>;
}

const HEADERS = (token: string | null): Record<string, string> => ({
  ...(token !== null ? { authorization: `Bearer ${token}` } : {}),
  'x-snowflake-authorization-token-type': 'KEYPAIR_JWT',
  'content-type': 'application/json',
  'accept': 'application/json',
  'user-agent': 'local-snowflake-tests/1.0',
});

async function call(path: string, o: CallOptions = {}): Promise<Reply> {
  const res = await fetch(`${endpoint.url}${path}`, {
    method: o.method ?? (o.body !== undefined ? 'POST' : 'GET'),
    headers: { ...HEADERS(o.token === undefined ? jwt() : o.token), ...o.headers },
    ...(o.body !== undefined ? { body: typeof o.body === 'string' ? o.body : JSON.stringify(o.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: res.headers.get('content-type') === 'application/json' && text ? JSON.parse(text) : text, headers: res.headers };
}

function post(body: Record<string, unknown>, query = '', o: CallOptions = {}): Promise<Reply> {
  return call(`/api/v2/statements${query}`, { ...o, body });
}

function get(handle: string, query = '', o: CallOptions = {}): Promise<Reply> {
  return call(`/api/v2/statements/${handle}${query}`, o);
}

/** A GET with node:http, to see the bytes (fetch decompresses gzip) or send no User-Agent. */
interface RawReply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

function raw(path: string, method: string, headers: Record<string, string>, body?: string): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${endpoint.url}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Waits (by condition, not by time) until the endpoint has logged a request matching `match`. */
async function logged(match: (r: LocalSnowflake['requests'][number]) => boolean): Promise<void> {
  for (let i = 0; i < 5000 && !endpoint.requests.some(match); i++) await new Promise((r) => setImmediate(r));
  expect(endpoint.requests.some(match)).toBe(true);
}

function failure(reply: Reply): string | undefined {
  const id = JWT_INVALID.exec(reply.json?.message ?? '')?.[1];
  return id ? endpoint.loginFailureDetails(id)?.errorCode : undefined;
}

describe('POST /api/v2/statements and GET /api/v2/statements/{handle}', () => {
  test('a query answers 200 with the recorded ResultSet shape', async () => {
    const reply = await post({ statement: 'SELECT n, \'x\' AS label FROM numbers WHERE n <= 2 ORDER BY n' }, '?requestId=11111111-2222-4333-8444-555555555555');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('application/json');
    const handle = reply.json.statementHandle;
    expect(handle).toMatch(UUID);
    expect(reply.json).toEqual({
      resultSetMetaData: {
        numRows: 2,
        format: 'jsonv2',
        partitionInfo: [{ rowCount: 2, uncompressedSize: Buffer.byteLength('[["1","x"],["2","x"]]') }],
        rowType: [
          { name: 'N', database: '', schema: '', table: '', scale: 0, precision: 38, length: null, type: 'fixed', nullable: true, byteLength: null, collation: null },
          { name: 'LABEL', database: '', schema: '', table: '', scale: null, precision: null, length: 16777216, type: 'text', nullable: true, byteLength: 16777216, collation: null },
        ],
      },
      data: [['1', 'x'], ['2', 'x']],
      code: '090001',
      statementStatusUrl: `/api/v2/statements/${handle}?requestId=11111111-2222-4333-8444-555555555555`,
      requestId: '11111111-2222-4333-8444-555555555555',
      sqlState: '00000',
      statementHandle: handle,
      message: 'Statement executed successfully.',
      createdOn: clock,
    });
    expect(reply.headers.get('link')).toMatch(new RegExp(
      `^</api/v2/statements/${handle}\\?requestId=[0-9a-f-]{36}&partition=0>; rel="first",</api/v2/statements/${handle}\\?requestId=[0-9a-f-]{36}&partition=0>; rel="last"$`,
    ));

    const again = await get(handle);
    expect(again.status).toBe(200);
    expect(again.json).toEqual(reply.json);
  });

  test('without a requestId one is generated and named in statementStatusUrl', async () => {
    const reply = await post({ statement: 'SELECT 1' });
    expect(reply.json.requestId).toMatch(UUID);
    expect(reply.json.statementStatusUrl).toBe(`/api/v2/statements/${reply.json.statementHandle}?requestId=${reply.json.requestId}`);
  });

  test('DML answers its count row and stats', async () => {
    await endpoint.sql('CREATE OR REPLACE TABLE dml (x INT)');
    const inserted = await post({ statement: 'INSERT INTO dml VALUES (1), (2), (3)' });
    expect(inserted.json.data).toEqual([['3']]);
    expect(inserted.json.resultSetMetaData.rowType.map((c: { name: string }) => c.name)).toEqual(['number of rows inserted']);
    expect(inserted.json.stats).toEqual({ numRowsInserted: 3, numRowsUpdated: 0, numRowsDeleted: 0, numDuplicateRowsUpdated: 0 });
    const updated = await post({ statement: 'UPDATE dml SET x = 0 WHERE x > 1' });
    expect(updated.json.stats).toEqual({ numRowsInserted: 0, numRowsUpdated: 2, numRowsDeleted: 0, numDuplicateRowsUpdated: 0 });
    const deleted = await post({ statement: 'DELETE FROM dml' });
    expect(deleted.json.stats).toEqual({ numRowsInserted: 0, numRowsUpdated: 0, numRowsDeleted: 3, numDuplicateRowsUpdated: 0 });
    const selected = await post({ statement: 'SELECT 1' });
    expect(selected.json).not.toHaveProperty('stats');
  });

  test('a SQL error answers 422 QueryFailureStatus with the driver protocol\'s code', async () => {
    // REF's own example: invalid identifier 'AFAF' at line 1 position 7, 000904, 42000.
    const reply = await post({ statement: 'SELECT afaf' });
    expect(reply.status).toBe(422);
    expect(reply.json).toEqual({
      code: '000904',
      message: 'SQL compilation error: error line 1 at position 7\ninvalid identifier \'AFAF\'',
      sqlState: '42000',
      statementHandle: expect.stringMatching(UUID),
    });
    const missing = await post({ statement: 'SELECT * FROM no_such_table' });
    expect(missing.status).toBe(422);
    expect(missing.json).toMatchObject({ code: '002003', sqlState: '42S02', message: 'SQL compilation error:\nObject \'NO_SUCH_TABLE\' does not exist or not authorized.' });
    await expect(get(reply.json.statementHandle)).resolves.toMatchObject({ status: 422, json: reply.json });
  });

  test('async=true answers 202 QueryStatus at once; GET answers the result when it is done', async () => {
    const reply = await post({ statement: 'SELECT 7 AS seven' }, '?async=true');
    expect(reply.status).toBe(202);
    const handle = reply.json.statementHandle;
    expect(reply.json).toEqual({
      code: '333334',
      message: 'Asynchronous execution in progress. Use provided query id to perform query monitoring and management.',
      statementHandle: handle,
      statementStatusUrl: `/api/v2/statements/${handle}?requestId=${reply.json.statementStatusUrl.split('requestId=')[1]}`,
    });
    let status = await get(handle);
    for (let i = 0; i < 1000 && status.status === 202; i++) status = await get(handle);
    expect(status.status).toBe(200);
    expect(status.json.data).toEqual([['7']]);
    expect(endpoint.requests.filter((r) => r.kind === 'statements').map((r) => r.async)).toEqual([true]);
  });

  test('nullable=false sends NULL as the string "null"; GET refuses nullable', async () => {
    const reply = await post({ statement: 'SELECT NULL AS nothing, \'null\' AS text' }, '?nullable=false');
    expect(reply.json.data).toEqual([['null', 'null']]);
    const plain = await post({ statement: 'SELECT NULL AS nothing' });
    expect(plain.json.data).toEqual([[null]]);
    const refused = await get(plain.json.statementHandle, '?nullable=false');
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({ code: '390142' });
  });

  test('an unknown handle, or another user\'s, answers 422 000709', async () => {
    const mine = await post({ statement: 'SELECT 1' });
    for (const [handle, token] of [['01234567-89ab-4cde-8f01-23456789abcd', jwt()], [mine.json.statementHandle, jwt({ key: otherKey, user: 'OTHER' })]]) {
      const reply = await get(handle, '', { token });
      expect(reply.status).toBe(422);
      expect(reply.json).toEqual({ code: '000709', message: `Statement ${handle} not found`, sqlState: '02000', statementHandle: handle });
    }
  });
});

describe('values and binds', () => {
  beforeAll(async () => {
    await endpoint.sql(`CREATE OR REPLACE TABLE all_types (
      fixed_c NUMBER, scaled_c NUMBER(10,2), real_c FLOAT, decfloat_c FLOAT, text_c STRING, bin_text_c STRING, bool_c BOOLEAN,
      date_c DATE, time_c TIME, ntz_c TIMESTAMP_NTZ, ltz_c TIMESTAMP_LTZ, tz_c TIMESTAMP_TZ,
      variant_c VARIANT, object_c OBJECT, array_c ARRAY, binary_c BINARY, null_c STRING)`);
  });

  const day = Date.UTC(2024, 0, 2);
  const ntzNanos = BigInt(Date.UTC(2024, 0, 2, 3, 4, 5)) * 1000000n + 123456789n;

  test('a bind of every type is taken, and every type comes back encoded as RESP documents', async () => {
    const bindings = {
      1: { type: 'FIXED', value: '42' },
      2: { type: 'REAL', value: '12.3' },
      3: { type: 'REAL', value: '1.5' },
      4: { type: 'DECFLOAT', value: '2.5e-1' },
      5: { type: 'TEXT', value: 'héllo "quoted"' },
      6: { type: 'BINARY', value: '48656C6C6F' },
      7: { type: 'BOOLEAN', value: 'true' },
      8: { type: 'DATE', value: String(day) },
      9: { type: 'TIME', value: String(((3n * 3600n + 4n * 60n + 5n) * 1000000000n) + 123456000n) },
      10: { type: 'TIMESTAMP_NTZ', value: String(ntzNanos) },
      11: { type: 'TIMESTAMP_LTZ', value: String(ntzNanos) },
      12: { type: 'TIMESTAMP_TZ', value: `${ntzNanos} 1500` },
      13: { type: 'TEXT', value: '{"a":[1,2]}' },
      14: { type: 'TEXT', value: '{"k":"v"}' },
      15: { type: 'TEXT', value: '[1,"two",null]' },
      16: { type: 'TEXT', value: null },
    };
    const insert = await post({
      statement: `INSERT INTO all_types (fixed_c, scaled_c, real_c, decfloat_c, text_c, bin_text_c, bool_c, date_c, time_c, ntz_c, ltz_c, tz_c,
        variant_c, object_c, array_c, null_c) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      bindings,
    });
    expect(insert.status).toBe(200);
    expect(insert.json.data).toEqual([['1']]);
    await endpoint.sql('UPDATE all_types SET binary_c = ?', [Buffer.from('Hello')]);

    const reply = await post({ statement: 'SELECT * FROM all_types' });
    expect(reply.status).toBe(200);
    const types = reply.json.resultSetMetaData.rowType.map((c: { name: string; type: string; scale: number | null }) => [c.name, c.type, c.scale]);
    expect(types).toEqual([
      ['FIXED_C', 'fixed', 0], ['SCALED_C', 'fixed', 2], ['REAL_C', 'real', null], ['DECFLOAT_C', 'real', null], ['TEXT_C', 'text', null],
      ['BIN_TEXT_C', 'text', null], ['BOOL_C', 'boolean', null], ['DATE_C', 'date', null], ['TIME_C', 'time', 9],
      ['NTZ_C', 'timestamp_ntz', 9], ['LTZ_C', 'timestamp_ltz', 9],
      // The engine keeps no offset: TIMESTAMP_TZ columns are timestamp_ltz (README "Known gaps").
      ['TZ_C', 'timestamp_ltz', 9],
      ['VARIANT_C', 'variant', null], ['OBJECT_C', 'variant', null], ['ARRAY_C', 'variant', null], ['BINARY_C', 'binary', null], ['NULL_C', 'text', null],
    ]);
    const seconds = `${Date.UTC(2024, 0, 2, 3, 4, 5) / 1000}.123457000`; // PostgreSQL keeps microseconds
    expect(reply.json.data).toEqual([[
      '42', '12.30', '1.5', '0.25', 'héllo "quoted"', '48656C6C6F', 'true',
      String(day / 86400000), '11045.123456000', seconds, seconds, seconds,
      '{"a": [1, 2]}', '{"k": "v"}', '[1, "two", null]', '48656C6C6F', null,
    ]]);
  });

  test('BOOLEAN false and a FIXED into a text column', async () => {
    const reply = await post({ statement: 'SELECT ? = 1 AS f, CAST(? AS STRING) AS t', bindings: { 1: { type: 'FIXED', value: '2' }, 2: { type: 'FIXED', value: '-7' } } });
    expect(reply.json.data).toEqual([['false', '-7']]);
  });

  test('TIMESTAMP_TZ encodes "<seconds> <offset + 1440>"', async () => {
    expect(sqlApiCell('timestamp_tz', '1616173619.000000000')).toBe('1616173619.000000000 1440');
    expect(sqlApiCell('TIMESTAMP_TZ', '1616173619.000000000 1500')).toBe('1616173619.000000000 1500');
    expect(sqlApiCell('boolean', '0')).toBe('false');
    expect(sqlApiCell('fixed', null)).toBeNull();
  });

  test.each([
    ['FIXED', '1.5'], ['REAL', 'abc'], ['DECFLOAT', '1e'], ['BINARY', 'XYZ'], ['BOOLEAN', 'yes'], ['DATE', '2024-01-02'],
    ['TIME', '-1'], ['TIMESTAMP_NTZ', '1.5'], ['TIMESTAMP_LTZ', 'now'], ['TIMESTAMP_TZ', '1616173619000000000'],
  ])('a %s bind of %j answers 422 100037', async (type, value) => {
    const reply = await post({ statement: 'SELECT ?', bindings: { 1: { type, value } } });
    expect(reply.status).toBe(422);
    expect(reply.json).toEqual({ code: '100037', message: `${type} value '${value}' is not recognized`, sqlState: '22018', statementHandle: expect.stringMatching(UUID) });
    await expect(get(reply.json.statementHandle)).resolves.toMatchObject({ status: 422, json: reply.json });
  });

  test('a value that is not a string is refused; an unknown bind type or key is a bad payload', async () => {
    const number = await post({ statement: 'SELECT ?', bindings: { 1: { type: 'FIXED', value: 1 } } });
    expect(number.json).toMatchObject({ code: '100037', message: 'FIXED value \'1\' is not recognized' });
    for (const bindings of [{ 1: { type: 'INTEGER', value: '1' } }, { a: { type: 'TEXT', value: 'x' } }, [{ type: 'TEXT', value: 'x' }]]) {
      const reply = await post({ statement: 'SELECT ?', bindings });
      expect(reply.status).toBe(400);
      expect(reply.json).toEqual({ code: '390142', message: 'Incoming request does not contain a valid payload.' });
    }
  });

  test('a missing bind answers the driver protocol\'s 002049', async () => {
    const reply = await post({ statement: 'SELECT ?, ?', bindings: { 1: { type: 'TEXT', value: 'x' } } });
    expect(reply.status).toBe(422);
    expect(reply.json).toMatchObject({ code: '002049', sqlState: '42601' });
  });
});

describe('partitions', () => {
  test('a large result is split: partition 0 with metadata, the others gzip {data} only', async () => {
    endpoint.setSqlApiRowsPerPartition(2);
    const reply = await post({ statement: 'SELECT n FROM numbers ORDER BY n' });
    expect(reply.json.resultSetMetaData.numRows).toBe(5);
    expect(reply.json.data).toEqual([['1'], ['2']]);
    const info = reply.json.resultSetMetaData.partitionInfo;
    expect(info.map((p: { rowCount: number }) => p.rowCount)).toEqual([2, 2, 1]);
    expect(info[0]).not.toHaveProperty('compressedSize');
    const handle = reply.json.statementHandle;
    expect(reply.headers.get('link')).toContain('partition=1>; rel="next"');
    expect(reply.headers.get('link')).toContain('partition=2>; rel="last"');

    const bytes = await raw(`/api/v2/statements/${handle}?partition=1`, 'GET', { ...HEADERS(jwt()), 'accept-encoding': 'gzip' });
    expect(bytes.status).toBe(200);
    expect(bytes.headers['content-encoding']).toBe('gzip');
    expect(bytes.headers['content-type']).toBe('application/json');
    expect(bytes.body.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(bytes.body.length).toBe(info[1].compressedSize);
    expect(JSON.parse(gunzipSync(bytes.body).toString('utf8'))).toEqual({ data: [['3'], ['4']] });

    const last = await get(handle, '?partition=2'); // fetch decompresses
    expect(last.json).toEqual({ data: [['5']] });
    expect(Buffer.byteLength(JSON.stringify(last.json.data))).toBe(info[2].uncompressedSize);

    const beyond = await get(handle, '?partition=3');
    expect(beyond.status).toBe(422);
    expect(beyond.json).toMatchObject({ code: '100000', message: 'Partition 3 does not exist: the result has 3 partition(s).' });
    expect(endpoint.counters).toMatchObject({ statementRequests: 1, partitionFetches: 3, statementStatusChecks: 0 });
    expect(endpoint.requests.filter((r) => r.kind === 'statementStatus').map((r) => [r.partition, r.status])).toEqual([[1, 200], [2, 200], [3, 422]]);
  });

  test('an empty result is one partition of no rows', async () => {
    const reply = await post({ statement: 'SELECT n FROM numbers WHERE n > 100' });
    expect(reply.json.resultSetMetaData).toMatchObject({ numRows: 0, partitionInfo: [{ rowCount: 0, uncompressedSize: 2 }] });
    expect(reply.json.data).toEqual([]);
  });
});

describe('requestId and retry=true', () => {
  beforeEach(async () => {
    await endpoint.sql('CREATE OR REPLACE TABLE once (x INT)');
  });

  const count = async (): Promise<unknown> => (await endpoint.sql('SELECT COUNT(*) AS n FROM once'))[0].N;

  test('a resubmission with retry=true answers the same statement and does not run it again', async () => {
    const id = '0f0f0f0f-1111-4222-8333-444444444444';
    const first = await post({ statement: 'INSERT INTO once VALUES (1)' }, `?requestId=${id}`);
    const retried = await post({ statement: 'INSERT INTO once VALUES (1)' }, `?requestId=${id}&retry=true`);
    expect(retried.status).toBe(200);
    expect(retried.json.statementHandle).toBe(first.json.statementHandle);
    expect(await count()).toBe(1);
    expect(endpoint.counters).toMatchObject({ queries: 1, statementRequests: 2 });
    expect(endpoint.requests.filter((r) => r.kind === 'statements').map((r) => [r.method, r.path, r.requestId, r.retry, r.status, r.queryId]))
      .toEqual([
        ['POST', '/api/v2/statements', id, undefined, 200, first.json.statementHandle],
        ['POST', '/api/v2/statements', id, true, 200, first.json.statementHandle],
      ]);
  });

  test('without retry=true a repeated requestId is a new statement', async () => {
    const id = '0f0f0f0f-1111-4222-8333-555555555555';
    const first = await post({ statement: 'INSERT INTO once VALUES (1)' }, `?requestId=${id}`);
    const second = await post({ statement: 'INSERT INTO once VALUES (1)' }, `?requestId=${id}`);
    expect(second.json.statementHandle).not.toBe(first.json.statementHandle);
    expect(await count()).toBe(2);
  });

  test('an answer lost after the statement ran (reset afterHandling): the retry gets it, the statement ran once', async () => {
    const id = '0f0f0f0f-1111-4222-8333-666666666666';
    endpoint.faults.resetNext(1, { kind: 'statements', afterHandling: true });
    await expect(post({ statement: 'INSERT INTO once VALUES (1)' }, `?requestId=${id}`)).rejects.toThrow('fetch failed');
    const retried = await post({ statement: 'INSERT INTO once VALUES (1)' }, `?requestId=${id}&retry=true`);
    expect(retried.status).toBe(200);
    expect(retried.json.data).toEqual([['1']]);
    expect(await count()).toBe(1);
    expect(endpoint.counters).toMatchObject({ queries: 1, faultsInjected: 1 });
    expect(endpoint.requests.map((r) => [r.status, r.fault, r.queryId])).toEqual([[0, 'reset', retried.json.statementHandle], [200, undefined, retried.json.statementHandle]]);
  });

  test('a retry of a statement still running answers 202 with its handle, and does not run it', async () => {
    endpoint.faults.slowStatements(1, { polls: 1 });
    const id = '0f0f0f0f-1111-4222-8333-777777777777';
    const first = await post({ statement: 'INSERT INTO once VALUES (1)' }, `?requestId=${id}`);
    expect(first.status).toBe(202);
    const retried = await post({ statement: 'INSERT INTO once VALUES (1)' }, `?requestId=${id}&retry=true`);
    expect(retried.status).toBe(202);
    expect(retried.json.statementHandle).toBe(first.json.statementHandle);
    expect(endpoint.counters.queries).toBe(0);
    await expect(get(first.json.statementHandle)).resolves.toMatchObject({ status: 200, json: { data: [['1']] } });
    expect(await count()).toBe(1);
  });

  test('a retry of another user\'s requestId is a new statement of its own', async () => {
    const id = '0f0f0f0f-1111-4222-8333-888888888888';
    const first = await post({ statement: 'SELECT CURRENT_USER()' }, `?requestId=${id}`);
    const other = await post({ statement: 'SELECT CURRENT_USER()' }, `?requestId=${id}&retry=true`, { token: jwt({ key: otherKey, user: 'OTHER' }) });
    expect(other.json.statementHandle).not.toBe(first.json.statementHandle);
    expect(other.json.data).toEqual([['OTHER']]);
  });
});

describe('slow statements, timeouts and cancel', () => {
  test('a slow statement answers 202 and runs at its Nth poll', async () => {
    endpoint.faults.slowStatements(1, { polls: 3 });
    const reply = await post({ statement: 'SELECT 5 AS five' });
    expect(reply.status).toBe(202);
    expect(reply.json).toMatchObject({ code: '333334', statementHandle: expect.stringMatching(UUID) });
    const handle = reply.json.statementHandle;
    await expect(get(handle)).resolves.toMatchObject({ status: 202, json: { code: '333334', statementHandle: handle } });
    await expect(get(handle)).resolves.toMatchObject({ status: 202 });
    expect(endpoint.counters.queries).toBe(0);
    await expect(get(handle)).resolves.toMatchObject({ status: 200, json: { data: [['5']] } });
    expect(endpoint.counters).toMatchObject({ queries: 1, statementStatusChecks: 3 });
    expect(endpoint.requests.filter((r) => r.kind === 'statementStatus').map((r) => r.status)).toEqual([202, 202, 200]);
  });

  test('a slow statement held until a time of the endpoint\'s clock', async () => {
    endpoint.faults.slowStatements(1, { until: clock + 5000 });
    const reply = await post({ statement: 'SELECT 6' });
    expect(reply.status).toBe(202);
    await expect(get(reply.json.statementHandle)).resolves.toMatchObject({ status: 202 });
    clock += 5000;
    await expect(get(reply.json.statementHandle)).resolves.toMatchObject({ status: 200, json: { data: [['6']] } });
  });

  test('a POST whose timeout passes on the endpoint\'s clock answers 408; GET then 422 000630; the statement never ran', async () => {
    endpoint.faults.slowStatements(1, { polls: 100 });
    const pending = post({ statement: 'SELECT 8', timeout: 5 });
    await logged((r) => r.kind === 'statements' && r.queryId !== undefined);
    clock += 5000;
    const reply = await pending;
    expect(reply.status).toBe(408);
    const handle = reply.json.statementHandle;
    expect(reply.json).toEqual({
      code: '000630',
      sqlState: '57014',
      message: 'Statement reached its statement or warehouse timeout of 5 second(s) and was canceled.',
      statementHandle: handle,
      statementStatusUrl: expect.stringMatching(`^/api/v2/statements/${handle}\\?requestId=`),
    });
    const status = await get(handle);
    expect(status.status).toBe(422);
    expect(status.json).toEqual({ code: '000630', sqlState: '57014', message: reply.json.message, statementHandle: handle });
    expect(endpoint.counters.queries).toBe(0);
  });

  test('a slow statement released before its timeout answers the POST with its result', async () => {
    endpoint.faults.slowStatements(1, { until: clock + 1000 });
    const pending = post({ statement: 'SELECT 9', timeout: 5 });
    await logged((r) => r.kind === 'statements' && r.queryId !== undefined);
    clock += 1000;
    await expect(pending).resolves.toMatchObject({ status: 200, json: { data: [['9']] } });
  });

  test('an async statement past its timeout answers GET with 422 000630', async () => {
    endpoint.faults.slowStatements(1, { polls: 100 });
    const reply = await post({ statement: 'SELECT 10', timeout: 3 }, '?async=true');
    expect(reply.status).toBe(202);
    clock += 3000;
    await expect(get(reply.json.statementHandle)).resolves.toMatchObject({ status: 422, json: { code: '000630' } });
  });

  test('cancel answers 200 CancelStatus; the statement never runs and GET answers 422 000604', async () => {
    endpoint.faults.slowStatements(1, { polls: 100 });
    const reply = await post({ statement: 'SELECT 11' });
    const handle = reply.json.statementHandle;
    const cancelled = await call(`/api/v2/statements/${handle}/cancel`, { method: 'POST' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.json).toEqual({
      code: '000604', sqlState: '57014', message: 'SQL execution canceled', statementHandle: handle, statementStatusUrl: reply.json.statementStatusUrl,
    });
    const status = await get(handle);
    expect(status.status).toBe(422);
    expect(status.json).toEqual({ code: '000604', message: 'SQL execution canceled', sqlState: '57014', statementHandle: handle });
    expect(endpoint.counters).toMatchObject({ queries: 0, statementCancels: 1 });
  });

  test('cancel of an unknown handle, or another user\'s, answers 422 000709', async () => {
    const mine = await post({ statement: 'SELECT 1' });
    for (const [handle, token] of [['01234567-89ab-4cde-8f01-23456789abce', jwt()], [mine.json.statementHandle, jwt({ key: otherKey, user: 'OTHER' })]]) {
      const reply = await call(`/api/v2/statements/${handle}/cancel`, { method: 'POST', token });
      expect(reply.status).toBe(422);
      expect(reply.json).toEqual({ code: '000709', message: `Statement ${handle} not found`, sqlState: '02000', statementHandle: handle });
    }
  });

  test('expireResults: the next status request of an ended statement answers 422 000710', async () => {
    const reply = await post({ statement: 'SELECT 14' });
    endpoint.faults.expireResults(1);
    const handle = reply.json.statementHandle;
    await expect(get(handle)).resolves.toMatchObject({
      status: 422, json: { code: '000710', message: `Result for query ${handle} has expired`, sqlState: '02000', statementHandle: handle },
    });
    await expect(get(handle)).resolves.toMatchObject({ status: 200 });
  });

  test('cancel of a statement that has ended changes nothing', async () => {
    const reply = await post({ statement: 'SELECT 12' });
    await expect(call(`/api/v2/statements/${reply.json.statementHandle}/cancel`, { method: 'POST' })).resolves.toMatchObject({ status: 200 });
    await expect(get(reply.json.statementHandle)).resolves.toMatchObject({ status: 200, json: { data: [['12']] } });
  });
});

describe('multi-statement requests', () => {
  test('MULTI_STATEMENT_COUNT runs them in order; the answer lists each statement\'s handle, each readable', async () => {
    await endpoint.sql('DROP TABLE IF EXISTS multi');
    const reply = await post({
      statement: 'CREATE TABLE multi (x INT); INSERT INTO multi VALUES (1), (2); SELECT x FROM multi ORDER BY x',
      parameters: { MULTI_STATEMENT_COUNT: '3' },
    });
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({
      resultSetMetaData: {
        numRows: 1,
        format: 'jsonv2',
        rowType: [{ name: 'multiple statement execution', database: '', schema: '', table: '', type: 'text', byteLength: 16777216, scale: null, precision: null, nullable: false, collation: null, length: 16777216 }],
      },
      data: [['Multiple statements executed successfully.']],
      code: '090001',
      statementHandles: [expect.stringMatching(UUID), expect.stringMatching(UUID), expect.stringMatching(UUID)],
      sqlState: '00000',
      message: 'Statement executed successfully.',
    });
    const [create, insert, select] = reply.json.statementHandles;
    await expect(get(create)).resolves.toMatchObject({ status: 200, json: { data: [['Table MULTI successfully created.']], statementHandle: create } });
    await expect(get(insert)).resolves.toMatchObject({ status: 200, json: { data: [['2']], stats: { numRowsInserted: 2 } } });
    await expect(get(select)).resolves.toMatchObject({ status: 200, json: { data: [['1'], ['2']] } });
  });

  test('the count as an integer, 0 for any number, and a lower-case key are accepted', async () => {
    for (const parameters of [{ MULTI_STATEMENT_COUNT: 2 }, { MULTI_STATEMENT_COUNT: '0' }, { multi_statement_count: '2' }]) {
      await expect(post({ statement: 'SELECT 1; SELECT 2', parameters })).resolves.toMatchObject({ status: 200, json: { statementHandles: [expect.any(String), expect.any(String)] } });
    }
  });

  test('a count that does not match answers 422 with MULTI\'s message', async () => {
    const reply = await post({ statement: 'SELECT 1; SELECT 2' });
    expect(reply.status).toBe(422);
    expect(reply.json).toMatchObject({ code: '000008', sqlState: '0A000', message: 'Actual statement count 2 did not match the desired statement count 1.' });
    const three = await post({ statement: 'SELECT 1; SELECT 2', parameters: { MULTI_STATEMENT_COUNT: '3' } });
    expect(three.json).toMatchObject({ code: '000008', message: 'Actual statement count 2 did not match the desired statement count 3.' });
  });

  test('a failing statement fails the request with its error; the ones before it ran', async () => {
    await endpoint.sql('CREATE OR REPLACE TABLE multi_fail (x INT)');
    const reply = await post({ statement: 'INSERT INTO multi_fail VALUES (1); SELECT afaf; INSERT INTO multi_fail VALUES (2)', parameters: { MULTI_STATEMENT_COUNT: 3 } });
    expect(reply.status).toBe(422);
    expect(reply.json).toMatchObject({ code: '000904', sqlState: '42000' });
    await expect(endpoint.sql('SELECT x FROM multi_fail')).resolves.toEqual([{ X: 1 }]);
  });

  test('binds in a multi-statement request are refused', async () => {
    const reply = await post({ statement: 'SELECT ?; SELECT 2', parameters: { MULTI_STATEMENT_COUNT: 2 }, bindings: { 1: { type: 'TEXT', value: 'x' } } });
    expect(reply.status).toBe(422);
    expect(reply.json).toMatchObject({ code: '002040', sqlState: '0A000', message: 'SQL compilation error:\nUnsupported feature \'variable binding in multi-statement requests\'.' });
  });
});

describe('parameters', () => {
  test('listed parameters are taken; others, and output formats, are refused as a bad payload', async () => {
    await expect(post({ statement: 'SELECT 1', parameters: { QUERY_TAG: 'tag', timezone: 'UTC', USE_CACHED_RESULT: false } })).resolves.toMatchObject({ status: 200 });
    for (const [parameters, why] of [
      [{ STATEMENT_TIMEOUT_IN_SECONDS: 5 }, 'parameter STATEMENT_TIMEOUT_IN_SECONDS is not one the SQL API supports'],
      [{ DATE_OUTPUT_FORMAT: 'MM/DD/YYYY' }, 'parameter DATE_OUTPUT_FORMAT changes the encoding of data, which is not emulated'],
      [{ MULTI_STATEMENT_COUNT: 'two' }, 'MULTI_STATEMENT_COUNT two is not a count'],
    ] as const) {
      const reply = await post({ statement: 'SELECT 1', parameters });
      expect(reply.status).toBe(400);
      expect(reply.json).toEqual({ code: '390142', message: `Incoming request does not contain a valid payload. (local-snowflake: ${why})` });
    }
  });

  test('a body that is not a statement request is a bad payload', async () => {
    for (const body of ['not json', '[]', '{"statement": 1}', '{"statement": "SELECT 1", "timeout": -1}', '{"statement": "SELECT 1", "role": 5}']) {
      const reply = await call('/api/v2/statements', { method: 'POST', body });
      expect(reply.status).toBe(400);
      expect(reply.json).toEqual({ code: '390142', message: 'Incoming request does not contain a valid payload.' });
    }
  });
});

describe('context: role, warehouse, database, schema', () => {
  const WHO = 'SELECT CURRENT_USER(), CURRENT_ROLE(), CURRENT_WAREHOUSE(), CURRENT_DATABASE(), CURRENT_SCHEMA()';

  test('without names: the user\'s defaults', async () => {
    await expect(post({ statement: WHO })).resolves.toMatchObject({ json: { data: [['APP', 'LOADER', 'LOAD_WH', 'RAW', 'PUBLIC']] } });
  });

  test('names are resolved names, taken exactly (case-sensitive)', async () => {
    const reply = await post({ statement: WHO, role: 'Mixed Role', warehouse: 'Wh', database: 'Db', schema: 'Sch' });
    expect(reply.json.data).toEqual([['APP', 'Mixed Role', 'Wh', 'Db', 'Sch']]);
  });

  test('a role not granted (or named in another case) is refused with the login\'s 390189', async () => {
    for (const role of ['SYSADMIN', 'loader']) {
      const reply = await post({ statement: 'SELECT 1', role });
      expect(reply.status).toBe(422);
      expect(reply.json).toEqual({
        code: '390189',
        message: `Role '${role}' specified in the connect string is not granted to this user. Contact your local system administrator, or attempt to login with another role, e.g. PUBLIC.`,
        sqlState: '08004',
        statementHandle: expect.stringMatching(UUID),
      });
    }
    expect(endpoint.counters.queries).toBe(0);
  });
});

describe('authentication', () => {
  test('the JWT\'s user runs the statement; the token type header may be left out', async () => {
    await expect(post({ statement: 'SELECT CURRENT_USER()' }, '', { token: jwt({ key: otherKey, user: 'OTHER' }) })).resolves.toMatchObject({ json: { data: [['OTHER']] } });
    const reply = await fetch(`${endpoint.url}/api/v2/statements`, {
      method: 'POST', headers: { 'authorization': `Bearer ${jwt()}`, 'content-type': 'application/json', 'user-agent': 't/1' }, body: '{"statement":"SELECT 1"}',
    });
    expect(reply.status).toBe(200);
    expect(endpoint.requests.map((r) => r.tokenType)).toEqual(['KEYPAIR_JWT', undefined]);
  });

  test('a JWT may be reused for up to an hour (not the login\'s 60 s)', async () => {
    const iat = Math.floor(clock / 1000) - 3000;
    await expect(post({ statement: 'SELECT 1' }, '', { token: jwt({ iat, exp: iat + 3540 }) })).resolves.toMatchObject({ status: 200 });
  });

  test.each<[string, (() => string) | null, string]>([
    ['no token', null, 'JWT_TOKEN_INVALID'],
    ['expired', () => jwt({ iat: Math.floor(clock / 1000) - 200, exp: Math.floor(clock / 1000) - 100 }), 'JWT_TOKEN_INVALID_EXPIRATION_TIME'],
    ['past one hour after iat', () => jwt({ iat: Math.floor(clock / 1000) - 3700, exp: Math.floor(clock / 1000) + 100 }), 'JWT_TOKEN_INVALID_EXPIRATION_TIME'],
    ['issued in the future', () => jwt({ iat: Math.floor(clock / 1000) + 600 }), 'JWT_TOKEN_INVALID_ISSUE_TIME'],
    ['signed with a key the user does not have', () => jwt({ key: stranger }), 'JWT_TOKEN_INVALID_PUBLIC_KEY_FINGERPRINT_MISMATCH'],
    ['signed with another user\'s key under the user\'s fingerprint', () => jwt({ key: otherKey, fingerprint: appKey.fingerprint }), 'JWT_TOKEN_INVALID_SIGNATURE'],
    ['for another account', () => jwt({ account: 'OTHERORG-OTHER' }), 'JWT_TOKEN_ACCOUNT_MISMATCH'],
    ['for a user that does not exist', () => jwt({ user: 'NOBODY' }), 'JWT_TOKEN_INVALID_USER_IN_ISSUER'],
    ['with a lower-case user', () => jwt({ user: 'app' }), 'JWT_TOKEN_INVALID_USER_IN_ISSUER'],
    ['not a JWT', () => 'abc.def', 'JWT_TOKEN_INVALID'],
  ])('%s: 401 390144', async (_, token, reason) => {
    const reply = await post({ statement: 'SELECT 1' }, '', { token: token === null ? null : token() });
    expect(reply.status).toBe(401);
    expect(reply.json).toEqual({ code: '390144', message: expect.stringMatching(JWT_INVALID) });
    expect(failure(reply)).toBe(reason);
    expect(endpoint.counters.queries).toBe(0);
  });

  test('a key refused by rejectKey is refused here too', async () => {
    endpoint.faults.rejectKey(appKey.fingerprint);
    const reply = await post({ statement: 'SELECT 1' });
    expect(reply.status).toBe(401);
    expect(failure(reply)).toBe('JWT_TOKEN_INVALID_PUBLIC_KEY_FINGERPRINT_MISMATCH');
  });

  test('another token type is refused: only KEYPAIR_JWT is emulated', async () => {
    const reply = await post({ statement: 'SELECT 1' }, '', { headers: { 'x-snowflake-authorization-token-type': 'OAUTH' } });
    expect(reply.status).toBe(401);
    expect(reply.json.code).toBe('390144');
    expect(endpoint.loginFailureDetails(JWT_INVALID.exec(reply.json.message)?.[1] ?? '')?.reason).toBe('token type OAUTH is not emulated (only KEYPAIR_JWT)');
  });

  test('GET and cancel check the JWT too', async () => {
    const mine = await post({ statement: 'SELECT 1' });
    await expect(get(mine.json.statementHandle, '', { token: jwt({ key: stranger }) })).resolves.toMatchObject({ status: 401, json: { code: '390144' } });
    await expect(call(`/api/v2/statements/${mine.json.statementHandle}/cancel`, { method: 'POST', token: null })).resolves.toMatchObject({ status: 401 });
  });

  test('the log holds the token\'s claims, never the token', async () => {
    const token = jwt();
    await post({ statement: 'SELECT 1' }, '', { token });
    const log = JSON.stringify(endpoint.requests);
    expect(log).not.toContain(token.split('.')[2]);
    expect(endpoint.requests[0]).toMatchObject({ user: 'APP', jwtClaims: { sub: `${ACCOUNT}.APP`, iss: `${ACCOUNT}.APP.${appKey.fingerprint}` }, sql: 'SELECT 1' });
  });
});

describe('headers and routes', () => {
  test('a Content-Type other than JSON answers 415; so does an Accept that excludes JSON', async () => {
    const type = await post({ statement: 'SELECT 1' }, '', { headers: { 'content-type': 'text/plain' } });
    expect(type.status).toBe(415);
    expect(type.json).toEqual({ message: 'Unsupported Content-Type \'text/plain\': the SQL API takes application/json.' });
    const accept = await post({ statement: 'SELECT 1' }, '', { headers: { accept: 'text/html' } });
    expect(accept.status).toBe(415);
    await expect(post({ statement: 'SELECT 1' }, '', { headers: { 'content-type': 'application/json; charset=utf-8', 'accept': '*/*' } })).resolves.toMatchObject({ status: 200 });
    expect(endpoint.counters.queries).toBe(1);
  });

  test('a request without User-Agent answers 400', async () => {
    const headers = { ...HEADERS(jwt()) } as Record<string, string>;
    delete headers['user-agent'];
    const reply = await raw('/api/v2/statements', 'POST', headers, '{"statement":"SELECT 1"}');
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.body.toString('utf8'))).toEqual({ code: '391903', message: 'The User-Agent header is missing: the SQL API requires one (RFC 7231).' });
  });

  test('a wrong method answers 405 with an empty body; an unknown path 404', async () => {
    const wrong = await raw('/api/v2/statements', 'GET', HEADERS(jwt()));
    expect([wrong.status, wrong.body.length, wrong.headers.allow]).toEqual([405, 0, 'POST']);
    const cancelByGet = await raw('/api/v2/statements/abc/cancel', 'GET', HEADERS(jwt()));
    expect(cancelByGet.status).toBe(405);
    const statusByPost = await raw('/api/v2/statements/abc', 'POST', HEADERS(jwt()), '{}');
    expect(statusByPost.status).toBe(405);
    await expect(call('/api/v2/other')).resolves.toMatchObject({ status: 404 });
  });
});

describe('fault switches', () => {
  test('429 answers the documented body; the statement does not run', async () => {
    endpoint.faults.failNext(1, { status: 429, kind: 'statements' });
    const reply = await post({ statement: 'SELECT 1' });
    expect(reply.status).toBe(429);
    expect(reply.json).toEqual({ code: '390505', message: 'Too many requests.' });
    expect(endpoint.counters).toMatchObject({ queries: 0, faultsInjected: 1 });
    await expect(post({ statement: 'SELECT 1' })).resolves.toMatchObject({ status: 200 });
  });

  test('429 on a status poll', async () => {
    endpoint.faults.failNext(1, { status: 429, kind: 'statementStatus' });
    const reply = await post({ statement: 'SELECT 1' });
    await expect(get(reply.json.statementHandle)).resolves.toMatchObject({ status: 429, json: { code: '390505' } });
    await expect(get(reply.json.statementHandle)).resolves.toMatchObject({ status: 200 });
  });

  test('5xx on the first N attempts, then the answer', async () => {
    endpoint.faults.failNext(2, { status: 503, kind: 'statements' });
    const id = '0f0f0f0f-1111-4222-8333-999999999999';
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await post({ statement: 'SELECT 1' }, `?requestId=${id}${i > 0 ? '&retry=true' : ''}`)).status);
    expect(statuses).toEqual([503, 503, 200]);
    expect(endpoint.counters).toMatchObject({ queries: 1, faultsInjected: 2 });
  });

  test('a 500 after the statement ran (afterHandling): a retry with retry=true gets its result', async () => {
    endpoint.faults.failNext(1, { status: 500, kind: 'statements', afterHandling: true });
    const id = '0f0f0f0f-1111-4222-8333-aaaaaaaaaaaa';
    await expect(post({ statement: 'SELECT 13' }, `?requestId=${id}`)).resolves.toMatchObject({ status: 500 });
    await expect(post({ statement: 'SELECT 13' }, `?requestId=${id}&retry=true`)).resolves.toMatchObject({ status: 200, json: { data: [['13']] } });
    expect(endpoint.counters.queries).toBe(1);
  });

  test('a reset connection before handling: nothing ran', async () => {
    endpoint.faults.resetNext(1, { kind: 'statements' });
    await expect(post({ statement: 'SELECT 1' })).rejects.toThrow('fetch failed');
    expect(endpoint.counters.queries).toBe(0);
    expect(endpoint.requests.map((r) => [r.kind, r.status, r.fault])).toEqual([['statements', 0, 'reset']]);
  });

  test('the driver\'s per-query latency applies to SQL API statement requests, not to polls', async () => {
    endpoint.faults.setLatency(150, { kind: 'query' });
    expect([endpoint.faults.latencyFor('statements'), endpoint.faults.latencyFor('statementStatus')]).toEqual([150, 0]);
    const reply = await post({ statement: 'SELECT 1' });
    expect(endpoint.requests[0].durationMs).toBeGreaterThanOrEqual(150);
    endpoint.faults.setLatency(0, { kind: 'statements' });
    expect(endpoint.faults.latencyFor('statements')).toBe(0);
    expect(reply.status).toBe(200);
  });
});
