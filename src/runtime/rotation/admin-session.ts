/**
 * A Snowflake session as an administrator (the rotator, or registration's administrator): reads
 * and changes one user's key slots. The SQL is the library's shared, quoted SQL
 * (src/shared/snowflake-sql.ts), sent as single statements. The session signs in on first use
 * only, and is closed by `AdminSession.run` whatever the work does.
 */
import { RotationError, userKeysOf, UserKeys } from './user-keys';
import { quoteIdentifier } from '../../shared/snowflake-identifiers';
import { alterUserSql, createUserSql, describeUserSql, KeySlot, RegistrationSqlInput, unsetKeySql } from '../../shared/snowflake-sql';
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

  /** `CREATE USER IF NOT EXISTS ... TYPE = SERVICE` with the key in RSA_PUBLIC_KEY. */
  async createUser(input: RegistrationSqlInput): Promise<void> {
    await this.checkRole(input.user);
    await this.connector.execute(statement(createUserSql(input)));
  }
}

/** The shared SQL ends with ';' for people to paste; the driver gets one statement without it. */
function statement(sql: string): string {
  return sql.replace(/;$/, '');
}
