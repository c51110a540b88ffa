/** The connector's settings from the function's environment (what SnowflakeConnectorFunction sets). */
import { optionsFromEnvironment } from '../../../src/runtime/connector';

const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:snowflake/loader-AbCdEf';

test('the secret, the PrivateLink host and the statement timeout are read', () => {
  expect(optionsFromEnvironment({
    SNOWFLAKE_SECRET_ID: SECRET,
    SNOWFLAKE_HOST: 'xy12345.us-east-1.privatelink.snowflakecomputing.com',
    SNOWFLAKE_STATEMENT_TIMEOUT_SECONDS: '240',
  })).toEqual({ secretId: SECRET, host: 'xy12345.us-east-1.privatelink.snowflakecomputing.com', statementTimeoutSeconds: 240 });
  expect(optionsFromEnvironment({ SNOWFLAKE_SECRET_ID: SECRET })).toEqual({ secretId: SECRET });
});

test.each([
  [{ SNOWFLAKE_HOST: 'https://xy12345.privatelink.snowflakecomputing.com' }, /^SNOWFLAKE_HOST "https:\/\/xy12345\.privatelink\.snowflakecomputing\.com" is not valid: it must be a bare host name/],
  [{ SNOWFLAKE_HOST: 'snowflake.example.com' }, /^SNOWFLAKE_HOST "snowflake\.example\.com" is not valid: it must end in `\.snowflakecomputing\.com`/],
  [{ SNOWFLAKE_STATEMENT_TIMEOUT_SECONDS: 'ten' }, /^SNOWFLAKE_STATEMENT_TIMEOUT_SECONDS must be a whole number of seconds/],
  [{ SNOWFLAKE_ENDPOINT_URL: 'localhost:8080' }, /^SNOWFLAKE_ENDPOINT_URL must be a URL/],
])('(failing case) %j is refused with a ConfigurationError naming the variable', (env, message) => {
  expect(() => optionsFromEnvironment({ SNOWFLAKE_SECRET_ID: SECRET, ...env })).toThrow(message);
  try {
    optionsFromEnvironment({ SNOWFLAKE_SECRET_ID: SECRET, ...env });
  } catch (error) {
    expect(error).toMatchObject({ name: 'ConfigurationError', code: 'CONFIG_INVALID' });
  }
});

test('(failing case) no secret', () => {
  expect(() => optionsFromEnvironment({})).toThrow(/^SNOWFLAKE_SECRET_ID is not set/);
});
