/**
 * Snowflake's JSON result format (queryResultFormat "json"): `rowtype` describes the columns with
 * Snowflake types, `rowset` holds every value as a string (or null) that the driver converts
 * (lib/connection/result/column.js):
 * - fixed: decimal text; real: float text; boolean: "1"/"0"; text: as is;
 * - date: days since 1970-01-01; time: seconds since midnight with 9 decimals;
 * - timestamp_ntz / timestamp_ltz: seconds since the epoch with 9 decimals;
 * - binary: hex; variant/object/array: JSON text.
 */
import { snowflakeName } from './errors';

export interface RowType {
  readonly name: string;
  readonly database: string;
  readonly schema: string;
  readonly table: string;
  readonly type: string;
  readonly precision: number | null;
  readonly scale: number | null;
  readonly length: number | null;
  readonly byteLength: number | null;
  readonly nullable: boolean;
  readonly collation: null;
}

export type Cell = string | null;

/** A statement's result, ready for the `data` of a query response. */
export interface StatementResult {
  readonly statementTypeId: number;
  readonly rowtype: readonly RowType[];
  readonly rowset: readonly Cell[][];
}

/** PostgreSQL type OIDs (pg_type.oid) we map. */
const OID = {
  BOOL: 16,
  BYTEA: 17,
  NAME: 19,
  INT8: 20,
  INT2: 21,
  INT4: 23,
  TEXT: 25,
  OID: 26,
  JSON: 114,
  FLOAT4: 700,
  FLOAT8: 701,
  BPCHAR: 1042,
  VARCHAR: 1043,
  DATE: 1082,
  TIME: 1083,
  TIMESTAMP: 1114,
  TIMESTAMPTZ: 1184,
  NUMERIC: 1700,
  JSONB: 3802,
  UUID: 2950,
} as const;

const TEXT_LENGTH = 16777216;

export function column(name: string, type: string, extra: Partial<RowType> = {}): RowType {
  const isText = type === 'text';
  return {
    name,
    database: '',
    schema: '',
    table: '',
    type,
    precision: type === 'fixed' ? 38 : null,
    scale: type === 'fixed' ? 0 : type.startsWith('timestamp') || type === 'time' ? 9 : null,
    length: isText ? TEXT_LENGTH : null,
    byteLength: isText || type === 'binary' ? TEXT_LENGTH : null,
    nullable: true,
    collation: null,
    ...extra,
  };
}

/** Rows from PostgreSQL (array row mode, raw text values) → Snowflake rowtype and rowset. */
export function fromPgRows(
  fields: readonly { name: string; dataTypeID: number }[],
  rows: readonly unknown[][],
  computedNames: readonly (string | undefined)[] | undefined,
  statementTypeId: number,
): StatementResult {
  const names = computedNames && computedNames.length === fields.length ? computedNames : undefined;
  const rowtype = fields.map((f, i) => {
    const name = names?.[i] ?? snowflakeName(f.name);
    const type = snowflakeType(f.dataTypeID);
    if (type === 'fixed' && f.dataTypeID === OID.NUMERIC) {
      // PGlite does not give us the typmod; the scale shows in the text of the values.
      const scale = Math.max(0, ...rows.map((r) => decimals(r[i])));
      return column(name, type, { scale });
    }
    return column(name, type);
  });
  const rowset = rows.map((r) => r.map((v, i) => toCell(v, fields[i].dataTypeID)));
  return { statementTypeId, rowtype, rowset };
}

/** DML results as Snowflake reports them: one row of counts, which the driver sums for getNumUpdatedRows(). */
export function dmlResult(statementTypeId: number, verb: string, affected: number): StatementResult {
  const fixed = (name: string): RowType => column(name, 'fixed', { nullable: false });
  switch (verb) {
    case 'INSERT':
      return { statementTypeId, rowtype: [fixed('number of rows inserted')], rowset: [[String(affected)]] };
    case 'UPDATE':
      return { statementTypeId, rowtype: [fixed('number of rows updated'), fixed('number of multi-joined rows updated')], rowset: [[String(affected), '0']] };
    case 'DELETE':
      return { statementTypeId, rowtype: [fixed('number of rows deleted')], rowset: [[String(affected)]] };
    default:
      // MERGE: PostgreSQL does not split the count; report it all as updated.
      return {
        statementTypeId,
        rowtype: [fixed('number of rows inserted'), fixed('number of rows updated'), fixed('number of rows deleted')],
        rowset: [['0', String(affected), '0']],
      };
  }
}

/** DDL, USE, ALTER SESSION…: one "status" column. */
export function statusResult(statementTypeId: number, status: string): StatementResult {
  return { statementTypeId, rowtype: [column('status', 'text', { nullable: false })], rowset: [[status]] };
}

function snowflakeType(oid: number): string {
  switch (oid) {
    case OID.INT2: case OID.INT4: case OID.INT8: case OID.OID: case OID.NUMERIC: return 'fixed';
    case OID.FLOAT4: case OID.FLOAT8: return 'real';
    case OID.BOOL: return 'boolean';
    case OID.DATE: return 'date';
    case OID.TIME: return 'time';
    case OID.TIMESTAMP: return 'timestamp_ntz';
    case OID.TIMESTAMPTZ: return 'timestamp_ltz';
    case OID.BYTEA: return 'binary';
    case OID.JSON: case OID.JSONB: return 'variant';
    default: return 'text';
  }
}

function toCell(value: unknown, oid: number): Cell {
  if (value === null || value === undefined) return null;
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  switch (oid) {
    case OID.BOOL: return text === 't' || text === 'true' ? '1' : '0';
    case OID.DATE: return String(Math.floor(Date.UTC(...ymd(text)) / 86400000));
    case OID.TIME: return secondsOfDay(text);
    case OID.TIMESTAMP: case OID.TIMESTAMPTZ: return epochSeconds(text);
    case OID.BYTEA: return text.startsWith('\\x') ? text.slice(2).toUpperCase() : Buffer.from(text).toString('hex').toUpperCase();
    default: return text;
  }
}

function decimals(value: unknown): number {
  if (typeof value !== 'string') return 0;
  const dot = value.indexOf('.');
  return dot < 0 ? 0 : value.length - dot - 1;
}

function ymd(text: string): [number, number, number] {
  const m = /^(-?\d{4,})-(\d\d)-(\d\d)/.exec(text);
  if (!m) throw new Error(`unexpected date text from PostgreSQL: ${text}`);
  const year = Number(m[1]) * (text.endsWith(' BC') ? -1 : 1);
  return [year, Number(m[2]) - 1, Number(m[3])];
}

/** "HH:MM:SS[.ffffff]" → "SSSSS.fffffffff". */
function secondsOfDay(text: string): string {
  const m = /^(\d\d):(\d\d):(\d\d)(?:\.(\d+))?/.exec(text);
  if (!m) return text;
  const seconds = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
  return `${seconds}.${(m[4] ?? '').padEnd(9, '0').slice(0, 9)}`;
}

/** "YYYY-MM-DD HH:MM:SS[.ffffff][+HH[:MM]]" → "<epoch seconds>.fffffffff". */
function epochSeconds(text: string): string {
  const m = /^(-?\d{4,})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?)?/.exec(text);
  if (!m) return text;
  let seconds = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) / 1000;
  if (m[8]) {
    const offset = Number(m[9]) * 3600 + Number(m[10] ?? 0) * 60 + Number(m[11] ?? 0);
    seconds -= (m[8] === '-' ? -1 : 1) * offset;
  }
  return fixed9(BigInt(seconds) * 1000000000n + BigInt((m[7] ?? '').padEnd(9, '0').slice(0, 9)));
}

/** Nanoseconds → "<seconds>.<9 digits>", right for negative values too. */
function fixed9(nanos: bigint): string {
  const sign = nanos < 0n ? '-' : '';
  const abs = nanos < 0n ? -nanos : nanos;
  return `${sign}${abs / 1000000000n}.${String(abs % 1000000000n).padStart(9, '0')}`;
}

/** Epoch milliseconds → a timestamp cell, "<epoch seconds>.<9 digits>" (commands that answer timestamps). */
export function timestampCell(epochMs: number): string {
  return fixed9(BigInt(Math.trunc(epochMs)) * 1000000n);
}
