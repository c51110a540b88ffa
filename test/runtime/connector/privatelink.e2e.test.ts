/**
 * The connector over PrivateLink, end to end, on both SQL executor transports. The example's
 * OpsFunction (synthesized with a PrivateLinkEndpoint) runs from its synthesized asset (the SQL
 * API transport), and the driver's bundle, with the environment its template gives it; PrivateLink host names resolve to loopback (test/fixtures/dns-privatelink.js), as the
 * private zone resolves them to the endpoint inside the VPC. The local Snowflake endpoint checks
 * that the JWT's iss and sub name the account from the secret, not the host's first label.
 */
import * as path from 'node:path';
import { LocalSnowflake, startLocalSnowflake } from '@cdk-snowflake-keypair/local-snowflake';
import { serializeSqlExecutorConfig } from '../../../src/shared/sql-executor-config';
import { AwsSide, leaks } from '../../support/connector-fixture';
import { ExampleAssembly, synthesizeExample } from '../../support/example-assembly';
import { rsaKey } from '../../support/keys';
import { assetDir, REPO } from '../../support/lambda-process';
import { LambdaInstance, startLambdaInstance } from '../../support/lambda-runtime';

const DNS_MAP = path.join(REPO, 'test', 'fixtures', 'dns-privatelink.js');
let assembly: ExampleAssembly;
let aws: AwsSide;
let snowflake: LocalSnowflake;
let secretId: string;
let fn: any;
let asset: string;
const instances: LambdaInstance[] = [];

beforeAll(async () => {
  assembly = synthesizeExample();
  fn = Object.entries<any>(assembly.template.Resources).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('OpsFunction'))![1];
  asset = assembly.assetDir(fn.Properties.Code.S3Key);
  [aws, snowflake] = await Promise.all([AwsSide.start(), startLocalSnowflake({ account: 'MYORG-MYACCOUNT' })]);
  const key = rsaKey();
  aws.rememberKey(key);
  snowflake.addUser({ name: 'SVC_OPS', publicKeys: [key.publicPem] });
  secretId = await aws.createSecret({ account: 'myorg-myaccount', user: 'SVC_OPS', privateKey: key.pkcs8Pem, warehouse: 'OPS_WH' });
}, 120_000);

afterAll(async () => {
  await Promise.all(instances.map((i) => i.stop()));
  await Promise.all([aws?.stop(), snowflake?.stop()]);
  assembly?.remove();
});

async function start(extra: Record<string, string>): Promise<LambdaInstance> {
  const instance = await startLambdaInstance(fn.Properties.Handler.replace(/\.handler$/, '.js'), asset, {
    ...aws.env(),
    SNOWFLAKE_SECRET_ID: secretId,
    SNOWFLAKE_HOST: fn.Properties.Environment.Variables.SNOWFLAKE_HOST,
    // The example declares warehouse operations; this test runs one query of its own.
    SNOWFLAKE_SQL_EXECUTOR: serializeSqlExecutorConfig({ statements: { whoAmI: { sql: 'SELECT CURRENT_USER() AS WHO' }, one: { sql: 'SELECT 1' } } }),
    NODE_OPTIONS: `--require ${DNS_MAP}`,
    ...extra,
  });
  instances.push(instance);
  return instance;
}

test('the template gives the function the PrivateLink account host, and nothing secret', () => {
  expect(fn.Properties.Environment.Variables).toEqual({
    SNOWFLAKE_SECRET_ID: { Ref: expect.stringMatching(/^OpsSecret/) },
    SNOWFLAKE_HOST: 'xy12345.us-east-1.privatelink.snowflakecomputing.com',
    SNOWFLAKE_SQL_EXECUTOR: expect.stringContaining('"resumeWarehouse"'),
  });
});

// The synthesized asset is the SQL executor on the SQL API (the default with a key pair); the
// driver's bundle runs with the same environment (what transport: SqlExecutorTransport.DRIVER deploys).
describe.each([
  { transport: 'SQL_API (the synthesized asset)', driver: false },
  { transport: 'DRIVER (assets/sql-executor)', driver: true },
])('on $transport', ({ driver }) => {
  beforeAll(() => {
    if (driver) asset = assetDir('sql-executor');
  });
  beforeEach(() => snowflake.resetCounters());
  /** The requests that sign in: the driver's login, or each SQL API statement request (its JWT). */
  const signedIn = () => snowflake.requests.filter((r) => r.kind === (driver ? 'login' : 'statements'));

  test('through the PrivateLink host name, the JWT\'s iss and sub name the account, not the host label', async () => {
    const host = fn.Properties.Environment.Variables.SNOWFLAKE_HOST;
    const port = new URL(snowflake.url).port;
    // (failing case) plain HTTP to the PrivateLink host name is refused before any request: an endpoint
    // override must be https://, except to a loopback address.
    const plain = await start({ SNOWFLAKE_ENDPOINT_URL: `http://${host}:${port}` });
    expect((await plain.invoke({ run: 'whoAmI' })).error).toMatchObject({ errorType: 'ConfigurationError', code: 'CONFIG_INVALID' });
    expect(snowflake.requests).toHaveLength(0);

    // The local endpoint speaks HTTP, so the test reaches it by its loopback address; SNOWFLAKE_HOST
    // is still set, as the template sets it.
    const instance = await start({ SNOWFLAKE_ENDPOINT_URL: `http://127.0.0.1:${port}` });
    const run = await instance.invoke({ run: 'whoAmI' });
    expect(run.error).toBeUndefined();
    expect(run.result.results[0].rows).toEqual([{ WHO: 'SVC_OPS' }]);

    const requests = signedIn();
    expect(requests).toHaveLength(1);
    expect(requests[0].hostHeader).toBe(`127.0.0.1:${port}`);
    expect(requests[0].jwtClaims?.sub).toBe('MYORG-MYACCOUNT.SVC_OPS');
    expect(requests[0].jwtClaims?.iss).toMatch(/^MYORG-MYACCOUNT\.SVC_OPS\.SHA256:/);
    expect(requests[0].jwtClaims?.sub).not.toMatch(/^XY12345/);
    expect(leaks(instance.output(), aws.secrets)).toEqual([]);
  }, 60_000);

  test('without the test\'s URL, it goes to https://<the PrivateLink host> (here: nothing listens on 443)', async () => {
    const instance = await start({});
    const run = await instance.invoke({ run: 'one' }, 120_000);
    expect(run.error).toMatchObject({ errorType: 'TransientError', code: 'SNOWFLAKE_UNAVAILABLE' });
    expect(run.error?.errorMessage).toMatch(driver
      ? /^Snowflake \(https:\/\/xy12345\.us-east-1\.privatelink\.snowflakecomputing\.com\) did not accept a login .*ECONNREFUSED.*the PrivateLink endpoint, DNS, and security groups/
      : /^Snowflake \(https:\/\/xy12345\.us-east-1\.privatelink\.snowflakecomputing\.com\) did not answer statement "SELECT 1" after \d+ attempt\(s\) \(last: ECONNREFUSED\)\. .*PrivateLink endpoint, security groups allowing 443/);
    expect(snowflake.requests).toHaveLength(0); // none came to the local endpoint
    expect(leaks(instance.output(), aws.secrets)).toEqual([]);
  }, 180_000);
});
