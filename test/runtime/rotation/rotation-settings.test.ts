/**
 * The rotation function's settings, from the environment the construct sets, and the clock of the
 * scheduled retirement check, from its event: each has a passing and a failing case.
 */
import { retireClock, settingsFromEnvironment } from '../../../src/runtime/rotation';
import { ConfigurationError } from '../../../src/runtime/shared/errors';

const ADMIN = {
  SNOWFLAKE_ADMIN_SECRET_ID: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:rotator-AbCdEf',
  SNOWFLAKE_ROTATION_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:loader-AbCdEf',
  SNOWFLAKE_ROTATION_USER: 'svc.loader@example.com',
};

test('the secret and user it rotates are pinned from the environment; without either, the function refuses to start a step', () => {
  expect(settingsFromEnvironment(ADMIN)).toEqual(expect.objectContaining({ secretId: ADMIN.SNOWFLAKE_ROTATION_SECRET_ARN, user: 'svc.loader@example.com' }));
  const { SNOWFLAKE_ROTATION_SECRET_ARN: _s, ...noSecret } = ADMIN;
  const { SNOWFLAKE_ROTATION_USER: _u, ...noUser } = ADMIN;
  expect(() => settingsFromEnvironment(noSecret)).toThrow(/SNOWFLAKE_ROTATION_SECRET_ARN is not set/);
  expect(() => settingsFromEnvironment(noUser)).toThrow(/SNOWFLAKE_ROTATION_USER is not set/);
});

test.each([
  ['https://proxy.example.com:8443', undefined],
  ['http://127.0.0.1:4566', undefined],
  ['http://snowflake.example.com', /must be https:\/\/ \(http:\/\/ is allowed only to a loopback address/],
  ['https://user:pw@proxy.example.com', /must not hold credentials/],
])('SNOWFLAKE_ENDPOINT_URL=%s: the administrator\'s JWT goes only over https (or to loopback)', (url, problem) => {
  const settings = () => settingsFromEnvironment({ ...ADMIN, SNOWFLAKE_ENDPOINT_URL: url });
  if (problem) {
    expect(settings).toThrow(problem);
    expect(settings).not.toThrow(/pw@/);
  } else {
    expect(settings().connector).toEqual({ endpointUrl: url });
  }
});

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

describe('the retirement check\'s clock', () => {
  const retire = { action: 'retirePreviousKey' as const, SecretId: ADMIN.SNOWFLAKE_ADMIN_SECRET_ID };
  const never = () => { throw new Error('the function\'s clock must not be read when the event has a time'); };

  test.each([
    ['2026-03-01T12:00:00Z', '2026-03-01T12:00:00.000Z'],
    ['2026-03-01T12:00:00.250Z', '2026-03-01T12:00:00.250Z'],
    ['2026-03-01T14:00:00+02:00', '2026-03-01T12:00:00.000Z'],
  ])('the scheduled event\'s time %s is the clock', (time, instant) => {
    expect(retireClock({ ...retire, time }, never).toISOString()).toBe(instant);
  });

  test('without a time (a direct invoke), the function\'s clock', () => {
    const now = new Date('2026-03-01T12:00:00Z');
    expect(retireClock(retire, () => now)).toBe(now);
  });

  test.each([
    [''], ['yesterday'], ['2026-03-01'], ['2026-03-01T12:00:00'], ['2026-02-30T12:00:00Z'], ['2026-13-01T12:00:00Z'], ['2026-03-01T25:00:00Z'], [1772366400000],
  ])('(failing case) time %j is refused as an invalid event, naming the field and the fix', (time) => {
    const refuse = () => retireClock({ ...retire, time: time as string }, never);
    expect(refuse).toThrow(ConfigurationError);
    expect(refuse).toThrow(`The retirePreviousKey event's time is ${JSON.stringify(time)}; expected an ISO 8601 date-time with a time zone`);
    expect(refuse).toThrow(/Fix the schedule's input, or leave time out to use the function's clock \(INVALID_EVENT\)$/);
  });
});
