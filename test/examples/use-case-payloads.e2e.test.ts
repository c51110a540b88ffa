/**
 * The payloads the example's workflow and schedules send, taken from the synthesized template,
 * are events the SQL executor accepts under the declaration the same template gives the function
 * they invoke (its SNOWFLAKE_SQL_EXECUTOR); and the ETL workflow's statements, run against the
 * local Snowflake endpoint by the synthesized asset (the SQL executor on the SQL API, the default
 * with a key pair) and by the driver's bundle with the same environment (what
 * `transport: SqlExecutorTransport.DRIVER` deploys), answer in the shape its `resultSelector`
 * paths and its Choice read (a number where the Choice compares a number).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LocalSnowflake, startLocalSnowflake } from '@cdk-snowflake-keypair/local-snowflake';
import { ExecutorPolicy, parseSqlEvent, policyFromEnvironment, UndeclaredStatementError } from '../../src/runtime/sql-executor/event';
import { AwsSide, leaks } from '../support/connector-fixture';
import { ExampleAssembly, synthesizeExample } from '../support/example-assembly';
import { rsaKey } from '../support/keys';
import { assetDir } from '../support/lambda-process';
import { LambdaInstance, startLambdaInstance } from '../support/lambda-runtime';

const ACCOUNT = 'MYORG-MYACCOUNT';
let assembly: ExampleAssembly;
let template: any;

beforeAll(() => {
  assembly = synthesizeExample();
  template = assembly.template;
});

afterAll(() => assembly?.remove());

function resources(type: string): [string, any][] {
  return Object.entries<any>(template.Resources).filter(([, r]) => r.Type === type);
}

/** The workflow's definition, its tokens replaced by `TOKEN:<logical id>` (or `TOKEN:<Ref>`). */
function workflowStates(): Record<string, any> {
  const [[, machine]] = resources('AWS::StepFunctions::StateMachine');
  const parts: unknown[] = machine.Properties.DefinitionString['Fn::Join'][1];
  const text = parts.map((part: any) => (typeof part === 'string' ? part : `TOKEN:${part['Fn::GetAtt']?.[0] ?? part.Ref}`)).join('');
  return JSON.parse(text).States;
}

/** What the template lets the function with this logical id run. */
function policyOf(functionId: string): ExecutorPolicy {
  const fn = template.Resources[functionId];
  expect(fn.Type).toBe('AWS::Lambda::Function');
  return policyFromEnvironment({ SNOWFLAKE_SQL_EXECUTOR: fn.Properties.Environment.Variables.SNOWFLAKE_SQL_EXECUTOR });
}

/** The logical id of the function the workflow's tasks invoke (payloadResponseOnly: the Resource is its ARN). */
function workflowFunctionId(): string {
  return String(workflowStates()['MERGE staged orders'].Resource).replace(/^TOKEN:/, '');
}

/** A JSONPath of the form `$.a[0].b` read from `doc`: the subset resultSelector and Choice use here. */
function readPath(doc: any, jsonPath: string): unknown {
  return jsonPath.replace(/^\$\.?/, '').split(/\.|\[(\d+)\]/).filter((p) => p !== undefined && p !== '')
    .reduce((at, key) => (at === undefined ? undefined : at[key]), doc);
}

describe('every SQL payload in the template runs a statement the function it invokes declared', () => {
  test('the ETL workflow\'s two Lambda tasks', () => {
    const states = workflowStates();
    const policy = policyOf(workflowFunctionId());
    expect([...policy.statements.keys()].sort()).toEqual(['countOrphanOrders', 'mergeStagedOrders', 'truncateStagedOrders']);
    expect(policy).toMatchObject({ anySql: false, eventBridgeDetail: false });
    const run = (name: string) => parseSqlEvent(states[name].Parameters, policy).statements.map((s) => s.name);
    expect(run('MERGE staged orders')).toEqual(['mergeStagedOrders', 'truncateStagedOrders']);
    expect(run('Check data quality')).toEqual(['countOrphanOrders']);
    expect(states['MERGE staged orders'].Parameters.fetch).toBe('none');
  });

  test('the operations schedules, with their identifiers quoted', () => {
    // The rules that invoke the ops SQL executor (not the rotation's hourly retirement check).
    const targets = resources('AWS::Events::Rule').flatMap(([, r]) => r.Properties.Targets ?? [])
      .filter((t: any) => t.Input && /^OpsFunction/.test(t.Arn?.['Fn::GetAtt']?.[0] ?? ''));
    expect(targets).toHaveLength(3);
    const policy = policyOf(targets[0].Arn['Fn::GetAtt'][0]);
    const sql = targets.map((t: any) => parseSqlEvent(JSON.parse(t.Input), policy).statements[0].sql).sort();
    expect(sql).toEqual([
      'ALTER WAREHOUSE IF EXISTS "OPS_WH" RESUME IF SUSPENDED',
      'ALTER WAREHOUSE IF EXISTS "OPS_WH" SUSPEND',
      'EXECUTE TASK "RAW"."EVENTS"."REFRESH_DAILY"',
    ]);
    // The rules send a name, never SQL.
    for (const target of targets) expect(target.Input).not.toMatch(/ALTER|EXECUTE|"sql"/);
  });

  test('(failing case) a payload the executor would refuse is caught by the same check', () => {
    const states = workflowStates();
    const policy = policyOf(workflowFunctionId());
    const broken = { ...states['Check data quality'].Parameters, fetch: { maxRows: 0 } };
    expect(() => parseSqlEvent(broken, policy)).toThrow(/fetch/);
    // The old event shape: SQL text is refused, whatever it is.
    const sql = { statements: [{ sql: 'SELECT COUNT(*) AS ORPHANS FROM ORDERS WHERE CUSTOMER_ID IS NULL' }] };
    expect(() => parseSqlEvent(sql, policy)).toThrow(UndeclaredStatementError);
  });
});

describe.each([
  { transport: 'SQL_API (the synthesized asset)', synthesized: true },
  { transport: 'DRIVER (assets/sql-executor, the same environment)', synthesized: false },
])('the ETL workflow\'s statements, run by the SQL executor on $transport', ({ synthesized }) => {
  let aws: AwsSide;
  let snowflake: LocalSnowflake;
  let instance: LambdaInstance;

  beforeAll(async () => {
    const states = workflowStates();
    // payloadResponseOnly: the task's Resource is the function's ARN itself.
    const fnId = workflowFunctionId();
    expect(states['Check data quality'].Resource).toBe(`TOKEN:${fnId}`);
    const fn = template.Resources[fnId];
    expect(fn.Type).toBe('AWS::Lambda::Function');
    const synthesizedAsset = assembly.assetDir(fn.Properties.Code.S3Key);
    // The example's function runs the SQL API bundle: its declared statements bind no NULL and no rows.
    expect(fs.readFileSync(path.join(synthesizedAsset, 'index.js'))).toEqual(fs.readFileSync(path.join(assetDir('sql-api-executor'), 'index.js')));
    const asset = synthesized ? synthesizedAsset : assetDir('sql-executor');

    [aws, snowflake] = await Promise.all([AwsSide.start(), startLocalSnowflake({ account: ACCOUNT })]);
    const key = rsaKey();
    aws.rememberKey(key);
    snowflake.addUser({ name: 'SVC_LOADER', publicKeys: [key.publicPem] });
    await snowflake.sql('CREATE TABLE ORDERS (ORDER_ID VARCHAR, CUSTOMER_ID VARCHAR, AMOUNT NUMBER(12,2))');
    await snowflake.sql('CREATE TABLE STAGED_ORDERS (ORDER_ID VARCHAR, CUSTOMER_ID VARCHAR, AMOUNT NUMBER(12,2))');
    await snowflake.sql("INSERT INTO ORDERS VALUES ('O-1', 'C-1', 10)");
    await snowflake.sql("INSERT INTO STAGED_ORDERS VALUES ('O-1', 'C-1', 11), ('O-2', 'C-2', 5)");
    const secretId = await aws.createSecret({ account: ACCOUNT, user: 'SVC_LOADER', privateKey: key.pkcs8Pem });
    // The template's environment (its declared statements, and the secret's ARN: here moto's), plus the loopback endpoint.
    instance = await startLambdaInstance(fn.Properties.Handler.replace(/\.handler$/, '.js'), asset, {
      ...aws.env(), ...fn.Properties.Environment.Variables, SNOWFLAKE_SECRET_ID: secretId, SNOWFLAKE_ENDPOINT_URL: snowflake.url,
    });
  }, 120_000);

  afterAll(async () => {
    await instance?.stop();
    await Promise.all([aws?.stop(), snowflake?.stop()]);
  });

  afterEach(() => {
    expect(leaks(instance.output(), aws.secrets)).toEqual([]);
  });

  test('(failing case) SQL text sent to the synthesized function is refused before it reads its secret or calls Snowflake (its first invocation)', async () => {
    const reads = aws.reads();
    const requests = snowflake.requests.length;
    const invocation = await instance.invoke({ statements: [{ sql: 'DELETE FROM ORDERS' }] });
    expect(invocation.error).toEqual(expect.objectContaining({ errorType: 'UndeclaredStatementError', code: 'STATEMENT_NOT_DECLARED' }));
    expect(aws.reads() - reads).toBe(0);
    expect(snowflake.requests.length - requests).toBe(0);
  });

  test('MERGE, then the quality check: the selected fields are numbers, and the Choice passes', async () => {
    const states = workflowStates();
    const merge = await instance.invoke(states['MERGE staged orders'].Parameters);
    expect(merge.error).toBeUndefined();
    expect(readPath(merge.result, states['MERGE staged orders'].ResultSelector['merged.$'])).toBe(2);
    expect(await snowflake.sql('SELECT COUNT(*) AS N FROM STAGED_ORDERS')).toEqual([{ N: 0 }]);

    const check = await instance.invoke(states['Check data quality'].Parameters);
    expect(check.error).toBeUndefined();
    const orphans = readPath(check.result, states['Check data quality'].ResultSelector['orphans.$']);
    expect(orphans).toBe(0); // a number: NumericGreaterThan on a string would fail the execution
    const rule = states['Clean?'].Choices[0];
    expect(rule).toEqual({ Variable: '$.quality.orphans', NumericGreaterThan: 0, Next: 'Orders without a customer' });
  });

  test('(failing case) an order without a customer makes the check report it, so the Choice fails the run', async () => {
    await snowflake.sql("INSERT INTO ORDERS VALUES ('O-3', NULL, 1)");
    const states = workflowStates();
    const check = await instance.invoke(states['Check data quality'].Parameters);
    expect(readPath(check.result, states['Check data quality'].ResultSelector['orphans.$'])).toBe(1);
  });
});
