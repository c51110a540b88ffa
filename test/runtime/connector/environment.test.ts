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

test.each([
  'https://proxy.example.com:8443',
  'http://127.0.0.1:45123',
  'http://127.8.9.10',
  'http://[::1]:8080',
  'http://localhost:8080',
])('an endpoint URL that is https://, or http:// to a loopback address, is read: %s', (url) => {
  expect(optionsFromEnvironment({ SNOWFLAKE_SECRET_ID: SECRET, SNOWFLAKE_ENDPOINT_URL: url })).toEqual({ secretId: SECRET, endpointUrl: url });
});

test.each([
  ['http://proxy.example.com:8080', /it must be https:\/\/ \(http:\/\/ is allowed only to a loopback address/],
  ['http://127.0.0.1.nip.io', /it must be https:\/\//],
  ['http://10.0.0.5', /it must be https:\/\//],
  ['ftp://127.0.0.1', /it must start with https:\/\//],
  ['https://user:pw@proxy.example.com', /it must not hold credentials/],
])('(failing case) the endpoint URL %s is refused: the login JWT would travel in clear text', (url, problem) => {
  let error: any;
  try {
    optionsFromEnvironment({ SNOWFLAKE_SECRET_ID: SECRET, SNOWFLAKE_ENDPOINT_URL: url });
  } catch (e) {
    error = e;
  }
  expect(error).toMatchObject({ name: 'ConfigurationError', code: 'CONFIG_INVALID' });
  expect(error.message).toMatch(/^SNOWFLAKE_ENDPOINT_URL must be a URL such as https:\/\/proxy\.example\.com:8443, and /);
  expect(error.message).toMatch(problem);
  expect(error.message).not.toContain('user:pw'); // credentials in the URL are not repeated
});

test('(failing case) no secret', () => {
  expect(() => optionsFromEnvironment({})).toThrow(/^SNOWFLAKE_SECRET_ID is not set/);
});
