/**
 * The request's wire form (client.ts): bindings as SUB "Using bind variables in a statement"
 * describes them, and the scrubbing of bind values out of Snowflake's messages. Pure.
 */
import { SnowflakeConnectorError } from '../../../src/runtime/shared/errors';
import { bindingsOf, scrub, sqlApiBaseUrl } from '../../../src/runtime/sql-api/client';

describe('bindingsOf', () => {
  test('1-based string keys; every value a string; TEXT, FIXED (safe integers), REAL (other finite numbers), BOOLEAN', () => {
    expect(bindingsOf(['Ada', 42, -7, 1.5, 2 ** 53, 1e21, true, false, ''])).toEqual({
      1: { type: 'TEXT', value: 'Ada' },
      2: { type: 'FIXED', value: '42' },
      3: { type: 'FIXED', value: '-7' },
      4: { type: 'REAL', value: '1.5' },
      5: { type: 'REAL', value: '9007199254740992' },
      6: { type: 'REAL', value: '1e+21' },
      7: { type: 'BOOLEAN', value: 'true' },
      8: { type: 'BOOLEAN', value: 'false' },
      9: { type: 'TEXT', value: '' },
    });
  });

  test('no binds: no bindings field', () => {
    expect(bindingsOf(undefined)).toBeUndefined();
    expect(bindingsOf([])).toBeUndefined();
  });

  test.each([
    [[null], /^bind 1 is null/],
    [['a', [1]], /^bind 2 is an array/],
    [[Infinity], /^bind 1 is the non-finite number Infinity/],
    [[{ a: 1 }], /^bind 1 is a object/],
  ])('%j is refused with INVALID_ARGUMENT', (binds, message) => {
    let error: unknown;
    try {
      bindingsOf(binds as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SnowflakeConnectorError);
    expect((error as SnowflakeConnectorError).code).toBe('INVALID_ARGUMENT');
    expect((error as Error).message).toMatch(message);
  });
});

describe('scrub: bind values out of Snowflake\'s messages', () => {
  test('SUB\'s 100037 form, whatever the value', () => {
    expect(scrub("TEXT value 'hush-hush' is not recognized", [])).toBe("TEXT value '[bind]' is not recognized");
  });
  test('a quoted bind value, even a short one, and a long one anywhere', () => {
    expect(scrub("Numeric value 'ab' is not recognized; near 'ab'", ['ab'])).toBe("Numeric value '[bind]' is not recognized; near '[bind]'");
    expect(scrub('invalid input syntax for type integer: "hush-hush"', ['hush-hush'])).toBe('invalid input syntax for type integer: "[bind]"');
  });
  test('short values are left where they stand unquoted (they would wreck the message), and a message without binds is unchanged', () => {
    expect(scrub('error line 1 at position 7', ['1'])).toBe('error line 1 at position 7');
    expect(scrub("invalid identifier 'AFAF'", [])).toBe("invalid identifier 'AFAF'");
  });
});

describe('sqlApiBaseUrl: where requests go, as on the driver path', () => {
  test.each([
    [{ account: 'myorg-my_account' }, {}, 'https://myorg-my-account.snowflakecomputing.com'],
    [{ account: 'xy12345.us-east-2.aws' }, {}, 'https://xy12345.us-east-2.aws.snowflakecomputing.com'],
    [{ account: 'myorg-acct', host: 'myorg-acct.privatelink.snowflakecomputing.com' }, {}, 'https://myorg-acct.privatelink.snowflakecomputing.com'],
    [{ account: 'myorg-acct', host: 'secret.snowflakecomputing.com' }, { host: 'option.privatelink.snowflakecomputing.com' },
      'https://option.privatelink.snowflakecomputing.com'],
    [{ account: 'myorg-acct' }, { endpointUrl: 'http://127.0.0.1:4566', host: 'option.privatelink.snowflakecomputing.com' }, 'http://127.0.0.1:4566'],
  ])('%j %j → %s', (settings, options, expected) => {
    expect(sqlApiBaseUrl(settings, options)).toBe(expected);
  });
});
