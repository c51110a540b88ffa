/**
 * The connector's statements: `execute`, `executeMany`, `fetchAll`, `fetchOne`, `fetchMany`,
 * `query`, `executeAsync`. One instance per warm Lambda instance, made from the secret.
 *
 * - The secret is read once (SecretReader caches the first good read). A failed read or a
 *   failed login is never kept: the next call tries again.
 * - The session (sign-in, reuse, heartbeat when idle, a new login when it is gone, and the
 *   rotation-aware re-read of the secret when Snowflake rejects the login) is in session.ts.
 * - Logins are retried on network failures, 5xx and 429 with bounded exponential backoff and full
 *   jitter. Statements are not retried by the connector: the driver already repeats a request that
 *   fails at the HTTP level under the same request id (so Snowflake runs it once), and the
 *   connector bounds that with a deadline. SQL errors are never retried.
 * - Driver errors become typed errors naming the cause and the fix in driver-errors.ts.
 */
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { CredentialSource, SecretReader, SecretReaderOptions } from './credentials';
import type { DriverConnection } from './driver';
import { queryError, summary } from './driver-errors';
import { putMetric } from './metrics';
import { Session, SessionOptions } from './session';
import { WorkloadIdentityOptions, WorkloadIdentitySource } from './workload-identity';
import { ConfigurationError, QueryError, SnowflakeConnectorError, TransientError } from '../shared/errors';

/** A value bound to a `?` or `:n` placeholder. */
export type Bind = string | number | boolean | null;
/** A result row, keyed by column name as Snowflake returns it (unquoted names upper-case). */
export type Row = Record<string, unknown>;

export interface ExecuteResult {
  /** Rows inserted, updated or deleted by DML; rows returned by a query. */
  readonly rowCount: number;
  /** Snowflake's query id: find the statement in QUERY_HISTORY with it. */
  readonly queryId: string;
}

export interface AsyncResult extends ExecuteResult {
  readonly rows: Row[];
}

export interface QueryResult extends ExecuteResult {
  /** The first `maxRows` rows (all of them without `maxRows`). */
  readonly rows: Row[];
  /** True when the result had more rows than `maxRows`. */
  readonly truncated: boolean;
  /** The result's columns, in order, as the driver describes them (statement.getColumns()). */
  readonly columns?: readonly ColumnMetadata[];
}

/** One column of a result, from the driver's metadata (snowflake-sdk 3.3.0 lib/connection/result/column.js). */
export interface ColumnMetadata {
  /** The column's name, the key of its value in each row. */
  readonly name: string;
  /** Snowflake's type as the driver names it, lower case: `fixed`, `real`, `text`, `date`, `time`, `timestamp_ntz` … */
  readonly type: string;
  /** Digits after the point (FIXED), or of the seconds' fraction (TIME, TIMESTAMP_*); null when it does not apply. */
  readonly scale: number | null;
  /** Total digits (FIXED); null when it does not apply. */
  readonly precision: number | null;
  readonly nullable: boolean;
}

/** Options of `query`. */
export interface QueryOptions {
  /** Return only the first rows; rows past them are never fetched. @default - all rows */
  readonly maxRows?: number;
  /**
   * The driver's native types to return as strings (snowflake-sdk's `fetchAsString`: `Number`,
   * `Date`, `Boolean`, `Buffer`, `JSON`, `Object`, `Array`, `String`).
   * @default - none: the driver's own values
   */
  readonly fetchAsString?: readonly string[];
}

export interface FetchManyOptions {
  /** Rows per page. */
  readonly size: number;
  readonly binds?: readonly Bind[];
}

export interface AsyncOptions {
  /** Time between status checks. @default 1000 */
  readonly pollIntervalMs?: number;
  /** Give up (and cancel the statement) after this long. @default 600000 */
  readonly timeoutMs?: number;
}

/** The connector's options: the session's (session.ts), the secret or the workload identity, and the statements' limits. */
export interface ConnectorOptions extends SessionOptions {
  /**
   * The key-pair secret's ARN (preferred: its region is used) or name. Give this or `workloadIdentity`.
   * @default - none: `workloadIdentity` is required
   */
  readonly secretId?: string;
  /**
   * Sign in with the function's own IAM role instead of a secret (docs/workload-identity.md): no
   * secret is read. Give this or `secretId`.
   * @default - none: `secretId` is required
   */
  readonly workloadIdentity?: WorkloadIdentityOptions;
  /** Sets STATEMENT_TIMEOUT_IN_SECONDS for every statement. @default - the user's setting */
  readonly statementTimeoutSeconds?: number;
  /**
   * Give up on a synchronous statement (including the driver's own retries of its HTTP
   * requests) after this long, and cancel it.
   * @default 840000 (14 minutes, under Lambda's 15-minute limit)
   */
  readonly statementDeadlineMs?: number;
  /** Options for the secret reader (a Secrets Manager client for tests, request timeout). */
  readonly secretReader?: Omit<SecretReaderOptions, 'retryPolicy' | 'retryEnvironment'>;
}

/** Counts for metrics and tests. */
export interface ConnectorStats {
  secretReads: number;
  logins: number;
  loginFailures: number;
  reconnects: number;
}

/** Connects with the secret's key pair (or the function's workload identity) and runs SQL. One instance per warm Lambda instance. */
export class SnowflakeConnector {
  /** Where the credentials come from: the secret's reader, or the workload identity (which reads nothing). */
  public readonly reader: CredentialSource;
  private readonly session: Session;

  constructor(private readonly options: ConnectorOptions) {
    if ((options.secretId === undefined) === (options.workloadIdentity === undefined)) {
      throw new ConfigurationError('CONFIG_INVALID', 'The connector needs exactly one of secretId (a key-pair secret) and workloadIdentity '
        + `(the function's own IAM role), and was given ${options.secretId === undefined ? 'neither' : 'both'}`);
    }
    this.reader = options.workloadIdentity
      ? new WorkloadIdentitySource(options.workloadIdentity)
      : new SecretReader(options.secretId!, {
        ...options.secretReader,
        retryPolicy: options.retryPolicy,
        retryEnvironment: options.retryEnvironment,
      });
    this.session = new Session(this.reader, options);
  }

  get stats(): ConnectorStats {
    return { secretReads: this.reader.reads, ...this.session.counts };
  }

  /**
   * A connected driver connection, for what the methods below do not cover. Do not destroy it:
   * the connector reuses it across invocations.
   */
  async getConnection(): Promise<DriverConnection> {
    return this.session.connection();
  }

  /** Runs one statement; returns the rows it changed (or returned) and its query id. */
  async execute(sql: string, binds?: readonly Bind[]): Promise<ExecuteResult> {
    checkSql(sql);
    return this.withSession(sql, async (connection) => {
      const { statement } = await this.run(connection, { sqlText: sql, binds: binds as Bind[] | undefined });
      return { rowCount: rowCountOf(statement), queryId: statement.getQueryId() };
    });
  }

  /** Runs one statement once for many rows of binds (array binding): one request, one query id. */
  async executeMany(sql: string, rows: readonly (readonly Bind[])[]): Promise<ExecuteResult> {
    checkSql(sql);
    if (!Array.isArray(rows) || rows.length === 0) {
      throw new SnowflakeConnectorError('INVALID_ARGUMENT', 'executeMany needs at least one row of binds: pass an array of arrays, one per row');
    }
    const width = Array.isArray(rows[0]) ? rows[0].length : -1;
    const bad = rows.findIndex((row) => !Array.isArray(row) || row.length !== width || width === 0);
    if (bad >= 0) {
      throw new SnowflakeConnectorError('INVALID_ARGUMENT', `executeMany: row ${bad} has ${Array.isArray(rows[bad]) ? rows[bad].length : 'no'} values, `
        + `and row 0 has ${width}. Every row must bind the same non-zero number of values`);
    }
    return this.withSession(sql, async (connection) => {
      const { statement } = await this.run(connection, { sqlText: sql, binds: rows as unknown as Bind[][] });
      return { rowCount: rowCountOf(statement), queryId: statement.getQueryId() };
    });
  }

  /** Runs a query and returns all its rows. */
  async fetchAll(sql: string, binds?: readonly Bind[]): Promise<Row[]> {
    checkSql(sql);
    return this.withSession(sql, async (connection) => {
      const { rows } = await this.run(connection, { sqlText: sql, binds: binds as Bind[] | undefined });
      return (rows ?? []) as Row[];
    });
  }

  /**
   * Runs a statement and returns its query id, its row count and its first `maxRows` rows (all
   * rows without it), streaming: rows past `maxRows` are never fetched. Also the result's columns.
   */
  async query(sql: string, binds?: readonly Bind[], options: QueryOptions = {}): Promise<QueryResult> {
    checkSql(sql);
    const maxRows = options.maxRows;
    if (maxRows !== undefined && !(Number.isInteger(maxRows) && maxRows >= 1)) {
      throw new SnowflakeConnectorError('INVALID_ARGUMENT', `query: maxRows must be a positive integer, not ${JSON.stringify(maxRows)}`);
    }
    return this.withSession(sql, async (connection) => {
      const { statement } = await this.run(connection, { sqlText: sql, binds: binds as Bind[] | undefined, streamResult: true });
      const total = statement.getNumRows();
      const rows: Row[] = [];
      if (total > 0) {
        const end = maxRows === undefined ? total - 1 : Math.min(total, maxRows) - 1;
        const stream = statement.streamRows({ start: 0, end, ...(options.fetchAsString ? { fetchAsString: [...options.fetchAsString] } : {}) });
        for await (const row of stream as AsyncIterable<Row>) rows.push(row);
      }
      const columns = columnsOf(statement);
      return { queryId: statement.getQueryId(), rowCount: rowCountOf(statement), rows, truncated: rows.length < total, columns };
    });
  }

  /** Runs a query and returns its first row, or undefined when it returns none. */
  async fetchOne(sql: string, binds?: readonly Bind[]): Promise<Row | undefined> {
    checkSql(sql);
    return this.withSession(sql, async (connection) => {
      const { statement } = await this.run(connection, { sqlText: sql, binds: binds as Bind[] | undefined, streamResult: true });
      if (statement.getNumRows() === 0) return undefined;
      for await (const row of statement.streamRows({ start: 0, end: 0 }) as AsyncIterable<Row>) {
        return row;
      }
      return undefined;
    });
  }

  /**
   * Runs a query and yields its rows in pages of `size`, streaming: only one page (and the
   * driver's current result chunk) is held in memory at a time.
   */
  async *fetchMany(sql: string, options: FetchManyOptions): AsyncGenerator<Row[], void, undefined> {
    checkSql(sql);
    const size = options?.size;
    if (!Number.isInteger(size) || size < 1) {
      throw new SnowflakeConnectorError('INVALID_ARGUMENT', `fetchMany: size must be a positive integer (rows per page), not ${JSON.stringify(size)}`);
    }
    const { statement } = await this.withSession(sql, async (connection) =>
      this.run(connection, { sqlText: sql, binds: options.binds as Bind[] | undefined, streamResult: true }));
    const stream: Readable = statement.streamRows();
    let page: Row[] = [];
    try {
      for await (const row of stream as AsyncIterable<Row>) {
        page.push(row);
        if (page.length === size) {
          yield page;
          page = [];
        }
      }
    } catch (error) {
      throw queryError(error, statement.getQueryId());
    } finally {
      stream.destroy();
    }
    if (page.length > 0) yield page;
  }

  /**
   * Submits a statement to run asynchronously in Snowflake, polls its status, and returns its
   * rows when it finishes. For statements that run longer than one HTTP request should wait.
   */
  async executeAsync(sql: string, binds?: readonly Bind[], options: AsyncOptions = {}): Promise<AsyncResult> {
    checkSql(sql);
    const pollIntervalMs = options.pollIntervalMs ?? 1_000;
    const timeoutMs = options.timeoutMs ?? 600_000;
    return this.withSession(sql, async (connection) => {
      const { statement } = await this.run(connection, { sqlText: sql, binds: binds as Bind[] | undefined, asyncExec: true });
      const queryId = statement.getQueryId();
      const started = Date.now();
      for (;;) {
        const status = await connection.getQueryStatus(queryId);
        if (!connection.isStillRunning(status as never)) break;
        if (Date.now() - started > timeoutMs) {
          await this.run(connection, { sqlText: 'SELECT SYSTEM$CANCEL_QUERY(?)', binds: [queryId] }).catch(() => undefined);
          throw new QueryError('ASYNC_TIMEOUT', `Statement ${queryId} was still ${status} after ${timeoutMs} ms, so it was cancelled. `
            + 'Raise executeAsync\'s timeoutMs, or make the statement faster (a bigger warehouse, a narrower query)', { queryId });
        }
        await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
      }
      try {
        await connection.getQueryStatusThrowIfError(queryId);
        const result = await connection.getResultsFromQueryId({ queryId, streamResult: true });
        const rows: Row[] = [];
        for await (const row of result.streamRows() as AsyncIterable<Row>) rows.push(row);
        return { queryId, rows, rowCount: rowCountOf(result, rows.length) };
      } catch (error) {
        throw queryError(error, queryId);
      }
    });
  }

  /** Closes the connection (the next call connects again). Lambda never needs this. */
  async close(): Promise<void> {
    await this.session.close();
  }

  // ---------------------------------------------------------------------------------------------

  /** Runs `work` on a live session (see session.ts): a statement whose session expired runs once more after a new login. */
  private withSession<T>(sql: string, work: (connection: DriverConnection) => Promise<T>): Promise<T> {
    return this.session.withSession(sql, work);
  }

  /** Runs one statement on the driver, bounded by the statement deadline. */
  private run(connection: DriverConnection, options: {
    sqlText: string;
    binds?: Bind[] | Bind[][];
    streamResult?: boolean;
    asyncExec?: boolean;
  }): Promise<{ statement: StatementLike; rows?: unknown[] }> {
    const deadlineMs = this.options.statementDeadlineMs ?? 840_000;
    const timeoutSeconds = this.options.statementTimeoutSeconds;
    return new Promise((resolve, reject) => {
      let settled = false;
      const submitted = Date.now();
      const statement = connection.execute({
        sqlText: options.sqlText,
        ...(options.binds ? { binds: options.binds } : {}),
        ...(options.streamResult ? { streamResult: true } : {}),
        ...(options.asyncExec ? { asyncExec: true } : {}),
        // One id for every HTTP attempt the driver makes: Snowflake runs the statement once.
        requestId: randomUUID(),
        ...(timeoutSeconds !== undefined ? { parameters: { STATEMENT_TIMEOUT_IN_SECONDS: timeoutSeconds } } : {}),
        complete: (error, stmt, rows) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          putMetric('QueryMs', Date.now() - submitted);
          if (error) reject(error);
          else resolve({ statement: stmt as unknown as StatementLike, rows });
        },
      });
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        try {
          statement.cancel(() => undefined);
        } catch { /* best effort */ }
        reject(new TransientError('DEADLINE_EXCEEDED', `Statement ${summary(options.sqlText)} did not finish within ${deadlineMs} ms `
          + '(Snowflake was slow or unreachable, and the driver kept retrying), so it was cancelled. Check Snowflake\'s status and the '
          + 'network path; for statements that really run this long, use executeAsync'));
      }, deadlineMs);
      timer.unref?.();
    });
  }
}

interface StatementLike {
  getQueryId(): string;
  getNumRows(): number;
  getNumUpdatedRows(): number | undefined;
  streamRows(options?: { start?: number; end?: number; fetchAsString?: string[] }): Readable;
  getColumns(): DriverColumn[] | undefined;
  cancel(callback?: () => void): void;
}

interface DriverColumn {
  getName(): string;
  getType(): string;
  getScale(): number | undefined | null;
  getPrecision(): number | undefined | null;
  isNullable(): boolean;
}

function columnsOf(statement: StatementLike): ColumnMetadata[] {
  return (statement.getColumns() ?? []).map((c) => ({
    name: c.getName(),
    type: c.getType(),
    scale: typeof c.getScale() === 'number' ? c.getScale() as number : null,
    precision: typeof c.getPrecision() === 'number' ? c.getPrecision() as number : null,
    nullable: c.isNullable() !== false,
  }));
}

function rowCountOf(statement: StatementLike, fallback?: number): number {
  // Not DML: the driver says -1 (or undefined); the rows returned are the count.
  const updated = statement.getNumUpdatedRows();
  if (typeof updated === 'number' && updated >= 0) return updated;
  const rows = statement.getNumRows();
  return typeof rows === 'number' && !Number.isNaN(rows) ? rows : fallback ?? 0;
}

function checkSql(sql: string): void {
  if (typeof sql !== 'string' || sql.trim().length === 0) {
    throw new SnowflakeConnectorError('INVALID_ARGUMENT', `The SQL text must be a non-empty string, not ${sql === '' ? 'an empty string' : typeof sql}`);
  }
}
