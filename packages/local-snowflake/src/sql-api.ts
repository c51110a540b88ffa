/**
 * Snowflake's SQL API v2 (`/api/v2/statements`), served by the same endpoint: the same key-pair
 * JWT verification as logins (jwt.ts), the same users, roles and grants, and the same statement
 * execution (queries.ts on PGlite) and result columns (results.ts) as the driver's protocol. No
 * session and no login: each request runs as the JWT's user, in a context built from the body.
 *
 * Sources, cited below by tag (the research notes in /work/research/sql-api.md quote them):
 * - REF     https://docs.snowflake.com/en/developer-guide/sql-api/reference
 * - SUB     https://docs.snowflake.com/en/developer-guide/sql-api/submitting-requests
 * - RESP    https://docs.snowflake.com/en/developer-guide/sql-api/handling-responses
 * - AUTH    https://docs.snowflake.com/en/developer-guide/sql-api/authenticating
 * - MULTI   https://docs.snowflake.com/en/developer-guide/sql-api/submitting-multiple-statements
 * - ERR     https://docs.snowflake.com/en/developer-guide/sql-api/handling-errors
 * - ENDP    https://docs.snowflake.com/en/developer-guide/sql-api/about-endpoints
 * - SPEC    Snowflake's OpenAPI spec, github.com/snowflakedb/snowflake-rest-api-specs
 *           specifications/sqlapi.yaml (commit 42671a90; `SPEC:n` is a line)
 * - QS      Snowflake-Labs/sfquickstarts getting_started_snowflake_sql_api.md (a recorded response)
 * Where these disagree or say nothing, the choice made here is marked GUESS (README "SQL API").
 */
import { randomUUID } from 'node:crypto';
import type * as http from 'node:http';
import { gzipSync } from 'node:zlib';
import { SnowflakeError, statementCanceled, statementTimeout, unsupported } from './errors';
import { JwtFailure, JWT_FAILURES, verifyLoginJwt } from './jwt';
import { resolveLoginContext } from './login-context';
import { LoggedRequest, redactSql } from './observe';
import { QueryRecord, QueryRequestBody } from './queries';
import { Cell, column, RowType } from './results';
import type { ServerState } from './server';
import { ParamValue, Session } from './sessions';
import { parseStatements } from './sql';
import { StoredUser, storedLoginName } from './users';

/** An HTTP answer of the SQL API: JSON, or a ready body (gzip partitions, empty 405). */
export interface ApiAnswer {
  readonly status: number;
  readonly json?: unknown;
  readonly body?: Buffer;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The body of `POST /api/v2/statements` (REF "Request body"; SUB). */
interface StatementRequestBody {
  readonly statement?: unknown;
  readonly timeout?: unknown;
  readonly database?: unknown;
  readonly schema?: unknown;
  readonly warehouse?: unknown;
  readonly role?: unknown;
  readonly bindings?: unknown;
  readonly parameters?: unknown;
  readonly resultSetMetaData?: unknown;
}

/** A statement submitted through the SQL API: its handle is the query record's id. */
interface ApiStatement {
  readonly handle: string;
  /** The user's NAME: only that user may read or cancel it. */
  readonly user: string;
  /** The POST's requestId (generated when the POST had none, SPEC:624-633); in statementStatusUrl. */
  readonly requestId: string;
  /** Epoch ms on the endpoint's clock. */
  readonly createdOn: number;
  /** `timeout` of the body, seconds (0 = the maximum, 604800). */
  readonly timeoutSeconds?: number;
  /** False with `?nullable=false`: SQL NULL is sent as the string "null" (REF, RESP). */
  readonly nullable: boolean;
  /** Absent when the request was refused before it ran (`failure`). */
  readonly record?: QueryRecord;
  readonly failure?: SnowflakeError;
  /** A slow statement (faults.slowStatements) not yet let run. */
  hold?: { readonly polls: number; readonly until?: number; readonly open: () => void };
  polls: number;
  finished: boolean;
  timedOut: boolean;
  cancelled: boolean;
}

/** 400, as REF's example for a malformed payload. */
const INVALID_PAYLOAD = { code: '390142', message: 'Incoming request does not contain a valid payload.' };

/** REF: 202 QueryStatus example (POST and GET). */
const IN_PROGRESS = {
  code: '333334',
  message: 'Asynchronous execution in progress. Use provided query id to perform query monitoring and management.',
};

/** REF: "0 … sets the timeout to the maximum timeout (604800 seconds)". */
const MAX_TIMEOUT_SECONDS = 604800;

/**
 * The parameters the SQL API takes (REF "statements_parameters": "The SQL API only supports the
 * session parameters listed"); REF writes them lower case, MULTI and RESP upper case: any case is
 * accepted here. The output formats change how `data` is encoded (RESP "Formatting the output"),
 * which is not emulated: they are refused rather than ignored.
 */
const SUPPORTED_PARAMETERS = new Set([
  'BINARY_OUTPUT_FORMAT', 'CLIENT_RESULT_CHUNK_SIZE', 'DATE_OUTPUT_FORMAT', 'MULTI_STATEMENT_COUNT', 'QUERY_TAG', 'ROWS_PER_RESULTSET',
  'TIME_OUTPUT_FORMAT', 'TIMESTAMP_LTZ_OUTPUT_FORMAT', 'TIMESTAMP_NTZ_OUTPUT_FORMAT', 'TIMESTAMP_OUTPUT_FORMAT', 'TIMESTAMP_TZ_OUTPUT_FORMAT',
  'TIMEZONE', 'USE_CACHED_RESULT',
]);
const OUTPUT_FORMAT_PARAMETERS = new Set([...SUPPORTED_PARAMETERS].filter((p) => p.endsWith('_OUTPUT_FORMAT')));

export class SqlApi {
  private readonly statements = new Map<string, ApiStatement>();
  /** `<user NAME>\n<requestId>` → the latest statement submitted with it, for `retry=true`. */
  private readonly byRequest = new Map<string, ApiStatement>();
  private nextSessionId = 2_000_000_000_001;

  constructor(private readonly state: ServerState, private readonly stop: AbortSignal) {}

  /** Every request whose path starts with /api/. */
  async handle(req: http.IncomingMessage, url: URL, raw: Buffer, entry: LoggedRequest): Promise<ApiAnswer> {
    // REF "Operations": the three routes. Others: 404; a known path with another method: 405 with
    // an empty body (REF, status codes for all operations).
    const m = /^\/api\/v2\/statements(?:\/([^/]+?)(\/cancel)?)?\/?$/.exec(url.pathname);
    if (!m) return { status: 404, json: { message: `local-snowflake: no SQL API route ${url.pathname}` } };
    const [, handle, cancel] = m;
    const method = req.method ?? 'GET';
    const expected = handle === undefined || cancel ? 'POST' : 'GET';
    if (method !== expected) return { status: 405, body: Buffer.alloc(0), headers: { allow: expected } };
    const { counters } = this.state;
    if (handle === undefined) counters.statementRequests++;
    else if (cancel) counters.statementCancels++;
    else if (Number(url.searchParams.get('partition') ?? 0) >= 1) counters.partitionFetches++;
    else counters.statementStatusChecks++;

    const refused = this.checkHeaders(req, method === 'POST' && handle === undefined, entry);
    if (refused) return refused;
    const user = this.authenticate(req, entry);
    if (!('name' in user)) return user;
    entry.user = user.loginName;
    if (handle === undefined) return this.submit(user, url, raw, entry);
    entry.queryId = handle;
    if (cancel) return this.cancel(user, handle);
    return this.status(user, handle, url);
  }

  /**
   * Media types and User-Agent. REF "Request headers for all operations": Content-Type and Accept
   * application/json (415 for another Content-Type, SPEC:767-771; no Content-Type: the body is
   * read as JSON), User-Agent required (SPEC:678-688 `required: true`).
   */
  private checkHeaders(req: http.IncomingMessage, hasBody: boolean, entry: LoggedRequest): ApiAnswer | undefined {
    const userAgent = req.headers['user-agent'];
    if (userAgent) entry.userAgent = userAgent;
    const contentType = req.headers['content-type'];
    if (hasBody && contentType !== undefined && !/^application\/json\s*(;|$)/i.test(contentType)) {
      return { status: 415, json: { message: `Unsupported Content-Type '${contentType.slice(0, 100)}': the SQL API takes application/json.` } };
    }
    const accept = req.headers.accept;
    if (accept !== undefined && !/(^|,)\s*(application\/json|application\/\*|\*\/\*)\s*(;|,|$)/i.test(accept)) {
      // GUESS: REF lists 415 for media types it does not serve; HTTP would say 406.
      return { status: 415, json: { message: `Unsupported Accept '${accept.slice(0, 100)}': the SQL API answers application/json.` } };
    }
    if (!userAgent) {
      // GUESS: SPEC marks User-Agent required; the code 391903 is what a third-party wiki
      // (noetl/tools "Snowflake-Tool") reports for a request without it. Not in Snowflake's docs.
      return { status: 400, json: { code: '391903', message: 'The User-Agent header is missing: the SQL API requires one (RFC 7231).' } };
    }
    return undefined;
  }

  /**
   * `Authorization: Bearer <JWT>` with `X-Snowflake-Authorization-Token-Type: KEYPAIR_JWT` (REF;
   * AUTH "Using key-pair authentication"). The JWT is checked by verifyLoginJwt, as at login, with
   * one difference: it may be reused until `exp`, but never more than an hour after `iat` (AUTH).
   * Without the token-type header the token is examined (REF: "If you omit the … header, Snowflake
   * determines the token type by examining the token"; SPEC:708-718 says OAUTH is assumed): a
   * key-pair JWT is accepted either way. OAUTH and PROGRAMMATIC_ACCESS_TOKEN are not emulated.
   * Every refusal: 401 `{"code":"390144","message":"JWT token is invalid. [<uuid>]"}`, the code
   * and text of the login's refusal (GUESS for the SQL API: REF only shows OAuth's 390303);
   * `endpoint.loginFailureDetails(uuid)` tells why.
   */
  private authenticate(req: http.IncomingMessage, entry: LoggedRequest): StoredUser | ApiAnswer {
    const { account, users, faults, loginFailures } = this.state;
    const id = randomUUID();
    const refuse = (failure: JwtFailure, username?: string): ApiAnswer => {
      entry.loginFailure = failure;
      loginFailures.set(id, {
        errorCode: failure.error,
        code: failure.code,
        reason: failure.reason,
        username,
        clientType: entry.userAgent,
        timestamp: Math.floor(Date.now() / 1000),
      });
      return { status: 401, json: { code: JWT_FAILURES.INVALID.code, message: `JWT token is invalid. [${id}]` } };
    };
    const tokenType = req.headers['x-snowflake-authorization-token-type'];
    if (typeof tokenType === 'string') entry.tokenType = tokenType;
    if (typeof tokenType === 'string' && tokenType.toUpperCase() !== 'KEYPAIR_JWT') {
      return refuse({ ...JWT_FAILURES.INVALID, reason: `token type ${tokenType.slice(0, 40)} is not emulated (only KEYPAIR_JWT)` });
    }
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!m) return refuse({ ...JWT_FAILURES.INVALID, reason: 'no Authorization: Bearer <JWT> header' });
    const token = m[1];
    const claims = claimsOf(token);
    entry.jwtClaims = claims;
    // The token names its user: sub = <ACCOUNT>.<LOGIN_NAME> (AUTH), checked against itself,
    // the account, the user's keys and the times by verifyLoginJwt.
    const sub = claims?.sub ?? '';
    // LOGIN_NAME is case-insensitive (users.ts); the token must carry it upper case (AUTH), as at login.
    const loginName = sub.includes('.') ? storedLoginName(sub.slice(sub.indexOf('.') + 1)) : '';
    const result = verifyLoginJwt(token, {
      account,
      loginName,
      keysOf: (name) => users.byLoginName(name)?.keys,
      rejected: faults.rejected,
      now: this.state.now() / 1000,
      maxLifetimeSeconds: 3600,
    });
    if (!result.ok) return refuse(result.failure, loginName || undefined);
    const user = users.byLoginName(result.user);
    if (!user) return refuse({ ...JWT_FAILURES.INVALID_USER_IN_ISSUER, reason: `no user '${result.user}'` }, result.user);
    return user;
  }

  private async submit(user: StoredUser, url: URL, raw: Buffer, entry: LoggedRequest): Promise<ApiAnswer> {
    const q = url.searchParams;
    let body: StatementRequestBody;
    try {
      body = JSON.parse(raw.toString('utf8')) as StatementRequestBody;
    } catch {
      return { status: 400, json: INVALID_PAYLOAD };
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body) || typeof body.statement !== 'string') {
      return { status: 400, json: INVALID_PAYLOAD };
    }
    const names = ['database', 'schema', 'warehouse', 'role'] as const;
    if (names.some((n) => body[n] !== undefined && body[n] !== null && typeof body[n] !== 'string')) return { status: 400, json: INVALID_PAYLOAD };
    const timeout = body.timeout === undefined || body.timeout === null ? undefined : Number(body.timeout);
    if (timeout !== undefined && (!Number.isInteger(timeout) || timeout < 0)) return { status: 400, json: INVALID_PAYLOAD };
    const parameters = sqlApiParameters(body.parameters);
    if (!(parameters instanceof Map)) return { status: 400, json: { ...INVALID_PAYLOAD, message: `${INVALID_PAYLOAD.message} (local-snowflake: ${parameters})` } };
    const statement = body.statement;
    entry.sql = redactSql(statement);

    // SUB "Resubmitting a request": with the same requestId and retry=true, "Snowflake does not
    // execute the statement again if the statement has already been executed successfully". Still
    // running or failed is not documented (GUESS): the original statement is answered in its
    // current state, never run again. Without retry=true a requestId is not looked up: a new
    // statement runs (SUB: retry=true is what makes Snowflake "scan and match a statement").
    const givenRequestId = q.get('requestId') ?? undefined;
    const requestId = givenRequestId ?? randomUUID();
    const key = `${user.name}\n${requestId}`;
    const asyncExec = q.get('async') === 'true';
    if (q.get('retry') === 'true' && givenRequestId !== undefined) {
      const original = this.byRequest.get(key);
      if (original) {
        entry.queryId = original.handle;
        return asyncExec ? this.answer(original, true) : this.waitAndAnswer(original, true, this.postWaitMs(original));
      }
    }

    const createdOn = this.state.now();
    // REF: nullable=false sends NULL as the string "null"; default JSON null.
    const nullable = q.get('nullable') !== 'false';
    const refuse = (failure: SnowflakeError): ApiAnswer => {
      const stmt = this.remember(key, newStatement({ handle: randomUUID(), user: user.name, requestId, createdOn, nullable, failure }));
      entry.queryId = stmt.handle;
      return this.answer(stmt, true);
    };

    const statementCount = parseStatements(statement).length;
    const bindings = sqlApiBindings(body.bindings);
    if (bindings instanceof SnowflakeError) return refuse(bindings);
    if (bindings === 'invalid') return { status: 400, json: INVALID_PAYLOAD };
    // SUB, MULTI: "Snowflake does not currently support variable binding in multi-statement SQL
    // requests". Its answer is not documented (GUESS: 002040 unsupported feature).
    if (bindings && statementCount > 1) return refuse(unsupported('variable binding in multi-statement requests'));

    // SUB: database, schema, warehouse and role are case-sensitive and "must match the case of the
    // field returned by a SQL SHOW command": resolved names, never folded. Quoted here so that the
    // login's resolution (login-context.ts) takes them exactly; absent, the user's defaults apply
    // (REF). A role not granted is refused as the login refuses it (390189).
    const asked = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? `"${value.replace(/"/g, '""')}"` : undefined);
    const context = resolveLoginContext(user, {
      roleName: asked(body.role), warehouse: asked(body.warehouse), databaseName: asked(body.database), schemaName: asked(body.schema),
    }, this.state.grants, this.state.warehouseExists);
    if (context instanceof SnowflakeError) return refuse(new SnowflakeError(context.code, context.message, '08004'));

    const session: Session = {
      id: this.nextSessionId++,
      user: user.name,
      ...context,
      params: new Map<string, ParamValue>(parameters),
      token: '',
      masterToken: '',
      tokenExpiresAt: Number.POSITIVE_INFINITY,
      masterExpiresAt: Number.POSITIVE_INFINITY,
      closed: false,
    };
    const slow = this.state.faults.takeSlowStatement();
    let open: () => void = () => undefined;
    const gate = slow ? new Promise<void>((resolve) => { open = resolve; }) : undefined;
    const timeoutSeconds = timeout === 0 ? MAX_TIMEOUT_SECONDS : timeout;
    const queryBody: QueryRequestBody = {
      sqlText: statement,
      ...(bindings ? { bindings } : {}),
      parameters: {
        ...Object.fromEntries(parameters),
        // The statement also stops in real time at its timeout (a SYSTEM$WAIT, say); a slow
        // statement's time is the endpoint's clock only.
        ...(timeoutSeconds !== undefined && !slow ? { STATEMENT_TIMEOUT_IN_SECONDS: timeoutSeconds } : {}),
      },
    };
    const { record } = this.state.queries.submit(session, queryBody, undefined, gate ? { gate } : {});
    const stmt = this.remember(key, newStatement({ handle: record.id, user: user.name, requestId, createdOn, nullable, record, timeoutSeconds }));
    if (slow) stmt.hold = { polls: slow.polls ?? (slow.until === undefined ? 1 : Number.POSITIVE_INFINITY), until: slow.until, open };
    entry.queryId = stmt.handle;
    // REF, SUB: async=true answers 202 at once; otherwise the result comes when the statement ends
    // within 45 s (inProgressAfterMs), else 202 and a handle to poll.
    if (asyncExec) return this.answer(stmt, true);
    return this.waitAndAnswer(stmt, true, this.postWaitMs(stmt));
  }

  /**
   * How long a synchronous POST waits for its statement: the 45 s window (inProgressAfterMs). A
   * slow statement has used it up (202 at once) unless its timeout ends within it: then the POST
   * waits for the clock, 408 at the timeout or the result if `until` comes first.
   */
  private postWaitMs(stmt: ApiStatement): number {
    const window = this.state.inProgressAfterMs;
    const waits = !stmt.hold || (stmt.timeoutSeconds !== undefined && stmt.timeoutSeconds * 1000 <= window);
    return waits ? window : 0;
  }

  /** GET /api/v2/statements/<handle>[?partition=N]: status, partition 0 with metadata, or partition N alone. */
  private async status(user: StoredUser, handle: string, url: URL): Promise<ApiAnswer> {
    const q = url.searchParams;
    // REF: "You cannot specify this parameter [nullable] in a GET request." Its answer: GUESS 400.
    if (q.has('nullable')) return { status: 400, json: { ...INVALID_PAYLOAD, message: `${INVALID_PAYLOAD.message} (local-snowflake: nullable is a POST parameter)` } };
    const partitionText = q.get('partition');
    const partition = partitionText === null ? 0 : Number(partitionText);
    if (!Number.isInteger(partition) || partition < 0) return { status: 400, json: INVALID_PAYLOAD };
    const stmt = this.find(user, handle);
    if (!stmt) return notFound(handle);
    stmt.polls++;
    const held = stmt.hold !== undefined;
    if (stmt.hold && stmt.polls >= stmt.hold.polls) this.release(stmt);
    this.tick(stmt);
    // A slow statement let run by this poll is answered when it ends (it runs at once); any other
    // statement still running answers 202 at once.
    const released = held && stmt.hold === undefined;
    if (settled(stmt) && this.state.faults.takeExpiredResult()) {
      // Snowflake persists results for 24 hours (https://docs.snowflake.com/en/user-guide/querying-persisted-results);
      // the connectors then see 000710 "Result for query … has expired" (snowflakedb/snowflake-connector-python
      // issue 1596). The SQL API's answer is not documented: GUESS 422 with that code, sqlState 02000.
      return { status: 422, json: { code: '000710', message: `Result for query ${handle} has expired`, sqlState: '02000', statementHandle: handle } };
    }
    return this.waitAndAnswer(stmt, false, released ? this.state.inProgressAfterMs : 0, partition);
  }

  /**
   * POST …/<handle>/cancel: REF's 200 CancelStatus (000604, 57014 "SQL execution canceled"), or
   * 422 000709 "Statement <handle> not found" (02000) for a handle that is not the user's.
   * Cancelling a statement that already ended changes nothing (GUESS: not documented).
   */
  private cancel(user: StoredUser, handle: string): ApiAnswer {
    const stmt = this.find(user, handle);
    if (!stmt) return notFound(handle);
    if (!settled(stmt) && stmt.record) {
      stmt.cancelled = true;
      this.state.queries.abort(stmt.record.id);
    }
    const canceled = statementCanceled();
    return {
      status: 200,
      json: {
        code: canceled.code,
        sqlState: canceled.sqlState,
        message: canceled.message,
        statementHandle: stmt.handle,
        statementStatusUrl: statusUrl(stmt),
      },
    };
  }

  /** A statement of this user by handle: one submitted here, or any other query of the user (a multi-statement child). */
  private find(user: StoredUser, handle: string): ApiStatement | undefined {
    const known = this.statements.get(handle);
    if (known) return known.user === user.name ? known : undefined;
    const record = this.state.queries.get(handle);
    if (!record || record.user !== user.name) return undefined;
    const stmt = newStatement({ handle, user: user.name, requestId: randomUUID(), createdOn: record.startTime, nullable: true, record });
    this.statements.set(handle, stmt);
    return stmt;
  }

  private remember(key: string, stmt: ApiStatement): ApiStatement {
    this.statements.set(stmt.handle, stmt);
    this.byRequest.set(key, stmt);
    return stmt;
  }

  /** Lets a slow statement run; true when it was held. */
  private release(stmt: ApiStatement): boolean {
    const hold = stmt.hold;
    if (!hold) return false;
    stmt.hold = undefined;
    hold.open();
    return true;
  }

  /** Applies the endpoint's clock: a slow statement's `until`, the statement's `timeout`. */
  private tick(stmt: ApiStatement): void {
    if (settled(stmt)) return;
    const now = this.state.now();
    if (stmt.timeoutSeconds !== undefined && stmt.record && now >= stmt.createdOn + stmt.timeoutSeconds * 1000) {
      // REF: "If the execution … takes longer than the specified timeout, the execution is
      // automatically canceled."
      stmt.timedOut = true;
      this.state.queries.abort(stmt.record.id);
      return;
    }
    if (stmt.hold?.until !== undefined && now >= stmt.hold.until) this.release(stmt);
  }

  /**
   * Answers when the statement has ended, or after `waitMs` of real time with 202. While it waits
   * it watches the endpoint's clock (every 10 ms) when a timeout or a slow statement's `until` is
   * set, so a test moves its clock instead of sleeping.
   */
  private async waitAndAnswer(stmt: ApiStatement, post: boolean, waitMs: number, partition = 0): Promise<ApiAnswer> {
    const limit = Date.now() + waitMs;
    const watchClock = stmt.timeoutSeconds !== undefined || stmt.hold?.until !== undefined;
    for (;;) {
      this.tick(stmt);
      const left = limit - Date.now();
      if (settled(stmt) || left <= 0 || this.stop.aborted) return this.answer(stmt, post, partition);
      await firstOf(stmt.record?.done, watchClock ? Math.min(left, 10) : left, this.stop);
    }
  }

  /** The statement's answer now: 202 still running, 408/422 failed, 200 a result (a partition). */
  private answer(stmt: ApiStatement, post: boolean, partition = 0): ApiAnswer {
    if (!settled(stmt)) return { status: 202, json: { ...IN_PROGRESS, statementHandle: stmt.handle, statementStatusUrl: statusUrl(stmt) } };
    const record = stmt.record;
    const error = stmt.failure ?? (stmt.timedOut ? statementTimeout(stmt.timeoutSeconds ?? 0) : stmt.cancelled ? statementCanceled() : record?.error);
    if (error) {
      if (post && error.code === '000630') {
        // REF, ERR: 408 "exceeded the timeout period. The execution of the statement was
        // cancelled." Its body is a QueryStatus (SPEC:188-194) with no documented example; the
        // code is the driver protocol's statement timeout, 000630 (GUESS).
        return {
          status: 408,
          json: {
            code: error.code,
            sqlState: error.sqlState,
            message: error.message,
            statementHandle: stmt.handle,
            statementStatusUrl: statusUrl(stmt),
          },
        };
      }
      // REF: 422 QueryFailureStatus, as recorded: code, message, sqlState, statementHandle. The
      // codes are the driver protocol's for the same SQL error (errors.ts).
      return { status: 422, json: { code: error.code, message: error.message, sqlState: error.sqlState ?? '', statementHandle: stmt.handle } };
    }
    return this.resultSet(stmt, record?.data ?? {}, partition);
  }

  private resultSet(stmt: ApiStatement, data: Record<string, unknown>, partition: number): ApiAnswer {
    const resultIds = typeof data.resultIds === 'string' && data.resultIds !== '' ? data.resultIds.split(',') : undefined;
    let rowType: readonly RowType[];
    let rows: Cell[][];
    if (resultIds) {
      // TXN/MULTI: the set answers one row, "Multiple statements executed successfully.", and the
      // handles of its statements, each readable with GET (they inherit the POST's nullable).
      rowType = [column('multiple statement execution', 'text', { nullable: false })];
      rows = [['Multiple statements executed successfully.']];
      for (const id of resultIds) {
        const child = this.state.queries.get(id);
        if (child && !this.statements.has(id)) {
          const { user, requestId, createdOn, nullable } = stmt;
          this.statements.set(id, newStatement({ handle: id, user, requestId, createdOn, nullable, record: child }));
        }
      }
    } else {
      rowType = (data.rowtype ?? []) as RowType[];
      rows = ((data.rowset ?? []) as Cell[][]).map((r) => r.map((cell, i) => sqlApiCell(rowType[i]?.type ?? 'text', cell)));
    }
    if (!stmt.nullable) rows = rows.map((r) => r.map((cell) => cell ?? 'null'));
    const size = Math.max(1, this.state.sqlApiRowsPerPartition);
    const partitions: Cell[][][] = [];
    for (let i = 0; i < rows.length; i += size) partitions.push(rows.slice(i, i + size));
    if (partitions.length === 0) partitions.push([]);
    if (partition >= partitions.length) {
      // GUESS: the answer to a partition that does not exist is not documented.
      return {
        status: 422,
        json: { code: '100000', message: `Partition ${partition} does not exist: the result has ${partitions.length} partition(s).`, sqlState: '22023', statementHandle: stmt.handle },
      };
    }
    if (partition >= 1) {
      // RESP: partitions after the first come gzip-compressed, "Content-Encoding: gzip", and
      // "do not contain any metadata"; QS shows the body as {"data": [...]} only.
      return { status: 200, body: gzipSync(Buffer.from(JSON.stringify({ data: partitions[partition] }))), headers: { 'content-encoding': 'gzip' } };
    }
    const partitionInfo = partitions.map((p, i) => {
      const text = JSON.stringify(p);
      // SPEC:522-529: compressedSize "may or may not be present": given for the gzip partitions.
      const compressed = i >= 1 ? { compressedSize: gzipSync(Buffer.from(JSON.stringify({ data: p }))).length } : {};
      return { rowCount: p.length, uncompressedSize: Buffer.byteLength(text), ...compressed };
    });
    const stats = dmlStats(data.statementTypeId, rowType, rows);
    const json = {
      // REF 200 example and QS: lower-case rowType `type`, nulls where a field does not apply,
      // format jsonv2 (ENDP), code 090001, sqlState 00000, createdOn in ms, a relative
      // statementStatusUrl with ?requestId=, and requestId (QS).
      resultSetMetaData: {
        numRows: rows.length,
        format: 'jsonv2',
        partitionInfo,
        rowType: rowType.map((c) => ({
          name: c.name,
          database: c.database,
          schema: c.schema,
          table: c.table,
          scale: c.scale,
          precision: c.precision,
          length: c.length,
          type: c.type,
          nullable: c.nullable,
          byteLength: c.byteLength,
          collation: c.collation,
        })),
      },
      data: partitions[0],
      code: '090001',
      ...(resultIds ? { statementHandles: resultIds } : {}),
      statementStatusUrl: statusUrl(stmt),
      requestId: stmt.requestId,
      sqlState: '00000',
      statementHandle: stmt.handle,
      message: 'Statement executed successfully.',
      createdOn: stmt.createdOn,
      // SPEC:580-597: DML only, "these stats might not be available for each request".
      ...(stats ? { stats } : {}),
    };
    return { status: 200, json, headers: { link: linkHeader(stmt.handle, partitions.length) } };
  }
}

function newStatement(init: {
  handle: string;
  user: string;
  requestId: string;
  createdOn: number;
  nullable: boolean;
  record?: QueryRecord;
  failure?: SnowflakeError;
  timeoutSeconds?: number;
}): ApiStatement {
  const stmt: ApiStatement = { ...init, polls: 0, finished: init.record === undefined, timedOut: false, cancelled: false };
  init.record?.done.then(() => { stmt.finished = true; }, () => { stmt.finished = true; });
  return stmt;
}

function settled(stmt: ApiStatement): boolean {
  return stmt.failure !== undefined || stmt.timedOut || stmt.cancelled || stmt.finished;
}

function statusUrl(stmt: ApiStatement): string {
  return `/api/v2/statements/${stmt.handle}?requestId=${stmt.requestId}`;
}

/** REF 200 example: `<url>; rel="first"`, …, each URL with a fresh requestId. */
function linkHeader(handle: string, partitions: number): string {
  const link = (n: number, rel: string): string => `</api/v2/statements/${handle}?requestId=${randomUUID()}&partition=${n}>; rel="${rel}"`;
  return [link(0, 'first'), ...(partitions > 1 ? [link(1, 'next')] : []), link(partitions - 1, 'last')].join(',');
}

/** REF: 422 000709 for a handle that is not found (the cancel example; the GET answers alike, GUESS). */
function notFound(handle: string): ApiAnswer {
  return { status: 422, json: { code: '000709', message: `Statement ${handle} not found`, sqlState: '02000', statementHandle: handle } };
}

/** Resolves when `done` settles, `ms` pass, or the endpoint stops. */
async function firstOf(done: Promise<void> | undefined, ms: number, stop: AbortSignal): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let onStop: (() => void) | undefined;
  try {
    await Promise.race([
      ...(done ? [done] : []),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.max(0, ms));
        onStop = () => resolve();
        stop.addEventListener('abort', onStop, { once: true });
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
    if (onStop) stop.removeEventListener('abort', onStop);
  }
}

/**
 * The driver protocol's cell (results.ts) → the SQL API's (RESP "Getting the data from the
 * results": every value a string): the same text for fixed, real, text, date (days), time
 * (seconds, 9 decimals), timestamp_ntz/ltz (epoch seconds, 9 decimals), binary (hex) and
 * variant/object/array (JSON text); boolean "true"/"false" where the driver protocol has "1"/"0";
 * timestamp_tz "<seconds.9 decimals> <offset>" with offset = minutes + 1440 (RESP).
 */
export function sqlApiCell(type: string, cell: Cell): Cell {
  if (cell === null) return null;
  switch (type.toLowerCase()) {
    case 'boolean':
      return cell === '1' || cell === 'true' ? 'true' : 'false';
    case 'timestamp_tz':
      // The engine keeps no offset (README "Known gaps"): UTC, offset 0 + 1440.
      return cell.includes(' ') ? cell : `${cell} 1440`;
    default:
      return cell;
  }
}

/** SPEC's `stats` from the DML row the driver protocol answers (results.ts dmlResult). */
function dmlStats(statementTypeId: unknown, rowType: readonly RowType[], rows: readonly Cell[][]): Record<string, number> | undefined {
  // DML statement types are 0x3000-0x3fff (sql.ts STATEMENT_TYPE: INSERT 0x3100 … COPY 0x3600).
  if (typeof statementTypeId !== 'number' || Math.floor(statementTypeId / 0x1000) !== 3 || rows.length !== 1) return undefined;
  const stats = { numRowsInserted: 0, numRowsUpdated: 0, numRowsDeleted: 0, numDuplicateRowsUpdated: 0 };
  const field: Record<string, keyof typeof stats> = {
    'number of rows inserted': 'numRowsInserted',
    'number of rows updated': 'numRowsUpdated',
    'number of rows deleted': 'numRowsDeleted',
    'number of multi-joined rows updated': 'numDuplicateRowsUpdated',
  };
  rowType.forEach((c, i) => {
    const key = field[c.name];
    if (key) stats[key] += Number(rows[0][i] ?? 0);
  });
  return stats;
}

/** `parameters` → session parameters (upper-case names), or why they are refused. */
function sqlApiParameters(input: unknown): Map<string, ParamValue> | string {
  const params = new Map<string, ParamValue>();
  if (input === undefined || input === null) return params;
  if (typeof input !== 'object' || Array.isArray(input)) return 'parameters is not an object';
  for (const [rawName, value] of Object.entries(input as Record<string, unknown>)) {
    const name = rawName.toUpperCase();
    if (!SUPPORTED_PARAMETERS.has(name)) return `parameter ${rawName.slice(0, 60)} is not one the SQL API supports`;
    if (OUTPUT_FORMAT_PARAMETERS.has(name)) return `parameter ${name} changes the encoding of data, which is not emulated`;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return `parameter ${name} is not a string, number or boolean`;
    if (name === 'MULTI_STATEMENT_COUNT') {
      // MULTI and REF send it as a string ("2"); SPEC:133-139 as an integer: both are taken.
      const count = Number(value);
      if (!Number.isInteger(count) || count < 0) return `MULTI_STATEMENT_COUNT ${String(value).slice(0, 20)} is not a count`;
      params.set(name, count);
    } else {
      params.set(name, value);
    }
  }
  return params;
}

/** The binding types of SUB "Using bind variables in a statement". */
const BIND_TYPES = new Set(['FIXED', 'REAL', 'DECFLOAT', 'TEXT', 'BINARY', 'BOOLEAN', 'DATE', 'TIME', 'TIMESTAMP_TZ', 'TIMESTAMP_LTZ', 'TIMESTAMP_NTZ']);
const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * `bindings` (SUB: `{"1": {"type": "FIXED", "value": "123"}, …}`, keys the 1-based positions, values
 * strings) → the driver protocol's bindings with PostgreSQL text values. A value its type does not
 * recognise: 422 100037 "<type> value '<value>' is not recognized" (22018), as SUB documents.
 * `"value": null` binds NULL (not documented, GUESS). Keys that are not positions, a type SUB does
 * not list, or a body of another shape: 400 (GUESS).
 */
function sqlApiBindings(input: unknown): QueryRequestBody['bindings'] | SnowflakeError | 'invalid' | undefined {
  if (input === undefined || input === null) return undefined;
  if (typeof input !== 'object' || Array.isArray(input)) return 'invalid';
  const out: Record<string, { type: string; value: string | null }> = {};
  for (const [key, bind] of Object.entries(input as Record<string, unknown>)) {
    if (!/^[1-9]\d*$/.test(key) || bind === null || typeof bind !== 'object') return 'invalid';
    const { type, value } = bind as { type?: unknown; value?: unknown };
    if (typeof type !== 'string' || !BIND_TYPES.has(type.toUpperCase())) return 'invalid';
    const kind = type.toUpperCase();
    if (value === null || value === undefined) {
      out[key] = { type: 'TEXT', value: null };
      continue;
    }
    const text = typeof value === 'string' ? value : undefined;
    const converted = text === undefined ? undefined : pgBindText(kind, text);
    if (converted === undefined) {
      const shown = String(typeof value === 'object' ? JSON.stringify(value) : value).slice(0, 100);
      return new SnowflakeError('100037', `${kind} value '${shown}' is not recognized`, '22018');
    }
    out[key] = { type: 'TEXT', value: converted };
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** One bind value as PostgreSQL text, or undefined when its type does not recognise it (SUB's value formats). */
function pgBindText(type: string, value: string): string | undefined {
  switch (type) {
    case 'FIXED': return /^[+-]?\d+$/.test(value) ? value : undefined;
    case 'REAL': case 'DECFLOAT': return NUMBER_TEXT.test(value) ? value : undefined;
    case 'TEXT': return value;
    // SUB: BINARY takes hex and fills VARCHAR: the hex text as is.
    case 'BINARY': return /^([0-9a-fA-F]{2})*$/.test(value) ? value : undefined;
    case 'BOOLEAN': return /^(true|false|0|1)$/i.test(value) ? value.toLowerCase() : undefined;
    // SUB: DATE is epoch milliseconds.
    case 'DATE': {
      if (!/^-?\d+$/.test(value)) return undefined;
      const ns = BigInt(value) * 1000000n;
      return ns % 86400000000000n === 0n ? utcText(ns).slice(0, 10) : utcText(ns);
    }
    // SUB: TIME is nanoseconds (since midnight).
    case 'TIME': {
      if (!/^\d+$/.test(value)) return undefined;
      return utcText(BigInt(value) % 86400000000000n).slice(11);
    }
    // SUB: TIMESTAMP_NTZ / TIMESTAMP_LTZ are epoch nanoseconds.
    case 'TIMESTAMP_NTZ': return /^-?\d+$/.test(value) ? utcText(BigInt(value)) : undefined;
    case 'TIMESTAMP_LTZ': return /^-?\d+$/.test(value) ? `${utcText(BigInt(value))}+00` : undefined;
    case 'TIMESTAMP_TZ': {
      // SUB: "<epoch ns> <offset>". SUB calls the offset minutes, but its example 960 only reads
      // as the +1440 encoding of results (RESP): GUESS, taken as minutes + 1440, 0..2880.
      const m = /^(-?\d+) (\d+)$/.exec(value);
      if (!m || Number(m[2]) > 2880) return undefined;
      return `${utcText(BigInt(m[1]))}+00`;
    }
    default: return undefined;
  }
}

/** Epoch nanoseconds → `YYYY-MM-DD HH:MM:SS.fffffffff` in UTC. */
function utcText(ns: bigint): string {
  const second = ns >= 0n ? ns / 1000000000n : -((-ns + 999999999n) / 1000000000n);
  const nanos = ns - second * 1000000000n;
  const iso = new Date(Number(second) * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${String(nanos).padStart(9, '0')}`;
}

/** The JWT's `iss` and `sub` (public: account, user and key fingerprint), for the log. */
function claimsOf(token: string): { iss?: string; sub?: string } | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    return { iss: typeof payload.iss === 'string' ? payload.iss : undefined, sub: typeof payload.sub === 'string' ? payload.sub : undefined };
  } catch {
    return undefined;
  }
}
