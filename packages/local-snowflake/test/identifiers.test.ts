/**
 * Identifier case and quoting wherever the endpoint parses a name: unquoted → upper case,
 * "double-quoted" → exact (`""` is a quote), so "Data Loader" and DATA_LOADER are two roles
 * while data_loader is DATA_LOADER.
 * Source: https://docs.snowflake.com/en/sql-reference/identifiers-syntax
 */
import '../src/driver-env';
import * as snowflake from 'snowflake-sdk';
import { driverOptionsFor, DriverLogin, LocalSnowflake, startLocalSnowflake } from '../src';
import { connect, destroy, execute, executeError } from '../src/promisified';
import { normaliseIdentifier } from '../src/sql-lexer';
import { newKeyPair, TestKeyPair } from '../src/test-keys';

snowflake.configure({ logLevel: 'OFF' });

let endpoint: LocalSnowflake;
let key: TestKeyPair;

beforeAll(async () => {
  endpoint = await startLocalSnowflake();
  key = newKeyPair();
  await endpoint.sql([
    'CREATE ROLE "Data Loader"',
    'CREATE ROLE data_loader',
    'CREATE ROLE "say ""hi"""',
    `CREATE USER "Mixed.Case" RSA_PUBLIC_KEY = '${key.publicKeyBase64}' DEFAULT_ROLE = "Data Loader" DEFAULT_WAREHOUSE = "Load WH"`,
    'GRANT ROLE "Data Loader" TO USER "Mixed.Case"',
    'GRANT ROLE DATA_LOADER TO USER "Mixed.Case"',
    'GRANT ROLE "say ""hi""" TO USER "Mixed.Case"',
  ].join(';\n'));
});

afterAll(async () => {
  await endpoint?.stop();
});

async function session<T>(login: Omit<DriverLogin, 'privateKeyPem'>, run: (conn: snowflake.Connection) => Promise<T>): Promise<T> {
  const conn = await connect(snowflake.createConnection(driverOptionsFor(endpoint, { ...login, privateKeyPem: key.privateKeyPem })));
  try {
    return await run(conn);
  } finally {
    await destroy(conn);
  }
}

async function current(conn: snowflake.Connection, what: string): Promise<unknown> {
  const { rows } = await execute(conn, `SELECT CURRENT_${what}()`, { rowMode: 'array' });
  return (rows[0] as unknown[])[0];
}

test('normaliseIdentifier: unquoted → upper case, quoted → exact with "" unescaped', () => {
  expect(normaliseIdentifier('data_loader')).toBe('DATA_LOADER');
  expect(normaliseIdentifier('"Data Loader"')).toBe('Data Loader');
  expect(normaliseIdentifier('"say ""hi"""')).toBe('say "hi"');
  expect(normaliseIdentifier('"DATA_LOADER"')).toBe('DATA_LOADER');
});

describe('users', () => {
  test('a quoted user name is exact: DESC USER finds "Mixed.Case", not MIXED.CASE or "mixed.case"', async () => {
    await expect(endpoint.sql('DESC USER "Mixed.Case"')).resolves.toEqual(expect.arrayContaining([
      expect.objectContaining({ property: 'NAME', value: 'Mixed.Case' }),
      expect.objectContaining({ property: 'DEFAULT_ROLE', value: 'Data Loader' }),
      expect.objectContaining({ property: 'DEFAULT_WAREHOUSE', value: 'Load WH' }),
    ]));
    await expect(endpoint.sql('DESC USER "mixed.case"')).rejects.toMatchObject({ code: '002003', message: expect.stringContaining('User \'mixed.case\'') });
  });

  test('CREATE/ALTER/DROP USER: unquoted names meet their upper-case quoted form, and only it', async () => {
    await endpoint.sql('CREATE USER plain_user');
    await expect(endpoint.sql('ALTER USER "PLAIN_USER" SET COMMENT = \'x\'')).resolves.toEqual([{ status: 'Statement executed successfully.' }]);
    await expect(endpoint.sql('ALTER USER "plain_user" SET COMMENT = \'x\'')).rejects.toMatchObject({ code: '002003' });
    await expect(endpoint.sql('DROP USER "plain_user"')).rejects.toMatchObject({ code: '002003' });
    await expect(endpoint.sql('DROP USER Plain_User')).resolves.toEqual([{ status: 'PLAIN_USER successfully dropped.' }]);
  });
});

describe('roles', () => {
  test('GRANT ROLE: "Data Loader" and DATA_LOADER are two roles; data_loader is DATA_LOADER; "data_loader" does not exist', async () => {
    await expect(endpoint.sql('GRANT ROLE "data_loader" TO USER "Mixed.Case"')).rejects.toMatchObject({ code: '002003', message: expect.stringContaining('Role \'data_loader\'') });
    await expect(endpoint.sql('GRANT ROLE "Data Loader" TO USER MIXED.CASE')).rejects.toMatchObject({ code: '001003' });
  });

  test('USE ROLE resolves the name: CURRENT_ROLE() is the stored name', async () => {
    await session({ user: 'mixed.case' }, async (conn) => {
      await execute(conn, 'USE ROLE "Data Loader"');
      await expect(current(conn, 'ROLE')).resolves.toBe('Data Loader');
      await execute(conn, 'USE ROLE data_loader');
      await expect(current(conn, 'ROLE')).resolves.toBe('DATA_LOADER');
      await execute(conn, 'USE ROLE "say ""hi"""');
      await expect(current(conn, 'ROLE')).resolves.toBe('say "hi"');
      // "data_loader" (quoted, lower case) is not DATA_LOADER: not granted, so refused.
      await expect(executeError(conn, 'USE ROLE "data_loader"')).resolves.toMatchObject({ code: '003013', message: expect.stringContaining('\'data_loader\'') });
      await expect(current(conn, 'ROLE')).resolves.toBe('say "hi"');
    });
  });

  test('the role a session uses acts by its exact name: "Data Loader" holds what DATA_LOADER was given, or not', async () => {
    endpoint.addUser({ name: 'TARGET', publicKeys: [newKeyPair().publicKeyPem] });
    endpoint.grantOnUser('DATA_LOADER', 'MONITOR', 'TARGET');
    await session({ user: 'mixed.case', role: 'data_loader' }, async (conn) => {
      await expect(execute(conn, 'DESC USER TARGET')).resolves.toMatchObject({ rows: expect.any(Array) });
    });
    await session({ user: 'mixed.case', role: '"Data Loader"' }, async (conn) => {
      await expect(executeError(conn, 'DESC USER TARGET')).resolves.toMatchObject({ code: '003001' });
    });
  });
});

describe('USE WAREHOUSE / DATABASE / SCHEMA and defaults', () => {
  test('unquoted names are upper-cased, quoted ones kept', async () => {
    await session({ user: 'mixed.case' }, async (conn) => {
      await expect(current(conn, 'WAREHOUSE')).resolves.toBe('Load WH');
      await execute(conn, 'USE WAREHOUSE other_wh');
      await expect(current(conn, 'WAREHOUSE')).resolves.toBe('OTHER_WH');
      await execute(conn, 'USE WAREHOUSE "Other WH"');
      await expect(current(conn, 'WAREHOUSE')).resolves.toBe('Other WH');
      await execute(conn, 'USE DATABASE "Raw Data"');
      await expect(current(conn, 'DATABASE')).resolves.toBe('Raw Data');
      await execute(conn, 'USE SCHEMA raw.events');
      await expect(current(conn, 'DATABASE')).resolves.toBe('RAW');
      await expect(current(conn, 'SCHEMA')).resolves.toBe('EVENTS');
    });
  });

  test('DEFAULT_ROLE, DEFAULT_WAREHOUSE and DEFAULT_NAMESPACE values are identifiers', async () => {
    await endpoint.sql('ALTER USER "Mixed.Case" SET DEFAULT_ROLE = data_loader, DEFAULT_WAREHOUSE = load_wh, DEFAULT_NAMESPACE = "Raw Data".events');
    expect(endpoint.describeUser('"Mixed.Case"')).toMatchObject({
      defaultRole: 'DATA_LOADER', defaultWarehouse: 'LOAD_WH', defaultDatabase: 'Raw Data', defaultSchema: 'EVENTS',
    });
    await expect(endpoint.sql('DESC USER "Mixed.Case"')).resolves.toEqual(expect.arrayContaining([
      expect.objectContaining({ property: 'DEFAULT_NAMESPACE', value: '"Raw Data".EVENTS' }),
    ]));
    await session({ user: 'mixed.case' }, async (conn) => {
      await expect(current(conn, 'ROLE')).resolves.toBe('DATA_LOADER');
      await expect(current(conn, 'DATABASE')).resolves.toBe('Raw Data');
    });
    await endpoint.sql('ALTER USER "Mixed.Case" SET DEFAULT_ROLE = "Data Loader", DEFAULT_WAREHOUSE = "Load WH"');
    expect(endpoint.describeUser('"Mixed.Case"')).toMatchObject({ defaultRole: 'Data Loader', defaultWarehouse: 'Load WH' });
  });
});
