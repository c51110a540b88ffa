/**
 * `ConnectorHandler.sqlExecutor({ transport })`: which bundle the function runs, its default, and
 * the synth-time refusals of what Snowflake's SQL API cannot do (a workload identity, SQL NULL
 * binds, rows of binds). Each refusal has its passing case beside it.
 */
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import {
  BindType, ConnectorHandler, PrivateLinkConfig, PrivateLinkEndpoint, SnowflakeAuthentication, SnowflakeConnectorFunction,
  SnowflakeConnectorFunctionProps, SnowflakeKeyPairSecret, SqlExecutorOptions, SqlExecutorTransport, SqlStatement,
} from '../../src';
import { REPO } from '../support/lambda-process';
import { CONFIG_JSON } from '../support/privatelink';
import { testStack } from '../support/stacks';

const WORKLOAD_IDENTITY = SnowflakeAuthentication.workloadIdentity({ account: 'myorg-myaccount', user: 'SVC_LOADER' });

function build(options: SqlExecutorOptions, props: Partial<SnowflakeConnectorFunctionProps> = {}, stack: Stack = testStack()) {
  const auth = props.authentication ? {} : { secret: new SnowflakeKeyPairSecret(stack, 'Secret', { account: 'myorg-myaccount', user: 'SVC_LOADER' }) };
  const fn = new SnowflakeConnectorFunction(stack, 'Loader', { ...auth, handler: ConnectorHandler.sqlExecutor(options), ...props });
  return { stack, fn, template: Template.fromStack(stack) };
}

/** The SnowflakeConnectorFunction's Lambda function (not the secret's custom-resource handler). */
function connectorFunction(template: Template): any {
  const functions = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } }))
    .filter((r: any) => r.Properties.Environment?.Variables?.SNOWFLAKE_SECRET_ID || r.Properties.Environment?.Variables?.SNOWFLAKE_AUTHENTICATION);
  expect(functions).toHaveLength(1);
  return functions[0];
}

/** The bundle (assets/<name>) a function's code is: its S3 key is the hash of that directory. */
function bundleOf(_stack: Stack, template: Template): string {
  const key = connectorFunction(template).Properties.Code.S3Key;
  const names = ['sql-api-executor', 'sql-executor'].filter((name) => `${new s3assets.Asset(new Stack(), 'A', { path: path.join(REPO, 'assets', name) }).assetHash}.zip` === key);
  expect(names).toHaveLength(1);
  return names[0];
}

const nullable = SqlStatement.of('INSERT INTO EVENTS (ID, BODY) VALUES (?, ?)', { binds: [BindType.NUMBER, BindType.nullable(BindType.TEXT)] });
const rows = SqlStatement.of('INSERT INTO EVENTS (ID, BODY) VALUES (?, ?)', { binds: [BindType.NUMBER, BindType.TEXT], arrayBinding: true });
const plain = SqlStatement.of('INSERT INTO EVENTS (ID, BODY) VALUES (?, ?)', { binds: [BindType.NUMBER, BindType.TEXT] });

describe('the asset: the bundle of the transport', () => {
  test.each<[string, SqlExecutorOptions, Partial<SnowflakeConnectorFunctionProps>, string]>([
    ['the default with a key pair: the SQL API (no driver)', { statements: { insert: plain } }, {}, 'sql-api-executor'],
    ['SQL_API with a key pair', { statements: { insert: plain }, transport: SqlExecutorTransport.SQL_API }, {}, 'sql-api-executor'],
    ['DRIVER with a key pair', { statements: { insert: plain }, transport: SqlExecutorTransport.DRIVER }, {}, 'sql-executor'],
    ['the default with a workload identity: the driver', { statements: { insert: plain } }, { authentication: WORKLOAD_IDENTITY }, 'sql-executor'],
    ['DRIVER with a workload identity', { transport: SqlExecutorTransport.DRIVER, allowAnySql: true }, { authentication: WORKLOAD_IDENTITY }, 'sql-executor'],
    ['the default with a nullable bind: the driver', { statements: { insert: nullable } }, {}, 'sql-executor'],
    ['the default with arrayBinding: the driver', { statements: { insert: rows } }, {}, 'sql-executor'],
  ])('%s', (_what, options, props, bundle) => {
    const { stack, template } = build(options, props);
    expect(bundleOf(stack, template)).toBe(bundle);
  });

  test('the SQL executor needs no layer on either transport', () => {
    for (const transport of [SqlExecutorTransport.SQL_API, SqlExecutorTransport.DRIVER]) {
      build({ transport }).template.resourceCountIs('AWS::Lambda::LayerVersion', 0);
    }
  });

  test('the environment is the same on both transports: the secret ARN and the declared statements, nothing about the transport', () => {
    const env = (transport: SqlExecutorTransport) => {
      const { template } = build({ statements: { insert: plain }, transport });
      return connectorFunction(template).Properties.Environment.Variables;
    };
    expect(env(SqlExecutorTransport.SQL_API)).toEqual(env(SqlExecutorTransport.DRIVER));
    expect(Object.keys(env(SqlExecutorTransport.SQL_API)).sort()).toEqual(['SNOWFLAKE_SECRET_ID', 'SNOWFLAKE_SQL_EXECUTOR']);
  });

  test('the role is the same on both transports: it reads the secret at AWSCURRENT and writes its logs', () => {
    const policies = (transport: SqlExecutorTransport) => JSON.stringify(build({ statements: { insert: plain }, transport }).template.findResources('AWS::IAM::Policy'));
    expect(policies(SqlExecutorTransport.SQL_API)).toEqual(policies(SqlExecutorTransport.DRIVER));
  });
});

describe('refused at synth: SQL_API where the SQL API cannot work', () => {
  test('(failing case) SQL_API with a workload identity: names authentication, transport and the fix', () => {
    expect(() => build({ transport: SqlExecutorTransport.SQL_API }, { authentication: WORKLOAD_IDENTITY })).toThrow(
      /^\[Test\/Loader\] handler: ConnectorHandler\.sqlExecutor\(\{ transport: SqlExecutorTransport\.SQL_API \}\) cannot sign in with authentication: SnowflakeAuthentication\.workloadIdentity\(\.\.\.\): Snowflake's SQL API takes a key-pair JWT only.*Use transport: SqlExecutorTransport\.DRIVER \(or leave transport out\), or sign in with a key pair \(secret\)\.$/);
  });

  test('(passing case) SQL_API with a key pair', () => {
    expect(() => build({ transport: SqlExecutorTransport.SQL_API, statements: { insert: plain } })).not.toThrow();
  });

  test('(failing case) SQL_API with a nullable bind: names the statement, the bind and the fix', () => {
    expect(() => build({ transport: SqlExecutorTransport.SQL_API, statements: { insert: nullable, other: plain } })).toThrow(
      /^\[Test\/Loader\] handler: ConnectorHandler\.sqlExecutor\(\{ transport: SqlExecutorTransport\.SQL_API \}\): statements\.insert has nullable bind\(s\) 1 \(SQL NULL\)\. .*Use transport: SqlExecutorTransport\.DRIVER \(or leave transport out\), or change the statement: write NULL in its SQL instead of a nullable bind/);
  });

  test('(failing case) SQL_API with arrayBinding: names the statement and the fix', () => {
    expect(() => build({ transport: SqlExecutorTransport.SQL_API, statements: { load: rows } })).toThrow(
      /^\[Test\/Loader\] handler: ConnectorHandler\.sqlExecutor\(\{ transport: SqlExecutorTransport\.SQL_API \}\): statements\.load has arrayBinding: true \(rows of binds\)\. .*send one statement per row instead of arrayBinding\.$/);
  });

  test('(failing case) every statement that needs the driver is named', () => {
    expect(() => build({ transport: SqlExecutorTransport.SQL_API, statements: { a: nullable, b: rows } })).toThrow(
      /statements\.a has nullable bind\(s\) 1 \(SQL NULL\); statements\.b has arrayBinding: true/);
  });

  test('(passing case) the same statements on DRIVER', () => {
    expect(() => build({ transport: SqlExecutorTransport.DRIVER, statements: { a: nullable, b: rows } })).not.toThrow();
  });
});

describe('the network of the SQL API transport', () => {
  test('through PrivateLink: the same account host (SNOWFLAKE_HOST) on either transport', () => {
    for (const transport of [SqlExecutorTransport.SQL_API, SqlExecutorTransport.DRIVER]) {
      const stack = testStack();
      const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'i', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
      const privateLink = new PrivateLinkEndpoint(stack, 'PrivateLink', { vpc, config: PrivateLinkConfig.fromJson(CONFIG_JSON) });
      const { template } = build({ transport }, { privateLink }, stack);
      const fn = connectorFunction(template);
      expect(fn.Properties.Environment.Variables.SNOWFLAKE_HOST).toBe('xy12345.us-east-1.privatelink.snowflakecomputing.com');
    }
  });
});
