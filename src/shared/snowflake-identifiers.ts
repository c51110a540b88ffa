/**
 * Snowflake names: account identifiers, user names and SQL identifiers.
 *
 * Pure and dependency-free, because both sides use it: constructs validate props at synth
 * time, and runtime code (bundled into Lambda assets) validates the secret it reads.
 * Every function returns a problem description instead of throwing, so each caller can
 * phrase the error for its own field (a construct prop, or a key of the secret JSON).
 */

/** `orgname-accountname`, the preferred account identifier. */
const ORG_ACCOUNT = /^[A-Za-z][A-Za-z0-9]*-[A-Za-z0-9_]+$/;
/** A legacy account locator, optionally followed by `.region` and `.cloud`. */
const LOCATOR = /^[A-Za-z]{1,8}[0-9]{2,}(\.[a-z]{2,}[a-z0-9-]*[0-9]?(\.(aws|gcp|azure))?)?$/;
/** What Snowflake accepts as an unquoted identifier (and so what we upper-case and quote). */
const UNQUOTED_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/;
const MAX_IDENTIFIER_LENGTH = 255;

/**
 * Checks a Snowflake account identifier.
 *
 * @returns undefined when valid, otherwise the cause and what to write instead
 */
export function accountIdentifierProblem(account: string): string | undefined {
  const value = account.trim();
  if (value.length === 0) {
    return 'it is empty. Write the account identifier as `orgname-accountname` (for example `myorg-myaccount`), or a legacy locator such as `xy12345.us-east-2.aws`';
  }
  if (value !== account) {
    return `it has leading or trailing spaces. Write \`${value}\``;
  }
  const url = /^[a-z]+:\/\//i.test(value);
  const suffix = /\.snowflakecomputing\.(com|cn)\b/i.exec(value);
  if (url || suffix) {
    const host = value.replace(/^[a-z]+:\/\//i, '').split(/[/:?#]/)[0];
    const bare = host.replace(/\.snowflakecomputing\.(com|cn)$/i, '').replace(/\.privatelink$/i, '');
    const hint = ORG_ACCOUNT.test(bare) || LOCATOR.test(bare) ? `\`${bare}\`` : 'the part before `.snowflakecomputing.com`';
    return `it is ${url ? 'a URL' : 'a host name'}, not an account identifier. Write ${hint} instead${/privatelink/i.test(value) ? ', and put the PrivateLink host name in `host`' : ''}`;
  }
  if (/^[A-Za-z][A-Za-z0-9]*\.[A-Za-z0-9_]+$/.test(value) && !LOCATOR.test(value)) {
    return `\`orgname.accountname\` is the SQL form. Drivers need the hyphen: write \`${value.replace('.', '-')}\``;
  }
  if (ORG_ACCOUNT.test(value) || LOCATOR.test(value)) {
    return undefined;
  }
  if (/\.privatelink$/i.test(value)) {
    return `it names a PrivateLink endpoint. Write the account identifier (\`${value.replace(/\.privatelink$/i, '')}\`) here and put the PrivateLink host name in \`host\``;
  }
  return 'it is neither `orgname-accountname` (for example `myorg-myaccount`) nor a legacy locator with optional region and cloud (for example `xy12345` or `xy12345.us-east-2.aws`). Run `SELECT CURRENT_ORGANIZATION_NAME() || \'-\' || CURRENT_ACCOUNT_NAME()` in Snowflake to get it';
}

/**
 * Checks a Snowflake user name.
 *
 * Service users are named with unquoted identifiers; Snowflake stores them upper-cased,
 * and the key-pair JWT carries the upper-cased name. Anything else cannot log in reliably.
 */
export function userNameProblem(user: string): string | undefined {
  if (user.length === 0) {
    return 'it is empty. Give the Snowflake service user\'s name, for example `SVC_LOADER`';
  }
  if (user.length > MAX_IDENTIFIER_LENGTH) {
    return `it is ${user.length} characters long; Snowflake allows at most ${MAX_IDENTIFIER_LENGTH}`;
  }
  if (!UNQUOTED_IDENTIFIER.test(user)) {
    return 'it must start with a letter or underscore and contain only letters, digits, `_` and `$` (an unquoted Snowflake identifier such as `SVC_LOADER`)';
  }
  return undefined;
}

/**
 * Checks an object name (role, warehouse, database, schema).
 *
 * Any name Snowflake can store is accepted; unquoted-style names are upper-cased when quoted,
 * exactly as Snowflake resolves them.
 */
export function objectNameProblem(name: string): string | undefined {
  if (name.length === 0) {
    return 'it is empty. Leave it out instead, or give the object\'s name';
  }
  if (name.length > MAX_IDENTIFIER_LENGTH) {
    return `it is ${name.length} characters long; Snowflake allows at most ${MAX_IDENTIFIER_LENGTH}`;
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) {
    return 'it contains a control character';
  }
  if (name.trim() !== name) {
    return `it has leading or trailing spaces. Write \`${name.trim()}\``;
  }
  return undefined;
}

/**
 * Checks a host name used instead of `<account>.snowflakecomputing.com` (PrivateLink or a
 * custom host).
 */
export function hostProblem(host: string): string | undefined {
  if (/^[a-z]+:\/\//i.test(host) || /[/:?#]/.test(host)) {
    const bare = host.replace(/^[a-z]+:\/\//i, '').split(/[/:?#]/)[0];
    return `it must be a bare host name, without scheme, port or path. Write \`${bare}\``;
  }
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9])?)+$/i.test(host) || host.length > 253) {
    return 'it is not a valid DNS host name';
  }
  if (!/\.snowflakecomputing\.(com|cn)$/i.test(host)) {
    return 'it must end in `.snowflakecomputing.com` (for example `myorg-myaccount.privatelink.snowflakecomputing.com`)';
  }
  return undefined;
}

/**
 * Quotes a name as a Snowflake identifier.
 *
 * A name that is a valid unquoted identifier is upper-cased first, so `svc_loader` and
 * `SVC_LOADER` both become `"SVC_LOADER"`, the object Snowflake would resolve them to.
 * Any other name is quoted as written, with embedded double quotes doubled.
 */
export function quoteIdentifier(name: string): string {
  const resolved = UNQUOTED_IDENTIFIER.test(name) ? name.toUpperCase() : name;
  return `"${resolved.replace(/"/g, '""')}"`;
}

/** Quotes a value as a Snowflake string literal. */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}
