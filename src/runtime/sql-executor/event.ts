/**
 * The SQL executor's event: checked completely, against what the function declared at synth
 * time, before the secret is read or anything is sent to Snowflake. Messages name the field,
 * the cause and the fix.
 *
 * ```json
 * { "run": "mergeCustomers", "binds": [42, "Ada"] }
 * { "statements": [{ "run": "insertEvent", "binds": [[1, "a"], [2, "b"]] }, { "run": "countEvents" }],
 *   "fetch": { "maxRows": 100 } }
 * ```
 *
 * SQL text in the event (`{ "statements": [{ "sql": "..." }] }`) runs only when the function was
 * built with `allowAnySql: true`; an EventBridge event's `detail` is read only with
 * `eventBridgeDetail: true`.
 */
import { SQL_EXECUTOR_ENV } from '../../shared/environment';
import { BindSpec, parseBindSpec, STATEMENT_NAME, SqlExecutorConfig } from '../../shared/sql-executor-config';
import type { Bind } from '../connector';
import { ConfigurationError, SnowflakeConnectorError } from '../shared/errors';

/** What to return of each statement's rows. */
export type FetchMode = { readonly kind: 'all' } | { readonly kind: 'none' } | { readonly kind: 'max'; readonly maxRows: number };

export interface Statement {
  /** The declared statement's name; absent for SQL text from the event (allowAnySql). */
  readonly name?: string;
  readonly sql: string;
  /** One row of binds (`execute`), or many rows (`executeMany`: one statement, array binding). */
  readonly binds?: readonly Bind[] | readonly (readonly Bind[])[];
}

export interface SqlEvent {
  readonly statements: readonly Statement[];
  readonly fetch: FetchMode;
}

/** What the function may run, read from its environment. */
export interface ExecutorPolicy {
  readonly statements: ReadonlyMap<string, { readonly sql: string; readonly binds: readonly BindSpec[] }>;
  readonly anySql: boolean;
  readonly eventBridgeDetail: boolean;
}

/** At most this many statements in one event: a Lambda invocation is not a migration tool. */
export const MAX_STATEMENTS = 100;

export class InvalidEventError extends SnowflakeConnectorError {
  constructor(field: string, problem: string) {
    super('INVALID_EVENT', `Event field ${field}: ${problem}. Expected { "run": "<declared statement>", "binds": [...] } or `
      + '{ "statements": [{ "run": "...", "binds": [...] }], "fetch": "all" | "none" | { "maxRows": n } }; no SQL was run');
  }
}

/**
 * The event asks for SQL the function was not built to run: a statement name it did not declare,
 * or SQL text without `allowAnySql`. Refused before the secret is read.
 */
export class UndeclaredStatementError extends SnowflakeConnectorError {
  constructor(field: string, problem: string, declared: readonly string[]) {
    super('STATEMENT_NOT_DECLARED', `Event field ${field}: ${problem}. This function runs only the statements declared in `
      + `ConnectorHandler.sqlExecutor({ statements }) (${declared.length > 0 ? declared.join(', ') : 'none are declared'}); `
      + 'declare the statement there and send { "run": "<name>", "binds": [...] }; no SQL was run');
  }
}

/** No statements, no SQL text, no EventBridge: what a function without SNOWFLAKE_SQL_EXECUTOR may run (nothing). */
export const RUN_NOTHING: ExecutorPolicy = { statements: new Map(), anySql: false, eventBridgeDetail: false };

/** The policy from the function's environment; a malformed value is a ConfigurationError, never "anything goes". */
export function policyFromEnvironment(env: Record<string, string | undefined>): ExecutorPolicy {
  const text = env[SQL_EXECUTOR_ENV];
  if (text === undefined || text.trim() === '') return RUN_NOTHING;
  const invalid = (problem: string) => new ConfigurationError('CONFIG_INVALID', `${SQL_EXECUTOR_ENV} is not valid: ${problem}. `
    + 'It is set by ConnectorHandler.sqlExecutor(); redeploy the function rather than editing it');
  let config: SqlExecutorConfig;
  try {
    config = JSON.parse(text);
  } catch {
    throw invalid('not JSON');
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw invalid('not a JSON object');
  const statements = new Map<string, { sql: string; binds: BindSpec[] }>();
  for (const [name, statement] of Object.entries(config.statements ?? {})) {
    const sql = (statement as { sql?: unknown })?.sql;
    const binds = (statement as { binds?: unknown })?.binds ?? [];
    if (!STATEMENT_NAME.test(name) || typeof sql !== 'string' || sql.trim() === '' || !Array.isArray(binds)
      || !binds.every((b) => typeof b === 'string' && parseBindSpec(b))) {
      throw invalid(`statement ${JSON.stringify(name)} is not { sql, binds? }`);
    }
    statements.set(name, { sql, binds: binds as BindSpec[] });
  }
  return { statements, anySql: config.anySql === true, eventBridgeDetail: config.eventBridgeDetail === true };
}

function isBind(value: unknown): value is Bind {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value)}` : `a ${typeof value}`;
}

/** The type of a value as bind types name it, for "expected NUMBER, given TEXT". */
function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return 'TEXT';
  if (typeof value === 'number') return Number.isFinite(value) ? 'NUMBER' : `the non-finite number ${value}`;
  if (typeof value === 'boolean') return 'BOOLEAN';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function bindName(spec: BindSpec): string {
  return spec.endsWith('?') ? `${spec.slice(0, -1)} or null` : spec;
}

function fits(value: unknown, spec: BindSpec): boolean {
  const { kind, nullable } = parseBindSpec(spec)!;
  if (value === null) return nullable;
  if (kind === 'TEXT') return typeof value === 'string';
  if (kind === 'NUMBER') return typeof value === 'number' && Number.isFinite(value);
  return typeof value === 'boolean';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads the event: a direct invocation or Step Functions task input, or (with
 * `eventBridgeDetail`) an EventBridge event whose `detail` holds the request.
 */
export function parseSqlEvent(event: unknown, policy: ExecutorPolicy): SqlEvent {
  if (!isObject(event)) {
    throw new InvalidEventError('(the event)', `must be a JSON object, not ${describe(event)}`);
  }
  let body = event;
  if ('detail-type' in body && 'detail' in body) {
    if (!policy.eventBridgeDetail) {
      throw new InvalidEventError('detail', `the event is an EventBridge event (detail-type ${describe(body['detail-type'])}), and this function `
        + 'does not read the request from detail. Build it with ConnectorHandler.sqlExecutor({ eventBridgeDetail: true }) if events on the bus '
        + 'may run its statements, or give the rule a fixed input (RuleTargetInput.fromObject)');
    }
    if (!isObject(body.detail)) throw new InvalidEventError('detail', `must be a JSON object holding the request, not ${describe(body.detail)}`);
    body = body.detail;
  }
  const declared = [...policy.statements.keys()].sort();
  if ('run' in body) {
    const { run, binds, fetch, ...rest } = body;
    const unknown = Object.keys(rest);
    if (unknown.length > 0) throw new InvalidEventError(unknown[0], 'is not a known field (run, binds, fetch)');
    return { statements: [declaredStatement('(the event)', { run, binds }, policy, declared)], fetch: parseFetch(fetch) };
  }
  const statements = body.statements;
  if (!Array.isArray(statements) || statements.length === 0) {
    throw new InvalidEventError('statements', `must be a non-empty array of { run, binds? }, not ${describe(statements)}; or give "run"`);
  }
  if (statements.length > MAX_STATEMENTS) {
    throw new InvalidEventError('statements', `has ${statements.length} entries; at most ${MAX_STATEMENTS} run in one invocation`);
  }
  const parsed = statements.map((s, i): Statement => {
    const field = `statements[${i}]`;
    if (!isObject(s)) throw new InvalidEventError(field, `must be an object { run, binds? }, not ${describe(s)}`);
    const { run, sql, binds, ...rest } = s;
    const unknown = Object.keys(rest);
    if (unknown.length > 0) throw new InvalidEventError(`${field}.${unknown[0]}`, `is not a known field (run, binds${policy.anySql ? ', sql' : ''})`);
    if (run !== undefined && sql !== undefined) throw new InvalidEventError(field, 'has both run and sql; give one');
    if (run !== undefined || sql === undefined) return declaredStatement(field, { run, binds }, policy, declared);
    if (!policy.anySql) {
      throw new UndeclaredStatementError(`${field}.sql`, 'SQL text is refused', declared);
    }
    return anyStatement(field, sql, binds);
  });
  return { statements: parsed, fetch: parseFetch(body.fetch) };
}

/** A declared statement, its binds checked against the declared types. */
function declaredStatement(field: string, s: { run: unknown; binds: unknown }, policy: ExecutorPolicy, declared: string[]): Statement {
  const at = (name: string) => (field === '(the event)' ? name : `${field}.${name}`);
  if (typeof s.run !== 'string' || s.run === '') throw new InvalidEventError(at('run'), `must be the name of a declared statement, not ${describe(s.run)}`);
  const statement = policy.statements.get(s.run);
  if (!statement) {
    throw new UndeclaredStatementError(at('run'), `${describe(s.run)} is not a declared statement`, declared);
  }
  const name = s.run;
  const types = statement.binds;
  const expected = `${types.length} bind(s) (${types.map(bindName).join(', ') || 'none'})`;
  const binds = s.binds;
  if (binds === undefined || (Array.isArray(binds) && binds.length === 0)) {
    if (types.length > 0) throw new InvalidEventError(at('binds'), `statement ${name} takes ${expected}, and the event gives none`);
    return { name, sql: statement.sql };
  }
  if (!Array.isArray(binds)) throw new InvalidEventError(at('binds'), `must be an array of values, or of rows of values, not ${describe(binds)}`);
  if (types.length === 0) throw new InvalidEventError(at('binds'), `statement ${name} takes no binds, and the event gives ${binds.length}`);
  const checkRow = (row: unknown[], rowField: string) => {
    if (row.length !== types.length) {
      throw new InvalidEventError(rowField, `statement ${name} takes ${expected}, and the event gives ${row.length}`);
    }
    row.forEach((value, index) => {
      if (!fits(value, types[index])) {
        throw new InvalidEventError(`${rowField}[${index}]`, `statement ${name} bind ${index} expects ${bindName(types[index])}, given ${typeOf(value)}`);
      }
    });
  };
  if (binds.every(Array.isArray)) {
    binds.forEach((row, r) => checkRow(row as unknown[], `${at('binds')}[${r}]`));
    return { name, sql: statement.sql, binds: binds as Bind[][] };
  }
  checkRow(binds, at('binds'));
  return { name, sql: statement.sql, binds: binds as Bind[] };
}

/** SQL text from the event (allowAnySql): its binds checked as values only. */
function anyStatement(field: string, sql: unknown, binds: unknown): Statement {
  if (typeof sql !== 'string' || sql.trim() === '') throw new InvalidEventError(`${field}.sql`, `must be a non-empty string, not ${describe(sql)}`);
  if (binds === undefined) return { sql };
  if (!Array.isArray(binds)) throw new InvalidEventError(`${field}.binds`, `must be an array of values, or of rows of values, not ${describe(binds)}`);
  if (binds.length > 0 && binds.every(Array.isArray)) {
    const width = (binds[0] as unknown[]).length;
    binds.forEach((row, r) => {
      const values = row as unknown[];
      if (values.length !== width || width === 0) throw new InvalidEventError(`${field}.binds[${r}]`, `has ${values.length} values and binds[0] has ${width}; every row needs the same non-zero number`);
      const bad = values.findIndex((v) => !isBind(v));
      if (bad >= 0) throw new InvalidEventError(`${field}.binds[${r}][${bad}]`, `must be a string, number, boolean or null, not ${describe(values[bad])}`);
    });
    return { sql, binds: binds as Bind[][] };
  }
  const bad = binds.findIndex((v) => !isBind(v));
  if (bad >= 0) throw new InvalidEventError(`${field}.binds[${bad}]`, `must be a string, number, boolean or null (or every entry a row array), not ${describe(binds[bad])}`);
  return { sql, binds: binds as Bind[] };
}

function parseFetch(fetch: unknown): FetchMode {
  if (fetch === undefined || fetch === 'all') return { kind: 'all' };
  if (fetch === 'none') return { kind: 'none' };
  if (isObject(fetch)) {
    const maxRows = fetch.maxRows;
    if (Number.isInteger(maxRows) && (maxRows as number) >= 1) return { kind: 'max', maxRows: maxRows as number };
    throw new InvalidEventError('fetch.maxRows', `must be a positive integer, not ${describe(maxRows)}`);
  }
  throw new InvalidEventError('fetch', `must be "all", "none" or { "maxRows": n }, not ${describe(fetch)}`);
}
