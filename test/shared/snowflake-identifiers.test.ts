/**
 * Snowflake's naming rules as the library encodes them (docs/secret-format.md lists the source of
 * each). Every rule has accepted and refused cases.
 */
import {
  accountHostname,
  accountIdentifierProblem,
  objectNameProblem,
  quoteIdentifier,
  quoteLiteral,
  resolvedName,
  sessionIdentifier,
  userNameProblem,
} from '../../src/shared/snowflake-identifiers';
import { alterUserSql, createUserSql, describeUserSql, unsetKeySql } from '../../src/shared/snowflake-sql';

describe('login names (the secret\'s and the construct\'s `user`)', () => {
  test.each([
    'SVC_LOADER',
    'svc_loader',
    'svc-loader.prod',
    'svc.loader',
    'svc.loader@example.com',
    'Svc Loader', // a login name may hold spaces inside
    'loader!%*',
    'x'.repeat(255),
  ])('%j is accepted', (user) => {
    expect(userNameProblem(user)).toBeUndefined();
  });

  test.each([
    ['', /empty/],
    ['svc.loader ', /trailing space/],
    ['svc.loader\t', /trailing space/],
    [' svc.loader', /leading space/],
    ['svc\nloader', /control character/],
    ['"SVC_LOADER"', /wrapped in quotes.*`SVC_LOADER`/],
    ["'svc.loader'", /wrapped in quotes/],
    ['x'.repeat(256), /256 characters long; Snowflake allows at most 255/],
  ])('%j is refused: %s', (user, message) => {
    expect(userNameProblem(user)).toMatch(message);
  });

  test('the trailing-space message names the fix without the space', () => {
    expect(userNameProblem('svc.loader@example.com ')).toBe(
      'it ends with a trailing space, which Snowflake would treat as part of the login name. Write `svc.loader@example.com`');
  });
});

describe('account identifiers', () => {
  test.each([
    'myorg-myaccount',
    'myorg-my_account',
    'MYORG-MY_ACCOUNT',
    'xy12345',
    'xy12345.us-east-2.aws',
    'XY12345.US-EAST-1',
    'XY12345.US-EAST-2.AWS',
  ])('%j is accepted', (account) => {
    expect(accountIdentifierProblem(account)).toBeUndefined();
  });

  test.each([
    ['myorg.myaccount', /SQL form.*`myorg-myaccount`/],
    ['https://myorg-myaccount.snowflakecomputing.com', /a URL.*`myorg-myaccount`/],
    ['myorg-myaccount.snowflakecomputing.com', /a host name/],
    ['my org', /neither/],
    ['', /empty/],
  ])('%j is refused: %s', (account, message) => {
    expect(accountIdentifierProblem(account)).toMatch(message);
  });

  test.each([
    ['myorg-my_account', 'myorg-my-account.snowflakecomputing.com'],
    ['MYORG-MY_ACCOUNT', 'myorg-my-account.snowflakecomputing.com'],
    ['myorg-myaccount', 'myorg-myaccount.snowflakecomputing.com'],
    ['XY12345.US-EAST-1', 'xy12345.us-east-1.snowflakecomputing.com'],
    ['xy12345.us-west-2', 'xy12345.snowflakecomputing.com'],
    ['xy12345.cn-northwest-1.aws', 'xy12345.cn-northwest-1.aws.snowflakecomputing.cn'],
  ])('the host for %j is %s (hyphens, never underscores)', (account, host) => {
    expect(accountHostname(account)).toBe(host);
    expect(accountHostname(account)).not.toContain('_');
  });
});

describe('identifiers', () => {
  test.each([
    // [as written, the object Snowflake resolves it to, quoted for SQL, as sent at login]
    ['svc_loader', 'SVC_LOADER', '"SVC_LOADER"', 'svc_loader'],
    ['SVC_LOADER', 'SVC_LOADER', '"SVC_LOADER"', 'SVC_LOADER'],
    ['Data Loader', 'Data Loader', '"Data Loader"', '"Data Loader"'],
    ['"loader"', 'loader', '"loader"', '"loader"'],
    ['"Data Loader"', 'Data Loader', '"Data Loader"', '"Data Loader"'],
    ['"we""ird"', 'we"ird', '"we""ird"', '"we""ird"'],
    ['we"ird', 'we"ird', '"we""ird"', '"we""ird"'],
    ['svc.loader@example.com', 'svc.loader@example.com', '"svc.loader@example.com"', '"svc.loader@example.com"'],
    ['a-b', 'a-b', '"a-b"', '"a-b"'],
  ])('%j resolves to %j, is quoted as %s and sent at login as %s', (name, resolved, quoted, session) => {
    expect(resolvedName(name)).toBe(resolved);
    expect(quoteIdentifier(name)).toBe(quoted);
    expect(sessionIdentifier(name)).toBe(session);
  });

  test('quoting is idempotent: a quoted name is not quoted again', () => {
    expect(quoteIdentifier(quoteIdentifier('Data Loader'))).toBe('"Data Loader"');
  });

  test.each([
    ['Data Loader', undefined],
    ['"loader"', undefined],
    ['', /empty/],
    [' LOADER', /leading or trailing spaces/],
    ['LOAD\nER', /control character/],
  ])('object name %j: %s', (name, problem) => {
    if (problem) expect(objectNameProblem(name)).toMatch(problem);
    else expect(objectNameProblem(name)).toBeUndefined();
  });

  test('quoteLiteral escapes quotes and backslashes', () => {
    expect(quoteLiteral("it's a \\ test")).toBe("'it''s a \\\\ test'");
  });
});

describe('the SQL the library writes', () => {
  test('every identifier is quoted, so an injection attempt stays a name', () => {
    const sql = createUserSql({ user: 'SVC', publicKey: 'MIIB', role: 'R"; DROP USER X; --' });
    expect(sql).toBe('CREATE USER IF NOT EXISTS "SVC" TYPE = SERVICE DEFAULT_ROLE = "R""; DROP USER X; --" '
      + 'DEFAULT_SECONDARY_ROLES = () RSA_PUBLIC_KEY = \'MIIB\';');
    expect(alterUserSql('svc', 'MIIB', 'RSA_PUBLIC_KEY_2')).toBe('ALTER USER "SVC" SET RSA_PUBLIC_KEY_2 = \'MIIB\';');
  });

  test('a login name is the user\'s quoted name in every statement', () => {
    const user = 'svc.loader@example.com';
    expect(createUserSql({ user, publicKey: 'MIIB', role: 'Data Loader', warehouse: '"load_wh"', database: 'db', schema: 'Raw Data' })).toBe(
      'CREATE USER IF NOT EXISTS "svc.loader@example.com" TYPE = SERVICE DEFAULT_ROLE = "Data Loader" DEFAULT_WAREHOUSE = "load_wh" '
      + 'DEFAULT_NAMESPACE = \'"DB"."Raw Data"\' DEFAULT_SECONDARY_ROLES = () RSA_PUBLIC_KEY = \'MIIB\';');
    expect(alterUserSql(user, 'MIIB')).toBe('ALTER USER "svc.loader@example.com" SET RSA_PUBLIC_KEY = \'MIIB\';');
    expect(describeUserSql(user)).toBe('DESC USER "svc.loader@example.com";');
    expect(unsetKeySql(user, 'RSA_PUBLIC_KEY_2')).toBe('ALTER USER "svc.loader@example.com" UNSET RSA_PUBLIC_KEY_2;');
  });

  test('users the library creates act with their default role only: DEFAULT_SECONDARY_ROLES = ()', () => {
    expect(createUserSql({ user: 'SVC', publicKey: 'MIIB' })).toContain(' DEFAULT_SECONDARY_ROLES = () ');
  });
});
