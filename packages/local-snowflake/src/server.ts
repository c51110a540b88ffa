/**
 * The HTTP side of the endpoint: routes the requests snowflake-sdk sends, applies the fault
 * switches, authenticates sessions, and answers in Global Services' JSON envelope
 * `{ data, code, message, success }`.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { AccountNames, namesAccount } from './accounts';
import { Engine, sleep } from './engine';
import {
  badRequest, GS, incorrectUsernameOrPassword, jwtTokenInvalid, SnowflakeError, workloadIdentityRejected,
} from './errors';
import { Faults, RequestKind, SQL_API_KINDS } from './faults';
import { Grants } from './grants';
import { JWT_FAILURES, JwtFailure, verifyLoginJwt } from './jwt';
import { resolveLoginContext, WarehouseCheck } from './login-context';
import { Counters, LoggedRequest, redactSql } from './observe';
import { QueryRecord, Queries, QueryRequestBody, sessionParameters } from './queries';
import { ParamValue, Session, Sessions } from './sessions';
import { ApiAnswer, SqlApi } from './sql-api';
import type { LocalSts } from './sts';
import { StoredUser, storedLoginName, Users } from './users';
import {
  AwsPrincipal, parseAttestation, principalOfArn, samePrincipal, signatureMatches, WorkloadIdentityFailure, WorkloadIdentityFailureKind,
} from './workload-identity';

/** What SYSTEM$GET_LOGIN_FAILURE_DETAILS would return for a failed login, plus our reason. */
export interface LoginFailureDetails {
  readonly errorCode: string;
  readonly code: string;
  readonly reason: string;
  readonly username?: string;
  readonly clientType?: string;
  readonly clientVersion?: string;
  readonly timestamp: number;
}

export interface ServerState {
  /** The account's name and locator, upper case. */
  readonly account: AccountNames;
  readonly users: Users;
  readonly grants: Grants;
  /** Whether a warehouse exists; undefined: any name does. */
  readonly warehouseExists: WarehouseCheck;
  readonly sessions: Sessions;
  readonly queries: Queries;
  readonly engine: Engine;
  readonly faults: Faults;
  readonly counters: Counters;
  readonly log: LoggedRequest[];
  readonly loginFailures: Map<string, LoginFailureDetails>;
  /** How long a synchronous query (or a result fetch) is held before answering 333333 "in progress". */
  inProgressAfterMs: number;
  /** The endpoint's clock (epoch ms) for the times in login credentials: X-Amz-Date, JWT iat/exp. */
  readonly now: () => number;
  /** The STS that issued the credentials workload-identity logins are signed with; none: such logins fail. */
  readonly sts?: LocalSts;
  /** SQL API: rows per result partition (Snowflake sizes partitions itself; small in tests). */
  sqlApiRowsPerPartition: number;
}

interface Answer {
  readonly status: number;
  readonly json?: unknown;
  /** A ready body (SQL API: a gzip partition, an empty 405), sent instead of `json`. */
  readonly body?: Buffer;
  readonly headers?: Readonly<Record<string, string>>;
}

/** REF (https://docs.snowflake.com/en/developer-guide/sql-api/reference), 429: the SQL API's body for "Too many requests". */
const SQL_API_TOO_MANY_REQUESTS = { code: '390505', message: 'Too many requests.' };

type Envelope = { data: unknown; code: string | null; message: string | null; success: boolean; headers?: null };

export class EndpointServer {
  private readonly server: http.Server;
  private readonly stopping = new AbortController();
  private readonly sqlApi: SqlApi;

  constructor(private readonly state: ServerState) {
    this.sqlApi = new SqlApi(state, this.stopping.signal);
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        if (!res.headersSent && !res.destroyed) {
          res.writeHead(500, { 'content-type': 'text/plain' }).end(`local-snowflake internal error: ${String(e)}`);
        }
      });
    });
    this.server.keepAliveTimeout = 30_000;
  }

  async listen(port: number, host: string): Promise<{ host: string; port: number }> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    const address = this.server.address() as AddressInfo;
    return { host: address.address, port: address.port };
  }

  async close(): Promise<void> {
    this.stopping.abort();
    this.state.queries.abort();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
    await this.state.queries.settle();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const { counters, faults, log } = this.state;
    const url = new URL(req.url ?? '/', 'http://local-snowflake');
    const kind = kindOf(req.method ?? 'GET', url.pathname);
    const retryCount = url.searchParams.get('retryCount');
    const sqlApi = url.pathname.startsWith('/api/');
    const q = url.searchParams;
    const entry: LoggedRequest = {
      at: Date.now(),
      method: req.method ?? 'GET',
      path: url.pathname,
      kind,
      status: 0,
      ...(req.headers.host ? { hostHeader: req.headers.host } : {}),
      ...(url.searchParams.has('requestId') ? { requestId: url.searchParams.get('requestId') ?? '' } : {}),
      ...(retryCount !== null ? { retryCount: Number(retryCount) } : {}),
      ...(sqlApi && q.has('retry') ? { retry: q.get('retry') === 'true' } : {}),
      ...(sqlApi && q.has('async') ? { async: q.get('async') === 'true' } : {}),
      ...(sqlApi && q.has('partition') ? { partition: Number(q.get('partition')) } : {}),
    };
    log.push(entry);
    counters.byPath[url.pathname] = (counters.byPath[url.pathname] ?? 0) + 1;
    counters.byKind[kind] = (counters.byKind[kind] ?? 0) + 1;

    const raw = await readBody(req);
    const latency = faults.latencyFor(kind);
    if (latency > 0) {
      try {
        await sleep(latency, undefined, this.stopping.signal);
      } catch {
        req.socket.destroy();
        return;
      }
    }
    if (this.injectFault(kind, false, req, res, entry)) return;

    let answer: Answer;
    if (sqlApi) {
      answer = await this.sqlApi.handle(req, url, raw, entry);
    } else {
      let body: unknown;
      try {
        body = raw.length > 0 ? JSON.parse(raw.toString('utf8')) : undefined;
      } catch {
        return this.respond(res, entry, errorAnswer(badRequest('Request body is not JSON.')));
      }
      answer = await this.route(kind, req, url, body, entry);
    }
    // A fault armed `afterHandling`: the request was handled (its statement ran), the answer is lost.
    if (this.injectFault(kind, true, req, res, entry)) return;
    this.respond(res, entry, answer);
  }

  /** Applies an armed reset or HTTP failure for this request; true when it answered the request. */
  private injectFault(kind: RequestKind, afterHandling: boolean, req: http.IncomingMessage, res: http.ServerResponse, entry: LoggedRequest): boolean {
    const { counters, faults } = this.state;
    if (faults.takeReset(kind, afterHandling)) {
      entry.fault = 'reset';
      entry.status = 0;
      counters.faultsInjected++;
      entry.durationMs = Date.now() - entry.at;
      req.socket.destroy();
      return true;
    }
    const failStatus = faults.takeFailure(kind, afterHandling);
    if (failStatus === undefined) return false;
    entry.fault = 'status';
    entry.status = failStatus;
    counters.faultsInjected++;
    entry.durationMs = Date.now() - entry.at;
    if (failStatus === 429 && SQL_API_KINDS.includes(kind)) {
      entry.code = SQL_API_TOO_MANY_REQUESTS.code;
      res.writeHead(429, { 'content-type': 'application/json' }).end(JSON.stringify(SQL_API_TOO_MANY_REQUESTS));
    } else {
      res.writeHead(failStatus, { 'content-type': 'text/html' }).end(`<html><body>${failStatus} (local-snowflake fault switch)</body></html>`);
    }
    return true;
  }

  private respond(res: http.ServerResponse, entry: LoggedRequest, answer: Answer | ApiAnswer): void {
    entry.status = answer.status;
    const code = (answer.json as Partial<Envelope> | undefined)?.code;
    if (typeof code === 'string') entry.code = code;
    entry.durationMs = Date.now() - entry.at;
    if (res.destroyed) return;
    const body = answer.body ?? Buffer.from(JSON.stringify(answer.json));
    const headers = { 'content-type': 'application/json', 'content-length': String(body.length), ...answer.headers };
    res.writeHead(answer.status, headers).end(body);
  }

  private async route(kind: RequestKind, req: http.IncomingMessage, url: URL, body: unknown, entry: LoggedRequest): Promise<Answer> {
    const { counters, sessions } = this.state;
    switch (kind) {
      case 'login':
        return this.login(url, body, entry);
      case 'renew': {
        const renewed = sessions.renew(tokenOf(req));
        if (renewed instanceof SnowflakeError) return errorAnswer(renewed);
        entry.user = renewed.user;
        counters.tokenRenewals++;
        const validity = sessions.validitySeconds();
        return ok({
          sessionToken: renewed.token,
          validityInSecondsST: validity.sessionSeconds,
          masterToken: renewed.masterToken,
          validityInSecondsMT: validity.masterSeconds,
          sessionId: renewed.id,
        });
      }
      case 'telemetry':
        // The driver posts in-band telemetry with the session token; count it, answer like GS.
        counters.telemetry++;
        return ok('Log Received');
      case 'other':
        return { status: 404, json: { data: null, code: null, message: `local-snowflake: no route for ${req.method} ${url.pathname}`, success: false } };
      default:
        break;
    }

    if (kind === 'query') counters.queryRequests++;
    if (kind === 'queryResult') counters.resultFetches++;
    if (kind === 'queryStatus') counters.statusChecks++;
    const session = sessions.authenticate(tokenOf(req));
    if (session instanceof SnowflakeError) return errorAnswer(session);
    entry.user = session.user;

    switch (kind) {
      case 'heartbeat':
        counters.heartbeats++;
        return ok(null);
      case 'close':
        if (url.searchParams.get('delete') !== 'true') return errorAnswer(badRequest('Unsupported session request.'));
        sessions.close(session);
        counters.sessionCloses++;
        return ok(null);
      case 'query':
        return this.query(session, url, body as QueryRequestBody | undefined, entry);
      case 'queryResult': {
        const record = this.ownQuery(session, queryIdOf(url.pathname));
        if (!record) return errorAnswer(queryNotFound(queryIdOf(url.pathname)));
        entry.queryId = record.id;
        return this.answerWhenDone(record);
      }
      case 'queryStatus': {
        const record = this.ownQuery(session, queryIdOf(url.pathname));
        return ok({ queries: record ? [monitoringEntry(record)] : [] });
      }
      case 'queryAbort': {
        const requestId = (body as { requestId?: string } | undefined)?.requestId;
        const record = url.pathname === '/queries/v1/abort-request'
          ? (requestId ? this.state.queries.byRequestId(session, requestId) : undefined)
          : this.ownQuery(session, queryIdOf(url.pathname));
        if (record) this.state.queries.abort(record.id);
        return ok(null);
      }
      default:
        return errorAnswer(badRequest(`Unsupported request ${url.pathname}.`));
    }
  }

  private async login(url: URL, body: unknown, entry: LoggedRequest): Promise<Answer> {
    const { account, users, grants, sessions, counters, faults, loginFailures } = this.state;
    const data = (body as { data?: Record<string, unknown> } | undefined)?.data;
    if (!data || typeof data !== 'object') return errorAnswer(badRequest('Login request has no data.'));
    // LOGIN_NAME as the driver sends it (options.username, lib/services/sf.js); case-insensitive.
    const loginName = storedLoginName(String(data.LOGIN_NAME ?? ''));
    const accountName = String(data.ACCOUNT_NAME ?? '').toUpperCase();
    const authenticator = String(data.AUTHENTICATOR ?? 'SNOWFLAKE').toUpperCase();
    const accountText = [account.name, account.locator].filter(Boolean).join(' / ');
    entry.user = loginName;

    const fail = (failure: JwtFailure, error: SnowflakeError, id: string): Answer => {
      counters.failedLogins++;
      entry.loginFailure = failure;
      loginFailures.set(id, {
        errorCode: failure.error,
        code: failure.code,
        reason: failure.reason,
        username: loginName || undefined,
        clientType: typeof data.CLIENT_APP_ID === 'string' ? data.CLIENT_APP_ID : undefined,
        clientVersion: typeof data.CLIENT_APP_VERSION === 'string' ? data.CLIENT_APP_VERSION : undefined,
        timestamp: Math.floor(Date.now() / 1000),
      });
      return errorAnswer(error);
    };

    let user = users.byLoginName(loginName);
    let workloadIdentity: AwsPrincipal | undefined;
    if (authenticator === 'WORKLOAD_IDENTITY') {
      const result = await this.workloadIdentityLogin(data, loginName, accountName);
      if ('error' in result) {
        counters.failedLogins++;
        entry.loginFailure = { code: GS.WORKLOAD_IDENTITY_REJECTED, error: result.error, reason: result.reason };
        return errorAnswer(workloadIdentityRejected(result.reason));
      }
      user = result.user;
      workloadIdentity = result.principal;
      entry.user = user.loginName;
    } else if (authenticator === 'SNOWFLAKE_JWT') {
      const id = randomUUID();
      if (!namesAccount(accountName, account)) {
        return fail({ ...JWT_FAILURES.ACCOUNT_MISMATCH, reason: `ACCOUNT_NAME '${accountName}' is not this account '${accountText}'` }, jwtTokenInvalid(id), id);
      }
      entry.jwtClaims = claimsOf(String(data.TOKEN ?? ''));
      const result = verifyLoginJwt(String(data.TOKEN ?? ''), {
        account,
        loginName,
        keysOf: (name) => users.byLoginName(name)?.keys,
        rejected: faults.rejected,
        now: this.state.now() / 1000,
      });
      if (!result.ok) return fail(result.failure, jwtTokenInvalid(id), id);
    } else if (authenticator === 'SNOWFLAKE') {
      const id = randomUUID();
      if (!namesAccount(accountName, account)) {
        return fail({ code: GS.INCORRECT_USERNAME_PASSWORD, error: 'ACCOUNT_MISMATCH', reason: `ACCOUNT_NAME '${accountName}' is not this account '${accountText}'` }, incorrectUsernameOrPassword(), id);
      }
      if (!user || !users.passwordMatches(user, data.PASSWORD)) {
        const reason = !user ? `no user with LOGIN_NAME '${loginName}'` : user.password === undefined ? 'user has no password' : 'wrong password';
        return fail({ code: GS.INCORRECT_USERNAME_PASSWORD, error: 'INCORRECT_USERNAME_PASSWORD', reason }, incorrectUsernameOrPassword(), id);
      }
    } else {
      const id = randomUUID();
      return fail({ code: GS.INCORRECT_USERNAME_PASSWORD, error: 'UNSUPPORTED_AUTHENTICATOR', reason: `authenticator ${authenticator} is not emulated` }, incorrectUsernameOrPassword(), id);
    }
    if (!workloadIdentity) user = users.byLoginName(loginName);
    if (!user) return errorAnswer(incorrectUsernameOrPassword());

    const q = url.searchParams;
    const context = resolveLoginContext(user, {
      roleName: q.get('roleName'), warehouse: q.get('warehouse'), databaseName: q.get('databaseName'), schemaName: q.get('schemaName'),
    }, grants, this.state.warehouseExists);
    if (context instanceof SnowflakeError) {
      counters.failedLogins++;
      entry.loginFailure = { code: context.code, error: 'ROLE_NOT_GRANTED', reason: context.message };
      return errorAnswer(context);
    }
    const params = new Map<string, ParamValue>();
    const requested = data.SESSION_PARAMETERS;
    if (requested && typeof requested === 'object') {
      for (const [name, value] of Object.entries(requested as Record<string, unknown>)) {
        if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') params.set(name.toUpperCase(), value);
      }
    }
    const session = sessions.create({ user: user.name, ...context, params, ...(workloadIdentity ? { workloadIdentity } : {}) });
    if (workloadIdentity && user.workloadIdentity) user.workloadIdentity.lastUsed = this.state.now();
    counters.logins++;
    const validity = sessions.validitySeconds();
    return ok({
      masterToken: session.masterToken,
      token: session.token,
      validityInSeconds: validity.sessionSeconds,
      masterValidityInSeconds: validity.masterSeconds,
      displayUserName: user.name,
      serverVersion: '0.0.0-local',
      firstLogin: false,
      remMeToken: null,
      remMeValidityInSeconds: 0,
      healthCheckInterval: 45,
      newClientForUpgrade: null,
      sessionId: session.id,
      parameters: sessionParameters(session),
      sessionInfo: {
        databaseName: session.database ?? null,
        schemaName: session.schema ?? null,
        warehouseName: session.warehouse ?? null,
        roleName: session.role,
      },
      idToken: null,
      idTokenValidityInSeconds: 0,
      responseData: null,
      mfaToken: null,
      mfaTokenValidityInSeconds: 0,
    });
  }

  /**
   * AUTHENTICATOR WORKLOAD_IDENTITY, PROVIDER AWS: the checks of workload-identity.ts on the
   * attestation, the credentials the local STS issued for its access key (secret key, session
   * token), the signature, then the caller STS names, matched to a user's WORKLOAD_IDENTITY.
   * LOGIN_NAME is optional (the driver sends it only with a username): without it the user is the
   * one whose identity is the caller; with it, that user must have the caller's identity.
   */
  private async workloadIdentityLogin(
    data: Record<string, unknown>, loginName: string, accountName: string,
  ): Promise<{ user: StoredUser; principal: AwsPrincipal } | WorkloadIdentityFailure> {
    const { account, users, sts } = this.state;
    const fail = (error: WorkloadIdentityFailureKind, reason: string): WorkloadIdentityFailure => ({ error, reason });
    // The driver sends the provider as given (auth_workload_identity.js `updateBody`): AWS, AZURE, GCP or OIDC.
    const provider = String(data.PROVIDER ?? '').toUpperCase();
    if (provider !== 'AWS') return fail('WIF_UNSUPPORTED_PROVIDER', `PROVIDER ${JSON.stringify(provider.slice(0, 20))} is not emulated (only AWS)`);
    if (!namesAccount(accountName, account)) {
      return fail('WIF_ACCOUNT_MISMATCH', `ACCOUNT_NAME '${accountName.slice(0, 100)}' is not this account '${[account.name, account.locator].filter(Boolean).join(' / ')}'`);
    }
    const att = parseAttestation(typeof data.TOKEN === 'string' ? data.TOKEN : '', this.state.now());
    if ('error' in att) return att;
    if (!sts) return fail('WIF_NO_STS', 'the endpoint has no local STS to check the attestation with (startLocalSnowflake({ sts: { endpointUrl } }))');
    let issued;
    try {
      issued = await sts.credentialsFor(att.accessKeyId);
    } catch (e) {
      return fail('WIF_NO_STS', `the local STS did not answer (${e instanceof Error ? e.message : 'error'})`);
    }
    if (!issued) return fail('WIF_UNKNOWN_ACCESS_KEY', 'the attestation is signed with an access key the STS did not issue');
    // Temporary credentials are used with their session token, sent as X-Amz-Security-Token and
    // signed (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_use-resources.html,
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html);
    // a long-term key has none.
    const sentToken = att.headers['x-amz-security-token'];
    if (issued.sessionToken !== undefined) {
      if (sentToken === undefined || !att.signedHeaders.includes('x-amz-security-token') || !sameText(sentToken, issued.sessionToken)) {
        return fail('WIF_SECURITY_TOKEN', 'the attestation\'s security token is missing, unsigned, or not the one issued with its access key');
      }
    } else if (sentToken !== undefined) {
      return fail('WIF_SECURITY_TOKEN', 'the attestation carries a security token, but its access key is a long-term key');
    }
    if (!signatureMatches(att, issued.secretAccessKey)) return fail('WIF_SIGNATURE', 'the signature of the STS GetCallerIdentity request does not match');
    let callerArn: string;
    try {
      callerArn = await sts.callerArn(att);
    } catch (e) {
      return fail('WIF_STS_REFUSED', `STS refused the GetCallerIdentity request (${e instanceof Error ? e.message : 'error'})`);
    }
    const principal = principalOfArn(callerArn);
    if (!principal) return fail('WIF_IDENTITY_MISMATCH', `STS says the caller is ${callerArn}, neither an IAM role session nor an IAM user`);
    const seen = `STS says the caller is ${callerArn} (${principalText(principal)})`;
    if (loginName) {
      const user = users.byLoginName(loginName);
      if (!user) return fail('WIF_NO_USER', `${seen}, and no user has LOGIN_NAME '${loginName.slice(0, 100)}'`);
      if (!user.workloadIdentity) {
        return fail('WIF_NO_IDENTITY', `${seen}, but user ${user.name} has no workload identity (ALTER USER ${user.name} SET WORKLOAD_IDENTITY = (TYPE = AWS ARN = '...'))`);
      }
      if (!samePrincipal(user.workloadIdentity.principal, principal)) {
        return fail('WIF_IDENTITY_MISMATCH', `${seen}, but user ${user.name} expects ${user.workloadIdentity.arn}`);
      }
      return { user, principal };
    }
    const matches = users.byWorkloadIdentity(principal);
    if (matches.length === 0) return fail('WIF_NO_USER', `${seen}, and no user has this workload identity`);
    if (matches.length > 1) {
      return fail('WIF_AMBIGUOUS', `${seen}, which is the workload identity of users ${matches.map((u) => u.name).join(', ')}: give the driver a username`);
    }
    return { user: matches[0], principal };
  }

  private async query(session: Session, url: URL, body: QueryRequestBody | undefined, entry: LoggedRequest): Promise<Answer> {
    const { queries } = this.state;
    if (!body || typeof body !== 'object') return errorAnswer(badRequest('Query request has no body.'));
    if (typeof body.sqlText === 'string') entry.sql = redactSql(body.sqlText);
    const { record } = queries.submit(session, body, url.searchParams.get('requestId') ?? undefined);
    entry.queryId = record.id;
    if (body.asyncExec) {
      return inProgress(record, GS.QUERY_IN_PROGRESS_ASYNC, 'Asynchronous execution in progress. Use provided query id to perform query monitoring and management.');
    }
    return this.answerWhenDone(record);
  }

  /** The result when the query ends within inProgressAfterMs, else 333333 with a getResultUrl to poll. */
  private async answerWhenDone(record: QueryRecord): Promise<Answer> {
    const finished = await settlesWithin(record.done, this.state.inProgressAfterMs, this.stopping.signal);
    if (!finished) return inProgress(record, GS.QUERY_IN_PROGRESS, 'Query execution in progress. Query will be continued to be executed.');
    if (record.error) return errorAnswer(record.error);
    return ok(record.data ?? null);
  }

  private ownQuery(session: Session, id: string): QueryRecord | undefined {
    const record = this.state.queries.get(id);
    return record && record.user === session.user ? record : undefined;
  }
}

function kindOf(method: string, path: string): RequestKind {
  if (method === 'POST') {
    if (path === '/session/v1/login-request') return 'login';
    if (path === '/session/token-request') return 'renew';
    if (path === '/session/heartbeat') return 'heartbeat';
    if (path === '/session') return 'close';
    if (path === '/queries/v1/query-request') return 'query';
    if (path === '/queries/v1/abort-request' || /^\/queries\/[^/]+\/abort-request$/.test(path)) return 'queryAbort';
    if (path === '/telemetry/send') return 'telemetry';
    if (path === '/api/v2/statements' || path === '/api/v2/statements/') return 'statements';
    if (/^\/api\/v2\/statements\/[^/]+\/cancel$/.test(path)) return 'statementCancel';
  }
  if (method === 'GET') {
    if (/^\/api\/v2\/statements\/[^/]+$/.test(path)) return 'statementStatus';
    if (/^\/queries\/[^/]+\/result$/.test(path)) return 'queryResult';
    if (/^\/monitoring\/queries\/[^/]+$/.test(path)) return 'queryStatus';
  }
  return 'other';
}

function queryIdOf(path: string): string {
  const parts = path.split('/');
  return parts[path.startsWith('/monitoring/') ? 3 : 2] ?? '';
}

function tokenOf(req: http.IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const m = header ? /^Snowflake Token="([^"]*)"$/.exec(header) : null;
  return m?.[1];
}

/** Reads the body; the driver may send it gzip-compressed (magic bytes decide, not the header). */
async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  return raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw;
}

function ok(data: unknown): Answer {
  const json: Envelope = { data, code: null, message: null, success: true };
  return { status: 200, json };
}

function errorAnswer(error: SnowflakeError): Answer {
  const data: Record<string, unknown> = { ...error.data };
  if (error.sqlState) {
    const position = { line: data.line ?? -1, pos: data.pos ?? -1 };
    Object.assign(data, { internalError: false, errorCode: error.code, age: 0, sqlState: error.sqlState, ...position });
  }
  const json: Envelope = { data, code: error.code, message: error.message, success: false, headers: null };
  return { status: error.httpStatus, json };
}

function inProgress(record: QueryRecord, code: string, message: string): Answer {
  const json: Envelope = {
    data: { queryId: record.id, getResultUrl: `/queries/${record.id}/result`, queryAbortsAfterSecs: 300, progressDesc: null },
    code,
    message,
    success: true,
  };
  return { status: 200, json };
}

function queryNotFound(id: string): SnowflakeError {
  return new SnowflakeError('000709', `Statement ${id} not found`, '02000');
}

function monitoringEntry(record: QueryRecord): Record<string, unknown> {
  return {
    id: record.id,
    status: record.status,
    state: { RUNNING: 'RUNNING', SUCCESS: 'SUCCEEDED', FAILED_WITH_ERROR: 'FAILED', ABORTED: 'ABORTED' }[record.status],
    sqlText: record.sqlText,
    startTime: record.startTime,
    endTime: record.endTime ?? 0,
    totalDuration: (record.endTime ?? Date.now()) - record.startTime,
    sessionId: record.sessionId,
    userName: record.user,
    errorCode: record.error?.code,
    errorMessage: record.error?.message,
  };
}

/** True when `done` settles within `ms`; false on timeout or when the endpoint stops. */
async function settlesWithin(done: Promise<void>, ms: number, stop: AbortSignal): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  let onStop: (() => void) | undefined;
  try {
    return await Promise.race([
      done.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
        onStop = () => resolve(false);
        stop.addEventListener('abort', onStop, { once: true });
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
    if (onStop) stop.removeEventListener('abort', onStop);
  }
}

/** The principal in words, with the IAM ARN a WORKLOAD_IDENTITY would hold for it (no path: STS does not say it). */
function principalText(p: AwsPrincipal): string {
  return p.type === 'IAM_ROLE' ? `IAM role arn:${p.partition}:iam::${p.account}:role/${p.name}` : `IAM user arn:${p.partition}:iam::${p.account}:user/${p.name}`;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The JWT's `iss` and `sub` (public: account, user and key fingerprint), for tests to read. */
function claimsOf(token: string): { iss?: string; sub?: string } | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    return { iss: typeof payload.iss === 'string' ? payload.iss : undefined, sub: typeof payload.sub === 'string' ? payload.sub : undefined };
  } catch {
    return undefined;
  }
}
