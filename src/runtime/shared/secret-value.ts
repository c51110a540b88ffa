/**
 * Reads the secret's JSON (docs/secret-format.md) into connection settings, with a clear
 * error for each field that is wrong, and never the secret's content in a message.
 */
import { ConnectorErrorCode, SecretFormatError } from './errors';

export { SecretFormatError };
import { log } from './log';
import { redact, registerKeyMaterial, registerSecret } from './redact';
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

/** One thing wrong with one field. */
interface Problem {
  readonly field: string;
  readonly code: ConnectorErrorCode;
  readonly message: string;
}

/** One error for every field found wrong: the first problem's code and field, and all of them named. */
function problemsError(secretId: string, problems: Problem[]): SecretFormatError {
  if (problems.length === 1) return formatError(secretId, problems[0].field, problems[0].code, problems[0].message);
  const fields = problems.map((p) => p.field);
  return new SecretFormatError(problems[0].code, fields[0],
    `Secret ${secretId}: ${problems.length} fields are wrong (${fields.map((f) => `"${f}"`).join(', ')}). `
    + `${problems.map((p) => `Field "${p.field}": ${p.message}`).join('. ')} (format: docs/secret-format.md)`, fields);
}

/** The longest value quoted in a message, redaction marks included. */
const QUOTE_MAX = 40;

/** A value quoted in a message: redacted (a key pasted into the wrong field stays hidden) and cut short. */
function show(value: string): string {
  const shown = redact(value);
  return JSON.stringify(shown.length > QUOTE_MAX ? `${shown.slice(0, QUOTE_MAX - 3)}...` : shown);
}

/**
 * Whether a value looks like key material: PEM armour, or a long run of base64 that mixes cases and
 * digits (or holds + or /), which no account, user or object name does.
 */
export function looksLikeKeyMaterial(value: string): boolean {
  if (/-----(BEGIN|END) [A-Z0-9 ]+-----|PRIVATE KEY/.test(value)) return true;
  const runs = value.replace(/\\[nr]/g, ' ').match(/[A-Za-z0-9+/=]{40,}/g) ?? [];
  return runs.some((run) => /[+/]/.test(run) || (/[a-z]/.test(run) && /[A-Z]/.test(run) && /[0-9]/.test(run)));
}

/** The names this library reads: a field with any other name is ignored. */
const READ_FIELDS = new Set<string>([...CONNECTION_FIELDS, 'username', ...KEY_FIELDS, 'password']);

/**
 * Near misses of the names this library reads, by their letters only (case, `_`, `-` and spaces
 * ignored): `private_key`, `PrivateKey`, `pass_phrase`, `Account`, `user_name`... A secret written
 * for another tool often uses one; reading it as absent would say "missing" about a field that is there.
 */
const NEAR_MISS_NAMES: ReadonlyArray<[string, string[]]> = [
  ['account', ['account', 'accountname', 'accountidentifier', 'accountid']],
  ['user', ['user', 'username', 'userid']],
  ['role', ['role']],
  ['warehouse', ['warehouse']],
  ['database', ['database']],
  ['schema', ['schema']],
  ['host', ['host', 'hostname']],
  ['privateKey', ['privatekey', 'privatekeypem', 'rsaprivatekey', 'privatekeycontent']],
  ['passphrase', ['passphrase', 'privatekeypassphrase', 'privatekeypass', 'privatekeypwd', 'privatekeypassword', 'keypassphrase']],
  ['password', ['password']],
];
const NEAR_MISSES = new Map(NEAR_MISS_NAMES.flatMap(([expected, names]) => names.map((name) => [name, expected] as const)));

/** For each name this library reads that is absent, the near miss the secret holds instead. */
function misnamedFields(value: Record<string, unknown>): Map<string, string> {
  const found = new Map<string, string>();
  for (const name of Object.keys(value)) {
    if (READ_FIELDS.has(name)) continue;
    const expected = NEAR_MISSES.get(name.toLowerCase().replace(/[^a-z]/g, ''));
    if (!expected || found.has(expected)) continue;
    const present = (field: string) => value[field] !== undefined && value[field] !== null && value[field] !== '';
    if (present(expected) || (expected === 'user' && present('username'))) continue;
    found.set(expected, name);
  }
  return found;
}

const BOM = '\uFEFF';

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
  let json = secretString;
  if (json.startsWith(BOM)) {
    // Some editors (Notepad, PowerShell's Out-File) write a UTF-8 byte-order mark; JSON.parse refuses it.
    log('WARN', 'The secret\'s value starts with a byte-order mark (U+FEFF); it was ignored. Store the JSON without it '
      + '(save the file as UTF-8 without BOM)', { secretId });
    json = json.slice(BOM.length);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw formatError(secretId, undefined, 'SECRET_NOT_JSON', 'its value is not JSON; store a JSON object with account, user and privateKey');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw formatError(secretId, undefined, 'SECRET_NOT_OBJECT', 'its value is JSON but not an object; store a JSON object with account, user and privateKey');
  }
  const value = parsed as Record<string, unknown>;
  const misnamed = misnamedFields(value);
  // Registered before anything can quote them: no later message or log line can carry them.
  // That includes the key's fields under a near-miss name, and key material pasted into any field.
  const keyFields = new Set<string>([...KEY_FIELDS, 'password']);
  for (const [expected, name] of misnamed) if (keyFields.has(expected)) keyFields.add(name);
  for (const [field, v] of Object.entries(value)) {
    if (typeof v !== 'string') continue;
    if (field === 'privateKey' || misnamed.get('privateKey') === field || looksLikeKeyMaterial(v)) registerKeyMaterial(v);
    else if (keyFields.has(field)) registerSecret(v);
  }

  const problems: Problem[] = [];
  const problem = (field: string, code: ConnectorErrorCode, message: string): undefined => {
    problems.push({ field, code, message });
    return undefined;
  };
  /** A field's string value; undefined when absent, empty, or wrong (its problem recorded). */
  const text = (field: string): string | undefined => {
    const v = value[field];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') return problem(field, 'SECRET_FIELD_INVALID', `must be a string, not ${Array.isArray(v) ? 'an array' : typeof v}`);
    return v;
  };
  const missing = (field: string, code: ConnectorErrorCode, message: string): undefined => {
    const near = misnamed.get(field);
    return near === undefined
      ? problem(field, code, message)
      : problem(field, 'SECRET_FIELD_MISNAMED', `is missing: found ${JSON.stringify(near)}; the expected name is ${JSON.stringify(field)}. `
        + `Rename ${JSON.stringify(near)} to ${JSON.stringify(field)} (names are case-sensitive)`);
  };
  /** A setting that must not hold key material (checked before anything quotes it), then by its own rule. */
  const setting = (field: string, v: string | undefined, check: (v: string) => string | undefined): string | undefined => {
    if (v === undefined) return undefined;
    if (looksLikeKeyMaterial(v)) {
      return problem(field, 'SECRET_FIELD_INVALID', 'holds key material (PEM armour or a long base64 run), not shown here. A private key '
        + 'belongs in "privateKey" only: remove it from this field, and rotate the key if the secret was shared');
    }
    const why = check(v);
    return why ? problem(field, 'SECRET_FIELD_INVALID', `${show(v)} is not valid: ${redact(why)}`) : v;
  };

  const accountText = text('account');
  const account = accountText === undefined
    ? (value.account === undefined || value.account === null || value.account === ''
      ? missing('account', 'SECRET_FIELD_MISSING', 'is missing; add the account identifier, for example "myorg-myaccount"') : undefined)
    : setting('account', accountText, accountIdentifierProblem);

  const userField = value.user !== undefined && value.user !== null && value.user !== '' ? 'user' : 'username';
  const userText = text(userField);
  const user = userText === undefined
    ? (problems.some((p) => p.field === userField) ? undefined : missing('user', 'SECRET_FIELD_MISSING', 'is missing; add the Snowflake service user\'s name'))
    : setting(userField, userText, userNameProblem);

  const settings: Record<string, string> = {};
  for (const field of ['host', 'role', 'warehouse', 'database', 'schema']) {
    const given = text(field);
    if (given === undefined && misnamed.has(field)) missing(field, 'SECRET_FIELD_MISNAMED', '');
    const v = setting(field, given, field === 'host' ? hostProblem : objectNameProblem);
    if (v !== undefined) settings[field] = v;
  }

  const privateKey = text('privateKey');
  const password = text('password');
  const passphrase = text('passphrase');
  if (passphrase === undefined && misnamed.has('passphrase')) missing('passphrase', 'SECRET_FIELD_MISNAMED', '');
  if (privateKey === undefined && password === undefined && !problems.some((p) => p.field === 'privateKey')) {
    missing('privateKey', 'SECRET_UNFILLED',
      'is not set yet: the secret holds connection settings only (bring-your-own-key mode, still unfilled). '
      + 'An administrator must paste the PKCS#8 private key into "privateKey" (and "passphrase" if it is encrypted)');
  }
  if (problems.length > 0) throw problemsError(secretId, problems);

  const ordered: Record<string, string> = {};
  for (const field of CONNECTION_FIELDS) {
    const v = field === 'account' ? account : field === 'user' ? user : settings[field];
    if (v !== undefined) ordered[field] = v;
  }
  if (privateKey === undefined) {
    return { ...ordered, account: account!, user: user!, password: password! } as SnowflakePasswordSecretValue;
  }
  return { ...ordered, account: account!, user: user!, privateKey, ...(passphrase ? { passphrase } : {}) } as SnowflakeSecretValue;
}
