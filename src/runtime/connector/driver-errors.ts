/**
 * The driver's errors, classified (transient or not, session gone, credentials rejected) and
 * translated into the connector's typed errors, each naming the cause and the fix. Pure
 * functions: the session (session.ts) and the statement methods (connector.ts) call them.
 */
import type { Credentials } from './credentials';
import { accountHostname, quoteIdentifier, sessionIdentifier } from '../../shared/snowflake-identifiers';
import { describeUserSql } from '../../shared/snowflake-sql';
import { CONNECTION_ENV, roleOfArn, setWorkloadIdentitySql, WORKLOAD_IDENTITY_ARN_ENV } from '../../shared/workload-identity';
import { AuthenticationError, ConfigurationError, QueryError, SnowflakeConnectorError, TransientError } from '../shared/errors';
import { errorMessage, redact } from '../shared/redact';

/** The driver error's Snowflake code as a string ('390144', '001003', or the driver's own 4xxxxx). */
export function driverCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === undefined || code === null ? undefined : String(code);
}

/** HTTP status of a failed request, if the driver kept it. */
export function driverHttpStatus(error: unknown): number | undefined {
  const e = error as { response?: { statusCode?: number; status?: number }; cause?: { response?: { status?: number } } } | undefined;
  return e?.response?.statusCode ?? e?.response?.status ?? e?.cause?.response?.status;
}

/** Network-level code of the underlying failure (ECONNRESET, ETIMEDOUT, ENOTFOUND...). */
export function networkCode(error: unknown): string | undefined {
  let e = error as { code?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 4; depth++) {
    if (typeof e.code === 'string' && /^E[A-Z_]+$|^UND_ERR/.test(e.code)) return e.code;
    e = e.cause as typeof e;
  }
  return undefined;
}

/** Snowflake's login codes that mean "these credentials are not accepted". */
export const AUTH_REJECTED_CODES = new Set([
  '390144', // JWT token is invalid
  '390100', // Incorrect username or password was specified
  '390101', // User temporarily locked
  '390102', // User is disabled
  '390103', // User is locked
]);

/**
 * Snowflake's login codes for "the role in the connect string is not granted to this user" (the
 * message is "Role 'X' specified in the connect string is not granted to this user. Contact your
 * local system administrator, or attempt to login with another role, e.g. PUBLIC."). 390186 is
 * the form older deployments return; 390189 adds "or is not permitted for the credentials being used".
 */
export const ROLE_NOT_GRANTED_CODES = new Set(['390186', '390189']);

/** Codes that mean the session is gone and a new login is needed. */
export const SESSION_GONE_CODES = new Set([
  '390114', // Authentication token has expired (the master token)
  '390111', // Session no longer exists
  '390112', // Session token expired (normally renewed by the driver itself)
  '390104', // Authentication token is invalid
  // The driver's own: it dropped the session (its master token expired while it renewed the
  // session token), so it did not send the request.
  '407002', // ERR_CONN_REQUEST_STATUS_DISCONNECTED
]);

/** Driver codes for network failures and failed HTTP requests (5xx, 429). */
const DRIVER_TRANSIENT_CODES = new Set([
  '401001', // ERR_SF_NETWORK_COULD_NOT_CONNECT
  '401002', // ERR_SF_RESPONSE_FAILURE
  '401003', // ERR_SF_RESPONSE_NOT_JSON (a proxy's error page)
  '402001', // ERR_LARGE_RESULT_SET_NETWORK_COULD_NOT_CONNECT
  '402002', // ERR_LARGE_RESULT_SET_RESPONSE_FAILURE
]);

/** Whether a driver error may pass if the same request is made again. */
export function isTransientDriverError(error: unknown): boolean {
  const network = networkCode(error);
  // ENOTFOUND: the host does not exist (a wrong account identifier); retrying will not change that.
  if (network === 'ENOTFOUND') return false;
  const code = driverCode(error);
  if (code && DRIVER_TRANSIENT_CODES.has(code)) {
    const status = driverHttpStatus(error);
    // A 4xx other than 408/429 will not change by itself.
    return status === undefined || status >= 500 || status === 408 || status === 429;
  }
  return network !== undefined;
}

const SQL_TIMEOUT_CODE = '000630';

/** A driver error from running SQL, as a typed error. */
export function queryError(error: unknown, queryId?: string): SnowflakeConnectorError {
  if (error instanceof SnowflakeConnectorError) return error;
  const code = driverCode(error);
  const e = error as { message?: string; sqlState?: string; data?: { queryId?: string } };
  const id = queryId ?? e.data?.queryId;
  const snowflakeMessage = errorMessage(e.message ?? String(error)).replace(/^[A-Za-z]*Error: /, '');
  if (isTransientDriverError(error)) {
    return new TransientError('SNOWFLAKE_UNAVAILABLE', `Snowflake could not be reached while running a statement (${describeDriverError(error)}). `
      + 'It was retried by the driver under one request id. Check Snowflake\'s status and the network path (NAT, PrivateLink endpoint, '
      + 'security groups allowing 443)', { cause: error });
  }
  if (code && SESSION_GONE_CODES.has(code)) {
    return new TransientError('SNOWFLAKE_UNAVAILABLE', `Snowflake ended the session again right after a new login (${code}). `
      + 'Check Snowflake\'s status; if it persists, check the user\'s session policy', { cause: error });
  }
  if (code === SQL_TIMEOUT_CODE) {
    return new QueryError('STATEMENT_TIMEOUT', `Snowflake cancelled statement ${id ?? ''} when it reached its statement timeout: ${snowflakeMessage} `
      + 'Raise STATEMENT_TIMEOUT_IN_SECONDS (the connector\'s statementTimeoutSeconds, or on the user or warehouse), or run it '
      + 'with executeAsync', { snowflakeCode: code, sqlState: e.sqlState, queryId: id, cause: error });
  }
  if (code && /^\d{6}$/.test(code) && !code.startsWith('4')) {
    return new QueryError('SQL_ERROR', `Snowflake rejected the statement (${code}${e.sqlState ? `, SQLSTATE ${e.sqlState}` : ''}`
      + `${id ? `, query ${id}` : ''}): ${snowflakeMessage} Fix the statement; SQL errors are not retried`, { snowflakeCode: code, sqlState: e.sqlState, queryId: id, cause: error });
  }
  return new SnowflakeConnectorError('INVALID_ARGUMENT', `The driver refused the statement (${code ?? 'no code'}): ${snowflakeMessage}`, { cause: error });
}

/** Where the logins went: the connector's overrides of the secret's host. */
export interface LoginTarget {
  readonly endpointUrl?: string;
  readonly host?: string;
}

/** A failed login as a typed error naming the cause and the fix. */
export function loginError(error: unknown, credentials: Credentials, attempts: number, target: LoginTarget): SnowflakeConnectorError {
  if (error instanceof SnowflakeConnectorError) return error;
  const s = credentials.settings;
  const auth = credentials.authentication;
  const code = driverCode(error);
  const text = errorMessage((error as Error)?.message ?? String(error)).replace(/^[A-Za-z]*Error: /, '');
  const host = target.host ?? s.host;
  const where = target.endpointUrl ?? `https://${host ?? accountHostname(s.account)}`;
  if (isTransientDriverError(error)) {
    return new TransientError('SNOWFLAKE_UNAVAILABLE', `Snowflake (${where}) did not accept a login after ${attempts} attempt(s) `
      + `(last: ${describeDriverError(error)}). Check Snowflake's status page and the network path: NAT or the PrivateLink endpoint, `
      + 'DNS, and security groups allowing 443', { cause: error });
  }
  const settingsIn = auth.kind === 'workloadIdentity' ? CONNECTION_ENV : 'the secret';
  if (auth.kind === 'workloadIdentity') {
    const before = workloadIdentityClientError(error, credentials, target);
    if (before) return before;
  }
  if (networkCode(error) === 'ENOTFOUND' || driverHttpStatus(error) === 403 || driverHttpStatus(error) === 404) {
    return new AuthenticationError('AUTH_ACCOUNT_NOT_FOUND', `Snowflake account "${s.account}" was not found at ${where} `
      + `(${describeDriverError(error)}). Fix "account" in ${settingsIn}: \`orgname-accountname\`, as SELECT CURRENT_ORGANIZATION_NAME() || '-' || `
      + 'CURRENT_ACCOUNT_NAME() shows it; with PrivateLink, check "host" and the private DNS records', { snowflakeCode: code, cause: error });
  }
  if (auth.kind === 'workloadIdentity' && code && /^390\d{3}$/.test(code) && !ROLE_NOT_GRANTED_CODES.has(code)) {
    return workloadIdentityRefused(code, text, credentials, error);
  }
  if (code && AUTH_REJECTED_CODES.has(code) && auth.kind !== 'workloadIdentity') {
    const detail = auth.kind === 'keyPair'
      ? `Snowflake rejected the key-pair login of user "${s.user}" in account "${s.account}" (${code}: ${text}). `
        + `The secret's key has fingerprint ${auth.fingerprint}: run ${describeUserSql(s.user)} and compare RSA_PUBLIC_KEY_FP and `
        + 'RSA_PUBLIC_KEY_2_FP. If neither matches, register the public key (ALTER USER ... SET RSA_PUBLIC_KEY, see the '
        + 'secret\'s alterUserSql); if the user or account is wrong, fix "user" or "account" in the secret.'
      : `Snowflake rejected the password login of user "${s.user}" in account "${s.account}" (${code}: ${text}). Check the password, `
        + 'or better, move the user to key-pair authentication.';
    return new RejectedLogin(detail, code, error);
  }
  if (code && ROLE_NOT_GRANTED_CODES.has(code) && s.role) {
    // A role that exists but was not granted to the user, or does not exist: Snowflake refuses the
    // login rather than fall back (docs: CREATE USER, "setting DEFAULT_ROLE does not grant the role").
    return new AuthenticationError('AUTH_SESSION_SETTING', `Snowflake accepted the credentials of user "${s.user}" but refused the role `
      + `${sessionIdentifier(s.role)} (${code}: ${text}). Grant it (GRANT ROLE ${quoteIdentifier(s.role)} TO USER ${quoteIdentifier(s.user)}), `
      + `or fix "role" in ${settingsIn}: a case-sensitive name is written in double quotes (docs/secret-format.md)`, { snowflakeCode: code, cause: error });
  }
  if (code && /^390\d{3}$/.test(code)) {
    return new AuthenticationError('AUTH_SESSION_SETTING', `Snowflake accepted the credentials of user "${s.user}" but refused the session `
      + `(${code}: ${text}). Check "role", "warehouse", "database" and "schema" in ${settingsIn} exist and are granted to the user`, { snowflakeCode: code, cause: error });
  }
  return new AuthenticationError('AUTH_REJECTED', `Logging in to Snowflake as "${s.user}" failed (${describeDriverError(error)}: ${text})`, { snowflakeCode: code, cause: error });
}

/** ARNs in a text (Snowflake's message): IAM users and roles, and STS assumed-role sessions. */
const ARN = /arn:aws[a-z-]*:(?:iam|sts)::\d{12}:(?:role|user|assumed-role)\/[\w+=,.@\/-]*[\w+=@-]/g;

/**
 * Snowflake refused the attestation (any 390xxx login code other than a role not granted: Snowflake
 * documents no code of its own for workload-identity refusals, docs/workload-identity.md). The
 * message names the user, the ARN the function signs in as, the ARN the user expects when
 * Snowflake's message says one, and the SQL that registers the function's role. Never the token:
 * the driver made it and keeps it; Snowflake's text passes the redaction point.
 */
function workloadIdentityRefused(code: string, text: string, credentials: Credentials, cause: unknown): AuthenticationError {
  const s = credentials.settings;
  const auth = credentials.authentication as Extract<Credentials['authentication'], { kind: 'workloadIdentity' }>;
  const ours = auth.roleArn ? roleOfArn(auth.roleArn) : undefined;
  const sameRole = (arn: string) => {
    const r = roleOfArn(arn);
    return !!(r && ours && r.partition === ours.partition && r.account === ours.account && r.name.toLowerCase() === ours.name.toLowerCase());
  };
  const expected = [...new Set(text.match(ARN) ?? [])].filter((arn) => !sameRole(arn) && !/:assumed-role\//.test(arn));
  const signsInAs = auth.roleArn
    ? `The function signs in as IAM role ${auth.roleArn}`
    : `The function signs in as its execution role (${WORKLOAD_IDENTITY_ARN_ENV} is not set, so its ARN is not known here)`;
  const expects = expected.length > 0 ? `; Snowflake says the user expects ${expected.join(', ')}` : '';
  const sql = setWorkloadIdentitySql(s.user, auth.roleArn ?? '<execution role ARN>');
  return new AuthenticationError('WORKLOAD_IDENTITY_REFUSED', `Snowflake refused the workload-identity login for user "${s.user}" in account `
    + `"${s.account}" (${code}: ${text}). ${signsInAs}${expects}. If the user should trust this role, run as an administrator of the user: `
    + `${sql} If the user does not exist, create it with the function's create-user SQL; if it exists with another identity, `
    + 'that identity was replaced or removed (SHOW USER WORKLOAD IDENTITY AUTHENTICATION METHODS FOR USER shows what it trusts now)',
  { snowflakeCode: code, cause });
}

/**
 * Failures before the login request: the driver's host allow-list refused the host, or the
 * function could not make its attestation (no AWS credentials or region; STS refused
 * GetWebIdentityToken). Undefined for anything else.
 */
function workloadIdentityClientError(error: unknown, credentials: Credentials, target: LoginTarget): SnowflakeConnectorError | undefined {
  const e = error as { name?: string; message?: string; $metadata?: unknown } | undefined;
  const message = e?.message ?? '';
  const host = /recognized Snowflake host\. Got: ([^\s]+?)\.? This allowlist/.exec(message)?.[1];
  if (host !== undefined) {
    return new ConfigurationError('WORKLOAD_IDENTITY_HOST_REFUSED', 'snowflake-sdk sends a workload-identity attestation only to Snowflake\'s own '
      + `hosts (*.snowflakecomputing.com, .cn, .mil, PrivateLink hosts included), and the login would go to ${host}`
      + `${target.endpointUrl ? ` (the URL override ${target.endpointUrl})` : ''}. Remove the override or use the account's host `
      + '(or its PrivateLink host); the connector allows a loopback override only, for local tests', { cause: error });
  }
  const auth = credentials.authentication as Extract<Credentials['authentication'], { kind: 'workloadIdentity' }>;
  const fromAws = e?.name === 'CredentialsProviderError' || e?.$metadata !== undefined || /metadata service|credential/i.test(message);
  if (!fromAws || driverCode(error)) return undefined;
  const needs = auth.attestation === 'OUTBOUND_TOKEN'
    ? 'With OUTBOUND_TOKEN it calls STS GetWebIdentityToken: its role needs sts:GetWebIdentityToken, the AWS account needs outbound '
      + 'identity federation enabled (IAM EnableOutboundWebIdentityFederation), and the function a route to STS.'
    : 'It signs an STS GetCallerIdentity request with the credentials and region Lambda sets (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, '
      + 'AWS_SESSION_TOKEN, AWS_REGION); it calls nothing and needs no permission.';
  return new AuthenticationError('WORKLOAD_IDENTITY_ATTESTATION_FAILED', 'The function could not make its workload-identity attestation '
    + `(${errorMessage(`${e?.name ?? 'Error'}: ${message}`).replace(/^Error: /, '')}). ${needs}`, { cause: error });
}

/** An AuthenticationError that remembers its message without the code, so it can be extended. */
export class RejectedLogin extends AuthenticationError {
  constructor(public readonly detail: string, snowflakeCode: string, cause: unknown) {
    super('AUTH_REJECTED', detail, { snowflakeCode, cause });
    this.name = 'AuthenticationError';
  }
}

/** The first words of a statement, for logs and errors (binds never appear: they are not in the text). */
export function summary(sql: string): string {
  const oneLine = redact(sql.replace(/\s+/g, ' ').trim());
  return JSON.stringify(oneLine.length > 60 ? `${oneLine.slice(0, 57)}...` : oneLine);
}

/** A driver error in a few words: its code, HTTP status or network code. */
export function describeDriverError(error: unknown): string {
  const parts = [driverCode(error), driverHttpStatus(error) ? `HTTP ${driverHttpStatus(error)}` : undefined, networkCode(error)].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : (error as Error)?.name ?? 'unknown error';
}
