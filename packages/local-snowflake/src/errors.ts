/**
 * Snowflake's error codes and messages, as the endpoint sends them, and the mapping from
 * PostgreSQL (PGlite) errors to them.
 *
 * Global Services (GS) errors travel as `{ success: false, code, message, data }` in an HTTP 200
 * answer (except where `httpStatus` says otherwise); the driver turns them into an
 * OperationFailedError whose `code` is the string code and whose `sqlState` is `data.sqlState`.
 */

/** One error as the endpoint answers it. */
export class SnowflakeError extends Error {
  constructor(
    /** Snowflake's code, a string of digits as GS sends it (e.g. '390144', '001003'). */
    readonly code: string,
    message: string,
    /** The SQLSTATE GS puts in `data.sqlState`; login and session errors carry none. */
    readonly sqlState?: string,
    /** HTTP status of the answer; GS answers most errors with 200. */
    readonly httpStatus = 200,
    /** Extra fields merged into `data`. */
    readonly data: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'SnowflakeError';
  }
}

/** Codes the driver itself reacts to (snowflake-sdk lib/constants/gs_errors.js) and others we send. */
export const GS = {
  INCORRECT_USERNAME_PASSWORD: '390100',
  SESSION_TOKEN_INVALID: '390104',
  GONE_SESSION: '390111',
  SESSION_TOKEN_EXPIRED: '390112',
  MASTER_TOKEN_EXPIRED: '390114',
  JWT_TOKEN_INVALID: '390144',
  /**
   * The endpoint's OWN code for every refused workload-identity login. Snowflake's codes for these
   * refusals are not documented (its federated-authentication error table,
   * https://docs.snowflake.com/user-guide/errors-saml, has none for workload identity), so no test
   * and no client should depend on this number; it is in the 390xxx login range and is none of the
   * codes snowflake-sdk reacts to (lib/constants/gs_errors.js).
   */
  WORKLOAD_IDENTITY_REJECTED: '390999',
  QUERY_IN_PROGRESS: '333333',
  QUERY_IN_PROGRESS_ASYNC: '333334',
} as const;

/** Login failures: the client always sees these codes; details go to the failure log. */
export function incorrectUsernameOrPassword(): SnowflakeError {
  return new SnowflakeError(GS.INCORRECT_USERNAME_PASSWORD, 'Incorrect username or password was specified.', undefined, 200, {
    nextAction: 'RETRY_LOGIN',
    authnMethod: 'PASSWORD',
  });
}

/** `JWT token is invalid. [<uuid>]`: the uuid keys the detailed reason (see `loginFailureDetails`). */
export function jwtTokenInvalid(failureId: string): SnowflakeError {
  return new SnowflakeError(GS.JWT_TOKEN_INVALID, `JWT token is invalid. [${failureId}]`, undefined, 200, {
    nextAction: 'RETRY_LOGIN',
    authnMethod: 'KEY_PAIR',
  });
}

/**
 * A refused workload-identity login: `Workload identity authentication failed: <reason>.` The
 * reason names the caller ARN STS answered and the ARN the user expects, when known; it never
 * holds the token, its signature, the secret key or the session token.
 */
export function workloadIdentityRejected(reason: string): SnowflakeError {
  return new SnowflakeError(GS.WORKLOAD_IDENTITY_REJECTED, `Workload identity authentication failed: ${reason}.`, undefined, 200, {
    nextAction: 'RETRY_LOGIN',
    authnMethod: 'WORKLOAD_IDENTITY',
  });
}

export function sessionExpired(): SnowflakeError {
  return new SnowflakeError(GS.SESSION_TOKEN_EXPIRED, 'Your session has expired. Please login again.');
}

export function masterTokenExpired(): SnowflakeError {
  return new SnowflakeError(GS.MASTER_TOKEN_EXPIRED, 'Authentication token has expired. The user must authenticate again.');
}

export function sessionGone(): SnowflakeError {
  return new SnowflakeError(GS.GONE_SESSION, 'Session no longer exists. New login required to access the service.');
}

/** No or unknown token: HTTP 401 with 390104, which the driver maps to its own 401004. */
export function invalidSessionToken(): SnowflakeError {
  return new SnowflakeError(GS.SESSION_TOKEN_INVALID, 'Invalid session token. User must log in again.', undefined, 401);
}

export function badRequest(message: string): SnowflakeError {
  return new SnowflakeError('390400', message, undefined, 400);
}

/** 000630: STATEMENT_TIMEOUT_IN_SECONDS reached. */
export function statementTimeout(seconds: number): SnowflakeError {
  return new SnowflakeError(
    '000630',
    `Statement reached its statement or warehouse timeout of ${seconds} second(s) and was canceled.`,
    '57014',
    200,
    { type: 'EXECUTION' },
  );
}

/** 000604: the statement was aborted through the abort-request endpoint. */
export function statementCanceled(): SnowflakeError {
  return new SnowflakeError('000604', 'SQL execution canceled', '57014', 200, { type: 'EXECUTION' });
}

/** 000008: more statements than MULTI_STATEMENT_COUNT allows. */
export function statementCountMismatch(actual: number, desired: number): SnowflakeError {
  return new SnowflakeError(
    '000008',
    `Actual statement count ${actual} did not match the desired statement count ${desired}.`,
    '0A000',
    200,
    { type: 'COMPILATION' },
  );
}

export function unsupported(what: string): SnowflakeError {
  return new SnowflakeError('002040', `SQL compilation error:\nUnsupported feature '${what}'.`, '0A000', 200, { type: 'COMPILATION' });
}

/**
 * 001003 at a token the endpoint's own commands (commands.ts) did not expect. A long string
 * literal (a key, a password) is shortened so the error never carries it whole.
 */
export function syntaxErrorAt(at: { readonly start: number; readonly text: string } | undefined): SnowflakeError {
  const text = at === undefined ? '<EOF>' : at.text.length > 24 && at.text.startsWith('\'') ? `${at.text.slice(0, 8)}…'` : at.text;
  return new SnowflakeError('001003', `SQL compilation error:\nsyntax error line 1 at position ${at?.start ?? 0} unexpected '${text}'.`, '42000', 200, { type: 'COMPILATION' });
}

/** 002003 for account objects (users, roles): `<Kind> '<NAME>' does not exist or not authorized.` */
export function objectNotFound(kind: 'User' | 'Role', name: string): SnowflakeError {
  return new SnowflakeError('002003', `SQL compilation error:\n${kind} '${name}' does not exist or not authorized.`, '02000', 200, { type: 'COMPILATION' });
}

/** 002002: CREATE of an object that exists, without IF NOT EXISTS / OR REPLACE. */
export function objectExists(name: string): SnowflakeError {
  return new SnowflakeError('002002', `SQL compilation error:\nObject '${name}' already exists.`, '42710', 200, { type: 'COMPILATION' });
}

/** 003001: the session's role lacks the privilege. `on` is Snowflake's object kind: user, role, account. */
export function insufficientPrivileges(on: 'user' | 'role' | 'account', name: string): SnowflakeError {
  return new SnowflakeError('003001', `SQL access control error:\nInsufficient privileges to operate on ${on} '${name}'`, '42501', 200, { type: 'ACCESS_CONTROL' });
}

/**
 * 003013: USE ROLE with a role not granted to the session's user. Code, SQLSTATE and text (two
 * spaces before "Specify") as SnowSQL prints Snowflake's answer in public transcripts, e.g.
 * `003013 (42501): SQL access control error:\nRequested role 'WORKROLE' is not assigned to the
 * executing user.  Specify another role to activate.`; not in Snowflake's documentation.
 */
export function roleNotAssigned(role: string): SnowflakeError {
  return new SnowflakeError(
    '003013',
    `SQL access control error:\nRequested role '${role}' is not assigned to the executing user.  Specify another role to activate.`,
    '42501',
    200,
    { type: 'ACCESS_CONTROL' },
  );
}

/**
 * A value for RSA_PUBLIC_KEY[_2] that is not an RSA public key. The text is what Snowflake is
 * reported to answer; the code (100000, a generic execution error) is our choice, not verified.
 * The value itself is never echoed.
 */
export function invalidPublicKey(property: string): SnowflakeError {
  return new SnowflakeError('100000', `New public key rejected by current policy. reason: 'Invalid public key' (${property})`, '22023', 200, { type: 'EXECUTION' });
}

/**
 * WORKLOAD_IDENTITY's ARN names no IAM role or user. Snowflake's answer is not documented; this
 * follows the one it gives for an invalid ISSUER, `004616 (42601): SQL compilation error: Invalid
 * ISSUER property in WORKLOAD_IDENTITY of TYPE 'AWS': '…'` (quoted in
 * github.com/snowflakedb/terraform-provider-snowflake/issues/5127), with ARN in its place.
 */
export function invalidWorkloadIdentityArn(arn: string): SnowflakeError {
  const shown = arn.length > 200 ? `${arn.slice(0, 200)}…` : arn;
  return new SnowflakeError(
    '004616',
    `SQL compilation error: Invalid ARN property in WORKLOAD_IDENTITY of TYPE 'AWS': '${shown}'. ARN must be an IAM role or user ARN.`,
    '42601',
    200,
    { type: 'COMPILATION' },
  );
}

export function bindVariableNotSet(line: number, pos: number): SnowflakeError {
  return new SnowflakeError(
    '002049',
    `SQL compilation error: error line ${line} at position ${pos}\nBind variable ? not set.`,
    '42601',
    200,
    { type: 'COMPILATION' },
  );
}

/** The fields of a PostgreSQL error we use (PGlite's DatabaseError carries them). */
export interface PgErrorLike {
  readonly message: string;
  readonly code?: string;
  readonly position?: string | number;
}

export function isPgError(e: unknown): e is PgErrorLike {
  return e instanceof Error && typeof (e as { code?: unknown }).code === 'string' && !(e instanceof SnowflakeError);
}

/**
 * Maps a PostgreSQL error to Snowflake's code, SQLSTATE and message.
 *
 * @param locate turns PostgreSQL's 1-based character position in the translated SQL into the
 *   (line, 0-based position) of the text the client sent.
 */
export function fromPgError(err: PgErrorLike, locate: (pgPosition: number) => { line: number; pos: number }): SnowflakeError {
  const at = err.position !== undefined ? locate(Number(err.position)) : { line: 1, pos: 0 };
  const compilation = (code: string, message: string, sqlState = '42000'): SnowflakeError =>
    new SnowflakeError(code, `SQL compilation error:\n${message}`, sqlState, 200, { type: 'COMPILATION', line: at.line, pos: at.pos });
  const execution = (code: string, message: string, sqlState: string): SnowflakeError =>
    new SnowflakeError(code, message, sqlState, 200, { type: 'EXECUTION' });
  const quoted = /"([^"]+)"/.exec(err.message)?.[1];
  switch (err.code) {
    case '42601': { // syntax_error
      const near = /at or near "([^"]*)"/.exec(err.message)?.[1] ?? (/at end of input/.test(err.message) ? '<EOF>' : '?');
      return compilation('001003', `syntax error line ${at.line} at position ${at.pos} unexpected '${near}'.`);
    }
    case '42P01': // undefined_table
    case '3F000': // invalid_schema_name
      return compilation('002003', `Object '${snowflakeName(quoted ?? '?')}' does not exist or not authorized.`, '42S02');
    case '42703': // undefined_column
      return new SnowflakeError(
        '000904',
        `SQL compilation error: error line ${at.line} at position ${at.pos}\ninvalid identifier '${snowflakeName(lastPart(quoted ?? '?'))}'`,
        '42000',
        200,
        { type: 'COMPILATION', line: at.line, pos: at.pos },
      );
    case '42P07': // duplicate_table
    case '42P06': // duplicate_schema
      return compilation('002002', `Object '${snowflakeName(quoted ?? '?')}' already exists.`, '42710');
    case '42883': // undefined_function
      return compilation('002140', `Unknown function ${snowflakeName((/function ([^(\s]+)/.exec(err.message)?.[1]) ?? '?')}`, '42601');
    case '42804': // datatype_mismatch
      return compilation('002023', err.message, '22000');
    case '22P02': // invalid_text_representation
      return execution('100038', `Numeric value '${/: "([^"]*)"/.exec(err.message)?.[1] ?? ''}' is not recognized`, '22018');
    case '22012': // division_by_zero
      return execution('100051', 'Division by zero', '22012');
    case '23502': // not_null_violation
      return execution('100072', 'NULL result in a non-nullable column', '22000');
    case '22001': // string_data_right_truncation
      return execution('100078', 'String is too long and would be truncated', '22000');
    default:
      // Anything else: a generic execution error that keeps PostgreSQL's SQLSTATE (same standard
      // space) and text, so a test can still tell what went wrong.
      return execution('100000', `SQL execution error: ${err.message}`, err.code ?? 'XX000');
  }
}

/** PostgreSQL folds unquoted names to lower case, Snowflake to upper case. */
export function snowflakeName(pgName: string): string {
  return /^[a-z_][a-z0-9_$.]*$/.test(pgName) ? pgName.toUpperCase() : pgName;
}

function lastPart(name: string): string {
  const parts = name.split('.');
  return parts[parts.length - 1];
}
