/**
 * What tests can observe: counters and a request log. Neither holds tokens, passwords or keys:
 * SQL text goes through `redactSql` before it is logged.
 */
import { RequestKind } from './faults';
import { isSignificant, keyword, lex, Token } from './sql-lexer';

/**
 * Counts. Operations (logins, renewals, heartbeats, closes, queries) count when they succeed;
 * request counts (queryRequests, resultFetches, statusChecks, telemetry) count every request that
 * got past the fault switches, answered with an error or not. byPath/byKind count everything.
 */
export interface Counters {
  /** Successful logins (sessions opened). */
  logins: number;
  /** Logins answered with an error (bad JWT, bad password, unknown user…). */
  failedLogins: number;
  /** Statements executed: each new query-request (a retried request with the same requestId is not re-run). */
  queries: number;
  /** POST /queries/v1/query-request requests, retries included. */
  queryRequests: number;
  heartbeats: number;
  tokenRenewals: number;
  sessionCloses: number;
  telemetry: number;
  /** GET /queries/<id>/result requests. */
  resultFetches: number;
  /** GET /monitoring/queries/<id> requests. */
  statusChecks: number;
  /** Requests answered by a fault switch (HTTP error or connection reset). */
  faultsInjected: number;
  /** SQL API: POST /api/v2/statements requests, retries included (a statement that ran counts in `queries`). */
  statementRequests: number;
  /** SQL API: GET /api/v2/statements/<handle> without a partition or with partition 0 (status polls). */
  statementStatusChecks: number;
  /** SQL API: GET /api/v2/statements/<handle>?partition=N with N ≥ 1. */
  partitionFetches: number;
  /** SQL API: POST /api/v2/statements/<handle>/cancel requests. */
  statementCancels: number;
  /** Requests per URL path (without query string). */
  byPath: Record<string, number>;
  /** Requests per kind. */
  byKind: Partial<Record<RequestKind, number>>;
}

export interface LoggedRequest {
  /** Epoch milliseconds when the request arrived. */
  readonly at: number;
  readonly method: string;
  /** URL path without the query string. */
  readonly path: string;
  readonly kind: RequestKind;
  /** HTTP status answered; 0 when the connection was reset. */
  status: number;
  /** Snowflake code when the answer carried one (errors, 333333/333334). */
  code?: string;
  /** Login name for logins, session user otherwise (SQL API: the JWT's user), when known. */
  user?: string;
  /** The query id (SQL API: the statement handle). */
  queryId?: string;
  /** The Host header: the name the client connected to (a PrivateLink host, say). */
  readonly hostHeader?: string;
  /** For JWT logins: the token's `iss` and `sub` (account, user and key fingerprint; no signature). */
  jwtClaims?: { readonly iss?: string; readonly sub?: string };
  /** The `requestId` query parameter: a retry of a request carries the same one. */
  readonly requestId?: string;
  /** The `retryCount` query parameter the driver adds to retries. */
  readonly retryCount?: number;
  /** SQL API: the `retry` query parameter (`retry=true` on a resubmitted POST). */
  readonly retry?: boolean;
  /** SQL API: the `async` query parameter. */
  readonly async?: boolean;
  /** SQL API: the `partition` query parameter of a GET. */
  readonly partition?: number;
  /** SQL API: the X-Snowflake-Authorization-Token-Type header, when sent. */
  tokenType?: string;
  /** SQL API: the User-Agent header, when sent. */
  userAgent?: string;
  /**
   * For query requests (and SQL API statement requests): the SQL text the client sent, through `redactSql` (binds stay as `?`,
   * values are not logged; key and password literals read `'<redacted>'`).
   */
  sql?: string;
  /** Set when a fault switch answered the request. */
  fault?: 'reset' | 'status';
  /**
   * For failed logins: the detailed reason (for JWT logins, as SYSTEM$GET_LOGIN_FAILURE_DETAILS
   * would give; for workload-identity logins, a WIF_* name and the reason in the message).
   */
  loginFailure?: { readonly code: string; readonly error: string; readonly reason: string };
  durationMs?: number;
}

export function emptyCounters(): Counters {
  return {
    logins: 0,
    failedLogins: 0,
    queries: 0,
    queryRequests: 0,
    heartbeats: 0,
    tokenRenewals: 0,
    sessionCloses: 0,
    telemetry: 0,
    resultFetches: 0,
    statusChecks: 0,
    faultsInjected: 0,
    statementRequests: 0,
    statementStatusChecks: 0,
    partitionFetches: 0,
    statementCancels: 0,
    byPath: {},
    byKind: {},
  };
}

/** Properties whose string value never reaches the log. */
const REDACTED_PROPERTIES = new Set(['RSA_PUBLIC_KEY', 'RSA_PUBLIC_KEY_2', 'PASSWORD']);
const REDACTED = '\'<redacted>\'';

/**
 * The one redaction point for logged SQL: the string after `RSA_PUBLIC_KEY =`,
 * `RSA_PUBLIC_KEY_2 =` or `PASSWORD =` becomes `'<redacted>'`, and so does any other string
 * literal that looks like key material (PEM armour, or a base64 run of 100 characters or more).
 * Public keys are not secret, but a log should never show key-shaped text.
 */
export function redactSql(sql: string): string {
  const tokens = lex(sql);
  const sig: Token[] = [];
  let out = '';
  for (const t of tokens) {
    const assigned = sig.length >= 2 && sig[sig.length - 1].text === '=' && REDACTED_PROPERTIES.has(keyword(sig[sig.length - 2]) ?? '');
    out += (t.kind === 'string' || t.kind === 'dollar') && (assigned || keyShaped(t.text)) ? REDACTED : t.text;
    if (isSignificant(t)) sig.push(t);
  }
  return out;
}

function keyShaped(literal: string): boolean {
  return literal.includes('-----BEGIN') || /[A-Za-z0-9+/]{100,}/.test(literal.replace(/\\[nr]|\s/g, ''));
}
