/**
 * Users, key slots and grants on the local Snowflake endpoint, through the real driver: the
 * statements a key-rotation Lambda runs as a "rotator" whose role holds only MODIFY PROGRAMMATIC
 * AUTHENTICATION METHODS on the service user, and the set-up SQL an administrator runs. Every
 * security property has a case that passes and a case that fails.
 */
import '../src/driver-env';
import { generateKeyPairSync } from 'node:crypto';
import * as snowflake from 'snowflake-sdk';
import { driverOptionsFor, DriverLogin, fingerprintOf, LocalSnowflake, startLocalSnowflake } from '../src';
import { redactSql } from '../src/observe';
import { connect, connectError, destroy, execute, executeError } from '../src/promisified';
import { newKeyPair, TestKeyPair } from '../src/test-keys';

snowflake.configure({ logLevel: 'OFF' });

const JWT_INVALID = /^JWT token is invalid\. \[([0-9a-f-]{36})\]$/;

let endpoint: LocalSnowflake;
const keys: Record<string, TestKeyPair> = {};
const open: snowflake.Connection[] = [];
let admin: snowflake.Connection;
let rotator: snowflake.Connection;
let provisioner: snowflake.Connection;

/** A new connection as `user` with its own key (and `role`), closed after all tests. */
async function login(user: string, extra: Partial<DriverLogin> = {}): Promise<snowflake.Connection> {
  const conn = await connect(snowflake.createConnection(driverOptionsFor(endpoint, { user, privateKeyPem: keys[user].privateKeyPem, ...extra })));
  open.push(conn);
  return conn;
}

/** DESC USER as a map property → value. */
async function descUser(conn: snowflake.Connection, user: string): Promise<Record<string, string>> {
  const { rows } = await execute(conn, `DESC USER ${user}`);
  return Object.fromEntries(rows.map((r: Record<string, string>) => [r.property, r.value]));
}

beforeAll(async () => {
  endpoint = await startLocalSnowflake();
  for (const name of ['ADMIN', 'ROTATOR', 'ROGUE', 'PROVISIONER', 'SVC', 'SVC_ROT', 'OTHER_SVC', 'NEW_KEY', 'EXTRA']) keys[name] = newKeyPair();
  for (const name of ['ADMIN', 'ROTATOR', 'ROGUE', 'PROVISIONER']) endpoint.addUser({ name, publicKeys: [keys[name].publicKeyPem] });
  for (const name of ['SVC', 'SVC_ROT', 'OTHER_SVC']) endpoint.addUser({ name, type: 'SERVICE', publicKeys: [keys[name].publicKeyBase64], defaultRole: 'LOADER' });
  endpoint.grantRole('ACCOUNTADMIN', 'ADMIN');

  // The administrator's set-up, as SQL through the driver.
  admin = await login('ADMIN', { role: 'ACCOUNTADMIN' });
  for (const sql of [
    'CREATE ROLE IF NOT EXISTS "ROTATOR_ROLE"',
    'GRANT MODIFY PROGRAMMATIC AUTHENTICATION METHODS ON USER "SVC" TO ROLE "ROTATOR_ROLE"',
    'GRANT MODIFY PROGRAMMATIC AUTHENTICATION METHODS ON USER "SVC_ROT" TO ROLE "ROTATOR_ROLE"',
    'GRANT ROLE "ROTATOR_ROLE" TO USER "ROTATOR"',
    'CREATE ROLE "PROVISIONER_ROLE"',
    'GRANT CREATE USER ON ACCOUNT TO ROLE "PROVISIONER_ROLE"',
    'GRANT ROLE "PROVISIONER_ROLE" TO USER "PROVISIONER"',
  ]) {
    await expect(execute(admin, sql)).resolves.toMatchObject({ rows: [expect.objectContaining({ status: expect.any(String) })] });
  }
  rotator = await login('ROTATOR', { role: 'ROTATOR_ROLE' });
  provisioner = await login('PROVISIONER', { role: 'PROVISIONER_ROLE' });
});

afterAll(async () => {
  for (const conn of open) if (conn.isUp()) await destroy(conn);
  await endpoint?.stop();
});

describe('DESC USER', () => {
  test('the rotator sees both slots\' fingerprints, as Snowflake shows them', async () => {
    const { rows, statement } = await execute(rotator, 'DESC USER "SVC"');
    expect((statement.getColumns() ?? []).map((c) => [c.getName(), c.getType()])).toEqual([
      ['property', 'text'], ['value', 'text'], ['default', 'text'], ['description', 'text'],
    ]);
    const props = Object.fromEntries(rows.map((r: Record<string, string>) => [r.property, r.value]));
    expect(props).toMatchObject({
      NAME: 'SVC',
      TYPE: 'SERVICE',
      LOGIN_NAME: 'SVC',
      DISPLAY_NAME: 'SVC',
      DEFAULT_ROLE: 'LOADER',
      DEFAULT_WAREHOUSE: 'null',
      DEFAULT_NAMESPACE: 'null',
      HAS_PASSWORD: 'false',
      HAS_RSA_PUBLIC_KEY: 'true',
      RSA_PUBLIC_KEY: keys.SVC.publicKeyBase64,
      RSA_PUBLIC_KEY_FP: fingerprintOf(keys.SVC.publicKeyPem),
      RSA_PUBLIC_KEY_2: 'null',
      RSA_PUBLIC_KEY_2_FP: 'null',
    });
  });

  test('DESCRIBE and an unquoted name meet the same user; a user may describe itself', async () => {
    await expect(descUser(rotator, 'svc')).resolves.toMatchObject({ NAME: 'SVC' });
    const { rows } = await execute(rotator, 'DESCRIBE USER Svc');
    expect(rows.length).toBeGreaterThan(10);
    const svc = await login('SVC');
    await expect(descUser(svc, 'SVC')).resolves.toMatchObject({ RSA_PUBLIC_KEY_FP: keys.SVC.fingerprint });
  });

  test('a role without a privilege on the user gets 003001', async () => {
    const err = await executeError(rotator, 'DESC USER "OTHER_SVC"');
    expect(err).toMatchObject({ code: '003001', sqlState: '42501', message: 'SQL access control error:\nInsufficient privileges to operate on user \'OTHER_SVC\'' });
  });

  test('an unknown user gets 002003', async () => {
    const err = await executeError(rotator, 'DESC USER "NOBODY"');
    expect(err).toMatchObject({ code: '002003', sqlState: '02000', message: 'SQL compilation error:\nUser \'NOBODY\' does not exist or not authorized.' });
  });

  test('the rotator\'s role acts only when granted to its user', async () => {
    // A login with a role not granted is refused (390189, see login-context.test.ts) …
    await expect(login('ROGUE', { role: 'ROTATOR_ROLE' })).rejects.toMatchObject({ code: '390189' });
    await expect(login('ROTATOR', { role: 'ACCOUNTADMIN' })).rejects.toMatchObject({ code: '390189' });
    // … and so is USE ROLE (003013).
    const rogue = await login('ROGUE');
    await expect(executeError(rogue, 'USE ROLE ROTATOR_ROLE')).resolves.toMatchObject({
      code: '003013', sqlState: '42501', message: 'SQL access control error:\nRequested role \'ROTATOR_ROLE\' is not assigned to the executing user.  Specify another role to activate.',
    });
    await expect(execute(rogue, 'SELECT CURRENT_ROLE() AS r')).resolves.toMatchObject({ rows: [{ R: 'PUBLIC' }] });
    await expect(executeError(rogue, 'DESC USER "SVC"')).resolves.toMatchObject({ code: '003001' });
    const rotating = await login('ROTATOR');
    await expect(executeError(rotating, 'USE ROLE ACCOUNTADMIN')).resolves.toMatchObject({ code: '003013' });
    await expect(execute(rotating, 'USE ROLE rotator_role')).resolves.toMatchObject({ rows: [{ status: 'Statement executed successfully.' }] });
  });
});

describe('ALTER USER … SET/UNSET RSA_PUBLIC_KEY[_2]', () => {
  test('rotation: the new key logs in at once; after UNSET the old key no longer does, its open session lives on', async () => {
    const oldSession = await login('SVC_ROT');
    await expect(execute(rotator, `ALTER USER "SVC_ROT" SET RSA_PUBLIC_KEY_2 = '${keys.NEW_KEY.publicKeyBase64}'`))
      .resolves.toMatchObject({ rows: [{ status: 'Statement executed successfully.' }] });
    await expect(descUser(rotator, '"SVC_ROT"')).resolves.toMatchObject({
      RSA_PUBLIC_KEY_FP: keys.SVC_ROT.fingerprint,
      RSA_PUBLIC_KEY_2_FP: fingerprintOf(keys.NEW_KEY.publicKeyPem),
    });
    const newSession = await login('SVC_ROT', { privateKeyPem: keys.NEW_KEY.privateKeyPem });
    await expect(execute(newSession, 'SELECT CURRENT_USER() AS u')).resolves.toMatchObject({ rows: [{ U: 'SVC_ROT' }] });

    await execute(rotator, 'ALTER USER "SVC_ROT" UNSET RSA_PUBLIC_KEY');
    await expect(descUser(rotator, '"SVC_ROT"')).resolves.toMatchObject({ RSA_PUBLIC_KEY: 'null', RSA_PUBLIC_KEY_FP: 'null', HAS_RSA_PUBLIC_KEY: 'true' });
    const err = await connectError(snowflake.createConnection(driverOptionsFor(endpoint, { user: 'SVC_ROT', privateKeyPem: keys.SVC_ROT.privateKeyPem })));
    expect(err.code).toBe('390144');
    expect(endpoint.loginFailureDetails(JWT_INVALID.exec(err.message)?.[1] ?? '')).toMatchObject({ code: '394304' });
    await expect(execute(oldSession, 'SELECT 1')).resolves.toMatchObject({ rows: [{ 1: 1 }] });

    // And back: PEM with its header lines is accepted too, in slot 1; UNSET of both slots.
    await execute(rotator, `ALTER USER "SVC_ROT" SET RSA_PUBLIC_KEY = '${keys.SVC_ROT.publicKeyPem}'`);
    await login('SVC_ROT');
    await execute(rotator, 'ALTER USER "SVC_ROT" UNSET RSA_PUBLIC_KEY, RSA_PUBLIC_KEY_2');
    expect(endpoint.describeUser('SVC_ROT')).toMatchObject({ rsaPublicKeyFp: undefined, rsaPublicKey2Fp: undefined });
  });

  test('the rotator may change key slots but nothing else: 003001, and nothing changes', async () => {
    await expect(executeError(rotator, 'ALTER USER "SVC" SET DEFAULT_ROLE = "ACCOUNTADMIN"')).resolves.toMatchObject({
      code: '003001', sqlState: '42501', message: 'SQL access control error:\nInsufficient privileges to operate on user \'SVC\'',
    });
    await expect(executeError(rotator, 'ALTER USER "SVC" UNSET DEFAULT_ROLE')).resolves.toMatchObject({ code: '003001' });
    await expect(executeError(rotator, `ALTER USER "SVC" SET RSA_PUBLIC_KEY_2 = '${keys.EXTRA.publicKeyBase64}', PASSWORD = 'x'`))
      .resolves.toMatchObject({ code: '003001' });
    expect(endpoint.describeUser('SVC')).toMatchObject({ defaultRole: 'LOADER', rsaPublicKey2Fp: undefined, hasPassword: false });
    // The admin may.
    await expect(execute(admin, 'ALTER USER "SVC" SET DEFAULT_ROLE = "LOADER2"')).resolves.toMatchObject({ rows: [{ status: 'Statement executed successfully.' }] });
    expect(endpoint.describeUser('SVC')?.defaultRole).toBe('LOADER2');
    await execute(admin, 'ALTER USER "SVC" SET DEFAULT_ROLE = "LOADER"');
  });

  test('the rotator may not touch another user\'s keys', async () => {
    await expect(executeError(rotator, `ALTER USER "OTHER_SVC" SET RSA_PUBLIC_KEY_2 = '${keys.EXTRA.publicKeyBase64}'`))
      .resolves.toMatchObject({ code: '003001', message: expect.stringContaining('\'OTHER_SVC\'') });
    expect(endpoint.describeUser('OTHER_SVC')?.rsaPublicKey2Fp).toBeUndefined();
  });

  test('a role revoked from the session\'s user holds nothing, even in a session that took it before', async () => {
    const session = await login('ROTATOR', { role: 'ROTATOR_ROLE' });
    endpoint.revokeRole('ROTATOR_ROLE', 'ROTATOR');
    try {
      await expect(executeError(session, `ALTER USER "SVC" SET RSA_PUBLIC_KEY_2 = '${keys.EXTRA.publicKeyBase64}'`)).resolves.toMatchObject({ code: '003001' });
      await expect(executeError(session, 'ALTER USER "SVC" UNSET RSA_PUBLIC_KEY')).resolves.toMatchObject({ code: '003001' });
    } finally {
      endpoint.grantRole('ROTATOR_ROLE', 'ROTATOR');
    }
    expect(endpoint.describeUser('SVC')?.rsaPublicKeyFp).toBe(keys.SVC.fingerprint);
  });

  test('an unknown user gets 002003, unless IF EXISTS', async () => {
    await expect(executeError(rotator, 'ALTER USER "NOBODY" UNSET RSA_PUBLIC_KEY_2')).resolves.toMatchObject({ code: '002003', sqlState: '02000' });
    await expect(execute(rotator, 'ALTER USER IF EXISTS "NOBODY" UNSET RSA_PUBLIC_KEY_2')).resolves.toMatchObject({ rows: [{ status: 'Statement executed successfully.' }] });
  });

  test('a value that is not an RSA public key is refused without echoing it', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    for (const value of ['bm90IGEga2V5', ec]) {
      const err = await executeError(rotator, `ALTER USER "SVC" SET RSA_PUBLIC_KEY_2 = '${value}'`);
      expect(err).toMatchObject({ code: '100000', sqlState: '22023' });
      expect(err.message).toMatch(/^New public key rejected by current policy\. reason: 'Invalid public key'/);
      expect(err.message).not.toContain(value);
    }
    expect(endpoint.describeUser('SVC')?.rsaPublicKey2Fp).toBeUndefined();
  });

  test('syntax problems get 001003', async () => {
    await expect(executeError(rotator, 'ALTER USER "SVC" SET RSA_PUBLIC_KEY_3 = \'x\'')).resolves.toMatchObject({ code: '001003', sqlState: '42000' });
    await expect(executeError(rotator, 'ALTER USER "SVC" UNSET')).resolves.toMatchObject({ code: '001003' });
    await expect(executeError(rotator, 'DESC USER "SVC" extra')).resolves.toMatchObject({ code: '001003' });
  });
});

describe('CREATE USER and DROP USER', () => {
  test('a role with CREATE USER creates a user it then owns; IF NOT EXISTS a second time changes nothing', async () => {
    const create = (key: TestKeyPair): string => 'CREATE USER IF NOT EXISTS "SVC_NEW" TYPE = SERVICE DEFAULT_ROLE = "LOADER" '
      + `DEFAULT_WAREHOUSE = "WH" DEFAULT_NAMESPACE = '"DB"."SCH"' RSA_PUBLIC_KEY = '${key.publicKeyBase64}'`;
    keys.SVC_NEW = keys.EXTRA;
    await expect(execute(provisioner, create(keys.SVC_NEW))).resolves.toMatchObject({ rows: [{ status: 'User SVC_NEW successfully created.' }] });
    await expect(execute(provisioner, create(keys.NEW_KEY))).resolves.toMatchObject({ rows: [{ status: 'SVC_NEW already exists, statement succeeded.' }] });
    await expect(descUser(provisioner, 'SVC_NEW')).resolves.toMatchObject({
      TYPE: 'SERVICE', DEFAULT_ROLE: 'LOADER', DEFAULT_WAREHOUSE: 'WH', DEFAULT_NAMESPACE: 'DB.SCH', RSA_PUBLIC_KEY_FP: keys.SVC_NEW.fingerprint,
    });
    expect(endpoint.describeUser('SVC_NEW')?.owner).toBe('PROVISIONER_ROLE');
    const svcNew = await login('SVC_NEW');
    await expect(execute(svcNew, 'SELECT CURRENT_DATABASE() AS d, CURRENT_SCHEMA() AS s')).resolves.toMatchObject({ rows: [{ D: 'DB', S: 'SCH' }] });
    // The owner may change any property.
    await execute(provisioner, 'ALTER USER SVC_NEW SET DEFAULT_ROLE = OTHER COMMENT = \'owned\'');
    expect(endpoint.describeUser('SVC_NEW')?.defaultRole).toBe('OTHER');
    // Without IF NOT EXISTS: 002002.
    await expect(executeError(provisioner, 'CREATE USER "SVC_NEW"')).resolves.toMatchObject({
      code: '002002', sqlState: '42710', message: 'SQL compilation error:\nObject \'SVC_NEW\' already exists.',
    });
  });

  test('without CREATE USER on the account: 003001', async () => {
    await expect(executeError(rotator, 'CREATE USER IF NOT EXISTS "SVC_SNEAKY" TYPE = SERVICE')).resolves.toMatchObject({
      code: '003001', message: `SQL access control error:\nInsufficient privileges to operate on account '${endpoint.account}'`,
    });
    expect(endpoint.describeUser('SVC_SNEAKY')).toBeUndefined();
  });

  test('a quoted name is case-sensitive: "svc_new" is another user than SVC_NEW, "SVC_NEW" the same', async () => {
    await expect(execute(provisioner, 'CREATE USER "svc_new"')).resolves.toMatchObject({ rows: [{ status: 'User svc_new successfully created.' }] });
    await expect(descUser(provisioner, '"svc_new"')).resolves.toMatchObject({ NAME: 'svc_new', TYPE: 'PERSON', RSA_PUBLIC_KEY_FP: 'null' });
    await expect(descUser(provisioner, '"SVC_NEW"')).resolves.toMatchObject({ NAME: 'SVC_NEW', TYPE: 'SERVICE' });
    await expect(execute(provisioner, 'DROP USER "svc_new"')).resolves.toMatchObject({ rows: [{ status: 'svc_new successfully dropped.' }] });
    expect(endpoint.describeUser('SVC_NEW')).toBeDefined();
  });

  test('DROP USER needs OWNERSHIP: the rotator cannot, the owner can; then the user is gone', async () => {
    await expect(executeError(rotator, 'DROP USER "SVC"')).resolves.toMatchObject({ code: '003001' });
    await expect(execute(provisioner, 'DROP USER "SVC_NEW"')).resolves.toMatchObject({ rows: [{ status: 'SVC_NEW successfully dropped.' }] });
    const err = await connectError(snowflake.createConnection(driverOptionsFor(endpoint, { user: 'SVC_NEW', privateKeyPem: keys.SVC_NEW.privateKeyPem })));
    expect(err.code).toBe('390144');
    await expect(executeError(provisioner, 'DROP USER "SVC_NEW"')).resolves.toMatchObject({ code: '002003' });
    await expect(execute(provisioner, 'DROP USER IF EXISTS "SVC_NEW"')).resolves.toMatchObject({
      rows: [{ status: 'Drop statement executed successfully (SVC_NEW already dropped).' }],
    });
  });
});

describe('roles and grants', () => {
  test('only admin roles grant and revoke; a grant takes effect at once, a revoke too', async () => {
    await expect(executeError(rotator, 'GRANT MONITOR ON USER "OTHER_SVC" TO ROLE "ROTATOR_ROLE"')).resolves.toMatchObject({ code: '003001' });
    await expect(executeError(rotator, 'CREATE ROLE "MINE"')).resolves.toMatchObject({ code: '003001' });
    await expect(executeError(rotator, 'GRANT ROLE "ACCOUNTADMIN" TO USER "ROTATOR"')).resolves.toMatchObject({ code: '003001' });
    await expect(executeError(rotator, 'DESC USER "OTHER_SVC"')).resolves.toMatchObject({ code: '003001' });

    await execute(admin, 'GRANT MONITOR ON USER "OTHER_SVC" TO ROLE "ROTATOR_ROLE"');
    await expect(descUser(rotator, 'OTHER_SVC')).resolves.toMatchObject({ RSA_PUBLIC_KEY_FP: keys.OTHER_SVC.fingerprint });
    // MONITOR lets it look, not change keys.
    await expect(executeError(rotator, 'ALTER USER "OTHER_SVC" UNSET RSA_PUBLIC_KEY')).resolves.toMatchObject({ code: '003001' });
    await execute(admin, 'REVOKE MONITOR ON USER "OTHER_SVC" FROM ROLE "ROTATOR_ROLE"');
    await expect(executeError(rotator, 'DESC USER "OTHER_SVC"')).resolves.toMatchObject({ code: '003001' });
  });

  test('REVOKE ROLE … FROM USER takes the role\'s privileges from the user\'s sessions', async () => {
    await execute(admin, 'GRANT ROLE "ROTATOR_ROLE" TO USER "ROGUE"');
    const rogue = await login('ROGUE', { role: 'ROTATOR_ROLE' });
    await expect(descUser(rogue, 'SVC')).resolves.toMatchObject({ NAME: 'SVC' });
    await execute(admin, 'REVOKE ROLE "ROTATOR_ROLE" FROM USER "ROGUE"');
    await expect(executeError(rogue, 'DESC USER "SVC"')).resolves.toMatchObject({ code: '003001' });
  });

  test('GRANT OWNERSHIP transfers the user; unknown roles and users get 002003', async () => {
    await execute(admin, 'CREATE ROLE IF NOT EXISTS "OWNER_ROLE"');
    await expect(execute(admin, 'CREATE ROLE IF NOT EXISTS "OWNER_ROLE"')).resolves.toMatchObject({ rows: [{ status: 'OWNER_ROLE already exists, statement succeeded.' }] });
    await execute(admin, 'GRANT OWNERSHIP ON USER "OTHER_SVC" TO ROLE "OWNER_ROLE" COPY CURRENT GRANTS');
    expect(endpoint.describeUser('OTHER_SVC')?.owner).toBe('OWNER_ROLE');
    await expect(executeError(admin, 'GRANT MONITOR ON USER "OTHER_SVC" TO ROLE "NO_SUCH_ROLE"')).resolves.toMatchObject({
      code: '002003', message: 'SQL compilation error:\nRole \'NO_SUCH_ROLE\' does not exist or not authorized.',
    });
    await expect(executeError(admin, 'GRANT ROLE "OWNER_ROLE" TO USER "NOBODY"')).resolves.toMatchObject({ code: '002003' });
    await expect(executeError(admin, 'GRANT ROLE "OWNER_ROLE" TO ROLE "SYSADMIN"')).resolves.toMatchObject({ code: '002040' });
  });

  test('the TypeScript API and endpoint.sql() reach the same model', async () => {
    endpoint.createRole('api_role');
    endpoint.grantOnUser('API_ROLE', 'MONITOR', 'OTHER_SVC');
    endpoint.grantRole('api_role', 'rogue');
    const rogue = await login('ROGUE', { role: 'API_ROLE' });
    await expect(descUser(rogue, 'OTHER_SVC')).resolves.toMatchObject({ NAME: 'OTHER_SVC' });
    endpoint.revokeRole('API_ROLE', 'ROGUE');
    await expect(executeError(rogue, 'DESC USER "OTHER_SVC"')).resolves.toMatchObject({ code: '003001' });
    expect(() => endpoint.grantRole('NO_SUCH_ROLE', 'ROGUE')).toThrow(/no role NO_SUCH_ROLE/);

    // endpoint.sql() runs as ACCOUNTADMIN and answers commands with their Snowflake columns.
    await expect(endpoint.sql('GRANT CREATE USER ON ACCOUNT TO ROLE "API_ROLE"')).resolves.toEqual([{ status: 'Statement executed successfully.' }]);
    const rows = await endpoint.sql('DESC USER "OTHER_SVC"');
    expect(rows).toContainEqual({ property: 'RSA_PUBLIC_KEY_FP', value: keys.OTHER_SVC.fingerprint, default: 'null', description: expect.any(String) });
  });
});

describe('request log', () => {
  test('key and password literals are logged as \'<redacted>\', other SQL as sent', async () => {
    endpoint.resetCounters();
    await execute(rotator, `ALTER USER "SVC" SET RSA_PUBLIC_KEY_2 = '${keys.EXTRA.publicKeyBase64}'`);
    await execute(rotator, `ALTER USER "SVC" SET RSA_PUBLIC_KEY_2 = '${keys.EXTRA.publicKeyPem}'`);
    await execute(rotator, 'ALTER USER "SVC" UNSET RSA_PUBLIC_KEY_2');
    await execute(rotator, 'SELECT \'plain text\' AS t');
    const logged = endpoint.requests.filter((r) => r.kind === 'query').map((r) => r.sql);
    expect(logged).toEqual([
      'ALTER USER "SVC" SET RSA_PUBLIC_KEY_2 = \'<redacted>\'',
      'ALTER USER "SVC" SET RSA_PUBLIC_KEY_2 = \'<redacted>\'',
      'ALTER USER "SVC" UNSET RSA_PUBLIC_KEY_2',
      'SELECT \'plain text\' AS t',
    ]);
    const body = keys.EXTRA.publicKeyBase64;
    expect(JSON.stringify(endpoint.requests)).not.toContain(body.slice(40, 100));
  });

  test('redactSql: passwords, PEM and long base64 anywhere; short strings stay', () => {
    const body = keys.EXTRA.publicKeyBase64;
    expect(redactSql('CREATE USER u PASSWORD = \'hunter2\' COMMENT = \'kept\'')).toBe('CREATE USER u PASSWORD = \'<redacted>\' COMMENT = \'kept\'');
    expect(redactSql(`SELECT '${body}', 'abc'`)).toBe('SELECT \'<redacted>\', \'abc\'');
    expect(redactSql(`select '${keys.EXTRA.publicKeyPem}'`)).toBe('select \'<redacted>\'');
    expect(redactSql('SELECT \'a\' = \'b\'')).toBe('SELECT \'a\' = \'b\'');
  });
});

describe('WORKLOAD_IDENTITY (workload identity federation, AWS)', () => {
  const ROLE_ARN = 'arn:aws:iam::123456789012:role/app/fn-role';

  /** SHOW USER WORKLOAD IDENTITY AUTHENTICATION METHODS as rows. */
  async function showIdentity(conn: snowflake.Connection, forUser?: string): Promise<Record<string, unknown>[]> {
    const { rows } = await execute(conn, `SHOW USER WORKLOAD IDENTITY AUTHENTICATION METHODS${forUser ? ` FOR USER ${forUser}` : ''}`);
    return rows;
  }

  test('CREATE USER … WORKLOAD_IDENTITY: DESC USER says HAS_WORKLOAD_IDENTITY, SHOW gives the role as Snowflake keeps it', async () => {
    // The form the library's registration and its SQL output use (src/shared/workload-identity.ts).
    const create = 'CREATE USER IF NOT EXISTS "WIF_SVC" TYPE = SERVICE DEFAULT_ROLE = "LOADER" DEFAULT_SECONDARY_ROLES = () '
      + `WORKLOAD_IDENTITY = (TYPE = AWS ARN = '${ROLE_ARN}')`;
    await expect(execute(provisioner, create)).resolves.toMatchObject({ rows: [{ status: 'User WIF_SVC successfully created.' }] });
    await expect(descUser(provisioner, 'WIF_SVC')).resolves.toMatchObject({ HAS_WORKLOAD_IDENTITY: 'true', HAS_RSA_PUBLIC_KEY: 'false' });
    await expect(descUser(admin, 'SVC')).resolves.toMatchObject({ HAS_WORKLOAD_IDENTITY: 'false' });
    const { rows, statement } = await execute(provisioner, 'SHOW USER WORKLOAD IDENTITY AUTHENTICATION METHODS FOR USER WIF_SVC');
    expect((statement.getColumns() ?? []).map((c) => [c.getName(), c.getType()])).toEqual([
      ['name', 'text'], ['type', 'text'], ['comment', 'text'], ['last_used', 'timestamp_ltz'], ['created_on', 'timestamp_ltz'], ['additional_info', 'object'],
    ]);
    expect(rows).toEqual([{
      name: 'WIF_SVC',
      type: 'AWS',
      comment: null,
      last_used: null,
      created_on: expect.anything(),
      additional_info: { awsPartition: 'aws', awsAccount: '123456789012', type: 'IAM_ROLE', iamRole: 'fn-role' },
    }]);
    expect(endpoint.describeUser('WIF_SVC')?.workloadIdentityArn).toBe(ROLE_ARN);
    // A user without an identity: no rows.
    await expect(showIdentity(admin, 'SVC')).resolves.toEqual([]);
  });

  test('SET and UNSET WORKLOAD_IDENTITY need what the key slots need: the rotator may, on its user only', async () => {
    const set = `ALTER USER "SVC" SET WORKLOAD_IDENTITY = (TYPE = AWS ARN = '${ROLE_ARN}')`;
    await expect(execute(rotator, set)).resolves.toMatchObject({ rows: [{ status: 'Statement executed successfully.' }] });
    expect(endpoint.describeUser('SVC')?.workloadIdentityArn).toBe(ROLE_ARN);
    await expect(execute(rotator, 'ALTER USER "SVC" UNSET WORKLOAD_IDENTITY')).resolves.toMatchObject({ rows: [{ status: 'Statement executed successfully.' }] });
    expect(endpoint.describeUser('SVC')?.workloadIdentityArn).toBeUndefined();
    await expect(executeError(rotator, set.replace('"SVC"', '"OTHER_SVC"'))).resolves.toMatchObject({ code: '003001' });
    const rogue = await login('ROGUE');
    await expect(executeError(rogue, set)).resolves.toMatchObject({ code: '003001' });
    await expect(executeError(rogue, 'ALTER USER "SVC" UNSET WORKLOAD_IDENTITY')).resolves.toMatchObject({ code: '003001' });
    expect(endpoint.describeUser('OTHER_SVC')?.workloadIdentityArn).toBeUndefined();
  });

  test('SHOW … FOR another user needs MONITOR on it (or OWNERSHIP); without FOR USER it shows the current user', async () => {
    await expect(executeError(rotator, 'SHOW USER WORKLOAD IDENTITY AUTHENTICATION METHODS FOR USER WIF_SVC')).resolves.toMatchObject({ code: '003001' });
    await execute(admin, 'GRANT MONITOR ON USER "WIF_SVC" TO ROLE "ROTATOR_ROLE"');
    await expect(showIdentity(rotator, 'WIF_SVC')).resolves.toMatchObject([{ name: 'WIF_SVC' }]);
    await expect(showIdentity(rotator)).resolves.toEqual([]); // ROTATOR has no identity
    await expect(executeError(rotator, 'SHOW USER WORKLOAD IDENTITY AUTHENTICATION METHODS FOR USER NOBODY')).resolves.toMatchObject({ code: '002003' });
  });

  test('what the endpoint refuses: an ARN that is not an IAM role or user, another TYPE, a missing ARN or TYPE', async () => {
    const alter = (clause: string): Promise<snowflake.SnowflakeError> => executeError(admin, `ALTER USER "SVC" SET WORKLOAD_IDENTITY = ${clause}`);
    await expect(alter('(TYPE = AWS ARN = \'arn:aws:sts::123456789012:assumed-role/fn-role/session\')')).resolves.toMatchObject({
      code: '004616',
      sqlState: '42601',
      message: 'SQL compilation error: Invalid ARN property in WORKLOAD_IDENTITY of TYPE \'AWS\': '
        + '\'arn:aws:sts::123456789012:assumed-role/fn-role/session\'. ARN must be an IAM role or user ARN.',
    });
    await expect(alter('(TYPE = AWS ARN = \'fn-role\')')).resolves.toMatchObject({ code: '004616' });
    await expect(alter('(TYPE = AZURE ISSUER = \'https://login.microsoftonline.com/x/v2.0\')')).resolves.toMatchObject({ code: '002040' });
    await expect(alter('(TYPE = AWS)')).resolves.toMatchObject({ code: '001003' });
    await expect(alter(`(ARN = '${ROLE_ARN}')`)).resolves.toMatchObject({ code: '001003' });
    await expect(alter(`(TYPE = AWS ARN = '${ROLE_ARN}' ARN = '${ROLE_ARN}')`)).resolves.toMatchObject({ code: '001003' });
    await expect(alter(`TYPE = AWS ARN = '${ROLE_ARN}'`)).resolves.toMatchObject({ code: '001003' });
    expect(endpoint.describeUser('SVC')?.workloadIdentityArn).toBeUndefined();
    // The documented options in any order, ISSUER kept for the JWT attestation.
    await execute(admin, `ALTER USER "SVC" SET WORKLOAD_IDENTITY = (ARN = '${ROLE_ARN}' TYPE = AWS ISSUER = 'https://example.tokens.sts.global.api.aws')`);
    expect(endpoint.describeUser('SVC')?.workloadIdentityArn).toBe(ROLE_ARN);
    await execute(admin, 'ALTER USER "SVC" UNSET WORKLOAD_IDENTITY');
  });

  test('addUser and setWorkloadIdentity check the ARN too', () => {
    expect(() => endpoint.addUser({ name: 'BAD_WIF', workloadIdentity: { arn: 'arn:aws:s3:::bucket' } })).toThrow(/is not an IAM role or user ARN/);
    expect(() => endpoint.setWorkloadIdentity('SVC', { arn: 'nope' })).toThrow(/is not an IAM role or user ARN/);
  });
});
