/**
 * driver-values.ts: the driver's values (as snowflake-sdk 3.3.0 returns them with the executor's
 * fetchAsString and session TIME format) in the design note's row shape, and the same as the SQL
 * API transport's for the same Snowflake value: every case converts the driver's form here and the
 * SQL API's wire form with values.ts, and expects both to be the one value of the table.
 * The driver's objects are built as the driver builds them (sf_timestamp.js toSfDate: a Date with
 * getEpochSeconds/getNanoSeconds/getTimezone/getScale; column.js convertRawBinary: a Buffer).
 */
import { ColumnType, convertValue, ValueFormatError } from '../../../src/runtime/sql-api/values';
import { DRIVER_FETCH_AS_STRING, DRIVER_SESSION_PARAMETERS, driverRowsOf, driverValue, wireText } from '../../../src/runtime/sql-executor/driver-values';

const col = (type: string, scale: number | null = null, name = 'C'): ColumnType => ({ name, type, scale });

/** An SfDate as snowflake-sdk 3.3.0 makes it: a Date cut to milliseconds, with the exact parts beside it. */
function sfDate(epochSeconds: number, nanoSeconds: number, timezone: string | number, scale = 9): Date {
  const date = new Date(epochSeconds * 1000 + Math.trunc(nanoSeconds / 1e6)) as any;
  date.getEpochSeconds = () => epochSeconds;
  date.getNanoSeconds = () => nanoSeconds;
  date.getTimezone = () => timezone;
  date.getScale = () => scale;
  // What the session's output format would make of it: never read by the conversion.
  date.toJSON = () => 'Thu, 02 Jan 2020 (session format)';
  return date;
}

/** Both transports, one value: the driver's form through driverValue, the SQL API's wire text through convertValue. */
function both(driver: unknown, wire: string | null, column: ColumnType): unknown {
  const fromDriver = driverValue(driver, column);
  expect(fromDriver).toEqual(convertValue(wire, column));
  return fromDriver;
}

describe('the driver options the executor sets', () => {
  test('numbers and JSON are fetched as their text; TIME is formatted with all 9 digits', () => {
    expect(DRIVER_FETCH_AS_STRING).toEqual(['Number', 'JSON', 'Object', 'Array']);
    expect(DRIVER_SESSION_PARAMETERS).toEqual({ TIME_OUTPUT_FORMAT: 'HH24:MI:SS.FF9' });
  });
});

describe('NUMBER/FIXED and REAL, from fetchAsString Number (the wire text)', () => {
  test.each([
    ['42', 0, 42],
    ['-17', 0, -17],
    ['12.30', 2, 12.3],
    ['9007199254740991', 0, 9007199254740991],
    // At and beyond 2^53: the decimal text, never a rounded double.
    ['9007199254740992', 0, '9007199254740992'],
    ['9007199254740993', 0, '9007199254740993'],
    ['-9007199254740993', 0, '-9007199254740993'],
    ['99999999999999999999999999999999999999', 0, '99999999999999999999999999999999999999'],
    ['123456789012345678.12', 2, '123456789012345678.12'],
  ])('FIXED %s (scale %d) → %p', (text, scale, expected) => {
    expect(both(text, text, col('fixed', scale))).toBe(expected);
  });

  test.each([['1.5', 1.5], ['NaN', 'NaN'], ['inf', 'inf'], ['-inf', '-inf']])('REAL %s → %p', (text, expected) => {
    expect(both(text, text, col('real'))).toBe(expected);
  });

  test('SQL NULL fetched as a string is the text NULL (data_types.js getNullValue): null', () => {
    expect(both('NULL', null, col('fixed', 0))).toBeNull();
    expect(both(null, null, col('real'))).toBeNull();
  });

  test('(failing case) a number the driver converted (fetchAsString missing) is refused, not passed on rounded', () => {
    expect(() => driverValue(9007199254740992, col('fixed', 0))).toThrow(ValueFormatError);
    expect(() => driverValue(9007199254740992, col('fixed', 0))).toThrow(/fetchAsString Number/);
  });
});

describe('DATE, from the SfDate\'s epoch seconds (days × 86400), never its formatted text', () => {
  test.each([
    [18263, '2020-01-02'],
    [0, '1970-01-01'],
    [-1, '1969-12-31'],
    [-719528, '0000-01-01'],
    [2932896, '9999-12-31'],
  ])('day %d → %s', (days, expected) => {
    expect(both(sfDate(days * 86400, 0, 'UTC', 0), String(days), col('date'))).toBe(expected);
  });

  test('(failing case) not a whole day, or no epoch seconds: refused', () => {
    expect(() => driverValue(sfDate(86400 + 1, 0, 'UTC'), col('date'))).toThrow(/not a whole day/);
    expect(() => driverValue(new Date(0), col('date'))).toThrow(/no epoch seconds/);
    expect(() => driverValue('2020-01-02', col('date'))).toThrow(ValueFormatError);
  });
});

describe('TIME, from the session format HH24:MI:SS.FF9', () => {
  test.each([
    ['12:34:56.123456789', '45296.123456789', 9, '12:34:56.123456789'],
    ['12:34:56.123456000', '45296.123456000', 6, '12:34:56.123456'],
    ['23:59:59.999999999', '86399.999999999', 3, '23:59:59.999'],
    ['00:00:00.000000000', '0.000000000', 0, '00:00:00'],
  ])('%s (the SQL API\'s %s, scale %d) → %s', (driver, wire, scale, expected) => {
    expect(both(driver, wire, col('time', scale))).toBe(expected);
    expect(wireText(driver, col('time', scale))).toBe(wire);
  });

  test('(failing case) TIME in another format (the session\'s TIME_OUTPUT_FORMAT changed) is refused, not read with digits missing', () => {
    expect(() => driverValue('12:34:56', col('time', 9))).toThrow(/is not in the session format HH24:MI:SS\.FF9/);
    expect(() => driverValue('12:34:56.123', col('time', 9))).toThrow(ValueFormatError);
    expect(() => driverValue('24:00:00.000000000', col('time', 9))).toThrow(/not within a day/);
  });
});

describe('TIMESTAMP_*, from epoch seconds, nanoseconds and offset (not the Date, which is cut to ms)', () => {
  test.each([
    // NTZ: wall clock, no zone; 9-digit fractions kept.
    ['timestamp_ntz', 1577934245, 123456789, 'UTC', '1577934245.123456789', 9, '2020-01-02T03:04:05.123456789'],
    ['timestamp_ntz', 1577934245, 123456789, 'UTC', '1577934245.123456789', 3, '2020-01-02T03:04:05.123'],
    // Before 1970: seconds floored, nanos in [0, 1e9), as the driver splits them.
    ['timestamp_ntz', -1, 500000000, 'UTC', '-0.500000000', 9, '1969-12-31T23:59:59.500000000'],
    ['timestamp_ntz', -86401, 0, 'UTC', '-86401.000000000', 0, '1969-12-30T23:59:59'],
    // LTZ: the instant in UTC with Z, whatever the session's TIMEZONE.
    ['timestamp_ltz', 1577914445, 123456000, 'America/Los_Angeles', '1577914445.123456000', 6, '2020-01-01T21:34:05.123456Z'],
    ['timestamp_ltz', -1, 999999999, 'Asia/Kolkata', '-0.000000001', 9, '1969-12-31T23:59:59.999999999Z'],
  ])('%s %d s %d ns (session zone %s; the SQL API\'s %s, scale %d) → %s', (type, seconds, nanos, timezone, wire, scale, expected) => {
    expect(both(sfDate(seconds, nanos, timezone, scale), wire, col(type, scale))).toBe(expected);
  });

  test.each([
    // TZ: the value's own offset (getTimezone: minutes), the wire's offset + 1440.
    [1577914445, 0, 330, '1577914445.000000000 1770', 0, '2020-01-02T03:04:05+05:30'],
    [1577914445, 120000000, -480, '1577914445.120000000 960', 2, '2020-01-01T13:34:05.12-08:00'],
    [0, 0, 840, '0.000000000 2280', 0, '1970-01-01T14:00:00+14:00'],
    [-1, 1, -720, '-0.999999999 720', 9, '1969-12-31T11:59:59.000000001-12:00'],
  ])('TIMESTAMP_TZ %d s %d ns at %d min (the SQL API\'s %s, scale %d) → %s', (seconds, nanos, offset, wire, scale, expected) => {
    expect(both(sfDate(seconds, nanos, offset, scale), wire, col('timestamp_tz', scale))).toBe(expected);
  });

  test('(failing case) a plain Date, or a TZ value without its offset, is refused', () => {
    expect(() => driverValue(new Date(0), col('timestamp_ntz', 9))).toThrow(/no epoch seconds/);
    expect(() => driverValue(sfDate(0, 0, 'UTC'), col('timestamp_tz', 9))).toThrow(/no offset in minutes/);
    expect(() => driverValue(sfDate(0, 1e9, 'UTC'), col('timestamp_ntz', 9))).toThrow(/nanoseconds/);
  });
});

describe('BOOLEAN, BINARY, JSON, text', () => {
  test('BOOLEAN', () => {
    expect(both(true, 'true', col('boolean'))).toBe(true);
    expect(both(false, 'false', col('boolean'))).toBe(false);
    expect(() => driverValue('TRUE', col('boolean'))).toThrow(ValueFormatError);
  });

  test('BINARY: the Buffer as upper-case hex (not {"type":"Buffer",…}), whatever BINARY_OUTPUT_FORMAT is', () => {
    const buffer = Object.assign(Buffer.from('Hello'), { toStringSf: () => 'SGVsbG8=' }); // a BASE64 session
    expect(both(buffer, '48656C6C6F', col('binary'))).toBe('48656C6C6F');
    expect(both(Buffer.alloc(0), '', col('binary'))).toBe('');
    expect(() => driverValue('48656C6C6F', col('binary'))).toThrow(/did not return a Buffer/);
  });

  test.each(['variant', 'object', 'array'])('%s: the raw JSON text (fetchAsString) parsed; a structured value as JSON', (type) => {
    expect(both('{"a": [1, 2], "big": 9007199254740993}', '{"a": [1, 2], "big": 9007199254740993}', col(type))).toEqual({ a: [1, 2], big: 9007199254740992 });
    expect(both('[1, "x", null]', '[1, "x", null]', col(type))).toEqual([1, 'x', null]);
    expect(driverValue({ a: 1 }, col(type))).toEqual({ a: 1 });
    expect(() => driverValue('{not json', col(type))).toThrow(/not JSON text/);
  });

  test.each(['text', 'geography', 'geometry'])('%s: the string as it is', (type) => {
    expect(both('POINT(1 2)', 'POINT(1 2)', col(type))).toBe('POINT(1 2)');
    expect(() => driverValue(12, col(type))).toThrow(/did not return text/);
  });
});

describe('driverRowsOf', () => {
  test('every column by its name, the row\'s keys kept', () => {
    const columns = [col('fixed', 0, 'BIG'), col('fixed', 2, 'DEC'), col('date', null, 'DT'), col('boolean', null, 'FLAG'), col('text', null, 'T')];
    const rows = [{ BIG: '9007199254740993', DEC: '12.30', DT: sfDate(18263 * 86400, 0, 'UTC', 0), FLAG: true, T: 'text' }];
    expect(driverRowsOf(rows, columns)).toEqual([{ BIG: '9007199254740993', DEC: 12.3, DT: '2020-01-02', FLAG: true, T: 'text' }]);
    expect(JSON.stringify(driverRowsOf(rows, columns))).toBe('[{"BIG":"9007199254740993","DEC":12.3,"DT":"2020-01-02","FLAG":true,"T":"text"}]');
  });

  test('two columns of one name: the last one\'s type, as its value is the one in the row', () => {
    expect(driverRowsOf([{ X: '7' }], [col('text', null, 'X'), col('fixed', 0, 'X')])).toEqual([{ X: 7 }]);
  });

  test('(failing case) a key the metadata does not name is refused', () => {
    expect(() => driverRowsOf([{ Y: '1' }], [col('fixed', 0, 'X')])).toThrow(/metadata does not name/);
  });
});
