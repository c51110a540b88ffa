/**
 * The context a login opens (role, warehouse, database, schema), through the real driver, which
 * sends them as `roleName`, `warehouse`, `databaseName`, `schemaName` in the login URL's query
 * string (snowflake-sdk lib/services/sf.js, buildLoginUrl). Rules and sources: login-context.ts.
 */
import '../src/driver-env';
import * as snowflake from 'snowflake-sdk';
import { driverOptionsFor, DriverLogin, LocalSnowflake, ROLE_NOT_GRANTED, startLocalSnowflake } from '../src';
import { connect, connectError, destroy, execute } from '../src/promisified';
import { newKeyPair, TestKeyPair } from '../src/test-keys';

snowflake.configure({ logLevel: 'OFF' });

let endpoint: LocalSnowflake;
let key: TestKeyPair;

beforeAll(async () => {
  endpoint = await startLocalSnowflake({ warehouses: ['LOAD_WH', '"Load WH"'] });
  key = newKeyPair();
  endpoint.createRole('"Data Loader"');
  endpoint.createRole('DATA LOADER');
  endpoint.createRole('ANALYST');
  endpoint.addUser({ name: 'LOADER_SVC', publicKeys: [key.publicKeyPem], defaultRole: '"Data Loader"', defaultWarehouse: 'LOAD_WH' });
  endpoint.addUser({ name: 'UNGRANTED_DEFAULT', publicKeys: [key.publicKeyPem], defaultRole: 'ANALYST', grantedRoles: [] });
  endpoint.addUser({ name: 'NO_DEFAULT', publicKeys: [key.publicKeyPem], grantedRoles: ['ANALYST'] });
  endpoint.addUser({ name: 'GONE_WH', publicKeys: [key.publicKeyPem], defaultWarehouse: 'DROPPED_WH' });
});

afterAll(async () => {
  await endpoint?.stop();
});

async function context(login: Omit<DriverLogin, 'privateKeyPem'>): Promise<unknown[]> {
  const conn = await connect(snowflake.createConnection(driverOptionsFor(endpoint, { ...login, privateKeyPem: key.privateKeyPem })));
  try {
    const { rows } = await execute(conn, 'SELECT CURRENT_ROLE(), CURRENT_WAREHOUSE(), CURRENT_DATABASE(), CURRENT_SCHEMA()', { rowMode: 'array' });
    return rows[0] as unknown[];
  } finally {
    await destroy(conn);
  }
}

async function refused(login: Omit<DriverLogin, 'privateKeyPem'>): ReturnType<typeof connectError> {
  return connectError(snowflake.createConnection(driverOptionsFor(endpoint, { ...login, privateKeyPem: key.privateKeyPem })));
}

describe('role', () => {
  test('a granted role sent quoted is taken exactly: CURRENT_ROLE() is Data Loader', async () => {
    await expect(context({ user: 'loader_svc', role: '"Data Loader"' })).resolves.toEqual(['Data Loader', 'LOAD_WH', null, null]);
  });

  test('the same role sent unquoted resolves upper case and is another role, not granted: 390189', async () => {
    const err = await refused({ user: 'loader_svc', role: 'Data Loader' });
    expect(err).toMatchObject({ code: ROLE_NOT_GRANTED });
    expect(err.message).toBe('Role \'DATA LOADER\' specified in the connect string is not granted to this user. '
      + 'Contact your local system administrator, or attempt to login with another role, e.g. PUBLIC.');
    expect(endpoint.requests.filter((r) => r.kind === 'login').pop()).toMatchObject({ code: '390189', loginFailure: { error: 'ROLE_NOT_GRANTED' } });
  });

  test('a role that does not exist is refused the same way; PUBLIC is always granted', async () => {
    await expect(refused({ user: 'loader_svc', role: 'NO_SUCH_ROLE' })).resolves.toMatchObject({ code: '390189' });
    await expect(context({ user: 'loader_svc', role: 'public' })).resolves.toEqual(['PUBLIC', 'LOAD_WH', null, null]);
  });

  test('without a role the session gets the default role when granted', async () => {
    await expect(context({ user: 'loader_svc' })).resolves.toEqual(['Data Loader', 'LOAD_WH', null, null]);
  });

  test('a default role that is not granted falls back to PUBLIC (the login succeeds)', async () => {
    await expect(context({ user: 'ungranted_default' })).resolves.toEqual(['PUBLIC', null, null, null]);
    endpoint.grantRole('ANALYST', 'UNGRANTED_DEFAULT');
    await expect(context({ user: 'ungranted_default' })).resolves.toEqual(['ANALYST', null, null, null]);
    endpoint.revokeRole('ANALYST', 'UNGRANTED_DEFAULT');
  });

  test('no default role: PUBLIC, and a granted role may be asked for in any case', async () => {
    await expect(context({ user: 'no_default' })).resolves.toEqual(['PUBLIC', null, null, null]);
    await expect(context({ user: 'no_default', role: 'analyst' })).resolves.toEqual(['ANALYST', null, null, null]);
    await expect(refused({ user: 'no_default', role: '"analyst"' })).resolves.toMatchObject({ code: '390189' });
  });

  test('a grant revoked after CREATE USER … DEFAULT_ROLE refuses the role at the next login', async () => {
    await endpoint.sql(`CREATE USER sql_user DEFAULT_ROLE = "Data Loader" RSA_PUBLIC_KEY = '${key.publicKeyBase64}'`);
    await expect(context({ user: 'sql_user' })).resolves.toEqual(['PUBLIC', null, null, null]);
    await endpoint.sql('GRANT ROLE "Data Loader" TO USER sql_user');
    await expect(context({ user: 'sql_user', role: '"Data Loader"' })).resolves.toEqual(['Data Loader', null, null, null]);
    await endpoint.sql('REVOKE ROLE "Data Loader" FROM USER sql_user');
    await expect(refused({ user: 'sql_user', role: '"Data Loader"' })).resolves.toMatchObject({ code: '390189' });
  });
});

describe('warehouse, database, schema', () => {
  test('names are identifiers: unquoted upper-cased, quoted kept', async () => {
    await expect(context({ user: 'loader_svc', warehouse: 'load_wh', database: 'raw', schema: 'events' }))
      .resolves.toEqual(['Data Loader', 'LOAD_WH', 'RAW', 'EVENTS']);
    await expect(context({ user: 'loader_svc', warehouse: '"Load WH"', database: '"Raw Data"', schema: '"Events"' }))
      .resolves.toEqual(['Data Loader', 'Load WH', 'Raw Data', 'Events']);
  });

  test('a warehouse that does not exist does not fail the login: the session has no warehouse', async () => {
    await expect(context({ user: 'loader_svc', warehouse: 'Load WH' })).resolves.toEqual(['Data Loader', null, null, null]);
    await expect(context({ user: 'gone_wh' })).resolves.toEqual(['PUBLIC', null, null, null]);
    endpoint.createWarehouse('dropped_wh');
    await expect(context({ user: 'gone_wh' })).resolves.toEqual(['PUBLIC', 'DROPPED_WH', null, null]);
  });
});
