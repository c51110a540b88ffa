/**
 * The SQL executor on the driver (the `sql-executor` bundle): for direct invocation, Step
 * Functions tasks and EventBridge targets. It runs the statements declared at synth time
 * (SNOWFLAKE_SQL_EXECUTOR), by name, with typed binds from the event; SQL text only when the
 * function was built with allowAnySql. The event handling is shared with the SQL API transport
 * (executor.ts); this file holds only what runs the statements on snowflake-sdk.
 *
 * Chosen by `ConnectorHandler.sqlExecutor({ transport: SqlExecutorTransport.DRIVER })`, and for
 * a function that signs in with its workload identity (the SQL API takes a key-pair JWT only).
 */
import { DRIVER_FETCH_AS_STRING, DRIVER_SESSION_PARAMETERS, driverRowsOf } from './driver-values';
import { FetchMode, Statement } from './event';
import { sqlExecutorHandler, StatementResult, StatementRunner } from './executor';
import { Bind, getConnector, SnowflakeConnector } from '../connector';

export type { SqlResponse, StatementResult } from './executor';

/**
 * The driver connector as the executor's runner: executeMany for rows of binds, query for rows.
 * Rows come back in the design note's shape (driver-values.ts), as on the SQL API: numbers and
 * JSON fetched as their text, dates and times from the driver's exact parts. The connector's own
 * API (for custom handlers) keeps the driver's values.
 */
export function driverRunner(snowflake: SnowflakeConnector): StatementRunner {
  return {
    async run(statement: Statement, fetch: FetchMode): Promise<StatementResult> {
      const binds = statement.binds;
      if (binds && binds.length > 0 && binds.every(Array.isArray)) {
        return snowflake.executeMany(statement.sql, binds as Bind[][]);
      }
      const row = binds as Bind[] | undefined;
      if (fetch.kind === 'none') return snowflake.execute(statement.sql, row);
      const result = await snowflake.query(statement.sql, row, {
        ...(fetch.kind === 'max' ? { maxRows: fetch.maxRows } : {}),
        fetchAsString: DRIVER_FETCH_AS_STRING,
      });
      const rows = driverRowsOf(result.rows, result.columns ?? []);
      return { queryId: result.queryId, rowCount: result.rowCount, rows, ...(fetch.kind === 'max' ? { truncated: result.truncated } : {}) };
    },
  };
}

// The executor's session formats TIME with all its digits (driver-values.ts).
export const handler = sqlExecutorHandler(() => driverRunner(getConnector({ sessionParameters: DRIVER_SESSION_PARAMETERS })));
