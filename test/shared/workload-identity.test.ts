/**
 * The workload-identity contract (src/shared/workload-identity.ts): the connection JSON both sides
 * read, the SQL that gives a user the role's identity, and the role named by an ARN.
 */
import {
  createWorkloadIdentityUserSql, parseWorkloadIdentityConnection, roleOfArn, serializeWorkloadIdentityConnection, setWorkloadIdentitySql,
  showWorkloadIdentitySql, unsetWorkloadIdentitySql, workloadIdentityClause,
} from '../../src/shared/workload-identity';

const ARN = 'arn:aws:iam::123456789012:role/connector';

describe('the connection settings (SNOWFLAKE_CONNECTION)', () => {
  test('written in CONNECTION_FIELDS order without undefined fields, and read back', () => {
    const value = serializeWorkloadIdentityConnection({ user: 'SVC', schema: 'S', account: 'myorg-myaccount', database: 'D', role: undefined });
    expect(value).toBe('{"account":"myorg-myaccount","user":"SVC","database":"D","schema":"S"}');
    expect(parseWorkloadIdentityConnection(value)).toEqual({ account: 'myorg-myaccount', user: 'SVC', database: 'D', schema: 'S' });
  });

  test.each([
    ['not JSON', '{', /is not JSON/],
    ['an array', '[]', /is not a JSON object/],
    ['an unknown field', '{"account":"a","user":"u","privateKey":"x"}', /fields the connector does not know: privateKey/],
    ['an empty value', '{"account":"a","user":""}', /SNOWFLAKE_CONNECTION\.user must be a non-empty string/],
    ['a number', '{"account":"a","user":"u","role":1}', /SNOWFLAKE_CONNECTION\.role must be a non-empty string/],
    ['no user', '{"account":"a"}', /must name account and user/],
  ])('(failing case) %s is refused, without echoing values', (_, value, problem) => {
    const parsed = parseWorkloadIdentityConnection(value) as { problem: string };
    expect(parsed.problem).toMatch(problem);
    expect(parsed.problem).not.toContain('"x"');
  });
});

describe('the SQL', () => {
  test('CREATE USER with every default, identifiers and literals quoted', () => {
    expect(createWorkloadIdentityUserSql({ user: 'svc_loader', roleArn: ARN, role: 'Data Loader', warehouse: 'WH', database: 'RAW', schema: 'orders' })).toBe(
      'CREATE USER IF NOT EXISTS "SVC_LOADER" TYPE = SERVICE DEFAULT_ROLE = "Data Loader" DEFAULT_WAREHOUSE = "WH" '
      + 'DEFAULT_NAMESPACE = \'"RAW"."ORDERS"\' DEFAULT_SECONDARY_ROLES = () WORKLOAD_IDENTITY = (TYPE = AWS ARN = \'arn:aws:iam::123456789012:role/connector\');');
  });

  test('CREATE USER with only the user; the issuer when given', () => {
    expect(createWorkloadIdentityUserSql({ user: 'SVC', roleArn: ARN, issuer: 'https://i.example' })).toBe(
      `CREATE USER IF NOT EXISTS "SVC" TYPE = SERVICE DEFAULT_SECONDARY_ROLES = () WORKLOAD_IDENTITY = (TYPE = AWS ARN = '${ARN}' ISSUER = 'https://i.example');`);
    expect(createWorkloadIdentityUserSql({ user: 'SVC', roleArn: ARN, database: 'RAW' })).toContain('DEFAULT_NAMESPACE = \'"RAW"\'');
  });

  test('SET, UNSET and SHOW', () => {
    expect(setWorkloadIdentitySql('svc', ARN)).toBe(`ALTER USER "SVC" SET WORKLOAD_IDENTITY = (TYPE = AWS ARN = '${ARN}');`);
    expect(unsetWorkloadIdentitySql('svc.loader@example.com')).toBe('ALTER USER "svc.loader@example.com" UNSET WORKLOAD_IDENTITY;');
    expect(showWorkloadIdentitySql('SVC')).toBe('SHOW USER WORKLOAD IDENTITY AUTHENTICATION METHODS FOR USER "SVC";');
  });

  test('(failing case) a quote in a value cannot end the literal', () => {
    expect(workloadIdentityClause("arn:aws:iam::123456789012:role/x') DROP", "a'b")).toBe(
      "(TYPE = AWS ARN = 'arn:aws:iam::123456789012:role/x'') DROP' ISSUER = 'a''b')");
  });
});

describe('roleOfArn', () => {
  test.each([
    [ARN, { partition: 'aws', account: '123456789012', name: 'connector' }],
    ['arn:aws:iam::123456789012:role/team/app/connector', { partition: 'aws', account: '123456789012', name: 'connector' }],
    ['arn:aws-cn:iam::123456789012:role/connector', { partition: 'aws-cn', account: '123456789012', name: 'connector' }],
    ['arn:aws:sts::123456789012:assumed-role/connector/session-1', { partition: 'aws', account: '123456789012', name: 'connector' }],
  ])('%s names a role', (arn, role) => {
    expect(roleOfArn(arn)).toEqual(role);
  });

  test.each([
    'arn:aws:iam::123456789012:user/alice',
    'arn:aws:iam::123456789012:role/*',
    'arn:aws:iam::12345:role/connector',
    'arn:aws:sts::123456789012:federated-user/alice',
    'connector',
  ])('(failing case) %s names no role', (arn) => {
    expect(roleOfArn(arn)).toBeUndefined();
  });
});
