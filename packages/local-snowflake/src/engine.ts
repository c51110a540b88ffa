/**
 * The SQL engine behind the endpoint: one PGlite (PostgreSQL compiled to WebAssembly) per
 * endpoint, in a worker thread (pglite-worker.js), used one transaction at a time.
 *
 * PostgreSQL's statement_timeout does not fire inside PGlite, and a running statement cannot be
 * interrupted. So a statement timeout is enforced around it: the client is answered at the
 * deadline (000630) whether the engine is busy or the statement still runs; the statement's
 * transaction is then rolled back when it finishes, as if Snowflake had cancelled it.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

export interface RunRequest {
  /** Statements run first, in the same transaction (e.g. DROP for CREATE OR REPLACE). */
  readonly pre?: readonly string[];
  readonly sql: string;
  /** One parameter row per execution; `[[]]` for a statement without binds. */
  readonly paramRows: readonly (readonly (string | null)[])[];
  /** PostgreSQL schema for unqualified names (the session's Snowflake schema, folded). */
  readonly searchPath?: string;
  /** Epoch milliseconds after which the statement counts as timed out. */
  readonly deadline?: number;
  readonly signal?: AbortSignal;
}

export interface RunResult {
  readonly fields: readonly { name: string; dataTypeID: number }[];
  readonly rows: unknown[][];
  /** Rows inserted/updated/deleted, summed over parameter rows. */
  readonly affected: number;
  readonly notices: readonly { code?: string; message: string }[];
}

/** The deadline passed (while waiting for the engine or while running). */
export class DeadlineExceeded extends Error {
  constructor() {
    super('deadline exceeded');
    this.name = 'DeadlineExceeded';
  }
}

/** The statement was aborted by the client. */
export class Aborted extends Error {
  constructor() {
    super('aborted');
    this.name = 'Aborted';
  }
}

/** A PostgreSQL error as the worker reports it (code is the SQLSTATE). */
export class PgError extends Error {
  readonly code?: string;
  readonly position?: string;
  readonly detail?: string;

  constructor(fields: { message: string; code?: string; position?: string; detail?: string }) {
    super(fields.message);
    this.name = 'PgError';
    this.code = fields.code;
    this.position = fields.position;
    this.detail = fields.detail;
  }
}

interface WorkerResult {
  readonly fields: { name: string; dataTypeID: number }[];
  readonly rows: unknown[];
  readonly affectedRows: number;
  readonly notices: { code?: string; message: string }[];
}

type Pending = { resolve: (r: WorkerResult) => void; reject: (e: Error) => void };

export class Engine {
  static async start(): Promise<Engine> {
    const engine = new Engine(new Worker(path.join(__dirname, 'pglite-worker.js')));
    await engine.call('SELECT 1', [], false);
    return engine;
  }

  private tail: Promise<void> = Promise.resolve();
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private failed?: Error;

  private constructor(private readonly worker: Worker) {
    worker.unref();
    worker.on('message', (m: { id: number; result?: WorkerResult; error?: { message: string; code?: string; position?: string; detail?: string } }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error) p.reject(new PgError(m.error));
      else p.resolve(m.result as WorkerResult);
    });
    const fail = (e: Error): void => {
      this.failed = e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`PGlite worker exited (${code})`)));
  }

  /**
   * Runs a statement (once per parameter row) in one transaction. Answers at the deadline or on
   * abort even if the statement still runs; its transaction is rolled back when it finishes.
   */
  run(req: RunRequest): Promise<RunResult> {
    let giveUp = false;
    const work = this.exclusive(async () => {
      if (giveUp) throw new DeadlineExceeded();
      await this.call('BEGIN', [], true);
      try {
        if (req.searchPath) await this.call(`SET LOCAL search_path TO ${req.searchPath}, public`, [], true);
        for (const pre of req.pre ?? []) await this.call(pre, [], true);
        let last: WorkerResult | undefined;
        let affected = 0;
        const notices: { code?: string; message: string }[] = [];
        for (const params of req.paramRows) {
          if (giveUp) throw new DeadlineExceeded();
          last = await this.call(req.sql, [...params], true);
          affected += last.affectedRows;
          notices.push(...last.notices);
        }
        if (giveUp || (req.deadline !== undefined && Date.now() > req.deadline)) throw new DeadlineExceeded();
        if (req.signal?.aborted) throw new Aborted();
        await this.call('COMMIT', [], true);
        return { fields: last?.fields ?? [], rows: (last?.rows ?? []) as unknown[][], affected, notices };
      } catch (e) {
        await this.call('ROLLBACK', [], true).catch(() => undefined);
        throw e;
      }
    });
    return raceDeadline(work, req.deadline, req.signal).catch((e: unknown) => {
      giveUp = true;
      work.catch(() => undefined);
      throw e;
    });
  }

  /** Plain PostgreSQL for the test harness: PGlite's JavaScript values, object rows. */
  async query(sql: string, params: readonly unknown[] = []): Promise<{ fields: { name: string }[]; rows: Record<string, unknown>[] }> {
    return this.exclusive(async () => {
      const r = await this.call(sql, [...params], false);
      return { fields: r.fields, rows: r.rows as Record<string, unknown>[] };
    });
  }

  /** Stops the worker at once: the database is in memory, and a statement still running is dropped. */
  async close(): Promise<void> {
    await this.worker.terminate();
  }

  /** One transaction at a time, in arrival order. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(() => undefined, () => undefined);
    return result;
  }

  private call(sql: string, params: unknown[], raw: boolean): Promise<WorkerResult> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.nextId++;
    return new Promise<WorkerResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, sql, params, raw });
    });
  }
}

/** Waits for `work`, or rejects at the deadline or on abort, whichever comes first. */
export async function raceDeadline<T>(work: Promise<T>, deadline?: number, signal?: AbortSignal): Promise<T> {
  if (signal?.aborted) throw new Aborted();
  if (deadline === undefined && !signal) return work;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        if (deadline !== undefined) timer = setTimeout(() => reject(new DeadlineExceeded()), Math.max(0, deadline - Date.now()));
        if (signal) {
          onAbort = () => reject(new Aborted());
          signal.addEventListener('abort', onAbort, { once: true });
        }
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
    if (signal && onAbort) signal.removeEventListener('abort', onAbort);
  }
}

/** Sleeps, unless the deadline or an abort comes first. */
export function sleep(ms: number, deadline?: number, signal?: AbortSignal): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const done = new Promise<void>((resolve) => { timer = setTimeout(resolve, ms); });
  return raceDeadline(done, deadline, signal).finally(() => clearTimeout(timer));
}
