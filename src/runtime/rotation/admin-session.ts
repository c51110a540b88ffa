/**
 * A Snowflake session as an administrator (the rotator, or registration's administrator): reads
 * and changes one user's key slots. The SQL is the library's shared, quoted SQL
 * (src/shared/snowflake-sql.ts), sent as single statements. The session signs in on first use
 * only, and is closed by `AdminSession.run` whatever the work does.
 */
import { userKeysOf, UserKeys } from './user-keys';
import { alterUserSql, createUserSql, describeUserSql, KeySlot, RegistrationSqlInput, unsetKeySql } from '../../shared/snowflake-sql';
import { SnowflakeConnector } from '../connector/connector';
import { QueryError } from '../shared/errors';

/** Snowflake's answer to DESC USER of a user that does not exist (or that the role may not see). */
const NO_SUCH_USER = '002003';

export class AdminSession {
  /** Runs `work` in a session on `connector`, and closes it afterwards. */
  static async run<T>(connector: SnowflakeConnector, work: (session: AdminSession) => Promise<T>): Promise<T> {
    try {
      return await work(new AdminSession(connector));
    } finally {
      await connector.close();
    }
  }

  private constructor(private readonly connector: SnowflakeConnector) {}

  /** The user's key slots (`DESC USER`), or undefined when the user does not exist. */
  async keysOf(user: string): Promise<UserKeys | undefined> {
    try {
      return userKeysOf(await this.connector.fetchAll(statement(describeUserSql(user))));
    } catch (error) {
      if (error instanceof QueryError && error.snowflakeCode === NO_SUCH_USER) return undefined;
      throw error;
    }
  }

  async setKey(user: string, spkiBase64: string, slot: KeySlot): Promise<void> {
    await this.connector.execute(statement(alterUserSql(user, spkiBase64, slot)));
  }

  async unsetKey(user: string, slot: KeySlot): Promise<void> {
    await this.connector.execute(statement(unsetKeySql(user, slot)));
  }

  /** `CREATE USER IF NOT EXISTS ... TYPE = SERVICE` with the key in RSA_PUBLIC_KEY. */
  async createUser(input: RegistrationSqlInput): Promise<void> {
    await this.connector.execute(statement(createUserSql(input)));
  }
}

/** The shared SQL ends with ';' for people to paste; the driver gets one statement without it. */
function statement(sql: string): string {
  return sql.replace(/;$/, '');
}
