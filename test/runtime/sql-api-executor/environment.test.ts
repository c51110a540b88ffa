/**
 * The SQL API executor reads the same environment the driver path reads (connector/index.ts
 * `optionsFromEnvironment`), without importing the driver; each variable with a passing and a
 * failing case.
 */
import { optionsFromEnvironment } from '../../../src/runtime/connector';
import { sqlApiSettingsFromEnvironment } from '../../../src/runtime/sql-api-executor/environment';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:snowflake/loader-AbCdEf';

test('the secret, the endpoint override, the PrivateLink host and the statement timeout, as the driver path reads them', () => {
  const env = {
    SNOWFLAKE_SECRET_ID: ARN,
    SNOWFLAKE_ENDPOINT_URL: 'http://127.0.0.1:8443',
    SNOWFLAKE_HOST: 'xy12345.us-east-1.privatelink.snowflakecomputing.com',
    SNOWFLAKE_STATEMENT_TIMEOUT_SECONDS: '120',
  };
  const settings = sqlApiSettingsFromEnvironment(env);
  expect(settings).toEqual({ secretId: ARN, endpointUrl: 'http://127.0.0.1:8443', host: env.SNOWFLAKE_HOST, statementTimeoutSeconds: 120 });
  const driver = optionsFromEnvironment(env);
  const { secretId, endpointUrl, host, statementTimeoutSeconds } = driver;
  expect({ secretId, endpointUrl, host, statementTimeoutSeconds }).toEqual(settings);
  expect(sqlApiSettingsFromEnvironment({ SNOWFLAKE_SECRET_ID: ARN })).toEqual({ secretId: ARN });
});

test.each<[string, Record<string, string>, RegExp]>([
  ['a workload identity: the SQL API takes a key-pair JWT only', { SNOWFLAKE_AUTHENTICATION: 'WORKLOAD_IDENTITY', SNOWFLAKE_SECRET_ID: ARN },
    /^SNOWFLAKE_AUTHENTICATION is "WORKLOAD_IDENTITY", and the SQL executor on the SQL API signs in with the secret's key pair only .*SqlExecutorTransport\.DRIVER/],
  ['no secret', {}, /^SNOWFLAKE_SECRET_ID is not set/],
  ['an endpoint override over plain http to another host', { SNOWFLAKE_SECRET_ID: ARN, SNOWFLAKE_ENDPOINT_URL: 'http://proxy.example.com' }, /^SNOWFLAKE_ENDPOINT_URL must be a URL/],
  ['a host that is not a host name', { SNOWFLAKE_SECRET_ID: ARN, SNOWFLAKE_HOST: 'https://x/y' }, /^SNOWFLAKE_HOST "https:\/\/x\/y" is not valid/],
  ['a timeout that is not whole seconds', { SNOWFLAKE_SECRET_ID: ARN, SNOWFLAKE_STATEMENT_TIMEOUT_SECONDS: '1.5' }, /^SNOWFLAKE_STATEMENT_TIMEOUT_SECONDS must be a whole number of seconds, not "1\.5"/],
])('(failing case) %s: a ConfigurationError naming the variable', (_what, env, message) => {
  expect(() => sqlApiSettingsFromEnvironment(env)).toThrow(expect.objectContaining({ name: 'ConfigurationError', code: 'CONFIG_INVALID', message: expect.stringMatching(message) }));
});
