/**
 * Promise wrappers around snowflake-sdk's callback API, for tests. Type-only import: the driver
 * is loaded by the test file (after ./driver-env).
 *
 * Note: `connection.connectAsync()` without a callback resolves even when the login fails (the
 * error only reaches a callback), so `connect` here uses `connect(callback)`.
 */
import type { Connection, RowStatement, SnowflakeError, StatementOption } from 'snowflake-sdk';

export function connect(conn: Connection): Promise<Connection> {
  return new Promise((resolve, reject) => {
    conn.connect((err, c) => (err ? reject(err) : resolve(c)));
  });
}

export interface Executed {
  // The driver types rows as any.
  readonly rows: any[];
  readonly statement: RowStatement;
}

export function execute(conn: Connection, sqlText: string, options: Omit<StatementOption, 'sqlText' | 'complete'> = {}): Promise<Executed> {
  return new Promise((resolve, reject) => {
    conn.execute({
      ...options,
      sqlText,
      complete: (err, statement, rows) => (err ? reject(err) : resolve({ rows: rows ?? [], statement: statement as RowStatement })),
    });
  });
}

/** Resolves with the driver's error (fails if the statement succeeds). */
export async function executeError(conn: Connection, sqlText: string, options: Omit<StatementOption, 'sqlText' | 'complete'> = {}): Promise<SnowflakeError> {
  try {
    await execute(conn, sqlText, options);
  } catch (e) {
    return e as SnowflakeError;
  }
  throw new Error(`expected ${sqlText} to fail`);
}

/** Resolves with the driver's login error (fails if the login succeeds). */
export async function connectError(conn: Connection): Promise<SnowflakeError> {
  try {
    await connect(conn);
  } catch (e) {
    return e as SnowflakeError;
  }
  await destroy(conn);
  throw new Error('expected the login to fail');
}

export function destroy(conn: Connection): Promise<void> {
  return new Promise((resolve, reject) => {
    conn.destroy((err) => (err ? reject(err) : resolve()));
  });
}
