/**
 * values.ts: every SQL API wire form (RESP "Getting the data from the results") converted into the
 * row shape of docs/design/sql-api-executor.md. Pure: each type, its edges (negative epochs, dates
 * before 1970, 9-digit fractions, offsets, numbers at and beyond 2^53), and what is refused.
 */
import { ColumnType, convertValue, rowsOf, ValueFormatError } from '../../../src/runtime/sql-api/values';

const col = (type: string, scale: number | null = null): ColumnType => ({ name: 'C', type, scale });

describe('FIXED: a number when the double holds it exactly, else the decimal text', () => {
  test.each([
    ['0', 0, 0],
    ['-0', 0, 0],
    ['42', 0, 42],
    ['-17', 0, -17],
    ['12.30', 2, 12.3],
    ['0.10', 2, 0.1],
    ['-0.5', 1, -0.5],
    ['9007199254740991', 0, 9007199254740991],
    ['-9007199254740991', 0, -9007199254740991],
    ['0.0000001', 7, 1e-7],
  ])('%s (scale %d) is the number %d', (raw, scale, expected) => {
    const value = convertValue(raw, col('fixed', scale));
    expect(value).toBe(expected);
    expect(Object.is(value, -0)).toBe(false);
  });

  test.each([
    // 2^53: the double also stands for 2^53 + 1, so it is not exact as an integer.
    ['9007199254740992', 0],
    ['9007199254740993', 0],
    ['-9007199254740993', 0],
    ['99999999999999999999999999999999999999', 0],
    ['123456789012345678.12', 2],
    ['0.12345678901234567890', 20],
    ['1.00000000000000000001', 20],
  ])('%s (scale %d) stays the decimal text', (raw, scale) => {
    expect(convertValue(raw, col('FIXED', scale))).toBe(raw);
  });

  test('DECFLOAT in scientific notation: exact → number, else text', () => {
    expect(convertValue('1.5e3', col('decfloat'))).toBe(1500);
    expect(convertValue('1.23e-40', col('decfloat'))).toBe(1.23e-40);
    expect(convertValue('1.234567890123456789012345e-40', col('decfloat'))).toBe('1.234567890123456789012345e-40');
  });

  test('not a number: refused, naming the column, never quoting the value', () => {
    expect(() => convertValue('12abc', col('fixed', 0))).toThrow(ValueFormatError);
    expect(() => convertValue('12abc', col('fixed', 0))).toThrow(/^Column "C" \(fixed\): not a decimal number$/);
  });
});

describe('REAL', () => {
  test.each([
    ['1.5', 1.5],
    ['-2', -2],
    ['1e+300', 1e300],
    ['3.141592653589793', Math.PI],
    ['NaN', 'NaN'],
    ['nan', 'NaN'],
    ['inf', 'inf'],
    ['Infinity', 'inf'],
    ['-inf', '-inf'],
    ['-Infinity', '-inf'],
    ['1e400', 'inf'],
  ])('%s → %p', (raw, expected) => {
    expect(convertValue(raw, col('real'))).toBe(expected);
  });
  test('garbage is refused', () => expect(() => convertValue('one', col('real'))).toThrow(ValueFormatError));
});

describe('TEXT, GEOGRAPHY, GEOMETRY, unknown types: the string', () => {
  test.each(['text', 'TEXT', 'geography', 'geometry', 'vector'])('%s', (type) => {
    expect(convertValue('{"type":"Point","coordinates":[1,2]}', col(type))).toBe('{"type":"Point","coordinates":[1,2]}');
  });
});

describe('BOOLEAN', () => {
  test.each([['true', true], ['false', false], ['TRUE', true], ['1', true], ['0', false]])('%s → %p', (raw, expected) => {
    expect(convertValue(raw, col('boolean'))).toBe(expected);
  });
  test('other text is refused', () => expect(() => convertValue('yes', col('boolean'))).toThrow(ValueFormatError));
});

describe('DATE: days since the epoch → YYYY-MM-DD', () => {
  test.each([
    ['0', '1970-01-01'],
    ['18262', '2020-01-01'],
    ['-1', '1969-12-31'],
    ['-719162', '0001-01-01'],
    ['2932896', '9999-12-31'],
    ['-141427', '1582-10-15'],
    ['11016', '2000-02-29'],
  ])('%s → %s', (raw, expected) => {
    expect(convertValue(raw, col('date'))).toBe(expected);
  });
  test('a fraction is refused', () => expect(() => convertValue('1.5', col('date'))).toThrow(ValueFormatError));
});

describe('TIME: seconds since midnight → HH:MM:SS with the column\'s fractional digits', () => {
  test.each([
    ['82919.000000000', 0, '23:01:59'],
    ['82919.000000000', 3, '23:01:59.000'],
    ['0.000000000', 9, '00:00:00.000000000'],
    ['45296.123456789', 9, '12:34:56.123456789'],
    ['45296.123456789', 6, '12:34:56.123456'],
    ['45296.1', 3, '12:34:56.100'],
    ['86399.999999999', 9, '23:59:59.999999999'],
  ])('%s (scale %d) → %s', (raw, scale, expected) => {
    expect(convertValue(raw, col('time', scale))).toBe(expected);
  });
  test('without a scale, the digits sent', () => expect(convertValue('45296.120', col('time'))).toBe('12:34:56.120'));
  test('outside a day is refused', () => expect(() => convertValue('86400.000000000', col('time', 0))).toThrow(ValueFormatError));
});

describe('TIMESTAMP_NTZ and TIMESTAMP_LTZ: seconds.nanos since the epoch', () => {
  test.each([
    ['1616173619.000000000', 0, '2021-03-19T17:06:59'],
    ['1616173619.123456789', 9, '2021-03-19T17:06:59.123456789'],
    ['1616173619.123456789', 3, '2021-03-19T17:06:59.123'],
    ['0.000000000', 9, '1970-01-01T00:00:00.000000000'],
    // Negative epochs: -1.5 s is 1969-12-31 23:59:58.5.
    ['-1.500000000', 9, '1969-12-31T23:59:58.500000000'],
    ['-0.000000001', 9, '1969-12-31T23:59:59.999999999'],
    ['-86400.000000000', 0, '1969-12-31T00:00:00'],
    ['-2208988800.000000000', 0, '1900-01-01T00:00:00'],
    ['253402300799.999999999', 9, '9999-12-31T23:59:59.999999999'],
  ])('NTZ %s (scale %d) → %s', (raw, scale, expected) => {
    expect(convertValue(raw, col('timestamp_ntz', scale))).toBe(expected);
  });

  test('LTZ is the instant in UTC with Z', () => {
    expect(convertValue('1616173619.120000000', col('TIMESTAMP_LTZ', 3))).toBe('2021-03-19T17:06:59.120Z');
    expect(convertValue('-1.000000000', col('timestamp_ltz', 0))).toBe('1969-12-31T23:59:59Z');
  });

  test('a fraction with fewer digits than 9 is read as a fraction, not nanoseconds', () => {
    expect(convertValue('1616173619.5', col('timestamp_ntz', 9))).toBe('2021-03-19T17:06:59.500000000');
  });

  test('more than 9 significant fractional digits, or text, is refused', () => {
    expect(() => convertValue('1.0000000001', col('timestamp_ntz', 9))).toThrow(ValueFormatError);
    expect(() => convertValue('2021-03-19 17:06:59', col('timestamp_ntz', 9))).toThrow(ValueFormatError);
  });
});

describe('TIMESTAMP_TZ: "seconds.nanos offset", offset = minutes + 1440 → ISO 8601 in its own offset', () => {
  test.each([
    ['1616173619.000000000 1500', 0, '2021-03-19T18:06:59+01:00'],
    ['1616173619.000000000 1440', 0, '2021-03-19T17:06:59+00:00'],
    ['1616173619.000000000 1770', 0, '2021-03-19T22:36:59+05:30'],
    ['1616173619.000000000 960', 0, '2021-03-19T09:06:59-08:00'],
    ['1616173619.123456789 960', 9, '2021-03-19T09:06:59.123456789-08:00'],
    ['0.000000000 2280', 0, '1970-01-01T14:00:00+14:00'],
    ['-1.250000000 1380', 2, '1969-12-31T22:59:58.75-01:00'],
    ['0.000000000 0', 0, '1969-12-31T00:00:00-24:00'],
  ])('%s (scale %d) → %s', (raw, scale, expected) => {
    expect(convertValue(raw, col('timestamp_tz', scale))).toBe(expected);
  });
  test('an offset beyond 2880 or a missing one is refused', () => {
    expect(() => convertValue('0.000000000 2881', col('timestamp_tz', 0))).toThrow(ValueFormatError);
    expect(() => convertValue('0.000000000', col('timestamp_tz', 0))).toThrow(ValueFormatError);
  });
});

describe('VARIANT, OBJECT, ARRAY: the parsed JSON', () => {
  test.each([
    ['variant', '{\n  "a": 1\n}', { a: 1 }],
    ['object', '{"k":[1,2,{"x":null}]}', { k: [1, 2, { x: null }] }],
    ['array', '[1,"two",true]', [1, 'two', true]],
    ['variant', '"text"', 'text'],
    ['variant', '12', 12],
  ])('%s %s', (type, raw, expected) => {
    expect(convertValue(raw, col(type))).toEqual(expected);
  });
  test('not JSON is refused', () => expect(() => convertValue('{a', col('variant'))).toThrow(ValueFormatError));
});

describe('BINARY: upper-case hex', () => {
  test('48656c6c6f → 48656C6C6F', () => expect(convertValue('48656c6c6f', col('binary'))).toBe('48656C6C6F'));
  test('empty', () => expect(convertValue('', col('binary'))).toBe(''));
  test('not hex is refused', () => expect(() => convertValue('4G', col('binary'))).toThrow(ValueFormatError));
});

describe('rowsOf', () => {
  test('rows keyed by column name, null as null, types case-insensitive', () => {
    const rowType: ColumnType[] = [
      { name: 'ID', type: 'fixed', scale: 0 },
      { name: 'NAME', type: 'TEXT' },
      { name: 'AT', type: 'date' },
    ];
    expect(rowsOf([['1', 'Ada', '18262'], ['2', null, null]], rowType)).toEqual([
      { ID: 1, NAME: 'Ada', AT: '2020-01-01' },
      { ID: 2, NAME: null, AT: null },
    ]);
  });
  test('two columns of one name: the last wins, as in snowflake-sdk', () => {
    expect(rowsOf([['1', '2']], [{ name: 'X', type: 'fixed', scale: 0 }, { name: 'X', type: 'fixed', scale: 0 }])).toEqual([{ X: 2 }]);
  });
});
