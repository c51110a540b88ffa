/**
 * A client of Snowflake's SQL API v2 with Node's own `node:https` (../shared/https.ts, not `fetch`) and `node:crypto`: no driver, no
 * login, no session. A statement (or several, with MULTI_STATEMENT_COUNT) is one
 * `POST /api/v2/statements`, signed with the key-pair JWT of jwt.ts.
 *
 * Sources (the research in /work/research/sql-api.md quotes them; tags as in
 * packages/local-snowflake/src/sql-api.ts):
 * - REF  https://docs.snowflake.com/en/developer-guide/sql-api/reference
 * - SUB  https://docs.snowflake.com/en/developer-guide/sql-api/submitting-requests
 * - RESP https://docs.snowflake.com/en/developer-guide/sql-api/handling-responses
 * - AUTH https://docs.snowflake.com/en/developer-guide/sql-api/authenticating
 * - MULTI https://docs.snowflake.com/en/developer-guide/sql-api/submitting-multiple-statements
 * - SPEC Snowflake's OpenAPI spec, snowflakedb/snowflake-rest-api-specs specifications/sqlapi.yaml
 *
 * What it guarantees:
 * - a statement runs once: every POST carries a `requestId`; a resend after a network error, a
 *   reset connection, a 5xx or a 429 carries the same one with `retry=true`, bounded by the retry
 *   policy (the connector's backoff, retry.ts) and the statement's deadline;
 * - a rejected JWT (401) re-reads the secret once (a rotation may have changed the key) and signs
 *   again; the same key, or a second refusal, is an AuthenticationError;
 * - 202 (still running, even on a synchronous POST) is polled at `statementStatusUrl` within the
 *   statement deadline, and the statement is cancelled when the deadline passes;
 * - every partition is read (partition 0 with the answer, 1..n-1 by GET), counted from
 *   `partitionInfo`, and no more than `maxRows` needs;
 * - errors are the connector's typed errors with the driver path's codes (driver-errors.ts), and
 *   their messages pass the one redaction point; the JWT, the key and bind values never appear.
 */
import { randomUUID } from 'node:crypto';
import { JwtSigner } from './jwt';
import { ColumnType, Row, rowsOf, ValueFormatError } from './values';
import { endpointUrlProblem } from '../../shared/environment';
import { accountHostname, resolvedName } from '../../shared/snowflake-identifiers';
import type { Credentials, CredentialSource } from '../connector/credentials';
import { loginError, queryError, ROLE_NOT_GRANTED_CODES, RejectedLogin, summary } from '../connector/driver-errors';
import { putMetric } from '../connector/metrics';
import { backoffDelay, DEFAULT_RETRY_POLICY, REAL_TIME, RetryEnvironment, RetryPolicy } from '../connector/retry';
import { AuthenticationError, ConfigurationError, QueryError, SnowflakeConnectorError, TransientError } from '../shared/errors';
import { httpsRequest } from '../shared/https';
import { log } from '../shared/log';

/** A value bound to a `?` placeholder (the connector's Bind). */
export type Bind = string | number | boolean | null;

/** What to return of a statement's rows (the executor's fetch modes). */
export type FetchMode = { readonly kind: 'all' } | { readonly kind: 'none' } | { readonly kind: 'max'; readonly maxRows: number };

/** One statement's result, in the shape the executor returns on the driver path (sql-executor/index.ts). */
export interface StatementResult {
  /** Snowflake's query id (the SQL API's statementHandle). */
  readonly queryId: string;
  /** Rows inserted, updated or deleted by DML; rows returned by a query. */
  readonly rowCount: number;
  /** The rows (absent with fetch `none`). */
  readonly rows?: Row[];
  /** With fetch `{ maxRows }`: true when the result had more rows. */
  readonly truncated?: boolean;
}

/** How often a running statement is polled: the cap doubles from `baseDelayMs` up to `maxDelayMs`. */
export interface PollPolicy {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_POLL_POLICY: PollPolicy = { baseDelayMs: 500, maxDelayMs: 5_000 };

/** Set by the bundler (esbuild `--define`) to the library's version; absent in tests. */
declare const CDK_SNOWFLAKE_KEYPAIR_VERSION: string | undefined;

/** `cdk-snowflake-keypair/<version>`: REF and SPEC:678-688 require a User-Agent (RFC 7231 product/version). */
export const USER_AGENT = `cdk-snowflake-keypair/${typeof CDK_SNOWFLAKE_KEYPAIR_VERSION === 'string' ? CDK_SNOWFLAKE_KEYPAIR_VERSION : '0.0.0'}`;

export interface SqlApiClientOptions {
  /** The key-pair secret (the connector's SecretReader): read once, and again after a rejected JWT. */
  readonly credentials: CredentialSource;
  /**
   * Send requests to this URL instead of `https://<host>` (a proxy, or a local endpoint in tests):
   * https, or http to a loopback address only (endpointUrlProblem). The JWT still names the account.
   * @default - the host below
   */
  readonly endpointUrl?: string;
  /**
   * Send requests to this host instead of the secret's `host` or the account's host: the
   * PrivateLink account host. The JWT still names the account.
   * @default - the secret's `host`, else `accountHostname(account)`
   */
  readonly host?: string;
  /** The body's `timeout` (seconds; 0: Snowflake's maximum). @default - the user's STATEMENT_TIMEOUT_IN_SECONDS */
  readonly statementTimeoutSeconds?: number;
  /** Give up on a statement (resends and polls included) after this long, and cancel it. @default 840000 */
  readonly statementDeadlineMs?: number;
  /** Abandon one HTTP request after this long (it counts as a network failure). @default 60000 */
  readonly requestTimeoutMs?: number;
  /** Resends after network failures, 5xx and 429. @default DEFAULT_RETRY_POLICY */
  readonly retryPolicy?: RetryPolicy;
  /** Polls of a running statement. @default DEFAULT_POLL_POLICY */
  readonly pollPolicy?: PollPolicy;
  /** The clock, sleep and randomness of resends and polls (tests inject them). @default REAL_TIME */
  readonly env?: RetryEnvironment;
  /** @default USER_AGENT */
  readonly userAgent?: string;
  /** For tests: the request ids. @default randomUUID */
  readonly newRequestId?: () => string;
}

/** Counts for tests and metrics. */
export interface SqlApiStats {
  requests: number;
  resends: number;
  polls: number;
  partitionFetches: number;
  cancels: number;
  secretRereads: number;
  jwtSignings: number;
}

/** An HTTP answer, JSON parsed when there is a body. */
interface Answer {
  readonly status: number;
  readonly body: Record<string, any>;
}

/** The bindings' wire form: `{"1": {"type": "FIXED", "value": "1"}}` (SUB "Using bind variables"). */
type Bindings = Record<string, { type: string; value: string }>;

interface Context {
  readonly sql: string;
  readonly requestId: string;
  readonly deadline: number;
  readonly bindValues: readonly string[];
  /** Whether the secret was re-read for this statement already (once per statement). */
  reread: boolean;
}

const RESENT_ONCE = 'Each resend carried the same request id with retry=true, so Snowflake ran it at most once. ';

/** Snowflake's codes for a refused key-pair JWT (the login's 390144 and its kin, driver-errors.ts). */
const JWT_REFUSED = /^390\d{3}$/;

/** The SQL API client: one per warm Lambda instance. */
export class SqlApiClient {
  private readonly env: RetryEnvironment;
  /** The signer in use; signings of the ones before it are in stats_. */
  private current: JwtSigner | undefined;
  private readonly stats_: SqlApiStats = { requests: 0, resends: 0, polls: 0, partitionFetches: 0, cancels: 0, secretRereads: 0, jwtSignings: 0 };
  private identity: Promise<{ credentials: Credentials; signer: JwtSigner; base: string }> | undefined;

  constructor(private readonly options: SqlApiClientOptions) {
    this.env = options.env ?? REAL_TIME;
    const problem = options.endpointUrl ? endpointUrlProblem(options.endpointUrl) : undefined;
    if (problem) {
      throw new ConfigurationError('CONFIG_INVALID', `The SQL API endpoint URL ${JSON.stringify(options.endpointUrl!.replace(/\/\/[^/@]*@/, '//***@'))} `
        + `cannot be used: ${problem}. The JWT and every statement go to it`);
    }
  }

  get stats(): SqlApiStats {
    const signer = this.current;
    return { ...this.stats_, jwtSignings: this.stats_.jwtSignings + (signer?.signed ?? 0) };
  }

  /** Runs one statement; `fetch` says which rows to return. */
  async statement(sql: string, binds: readonly Bind[] | undefined, fetch: FetchMode): Promise<StatementResult> {
    checkSql(sql);
    checkFetch(fetch);
    const bindings = bindingsOf(binds);
    const body: Record<string, unknown> = { statement: sql, ...(bindings ? { bindings } : {}) };
    const context = this.context(sql, bindings);
    const answer = await this.submit(body, context);
    return this.result(answer, fetch, context);
  }

  /**
   * Runs several `;`-separated statements in one request (MULTI: `MULTI_STATEMENT_COUNT` set to
   * their number, 0 for any), in order; returns one result per statement. Binds are refused:
   * "Snowflake does not currently support variable binding in multi-statement SQL requests" (SUB, MULTI).
   */
  async statements(sql: string, count: number, fetch: FetchMode): Promise<StatementResult[]> {
    checkSql(sql);
    checkFetch(fetch);
    if (!Number.isInteger(count) || count < 0) {
      throw new SnowflakeConnectorError('INVALID_ARGUMENT', `statements: count must be the number of statements (0 for any), not ${JSON.stringify(count)}`);
    }
    const context = this.context(sql, undefined);
    const answer = await this.submit({ statement: sql, parameters: { MULTI_STATEMENT_COUNT: String(count) } }, context);
    const handles: unknown = answer.body.statementHandles;
    if (!Array.isArray(handles)) return [await this.result(answer, fetch, context)];
    const results: StatementResult[] = [];
    for (const handle of handles as string[]) {
      const child = await this.poll(await this.get(`/api/v2/statements/${encodeURIComponent(handle)}`, context, 'status'), context, handle);
      results.push(await this.result(child, fetch, context));
    }
    return results;
  }

  // ---------------------------------------------------------------------------------------------
  // Submitting, resending, polling

  private context(sql: string, bindings: Bindings | undefined): Context {
    return {
      sql,
      requestId: (this.options.newRequestId ?? randomUUID)(),
      deadline: this.env.now() + (this.options.statementDeadlineMs ?? 840_000),
      bindValues: Object.values(bindings ?? {}).map((b) => b.value),
      reread: false,
    };
  }

  /** POSTs the statement (resending under the same requestId with retry=true) and polls it to its end. */
  private async submit(request: Record<string, unknown>, context: Context): Promise<Answer> {
    const { credentials } = await this.ready();
    const s = credentials.settings;
    // SUB: role, warehouse, database and schema "must match the case of the field returned by a
    // SQL SHOW command": the resolved names, not identifiers (`loader` → `LOADER`, `"Mixed"` → `Mixed`).
    const body = JSON.stringify({
      ...request,
      ...(this.options.statementTimeoutSeconds !== undefined ? { timeout: this.options.statementTimeoutSeconds } : {}),
      ...(s.role ? { role: resolvedName(s.role) } : {}),
      ...(s.warehouse ? { warehouse: resolvedName(s.warehouse) } : {}),
      ...(s.database ? { database: resolvedName(s.database) } : {}),
      ...(s.schema ? { schema: resolvedName(s.schema) } : {}),
    });
    const submitted = this.env.now();
    let first = true;
    try {
      const answer = await this.send(context, 'submit', () => {
        // SUB "Resubmitting a request": the same requestId, and retry=true on every resend.
        const query = `requestId=${encodeURIComponent(context.requestId)}${first ? '' : '&retry=true'}`;
        first = false;
        return { method: 'POST', path: `/api/v2/statements?${query}`, body };
      });
      const done = await this.poll(answer, context, answer.body.statementHandle);
      putMetric('QueryMs', this.env.now() - submitted);
      return done;
    } catch (error) {
      // As on the driver path (connector.ts `run`): a statement Snowflake ended with an error is measured too.
      if (error instanceof QueryError) putMetric('QueryMs', this.env.now() - submitted);
      throw error;
    }
  }

  /** Polls a 202 answer at its statementStatusUrl until it ends, within the deadline; cancels it when the deadline passes. */
  private async poll(answer: Answer, context: Context, handle: string | undefined): Promise<Answer> {
    let current = answer;
    let id = handle;
    const policy = this.options.pollPolicy ?? DEFAULT_POLL_POLICY;
    for (let n = 1; current.status === 202; n++) {
      id = current.body.statementHandle ?? id;
      const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1));
      const delay = Math.floor(cap / 2 + (this.env.random() * cap) / 2);
      if (this.env.now() + delay >= context.deadline) {
        if (id) await this.cancel(id, context);
        throw this.deadlineError(context, `it was still running (polled ${n - 1} time(s))`, id);
      }
      await this.env.sleep(delay);
      this.stats_.polls++;
      // RESP: statementStatusUrl is relative to the host.
      const url: string = current.body.statementStatusUrl ?? `/api/v2/statements/${encodeURIComponent(id ?? '')}`;
      current = await this.get(url, context, 'status');
    }
    return current;
  }

  /** POSTs the cancel URL (REF: `POST /api/v2/statements/{h}/cancel`); best effort. */
  private async cancel(handle: string, context: Context): Promise<void> {
    this.stats_.cancels++;
    try {
      // Its own request timeout: the statement's deadline has passed.
      const path = `/api/v2/statements/${encodeURIComponent(handle)}/cancel?requestId=${encodeURIComponent(randomUUID())}`;
      await this.fetch(context, 'POST', path, undefined, this.options.requestTimeoutMs ?? 60_000);
    } catch (error) {
      log('WARN', 'Cancelling a statement past its deadline failed', { queryId: handle, cause: describeFailure(error) });
    }
  }

  /** A GET (status or partition), repeated on transient failures (GETs are safe to repeat). */
  private get(path: string, context: Context, kind: 'status' | 'partition'): Promise<Answer> {
    return this.send(context, kind, () => ({ method: 'GET', path }));
  }

  /**
   * Sends one request, resending it on network failures, 5xx and 429 (REF: "You can retry exponential
   * backoff by setting the requestId and retry parameters"; 429, 503, 504: "Exponentially jittered
   * backoff is recommended"), within the retry policy and the deadline; after a 401, re-reads the
   * secret once and signs again. A 202 or 429 on a status GET means "still running" (RESP): polled.
   */
  private async send(context: Context, kind: 'submit' | 'status' | 'partition', make: () => { method: string; path: string; body?: string }): Promise<Answer> {
    const policy = this.options.retryPolicy ?? DEFAULT_RETRY_POLICY;
    const started = this.env.now();
    for (let failures = 0; ;) {
      const { method, path, body } = make();
      let answer: Answer | undefined;
      let failure: unknown;
      try {
        answer = await this.fetch(context, method, path, body);
        if ((answer.status === 200 || answer.status === 202) && kind !== 'partition' && typeof answer.body.statementHandle !== 'string') {
          // Not the SQL API's answer (a proxy's page?): as the driver's 401003 ERR_SF_RESPONSE_NOT_JSON, may pass.
          failure = new Error(`HTTP ${answer.status} without a statement handle`);
          answer = undefined;
        }
      } catch (error) {
        if (error instanceof SnowflakeConnectorError) throw error;
        // ENOTFOUND: the host does not exist (a wrong account); resending will not change that.
        if (isUnknownHost(error)) throw await this.loginStyleError({ message: describeFailure(error), cause: error });
        failure = error;
      }
      if (answer) {
        const { status } = answer;
        if (status === 200) return answer;
        if (status === 202) return kind === 'partition' ? this.poll(answer, context, undefined) : answer;
        if (status === 429 && kind === 'status') return { status: 202, body: { ...answer.body, statementStatusUrl: path } };
        if (status === 401 || (status === 422 && JWT_REFUSED.test(String(answer.body.code ?? '')) && !ROLE_NOT_GRANTED_CODES.has(String(answer.body.code)))) {
          await this.reauthenticate(answer, context);
          continue;
        }
        if (!(status === 429 || status >= 500)) throw await this.answerError(answer, context);
      }
      failures++;
      const delayMs = backoffDelay(policy, failures, this.env.random);
      const now = this.env.now();
      const cause = answer ? `HTTP ${answer.status}${answer.body.code ? ` ${answer.body.code}` : ''}` : describeFailure(failure);
      if (failures >= policy.maxAttempts || now - started + delayMs > policy.totalTimeMs || now + delayMs >= context.deadline) {
        throw new TransientError('SNOWFLAKE_UNAVAILABLE', `Snowflake (${this.base()}) did not answer statement ${summary(context.sql)} after `
          + `${failures} attempt(s) (last: ${cause}). ${kind === 'submit' ? RESENT_ONCE : ''}Check Snowflake's status and the network `
          + 'path (NAT, PrivateLink endpoint, security groups allowing 443)', { cause: failure });
      }
      this.stats_.resends++;
      log('WARN', 'Snowflake SQL API request failed; sending it again', { requestId: context.requestId, request: kind, attempt: failures, delayMs, cause });
      await this.env.sleep(delayMs);
    }
  }

  /** After a refused JWT: re-read the secret once; if it holds another key (a rotation), sign with it. */
  private async reauthenticate(answer: Answer, context: Context): Promise<void> {
    const { credentials } = await this.ready();
    const refused = loginError(pseudoError(answer, context), credentials, 1, { endpointUrl: this.options.endpointUrl, host: this.options.host });
    if (context.reread) throw refused;
    context.reread = true;
    this.stats_.secretRereads++;
    const fresh = await this.options.credentials.refresh();
    this.identity = undefined;
    const next = await this.ready();
    const before = credentials.authentication;
    const after = fresh.authentication;
    if (before.kind === 'keyPair' && after.kind === 'keyPair' && before.fingerprint === after.fingerprint) {
      const detail = refused instanceof RejectedLogin ? refused.detail : refused.message;
      throw new AuthenticationError('AUTH_REJECTED', `${detail} The secret was read again and still holds the same key, `
        + 'so this is not a rotation in progress', { snowflakeCode: (refused as AuthenticationError).snowflakeCode });
    }
    log('INFO', 'Snowflake refused the JWT, and the secret now holds another key (a rotation); signing with it', {
      versionId: next.credentials.versionId, publicKeyFingerprint: next.signer.fingerprint,
    });
  }

  /** One HTTP request with the headers REF requires on every operation. */
  private async fetch(context: Context, method: string, path: string, body?: string, timeoutMs?: number): Promise<Answer> {
    const { signer, base } = await this.ready();
    this.stats_.requests++;
    const response = await httpsRequest(new URL(path, base), {
      method,
      headers: {
        'Authorization': `Bearer ${signer.token()}`,
        // REF, AUTH: KEYPAIR_JWT; always sent (SPEC:708-718 says OAUTH is assumed without it).
        'X-Snowflake-Authorization-Token-Type': 'KEYPAIR_JWT',
        'Content-Type': 'application/json',
        'Accept': 'application/json',
        'User-Agent': this.options.userAgent ?? USER_AGENT,
      },
      ...(body !== undefined ? { body } : {}),
      signal: AbortSignal.timeout(timeoutMs ?? Math.max(1, Math.min(this.options.requestTimeoutMs ?? 60_000, context.deadline - this.env.now()))),
    });
    // httpsRequest undoes Content-Encoding: gzip (partitions 1..n-1, RESP).
    const text = response.text;
    let parsed: Record<string, any> = {};
    if (text.trim() !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = { message: `(not JSON: ${response.headers['content-type'] ?? 'no content type'})` };
      }
    }
    return { status: response.status, body: parsed ?? {} };
  }

  /** The credentials, the signer and the base URL, read once (a failed read is not kept). */
  private ready(): Promise<{ credentials: Credentials; signer: JwtSigner; base: string }> {
    if (!this.identity) {
      const making = this.options.credentials.get().then((credentials) => {
        const auth = credentials.authentication;
        if (auth.kind !== 'keyPair') {
          throw new ConfigurationError('CONFIG_INVALID', `The SQL API signs in with a key-pair JWT only, and ${auth.kind === 'password'
            ? `secret ${credentials.secretId ?? ''} holds a password` : 'this function signs in with its workload identity'}. `
            + 'Run the SQL executor on the driver, or store a key pair in the secret (SnowflakeKeyPairSecret)');
        }
        const s = credentials.settings;
        const base = sqlApiBaseUrl(s, this.options);
        if (this.current) this.stats_.jwtSignings += this.current.signed;
        const identity = { account: s.account, user: s.user, pkcs8Pem: auth.pkcs8Pem, fingerprint: auth.fingerprint, url: base };
        const signer = new JwtSigner(identity, this.env.now);
        this.current = signer;
        return { credentials, signer, base };
      });
      this.identity = making;
      making.catch(() => {
        if (this.identity === making) this.identity = undefined;
      });
    }
    return this.identity;
  }

  /** Where requests go, for messages (no credentials: endpointUrlProblem refuses them). */
  private base(): string {
    return this.options.endpointUrl ?? (this.options.host ? `https://${this.options.host}` : 'the account URL');
  }

  // ---------------------------------------------------------------------------------------------
  // Results

  /** The statement's result in the executor's shape, reading partitions 1..n-1 only as far as needed. */
  private async result(answer: Answer, fetch: FetchMode, context: Context): Promise<StatementResult> {
    const body = answer.body;
    const queryId: string = body.statementHandle;
    const meta = body.resultSetMetaData ?? {};
    const rowType: ColumnType[] = meta.rowType ?? [];
    const total: number = typeof meta.numRows === 'number' ? meta.numRows : (body.data ?? []).length;
    // SPEC:580-597: DML answers carry stats; the driver reports the sum of its count row's columns.
    const stats = body.stats as Record<string, number> | undefined;
    const rowCount = stats && typeof stats === 'object'
      ? Object.values(stats).reduce((sum, n) => sum + (typeof n === 'number' ? n : 0), 0)
      : total;
    if (fetch.kind === 'none') return { queryId, rowCount };
    const limit = fetch.kind === 'max' ? fetch.maxRows : Infinity;
    // RESP: partitions after the first come by GET ?partition=N; their number is partitionInfo's
    // length (the Link header has three documented forms, and is not read).
    const partitions = Array.isArray(meta.partitionInfo) ? meta.partitionInfo.length : 1;
    const rows: Row[] = [];
    const add = (data: unknown) => {
      try {
        rows.push(...rowsOf((data ?? []) as (string | null)[][], rowType));
      } catch (error) {
        if (!(error instanceof ValueFormatError)) throw error;
        throw new QueryError('SQL_ERROR', `Snowflake answered statement ${queryId} with a value this client cannot read: ${error.message}`,
          { queryId, cause: error });
      }
    };
    add(body.data);
    for (let partition = 1; partition < partitions && rows.length < limit; partition++) {
      this.stats_.partitionFetches++;
      const page = await this.get(`/api/v2/statements/${encodeURIComponent(queryId)}?partition=${partition}`, context, 'partition');
      add(page.body.data);
    }
    if (fetch.kind === 'all') return { queryId, rowCount, rows };
    const kept = rows.slice(0, limit);
    return { queryId, rowCount, rows: kept, truncated: kept.length < Math.max(total, rows.length) };
  }

  // ---------------------------------------------------------------------------------------------
  // Errors

  /** A final answer (not 200/202, not retried) as the typed error the driver path gives for the same case. */
  private async answerError(answer: Answer, context: Context): Promise<SnowflakeConnectorError> {
    const { status, body } = answer;
    const code = body.code === undefined ? undefined : String(body.code);
    if (status === 422 && code && ROLE_NOT_GRANTED_CODES.has(code)) return this.loginStyleError(pseudoError(answer, context));
    if (status === 403 || status === 404) return this.loginStyleError(pseudoError(answer, context));
    if (status === 408) {
      // REF: 408, "the execution of the statement was cancelled" at its timeout: the driver path's 000630.
      return queryError({ ...pseudoError(answer, context), code: code ?? '000630', sqlState: body.sqlState ?? '57014' }, body.statementHandle);
    }
    if (status === 422) return queryError(pseudoError(answer, context), body.statementHandle);
    if (status === 415 || status === 405) {
      return new ConfigurationError('CONFIG_INVALID', `${this.base()} answered HTTP ${status} to the SQL API: it is not Snowflake's SQL API v2 `
        + '(a proxy in the way?). Check the endpoint URL override and the host');
    }
    return new SnowflakeConnectorError('INVALID_ARGUMENT', `Snowflake's SQL API refused the request for statement ${summary(context.sql)} `
      + `(HTTP ${status}${code ? `, ${code}` : ''}: ${scrub(String(body.message ?? ''), context.bindValues)}); it was not retried`);
  }

  /** Refusals a driver login meets too (role not granted, account not found): loginError's codes and words. */
  private async loginStyleError(error: Record<string, unknown>): Promise<SnowflakeConnectorError> {
    const { credentials } = await this.ready();
    return loginError(error, credentials, 1, { endpointUrl: this.options.endpointUrl, host: this.options.host });
  }

  private deadlineError(context: Context, why: string, queryId: string | undefined): TransientError {
    return new TransientError('DEADLINE_EXCEEDED', `Statement ${summary(context.sql)}${queryId ? ` (query ${queryId})` : ''} did not finish within `
      + `${this.options.statementDeadlineMs ?? 840_000} ms (${why}), so it was cancelled. Check Snowflake's status and the warehouse; for `
      + 'statements that really run this long, raise the deadline or run them asynchronously');
  }
}

// -----------------------------------------------------------------------------------------------

/**
 * Where the requests go, as on the driver path (connector/driver.ts `connectionOptions`): the URL
 * override, else `https://` and the option's host (PrivateLink), the secret's `host`, or the
 * account's host name (`accountHostname`: underscores as hyphens, the locator's region kept).
 */
export function sqlApiBaseUrl(
  settings: { readonly account: string; readonly host?: string },
  options: { readonly endpointUrl?: string; readonly host?: string },
): string {
  return options.endpointUrl ?? `https://${options.host ?? settings.host ?? accountHostname(settings.account)}`;
}

/** The error shape driver-errors.ts reads (code, message, sqlState, HTTP status), from an SQL API answer. */
function pseudoError(answer: Answer, context: Context): Record<string, unknown> {
  const { body, status } = answer;
  return {
    ...(body.code !== undefined ? { code: String(body.code) } : {}),
    message: scrub(String(body.message ?? `HTTP ${status}`), context.bindValues),
    ...(body.sqlState ? { sqlState: body.sqlState } : {}),
    response: { status },
  };
}

/**
 * Removes bind values from Snowflake's message: a bad value is quoted back (SUB: `100037` "<bind
 * type> value '<value>' is not recognized"), and bind values never appear in errors or logs.
 */
export function scrub(message: string, bindValues: readonly string[]): string {
  let out = message.replace(/(value )'(?:[^']|'')*'( is not recognized)/g, "$1'[bind]'$2");
  for (const value of [...bindValues].sort((a, b) => b.length - a.length)) {
    if (value.length === 0) continue;
    out = out.split(`'${value}'`).join("'[bind]'");
    if (value.length >= 4) out = out.split(value).join('[bind]');
  }
  return out;
}

/**
 * The bindings' wire form (SUB "Using bind variables in a statement": values are strings; FIXED an
 * integer, REAL an integer or a float, TEXT any text, BOOLEAN `true`/`false`). Refused until
 * Snowflake documents them: SQL NULL (no documented form) and arrays (no array binding).
 */
export function bindingsOf(binds: readonly Bind[] | undefined): Bindings | undefined {
  if (binds === undefined || binds.length === 0) return undefined;
  const bindings: Bindings = {};
  binds.forEach((value, i) => {
    const at = `bind ${i + 1}`;
    if (value === null || value === undefined) {
      throw new SnowflakeConnectorError('INVALID_ARGUMENT', `${at} is null: Snowflake's SQL API documents no way to bind SQL NULL. `
        + 'Write NULL in the statement, or run the SQL executor on the driver');
    }
    if (Array.isArray(value)) {
      throw new SnowflakeConnectorError('INVALID_ARGUMENT', `${at} is an array: Snowflake's SQL API has no array binding (executeMany). `
        + 'Run one statement per row, or run the SQL executor on the driver');
    }
    const key = String(i + 1);
    if (typeof value === 'string') {
      bindings[key] = { type: 'TEXT', value };
    } else if (typeof value === 'boolean') {
      bindings[key] = { type: 'BOOLEAN', value: String(value) };
    } else if (typeof value === 'number' && Number.isSafeInteger(value)) {
      bindings[key] = { type: 'FIXED', value: String(value) };
    } else if (typeof value === 'number' && Number.isFinite(value)) {
      bindings[key] = { type: 'REAL', value: String(value) };
    } else {
      throw new SnowflakeConnectorError('INVALID_ARGUMENT', `${at} is ${typeof value === 'number' ? `the non-finite number ${value}` : `a ${typeof value}`}: `
        + 'bind a string, a finite number or a boolean');
    }
  });
  return bindings;
}

function checkSql(sql: string): void {
  if (typeof sql !== 'string' || sql.trim().length === 0) {
    throw new SnowflakeConnectorError('INVALID_ARGUMENT', `The SQL text must be a non-empty string, not ${sql === '' ? 'an empty string' : typeof sql}`);
  }
}

function checkFetch(fetch: FetchMode): void {
  if (fetch.kind === 'max' && !(Number.isInteger(fetch.maxRows) && fetch.maxRows >= 1)) {
    throw new SnowflakeConnectorError('INVALID_ARGUMENT', `maxRows must be a positive integer, not ${JSON.stringify(fetch.maxRows)}`);
  }
}

/** A network failure in a few words: its code (ECONNRESET, UND_ERR_SOCKET...) or name. */
function describeFailure(error: unknown): string {
  let e = error as { code?: unknown; name?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 4; depth++) {
    if (typeof e.code === 'string') return e.code;
    if (e.name === 'TimeoutError') return 'request timeout';
    e = e.cause as typeof e;
  }
  const name = (error as Error)?.name;
  return name === 'Error' ? (error as Error).message : name ?? 'network error';
}

function isUnknownHost(error: unknown): boolean {
  return describeFailure(error) === 'ENOTFOUND';
}
