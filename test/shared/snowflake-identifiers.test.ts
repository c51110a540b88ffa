import { quoteIdentifier, quoteLiteral } from '../../src/shared/snowflake-identifiers';
import { alterUserSql, createUserSql } from '../../src/shared/snowflake-sql';

test.each([
  ['svc_loader', '"SVC_LOADER"'],
  ['SVC_LOADER', '"SVC_LOADER"'],
  ['My Role', '"My Role"'],
  ['we"ird', '"we""ird"'],
  ['a-b', '"a-b"'],
])('quoteIdentifier(%j) = %s', (name, quoted) => {
  expect(quoteIdentifier(name)).toBe(quoted);
});

test('quoteLiteral escapes quotes and backslashes', () => {
  expect(quoteLiteral("it's a \\ test")).toBe("'it''s a \\\\ test'");
});

test('SQL quotes every identifier, so an injection attempt stays a name', () => {
  const sql = createUserSql({ user: 'SVC', publicKey: 'MIIB', role: 'R"; DROP USER X; --' });
  expect(sql).toBe('CREATE USER IF NOT EXISTS "SVC" TYPE = SERVICE DEFAULT_ROLE = "R""; DROP USER X; --" RSA_PUBLIC_KEY = \'MIIB\';');
  expect(alterUserSql('svc', 'MIIB', 'RSA_PUBLIC_KEY_2')).toBe('ALTER USER "SVC" SET RSA_PUBLIC_KEY_2 = \'MIIB\';');
});
