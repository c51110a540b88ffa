/**
 * The SQL executor's event handling, shared by both transports: the event is checked completely
 * (event.ts, then the runner's own limits) before the secret is read or any SQL is sent; the
 * statements then run in order, each on its own (Snowflake autocommits), with one log line each.
 * When one fails, the ones before it have run, and the log says which.
 *
 * The runner is the transport: the driver connector (index.ts, the `sql-executor` bundle) or the
 * SQL API client (../sql-api-executor, the `sql-api-executor` bundle). This file imports neither,
 * so that each bundle holds only its own transport.
 */
import { ExecutorPolicy, FetchMode, parseSqlEvent, policyFromEnvironment, Statement } from './event';
import { SnowflakeConnectorError } from '../shared/errors';
import { log } from '../shared/log';

/** One statement's result; the shape both transports return (docs/design/sql-api-executor.md). */
export interface StatementResult {
  /** Snowflake's query id. */
  readonly queryId: string;
  /** Rows inserted, updated or deleted by DML; rows returned by a query. */
  readonly rowCount: number;
  /** The rows (absent with fetch `none` and for executeMany). */
  readonly rows?: Record<string, unknown>[];
  /** With fetch `{ maxRows }`: true when the result had more rows. */
  readonly truncated?: boolean;
}

export interface SqlResponse {
  readonly results: StatementResult[];
}

/** Runs statements on one transport. */
export interface StatementRunner {
  /**
   * Refuses, before the secret is read, a statement this transport cannot send (an
   * InvalidEventError naming the field and the fix); undefined when it can.
   */
  refuse?(statement: Statement, at: (field: string) => string): SnowflakeConnectorError | undefined;
  /** Runs one checked statement. */
  run(statement: Statement, fetch: FetchMode): Promise<StatementResult>;
}

/**
 * The Lambda handler over a runner. `runner` is called on the first event that passes the checks,
 * once per cold start: the runner's own cold-start work (the secret) waits until an event needs it.
 */
export function sqlExecutorHandler(runner: () => StatementRunner): (event: unknown) => Promise<SqlResponse> {
  // Module scope of the bundle: the declaration is read once per cold start, like the secret.
  let policy: ExecutorPolicy | undefined;
  let transport: StatementRunner | undefined;
  return async (event: unknown): Promise<SqlResponse> => {
    policy ??= policyFromEnvironment(process.env);
    const request = parseSqlEvent(event, policy);
    transport ??= runner();
    const single = isSingle(event);
    for (const [index, statement] of request.statements.entries()) {
      const refused = transport.refuse?.(statement, (field) => (single ? field : `statements[${index}].${field}`));
      if (refused) throw refused;
    }
    const results: StatementResult[] = [];
    for (const [index, statement] of request.statements.entries()) {
      const started = Date.now();
      try {
        results.push(await transport.run(statement, request.fetch));
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
}

/** Whether the request is the one-statement form `{ "run": ... }` (directly, or in an EventBridge event's detail): its fields have no prefix. */
function isSingle(event: unknown): boolean {
  const body = event as Record<string, unknown>;
  const request = 'detail-type' in body && 'detail' in body ? body.detail as Record<string, unknown> : body;
  return 'run' in request;
}
