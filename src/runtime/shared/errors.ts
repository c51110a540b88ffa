/**
 * The connector's typed errors. Every error has a stable `code` (kept across releases, listed in
 * docs/troubleshooting.md), a message that names the cause and the fix, and never key material:
 * messages are built from our own words plus values that pass through the one redaction point.
 */
import { redact } from './redact';

/** Stable codes. New codes may be added; existing ones never change meaning. */
export type ConnectorErrorCode =
  // Configuration of the function itself, or a call's arguments.
  | 'CONFIG_INVALID'
  | 'INVALID_ARGUMENT'
  | 'INVALID_EVENT'
  // The SQL executor was asked for a statement it was not built to run (undeclared, or SQL text).
  | 'STATEMENT_NOT_DECLARED'
  // Reading the secret.
  | 'SECRET_NOT_FOUND'
  | 'SECRET_ACCESS_DENIED'
  | 'SECRET_DECRYPT_DENIED'
  | 'SECRET_MARKED_FOR_DELETION'
  | 'SECRET_UNAVAILABLE'
  | 'SECRET_READ_FAILED'
  // The secret's content (see also KeyFormatError's codes).
  | 'SECRET_BINARY'
  | 'SECRET_NOT_JSON'
  | 'SECRET_NOT_OBJECT'
  | 'SECRET_FIELD_MISSING'
  | 'SECRET_FIELD_INVALID'
  | 'SECRET_FIELD_MISNAMED'
  | 'SECRET_UNFILLED'
  // Logging in.
  | 'AUTH_REJECTED'
  | 'AUTH_ACCOUNT_NOT_FOUND'
  | 'AUTH_SESSION_SETTING'
  // Logging in with the function's workload identity (docs/workload-identity.md).
  | 'WORKLOAD_IDENTITY_REFUSED'
  | 'WORKLOAD_IDENTITY_HOST_REFUSED'
  | 'WORKLOAD_IDENTITY_ATTESTATION_FAILED'
  // Running SQL.
  | 'SQL_ERROR'
  | 'STATEMENT_TIMEOUT'
  | 'ASYNC_TIMEOUT'
  // Key rotation (the rotation function's steps).
  | 'ROTATION_STATE'
  | 'ROTATION_REFUSED'
  | 'ROTATION_VERIFY_FAILED'
  | 'ROTATION_TEST_FAILED'
  // Transient failures that outlasted the retries.
  | 'SNOWFLAKE_UNAVAILABLE'
  | 'DEADLINE_EXCEEDED';

/** The base of every error the connector throws. */
export class SnowflakeConnectorError extends Error {
  /** Whether calling again later may succeed without anyone changing anything. */
  public readonly retryable: boolean;

  constructor(public readonly code: string, message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    // The message is redacted here, once, whatever built it.
    super(`${redact(message)} (${code})`);
    this.name = new.target.name;
    this.retryable = options.retryable ?? false;
    if (options.cause !== undefined) {
      // Kept for debugging in code, never logged by the connector: it may be the driver's error.
      Object.defineProperty(this, 'cause', { value: options.cause, enumerable: false });
    }
  }

  /** What the connector logs and returns for this error: no stack, no cause. */
  toJSON(): { name: string; code: string; message: string; retryable: boolean } {
    return { name: this.name, code: this.code, message: this.message, retryable: this.retryable };
  }
}

/** The function is configured wrongly (its environment), not the secret. */
export class ConfigurationError extends SnowflakeConnectorError {}

/** The secret cannot be read: missing, not permitted, or Secrets Manager unavailable. */
export class SecretAccessError extends SnowflakeConnectorError {}

/** The secret was read, and its JSON does not follow docs/secret-format.md. */
export class SecretFormatError extends SnowflakeConnectorError {
  /** Every field found wrong (the first is `field`); empty when the whole value is wrong. */
  public readonly fields: string[];

  constructor(code: ConnectorErrorCode, public readonly field: string | undefined, message: string, fields?: string[]) {
    super(code, message);
    this.fields = fields ?? (field === undefined ? [] : [field]);
  }
}

/** Snowflake refused the login. */
export class AuthenticationError extends SnowflakeConnectorError {
  /** Snowflake's error code for the refusal (`390144`...), when it sent one. */
  public readonly snowflakeCode?: string;

  constructor(code: ConnectorErrorCode, message: string, details: { snowflakeCode?: string; cause?: unknown } = {}) {
    super(code, message, { cause: details.cause });
    this.snowflakeCode = details.snowflakeCode;
  }
}

/** A statement failed in Snowflake. Never retried: running it again would fail the same way. */
export class QueryError extends SnowflakeConnectorError {
  /** Snowflake's error code (`002003`...), when it sent one. */
  public readonly snowflakeCode?: string;
  /** The ANSI SQLSTATE (`42S02`...), when Snowflake sent one. */
  public readonly sqlState?: string;
  /** The statement's query id, for QUERY_HISTORY, when it got one. */
  public readonly queryId?: string;

  constructor(
    code: ConnectorErrorCode,
    message: string,
    details: { snowflakeCode?: string; sqlState?: string; queryId?: string; cause?: unknown } = {},
  ) {
    super(code, message, { cause: details.cause });
    this.snowflakeCode = details.snowflakeCode;
    this.sqlState = details.sqlState;
    this.queryId = details.queryId;
  }
}

/** A failure that may pass (network, 5xx, throttling), still failing after the bounded retries. */
export class TransientError extends SnowflakeConnectorError {
  constructor(code: ConnectorErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, { ...options, retryable: true });
  }
}
