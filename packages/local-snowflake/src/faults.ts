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
  | 'other';

export interface FaultFilter {
  /** Only requests of this kind; default 'any'. */
  readonly kind?: RequestKind | 'any';
}

export interface FailOptions extends FaultFilter {
  /** HTTP status to answer with; default 503. */
  readonly status?: number;
}

interface Armed {
  remaining: number;
  readonly kind: RequestKind | 'any';
  readonly status?: number;
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

  /** Adds `ms` of latency to every request, or with `kind` to requests of that kind only (0 to stop). */
  setLatency(ms: number, options: FaultFilter = {}): void {
    const kind = options.kind ?? 'any';
    if (kind === 'any') this.latencyMs = ms;
    else this.latencyByKind.set(kind, ms);
  }

  /** @internal The latency to add to a request of this kind. */
  latencyFor(kind: RequestKind): number {
    return this.latencyMs + (this.latencyByKind.get(kind) ?? 0);
  }

  /** The next `count` matching requests are answered with an HTTP error (503 unless `status`), unhandled. */
  failNext(count: number, options: FailOptions = {}): void {
    this.failures.push({ remaining: count, kind: options.kind ?? 'any', status: options.status ?? 503 });
  }

  /** The next `count` matching requests get their TCP connection destroyed without an answer. */
  resetNext(count: number, options: FaultFilter = {}): void {
    this.resets.push({ remaining: count, kind: options.kind ?? 'any' });
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
  }

  /** @internal Takes one armed reset for this request kind, if any. */
  takeReset(kind: RequestKind): boolean {
    return take(this.resets, kind) !== undefined;
  }

  /** @internal Takes one armed failure for this request kind: its HTTP status. */
  takeFailure(kind: RequestKind): number | undefined {
    return take(this.failures, kind)?.status;
  }
}

function take(list: Armed[], kind: RequestKind): Armed | undefined {
  const armed = list.find((a) => a.remaining > 0 && (a.kind === 'any' || a.kind === kind));
  if (!armed) return undefined;
  armed.remaining--;
  if (armed.remaining === 0) list.splice(list.indexOf(armed), 1);
  return armed;
}

function toFingerprint(keyOrFingerprint: string): string {
  return keyOrFingerprint.startsWith('SHA256:') ? keyOrFingerprint : fingerprintOf(keyOrFingerprint);
}
