/**
 * DEFAULT_SECONDARY_ROLES on CREATE/ALTER USER and in DESC USER: `()` (no secondary roles) or
 * `('ALL')`; unset means ALL since bundle 2024_08.
 * Sources: https://docs.snowflake.com/en/sql-reference/sql/create-user (objectProperties),
 * https://docs.snowflake.com/en/release-notes/bcr-bundles/2024_08/bcr-1692
 */
import { LocalSnowflake, startLocalSnowflake } from '../src';
import { newKeyPair } from '../src/test-keys';

let endpoint: LocalSnowflake;
const key = newKeyPair();

beforeAll(async () => {
  endpoint = await startLocalSnowflake();
});

afterAll(async () => {
  await endpoint?.stop();
});

async function secondaryRoles(user: string): Promise<unknown> {
  const rows = await endpoint.sql(`DESC USER ${user}`);
  return rows.find((r) => r.property === 'DEFAULT_SECONDARY_ROLES');
}

test('the library\'s CREATE USER, with every name quoted and DEFAULT_SECONDARY_ROLES = (), is accepted', async () => {
  await endpoint.sql('CREATE ROLE "LOADER"');
  const sql = 'CREATE USER IF NOT EXISTS "svc.loader@example.com" TYPE = SERVICE DEFAULT_ROLE = "LOADER" DEFAULT_WAREHOUSE = "LOAD_WH" '
    + `DEFAULT_NAMESPACE = '"RAW"."EVENTS"' DEFAULT_SECONDARY_ROLES = () RSA_PUBLIC_KEY = '${key.publicKeyBase64}';`;
  await expect(endpoint.sql(sql)).resolves.toEqual([{ status: 'User svc.loader@example.com successfully created.' }]);
  expect(endpoint.describeUser('"svc.loader@example.com"')).toMatchObject({
    name: 'svc.loader@example.com',
    loginName: 'SVC.LOADER@EXAMPLE.COM',
    type: 'SERVICE',
    defaultRole: 'LOADER',
    defaultWarehouse: 'LOAD_WH',
    defaultDatabase: 'RAW',
    defaultSchema: 'EVENTS',
    defaultSecondaryRoles: [],
    rsaPublicKeyFp: key.fingerprint,
  });
  await expect(secondaryRoles('"svc.loader@example.com"')).resolves.toMatchObject({ value: '[]', default: '["ALL"]' });
  await expect(endpoint.sql(sql)).resolves.toEqual([{ status: 'svc.loader@example.com already exists, statement succeeded.' }]);
});

test('unset, DESC USER shows ["ALL"]; (\'ALL\') is stored as such', async () => {
  await endpoint.sql('CREATE USER plain');
  await expect(secondaryRoles('plain')).resolves.toMatchObject({ value: '["ALL"]' });
  expect(endpoint.describeUser('plain')?.defaultSecondaryRoles).toBeUndefined();
  await endpoint.sql('CREATE USER all_roles DEFAULT_SECONDARY_ROLES = ( \'ALL\' )');
  await expect(secondaryRoles('all_roles')).resolves.toMatchObject({ value: '["ALL"]' });
  expect(endpoint.describeUser('all_roles')?.defaultSecondaryRoles).toEqual(['ALL']);
});

test('ALTER USER … SET DEFAULT_SECONDARY_ROLES = () and UNSET', async () => {
  await endpoint.sql('CREATE USER altered');
  await endpoint.sql('ALTER USER altered SET DEFAULT_SECONDARY_ROLES = ()');
  await expect(secondaryRoles('altered')).resolves.toMatchObject({ value: '[]' });
  await endpoint.sql('ALTER USER altered UNSET DEFAULT_SECONDARY_ROLES');
  await expect(secondaryRoles('altered')).resolves.toMatchObject({ value: '["ALL"]' });
});

test('addUser({ defaultSecondaryRoles: [] }) is the same as DEFAULT_SECONDARY_ROLES = ()', async () => {
  endpoint.addUser({ name: 'from_api', defaultSecondaryRoles: [] });
  await expect(secondaryRoles('from_api')).resolves.toMatchObject({ value: '[]' });
});

test.each([
  ['a role list', 'DEFAULT_SECONDARY_ROLES = (\'LOADER\')', '\'LOADER\''],
  ['no parentheses', 'DEFAULT_SECONDARY_ROLES = \'ALL\'', '\'ALL\''],
  ['an unclosed list', 'DEFAULT_SECONDARY_ROLES = (', '<EOF>'],
  ['two values', 'DEFAULT_SECONDARY_ROLES = (\'ALL\', \'ALL\')', ','],
])('%s is a syntax error (001003)', async (_, clause, at) => {
  await expect(endpoint.sql(`CREATE USER refused ${clause}`)).rejects.toMatchObject({ code: '001003', message: expect.stringContaining(`unexpected '${at}'`) });
  expect(endpoint.describeUser('refused')).toBeUndefined();
});
