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
