/**
 * The default handler of SnowflakeConnectorFunction, end to end, on both transports: the bundled
 * assets (assets/sql-api-executor: the SQL API, the default with a key pair; assets/sql-executor:
 * the driver) in warm Lambda-like instances, against moto and the local Snowflake endpoint, for
 * the three ways teams reach Snowflake from AWS. Each instance gets the environment the construct
 * synthesizes for its `ConnectorHandler.sqlExecutor(...)` options, so the contract between
 * construct and runtime is the one under test.
 *
 * Where the transports differ, the expectations say so: the SQL API binds no SQL NULL and no rows
 * of binds (refused at synth for declared statements, before the secret is read for events), and
 * it signs no session in (no login). Values are the same on both: docs/design/sql-api-executor.md
 * ("One row shape for both transports"), for every type the local endpoint's driver protocol and
 * SQL API produce (TIMESTAMP_TZ, OBJECT, ARRAY and GEOGRAPHY it does not: driver-values.test.ts and
 * ../sql-api/values.test.ts cover those).
 */
import { LocalSnowflake, startLocalSnowflake } from '@cdk-snowflake-keypair/local-snowflake';
import { Template } from 'aws-cdk-lib/assertions';
import {
  BindType, ConnectorHandler, SnowflakeConnectorFunction, SnowflakeKeyPairSecret, SqlExecutorOptions, SqlExecutorTransport, SqlStatement,
} from '../../../src';
import { AwsSide, leaks } from '../../support/connector-fixture';
import { rsaKey } from '../../support/keys';
import { assetDir } from '../../support/lambda-process';
import { LambdaInstance, startLambdaInstance } from '../../support/lambda-runtime';
import { testStack } from '../../support/stacks';

const ACCOUNT = 'TESTORG-TESTACCOUNT';

interface Transport {
  readonly name: string;
  readonly transport: SqlExecutorTransport;
  /** The bundle ConnectorHandler.sqlExecutor({ transport }) runs (test/function/sql-executor-transport.test.ts). */
  readonly bundle: string;
  /** Whether SQL NULL binds and rows of binds can be sent (the driver: yes; the SQL API: no). */
  readonly nullAndRows: boolean;
}

const TRANSPORTS: Transport[] = [
  { name: 'SQL_API', transport: SqlExecutorTransport.SQL_API, bundle: 'sql-api-executor', nullAndRows: false },
  { name: 'DRIVER', transport: SqlExecutorTransport.DRIVER, bundle: 'sql-executor', nullAndRows: true },
];

describe.each(TRANSPORTS)('the SQL executor on $name', ({ transport, bundle, nullAndRows }) => {
  let aws: AwsSide;
  let snowflake: LocalSnowflake;
  let secretId: string;
  const instances: LambdaInstance[] = [];

  // The driver takes a nullable bind; on the SQL API (which binds no NULL: refused at synth) the
  // statement without a body writes NULL in its SQL.
  const STATEMENTS: Record<string, SqlStatement> = {
    insertEvents: SqlStatement.of('INSERT INTO EVENTS (ID, SOURCE, BODY) VALUES (?, ?, ?)', {
      binds: [BindType.NUMBER, BindType.TEXT, nullAndRows ? BindType.nullable(BindType.TEXT) : BindType.TEXT],
    }),
    ...(nullAndRows ? {} : { insertEventNoBody: SqlStatement.of('INSERT INTO EVENTS (ID, SOURCE, BODY) VALUES (?, ?, NULL)', { binds: [BindType.NUMBER, BindType.TEXT] }) }),
    mergeCustomers: SqlStatement.of('MERGE INTO CUSTOMERS C USING STAGED_CUSTOMERS S ON C.ID = S.ID WHEN MATCHED THEN UPDATE SET NAME = S.NAME '
      + 'WHEN NOT MATCHED THEN INSERT (ID, NAME) VALUES (S.ID, S.NAME)'),
    missingNames: SqlStatement.of('SELECT COUNT(*) AS MISSING_NAMES FROM CUSTOMERS WHERE NAME IS NULL'),
    eventIds: SqlStatement.of('SELECT ID FROM EVENTS ORDER BY ID'),
    countEvents: SqlStatement.of('SELECT COUNT(*) AS N FROM EVENTS'),
    context: SqlStatement.of('SELECT CURRENT_WAREHOUSE() AS WH, CURRENT_ROLE() AS ROLE'),
    values: SqlStatement.of('SELECT CAST(9007199254740993 AS NUMBER(38,0)) AS BIG, CAST(12.30 AS NUMBER(10,2)) AS DEC, CAST(NULL AS NUMBER) AS NONE, '
      + "CAST(1.5 AS FLOAT) AS R, CAST('2020-01-02' AS DATE) AS DT, CAST('1969-12-31' AS DATE) AS OLD, CAST('12:34:56.123456' AS TIME) AS TM, "
      + "CAST('1969-12-31 23:59:59.5' AS TIMESTAMP_NTZ) AS NTZ, CAST('2020-01-02 03:04:05.123456+05:30' AS TIMESTAMP_LTZ) AS LTZ, "
      + "CAST('Hello' AS BINARY) AS B, PARSE_JSON('{\"a\":[1,2]}') AS V, TRUE AS FLAG, 'text' AS T"),
    broken: SqlStatement.of('SELEC 1'),
  };
  const DECLARED = Object.keys(STATEMENTS).sort().join(', ');

  /** The environment the construct gives a function with these options: what Lambda would hand the asset. */
  function synthesizedEnvironment(options: SqlExecutorOptions): Record<string, string> {
    const stack = testStack();
    const secret = new SnowflakeKeyPairSecret(stack, 'Secret', { account: 'myorg-myaccount', user: 'SVC_SQL' });
    new SnowflakeConnectorFunction(stack, 'Sql', { secret, handler: ConnectorHandler.sqlExecutor({ ...options, transport }) });
    const [fn] = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } }))
      .filter((r: any) => r.Properties.Environment?.Variables?.SNOWFLAKE_SECRET_ID);
    const { SNOWFLAKE_SECRET_ID: _arn, ...rest } = (fn as any).Properties.Environment.Variables;
    return rest;
  }

  async function executor(options: SqlExecutorOptions): Promise<LambdaInstance> {
    const instance = await startLambdaInstance('index.js', assetDir(bundle), {
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
        new RegExp(`^Event field run: the string "useAccountAdmin" is not a declared statement\\. .*\\(${DECLARED}\\)`)],
      ['a bind of the wrong type', { run: 'insertEvents', binds: ['1', 's3://raw/a.json', 'x'] }, 'InvalidEventError', 'INVALID_EVENT',
        /^Event field binds\[0\]: statement insertEvents bind 0 expects NUMBER, given TEXT/],
      ['the wrong number of binds', { run: 'insertEvents', binds: [1, 's3://raw/a.json'] }, 'InvalidEventError', 'INVALID_EVENT',
        new RegExp(`^Event field binds: statement insertEvents takes 3 bind\\(s\\) \\(NUMBER, TEXT, TEXT${nullAndRows ? ' or null' : ''}\\), and the event gives 2`)],
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

  const batch = [[1, 's3://raw/a.json', '{"a":1}'], [2, 's3://raw/b.json', '{"b":2}'], [3, 's3://raw/c.json', null]];

  if (nullAndRows) {
    test('event-driven loading: a batch of records inserted as one statement, by name, with typed binds', async () => {
      const load = await declared.invoke({ run: 'insertEvents', binds: batch });
      expect(load.error).toBeUndefined();
      expect(load.result.results).toEqual([{ queryId: expect.any(String), rowCount: 3 }]);
      // The declared SQL went over the wire, with the values as binds.
      const sent = snowflake.requests.filter((r) => r.sql?.startsWith('INSERT INTO EVENTS')).map((r) => r.sql);
      expect(sent).toEqual(['INSERT INTO EVENTS (ID, SOURCE, BODY) VALUES (?, ?, ?)']);
    });
  } else {
    test('event-driven loading: rows of binds are refused before the secret is read (no array binding); one statement per row runs', async () => {
      let refused: any;
      const seen = await traffic(async () => {
        refused = (await declared.invoke({ run: 'insertEvents', binds: batch.map(([id, source, body]) => [id, source, body ?? '']) })).error;
      });
      expect(refused).toEqual(expect.objectContaining({ errorType: 'InvalidEventError', code: 'INVALID_EVENT' }));
      expect(refused.errorMessage).toMatch(/^Event field binds: gives 3 rows of binds for statement insertEvents, .*no array binding\. .*SqlExecutorTransport\.DRIVER/);
      expect(seen).toEqual({ reads: 0, requests: 0 });
      const load = await declared.invoke({
        statements: [
          { run: 'insertEvents', binds: batch[0] },
          { run: 'insertEvents', binds: batch[1] },
          { run: 'insertEventNoBody', binds: batch[2].slice(0, 2) },
        ],
      });
      expect(load.error).toBeUndefined();
      // A DML's rows are its count row (`number of rows inserted`).
      expect(load.result.results).toEqual([1, 1, 1].map((rowCount) => ({ queryId: expect.any(String), rowCount, rows: [{ 'number of rows inserted': 1 }] })));
      const sent = snowflake.requests.filter((r) => r.sql?.startsWith('INSERT INTO EVENTS')).map((r) => r.sql);
      expect(sent).toEqual([STATEMENTS.insertEvents.sql, STATEMENTS.insertEvents.sql, STATEMENTS.insertEventNoBody.sql]);
    });
  }

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

  test('values: one row shape on both transports (docs/design/sql-api-executor.md), from exact sources', async () => {
    const invocation = await declared.invoke({ run: 'values' });
    expect(invocation.error).toBeUndefined();
    const [row] = invocation.result.results[0].rows;
    // An integer beyond 2^53 as its decimal string (the driver's double would be 9007199254740992); a
    // decimal that converts exactly as a number; DATE as YYYY-MM-DD (also before 1970); TIME and
    // TIMESTAMP_NTZ with the column's 9 digits; TIMESTAMP_LTZ as the instant in UTC with Z (not in
    // the session's TIMEZONE or output format); BINARY as upper-case hex (not {"type":"Buffer",…});
    // VARIANT parsed.
    expect(row).toEqual({
      BIG: '9007199254740993',
      DEC: 12.3,
      NONE: null,
      R: 1.5,
      DT: '2020-01-02',
      OLD: '1969-12-31',
      TM: '12:34:56.123456000',
      NTZ: '1969-12-31T23:59:59.500000000',
      LTZ: '2020-01-01T21:34:05.123456000Z',
      B: '48656C6C6F',
      V: { a: [1, 2] },
      FLAG: true,
      T: 'text',
    });
  });

  test('a failing statement stops the run and is reported as a QueryError; the ones before it ran', async () => {
    const first = nullAndRows ? { run: 'insertEvents', binds: [4, 's3://raw/d.json', null] } : { run: 'insertEventNoBody', binds: [4, 's3://raw/d.json'] };
    const invocation = await declared.invoke({ statements: [first, { run: 'broken' }] });
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
    if (!nullAndRows) {
      // (failing case) a null bind in SQL text: the SQL API has no form for it, so it is refused before anything is sent.
      let refused: any;
      const seen = await traffic(async () => {
        refused = (await any.invoke({ statements: [{ sql: 'SELECT COUNT(*) AS N FROM EVENTS WHERE BODY = ?', binds: [null] }] })).error;
      });
      expect(refused).toEqual(expect.objectContaining({ errorType: 'InvalidEventError', code: 'INVALID_EVENT' }));
      expect(refused.errorMessage).toMatch(/^Event field statements\[0\]\.binds\[0\]: is null, .*SqlExecutorTransport\.DRIVER/);
      expect(seen).toEqual({ reads: 0, requests: 0 });
    }
  });

  test(nullAndRows ? 'each instance read the secret once and logged in once' : 'each instance read the secret once, and no session was opened', () => {
    // declared, bus, any: three instances that ran SQL; the one built without statements never read it.
    expect(aws.reads()).toBe(3);
    const counters = snowflake.counters;
    if (nullAndRows) {
      expect(counters.logins).toBe(3);
      expect(counters.statementRequests).toBe(0);
    } else {
      expect(counters.logins).toBe(0);
      expect(counters.statementRequests).toBeGreaterThan(0);
      // Every statement request carried the key-pair JWT of the secret's user.
      expect(snowflake.requests.filter((r) => r.kind === 'statements').every((r) => r.user === 'SVC_SQL' && r.tokenType === 'KEYPAIR_JWT')).toBe(true);
    }
  });

  test('after a key rotation, the next statement runs: the secret is read once more, not on every call', async () => {
    const key = rsaKey();
    aws.rememberKey(key);
    snowflake.setPublicKey('SVC_SQL', 2, key.publicPem);
    await aws.putSecret(secretId, { account: ACCOUNT, user: 'SVC_SQL', privateKey: key.pkcs8Pem, warehouse: 'LOAD_WH' });
    snowflake.setPublicKey('SVC_SQL', 1, undefined);
    const reads = aws.reads();
    for (let i = 0; i < 3; i++) {
      const invocation = await declared.invoke({ run: 'countEvents' });
      expect(invocation.error).toBeUndefined();
    }
    // The SQL API signs each request: its cached JWT is refused once, and the secret re-read. The
    // driver's session, signed in before the rotation, goes on; it would re-read at its next login.
    expect(aws.reads() - reads).toBe(nullAndRows ? 0 : 1);
  });

  test('no key material in any instance\'s output', () => {
    expect(instances.length).toBeGreaterThanOrEqual(4);
    for (const instance of instances) expect(leaks(instance.output(), aws.secrets)).toEqual([]);
  });
});
