/**
 * The driver's values in the row shape of docs/design/sql-api-executor.md ("One row shape for
 * both transports"). Each value is turned back into the exact text the SQL API would have sent for
 * it, from exact sources only (never from text the session's output formats made), and then
 * converted by the same function the SQL API transport uses (../sql-api/values.ts `convertValue`),
 * so that both transports return the same values by construction. Pure functions.
 *
 * Where each exact source comes from, in snowflake-sdk 3.3.0 (dist/lib/connection/result/):
 * - FIXED, REAL (and DECFLOAT): fetched as strings (`DRIVER_FETCH_AS_STRING` has `Number`:
 *   data_types.js maps FIXED and REAL to the native type NUMBER), which gives the wire text as
 *   Snowflake sent it: column.js `toStringFromNumber` returns `columnValue.raw`, the string
 *   `convertRawNumber` kept. A SQL NULL fetched as a string is the text `NULL` unless the connection
 *   says otherwise (data_types.js `getNullValue`, `isRepresentNullAsStringNull = true`); a number
 *   column never holds that text, so it is read as null.
 * - DATE: an SfDate from `new SfTimestamp(days * 86400, 0, 0, 'UTC')` (column.js `convertRawDate`):
 *   `getEpochSeconds() / 86400` is the wire's day count.
 * - TIMESTAMP_NTZ/LTZ/TZ: an SfDate whose `getEpochSeconds()` and `getNanoSeconds()` are the wire
 *   value split by BigNumber, seconds floored (column.js `convertRawTimestampHelper`), so nanos are
 *   in [0, 1e9) before 1970 too; TIMESTAMP_TZ's `getTimezone()` is the offset in minutes (the
 *   wire's offset - 1440, column.js `convertRawTimestampTz`); sf_timestamp.js `toSfDate` adds the
 *   getters. The JS Date itself is cut to milliseconds and is not used.
 * - TIME: the driver always formats it (column.js `toValueFromTime`: "there's no native javascript
 *   type that can be used to represent time, so just convert to string"), with the session's
 *   TIME_OUTPUT_FORMAT read from the result's parameters (column.js, `statementParameters
 *   ['TIME_OUTPUT_FORMAT']`; result.js builds that map from the response's `parameters`). The
 *   executor's session sets `DRIVER_SESSION_PARAMETERS` (`HH24:MI:SS.FF9`) after each login, so the
 *   text holds every digit (sf_timestamp.js `toString`: `FF9` prints `floor(nanoSeconds)` padded to
 *   9 digits); only that exact shape is accepted.
 * - VARIANT, OBJECT, ARRAY: fetched as strings (`JSON`, `Object`, `Array`), which for a VARIANT
 *   (and OBJECT/ARRAY without structured `fields`, data_types.js `isVariant`) is the raw JSON text,
 *   never parsed (column.js `extractFromRow`: "if we want the value as a string, and the column is
 *   of type variant … we don't need to process the value").
 * - BINARY: a Buffer of the bytes (column.js `convertRawBinary`), whatever BINARY_OUTPUT_FORMAT is.
 * - BOOLEAN: a boolean; TEXT, GEOGRAPHY, GEOMETRY: the string as sent.
 */
import { ColumnType, convertValue, Row, ValueFormatError } from '../sql-api/values';

/**
 * The driver's native types to fetch as strings (snowflake-sdk 3.3.0 data_types.js `nativeTypes`;
 * the statement option `fetchAsString`, row_stream.js `buildMapColumnExtractFnNames`).
 */
export const DRIVER_FETCH_AS_STRING: readonly string[] = ['Number', 'JSON', 'Object', 'Array'];

/**
 * Session parameters the executor's session sets after each login: TIME with all 9 digits
 * (Snowflake's format elements: HH24, MI, SS, FF[0-9],
 * https://docs.snowflake.com/en/sql-reference/functions-conversion#label-date-time-format-conversion).
 */
export const DRIVER_SESSION_PARAMETERS: Readonly<Record<string, string>> = { TIME_OUTPUT_FORMAT: 'HH24:MI:SS.FF9' };

/** The driver's getters of an SfDate (sf_timestamp.js `toSfDate`). */
interface SfDateLike {
  getEpochSeconds(): number;
  getNanoSeconds(): number;
  getTimezone(): unknown;
}

/** The driver's rows in the design note's shape, each value converted by the column of its name (the last of two same-named columns wins, as in the row). */
export function driverRowsOf(rows: readonly Row[], columns: readonly ColumnType[]): Row[] {
  const byName = new Map<string, ColumnType>();
  for (const column of columns) byName.set(column.name, column);
  return rows.map((row) => {
    const out: Row = {};
    for (const [name, value] of Object.entries(row)) {
      const column = byName.get(name);
      if (!column) throw new ValueFormatError({ name, type: 'unknown' }, 'the driver returned a column its metadata does not name');
      out[name] = driverValue(value, column);
    }
    return out;
  });
}

/** One driver value in the design note's shape. */
export function driverValue(value: unknown, column: ColumnType): unknown {
  return convertValue(wireText(value, column), column);
}

/** The text the SQL API would have sent for this driver value (null for SQL NULL). */
export function wireText(value: unknown, column: ColumnType): string | null {
  if (value === null || value === undefined) return null;
  switch (column.type.toUpperCase()) {
    case 'FIXED':
    case 'REAL':
    case 'DECFLOAT':
      if (value === 'NULL') return null;
      if (typeof value !== 'string') throw new ValueFormatError(column, 'the driver did not return the number as its text (fetchAsString Number)');
      return value;
    case 'BOOLEAN':
      if (typeof value !== 'boolean') throw new ValueFormatError(column, 'the driver did not return a boolean');
      return String(value);
    case 'DATE': {
      const seconds = epochSecondsOf(value, column);
      if (seconds % 86_400 !== 0) throw new ValueFormatError(column, 'the driver returned a DATE that is not a whole day');
      return String(seconds / 86_400);
    }
    case 'TIME':
      return timeText(value, column);
    case 'TIMESTAMP_NTZ':
    case 'TIMESTAMP_LTZ':
      return epochText(value as SfDateLike, column);
    case 'TIMESTAMP_TZ': {
      const offset = (value as SfDateLike).getTimezone?.();
      if (typeof offset !== 'number' || !Number.isInteger(offset)) throw new ValueFormatError(column, 'the driver returned no offset in minutes');
      return `${epochText(value as SfDateLike, column)} ${offset + 1440}`;
    }
    case 'VARIANT':
    case 'OBJECT':
    case 'ARRAY':
      // The raw JSON text (fetchAsString); a structured type comes as the driver's JSON.stringify of it.
      return typeof value === 'string' ? value : JSON.stringify(value);
    case 'BINARY':
      if (!Buffer.isBuffer(value)) throw new ValueFormatError(column, 'the driver did not return a Buffer');
      return value.toString('hex').toUpperCase();
    default:
      if (typeof value !== 'string') throw new ValueFormatError(column, 'the driver did not return text');
      return value;
  }
}

function epochSecondsOf(value: unknown, column: ColumnType): number {
  const seconds = (value as SfDateLike | null)?.getEpochSeconds?.();
  if (typeof seconds !== 'number' || !Number.isSafeInteger(seconds)) throw new ValueFormatError(column, 'the driver returned no epoch seconds');
  return seconds;
}

/** Epoch seconds (floored) and nanoseconds as `<seconds>.<9 digits>`, the SQL API's form (right before 1970 too). */
function epochText(value: SfDateLike, column: ColumnType): string {
  const seconds = epochSecondsOf(value, column);
  const nanos = value.getNanoSeconds?.();
  if (typeof nanos !== 'number' || !Number.isInteger(nanos) || nanos < 0 || nanos >= 1e9) {
    throw new ValueFormatError(column, 'the driver returned no nanoseconds in [0, 1e9)');
  }
  const total = BigInt(seconds) * 1_000_000_000n + BigInt(nanos);
  const sign = total < 0n ? '-' : '';
  const abs = total < 0n ? -total : total;
  return `${sign}${abs / 1_000_000_000n}.${String(abs % 1_000_000_000n).padStart(9, '0')}`;
}

/** TIME as formatted by DRIVER_SESSION_PARAMETERS (`HH24:MI:SS.FF9`) → seconds since midnight with 9 decimals. */
function timeText(value: unknown, column: ColumnType): string {
  const m = typeof value === 'string' ? /^(\d{2}):(\d{2}):(\d{2})\.(\d{9})$/.exec(value) : null;
  if (!m) {
    throw new ValueFormatError(column, `the driver's TIME is not in the session format ${DRIVER_SESSION_PARAMETERS.TIME_OUTPUT_FORMAT} `
      + '(was TIME_OUTPUT_FORMAT changed in this session?)');
  }
  const [hours, minutes, seconds] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (hours > 23 || minutes > 59 || seconds > 59) throw new ValueFormatError(column, 'not within a day');
  return `${hours * 3600 + minutes * 60 + seconds}.${m[4]}`;
}
