/**
 * The shipped `sql-api-executor` bundle (assets/sql-api-executor) signs its one AWS call itself (src/runtime/shared/sigv4.ts,
 * no AWS SDK in the bundle): end to end, in a Lambda-like process, against moto with IAM
 * authentication on, which recomputes every request's SigV4 signature with the key it issued
 * (moto/iam/access_control.py) and checks the session token. The function's credentials are
 * temporary ones of an assumed role (ASIA... with AWS_SESSION_TOKEN), as Lambda gives them.
 *
 * Passing: the right credentials read the secret and the statement runs. Failing: a wrong secret
 * key (SignatureDoesNotMatch) or a wrong session token (InvalidClientTokenId) is refused before
 * Snowflake is called; no credential reaches the output; missing credentials give a clear error.
 */
import { LocalSnowflake, startLocalSnowflake } from '@cdk-snowflake-keypair/local-snowflake';
import { Template } from 'aws-cdk-lib/assertions';
import { ConnectorHandler, SnowflakeConnectorFunction, SnowflakeKeyPairSecret, SqlExecutorTransport } from '../../../src';
import { signRequest } from '../../../src/runtime/shared/sigv4';
import { AwsSide, leaks } from '../../support/connector-fixture';
import { rsaKey } from '../../support/keys';
import { assetDir } from '../../support/lambda-process';
import { LambdaInstance, startLambdaInstance } from '../../support/lambda-runtime';
import { testStack } from '../../support/stacks';

const ACCOUNT = 'TESTORG-TESTACCOUNT';

/** IAM or STS through the query protocol, signed with the library's signer. */
async function query(endpoint: string, service: 'iam' | 'sts', params: Record<string, string>, credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' }) {
  const body = new URLSearchParams({ ...params, Version: service === 'iam' ? '2010-05-08' : '2011-06-15' }).toString();
  const url = new URL(endpoint);
  const { headers } = signRequest({ method: 'POST', host: url.host, path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body },
    { credentials, region: 'us-east-1', service, date: new Date() });
  const { host: _host, ...rest } = headers;
  const res = await fetch(url, { method: 'POST', headers: rest, body });
  const text = await res.text();
  if (!res.ok) throw new Error(`${params.Action}: HTTP ${res.status} ${text}`);
  return (name: string) => new RegExp(`<${name}>([^<]+)</`).exec(text)![1];
}

/** The environment the construct synthesizes for the SQL executor on the SQL API with allowAnySql. */
function synthesizedEnvironment(): Record<string, string> {
  const stack = testStack();
  const secret = new SnowflakeKeyPairSecret(stack, 'Secret', { account: 'myorg-myaccount', user: 'SVC_SQL' });
  new SnowflakeConnectorFunction(stack, 'Sql', { secret, handler: ConnectorHandler.sqlExecutor({ allowAnySql: true, transport: SqlExecutorTransport.SQL_API }) });
  const [fn] = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } }))
    .filter((r: any) => r.Properties.Environment?.Variables?.SNOWFLAKE_SECRET_ID);
  const { SNOWFLAKE_SECRET_ID: _arn, ...rest } = (fn as any).Properties.Environment.Variables;
  return rest;
}

let aws: AwsSide;
let snowflake: LocalSnowflake;
let secretId: string;
let session: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
const instances: LambdaInstance[] = [];

beforeAll(async () => {
  [aws, snowflake] = await Promise.all([AwsSide.start(), startLocalSnowflake({ account: ACCOUNT })]);
  const key = rsaKey();
  aws.rememberKey(key);
  snowflake.addUser({ name: 'SVC_SQL', publicKeys: [key.publicPem], defaultRole: 'LOADER', defaultWarehouse: 'LOAD_WH' });
  secretId = await aws.createSecret({ account: ACCOUNT, user: 'SVC_SQL', privateKey: key.pkcs8Pem });
  // A user allowed to assume the function's role, and the role, allowed to read secrets (moto authorises against "*").
  const m = aws.moto.endpoint;
  await query(m, 'iam', { Action: 'CreateUser', UserName: 'deployer' });
  await query(m, 'iam', {
    Action: 'PutUserPolicy',
    UserName: 'deployer',
    PolicyName: 'assume',
    PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] }),
  });
  const userKey = await query(m, 'iam', { Action: 'CreateAccessKey', UserName: 'deployer' });
  const user = { accessKeyId: userKey('AccessKeyId'), secretAccessKey: userKey('SecretAccessKey') };
  await query(m, 'iam', {
    Action: 'CreateRole',
    RoleName: 'fn',
    AssumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:user/deployer' }, Action: 'sts:AssumeRole' }],
    }),
  });
  await query(m, 'iam', {
    Action: 'PutRolePolicy',
    RoleName: 'fn',
    PolicyName: 'read',
    PolicyDocument: JSON.stringify({
      Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: '*' }],
    }),
  });
  // Every request from now on is authenticated (moto's /moto-api/reset-auth sets INITIAL_NO_AUTH_ACTION_COUNT).
  expect((await fetch(`${m}/moto-api/reset-auth`, { method: 'POST', body: '0' })).ok).toBe(true);
  const assumed = await query(m, 'sts', { Action: 'AssumeRole', RoleArn: 'arn:aws:iam::123456789012:role/fn', RoleSessionName: 'fn' }, user);
  session = { accessKeyId: assumed('AccessKeyId'), secretAccessKey: assumed('SecretAccessKey'), sessionToken: assumed('SessionToken') };
  aws.remember(user.secretAccessKey, session.secretAccessKey, session.sessionToken);
}, 60_000);

afterAll(async () => {
  await Promise.all(instances.map((i) => i.stop()));
  await Promise.all([aws?.stop(), snowflake?.stop()]);
});

async function executor(credentials: Record<string, string>): Promise<LambdaInstance> {
  const instance = await startLambdaInstance('index.js', assetDir('sql-api-executor'), {
    ...aws.env(),
    // Straight to moto: the counting proxy rewrites the Host header, which is signed.
    AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.moto.endpoint,
    ...synthesizedEnvironment(),
    ...credentials,
    SNOWFLAKE_SECRET_ID: secretId,
    SNOWFLAKE_ENDPOINT_URL: snowflake.url,
  });
  instances.push(instance);
  return instance;
}

const lambdaCredentials = (overrides: Partial<Record<string, string>> = {}) => ({
  AWS_ACCESS_KEY_ID: session.accessKeyId, AWS_SECRET_ACCESS_KEY: session.secretAccessKey, AWS_SESSION_TOKEN: session.sessionToken, ...overrides,
} as Record<string, string>);

const SELECT = { statements: [{ sql: 'SELECT 1 AS ONE' }] };

test('the role\'s temporary credentials: moto checks the signature and the token, the secret is read, the statement runs', async () => {
  expect(session.accessKeyId).toMatch(/^ASIA/);
  const fn = await executor(lambdaCredentials());
  const invocation = await fn.invoke(SELECT);
  expect(invocation.error).toBeUndefined();
  expect(invocation.result.results[0].rows).toEqual([{ ONE: 1 }]);
  expect(leaks(fn.output(), aws.secrets)).toEqual([]);
});

test.each([
  ['a wrong secret access key', { AWS_SECRET_ACCESS_KEY: 'not-the-key-moto-issued' }, /SignatureDoesNotMatch/],
  ['a wrong session token', { AWS_SESSION_TOKEN: 'not-the-token' }, /InvalidClientTokenId/],
  ['no secret access key at all', { AWS_SECRET_ACCESS_KEY: '' }, /AWS_SECRET_ACCESS_KEY is not set/],
])('(failing case) %s: refused, named, before Snowflake is called; no credential in the output', async (_, overrides, named) => {
  const requests = snowflake.requests.length;
  const fn = await executor(lambdaCredentials(overrides));
  const { error } = await fn.invoke(SELECT);
  expect(error).toEqual(expect.objectContaining({ errorType: 'SecretAccessError', code: expect.stringMatching(/^SECRET_/) }));
  expect(error!.errorMessage).toMatch(named);
  expect(snowflake.requests.length).toBe(requests);
  expect(leaks(`${fn.output()}\n${JSON.stringify(error)}`, [...aws.secrets, 'not-the-key-moto-issued', 'not-the-token'])).toEqual([]);
});
