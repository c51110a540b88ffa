/**
 * Registration of a function's workload identity (the rotation bundle's registrationHandler with
 * `Authentication: WORKLOAD_IDENTITY`): what it does on Create, Update and Delete, and what it
 * refuses. The administrator's Snowflake session is a small in-memory stand-in here that answers
 * the library's own SQL the way Snowflake documents it; the same handler runs end to end, bundled,
 * against the local Snowflake endpoint in workload-identity-registration.e2e.test.ts.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import type { SnowflakeConnector } from '../../../src/runtime/connector/connector';
import { defaultWorkloadIdentity } from '../../../src/runtime/rotation/admin-session';
import {
  isWorkloadIdentityEvent,
  parseWorkloadIdentityRegistrationId,
  WorkloadIdentityRegistrar,
  workloadIdentityRegistrationId,
  workloadIdentityRegistrationProperties,
} from '../../../src/runtime/rotation/workload-identity-registration';
import { QueryError } from '../../../src/runtime/shared/errors';
import { roleOfArn } from '../../../src/shared/workload-identity';

const ROLE_ARN = 'arn:aws:iam::123456789012:role/app/connector-role';
const NEW_ROLE_ARN = 'arn:aws:iam::123456789012:role/connector-role-v2';
const OTHER_ARN = 'arn:aws:iam::210987654321:role/someone-else';
const ADMIN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:admin-AbCdEf';

/** Snowflake's users as the administrator sees them: name → the DEFAULT identity's ARN (or null for none). */
class Snowflake {
  public readonly users = new Map<string, string | null>();
  public readonly statements: string[] = [];
  public role = 'USER_REGISTRAR';
  public logins = 0;

  connector(): SnowflakeConnector {
    this.logins++;
    const run = async (sql: string): Promise<Record<string, unknown>[]> => {
      this.statements.push(sql);
      let m: RegExpExecArray | null;
      if (sql === 'SELECT CURRENT_ROLE() AS "ROLE"') return [{ ROLE: this.role }];
      if ((m = /^DESC USER "([^"]+)"$/.exec(sql))) {
        if (!this.users.has(m[1])) throw new QueryError('SQL_ERROR', 'does not exist', { snowflakeCode: '002003' });
        return [];
      }
      if ((m = /^SHOW USER WORKLOAD IDENTITY AUTHENTICATION METHODS FOR USER "([^"]+)"$/.exec(sql))) {
        const arn = this.users.get(m[1]);
        if (!arn) return [];
        const r = roleOfArn(arn)!;
        // Snowflake's columns (name, type, comment, last_used, created_on, additional_info); additional_info is an OBJECT.
        return [{
          name: m[1],
          type: 'AWS',
          comment: null,
          last_used: null,
          created_on: '2026-01-01',
          additional_info: JSON.stringify({ awsPartition: r.partition, awsAccount: r.account, type: 'IAM_ROLE', iamRole: r.name }),
        }];
      }
      if ((m = /^CREATE USER IF NOT EXISTS "([^"]+)" TYPE = SERVICE .*WORKLOAD_IDENTITY = \(TYPE = AWS ARN = '([^']+)'\)$/.exec(sql))) {
        if (!this.users.has(m[1])) this.users.set(m[1], m[2]);
        return [];
      }
      if ((m = /^ALTER USER "([^"]+)" SET WORKLOAD_IDENTITY = \(TYPE = AWS ARN = '([^']+)'(?: ISSUER = '[^']+')?\)$/.exec(sql))) {
        this.users.set(m[1], m[2]);
        return [];
      }
      if ((m = /^ALTER USER "([^"]+)" UNSET WORKLOAD_IDENTITY$/.exec(sql))) {
        this.users.set(m[1], null);
        return [];
      }
      throw new Error(`unexpected SQL: ${sql}`);
    };
    return {
      fetchOne: async (sql: string) => (await run(sql))[0],
      fetchAll: run,
      execute: async (sql: string) => { await run(sql); return { rowCount: 0, queryId: 'q' }; },
      close: async () => undefined,
    } as unknown as SnowflakeConnector;
  }

  changes(): string[] {
    return this.statements.filter((s) => /^(CREATE|ALTER|DROP)/.test(s));
  }
}

function properties(patch: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:registration',
    Authentication: 'WORKLOAD_IDENTITY',
    AdminSecretId: ADMIN,
    Connection: { account: 'testorg-testaccount', user: 'SVC_WIF', role: 'LOADER', warehouse: 'LOAD_WH' },
    WorkloadIdentityArn: ROLE_ARN,
    CreateUser: 'true',
    OnDelete: 'REMOVE_IDENTITY',
    ...patch,
  };
}

function event(type: 'Create' | 'Update' | 'Delete', props: Record<string, unknown>, physicalResourceId?: string): CloudFormationCustomResourceEvent {
  return {
    RequestType: type,
    ServiceToken: String(props.ServiceToken),
    ResponseURL: 'http://127.0.0.1/',
    StackId: 'stack',
    RequestId: 'r',
    LogicalResourceId: 'Registration',
    ResourceType: 'Custom::SnowflakeUserRegistration',
    ResourceProperties: props as never,
    ...(physicalResourceId ? { PhysicalResourceId: physicalResourceId } : {}),
    ...(type === 'Update' ? { OldResourceProperties: {} } : {}),
  } as CloudFormationCustomResourceEvent;
}

let snowflake: Snowflake;
let registrar: WorkloadIdentityRegistrar;
let adminSecretIds: (string | undefined)[];
beforeEach(() => {
  snowflake = new Snowflake();
  adminSecretIds = [];
  registrar = new WorkloadIdentityRegistrar({}, (options) => {
    adminSecretIds.push(options.secretId);
    return snowflake.connector();
  });
});

const setId = (arn = ROLE_ARN) => workloadIdentityRegistrationId({ account: 'TESTORG-TESTACCOUNT', user: 'SVC_WIF', roleArn: arn, setByUs: true });

describe('Create', () => {
  test('a missing user is created with the role\'s ARN, signed in as the administrator; the physical id says it set it', async () => {
    const result = await registrar.handle(event('Create', properties()));
    expect(snowflake.changes()).toEqual([
      'CREATE USER IF NOT EXISTS "SVC_WIF" TYPE = SERVICE DEFAULT_ROLE = "LOADER" DEFAULT_WAREHOUSE = "LOAD_WH" DEFAULT_SECONDARY_ROLES = () '
      + `WORKLOAD_IDENTITY = (TYPE = AWS ARN = '${ROLE_ARN}')`,
    ]);
    expect(snowflake.users.get('SVC_WIF')).toBe(ROLE_ARN);
    expect(result).toEqual({
      physicalResourceId: setId(),
      data: { User: 'SVC_WIF', WorkloadIdentityArn: ROLE_ARN, UserCreated: 'true' },
    });
    expect(adminSecretIds).toEqual([ADMIN]);
  });

  test('a user without an identity gets ALTER USER ... SET WORKLOAD_IDENTITY', async () => {
    snowflake.users.set('SVC_WIF', null);
    const result = await registrar.handle(event('Create', properties({ CreateUser: 'false' })));
    expect(snowflake.changes()).toEqual([`ALTER USER "SVC_WIF" SET WORKLOAD_IDENTITY = (TYPE = AWS ARN = '${ROLE_ARN}')`]);
    expect(result.physicalResourceId).toBe(setId());
    expect(result.data).toEqual(expect.objectContaining({ UserCreated: 'false' }));
  });

  test('with an issuer (OUTBOUND_TOKEN), the ISSUER goes with the ARN', async () => {
    snowflake.users.set('SVC_WIF', null);
    const issuer = 'https://abc.tokens.sts.global.api.aws';
    await registrar.handle(event('Create', properties({ WorkloadIdentityIssuer: issuer })));
    expect(snowflake.changes()).toEqual([`ALTER USER "SVC_WIF" SET WORKLOAD_IDENTITY = (TYPE = AWS ARN = '${ROLE_ARN}' ISSUER = '${issuer}')`]);
  });

  test('a user that trusts the role already is left as it is, and the registration says it found it (Delete will not remove it)', async () => {
    snowflake.users.set('SVC_WIF', 'arn:aws:iam::123456789012:role/connector-role'); // the same role, as Snowflake keeps it: no path
    const result = await registrar.handle(event('Create', properties()));
    expect(snowflake.changes()).toEqual([]);
    expect(parseWorkloadIdentityRegistrationId(result.physicalResourceId)).toEqual(expect.objectContaining({ setByUs: false }));
  });

  test('(failing case) a missing user with CreateUser false: refused, naming the SQL that creates it; nothing changed', async () => {
    const error = await registrar.handle(event('Create', properties({ CreateUser: 'false' }))).catch((e) => e);
    expect(error).toMatchObject({ code: 'ROTATION_REFUSED' });
    expect(error.message).toContain('User "SVC_WIF" does not exist');
    expect(error.message).toContain(`WORKLOAD_IDENTITY = (TYPE = AWS ARN = '${ROLE_ARN}')`);
    expect(snowflake.changes()).toEqual([]);
  });

  test('(failing case) a user trusting another identity is never changed', async () => {
    snowflake.users.set('SVC_WIF', OTHER_ARN);
    const error = await registrar.handle(event('Create', properties())).catch((e) => e);
    expect(error).toMatchObject({ code: 'ROTATION_REFUSED' });
    expect(error.message).toContain('already trusts AWS IAM_ROLE someone-else in account 210987654321');
    expect(snowflake.changes()).toEqual([]);
    expect(snowflake.users.get('SVC_WIF')).toBe(OTHER_ARN);
  });

  test.each(['ACCOUNTADMIN', 'SECURITYADMIN', 'ORGADMIN', 'USERADMIN'])('(failing case) an administrator acting as %s is refused before any change', async (role) => {
    snowflake.role = role;
    const error = await registrar.handle(event('Create', properties())).catch((e) => e);
    expect(error).toMatchObject({ code: 'ROTATION_REFUSED' });
    expect(error.message).toContain(`signs in with role ${role}`);
    expect(snowflake.statements).toEqual(['SELECT CURRENT_ROLE() AS "ROLE"']);
  });
});

describe('Update', () => {
  test('a new ARN replaces the identity this resource set; the old registration\'s Delete then leaves the user alone', async () => {
    snowflake.users.set('SVC_WIF', ROLE_ARN);
    const result = await registrar.handle(event('Update', properties({ WorkloadIdentityArn: NEW_ROLE_ARN }), setId()));
    expect(snowflake.changes()).toEqual([`ALTER USER "SVC_WIF" SET WORKLOAD_IDENTITY = (TYPE = AWS ARN = '${NEW_ROLE_ARN}')`]);
    expect(result.physicalResourceId).toBe(setId(NEW_ROLE_ARN));
    // CloudFormation's clean-up of the old physical id.
    snowflake.statements.length = 0;
    await registrar.handle(event('Delete', properties(), setId()));
    expect(snowflake.changes()).toEqual([]);
    expect(snowflake.users.get('SVC_WIF')).toBe(NEW_ROLE_ARN);
  });

  test('the same ARN keeps the registration (and its physical id)', async () => {
    snowflake.users.set('SVC_WIF', ROLE_ARN);
    const result = await registrar.handle(event('Update', properties(), setId()));
    expect(snowflake.changes()).toEqual([]);
    expect(result.physicalResourceId).toBe(setId());
  });

  test('(failing case) a new ARN over an identity this resource did not set is refused', async () => {
    snowflake.users.set('SVC_WIF', OTHER_ARN);
    await expect(registrar.handle(event('Update', properties({ WorkloadIdentityArn: NEW_ROLE_ARN }), setId()))).rejects.toMatchObject({ code: 'ROTATION_REFUSED' });
    expect(snowflake.users.get('SVC_WIF')).toBe(OTHER_ARN);
  });
});

describe('Delete', () => {
  test('REMOVE_IDENTITY unsets the identity it set, and never drops the user', async () => {
    snowflake.users.set('SVC_WIF', ROLE_ARN);
    await registrar.handle(event('Delete', properties(), setId()));
    expect(snowflake.changes()).toEqual(['ALTER USER "SVC_WIF" UNSET WORKLOAD_IDENTITY']);
    expect(snowflake.users.has('SVC_WIF')).toBe(true);
    expect(snowflake.users.get('SVC_WIF')).toBeNull();
  });

  test.each([
    ['the user now trusts another role', OTHER_ARN, setId()],
    ['the identity was found, not set', ROLE_ARN, workloadIdentityRegistrationId({ account: 'TESTORG-TESTACCOUNT', user: 'SVC_WIF', roleArn: ROLE_ARN, setByUs: false })],
    ['the identity is already gone', null, setId()],
  ])('(failing case) REMOVE_IDENTITY changes nothing when %s', async (_why, identity, id) => {
    snowflake.users.set('SVC_WIF', identity);
    await registrar.handle(event('Delete', properties(), id));
    expect(snowflake.changes()).toEqual([]);
    expect(snowflake.users.get('SVC_WIF')).toBe(identity);
  });

  test('RETAIN_IDENTITY changes nothing, and does not even sign in', async () => {
    snowflake.users.set('SVC_WIF', ROLE_ARN);
    await registrar.handle(event('Delete', properties({ OnDelete: 'RETAIN_IDENTITY' }), setId()));
    expect(snowflake.logins).toBe(0);
    expect(snowflake.users.get('SVC_WIF')).toBe(ROLE_ARN);
  });

  test('a Delete of a failed Create (no registration id) does nothing', async () => {
    await registrar.handle(event('Delete', properties(), 'registration-failed'));
    expect(snowflake.logins).toBe(0);
  });
});

describe('properties and dispatch', () => {
  test('only events with Authentication WORKLOAD_IDENTITY come here; key-pair registrations keep their handler', () => {
    expect(isWorkloadIdentityEvent(event('Create', properties()))).toBe(true);
    const keyPair = { ServiceToken: 'x', SecretId: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:s-AbCdEf', AdminSecretId: ADMIN };
    expect(isWorkloadIdentityEvent(event('Create', keyPair))).toBe(false);
  });

  test.each([
    [{ WorkloadIdentityArn: 'arn:aws:sts::123456789012:assumed-role/r/s' }, /WorkloadIdentityArn is .*expected an IAM role ARN/],
    [{ WorkloadIdentityArn: undefined }, /WorkloadIdentityArn property is missing/],
    [{ Connection: { account: 'a' } }, /Connection property must include account and user/],
    [{ OnDelete: 'REMOVE_KEY' }, /OnDelete is "REMOVE_KEY"; a workload identity's registration expects REMOVE_IDENTITY or RETAIN_IDENTITY/],
    [{ AdminSecretId: '' }, /AdminSecretId property is missing/],
  ])('(failing case) %j is refused as CONFIG_INVALID', (patch, message) => {
    expect(() => workloadIdentityRegistrationProperties(properties(patch))).toThrow(message);
  });

  test('SHOW USER WORKLOAD IDENTITY AUTHENTICATION METHODS: the user\'s row (or DEFAULT), additional_info as text or as an object', () => {
    const info = { awsPartition: 'aws', awsAccount: '123456789012', type: 'IAM_ROLE', iamRole: 'r' };
    const expected = { type: 'AWS', awsPartition: 'aws', awsAccount: '123456789012', awsType: 'IAM_ROLE', iamRole: 'r' };
    expect(defaultWorkloadIdentity([{ name: 'SVC_WIF', type: 'AWS', additional_info: JSON.stringify(info) }], 'SVC_WIF')).toEqual(expected);
    expect(defaultWorkloadIdentity([{ NAME: 'svc_wif', TYPE: 'AWS', ADDITIONAL_INFO: info }], 'SVC_WIF')).toEqual(expected);
    expect(defaultWorkloadIdentity([{ name: 'CI_ROLE', type: 'AWS', additional_info: {} }, { name: 'DEFAULT', type: 'AWS', additional_info: info }], 'SVC_WIF'))
      .toEqual(expected);
    expect(defaultWorkloadIdentity([{ name: 'CI_ROLE', type: 'AWS', additional_info: info }], 'SVC_WIF')).toBeUndefined();
    expect(defaultWorkloadIdentity([], 'SVC_WIF')).toBeUndefined();
  });
});
