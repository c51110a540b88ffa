/**
 * Values of the SQL API's `data`, converted by `rowType` into the row shape both transports
 * return (docs/design/sql-api-executor.md, "One row shape for both transports"). Pure functions.
 *
 * The wire: "The data in the result set is encoded in JSON expressed as strings, regardless of the
 * Snowflake data type of the column" (https://docs.snowflake.com/en/developer-guide/sql-api/handling-responses,
 * "Getting the data from the results"), as long as no output-format parameter is sent (none is):
 * - FIXED: "Decimal number in a string"; REAL: "Integer or float in a string";
 * - BOOLEAN: "false" / "true";
 * - DATE: "Integer value (in a string) of the number of days since the epoch";
 * - TIME: "Float value (with 9 decimal places) of the number of seconds";
 * - TIMESTAMP_LTZ / TIMESTAMP_NTZ: "Float value (with 9 decimal places) of the number of seconds
 *   since the epoch";
 * - TIMESTAMP_TZ: "Float value (with 9 decimal places) of the number of seconds since the epoch,
 *   followed by a space and the time zone offset in minutes … a positive integer ranging from 720
 *   (-12) to 2160 (+12)", so `timezone_in_minutes = offset - 1440`; offsets past ±12 h exist
 *   (UTC+14), and snowflake-sdk 3.3.0 accepts 0..2880 (lib/connection/result/column.js, the
 *   TIMESTAMP_TZ converter), as here;
 * - BINARY: "Hexadecimal number in a string";
 * - VARIANT, OBJECT, ARRAY: JSON text (not in that list; snowflake-sdk parses it as JSON, column.js);
 * - GEOGRAPHY, GEOMETRY and any other type: text, kept as it is.
 * Type names are compared without regard to case: the recorded responses (the reference's 200
 * example, Snowflake's quickstart) write them in lower case, the field tables in upper case.
 * Fractions may carry any number of digits: snowflake-sdk scales by rowType's `scale`, not by the
 * digits (column.js), so `1616173619.123` is read as well as `1616173619.123000000`.
 */

/** One column of `resultSetMetaData.rowType` (fields that do not apply are null on the wire). */
export interface ColumnType {
  readonly name: string;
  readonly type: string;
  readonly scale?: number | null;
  readonly precision?: number | null;
  readonly nullable?: boolean | null;
}

/** A row as the executor returns it: keyed by column name, as the driver path's rows are. */
export type Row = Record<string, unknown>;

/** A value the SQL API sent that its column's type does not allow. */
export class ValueFormatError extends Error {
  constructor(column: ColumnType, problem: string) {
    super(`Column ${JSON.stringify(column.name)} (${column.type}): ${problem}`);
    this.name = 'ValueFormatError';
  }
}

/** The rows of `data` as objects keyed by column name (the last of two same-named columns wins, as in snowflake-sdk). */
export function rowsOf(data: readonly (readonly (string | null)[])[], rowType: readonly ColumnType[]): Row[] {
  return data.map((cells) => {
    const row: Row = {};
    rowType.forEach((column, i) => {
      row[column.name] = convertValue(cells[i] ?? null, column);
    });
    return row;
  });
}

/** One value of `data`, converted by its column's type. */
export function convertValue(raw: string | null, column: ColumnType): unknown {
  if (raw === null) return null;
  switch (column.type.toUpperCase()) {
    case 'FIXED':
    case 'DECFLOAT':
      return exactNumber(raw, column);
    case 'REAL':
      return realNumber(raw, column);
    case 'BOOLEAN':
      return booleanOf(raw, column);
    case 'DATE':
      return dateOf(raw, column);
    case 'TIME':
      return timeOf(raw, column);
    case 'TIMESTAMP_NTZ':
      return timestampOf(raw, column, 'ntz');
    case 'TIMESTAMP_LTZ':
      return timestampOf(raw, column, 'ltz');
    case 'TIMESTAMP_TZ':
      return timestampTzOf(raw, column);
    case 'VARIANT':
    case 'OBJECT':
    case 'ARRAY':
      return jsonOf(raw, column);
    case 'BINARY':
      return binaryOf(raw, column);
    default:
      // TEXT, GEOGRAPHY, GEOMETRY, and types this version does not know: the text as sent.
      return raw;
  }
}

// ---------------------------------------------------------------------------------------------
// Numbers

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** A decimal text as sign, digits and exponent: `-12.50` → `-`, `1250`, -2 (value = digits × 10^exp). */
function decimalParts(text: string): { negative: boolean; digits: string; exponent: number } | undefined {
  const m = DECIMAL.exec(text.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const fraction = m[3] ?? '';
  let digits = `${m[2]}${fraction}`.replace(/^0+/, '');
  let exponent = Number(m[4] ?? 0) - fraction.length;
  const trailing = /0*$/.exec(digits)![0].length;
  if (digits.length > 0 && trailing > 0) {
    digits = digits.slice(0, digits.length - trailing);
    exponent += trailing;
  }
  if (digits === '') return { negative: false, digits: '0', exponent: 0 };
  return { negative: m[1] === '-', digits, exponent };
}

function sameDecimal(a: string, b: string): boolean {
  const x = decimalParts(a);
  const y = decimalParts(b);
  return !!x && !!y && x.negative === y.negative && x.digits === y.digits && x.exponent === y.exponent;
}

/**
 * FIXED (and DECFLOAT): a JSON number when the double holds the decimal exactly (its shortest
 * decimal is the same value) and, for integers, when no other integer shares that double (within
 * ±2^53 − 1: 2^53 itself is also 2^53 + 1 rounded); otherwise the decimal text as Snowflake sent it.
 */
function exactNumber(raw: string, column: ColumnType): number | string {
  const parts = decimalParts(raw);
  if (!parts) throw new ValueFormatError(column, 'not a decimal number');
  const value = Number(raw);
  if (!Number.isFinite(value)) return raw;
  if (Number.isInteger(value) && !Number.isSafeInteger(value)) return raw;
  if (!sameDecimal(String(value), raw)) return raw;
  return value === 0 ? 0 : value; // no -0
}

/** REAL: a JSON number; the non-finite as the strings `NaN`, `inf`, `-inf`. */
function realNumber(raw: string, column: ColumnType): number | string {
  const text = raw.trim();
  if (/^[+-]?nan$/i.test(text)) return 'NaN';
  if (/^\+?inf(inity)?$/i.test(text)) return 'inf';
  if (/^-inf(inity)?$/i.test(text)) return '-inf';
  if (!decimalParts(text)) throw new ValueFormatError(column, 'not a floating-point number');
  const value = Number(text);
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  return value;
}

// ---------------------------------------------------------------------------------------------
// BOOLEAN, BINARY, JSON

function booleanOf(raw: string, column: ColumnType): boolean {
  const text = raw.trim().toLowerCase();
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  throw new ValueFormatError(column, 'not "true" or "false"');
}

function binaryOf(raw: string, column: ColumnType): string {
  if (!/^([0-9a-fA-F]{2})*$/.test(raw)) throw new ValueFormatError(column, 'not hexadecimal');
  return raw.toUpperCase();
}

function jsonOf(raw: string, column: ColumnType): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new ValueFormatError(column, 'not JSON text');
  }
}

// ---------------------------------------------------------------------------------------------
// Dates and times

const NANOS_PER_SECOND = 1_000_000_000n;
const SECONDS_PER_DAY = 86_400n;

/** `seconds[.fraction]` (either sign) as whole seconds (floored) and nanoseconds in [0, 1e9). */
function epochParts(text: string, column: ColumnType): { seconds: bigint; nanos: bigint } {
  const m = /^([+-]?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) throw new ValueFormatError(column, 'not a number of seconds');
  const fraction = (m[3] ?? '').padEnd(9, '0');
  if (fraction.length > 9 && /[1-9]/.test(fraction.slice(9))) throw new ValueFormatError(column, 'more than 9 fractional digits');
  let total = BigInt(m[2]) * NANOS_PER_SECOND + BigInt(fraction.slice(0, 9));
  if (m[1] === '-') total = -total;
  let seconds = total / NANOS_PER_SECOND;
  let nanos = total - seconds * NANOS_PER_SECOND;
  if (nanos < 0n) {
    seconds -= 1n;
    nanos += NANOS_PER_SECOND;
  }
  return { seconds, nanos };
}

/** The fractional digits to show: the column's scale (0..9); without one, the digits sent. */
function scaleOf(column: ColumnType, text: string): number {
  const scale = column.scale;
  if (typeof scale === 'number' && Number.isInteger(scale) && scale >= 0) return Math.min(scale, 9);
  const fraction = /\.(\d+)/.exec(text)?.[1] ?? '';
  return Math.min(fraction.length, 9);
}

function fractionText(nanos: bigint, scale: number): string {
  return scale === 0 ? '' : `.${nanos.toString().padStart(9, '0').slice(0, scale)}`;
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

/** Days since 1970-01-01 as `YYYY-MM-DD` (proleptic Gregorian, as Snowflake's DATE). */
function civilDate(days: bigint): string {
  const date = new Date(Number(days) * 86_400_000);
  const year = date.getUTCFullYear();
  const yearText = year < 0 ? `-${pad(-year, 6)}` : year > 9999 ? `+${pad(year, 6)}` : pad(year, 4);
  return `${yearText}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
}

/** Seconds into a day as `HH:MM:SS`. */
function clock(secondsOfDay: bigint): string {
  const s = Number(secondsOfDay);
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q;
}

/** Epoch seconds and nanos as `YYYY-MM-DDTHH:MM:SS[.f]`. */
function dateTime(seconds: bigint, nanos: bigint, scale: number): string {
  const days = floorDiv(seconds, SECONDS_PER_DAY);
  return `${civilDate(days)}T${clock(seconds - days * SECONDS_PER_DAY)}${fractionText(nanos, scale)}`;
}

/** DATE: days since the epoch (negative before 1970) → `YYYY-MM-DD`. */
function dateOf(raw: string, column: ColumnType): string {
  if (!/^[+-]?\d+$/.test(raw.trim())) throw new ValueFormatError(column, 'not a number of days');
  return civilDate(BigInt(raw.trim()));
}

/** TIME: seconds since midnight → `HH:MM:SS` with the column's fractional digits. */
function timeOf(raw: string, column: ColumnType): string {
  const { seconds, nanos } = epochParts(raw.trim(), column);
  if (seconds < 0n || seconds >= SECONDS_PER_DAY) throw new ValueFormatError(column, 'not within a day');
  return `${clock(seconds)}${fractionText(nanos, scaleOf(column, raw))}`;
}

/** TIMESTAMP_NTZ (wall clock, no zone) and TIMESTAMP_LTZ (an instant, shown in UTC with `Z`). */
function timestampOf(raw: string, column: ColumnType, kind: 'ntz' | 'ltz'): string {
  const { seconds, nanos } = epochParts(raw.trim(), column);
  const text = dateTime(seconds, nanos, scaleOf(column, raw));
  return kind === 'ltz' ? `${text}Z` : text;
}

/** TIMESTAMP_TZ: `"<seconds> <offset + 1440>"` → ISO 8601 in the value's own offset (`+05:30`). */
function timestampTzOf(raw: string, column: ColumnType): string {
  const m = /^(\S+)\s+(\d+)$/.exec(raw.trim());
  if (!m) throw new ValueFormatError(column, 'not "<seconds> <offset>"');
  const encoded = Number(m[2]);
  if (encoded > 2880) throw new ValueFormatError(column, `offset ${encoded} is outside 0..2880`);
  const minutes = encoded - 1440;
  const { seconds, nanos } = epochParts(m[1], column);
  const local = dateTime(seconds + BigInt(minutes * 60), nanos, scaleOf(column, m[1]));
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${local}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
