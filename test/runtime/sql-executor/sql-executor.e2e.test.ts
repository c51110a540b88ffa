/**
 * The default handler of SnowflakeConnectorFunction, end to end: the bundled asset
 * (assets/sql-executor) in warm Lambda-like instances, against moto and the local Snowflake
 * endpoint, for the three ways teams reach Snowflake from AWS. Each instance gets the
 * environment the construct synthesizes for its `ConnectorHandler.sqlExecutor(...)` options, so
 * the contract between construct and runtime is the one under test.
 */
import { LocalSnowflake, startLocalSnowflake } from '@cdk-snowflake-keypair/local-snowflake';
import { Template } from 'aws-cdk-lib/assertions';
import { BindType, ConnectorHandler, SnowflakeConnectorFunction, SnowflakeKeyPairSecret, SqlExecutorOptions, SqlStatement } from '../../../src';
import { AwsSide } from '../../support/connector-fixture';
import { rsaKey } from '../../support/keys';
import { assetDir } from '../../support/lambda-process';
import { LambdaInstance, startLambdaInstance } from '../../support/lambda-runtime';
import { testStack } from '../../support/stacks';

const ACCOUNT = 'TESTORG-TESTACCOUNT';
let aws: AwsSide;
let snowflake: LocalSnowflake;
let secretId: string;
const instances: LambdaInstance[] = [];

const STATEMENTS = {
  insertEvents: SqlStatement.of('INSERT INTO EVENTS (ID, SOURCE, BODY) VALUES (?, ?, ?)', {
    binds: [BindType.NUMBER, BindType.TEXT, BindType.nullable(BindType.TEXT)],
  }),
  mergeCustomers: SqlStatement.of('MERGE INTO CUSTOMERS C USING STAGED_CUSTOMERS S ON C.ID = S.ID WHEN MATCHED THEN UPDATE SET NAME = S.NAME '
    + 'WHEN NOT MATCHED THEN INSERT (ID, NAME) VALUES (S.ID, S.NAME)'),
  missingNames: SqlStatement.of('SELECT COUNT(*) AS MISSING_NAMES FROM CUSTOMERS WHERE NAME IS NULL'),
  eventIds: SqlStatement.of('SELECT ID FROM EVENTS ORDER BY ID'),
  countEvents: SqlStatement.of('SELECT COUNT(*) AS N FROM EVENTS'),
  context: SqlStatement.of('SELECT CURRENT_WAREHOUSE() AS WH, CURRENT_ROLE() AS ROLE'),
  broken: SqlStatement.of('SELEC 1'),
};

/** The environment the construct gives a function with these options: what Lambda would hand the asset. */
function synthesizedEnvironment(options: SqlExecutorOptions): Record<string, string> {
  const stack = testStack();
  const secret = new SnowflakeKeyPairSecret(stack, 'Secret', { account: 'myorg-myaccount', user: 'SVC_SQL' });
  new SnowflakeConnectorFunction(stack, 'Sql', { secret, handler: ConnectorHandler.sqlExecutor(options) });
  const [fn] = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } }))
    .filter((r: any) => r.Properties.Environment?.Variables?.SNOWFLAKE_SECRET_ID);
  const { SNOWFLAKE_SECRET_ID: _arn, ...rest } = (fn as any).Properties.Environment.Variables;
  return rest;
}

async function executor(options: SqlExecutorOptions): Promise<LambdaInstance> {
  const instance = await startLambdaInstance('index.js', assetDir('sql-executor'), {
    ...aws.env(), ...synthesizedEnvironment(options), SNOWFLAKE_SECRET_ID: secretId, SNOWFLAKE_ENDPOINT_URL: snowflake.url,
  });
  instances.push(instance);
  return instance;
}

let declared: LambdaInstance;

beforeAll(async () => {
  [aws, snowflake] = await Promise.all([AwsSide.start(), startLocalSnowflake({ account: ACCOUNT })]);
  const key = rsaKey();
  aws.rememberKey(key);
  snowflake.addUser({ name: 'SVC_SQL', publicKeys: [key.publicPem], defaultRole: 'LOADER', defaultWarehouse: 'LOAD_WH' });
  secretId = await aws.createSecret({ account: ACCOUNT, user: 'SVC_SQL', privateKey: key.pkcs8Pem, warehouse: 'LOAD_WH' });
  await snowflake.sql('CREATE TABLE EVENTS (ID INTEGER, SOURCE VARCHAR, BODY VARCHAR)');
  await snowflake.sql('CREATE TABLE CUSTOMERS (ID INTEGER, NAME VARCHAR)');
  await snowflake.sql('CREATE TABLE STAGED_CUSTOMERS (ID INTEGER, NAME VARCHAR)');
  await snowflake.sql("INSERT INTO STAGED_CUSTOMERS VALUES (1, 'Ada'), (2, 'Grace')");
  declared = await executor({ statements: STATEMENTS });
});

afterAll(async () => {
  await Promise.all(instances.map((i) => i.stop()));
  await Promise.all([aws?.stop(), snowflake?.stop()]);
});

/** What an invocation read from Secrets Manager and sent to Snowflake. */
async function traffic(invoke: () => Promise<unknown>): Promise<{ reads: number; requests: number }> {
  const reads = aws.reads();
  const requests = snowflake.requests.length;
  await invoke();
  return { reads: aws.reads() - reads, requests: snowflake.requests.length - requests };
}

describe('refused before the secret is read or Snowflake is called', () => {
  test.each([
    ['SQL text (the old event shape)', { statements: [{ sql: 'ALTER USER SVC_SQL ADD PROGRAMMATIC ACCESS TOKEN T' }] }, 'UndeclaredStatementError', 'STATEMENT_NOT_DECLARED',
      /^Event field statements\[0\]\.sql: SQL text is refused\. This function runs only the statements declared in ConnectorHandler\.sqlExecutor/],
    ['an undeclared name', { run: 'useAccountAdmin' }, 'UndeclaredStatementError', 'STATEMENT_NOT_DECLARED',
      /^Event field run: the string "useAccountAdmin" is not a declared statement\. .*\(broken, context, countEvents, eventIds, insertEvents, mergeCustomers, missingNames\)/],
    ['a bind of the wrong type', { run: 'insertEvents', binds: ['1', 's3://raw/a.json', null] }, 'InvalidEventError', 'INVALID_EVENT',
      /^Event field binds\[0\]: statement insertEvents bind 0 expects NUMBER, given TEXT/],
    ['the wrong number of binds', { run: 'insertEvents', binds: [1, 's3://raw/a.json'] }, 'InvalidEventError', 'INVALID_EVENT',
      /^Event field binds: statement insertEvents takes 3 bind\(s\) \(NUMBER, TEXT, TEXT or null\), and the event gives 2/],
    ['an EventBridge event, without eventBridgeDetail', { 'detail-type': 'Scheduled Event', 'source': 'aws.events', 'detail': { run: 'context' } },
      'InvalidEventError', 'INVALID_EVENT', /^Event field detail: the event is an EventBridge event/],
  ])('(failing case) %s', async (_what, event, errorType, code, message) => {
    let error: any;
    const seen = await traffic(async () => {
      error = (await declared.invoke(event)).error;
    });
    expect(error).toEqual(expect.objectContaining({ errorType, code }));
    expect(error.errorMessage).toMatch(message);
    expect(seen).toEqual({ reads: 0, requests: 0 });
  });

  test('a function built without statements runs nothing, whatever it is sent', async () => {
    const nothing = await executor({});
    const seen = await traffic(async () => {
      for (const event of [{ statements: [{ sql: 'SELECT 1' }] }, { run: 'context' }]) {
        const { error } = await nothing.invoke(event);
        expect(error).toEqual(expect.objectContaining({ errorType: 'UndeclaredStatementError', code: 'STATEMENT_NOT_DECLARED' }));
        expect(error!.errorMessage).toContain('(none are declared)');
      }
    });
    expect(seen).toEqual({ reads: 0, requests: 0 });
  });
});

test('event-driven loading: a batch of records inserted as one statement, by name, with typed binds', async () => {
  const load = await declared.invoke({
    run: 'insertEvents',
    binds: [[1, 's3://raw/a.json', '{"a":1}'], [2, 's3://raw/b.json', '{"b":2}'], [3, 's3://raw/c.json', null]],
  });
  expect(load.error).toBeUndefined();
  expect(load.result.results).toEqual([{ queryId: expect.any(String), rowCount: 3 }]);
  // The declared SQL went over the wire, with the values as binds.
  const sent = snowflake.requests.filter((r) => r.sql?.startsWith('INSERT INTO EVENTS')).map((r) => r.sql);
  expect(sent).toEqual(['INSERT INTO EVENTS (ID, SOURCE, BODY) VALUES (?, ?, ?)']);
});

test('SQL after an ETL job (from Step Functions): a MERGE, then a data-quality check', async () => {
  const invocation = await declared.invoke({ statements: [{ run: 'mergeCustomers' }, { run: 'missingNames' }] });
  expect(invocation.error).toBeUndefined();
  const results = invocation.result.results;
  expect(results).toHaveLength(2);
  expect(results[0].rowCount).toBe(2);
  expect(results[1].rows).toEqual([{ MISSING_NAMES: 0 }]);
  expect(declared.output()).toMatch(/"message":"Statement ran","statement":1,"name":"missingNames"/);
});

test('operations automation (an EventBridge rule forwarding its events): detail is read with eventBridgeDetail', async () => {
  const bus = await executor({ statements: STATEMENTS, eventBridgeDetail: true });
  const invocation = await bus.invoke({
    'version': '0',
    'detail-type': 'Scheduled Event',
    'source': 'aws.events',
    'detail': { run: 'context' },
  });
  expect(invocation.error).toBeUndefined();
  expect(invocation.result.results[0].rows).toEqual([{ WH: 'LOAD_WH', ROLE: 'LOADER' }]);
  // (failing case) still only what is declared.
  const sql = await bus.invoke({ 'detail-type': 'Scheduled Event', 'source': 'aws.events', 'detail': { statements: [{ sql: 'SELECT 1' }] } });
  expect(sql.error?.code).toBe('STATEMENT_NOT_DECLARED');
});

test('fetch maxRows returns the first rows and says the result was cut', async () => {
  const invocation = await declared.invoke({ run: 'eventIds', fetch: { maxRows: 2 } });
  expect(invocation.error).toBeUndefined();
  expect(invocation.result.results[0]).toEqual({ queryId: expect.any(String), rowCount: 3, rows: [{ ID: 1 }, { ID: 2 }], truncated: true });
});

test('a failing statement stops the run and is reported as a QueryError; the ones before it ran', async () => {
  const invocation = await declared.invoke({ statements: [{ run: 'insertEvents', binds: [4, 's3://raw/d.json', null] }, { run: 'broken' }] });
  expect(invocation.error).toEqual(expect.objectContaining({ errorType: 'QueryError', code: 'SQL_ERROR' }));
  const count = await declared.invoke({ run: 'countEvents' });
  expect(count.result.results[0].rows).toEqual([{ N: 4 }]);
  expect(declared.output()).toContain('Statement failed; the statements before it have run');
});

test('with allowAnySql, SQL text from the event runs (the opt-in)', async () => {
  const any = await executor({ allowAnySql: true });
  const invocation = await any.invoke({ statements: [{ sql: 'SELECT COUNT(*) AS N FROM EVENTS WHERE ID > ?', binds: [2] }] });
  expect(invocation.error).toBeUndefined();
  expect(invocation.result.results[0].rows).toEqual([{ N: 2 }]);
});

test('each instance read the secret once and logged in once', () => {
  // declared, bus, any: three instances that ran SQL; the one built without statements never read it.
  expect(aws.reads()).toBe(3);
  expect(snowflake.counters.logins).toBe(3);
});
