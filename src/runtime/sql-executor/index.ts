/**
 * The default handler of SnowflakeConnectorFunction: the SQL executor for direct invocation,
 * Step Functions tasks and EventBridge targets. It runs the statements declared at synth time
 * (SNOWFLAKE_SQL_EXECUTOR), by name, with typed binds from the event; SQL text only when the
 * function was built with allowAnySql.
 *
 * The event is checked completely, against that declaration, before the secret is read or any
 * SQL runs (event.ts). Statements then run in order, each on its own (Snowflake autocommits):
 * when one fails, the ones before it have run, and the error says which one failed.
 */
import { ExecutorPolicy, parseSqlEvent, policyFromEnvironment, Statement } from './event';
import { ExecuteResult, getConnector, QueryResult, SnowflakeConnector, SnowflakeConnectorError } from '../connector';
import { log } from '../shared/log';

export interface StatementResult extends ExecuteResult {
  readonly rows?: QueryResult['rows'];
  readonly truncated?: boolean;
}

export interface SqlResponse {
  readonly results: StatementResult[];
}

// Module scope: the declaration is read once per cold start, like the secret.
let policy: ExecutorPolicy | undefined;

export const handler = async (event: unknown): Promise<SqlResponse> => {
  policy ??= policyFromEnvironment(process.env);
  const request = parseSqlEvent(event, policy);
  const snowflake = getConnector();
  const results: StatementResult[] = [];
  for (const [index, statement] of request.statements.entries()) {
    const started = Date.now();
    try {
      results.push(await run(snowflake, statement, request.fetch));
    } catch (error) {
      if (error instanceof SnowflakeConnectorError && index > 0) {
        log('ERROR', 'Statement failed; the statements before it have run', { statement: index, name: statement.name, ran: results.map((r) => r.queryId) });
      }
      throw error;
    }
    const last = results[results.length - 1];
    log('INFO', 'Statement ran', { statement: index, name: statement.name, queryId: last.queryId, rowCount: last.rowCount, ms: Date.now() - started });
  }
  return { results };
};

async function run(snowflake: SnowflakeConnector, statement: Statement, fetch: ReturnType<typeof parseSqlEvent>['fetch']): Promise<StatementResult> {
  const binds = statement.binds;
  if (binds && binds.length > 0 && binds.every(Array.isArray)) {
    return snowflake.executeMany(statement.sql, binds as never);
  }
  if (fetch.kind === 'none') return snowflake.execute(statement.sql, binds as never);
  const result = await snowflake.query(statement.sql, binds as never, fetch.kind === 'max' ? { maxRows: fetch.maxRows } : {});
  return fetch.kind === 'max' ? result : { queryId: result.queryId, rowCount: result.rowCount, rows: result.rows };
}
