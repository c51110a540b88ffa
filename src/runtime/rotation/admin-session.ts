/**
 * A Snowflake session as an administrator (the rotator, or registration's administrator): reads
 * and changes one user's key slots, or its workload identity. The SQL is the library's shared, quoted SQL
 * (src/shared/snowflake-sql.ts), sent as single statements. The session signs in on first use
 * only, and is closed by `AdminSession.run` whatever the work does.
 */
import { RotationError, userKeysOf, UserKeys } from './user-keys';
import { quoteIdentifier } from '../../shared/snowflake-identifiers';
import { alterUserSql, createUserSql, describeUserSql, KeySlot, RegistrationSqlInput, unsetKeySql } from '../../shared/snowflake-sql';
import {
  createWorkloadIdentityUserSql,
  setWorkloadIdentitySql,
  showWorkloadIdentitySql,
  unsetWorkloadIdentitySql,
  WorkloadIdentitySqlInput,
} from '../../shared/workload-identity';
import { SnowflakeConnector } from '../connector/connector';
import { QueryError } from '../shared/errors';

/** Snowflake's answer to DESC USER of a user that does not exist (or that the role may not see). */
const NO_SUCH_USER = '002003';

/**
 * Snowflake's system roles that administer users, roles or the whole account or organisation
 * (https://docs.snowflake.com/en/user-guide/security-access-control-overview#system-defined-roles):
 * an administrator function never acts with one of them. Its job needs one grant on one user.
 */
export const OVERPRIVILEGED_ROLES: readonly string[] = ['ACCOUNTADMIN', 'SECURITYADMIN', 'ORGADMIN', 'USERADMIN'];

/** Which administrator a session is: the rotator, or registration's administrator. */
export type AdminKind = 'rotator' | 'registration';

export class AdminSession {
  /** Runs `work` in a session on `connector`, and closes it afterwards. */
  static async run<T>(connector: SnowflakeConnector, kind: AdminKind, work: (session: AdminSession) => Promise<T>): Promise<T> {
    try {
      return await work(new AdminSession(connector, kind));
    } finally {
      await connector.close();
    }
  }

  private roleChecked?: Promise<void>;

  private constructor(private readonly connector: SnowflakeConnector, private readonly kind: AdminKind) {}

  /**
   * Before the first statement on `user`: `SELECT CURRENT_ROLE()`, and a refusal when the session
   * acts as ACCOUNTADMIN, SECURITYADMIN, ORGADMIN or USERADMIN, naming the grant that suffices.
   */
  private checkRole(user: string): Promise<void> {
    this.roleChecked ??= (async () => {
      const row = await this.connector.fetchOne('SELECT CURRENT_ROLE() AS "ROLE"');
      const role = String(row?.ROLE ?? '');
      if (!OVERPRIVILEGED_ROLES.includes(role)) return;
      const grant = `GRANT MODIFY PROGRAMMATIC AUTHENTICATION METHODS ON USER ${quoteIdentifier(user)} TO ROLE "<its role>"`;
      const needs = this.kind === 'rotator'
        ? `a role of its own that holds only ${grant}`
        : `a role of its own that holds GRANT CREATE USER ON ACCOUNT TO ROLE "<its role>" (only to create the user) and ${grant} (or owns the user)`;
      throw new RotationError('ROTATION_REFUSED', `The ${this.kind === 'rotator' ? 'rotator' : 'registration administrator'} signs in with role ${role}, `
        + 'which administers the whole account; this function refuses to act with it, and nothing was changed. Give that user '
        + `${needs}, as its DEFAULT_ROLE (and DEFAULT_SECONDARY_ROLES = ()), or set "role" in its secret to that role (docs/rotation.md)`);
    })();
    return this.roleChecked;
  }

  /** The user's key slots (`DESC USER`), or undefined when the user does not exist. */
  async keysOf(user: string): Promise<UserKeys | undefined> {
    await this.checkRole(user);
    try {
      return userKeysOf(await this.connector.fetchAll(statement(describeUserSql(user))));
    } catch (error) {
      if (error instanceof QueryError && error.snowflakeCode === NO_SUCH_USER) return undefined;
      throw error;
    }
  }

  async setKey(user: string, spkiBase64: string, slot: KeySlot): Promise<void> {
    await this.checkRole(user);
    await this.connector.execute(statement(alterUserSql(user, spkiBase64, slot)));
  }

  async unsetKey(user: string, slot: KeySlot): Promise<void> {
    await this.checkRole(user);
    await this.connector.execute(statement(unsetKeySql(user, slot)));
  }

  /** Whether the user exists (`DESC USER`), for a workload identity's registration. */
  async userExists(user: string): Promise<boolean> {
    return (await this.keysOf(user)) !== undefined;
  }

  /** The user's default workload identity, or undefined when it has none. */
  async workloadIdentityOf(user: string): Promise<UserWorkloadIdentity | undefined> {
    await this.checkRole(user);
    return defaultWorkloadIdentity(await this.connector.fetchAll(statement(showWorkloadIdentitySql(user))), user);
  }

  /** `CREATE USER IF NOT EXISTS ... TYPE = SERVICE ... WORKLOAD_IDENTITY = (TYPE = AWS ARN = '...')`. */
  async createWorkloadIdentityUser(input: WorkloadIdentitySqlInput): Promise<void> {
    await this.checkRole(input.user);
    await this.connector.execute(statement(createWorkloadIdentityUserSql(input)));
  }

  async setWorkloadIdentity(user: string, roleArn: string, issuer?: string): Promise<void> {
    await this.checkRole(user);
    await this.connector.execute(statement(setWorkloadIdentitySql(user, roleArn, issuer)));
  }

  async unsetWorkloadIdentity(user: string): Promise<void> {
    await this.checkRole(user);
    await this.connector.execute(statement(unsetWorkloadIdentitySql(user)));
  }

  /** `CREATE USER IF NOT EXISTS ... TYPE = SERVICE` with the key in RSA_PUBLIC_KEY. */
  async createUser(input: RegistrationSqlInput): Promise<void> {
    await this.checkRole(input.user);
    await this.connector.execute(statement(createUserSql(input)));
  }
}

/**
 * A user's workload identity (the WORKLOAD_IDENTITY property) as SHOW USER WORKLOAD IDENTITY
 * AUTHENTICATION METHODS shows it (https://docs.snowflake.com/en/sql-reference/sql/show-user-workload-identity-authentication-methods):
 * its row's `name` is the service user's name, and for TYPE AWS `additional_info` is an OBJECT with
 * awsPartition, awsAccount, type (IAM_ROLE or IAM_USER) and iamRole (the role's or user's name).
 * Where a user also has named identities (ALTER USER ... ADD WORKLOAD IDENTITY), the property's is
 * the one named DEFAULT ("The name DEFAULT is reserved for the workload identity assigned with the
 * WORKLOAD_IDENTITY user property", https://docs.snowflake.com/sql-reference/sql/alter-user-add-workload-identity).
 */
export interface UserWorkloadIdentity {
  readonly type: string;
  readonly awsPartition?: string;
  readonly awsAccount?: string;
  readonly awsType?: string;
  readonly iamRole?: string;
}

/**
 * The WORKLOAD_IDENTITY property's row of `user` in SHOW USER WORKLOAD IDENTITY AUTHENTICATION
 * METHODS (named DEFAULT, else named as the user), or undefined when there is none.
 */
export function defaultWorkloadIdentity(rows: readonly Record<string, unknown>[], user: string): UserWorkloadIdentity | undefined {
  const field = (row: Record<string, unknown>, name: string) => Object.entries(row).find(([k]) => k.toLowerCase() === name)?.[1];
  const named = (name: string) => rows.find((r) => String(field(r, 'name') ?? '').toUpperCase() === name.toUpperCase());
  const row = named('DEFAULT') ?? named(user);
  if (!row) return undefined;
  let info = field(row, 'additional_info');
  if (typeof info === 'string') {
    try {
      info = JSON.parse(info);
    } catch {
      info = undefined;
    }
  }
  const i = (info && typeof info === 'object' ? info : {}) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return {
    type: String(field(row, 'type') ?? '').toUpperCase(),
    awsPartition: text(i.awsPartition),
    awsAccount: text(i.awsAccount),
    awsType: text(i.type),
    iamRole: text(i.iamRole),
  };
}

/** The shared SQL ends with ';' for people to paste; the driver gets one statement without it. */
function statement(sql: string): string {
  return sql.replace(/;$/, '');
}
