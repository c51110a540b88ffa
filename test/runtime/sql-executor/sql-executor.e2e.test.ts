/**
 * The default handler of SnowflakeConnectorFunction, end to end: the bundled asset
 * (assets/sql-executor) in a warm Lambda-like instance, against moto and the local Snowflake
 * endpoint, for the three ways teams reach Snowflake from AWS.
 */
import { AwsSide } from '../../support/connector-fixture';
import { rsaKey } from '../../support/keys';
import { assetDir } from '../../support/lambda-process';
import { LambdaInstance, startLambdaInstance } from '../../support/lambda-runtime';
import { LocalSnowflake, startLocalSnowflake } from '../../support/local-snowflake';

const ACCOUNT = 'TESTORG-TESTACCOUNT';
let aws: AwsSide;
let snowflake: LocalSnowflake;
let instance: LambdaInstance;

beforeAll(async () => {
  [aws, snowflake] = await Promise.all([AwsSide.start(), startLocalSnowflake({ account: ACCOUNT })]);
  const key = rsaKey();
  aws.rememberKey(key);
  snowflake.addUser({ name: 'SVC_SQL', publicKeys: [key.publicPem], defaultRole: 'LOADER', defaultWarehouse: 'LOAD_WH' });
  const secretId = await aws.createSecret({ account: ACCOUNT, user: 'SVC_SQL', privateKey: key.pkcs8Pem, warehouse: 'LOAD_WH' });
  instance = await startLambdaInstance('index.js', assetDir('sql-executor'), {
    ...aws.env(), SNOWFLAKE_SECRET_ID: secretId, SNOWFLAKE_ENDPOINT_URL: snowflake.url,
  });
});

afterAll(async () => {
  await instance?.stop();
  await Promise.all([aws?.stop(), snowflake?.stop()]);
});

test('an invalid event is refused before anything is read or run', async () => {
  const reads = aws.reads();
  const requests = snowflake.requests.length;
  const invocation = await instance.invoke({ statements: [{ sql: 'SELECT 1' }, { sql: '' }] });
  expect(invocation.error).toEqual(expect.objectContaining({ errorType: 'InvalidEventError', code: 'INVALID_EVENT' }));
  expect(invocation.error!.errorMessage).toMatch(/^Event field statements\[1\]\.sql: must be a non-empty string/);
  expect(aws.reads() - reads).toBe(0);
  expect(snowflake.requests.length - requests).toBe(0);
});

test('event-driven loading: a batch of records inserted as one statement', async () => {
  const setup = await instance.invoke({ statements: [{ sql: 'CREATE TABLE EVENTS (ID INTEGER, SOURCE VARCHAR, BODY VARCHAR)' }], fetch: 'none' });
  expect(setup.error).toBeUndefined();
  // What an S3 notification handler would send: one row per object.
  const load = await instance.invoke({
    statements: [{
      sql: 'INSERT INTO EVENTS (ID, SOURCE, BODY) VALUES (?, ?, ?)',
      binds: [[1, 's3://raw/a.json', '{"a":1}'], [2, 's3://raw/b.json', '{"b":2}'], [3, 's3://raw/c.json', null]],
    }],
  });
  expect(load.error).toBeUndefined();
  expect(load.result.results).toEqual([{ queryId: expect.any(String), rowCount: 3 }]);
});

test('SQL after an ETL job (from Step Functions): a MERGE, then a data-quality check', async () => {
  const invocation = await instance.invoke({
    statements: [
      { sql: 'CREATE TABLE CUSTOMERS (ID INTEGER, NAME VARCHAR)' },
      { sql: 'CREATE TABLE STAGED_CUSTOMERS (ID INTEGER, NAME VARCHAR)' },
      { sql: 'INSERT INTO STAGED_CUSTOMERS VALUES (?, ?)', binds: [[1, 'Ada'], [2, 'Grace']] },
      { sql: 'MERGE INTO CUSTOMERS C USING STAGED_CUSTOMERS S ON C.ID = S.ID WHEN MATCHED THEN UPDATE SET NAME = S.NAME WHEN NOT MATCHED THEN INSERT (ID, NAME) VALUES (S.ID, S.NAME)' },
      { sql: 'SELECT COUNT(*) AS MISSING_NAMES FROM CUSTOMERS WHERE NAME IS NULL' },
    ],
  });
  expect(invocation.error).toBeUndefined();
  const results = invocation.result.results;
  expect(results).toHaveLength(5);
  expect(results[2].rowCount).toBe(2);
  expect(results[3].rowCount).toBe(2);
  expect(results[4].rows).toEqual([{ MISSING_NAMES: 0 }]);
});

test('operations automation (from an EventBridge schedule): the event\'s detail holds the statements', async () => {
  const invocation = await instance.invoke({
    'version': '0',
    'detail-type': 'Scheduled Event',
    'source': 'aws.events',
    'detail': { statements: [{ sql: 'SELECT CURRENT_WAREHOUSE() AS WH, CURRENT_ROLE() AS ROLE' }] },
  });
  expect(invocation.error).toBeUndefined();
  expect(invocation.result.results[0].rows).toEqual([{ WH: 'LOAD_WH', ROLE: 'LOADER' }]);
});

test('fetch maxRows returns the first rows and says the result was cut', async () => {
  const invocation = await instance.invoke({ statements: [{ sql: 'SELECT ID FROM EVENTS ORDER BY ID' }], fetch: { maxRows: 2 } });
  expect(invocation.error).toBeUndefined();
  expect(invocation.result.results[0]).toEqual({ queryId: expect.any(String), rowCount: 3, rows: [{ ID: 1 }, { ID: 2 }], truncated: true });
});

test('a failing statement stops the run and is reported as a QueryError; the ones before it ran', async () => {
  const invocation = await instance.invoke({ statements: [{ sql: 'INSERT INTO EVENTS (ID) VALUES (?)', binds: [4] }, { sql: 'SELEC 1' }] });
  expect(invocation.error).toEqual(expect.objectContaining({ errorType: 'QueryError', code: 'SQL_ERROR' }));
  const count = await instance.invoke({ statements: [{ sql: 'SELECT COUNT(*) AS N FROM EVENTS' }] });
  expect(count.result.results[0].rows).toEqual([{ N: 4 }]);
  expect(instance.output()).toContain('Statement failed; the statements before it have run');
});

test('the whole run read the secret once and logged in once', () => {
  expect(aws.reads()).toBe(1);
  expect(snowflake.counters.logins).toBe(1);
});
