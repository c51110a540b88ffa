/**
 * The SQL executor's event: checked completely before any SQL runs, with a message that names
 * the field, the cause and the fix.
 *
 * ```json
 * { "statements": [{ "sql": "INSERT INTO T VALUES (?, ?)", "binds": [[1, "a"], [2, "b"]] },
 *                  { "sql": "SELECT COUNT(*) AS N FROM T" }],
 *   "fetch": { "maxRows": 100 } }
 * ```
 */
import type { Bind } from '../connector';
import { SnowflakeConnectorError } from '../shared/errors';

/** What to return of each statement's rows. */
export type FetchMode = { readonly kind: 'all' } | { readonly kind: 'none' } | { readonly kind: 'max'; readonly maxRows: number };

export interface Statement {
  readonly sql: string;
  /** One row of binds (`execute`), or many rows (`executeMany`: one statement, array binding). */
  readonly binds?: readonly Bind[] | readonly (readonly Bind[])[];
}

export interface SqlEvent {
  readonly statements: readonly Statement[];
  readonly fetch: FetchMode;
}

/** At most this many statements in one event: a Lambda invocation is not a migration tool. */
export const MAX_STATEMENTS = 100;

export class InvalidEventError extends SnowflakeConnectorError {
  constructor(field: string, problem: string) {
    super('INVALID_EVENT', `Event field ${field}: ${problem}. Expected { "statements": [{ "sql": "...", "binds": [...] }], `
      + '"fetch": "all" | "none" | { "maxRows": n } }; no SQL was run');
  }
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

/**
 * Reads the event: a direct invocation or Step Functions task input, or an EventBridge event
 * whose `detail` holds the statements.
 */
export function parseSqlEvent(event: unknown): SqlEvent {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new InvalidEventError('(the event)', `must be a JSON object, not ${describe(event)}`);
  }
  let body = event as Record<string, unknown>;
  if ('detail-type' in body && typeof body.detail === 'object' && body.detail !== null) {
    body = body.detail as Record<string, unknown>;
  }
  const statements = body.statements;
  if (!Array.isArray(statements) || statements.length === 0) {
    throw new InvalidEventError('statements', `must be a non-empty array of { sql, binds? }, not ${describe(statements)}`);
  }
  if (statements.length > MAX_STATEMENTS) {
    throw new InvalidEventError('statements', `has ${statements.length} entries; at most ${MAX_STATEMENTS} run in one invocation`);
  }
  const parsed = statements.map((s, i): Statement => {
    const field = `statements[${i}]`;
    if (typeof s !== 'object' || s === null || Array.isArray(s)) throw new InvalidEventError(field, `must be an object { sql, binds? }, not ${describe(s)}`);
    const { sql, binds, ...rest } = s as Record<string, unknown>;
    const unknown = Object.keys(rest);
    if (unknown.length > 0) throw new InvalidEventError(`${field}.${unknown[0]}`, 'is not a known field (sql, binds)');
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
  });
  return { statements: parsed, fetch: parseFetch(body.fetch) };
}

function parseFetch(fetch: unknown): FetchMode {
  if (fetch === undefined || fetch === 'all') return { kind: 'all' };
  if (fetch === 'none') return { kind: 'none' };
  if (typeof fetch === 'object' && fetch !== null && !Array.isArray(fetch)) {
    const maxRows = (fetch as Record<string, unknown>).maxRows;
    if (Number.isInteger(maxRows) && (maxRows as number) >= 1) return { kind: 'max', maxRows: maxRows as number };
    throw new InvalidEventError('fetch.maxRows', `must be a positive integer, not ${describe(maxRows)}`);
  }
  throw new InvalidEventError('fetch', `must be "all", "none" or { "maxRows": n }, not ${describe(fetch)}`);
}
