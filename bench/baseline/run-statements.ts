/**
 * The statement loop the two baseline handlers share (esbuild bundles it into each): the SQL and
 * binds of the event, run in order on one snowflake-sdk connection. Never shipped.
 */
import type * as snowflake from 'snowflake-sdk';

export interface HandlerEvent {
  readonly statements: { sql: string; binds?: snowflake.Binds }[];
}

export async function runStatements(connection: snowflake.Connection, event: HandlerEvent): Promise<{ results: { rows: unknown }[] }> {
  const results = [];
  for (const statement of event.statements) {
    const rows = await new Promise((resolve, reject) => connection.execute({
      sqlText: statement.sql,
      binds: statement.binds,
      complete: (error, _stmt, r) => (error ? reject(error) : resolve(r)),
    }));
    results.push({ rows });
  }
  return { results };
}
