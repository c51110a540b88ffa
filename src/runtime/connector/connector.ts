/**
 * The connector: one Snowflake connection per warm Lambda instance, made from the secret,
 * checked before use, rebuilt when its session is gone, and rotation-aware.
 *
 * - The secret is read once (SecretReader caches the first good read). A failed read or a
 *   failed login is never kept: the next call tries again.
 * - When Snowflake rejects the login (JWT or password), the secret's AWSCURRENT is read again,
 *   bypassing the cache. If it holds another key (a rotation happened), the connector logs in
 *   once more with it; otherwise, or if that fails too, it throws an AuthenticationError.
 * - Logins are retried on network failures, 5xx and 429 with bounded exponential backoff and full
 *   jitter. Statements are not retried by the connector: the driver already repeats a request that
 *   fails at the HTTP level under the same request id (so Snowflake runs it once), and the
 *   connector bounds that with a deadline. SQL errors are never retried.
 */
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Credentials, SecretReader, SecretReaderOptions } from './credentials';
import {
  AUTH_REJECTED_CODES,
  connectionOptions,
  DriverConnection,
  driverCode,
  driverHttpStatus,
  isTransientDriverError,
  loadDriver,
  networkCode,
  ROLE_NOT_GRANTED_CODES,
  SESSION_GONE_CODES,
} from './driver';
import { putMetric } from './metrics';
import { DEFAULT_RETRY_POLICY, RetryEnvironment, RetryPolicy, withRetry } from './retry';
import { accountHostname, quoteIdentifier, sessionIdentifier } from '../../shared/snowflake-identifiers';
import { describeUserSql } from '../../shared/snowflake-sql';
import { AuthenticationError, QueryError, SnowflakeConnectorError, TransientError } from '../shared/errors';
import { log } from '../shared/log';
import { errorMessage, redact } from '../shared/redact';

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

export interface ConnectorOptions {
  /** The secret's ARN (preferred: its region is used) or name. */
  readonly secretId: string;
  /**
   * Send Snowflake requests to this URL instead of `https://<host>` or the account URL: a proxy,
   * or a local endpoint in tests. The JWT still names the account from the secret.
   * @default - the secret's `host`, else the account URL
   */
  readonly endpointUrl?: string;
  /**
   * Connect to this host instead of the secret's `host` or the account URL: the PrivateLink
   * account host. The JWT still names the account from the secret.
   * @default - the secret's `host`, else the account URL
   */
  readonly host?: string;
  /** Retries of logins and Secrets Manager reads. @default DEFAULT_RETRY_POLICY */
  readonly retryPolicy?: RetryPolicy;
  /** For tests: the clock, sleep and randomness of the retries. */
  readonly retryEnvironment?: RetryEnvironment;
  /** Abandon one HTTP request to Snowflake after this long. @default 60000 */
  readonly requestTimeoutMs?: number;
  /**
   * Check the connection with a heartbeat before using it when it has been idle this long;
   * 0 checks before every call.
   * @default 60000
   */
  readonly validateAfterIdleMs?: number;
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
  /** Reported to Snowflake as the client application. @default 'cdk-snowflake-keypair' */
  readonly application?: string;
}

interface Live {
  readonly connection: DriverConnection;
  readonly credentials: Credentials;
  lastUsed: number;
}

/** Counts for metrics and tests. */
export interface ConnectorStats {
  secretReads: number;
  logins: number;
  loginFailures: number;
  reconnects: number;
}

const SQL_TIMEOUT_CODE = '000630';

/** Connects with the secret's key pair and runs SQL. One instance per warm Lambda instance. */
export class SnowflakeConnector {
  public readonly reader: SecretReader;
  private readonly stats_ = { logins: 0, loginFailures: 0, reconnects: 0 };
  private live: Live | undefined;
  private connecting: Promise<Live> | undefined;

  constructor(private readonly options: ConnectorOptions) {
    this.reader = new SecretReader(options.secretId, {
      ...options.secretReader,
      retryPolicy: options.retryPolicy,
      retryEnvironment: options.retryEnvironment,
    });
  }

  get stats(): ConnectorStats {
    return { secretReads: this.reader.reads, ...this.stats_ };
  }

  /**
   * A connected driver connection, for what the methods below do not cover. Do not destroy it:
   * the connector reuses it across invocations.
   */
  async getConnection(): Promise<DriverConnection> {
    return (await this.acquire()).connection;
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
   * rows without it), streaming: rows past `maxRows` are never fetched.
   */
  async query(sql: string, binds?: readonly Bind[], options: { maxRows?: number } = {}): Promise<QueryResult> {
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
        for await (const row of statement.streamRows({ start: 0, end }) as AsyncIterable<Row>) rows.push(row);
      }
      return { queryId: statement.getQueryId(), rowCount: rowCountOf(statement), rows, truncated: rows.length < total };
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
      throw this.queryError(error, statement.getQueryId());
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
            + 'Raise executeAsync\'s timeoutMs, or make the statement faster (a bigger warehouse, a narrower query)', undefined, undefined, queryId);
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
        throw this.queryError(error, queryId);
      }
    });
  }

  /** Closes the connection (the next call connects again). Lambda never needs this. */
  async close(): Promise<void> {
    const live = this.live;
    this.live = undefined;
    if (live) await destroy(live.connection);
  }

  // ---------------------------------------------------------------------------------------------

  /** Runs `work` on a live session; if Snowflake says the session is gone, logs in again and runs it once more. */
  private async withSession<T>(sql: string, work: (connection: DriverConnection) => Promise<T>): Promise<T> {
    const live = await this.acquire();
    try {
      return await this.useSession(live, work);
    } catch (error) {
      const code = driverCode(error);
      if (!(code && SESSION_GONE_CODES.has(code))) throw error instanceof SnowflakeConnectorError ? error : this.queryError(error);
      // The session expired between the check and the statement: it never ran, so run it again.
      log('INFO', 'The Snowflake session has expired; logging in again', { code, statement: summary(sql) });
      this.drop(live);
      this.countReconnect();
      const again = await this.acquire();
      return this.useSession(again, work).catch((retryError) => {
        throw retryError instanceof SnowflakeConnectorError ? retryError : this.queryError(retryError);
      });
    }
  }

  private async useSession<T>(live: Live, work: (connection: DriverConnection) => Promise<T>): Promise<T> {
    const result = await work(live.connection);
    live.lastUsed = Date.now();
    return result;
  }

  /** The live connection: checked when idle, rebuilt when gone. Concurrent callers share one login. */
  private async acquire(): Promise<Live> {
    const live = this.live;
    if (live) {
      const idle = Date.now() - live.lastUsed;
      const threshold = this.options.validateAfterIdleMs ?? 60_000;
      if (live.connection.isUp() && (idle < threshold || await live.connection.isValidAsync())) {
        return live;
      }
      log('INFO', 'The Snowflake connection is no longer valid; logging in again', { idleMs: idle });
      this.drop(live);
      this.countReconnect();
    }
    if (!this.connecting) {
      const connecting = this.connect();
      this.connecting = connecting;
      // Whatever the outcome, the next caller decides afresh: a failed login is not kept.
      connecting.then((made) => { this.live = made; }, () => undefined).finally(() => {
        if (this.connecting === connecting) this.connecting = undefined;
      });
    }
    return this.connecting;
  }

  private countReconnect(): void {
    this.stats_.reconnects++;
    putMetric('Reconnects', 1);
  }

  private drop(live: Live): void {
    if (this.live === live) this.live = undefined;
    void destroy(live.connection);
  }

  private async connect(): Promise<Live> {
    const credentials = await this.reader.get();
    try {
      return await this.login(credentials);
    } catch (error) {
      if (!(error instanceof RejectedLogin)) throw error;
      // The key may have been rotated since this instance read it: read AWSCURRENT again.
      const fresh = await this.reader.refresh();
      if (sameAuthentication(fresh, credentials)) {
        throw new AuthenticationError('AUTH_REJECTED', `${error.detail} The secret was read again and still holds the same `
          + `${fresh.authentication.kind === 'keyPair' ? 'key' : 'password'}, so this is not a rotation in progress`, error.snowflakeCode);
      }
      log('INFO', 'Snowflake rejected the login, and the secret now holds other credentials (a rotation); logging in with them', {
        versionId: fresh.versionId,
        ...(fresh.authentication.kind === 'keyPair' ? { publicKeyFingerprint: fresh.authentication.fingerprint } : {}),
      });
      this.countReconnect();
      return this.login(fresh);
    }
  }

  private async login(credentials: Credentials): Promise<Live> {
    const sdk = loadDriver();
    const options = connectionOptions(credentials, {
      endpointUrl: this.options.endpointUrl,
      host: this.options.host,
      requestTimeoutMs: this.options.requestTimeoutMs ?? 60_000,
      application: this.options.application ?? 'cdk-snowflake-keypair',
    });
    const started = Date.now();
    const connection = await withRetry(
      async () => {
        const attempt = sdk.createConnection(options);
        try {
          // Not connectAsync(): in snowflake-sdk 3.3 its promise resolves even when the login
          // fails (the error reaches only its callback).
          await new Promise<void>((resolve, reject) => {
            attempt.connect((error) => (error ? reject(error) : resolve()));
          });
          return attempt;
        } catch (error) {
          this.stats_.loginFailures++;
          throw error;
        }
      },
      isTransientDriverError,
      {
        policy: this.options.retryPolicy ?? DEFAULT_RETRY_POLICY,
        env: this.options.retryEnvironment,
        onRetry: ({ attempt, delayMs, error }) => log('WARN', 'Snowflake login failed; retrying', {
          attempt, delayMs, cause: describeDriverError(error),
        }),
        onGiveUp: (error, attempts) => this.loginError(error, credentials, attempts),
      },
    ).catch((error) => {
      throw error instanceof SnowflakeConnectorError ? error : this.loginError(error, credentials, 1);
    });
    this.stats_.logins++;
    putMetric('ConnectMs', Date.now() - started);
    log('INFO', 'Connected to Snowflake', {
      account: credentials.settings.account,
      user: credentials.settings.user,
      ...(credentials.authentication.kind === 'keyPair' ? { publicKeyFingerprint: credentials.authentication.fingerprint } : {}),
      ms: Date.now() - started,
    });
    return { connection, credentials, lastUsed: Date.now() };
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

  /** A driver error from running SQL, as a typed error. */
  private queryError(error: unknown, queryId?: string): SnowflakeConnectorError {
    if (error instanceof SnowflakeConnectorError) return error;
    const code = driverCode(error);
    const e = error as { message?: string; sqlState?: string; data?: { queryId?: string } };
    const id = queryId ?? e.data?.queryId;
    const snowflakeMessage = errorMessage(e.message ?? String(error)).replace(/^[A-Za-z]*Error: /, '');
    if (isTransientDriverError(error)) {
      return new TransientError('SNOWFLAKE_UNAVAILABLE', `Snowflake could not be reached while running a statement (${describeDriverError(error)}). `
        + 'It was retried by the driver under one request id. Check Snowflake\'s status and the network path (NAT, PrivateLink endpoint, '
        + 'security groups allowing 443)', { cause: error });
    }
    if (code && SESSION_GONE_CODES.has(code)) {
      return new TransientError('SNOWFLAKE_UNAVAILABLE', `Snowflake ended the session again right after a new login (${code}). `
        + 'Check Snowflake\'s status; if it persists, check the user\'s session policy', { cause: error });
    }
    if (code === SQL_TIMEOUT_CODE) {
      return new QueryError('STATEMENT_TIMEOUT', `Snowflake cancelled statement ${id ?? ''} when it reached its statement timeout: ${snowflakeMessage} `
        + 'Raise STATEMENT_TIMEOUT_IN_SECONDS (the connector\'s statementTimeoutSeconds, or on the user or warehouse), or run it '
        + 'with executeAsync', code, e.sqlState, id, { cause: error });
    }
    if (code && /^\d{6}$/.test(code) && !code.startsWith('4')) {
      return new QueryError('SQL_ERROR', `Snowflake rejected the statement (${code}${e.sqlState ? `, SQLSTATE ${e.sqlState}` : ''}`
        + `${id ? `, query ${id}` : ''}): ${snowflakeMessage} Fix the statement; SQL errors are not retried`, code, e.sqlState, id, { cause: error });
    }
    return new SnowflakeConnectorError('INVALID_ARGUMENT', `The driver refused the statement (${code ?? 'no code'}): ${snowflakeMessage}`, { cause: error });
  }

  /** A failed login as a typed error naming the cause and the fix. */
  private loginError(error: unknown, credentials: Credentials, attempts: number): SnowflakeConnectorError {
    if (error instanceof SnowflakeConnectorError) return error;
    const s = credentials.settings;
    const auth = credentials.authentication;
    const code = driverCode(error);
    const text = errorMessage((error as Error)?.message ?? String(error)).replace(/^[A-Za-z]*Error: /, '');
    const host = this.options.host ?? s.host;
    const where = this.options.endpointUrl ?? `https://${host ?? accountHostname(s.account)}`;
    if (isTransientDriverError(error)) {
      return new TransientError('SNOWFLAKE_UNAVAILABLE', `Snowflake (${where}) did not accept a login after ${attempts} attempt(s) `
        + `(last: ${describeDriverError(error)}). Check Snowflake's status page and the network path: NAT or the PrivateLink endpoint, `
        + 'DNS, and security groups allowing 443', { cause: error });
    }
    if (networkCode(error) === 'ENOTFOUND' || driverHttpStatus(error) === 403 || driverHttpStatus(error) === 404) {
      return new AuthenticationError('AUTH_ACCOUNT_NOT_FOUND', `Snowflake account "${s.account}" was not found at ${where} `
        + `(${describeDriverError(error)}). Fix "account" in the secret: \`orgname-accountname\`, as SELECT CURRENT_ORGANIZATION_NAME() || '-' || `
        + 'CURRENT_ACCOUNT_NAME() shows it; with PrivateLink, check "host" and the private DNS records', code, { cause: error });
    }
    if (code && AUTH_REJECTED_CODES.has(code)) {
      const detail = auth.kind === 'keyPair'
        ? `Snowflake rejected the key-pair login of user "${s.user}" in account "${s.account}" (${code}: ${text}). `
          + `The secret's key has fingerprint ${auth.fingerprint}: run ${describeUserSql(s.user)} and compare RSA_PUBLIC_KEY_FP and `
          + 'RSA_PUBLIC_KEY_2_FP. If neither matches, register the public key (ALTER USER ... SET RSA_PUBLIC_KEY, see the '
          + 'secret\'s alterUserSql); if the user or account is wrong, fix "user" or "account" in the secret.'
        : `Snowflake rejected the password login of user "${s.user}" in account "${s.account}" (${code}: ${text}). Check the password, `
          + 'or better, move the user to key-pair authentication.';
      return new RejectedLogin(detail, code, error);
    }
    if (code && ROLE_NOT_GRANTED_CODES.has(code) && s.role) {
      // A role that exists but was not granted to the user, or does not exist: Snowflake refuses the
      // login rather than fall back (docs: CREATE USER, "setting DEFAULT_ROLE does not grant the role").
      return new AuthenticationError('AUTH_SESSION_SETTING', `Snowflake accepted the credentials of user "${s.user}" but refused the role `
        + `${sessionIdentifier(s.role)} (${code}: ${text}). Grant it (GRANT ROLE ${quoteIdentifier(s.role)} TO USER ${quoteIdentifier(s.user)}), `
        + 'or fix "role" in the secret: a case-sensitive name is written in double quotes (docs/secret-format.md)', code, { cause: error });
    }
    if (code && /^390\d{3}$/.test(code)) {
      return new AuthenticationError('AUTH_SESSION_SETTING', `Snowflake accepted the credentials of user "${s.user}" but refused the session `
        + `(${code}: ${text}). Check "role", "warehouse", "database" and "schema" in the secret exist and are granted to the user`, code, { cause: error });
    }
    return new AuthenticationError('AUTH_REJECTED', `Logging in to Snowflake as "${s.user}" failed (${describeDriverError(error)}: ${text})`, code, { cause: error });
  }
}

/** An AuthenticationError that remembers its message without the code, so it can be extended. */
class RejectedLogin extends AuthenticationError {
  constructor(public readonly detail: string, snowflakeCode: string, cause: unknown) {
    super('AUTH_REJECTED', detail, snowflakeCode, { cause });
    this.name = 'AuthenticationError';
  }
}

interface StatementLike {
  getQueryId(): string;
  getNumRows(): number;
  getNumUpdatedRows(): number | undefined;
  streamRows(options?: { start?: number; end?: number }): Readable;
  cancel(callback?: () => void): void;
}

function rowCountOf(statement: StatementLike, fallback?: number): number {
  // Not DML: the driver says -1 (or undefined); the rows returned are the count.
  const updated = statement.getNumUpdatedRows();
  if (typeof updated === 'number' && updated >= 0) return updated;
  const rows = statement.getNumRows();
  return typeof rows === 'number' && !Number.isNaN(rows) ? rows : fallback ?? 0;
}

function sameAuthentication(a: Credentials, b: Credentials): boolean {
  const x = a.authentication;
  const y = b.authentication;
  if (x.kind === 'keyPair' && y.kind === 'keyPair') return x.fingerprint === y.fingerprint;
  if (x.kind === 'password' && y.kind === 'password') return x.password === y.password;
  return false;
}

function checkSql(sql: string): void {
  if (typeof sql !== 'string' || sql.trim().length === 0) {
    throw new SnowflakeConnectorError('INVALID_ARGUMENT', `The SQL text must be a non-empty string, not ${sql === '' ? 'an empty string' : typeof sql}`);
  }
}

/** The first words of a statement, for logs (binds never appear: they are not in the text). */
function summary(sql: string): string {
  const oneLine = redact(sql.replace(/\s+/g, ' ').trim());
  return JSON.stringify(oneLine.length > 60 ? `${oneLine.slice(0, 57)}...` : oneLine);
}

/** A driver error in a few words: its code, HTTP status or network code. */
function describeDriverError(error: unknown): string {
  const parts = [driverCode(error), driverHttpStatus(error) ? `HTTP ${driverHttpStatus(error)}` : undefined, networkCode(error)].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : (error as Error)?.name ?? 'unknown error';
}

async function destroy(connection: DriverConnection): Promise<void> {
  if (!connection.isUp()) return;
  await new Promise<void>((resolve) => {
    try {
      connection.destroy(() => resolve());
    } catch {
      resolve();
    }
  });
}
