/**
 * The runtime connector, for code that runs inside Lambda: the bundled SnowflakeConnectorFunction
 * handler, and users' own handlers. Never exported from the construct library's index.
 *
 * ```ts
 * import { getConnector } from './connector'; // the bundled connector (see docs/connector.md)
 * export const handler = async () => {
 *   const snowflake = getConnector(); // reads SNOWFLAKE_SECRET_ID, or SNOWFLAKE_AUTHENTICATION=WORKLOAD_IDENTITY and SNOWFLAKE_CONNECTION
 *   return snowflake.fetchAll('SELECT CURRENT_USER() AS WHO');
 * };
 * ```
 */
import { ConnectorOptions, SnowflakeConnector } from './connector';
import { ENDPOINT_URL_ENV, HOST_ENV, SECRET_ID_ENV, STATEMENT_TIMEOUT_ENV } from '../../shared/environment';
import { hostProblem } from '../../shared/snowflake-identifiers';
import {
  AUTHENTICATION_ENV,
  AUTHENTICATION_MODES,
  CONNECTION_ENV,
  parseWorkloadIdentityConnection,
  roleOfArn,
  WORKLOAD_IDENTITY_ARN_ENV,
  WORKLOAD_IDENTITY_ATTESTATION_ENV,
  WORKLOAD_IDENTITY_ATTESTATIONS,
  WorkloadIdentityAttestationKind,
} from '../../shared/workload-identity';
import { endpointUrlFromEnvironment } from '../shared/endpoint-url';
import { ConfigurationError } from '../shared/errors';

export * from './connector';
export { regionOfSecretArn } from './credentials';
export type { WorkloadIdentityOptions } from './workload-identity';
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

export {
  AUTHENTICATION_ENV, CONNECTION_ENV, ENDPOINT_URL_ENV, HOST_ENV, SECRET_ID_ENV, STATEMENT_TIMEOUT_ENV,
  WORKLOAD_IDENTITY_ARN_ENV, WORKLOAD_IDENTITY_ATTESTATION_ENV,
};

// Module scope: one connector per warm Lambda instance, so the secret is read (or the workload identity
// logged in) once per cold start.
let shared: SnowflakeConnector | undefined;

/**
 * The connector of this Lambda instance, configured from its environment on first use.
 * Every call returns the same connector (and so the same connection while warm).
 */
export function getConnector(overrides: Partial<ConnectorOptions> = {}): SnowflakeConnector {
  if (!shared) shared = new SnowflakeConnector({ ...optionsFromEnvironment(process.env), ...overrides });
  return shared;
}

/**
 * Connector options from environment variables; throws a ConfigurationError naming the variable.
 * SNOWFLAKE_AUTHENTICATION chooses how to sign in: absent or KEY_PAIR, with the secret of
 * SNOWFLAKE_SECRET_ID; WORKLOAD_IDENTITY, with the function's own IAM role and the settings in
 * SNOWFLAKE_CONNECTION (no secret).
 */
export function optionsFromEnvironment(env: Record<string, string | undefined>): ConnectorOptions {
  const mode = env[AUTHENTICATION_ENV]?.trim() || 'KEY_PAIR';
  if (!(AUTHENTICATION_MODES as readonly string[]).includes(mode)) {
    throw new ConfigurationError('CONFIG_INVALID', `${AUTHENTICATION_ENV} is ${JSON.stringify(mode)}; expected ${AUTHENTICATION_MODES.join(' or ')} `
      + '(SnowflakeConnectorFunction sets it for you)');
  }
  const credentials = mode === 'WORKLOAD_IDENTITY' ? { workloadIdentity: workloadIdentityFromEnvironment(env) } : { secretId: secretIdFromEnvironment(env) };
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
    ...credentials,
    ...(endpointUrl ? { endpointUrl } : {}),
    ...(host ? { host } : {}),
    ...(statementTimeoutSeconds !== undefined ? { statementTimeoutSeconds } : {}),
  };
}

function secretIdFromEnvironment(env: Record<string, string | undefined>): string {
  const secretId = env[SECRET_ID_ENV]?.trim();
  if (!secretId) {
    throw new ConfigurationError('CONFIG_INVALID', `${SECRET_ID_ENV} is not set. Set it to the Snowflake secret's ARN `
      + `(SnowflakeConnectorFunction does this for you), or sign in with the function's role: ${AUTHENTICATION_ENV}=WORKLOAD_IDENTITY`);
  }
  return secretId;
}

/** The workload identity's settings: SNOWFLAKE_CONNECTION, and the optional role ARN and attestation. */
function workloadIdentityFromEnvironment(env: Record<string, string | undefined>): NonNullable<ConnectorOptions['workloadIdentity']> {
  if (env[SECRET_ID_ENV]?.trim()) {
    throw new ConfigurationError('CONFIG_INVALID', `${AUTHENTICATION_ENV} is WORKLOAD_IDENTITY and ${SECRET_ID_ENV} is set too: a function signs in `
      + `one way. Remove ${SECRET_ID_ENV} to sign in with the function's role, or ${AUTHENTICATION_ENV} to sign in with the secret's key pair`);
  }
  const text = env[CONNECTION_ENV]?.trim();
  if (!text) {
    throw new ConfigurationError('CONFIG_INVALID', `${AUTHENTICATION_ENV} is WORKLOAD_IDENTITY and ${CONNECTION_ENV} is not set. Set it to the `
      + 'connection settings as JSON, at least {"account":"<orgname-accountname>","user":"<service user>"} (SnowflakeConnectorFunction does this for you)');
  }
  const connection = parseWorkloadIdentityConnection(text);
  if ('problem' in connection) throw new ConfigurationError('CONFIG_INVALID', `${connection.problem} (docs/workload-identity.md)`);
  const hostText = connection.host;
  const hostIssue = hostText ? hostProblem(hostText) : undefined;
  if (hostIssue) throw new ConfigurationError('CONFIG_INVALID', `${CONNECTION_ENV}.host ${JSON.stringify(hostText)} is not valid: ${hostIssue}`);
  const roleArn = env[WORKLOAD_IDENTITY_ARN_ENV]?.trim() || undefined;
  if (roleArn && !/^arn:aws[a-z-]*:iam::\d{12}:role\//.test(roleArn)) {
    throw new ConfigurationError('CONFIG_INVALID', `${WORKLOAD_IDENTITY_ARN_ENV} is ${JSON.stringify(roleArn)}; expected the function's execution `
      + 'role ARN, arn:aws:iam::<account>:role/<name>');
  }
  if (roleArn && !roleOfArn(roleArn)) {
    throw new ConfigurationError('CONFIG_INVALID', `${WORKLOAD_IDENTITY_ARN_ENV} ${JSON.stringify(roleArn)} is not a valid IAM role ARN`);
  }
  const attestation = env[WORKLOAD_IDENTITY_ATTESTATION_ENV]?.trim() || 'SIGNED_CALLER_IDENTITY';
  if (!(WORKLOAD_IDENTITY_ATTESTATIONS as readonly string[]).includes(attestation)) {
    throw new ConfigurationError('CONFIG_INVALID', `${WORKLOAD_IDENTITY_ATTESTATION_ENV} is ${JSON.stringify(attestation)}; expected `
      + `${WORKLOAD_IDENTITY_ATTESTATIONS.join(' or ')}`);
  }
  return { connection, ...(roleArn ? { roleArn } : {}), attestation: attestation as WorkloadIdentityAttestationKind };
}
