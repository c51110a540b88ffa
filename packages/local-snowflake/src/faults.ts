/**
 * Fault switches: what the endpoint does to a request before (or instead of) answering it.
 * All of them are cleared by `reset()`.
 */
import { fingerprintOf } from './jwt';

/** What a request is, by method and path. */
export type RequestKind =
  | 'login' // POST /session/v1/login-request
  | 'renew' // POST /session/token-request
  | 'heartbeat' // POST /session/heartbeat
  | 'close' // POST /session?delete=true
  | 'query' // POST /queries/v1/query-request
  | 'queryResult' // GET /queries/<id>/result
  | 'queryStatus' // GET /monitoring/queries/<id>
  | 'queryAbort' // POST /queries/<id>/abort-request, /queries/v1/abort-request
  | 'telemetry' // POST /telemetry/send
  | 'statements' // SQL API: POST /api/v2/statements
  | 'statementStatus' // SQL API: GET /api/v2/statements/<handle>[?partition=N]
  | 'statementCancel' // SQL API: POST /api/v2/statements/<handle>/cancel
  | 'other';

/** The SQL API's request kinds (sql-api.ts). */
export const SQL_API_KINDS: readonly RequestKind[] = ['statements', 'statementStatus', 'statementCancel'];

export interface FaultFilter {
  /** Only requests of this kind; default 'any'. */
  readonly kind?: RequestKind | 'any';
}

export interface AnswerFaultOptions extends FaultFilter {
  /**
   * Handle the request first (a statement runs, its result is kept), then fail or reset instead
   * of answering: the answer is lost on the way back, so a client's retry must not run it again.
   * Default false: the request is refused before it is handled.
   */
  readonly afterHandling?: boolean;
}

/** How a slow SQL API statement (`slowStatements`) is held before it runs. */
export interface SlowStatementOptions {
  /** It runs at its `polls`-th status request (GET /api/v2/statements/<handle>); default 1 unless `until` is given. */
  readonly polls?: number;
  /** It runs at the first status request at or after this time of the endpoint's clock (`now`), epoch ms. */
  readonly until?: number;
}

export interface FailOptions extends AnswerFaultOptions {
  /** HTTP status to answer with; default 503. */
  readonly status?: number;
}

interface Armed {
  remaining: number;
  readonly kind: RequestKind | 'any';
  readonly status?: number;
  readonly afterHandling: boolean;
}

interface ArmedSlow {
  remaining: number;
  readonly options: SlowStatementOptions;
}

/** The fault switches of one endpoint (`endpoint.faults`). */
export class Faults {
  /** Added to every request before it is handled, in milliseconds. */
  latencyMs = 0;
  private droppedKeyChanges = 0;
  private readonly latencyByKind = new Map<RequestKind, number>();
  private readonly failures: Armed[] = [];
  private readonly resets: Armed[] = [];
  private readonly rejectedKeys = new Set<string>();
  private readonly slow: ArmedSlow[] = [];
  private expiredResults = 0;

  /**
   * Adds `ms` of latency to every request, or with `kind` to requests of that kind only (0 to stop).
   * The latency of kind `query` (a driver's statement request) also applies to the SQL API's
   * statement requests (`statements`) unless that kind has its own: one statement, one request,
   * one latency, whichever protocol carries it.
   */
  setLatency(ms: number, options: FaultFilter = {}): void {
    const kind = options.kind ?? 'any';
    if (kind === 'any') this.latencyMs = ms;
    else this.latencyByKind.set(kind, ms);
  }

  /** @internal The latency to add to a request of this kind. */
  latencyFor(kind: RequestKind): number {
    const own = this.latencyByKind.get(kind) ?? (kind === 'statements' ? this.latencyByKind.get('query') : undefined);
    return this.latencyMs + (own ?? 0);
  }

  /**
   * The next `count` matching requests are answered with an HTTP error (503 unless `status`),
   * unhandled (or, with `afterHandling`, handled and then answered with the error). A SQL API
   * request failed with 429 gets Snowflake's documented body `{"code":"390505","message":"Too many requests."}`;
   * other statuses an HTML page.
   */
  failNext(count: number, options: FailOptions = {}): void {
    this.failures.push({ remaining: count, kind: options.kind ?? 'any', status: options.status ?? 503, afterHandling: options.afterHandling === true });
  }

  /**
   * The next `count` matching requests get their TCP connection destroyed without an answer
   * (with `afterHandling`: after the request was handled, e.g. its statement ran).
   */
  resetNext(count: number, options: AnswerFaultOptions = {}): void {
    this.resets.push({ remaining: count, kind: options.kind ?? 'any', afterHandling: options.afterHandling === true });
  }

  /**
   * The next `count` statements submitted through the SQL API are slow: the POST answers 202
   * (QueryStatus 333334, as Snowflake does for a statement still running after 45 s) and the
   * statement does not run until its `polls`-th status request, or the first one at or after
   * `until` on the endpoint's clock. No wall-clock time is involved. A POST whose `timeout` ends
   * within the synchronous window (`inProgressAfterMs`, 45 s) waits instead, watching the clock:
   * 408 when the timeout passes, the result when `until` comes first.
   */
  slowStatements(count: number, options: SlowStatementOptions = {}): void {
    this.slow.push({ remaining: count, options });
  }

  /**
   * The next `count` SQL API status requests (GET /api/v2/statements/<handle>) of a statement that
   * has ended answer 422 000710 "Result for query <handle> has expired", as after Snowflake's
   * 24 hours of persisted results.
   */
  expireResults(count: number): void {
    this.expiredResults += count;
  }

  /** @internal Takes one armed expired result, if any. */
  takeExpiredResult(): boolean {
    if (this.expiredResults === 0) return false;
    this.expiredResults--;
    return true;
  }

  /** @internal Takes one armed slow statement, if any. */
  takeSlowStatement(): SlowStatementOptions | undefined {
    const armed = this.slow.find((a) => a.remaining > 0);
    if (!armed) return undefined;
    armed.remaining--;
    if (armed.remaining === 0) this.slow.splice(this.slow.indexOf(armed), 1);
    return armed.options;
  }

  /** Logins signed with this key (fingerprint `SHA256:…`, or the public key itself) fail, registered or not. */
  rejectKey(keyOrFingerprint: string): void {
    this.rejectedKeys.add(toFingerprint(keyOrFingerprint));
  }

  allowKey(keyOrFingerprint: string): void {
    this.rejectedKeys.delete(toFingerprint(keyOrFingerprint));
  }

  /**
   * The next `count` ALTER USER statements that change a key slot answer success and change
   * nothing, as if another writer had put the old value back at once.
   */
  dropKeyChanges(count: number): void {
    this.droppedKeyChanges += count;
  }

  /** @internal Takes one armed dropped key change, if any. */
  takeDroppedKeyChange(): boolean {
    if (this.droppedKeyChanges === 0) return false;
    this.droppedKeyChanges--;
    return true;
  }

  get rejected(): ReadonlySet<string> {
    return this.rejectedKeys;
  }

  /** Clears every switch. */
  reset(): void {
    this.latencyMs = 0;
    this.latencyByKind.clear();
    this.failures.length = 0;
    this.resets.length = 0;
    this.rejectedKeys.clear();
    this.droppedKeyChanges = 0;
    this.slow.length = 0;
    this.expiredResults = 0;
  }

  /** @internal Takes one armed reset for this request kind (before or after handling), if any. */
  takeReset(kind: RequestKind, afterHandling = false): boolean {
    return take(this.resets, kind, afterHandling) !== undefined;
  }

  /** @internal Takes one armed failure for this request kind (before or after handling): its HTTP status. */
  takeFailure(kind: RequestKind, afterHandling = false): number | undefined {
    return take(this.failures, kind, afterHandling)?.status;
  }
}

function take(list: Armed[], kind: RequestKind, afterHandling: boolean): Armed | undefined {
  const armed = list.find((a) => a.remaining > 0 && (a.kind === 'any' || a.kind === kind) && a.afterHandling === afterHandling);
  if (!armed) return undefined;
  armed.remaining--;
  if (armed.remaining === 0) list.splice(list.indexOf(armed), 1);
  return armed;
}

function toFingerprint(keyOrFingerprint: string): string {
  return keyOrFingerprint.startsWith('SHA256:') ? keyOrFingerprint : fingerprintOf(keyOrFingerprint);
}
