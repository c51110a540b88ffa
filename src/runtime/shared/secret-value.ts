/**
 * Reads the secret's JSON (docs/secret-format.md) into connection settings, with a clear
 * error for each field that is wrong, and never the secret's content in a message.
 */
import { redact } from './redact';
import { CONNECTION_FIELDS } from '../../shared/secret-format';
import { accountIdentifierProblem, hostProblem, userNameProblem } from '../../shared/snowflake-identifiers';

/** Connection settings from a filled secret. */
export interface SnowflakeSecretValue {
  readonly account: string;
  readonly user: string;
  readonly privateKey: string;
  readonly passphrase?: string;
  readonly role?: string;
  readonly warehouse?: string;
  readonly database?: string;
  readonly schema?: string;
  readonly host?: string;
}

/** A secret that does not follow the format. `field` names the offending key, if one does. */
export class SecretFormatError extends Error {
  constructor(public readonly secretId: string, public readonly field: string | undefined, message: string) {
    super(`Secret ${secretId}${field ? `, field "${field}"` : ''}: ${message} (format: docs/secret-format.md)`);
    this.name = 'SecretFormatError';
  }
}

/** A value quoted in a message: redacted (a key pasted into the wrong field stays hidden) and cut short. */
function show(value: string): string {
  const shown = redact(value);
  return JSON.stringify(shown.length > 80 ? `${shown.slice(0, 77)}...` : shown);
}

/** Parses and checks a SecretString. */
export function parseSecretValue(secretId: string, secretString: string | undefined): SnowflakeSecretValue {
  if (secretString === undefined) {
    throw new SecretFormatError(secretId, undefined, 'it holds a binary value; store the JSON object as SecretString');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    throw new SecretFormatError(secretId, undefined, 'its value is not JSON; store a JSON object with account, user and privateKey');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SecretFormatError(secretId, undefined, 'its value is JSON but not an object');
  }
  const value = parsed as Record<string, unknown>;
  const text = (field: string): string | undefined => {
    const v = value[field];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') throw new SecretFormatError(secretId, field, `must be a string, not ${Array.isArray(v) ? 'an array' : typeof v}`);
    return v;
  };

  const account = text('account');
  if (account === undefined) throw new SecretFormatError(secretId, 'account', 'is missing; add the account identifier, for example "myorg-myaccount"');
  const accountProblem = accountIdentifierProblem(account);
  if (accountProblem) throw new SecretFormatError(secretId, 'account', `${show(account)} is not valid: ${redact(accountProblem)}`);

  const user = text('user') ?? text('username');
  if (user === undefined) throw new SecretFormatError(secretId, 'user', 'is missing; add the Snowflake service user\'s name');
  const userProblem = userNameProblem(user);
  if (userProblem) throw new SecretFormatError(secretId, 'user', `${show(user)} is not valid: ${userProblem}`);

  const host = text('host');
  const problem = host === undefined ? undefined : hostProblem(host);
  if (problem) throw new SecretFormatError(secretId, 'host', `${show(host!)} is not valid: ${redact(problem)}`);

  const privateKey = text('privateKey');
  if (privateKey === undefined) {
    throw new SecretFormatError(secretId, 'privateKey',
      'is not set yet: the secret holds connection settings only (bring-your-own-key mode, still unfilled). '
      + 'An administrator must paste the PKCS#8 private key into "privateKey" (and "passphrase" if it is encrypted)');
  }

  const settings: Record<string, string> = {};
  for (const field of CONNECTION_FIELDS) {
    const v = field === 'user' ? user : text(field);
    if (v !== undefined) settings[field] = v;
  }
  const passphrase = text('passphrase');
  return { ...settings, account, user, privateKey, ...(passphrase ? { passphrase } : {}) };
}
