/**
 * The connector's additive options for the SQL executor on the driver, through the real driver
 * against moto and the local Snowflake endpoint (in process): `query` returns the result's columns
 * and takes `fetchAsString`, and `sessionParameters` are set after each login. Without them the
 * connector's API for custom handlers returns the driver's own values, unchanged.
 */
import '@cdk-snowflake-keypair/local-snowflake/driver-env';
import { LocalSnowflake, startLocalSnowflake } from '@cdk-snowflake-keypair/local-snowflake';
import { SnowflakeConnector } from '../../../src/runtime/connector';
import { loadDriver } from '../../../src/runtime/connector/driver';
import { AwsSide } from '../../support/connector-fixture';
import { rsaKey } from '../../support/keys';

const ACCOUNT = 'TESTORG-TESTACCOUNT';
const SQL = "SELECT CAST(9007199254740993 AS NUMBER(38,0)) AS BIG, CAST('2020-01-02' AS DATE) AS DT, CAST('12:34:56.123456' AS TIME) AS TM, "
  + "CAST('Hello' AS BINARY) AS B";

let aws: AwsSide;
let snowflake: LocalSnowflake;
let secretId: string;
const connectors: SnowflakeConnector[] = [];

beforeAll(async () => {
  [aws, snowflake] = await Promise.all([AwsSide.start(), startLocalSnowflake({ account: ACCOUNT })]);
  loadDriver().configure({ logLevel: 'OFF' });
  const key = rsaKey();
  snowflake.addUser({ name: 'SVC_COLS', publicKeys: [key.publicPem], defaultRole: 'LOADER', defaultWarehouse: 'LOAD_WH' });
  secretId = await aws.createSecret({ account: ACCOUNT, user: 'SVC_COLS', privateKey: key.pkcs8Pem });
});

afterAll(async () => {
  await Promise.all(connectors.map((c) => c.close()));
  await Promise.all([aws?.stop(), snowflake?.stop()]);
});

function connector(options: { sessionParameters?: Record<string, string> } = {}): SnowflakeConnector {
  const c = new SnowflakeConnector({ secretId, endpointUrl: snowflake.url, secretReader: { client: aws.sm }, ...options });
  connectors.push(c);
  return c;
}

test('query: the driver\'s own values by default, and the result\'s columns', async () => {
  const result = await connector().query(SQL);
  const [row] = result.rows;
  expect(row.BIG).toBe(9007199254740992); // the driver's double, as custom handlers have always had it
  expect(row.DT).toBeInstanceOf(Date);
  expect(row.TM).toBe('12:34:56'); // the default TIME_OUTPUT_FORMAT
  expect(Buffer.isBuffer(row.B)).toBe(true);
  expect(result.columns).toEqual([
    { name: 'BIG', type: 'fixed', scale: 0, precision: 38, nullable: true },
    { name: 'DT', type: 'date', scale: null, precision: null, nullable: true },
    { name: 'TM', type: 'time', scale: 9, precision: null, nullable: true },
    { name: 'B', type: 'binary', scale: null, precision: null, nullable: true },
  ]);
});

test('query with fetchAsString Number: the number\'s text as Snowflake sent it', async () => {
  const { rows } = await connector().query(SQL, undefined, { fetchAsString: ['Number'] });
  expect(rows[0].BIG).toBe('9007199254740993');
});

test('sessionParameters are set after each login (TIME with 9 digits); (failing case) a bad name is refused and the login not kept', async () => {
  const c = connector({ sessionParameters: { TIME_OUTPUT_FORMAT: 'HH24:MI:SS.FF9' } });
  expect((await c.query(SQL)).rows[0].TM).toBe('12:34:56.123456000');
  expect(snowflake.requests.some((r) => r.sql === "ALTER SESSION SET TIME_OUTPUT_FORMAT = 'HH24:MI:SS.FF9'")).toBe(true);
  const bad = connector({ sessionParameters: { 'TIME_OUTPUT_FORMAT = 1; DROP TABLE X; --': 'x' } });
  await expect(bad.query(SQL)).rejects.toThrow(/is not a Snowflake parameter name/);
});
