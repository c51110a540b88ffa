/**
 * Query execution: one record per statement request (its query id, status, result or error),
 * kept so that async queries, in-progress polling, retries with the same requestId and
 * monitoring can find it.
 */
import { randomUUID } from 'node:crypto';
import { findCommand } from './commands';
import { Aborted, DeadlineExceeded, Engine, raceDeadline, sleep } from './engine';
import {
  bindVariableNotSet, fromPgError, isPgError, SnowflakeError, statementCanceled, statementCountMismatch, statementTimeout,
} from './errors';
import type { Faults } from './faults';
import { Grants } from './grants';
import { dmlResult, fromPgRows, StatementResult, statusResult } from './results';
import { Session } from './sessions';
import { parseStatements, pgIdentifier, SessionValues, Statement, translate } from './sql';
import { Users } from './users';

export type QueryStatus = 'RUNNING' | 'SUCCESS' | 'FAILED_WITH_ERROR' | 'ABORTED';

/** The JSON body the driver posts to /queries/v1/query-request. */
export interface QueryRequestBody {
  readonly sqlText?: string;
  readonly bindings?: Record<string, { type?: string; value?: unknown }>;
  readonly parameters?: Record<string, unknown>;
  readonly asyncExec?: boolean;
  readonly describeOnly?: boolean;
}

export interface QueryRecord {
  readonly id: string;
  readonly requestId?: string;
  readonly sessionId: number;
  readonly user: string;
  readonly sqlText: string;
  status: QueryStatus;
  readonly startTime: number;
  endTime?: number;
  /** The `data` of a successful answer. */
  data?: Record<string, unknown>;
  error?: SnowflakeError;
  /** Settles when the query ends (never rejects). */
  readonly done: Promise<void>;
  readonly abort: AbortController;
}

/** Snowflake's session parameters as a result's `parameters` array carries them; the driver reads formats and flags from it. */
const DEFAULT_PARAMETERS: Record<string, string | number | boolean> = {
  TIMEZONE: 'America/Los_Angeles',
  TIMESTAMP_OUTPUT_FORMAT: 'YYYY-MM-DD HH24:MI:SS.FF3 TZHTZM',
  TIMESTAMP_NTZ_OUTPUT_FORMAT: 'YYYY-MM-DD HH24:MI:SS.FF3',
  TIMESTAMP_LTZ_OUTPUT_FORMAT: '',
  TIMESTAMP_TZ_OUTPUT_FORMAT: '',
  DATE_OUTPUT_FORMAT: 'YYYY-MM-DD',
  TIME_OUTPUT_FORMAT: 'HH24:MI:SS',
  BINARY_OUTPUT_FORMAT: 'HEX',
  CLIENT_RESULT_CHUNK_SIZE: 160,
  CLIENT_SESSION_KEEP_ALIVE: false,
  CLIENT_SESSION_KEEP_ALIVE_HEARTBEAT_FREQUENCY: 3600,
  JS_TREAT_INTEGER_AS_BIGINT: false,
  QUERY_CONTEXT_CACHE_SIZE: 5,
  CLIENT_STAGE_ARRAY_BINDING_THRESHOLD: 65280,
};

export function sessionParameters(session: Session): { name: string; value: string | number | boolean }[] {
  const merged = { ...DEFAULT_PARAMETERS, ...Object.fromEntries(session.params) };
  return Object.entries(merged).map(([name, value]) => ({ name, value }));
}

export class Queries {
  private readonly byId = new Map<string, QueryRecord>();
  private readonly byRequest = new Map<string, QueryRecord>();

  constructor(
    private readonly engine: Engine,
    private readonly users: Users,
    private readonly grants: Grants,
    private readonly account: string,
    private readonly onExecute: () => void,
    private readonly faults?: Faults,
  ) {}

  get(id: string): QueryRecord | undefined {
    return this.byId.get(id);
  }

  byRequestId(session: Session, requestId: string): QueryRecord | undefined {
    return this.byRequest.get(`${session.id}:${requestId}`);
  }

  /**
   * Starts a statement request. A request whose requestId this session already used (a retry)
   * gets the existing record instead of running again, as Snowflake deduplicates retries.
   */
  submit(
    session: Session, body: QueryRequestBody, requestId: string | undefined, options: { readonly gate?: Promise<void> } = {},
  ): { record: QueryRecord; isNew: boolean } {
    if (requestId) {
      const existing = this.byRequestId(session, requestId);
      if (existing) return { record: existing, isNew: false };
    }
    // With a gate (a slow SQL API statement), the statement is RUNNING but does not execute until
    // the gate opens; an abort before that ends it ABORTED without running it.
    const gate = options.gate;
    const record = this.start(session, body.sqlText ?? '', requestId, async (r) => {
      if (gate) await raceDeadline(gate, undefined, r.abort.signal);
      await this.execute(session, r, body);
    });
    return { record, isNew: true };
  }

  /** Aborts one query (by id), or all running ones. */
  abort(id?: string): boolean {
    const targets = id ? [this.byId.get(id)].filter((r): r is QueryRecord => !!r) : [...this.byId.values()];
    for (const r of targets) if (r.status === 'RUNNING') r.abort.abort();
    return targets.length > 0;
  }

  /** Waits for every running query to settle. */
  async settle(): Promise<void> {
    await Promise.all([...this.byId.values()].map((r) => r.done));
  }

  private start(session: Session, sqlText: string, requestId: string | undefined, work: (r: QueryRecord) => Promise<void>): QueryRecord {
    const partial = {
      id: randomUUID(),
      requestId,
      sessionId: session.id,
      user: session.user,
      sqlText,
      status: 'RUNNING' as QueryStatus,
      startTime: Date.now(),
      abort: new AbortController(),
    };
    const record = partial as QueryRecord;
    (record as { done: Promise<void> }).done = Promise.resolve().then(() => work(record)).then(() => {
      if (record.status === 'RUNNING') record.status = record.error ? 'FAILED_WITH_ERROR' : 'SUCCESS';
    }, (e: unknown) => {
      record.error = withQueryId(toSnowflakeError(e, 0, noPosition), record.id);
      record.status = e instanceof Aborted ? 'ABORTED' : 'FAILED_WITH_ERROR';
    }).finally(() => { record.endTime = Date.now(); });
    this.byId.set(record.id, record);
    if (requestId) this.byRequest.set(`${session.id}:${requestId}`, record);
    return record;
  }

  private async execute(session: Session, record: QueryRecord, body: QueryRequestBody): Promise<void> {
    this.onExecute();
    const params = { ...body.parameters };
    const timeoutSeconds = Number(params.STATEMENT_TIMEOUT_IN_SECONDS ?? session.params.get('STATEMENT_TIMEOUT_IN_SECONDS') ?? 0);
    const deadline = timeoutSeconds > 0 ? record.startTime + timeoutSeconds * 1000 : undefined;
    const statements = parseStatements(record.sqlText);
    if (statements.length === 0) throw withQueryId(new SnowflakeError('000900', 'SQL compilation error:\nEmpty SQL statement.', '42000'), record.id);
    const bindRows = bindingRows(body.bindings);
    try {
      if (statements.length === 1) {
        const result = await this.runStatement(session, record.sqlText, statements[0], bindRows, deadline, record.abort.signal);
        record.data = successData(record.id, session, result, body.bindings);
      } else {
        const desired = Number(params.MULTI_STATEMENT_COUNT ?? session.params.get('MULTI_STATEMENT_COUNT') ?? 1);
        if (desired !== 0 && desired !== statements.length) throw statementCountMismatch(statements.length, desired);
        const ids: string[] = [];
        for (const statement of statements) {
          const text = record.sqlText.slice(statement.tokens[0].start, endOf(statement));
          const child = this.start(session, text, undefined, async (c) => {
            try {
              const result = await this.runStatement(session, record.sqlText, statement, bindRows, deadline, record.abort.signal);
              c.data = successData(c.id, session, result, body.bindings);
            } catch (e) {
              throw toSnowflakeError(e, timeoutSeconds, noPosition);
            }
          });
          ids.push(child.id);
          await child.done;
          if (child.error) throw child.error;
        }
        const summary = statusResult(0xa000, 'Multiple statements executed successfully.');
        record.data = { ...successData(record.id, session, summary, body.bindings), resultIds: ids.join(','), resultTypes: ids.map(() => 4096).join(',') };
      }
      record.status = 'SUCCESS';
    } catch (e) {
      const error = toSnowflakeError(e, timeoutSeconds, noPosition);
      record.error = withQueryId(error, record.id);
      record.status = e instanceof Aborted ? 'ABORTED' : 'FAILED_WITH_ERROR';
    }
  }

  private async runStatement(
    session: Session,
    sqlText: string,
    statement: Statement,
    bindRows: (string | null)[][],
    deadline: number | undefined,
    signal: AbortSignal,
  ): Promise<StatementResult> {
    const command = findCommand(statement);
    if (command) {
      const { users, grants, account, faults } = this;
      return command.command.run({ session, statement, sig: command.sig, users, grants, account, faults });
    }

    const values: SessionValues = {
      user: session.user,
      role: session.role,
      account: this.account,
      warehouse: session.warehouse,
      database: session.database,
      schema: session.schema,
      sessionId: session.id,
    };
    const translation = translate(sqlText, statement, values);
    const provided = bindRows[0]?.length ?? 0;
    if (translation.bindCount > provided) {
      const at = translation.locate(1);
      throw bindVariableNotSet(at.line, at.pos);
    }
    try {
      const waitMs = translation.waits.reduce((sum, w) => sum + w.ms, 0);
      if (waitMs > 0) await sleep(waitMs, deadline, signal);
      const paramRows = bindRows.length > 0 ? bindRows.map((r) => r.slice(0, translation.bindCount)) : [[]];
      const result = await this.engine.run({
        pre: translation.preStatements,
        sql: translation.pgSql,
        paramRows,
        searchPath: session.schema ? pgIdentifier(session.schema) : undefined,
        deadline,
        signal,
      });
      const info = statement.info;
      if (result.fields.length > 0) return fromPgRows(result.fields, result.rows, translation.columnNames, info.statementTypeId);
      if (['INSERT', 'UPDATE', 'DELETE', 'MERGE'].includes(info.verb)) return dmlResult(info.statementTypeId, info.verb, result.affected);
      return statusResult(info.statementTypeId, ddlStatus(info, result.notices));
    } catch (e) {
      if (e instanceof DeadlineExceeded || e instanceof Aborted) throw e;
      throw toSnowflakeError(e, 0, translation.locate);
    }
  }
}

/** The driver's `bindings` → one row of PostgreSQL parameter values per execution (array binding: many). */
export function bindingRows(bindings: QueryRequestBody['bindings']): (string | null)[][] {
  if (!bindings) return [];
  const keys = Object.keys(bindings).map(Number).filter((n) => Number.isInteger(n) && n > 0);
  if (keys.length === 0) return [];
  const width = Math.max(...keys);
  const column = (k: number): unknown => bindings[String(k)]?.value;
  const arrays = keys.map(column).filter(Array.isArray);
  const count = arrays.length > 0 ? Math.max(...arrays.map((a) => a.length)) : 1;
  const rows: (string | null)[][] = [];
  for (let r = 0; r < count; r++) {
    const row: (string | null)[] = [];
    for (let k = 1; k <= width; k++) {
      const v = column(k);
      row.push(cell(Array.isArray(v) ? v[r] : v));
    }
    rows.push(row);
  }
  return rows;
}

function cell(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function successData(queryId: string, session: Session, result: StatementResult, bindings: QueryRequestBody['bindings']): Record<string, unknown> {
  return {
    parameters: sessionParameters(session),
    rowtype: result.rowtype,
    rowset: result.rowset,
    total: result.rowset.length,
    returned: result.rowset.length,
    queryId,
    databaseProvider: null,
    finalDatabaseName: session.database ?? null,
    finalSchemaName: session.schema ?? null,
    finalWarehouseName: session.warehouse ?? null,
    finalRoleName: session.role,
    numberOfBinds: bindings ? Object.keys(bindings).length : 0,
    arrayBindSupported: false,
    statementTypeId: result.statementTypeId,
    version: 1,
    sendResultTime: Date.now(),
    queryResultFormat: 'json',
    queryContext: { entries: [{ id: 0, timestamp: Date.now() * 1000, priority: 0, context: null }] },
  };
}

function ddlStatus(info: Statement['info'], notices: readonly { code?: string; message: string }[]): string {
  const name = info.objectName ?? '';
  const skipped = notices.some((n) => n.code === '42P07' || n.code === '42P06' || n.code === '00000' || /skipping/.test(n.message));
  if (info.verb === 'CREATE' && name) {
    if (skipped && info.ifNotExists) return `${name} already exists, statement succeeded.`;
    const kind = (info.objectKind ?? 'Object').toLowerCase();
    return `${kind.charAt(0).toUpperCase()}${kind.slice(1)} ${name} successfully created.`;
  }
  if (info.verb === 'DROP' && name) {
    if (skipped && info.ifExists) return `Drop statement executed successfully (${name} already dropped).`;
    return `${name} successfully dropped.`;
  }
  return 'Statement executed successfully.';
}

function toSnowflakeError(e: unknown, timeoutSeconds: number, locate: (p: number) => { line: number; pos: number }): SnowflakeError {
  if (e instanceof SnowflakeError) return e;
  if (e instanceof DeadlineExceeded) return statementTimeout(timeoutSeconds);
  if (e instanceof Aborted) return statementCanceled();
  if (isPgError(e)) return fromPgError(e, locate);
  return new SnowflakeError('000603', `SQL execution internal error: ${e instanceof Error ? e.message : String(e)}`, 'XX000');
}

const noPosition = (): { line: number; pos: number } => ({ line: 1, pos: 0 });

function withQueryId(e: SnowflakeError, queryId: string): SnowflakeError {
  return new SnowflakeError(e.code, e.message, e.sqlState, e.httpStatus, { ...e.data, queryId });
}

function endOf(statement: Statement): number {
  const last = statement.tokens[statement.tokens.length - 1];
  return last.start + last.text.length;
}
