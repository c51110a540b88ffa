/**
 * The local Snowflake endpoint's SQL, through the real snowflake-sdk driver: DDL and DML on
 * PGlite, binds, array binding, typed JSON results, errors with Snowflake's codes, statement
 * timeouts, async execution and the in-progress polling path.
 */
import '../src/driver-env';
import * as snowflake from 'snowflake-sdk';
import { driverOptionsFor, LocalSnowflake, startLocalSnowflake } from '../src';
import { connect, destroy, execute, executeError } from '../src/promisified';
import { newKeyPair } from '../src/test-keys';

snowflake.configure({ logLevel: 'OFF' });

let endpoint: LocalSnowflake;
let conn: snowflake.Connection;

beforeAll(async () => {
  endpoint = await startLocalSnowflake();
  const key = newKeyPair();
  endpoint.addUser({
    name: 'loader', publicKeys: [key.publicKeyPem], defaultRole: 'LOADER', grantedRoles: ['LOADER', 'SYSADMIN'], defaultWarehouse: 'LOAD_WH', defaultDatabase: 'RAW',
  });
  conn = await connect(snowflake.createConnection(driverOptionsFor(endpoint, { user: 'loader', privateKeyPem: key.privateKeyPem })));
  await execute(conn, `CREATE OR REPLACE TABLE events (
    id NUMBER, name STRING, score FLOAT, ok BOOLEAN, created TIMESTAMP_NTZ, day DATE, amount NUMBER(10,2), payload VARIANT)`);
});

afterAll(async () => {
  if (conn?.isUp()) await destroy(conn);
  await endpoint?.stop();
});

const ROW = [1, 'alpha', 1.5, true, '2024-01-02 03:04:05.123', '2024-01-02', 12.3];
const INSERT = 'INSERT INTO events (id, name, score, ok, created, day, amount) VALUES (?, ?, ?, ?, ?, ?, ?)';

describe('DDL and DML', () => {
  test('CREATE and DROP answer with Snowflake\'s status texts', async () => {
    await expect(execute(conn, 'CREATE TABLE scratch (x INT)')).resolves.toMatchObject({ rows: [{ status: 'Table SCRATCH successfully created.' }] });
    await expect(execute(conn, 'CREATE TABLE IF NOT EXISTS scratch (x INT)')).resolves
      .toMatchObject({ rows: [{ status: 'SCRATCH already exists, statement succeeded.' }] });
    await expect(execute(conn, 'DROP TABLE scratch')).resolves.toMatchObject({ rows: [{ status: 'SCRATCH successfully dropped.' }] });
    await expect(execute(conn, 'DROP TABLE IF EXISTS scratch')).resolves
      .toMatchObject({ rows: [{ status: 'Drop statement executed successfully (SCRATCH already dropped).' }] });
  });

  test('INSERT with binds reports one row inserted, as Snowflake does', async () => {
    const { rows, statement } = await execute(conn, INSERT, { binds: ROW });
    expect(rows).toEqual([{ 'number of rows inserted': 1 }]);
    expect(statement.getNumUpdatedRows()).toBe(1);
    expect(statement.getQueryId()).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('array binding inserts every row in one request and reports the row count', async () => {
    endpoint.resetCounters();
    const { statement } = await execute(conn, INSERT, {
      binds: [
        [2, 'beta', 2.5, false, '2024-02-03 00:00:00', '2024-02-03', 1],
        [3, null, null, null, null, null, null],
        [4, 'delta', -0.25, true, '1969-12-31 23:59:59.5', '1969-12-31', 99999999.99],
      ],
    });
    expect(statement.getNumUpdatedRows()).toBe(3);
    expect(endpoint.counters).toMatchObject({ queries: 1, queryRequests: 1 });
    await expect(endpoint.sql('SELECT COUNT(*) AS n FROM events WHERE id BETWEEN 2 AND 4')).resolves.toEqual([{ N: 3 }]);
  });

  test('UPDATE and DELETE report their counts', async () => {
    await execute(conn, 'INSERT INTO events (id, name) VALUES (10, \'x\'), (11, \'y\')');
    const updated = await execute(conn, 'UPDATE events SET name = :1 WHERE id >= :2', { binds: ['z', 10] });
    expect(updated.statement.getNumUpdatedRows()).toBe(2);
    expect(updated.rows).toEqual([{ 'number of rows updated': 2, 'number of multi-joined rows updated': 0 }]);
    const deleted = await execute(conn, 'DELETE FROM events WHERE id >= 10');
    expect(deleted.statement.getNumUpdatedRows()).toBe(2);
  });
});

describe('results', () => {
  test('values come back typed: numbers, strings, booleans, dates, timestamps and nulls', async () => {
    const { rows } = await execute(conn, 'SELECT id, name, score, ok, created, day, amount, payload FROM events WHERE id IN (1, 3, 4) ORDER BY id');
    const [first, empty, last] = rows;
    expect(first).toMatchObject({ ID: 1, NAME: 'alpha', SCORE: 1.5, OK: true, AMOUNT: 12.3, PAYLOAD: null });
    expect((first.CREATED as Date).getTime()).toBe(Date.UTC(2024, 0, 2, 3, 4, 5, 123));
    expect((first.DAY as Date).getTime()).toBe(Date.UTC(2024, 0, 2));
    expect(empty).toEqual({ ID: 3, NAME: null, SCORE: null, OK: null, CREATED: null, DAY: null, AMOUNT: null, PAYLOAD: null });
    expect(last).toMatchObject({ ID: 4, SCORE: -0.25, OK: true, AMOUNT: 99999999.99 });
    expect((last.CREATED as Date).getTime()).toBe(Date.UTC(1969, 11, 31, 23, 59, 59, 500));
  });

  test('columns carry Snowflake names and types', async () => {
    const { statement } = await execute(conn, 'SELECT id, name, score, ok, created, day, amount, payload FROM events LIMIT 1');
    expect((statement.getColumns() ?? []).map((c) => [c.getName(), c.getType(), c.getScale()])).toEqual([
      ['ID', 'fixed', 0], ['NAME', 'text', null], ['SCORE', 'real', null], ['OK', 'boolean', null],
      ['CREATED', 'timestamp_ntz', 9], ['DAY', 'date', null], ['AMOUNT', 'fixed', 2], ['PAYLOAD', 'variant', null],
    ]);
  });

  test('unquoted names come back upper case; quoted ones as written; expressions by their text', async () => {
    await execute(conn, 'CREATE OR REPLACE TABLE "Quoted" ("MixedCase" INT, plain INT)');
    await execute(conn, 'INSERT INTO "Quoted" VALUES (1, 2)');
    const { rows } = await execute(conn, 'SELECT "MixedCase", plain, "PLAIN" AS again, 1 + 1, CURRENT_USER(), \'lit\' FROM "Quoted"');
    expect(rows).toEqual([{ 'MixedCase': 1, 'PLAIN': 2, 'AGAIN': 2, '1 + 1': 2, 'CURRENT_USER()': 'LOADER', '\'LIT\'': 'lit' }]);
  });

  test('JSON values and PARSE_JSON round-trip through VARIANT', async () => {
    await execute(conn, 'INSERT INTO events (id, payload) SELECT 20, PARSE_JSON(?)', { binds: ['{"a":[1,2]}'] });
    const { rows } = await execute(conn, 'SELECT payload FROM events WHERE id = 20');
    expect(rows).toEqual([{ PAYLOAD: { a: [1, 2] } }]);
  });

  test('streamRows streams a result', async () => {
    const { statement } = await execute(conn, 'SELECT id FROM events WHERE id <= 4 ORDER BY id', { streamResult: true });
    const ids: number[] = [];
    await new Promise<void>((resolve, reject) => {
      statement.streamRows()
        .on('data', (row: { ID: number }) => ids.push(row.ID))
        .on('error', reject)
        .on('end', () => resolve());
    });
    expect(ids).toEqual([1, 2, 3, 4]);
  });

  test('session functions and USE report the session\'s values', async () => {
    const before = await execute(conn, 'SELECT CURRENT_ROLE(), CURRENT_WAREHOUSE(), CURRENT_DATABASE(), CURRENT_SCHEMA(), CURRENT_ACCOUNT()', { rowMode: 'array' });
    expect(before.rows).toEqual([['LOADER', 'LOAD_WH', 'RAW', 'PUBLIC', 'TESTORG-TESTACCOUNT']]);
    await execute(conn, 'CREATE SCHEMA IF NOT EXISTS staging');
    await execute(conn, 'USE SCHEMA raw.staging');
    await execute(conn, 'USE ROLE sysadmin');
    try {
      await execute(conn, 'CREATE OR REPLACE TABLE only_in_staging (x INT)');
      const after = await execute(conn, 'SELECT CURRENT_ROLE(), CURRENT_SCHEMA(), (SELECT COUNT(*) FROM only_in_staging)', { rowMode: 'array' });
      expect(after.rows).toEqual([['SYSADMIN', 'STAGING', 0]]);
      await expect(endpoint.sql('SELECT COUNT(*) AS n FROM raw.staging.only_in_staging')).resolves.toEqual([{ N: 0 }]);
    } finally {
      await execute(conn, 'USE SCHEMA public');
      await execute(conn, 'USE ROLE loader');
    }
  });
});

describe('errors carry Snowflake codes', () => {
  test('a syntax error is 001003, SQLSTATE 42000', async () => {
    const err = await executeError(conn, 'SELEC 1');
    expect(err).toMatchObject({ code: '001003', sqlState: '42000', message: 'SQL compilation error:\nsyntax error line 1 at position 0 unexpected \'SELEC\'.' });
    expect(err.data?.queryId).toMatch(/^[0-9a-f-]{36}$/);
    await expect(executeError(conn, 'SELECT id FROM events WHERE')).resolves
      .toMatchObject({ code: '001003', message: expect.stringContaining('unexpected \'<EOF>\'') });
  });

  test('an unknown table is 002003, SQLSTATE 42S02', async () => {
    await expect(executeError(conn, 'SELECT * FROM missing_table')).resolves.toMatchObject({
      code: '002003',
      sqlState: '42S02',
      message: 'SQL compilation error:\nObject \'MISSING_TABLE\' does not exist or not authorized.',
    });
  });

  test('an unknown column is 000904, a missing bind 002049, others a generic 100000 with PostgreSQL\'s SQLSTATE', async () => {
    await expect(executeError(conn, 'SELECT nope FROM events')).resolves
      .toMatchObject({ code: '000904', sqlState: '42000', message: expect.stringContaining('invalid identifier \'NOPE\'') });
    await expect(executeError(conn, 'SELECT ? + ?', { binds: [1] })).resolves.toMatchObject({ code: '002049', sqlState: '42601' });
    await expect(executeError(conn, 'SELECT 1 / 0')).resolves.toMatchObject({ code: '100051', sqlState: '22012' });
  });

  test('several statements need MULTI_STATEMENT_COUNT (000008), then run in order', async () => {
    await expect(executeError(conn, 'SELECT 1; SELECT 2')).resolves.toMatchObject({ code: '000008', sqlState: '0A000' });
    const { rows, statement } = await execute(conn, 'SELECT 1 AS a; SELECT 2 AS b', { parameters: { MULTI_STATEMENT_COUNT: 2 } });
    expect(rows).toEqual([{ A: 1 }]);
    expect((statement as snowflake.FileAndStageBindStatement).hasNext()).toBe(true);
  });
});

describe('statement timeout', () => {
  test('ALTER SESSION SET STATEMENT_TIMEOUT_IN_SECONDS cancels SYSTEM$WAIT with 000630', async () => {
    await execute(conn, 'ALTER SESSION SET STATEMENT_TIMEOUT_IN_SECONDS = 1');
    try {
      const started = Date.now();
      const err = await executeError(conn, 'SELECT SYSTEM$WAIT(3)');
      expect(err).toMatchObject({
        code: '000630',
        sqlState: '57014',
        message: 'Statement reached its statement or warehouse timeout of 1 second(s) and was canceled.',
      });
      expect(Date.now() - started).toBeLessThan(2500);
      await expect(execute(conn, 'SELECT SYSTEM$WAIT(100, \'MILLISECONDS\') AS w')).resolves.toMatchObject({ rows: [{ W: 'waited 100 milliseconds' }] });
    } finally {
      await execute(conn, 'ALTER SESSION UNSET STATEMENT_TIMEOUT_IN_SECONDS');
    }
    await expect(execute(conn, 'SELECT SYSTEM$WAIT(1, \'MILLISECONDS\')', { rowMode: 'array' })).resolves.toMatchObject({ rows: [['waited 1 milliseconds']] });
  });

  test('a per-request STATEMENT_TIMEOUT_IN_SECONDS parameter is honoured', async () => {
    await expect(executeError(conn, 'SELECT SYSTEM$WAIT(2)', { parameters: { STATEMENT_TIMEOUT_IN_SECONDS: 1 } })).resolves
      .toMatchObject({ code: '000630' });
  });

  test('a statement still running in the engine at the deadline is answered then, and rolled back', async () => {
    // pg_sleep runs inside PostgreSQL (in the engine's worker thread), unlike SYSTEM$WAIT.
    const started = Date.now();
    const err = await executeError(conn, 'INSERT INTO events (id) SELECT 30 FROM (SELECT pg_sleep(1.5)) s', { parameters: { STATEMENT_TIMEOUT_IN_SECONDS: 1 } });
    expect(err.code).toBe('000630');
    expect(Date.now() - started).toBeLessThan(1400);
    // endpoint.sql waits for the engine, so this runs after the INSERT finished and was rolled back.
    await expect(endpoint.sql('SELECT COUNT(*) AS n FROM events WHERE id = 30')).resolves.toEqual([{ N: 0 }]);
  });
});

describe('asynchronous execution', () => {
  test('asyncExec returns at once; getQueryStatus and getResultsFromQueryId follow the query', async () => {
    const started = Date.now();
    const { statement } = await execute(conn, 'SELECT SYSTEM$WAIT(600, \'MILLISECONDS\') AS w, 42 AS answer', { asyncExec: true });
    expect(Date.now() - started).toBeLessThan(500);
    const queryId = statement.getQueryId();
    await expect(conn.getQueryStatus(queryId)).resolves.toBe('RUNNING');
    const rows = await new Promise<unknown[]>((resolve, reject) => {
      void conn.getResultsFromQueryId({ queryId, sqlText: '', complete: (err, _s, r) => (err ? reject(err) : resolve(r ?? [])) });
    });
    expect(rows).toEqual([{ W: 'waited 600 milliseconds', ANSWER: 42 }]);
    await expect(conn.getQueryStatus(queryId)).resolves.toBe('SUCCESS');
  });

  test('a failed async query reports FAILED_WITH_ERROR and its message', async () => {
    const { statement } = await execute(conn, 'SELECT * FROM missing_table', { asyncExec: true });
    const queryId = statement.getQueryId();
    await new Promise((r) => setTimeout(r, 100));
    await expect(conn.getQueryStatus(queryId)).resolves.toBe('FAILED_WITH_ERROR');
    await expect(conn.getQueryStatusThrowIfError(queryId)).rejects.toThrow('Object \'MISSING_TABLE\' does not exist or not authorized.');
  });

  test('statement.cancel() aborts a running query with 000604', async () => {
    const cancelled = new Promise<snowflake.SnowflakeError | undefined>((resolve) => {
      const statement = conn.execute({ sqlText: 'SELECT SYSTEM$WAIT(5)', complete: (err) => resolve(err) });
      setTimeout(() => statement.cancel(() => undefined), 200);
    });
    const started = Date.now();
    await expect(cancelled).resolves.toMatchObject({ code: '000604', sqlState: '57014', message: 'SQL execution canceled' });
    expect(Date.now() - started).toBeLessThan(2000);
    const aborted = endpoint.requests.find((r) => r.kind === 'queryAbort');
    expect(aborted?.status).toBe(200);
  });

  test('a long synchronous query answers 333333 and the driver polls getResultUrl', async () => {
    endpoint.setInProgressAfterMs(100);
    endpoint.resetCounters();
    try {
      const { rows } = await execute(conn, 'SELECT SYSTEM$WAIT(450, \'MILLISECONDS\') AS w');
      expect(rows).toEqual([{ W: 'waited 450 milliseconds' }]);
    } finally {
      endpoint.setInProgressAfterMs(45_000);
    }
    const log = endpoint.requests.filter((r) => r.kind === 'query' || r.kind === 'queryResult');
    expect(log[0]).toMatchObject({ kind: 'query', code: '333333' });
    expect(log.length).toBeGreaterThanOrEqual(3);
    expect(log[log.length - 1]).toMatchObject({ kind: 'queryResult', status: 200 });
    expect(log[log.length - 1].code).toBeUndefined();
    expect(endpoint.counters.queries).toBe(1);
  });
});
