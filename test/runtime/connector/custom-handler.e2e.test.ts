/**
 * A user's own handler with the connector from the layer, end to end: bundled with esbuild and
 * the connector marked external (so the user's bundle stays small and needs no Docker), then run
 * in a Lambda-like instance whose NODE_PATH holds the layer, as Lambda's /opt/nodejs/node_modules.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalSnowflake, startLocalSnowflake } from '@cdk-snowflake-keypair/local-snowflake';
import { AwsSide } from '../../support/connector-fixture';
import { rsaKey } from '../../support/keys';
import { assetDir, REPO } from '../../support/lambda-process';
import { LambdaInstance, startLambdaInstance } from '../../support/lambda-runtime';

const ACCOUNT = 'TESTORG-TESTACCOUNT';
let aws: AwsSide;
let snowflake: LocalSnowflake;
let instance: LambdaInstance;
let bundleDir: string;

beforeAll(async () => {
  [aws, snowflake] = await Promise.all([AwsSide.start(), startLocalSnowflake({ account: ACCOUNT })]);
  const key = rsaKey();
  aws.rememberKey(key);
  snowflake.addUser({ name: 'SVC_CUSTOM', publicKeys: [key.publicPem] });
  await snowflake.sql('CREATE TABLE LANDED_FILES (FILE_KEY VARCHAR, BYTES INTEGER)');
  const secretId = await aws.createSecret({ account: ACCOUNT, user: 'SVC_CUSTOM', privateKey: key.pkcs8Pem });

  bundleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'user-bundle-'));
  execFileSync(path.join(REPO, 'node_modules', '.bin', 'esbuild'), [
    path.join(REPO, 'test', 'fixtures', 'handlers', 'custom-loader.js'),
    '--bundle', '--platform=node', '--target=node24', '--format=cjs', '--minify',
    '--external:@cdk-snowflake-keypair/connector',
    `--outfile=${path.join(bundleDir, 'index.js')}`,
  ], { stdio: 'pipe' });

  instance = await startLambdaInstance('index.js', bundleDir, {
    ...aws.env(),
    SNOWFLAKE_SECRET_ID: secretId,
    SNOWFLAKE_ENDPOINT_URL: snowflake.url,
    // Lambda puts a layer's nodejs/node_modules on NODE_PATH (/opt/nodejs/node_modules).
    NODE_PATH: path.join(path.dirname(assetDir('connector')), 'connector-layer', 'nodejs', 'node_modules'),
  });
});

afterAll(async () => {
  await instance?.stop();
  await Promise.all([aws?.stop(), snowflake?.stop()]);
  if (bundleDir) fs.rmSync(bundleDir, { recursive: true, force: true });
});

test('the user\'s bundle holds only their code: the connector comes from the layer', () => {
  const bundle = fs.readFileSync(path.join(bundleDir, 'index.js'), 'utf8');
  expect(bundle.length).toBeLessThan(2_000);
  expect(bundle).toContain('require("@cdk-snowflake-keypair/connector")');
  expect(bundle).not.toMatch(/snowflake-sdk|SNOWFLAKE_JWT/);
});

test('the handler runs through the layer\'s connector against Snowflake, warm across invocations', async () => {
  const event = (keys: string[]) => ({ Records: keys.map((key, i) => ({ s3: { object: { key, size: 100 + i } } })) });
  const first = await instance.invoke(event(['raw/a.json', 'raw/b.json']));
  expect(first.error).toBeUndefined();
  expect(first.result).toEqual({ inserted: 2, total: 2 });
  const second = await instance.invoke(event(['raw/c.json']));
  expect(second.result).toEqual({ inserted: 1, total: 3 });
  expect(aws.reads()).toBe(1);
  expect(snowflake.counters.logins).toBe(1);
});
