/**
 * The SQL API executor's settings, from the function's environment: the same variables the driver
 * path reads (connector/index.ts `optionsFromEnvironment`), read here without importing the
 * connector, so that snowflake-sdk stays out of the `sql-api-executor` bundle.
 */
import { HOST_ENV, SECRET_ID_ENV, STATEMENT_TIMEOUT_ENV } from '../../shared/environment';
import { hostProblem } from '../../shared/snowflake-identifiers';
import { AUTHENTICATION_ENV } from '../../shared/workload-identity';
import { endpointUrlFromEnvironment } from '../shared/endpoint-url';
import { ConfigurationError } from '../shared/errors';

export interface SqlApiExecutorSettings {
  readonly secretId: string;
  readonly endpointUrl?: string;
  readonly host?: string;
  readonly statementTimeoutSeconds?: number;
}

/** The settings; a missing or malformed variable is a ConfigurationError naming it. */
export function sqlApiSettingsFromEnvironment(env: Record<string, string | undefined>): SqlApiExecutorSettings {
  const mode = env[AUTHENTICATION_ENV]?.trim() || 'KEY_PAIR';
  if (mode !== 'KEY_PAIR') {
    // AUTH: the SQL API takes a key-pair JWT (or OAuth); a workload identity signs in through the driver's login only.
    throw new ConfigurationError('CONFIG_INVALID', `${AUTHENTICATION_ENV} is ${JSON.stringify(mode)}, and the SQL executor on the SQL API signs in `
      + 'with the secret\'s key pair only (a key-pair JWT). Build the function with ConnectorHandler.sqlExecutor({ transport: SqlExecutorTransport.DRIVER }) '
      + '(SnowflakeConnectorFunction does this for a workload identity)');
  }
  const secretId = env[SECRET_ID_ENV]?.trim();
  if (!secretId) {
    throw new ConfigurationError('CONFIG_INVALID', `${SECRET_ID_ENV} is not set. Set it to the Snowflake secret's ARN (SnowflakeConnectorFunction does this for you)`);
  }
  const endpointUrl = endpointUrlFromEnvironment(env);
  const host = env[HOST_ENV]?.trim() || undefined;
  const problem = host ? hostProblem(host) : undefined;
  if (problem) throw new ConfigurationError('CONFIG_INVALID', `${HOST_ENV} ${JSON.stringify(host)} is not valid: ${problem}`);
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
