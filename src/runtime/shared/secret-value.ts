/**
 * Reads the secret's JSON (docs/secret-format.md) into connection settings, with a clear
 * error for each field that is wrong, and never the secret's content in a message.
 */
import { ConnectorErrorCode, SecretFormatError } from './errors';

export { SecretFormatError };
import { redact, registerSecret } from './redact';
import { CONNECTION_FIELDS, KEY_FIELDS } from '../../shared/secret-format';
import { accountIdentifierProblem, hostProblem, objectNameProblem, userNameProblem } from '../../shared/snowflake-identifiers';

/** Settings every secret carries, whichever way it authenticates. */
export interface SnowflakeConnectionSettings {
  readonly account: string;
  readonly user: string;
  readonly role?: string;
  readonly warehouse?: string;
  readonly database?: string;
  readonly schema?: string;
  readonly host?: string;
}

/** A filled key-pair secret: the format this library writes. */
export interface SnowflakeSecretValue extends SnowflakeConnectionSettings {
  readonly privateKey: string;
  readonly passphrase?: string;
}

/** A legacy secret with `password` and no `privateKey`: still read, with a warning. */
export interface SnowflakePasswordSecretValue extends SnowflakeConnectionSettings {
  readonly password: string;
}

/** A secret that does not follow the format: names the secret and the offending field, if one does. */
function formatError(secretId: string, field: string | undefined, code: ConnectorErrorCode, message: string): SecretFormatError {
  return new SecretFormatError(code, field, `Secret ${secretId}${field ? `, field "${field}"` : ''}: ${message} (format: docs/secret-format.md)`);
}

/** A value quoted in a message: redacted (a key pasted into the wrong field stays hidden) and cut short. */
function show(value: string): string {
  const shown = redact(value);
  return JSON.stringify(shown.length > 80 ? `${shown.slice(0, 77)}...` : shown);
}

/** Parses and checks a key-pair SecretString. A legacy password secret is refused: see {@link parseAnySecretValue}. */
export function parseSecretValue(secretId: string, secretString: string | undefined): SnowflakeSecretValue {
  const value = parseAnySecretValue(secretId, secretString);
  if ('password' in value) {
    throw formatError(secretId, 'privateKey', 'SECRET_FIELD_MISSING',
      'is missing: the secret holds a password, and this needs a key pair. Generate a key pair and store the private key in "privateKey"');
  }
  return value;
}

/**
 * Parses and checks a SecretString: a key-pair secret, or a legacy one with `password` (the shape
 * many teams still keep), which the caller should warn about.
 */
export function parseAnySecretValue(secretId: string, secretString: string | undefined): SnowflakeSecretValue | SnowflakePasswordSecretValue {
  if (secretString === undefined) {
    throw formatError(secretId, undefined, 'SECRET_BINARY', 'it holds a binary value; store the JSON object as SecretString');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    throw formatError(secretId, undefined, 'SECRET_NOT_JSON', 'its value is not JSON; store a JSON object with account, user and privateKey');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw formatError(secretId, undefined, 'SECRET_NOT_OBJECT', 'its value is JSON but not an object; store a JSON object with account, user and privateKey');
  }
  const value = parsed as Record<string, unknown>;
  // Registered before anything can quote them: no later message or log line can carry them.
  for (const field of [...KEY_FIELDS, 'password']) {
    if (typeof value[field] === 'string') registerSecret(value[field] as string);
  }
  const text = (field: string): string | undefined => {
    const v = value[field];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') throw formatError(secretId, field, 'SECRET_FIELD_INVALID', `must be a string, not ${Array.isArray(v) ? 'an array' : typeof v}`);
    return v;
  };

  const account = text('account');
  if (account === undefined) throw formatError(secretId, 'account', 'SECRET_FIELD_MISSING', 'is missing; add the account identifier, for example "myorg-myaccount"');
  const accountProblem = accountIdentifierProblem(account);
  if (accountProblem) throw formatError(secretId, 'account', 'SECRET_FIELD_INVALID', `${show(account)} is not valid: ${redact(accountProblem)}`);

  const user = text('user') ?? text('username');
  if (user === undefined) throw formatError(secretId, 'user', 'SECRET_FIELD_MISSING', 'is missing; add the Snowflake service user\'s name');
  const userProblem = userNameProblem(user);
  if (userProblem) throw formatError(secretId, 'user', 'SECRET_FIELD_INVALID', `${show(user)} is not valid: ${userProblem}`);

  const host = text('host');
  const problem = host === undefined ? undefined : hostProblem(host);
  if (problem) throw formatError(secretId, 'host', 'SECRET_FIELD_INVALID', `${show(host!)} is not valid: ${redact(problem)}`);

  for (const field of ['role', 'warehouse', 'database', 'schema']) {
    const v = text(field);
    const nameProblem = v === undefined ? undefined : objectNameProblem(v);
    if (nameProblem) throw formatError(secretId, field, 'SECRET_FIELD_INVALID', `${show(v!)} is not valid: ${nameProblem}`);
  }

  const settings: Record<string, string> = {};
  for (const field of CONNECTION_FIELDS) {
    const v = field === 'user' ? user : text(field);
    if (v !== undefined) settings[field] = v;
  }

  const privateKey = text('privateKey');
  const password = text('password');
  if (privateKey === undefined && password !== undefined) {
    return { ...settings, account, user, password } as SnowflakePasswordSecretValue;
  }
  if (privateKey === undefined) {
    throw formatError(secretId, 'privateKey', 'SECRET_UNFILLED',
      'is not set yet: the secret holds connection settings only (bring-your-own-key mode, still unfilled). '
      + 'An administrator must paste the PKCS#8 private key into "privateKey" (and "passphrase" if it is encrypted)');
  }

  const passphrase = text('passphrase');
  return { ...settings, account, user, privateKey, ...(passphrase ? { passphrase } : {}) };
}
