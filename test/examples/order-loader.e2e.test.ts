/**
 * The event-driven example end to end, from what `cdk synth` made: the example app is
 * synthesized, and the OrderLoader function's own asset (the user's handler, bundled by esbuild
 * at synth with the connector external) runs in a Lambda-like instance with the connector layer's
 * asset from the same cloud assembly on NODE_PATH, as Lambda's /opt/nodejs/node_modules. It reads
 * its secret from moto through the real AWS SDK and loads events through the real driver into the
 * local Snowflake endpoint.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LocalSnowflake, startLocalSnowflake } from '@cdk-snowflake-keypair/local-snowflake';
import { AwsSide, leaks } from '../support/connector-fixture';
import { ExampleAssembly, synthesizeExample } from '../support/example-assembly';
import { rsaKey } from '../support/keys';
import { LambdaInstance, startLambdaInstance } from '../support/lambda-runtime';

const ACCOUNT = 'MYORG-MYACCOUNT';
let assembly: ExampleAssembly;
let functionAsset: string;
let layerAsset: string;
let aws: AwsSide;
let snowflake: LocalSnowflake;
let instance: LambdaInstance;

beforeAll(async () => {
  assembly = synthesizeExample();
  const template = assembly.template;
  const [loaderId, loader] = Object.entries<any>(template.Resources)
    .find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('EventDrivenLoadOrderLoader'))!;
  expect(loaderId).toBeDefined();
  expect(Object.keys(loader.Properties.Environment.Variables)).toEqual(['SNOWFLAKE_SECRET_ID']);
  functionAsset = assembly.assetDir(loader.Properties.Code.S3Key);
  const layerId = loader.Properties.Layers[0].Ref;
  layerAsset = assembly.assetDir(template.Resources[layerId].Properties.Content.S3Key);

  [aws, snowflake] = await Promise.all([AwsSide.start(), startLocalSnowflake({ account: ACCOUNT })]);
  const key = rsaKey();
  aws.rememberKey(key);
  snowflake.addUser({ name: 'SVC_LOADER', publicKeys: [key.publicPem] });
  await snowflake.sql(`CREATE TABLE ORDERS (EVENT_ID VARCHAR, ORDER_ID VARCHAR, CUSTOMER_ID VARCHAR,
    AMOUNT NUMBER(12,2), CURRENCY VARCHAR, PLACED_AT TIMESTAMP_TZ)`);
  const secretId = await aws.createSecret({ account: ACCOUNT, user: 'SVC_LOADER', privateKey: key.pkcs8Pem, warehouse: 'LOAD_WH' });

  instance = await startLambdaInstance('index.js', functionAsset, {
    ...aws.env(),
    // The template's environment (the secret's ARN only, here moto's), plus the loopback endpoint.
    SNOWFLAKE_SECRET_ID: secretId,
    SNOWFLAKE_ENDPOINT_URL: snowflake.url,
    NODE_PATH: path.join(layerAsset, 'nodejs', 'node_modules'),
  });
}, 120_000);

afterAll(async () => {
  await instance?.stop();
  await Promise.all([aws?.stop(), snowflake?.stop()]);
  assembly?.remove();
});

const orderPlaced = (id: string, orderId: string, amount: number) => ({
  'version': '0',
  id,
  'detail-type': 'OrderPlaced',
  'source': 'com.example.orders',
  'account': '123456789012',
  'time': '2026-11-24T06:00:00Z',
  'region': 'us-east-1',
  'resources': [],
  'detail': { orderId, customerId: 'C-7', amount, currency: 'EUR' },
});

test('the synthesized function asset holds only the handler: the connector comes from the layer asset', () => {
  expect(fs.readdirSync(functionAsset)).toEqual(['index.js']);
  const bundle = fs.readFileSync(path.join(functionAsset, 'index.js'), 'utf8');
  expect(bundle.length).toBeLessThan(4_000);
  expect(bundle).toContain('require("@cdk-snowflake-keypair/connector")');
  expect(bundle).not.toMatch(/snowflake-sdk|SNOWFLAKE_JWT/);
  expect(fs.existsSync(path.join(layerAsset, 'nodejs', 'node_modules', '@cdk-snowflake-keypair', 'connector', 'index.js'))).toBe(true);
});

test('each OrderPlaced event is loaded once, a redelivery inserts nothing, and the instance stays warm', async () => {
  const first = await instance.invoke(orderPlaced('ev-1', 'O-1', 12.5));
  expect(first.error).toBeUndefined();
  expect(first.result).toEqual({ eventId: 'ev-1', orderId: 'O-1', inserted: true });
  const redelivered = await instance.invoke(orderPlaced('ev-1', 'O-1', 12.5));
  expect(redelivered.result).toEqual({ eventId: 'ev-1', orderId: 'O-1', inserted: false });
  const second = await instance.invoke(orderPlaced('ev-2', 'O-2', 7));
  expect(second.result).toEqual({ eventId: 'ev-2', orderId: 'O-2', inserted: true });

  const rows = await snowflake.sql('SELECT EVENT_ID, ORDER_ID, AMOUNT, CURRENCY FROM ORDERS ORDER BY EVENT_ID');
  expect(rows).toEqual([
    { EVENT_ID: 'ev-1', ORDER_ID: 'O-1', AMOUNT: '12.50', CURRENCY: 'EUR' },
    { EVENT_ID: 'ev-2', ORDER_ID: 'O-2', AMOUNT: '7.00', CURRENCY: 'EUR' },
  ]);
  expect(aws.reads()).toBe(1);
  expect(snowflake.counters.logins).toBe(1);
  // The statement went over the wire with binds, never with the values spliced into the SQL.
  const merges = snowflake.requests.filter((r) => r.sql?.startsWith('MERGE INTO ORDERS')).map((r) => r.sql!);
  expect(merges).toHaveLength(3);
  for (const sql of merges) expect(sql).toMatch(/USING \(SELECT \?::VARCHAR AS EVENT_ID/);
  expect(merges.join('\n')).not.toMatch(/ev-1|O-1|12\.5/);
});

test('an event that is not an OrderPlaced is refused, naming the fields, and no SQL runs', async () => {
  const before = snowflake.counters.queries;
  const bad = await instance.invoke({ ...orderPlaced('ev-3', '', Number.NaN), detail: { orderId: '', customerId: 'C-7', amount: 'ten', currency: 'euro' } });
  expect(bad.error?.errorMessage).toMatch(/^Not an OrderPlaced event, nothing was loaded: detail\.orderId: expected a non-empty string; detail\.amount: expected a number; detail\.currency: expected an ISO 4217 code/);
  expect(snowflake.counters.queries).toBe(before);
  // (passing case) the same instance loads a valid event right after.
  expect((await instance.invoke(orderPlaced('ev-4', 'O-4', 1))).result).toMatchObject({ inserted: true });
});

test('the key never reaches the function\'s output', () => {
  expect(instance.output()).toContain('SHA256:'); // the connector logged its fingerprint: the scan has something to read
  expect(leaks(instance.output(), aws.secrets)).toEqual([]);
});
