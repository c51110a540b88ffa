/**
 * The environment variables the runtime connector reads. Shared by SnowflakeConnectorFunction
 * (which sets them) and the connector (which reads them), so the names are written once.
 */

/** The secret's ARN (or a name in the function's region). */
export const SECRET_ID_ENV = 'SNOWFLAKE_SECRET_ID';
/** Optional: send Snowflake requests to this URL (a proxy, or a local endpoint in tests). */
export const ENDPOINT_URL_ENV = 'SNOWFLAKE_ENDPOINT_URL';
/** Optional: STATEMENT_TIMEOUT_IN_SECONDS for every statement. */
export const STATEMENT_TIMEOUT_ENV = 'SNOWFLAKE_STATEMENT_TIMEOUT_SECONDS';
/**
 * Optional: connect to this host instead of the secret's `host` or the account URL; set by
 * SnowflakeConnectorFunction to the PrivateLink account host. The JWT still names the account.
 */
export const HOST_ENV = 'SNOWFLAKE_HOST';
/**
 * What the pre-bundled SQL executor may run (src/shared/sql-executor-config.ts), set by
 * `ConnectorHandler.sqlExecutor()`. Absent: it runs nothing.
 */
export const SQL_EXECUTOR_ENV = 'SNOWFLAKE_SQL_EXECUTOR';
/**
 * The prefix every name above shares, and the names the library's runtime reads or sets for the
 * driver and its metrics (SNOWFLAKE_METRICS, SNOWFLAKE_HOME, ...). SnowflakeConnectorFunction
 * refuses `environment` entries that start with it, so user settings never collide with ours.
 */
export const RESERVED_ENV_PREFIX = 'SNOWFLAKE_';

/**
 * Why a Snowflake URL override (SNOWFLAKE_ENDPOINT_URL, or an `endpointUrl` option) must not be
 * used, or undefined when it may. The login JWT and every statement go to it, so it must be
 * `https://`; plain `http://` is allowed only to a loopback address, which never leaves the
 * machine (local endpoints in tests): 127.0.0.0/8 (RFC 1122, 3.2.1.3), ::1 (RFC 4291, 2.5.3) and
 * `localhost` (RFC 6761, 6.3).
 */
export function endpointUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'it is not a URL';
  }
  if (!/^https?:\/\//i.test(value) || url.host === '') return 'it must start with https:// and name a host';
  if (url.username || url.password) return 'it must not hold credentials';
  if (url.protocol === 'https:') return undefined;
  const host = url.hostname.toLowerCase();
  const loopback = host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
  return loopback ? undefined : 'it must be https:// (http:// is allowed only to a loopback address: 127.0.0.0/8, ::1, localhost)';
}
