/**
 * The rotation function's settings, from the environment the construct sets: each setting has a
 * passing and a failing case.
 */
import { settingsFromEnvironment } from '../../src/runtime/rotation';

const ADMIN = { SNOWFLAKE_ADMIN_SECRET_ID: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:rotator-AbCdEf' };

test.each([
  [undefined, { kind: 'next-rotation' }],
  ['next-rotation', { kind: 'next-rotation' }],
  ['immediately', { kind: 'immediately' }],
  ['after:86400', { kind: 'after', seconds: 86400 }],
])('SNOWFLAKE_RETIRE_OLD_KEY=%s', (value, retire) => {
  expect(settingsFromEnvironment({ ...ADMIN, SNOWFLAKE_RETIRE_OLD_KEY: value }).retire).toEqual(retire);
});

test.each(['later', 'after:', 'after:1d', 'IMMEDIATELY'])('(failing case) SNOWFLAKE_RETIRE_OLD_KEY=%s is refused, naming the accepted values', (value) => {
  expect(() => settingsFromEnvironment({ ...ADMIN, SNOWFLAKE_RETIRE_OLD_KEY: value }))
    .toThrow(/SNOWFLAKE_RETIRE_OLD_KEY is .*; expected immediately, next-rotation or after:<seconds>/);
});

test('(failing case) without the rotator\'s secret the function refuses to start a step', () => {
  expect(() => settingsFromEnvironment({})).toThrow(/SNOWFLAKE_ADMIN_SECRET_ID is not set/);
});

test('overwriting unknown keys is on only with "true"', () => {
  expect(settingsFromEnvironment({ ...ADMIN, SNOWFLAKE_OVERWRITE_UNKNOWN_KEYS: 'true' }).overwriteUnknownKeys).toBe(true);
  expect(settingsFromEnvironment({ ...ADMIN, SNOWFLAKE_OVERWRITE_UNKNOWN_KEYS: 'yes' }).overwriteUnknownKeys).toBe(false);
  expect(settingsFromEnvironment(ADMIN).overwriteUnknownKeys).toBe(false);
});

test('through PrivateLink: SNOWFLAKE_HOST becomes every connector\'s host; without it, none', () => {
  expect(settingsFromEnvironment({ ...ADMIN, SNOWFLAKE_HOST: 'xy12345.us-east-1.privatelink.snowflakecomputing.com' }).connector)
    .toEqual({ host: 'xy12345.us-east-1.privatelink.snowflakecomputing.com' });
  expect(settingsFromEnvironment(ADMIN).connector).toEqual({});
});
