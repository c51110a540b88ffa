/**
 * The runtime connector, for code that runs inside Lambda: the bundled SnowflakeConnectorFunction
 * handler, and users' own handlers. Never exported from the construct library's index.
 *
 * ```ts
 * import { getConnector } from './connector'; // the bundled connector (see docs/connector.md)
 * export const handler = async () => {
 *   const snowflake = getConnector(); // reads SNOWFLAKE_SECRET_ID
 *   return snowflake.fetchAll('SELECT CURRENT_USER() AS WHO');
 * };
 * ```
 */
import { ConnectorOptions, SnowflakeConnector } from './connector';
import { ENDPOINT_URL_ENV, HOST_ENV, SECRET_ID_ENV, STATEMENT_TIMEOUT_ENV } from '../../shared/environment';
import { hostProblem } from '../../shared/snowflake-identifiers';
import { endpointUrlFromEnvironment } from '../shared/endpoint-url';
import { ConfigurationError } from '../shared/errors';

export * from './connector';
export { regionOfSecretArn } from './credentials';
export { DEFAULT_RETRY_POLICY } from './retry';
export type { RetryPolicy } from './retry';
export {
  AuthenticationError,
  ConfigurationError,
  QueryError,
  SecretAccessError,
  SecretFormatError,
  SnowflakeConnectorError,
  TransientError,
} from '../shared/errors';
export type { ConnectorErrorCode } from '../shared/errors';
export { KeyFormatError } from '../shared/private-key';
export type { KeyFormatCode } from '../shared/private-key';

export { ENDPOINT_URL_ENV, HOST_ENV, SECRET_ID_ENV, STATEMENT_TIMEOUT_ENV };

// Module scope: one connector per warm Lambda instance, so the secret is read once per cold start.
let shared: SnowflakeConnector | undefined;

/**
 * The connector of this Lambda instance, configured from its environment on first use.
 * Every call returns the same connector (and so the same connection while warm).
 */
export function getConnector(overrides: Partial<ConnectorOptions> = {}): SnowflakeConnector {
  if (!shared) shared = new SnowflakeConnector({ ...optionsFromEnvironment(process.env), ...overrides });
  return shared;
}

/** Connector options from environment variables; throws a ConfigurationError naming the variable. */
export function optionsFromEnvironment(env: Record<string, string | undefined>): ConnectorOptions {
  const secretId = env[SECRET_ID_ENV]?.trim();
  if (!secretId) {
    throw new ConfigurationError('CONFIG_INVALID', `${SECRET_ID_ENV} is not set. Set it to the Snowflake secret's ARN `
      + '(SnowflakeConnectorFunction does this for you)');
  }
  const endpointUrl = endpointUrlFromEnvironment(env);
  const host = env[HOST_ENV]?.trim() || undefined;
  const problem = host ? hostProblem(host) : undefined;
  if (problem) {
    throw new ConfigurationError('CONFIG_INVALID', `${HOST_ENV} ${JSON.stringify(host)} is not valid: ${problem}`);
  }
  const timeoutText = env[STATEMENT_TIMEOUT_ENV]?.trim();
  const statementTimeoutSeconds = timeoutText ? Number(timeoutText) : undefined;
  if (statementTimeoutSeconds !== undefined && !(Number.isInteger(statementTimeoutSeconds) && statementTimeoutSeconds >= 0)) {
    throw new ConfigurationError('CONFIG_INVALID', `${STATEMENT_TIMEOUT_ENV} must be a whole number of seconds, not ${JSON.stringify(timeoutText)}`);
  }
  return {
    secretId,
    ...(endpointUrl ? { endpointUrl } : {}),
    ...(host ? { host } : {}),
    ...(statementTimeoutSeconds !== undefined ? { statementTimeoutSeconds } : {}),
  };
}
