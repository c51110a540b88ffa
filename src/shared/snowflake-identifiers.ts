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
/**
 * A legacy account locator, optionally followed by `.region` and `.cloud`, in any case: the
 * drivers upper-case the account for the JWT and host names are case-insensitive
 * (snowflake-connector-python `util_text.is_valid_account_identifier`, `auth/keypair.py`;
 * snowflake-connector-nodejs `Util.isCorrectSubdomain`, both case-insensitive).
 */
const LOCATOR = /^[A-Za-z]{1,8}[0-9]{2,}(\.[A-Za-z]{2,}[A-Za-z0-9-]*[0-9]?(\.(aws|gcp|azure))?)?$/i;
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

/** Longest LOGIN_NAME Snowflake stores (CREATE USER: "LOGIN_NAME = string", at most 255 characters). */
const MAX_LOGIN_NAME_LENGTH = 255;

/**
 * Checks the name a service user logs in with: its LOGIN_NAME.
 *
 * Snowflake's CREATE USER reference: "LOGIN_NAME = string ... can be any string, including
 * spaces and non-alphanumeric characters", defaulting to the user's name, and compared without
 * regard to case. The drivers send it as given and put it upper-cased in the key-pair JWT
 * (snowflake-connector-python `auth/keypair.py`: `user.upper()`; snowflake-connector-nodejs
 * `auth_keypair.js`: `username.toUpperCase()`), so `svc.loader@example.com`, `svc-loader.prod`
 * and `SVC_LOADER` are all valid.
 *
 * Refused: what no one means to type, and what breaks the JWT or a log line: empty, leading or
 * trailing spaces (a trailing space is the commonest copy-paste slip, and Snowflake would look for
 * a different login name), control characters, surrounding quotes (the quotes would become part of
 * the login name), and more than 255 characters.
 */
export function userNameProblem(user: string): string | undefined {
  if (user.length === 0) {
    return 'it is empty. Give the Snowflake service user\'s login name, for example `SVC_LOADER` or `svc.loader@example.com`';
  }
  if (user.length > MAX_LOGIN_NAME_LENGTH) {
    return `it is ${user.length} characters long; Snowflake allows at most ${MAX_LOGIN_NAME_LENGTH}`;
  }
  if (/\s$/.test(user)) {
    return `it ends with a trailing space, which Snowflake would treat as part of the login name. Write \`${user.trimEnd().trimStart()}\``;
  }
  if (/^\s/.test(user)) {
    return `it starts with a leading space, which Snowflake would treat as part of the login name. Write \`${user.trimStart()}\``;
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(user)) {
    return 'it contains a control character (a tab or a line break?). Write the login name on one line';
  }
  if (/^(["'`]).*\1$/s.test(user) && user.length >= 2) {
    return `it is wrapped in quotes, which would become part of the login name. Write \`${user.slice(1, -1)}\` (a login name needs no quoting)`;
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

/** A name already written as a quoted identifier: `"Data Loader"`, with embedded quotes doubled. */
const QUOTED_IDENTIFIER = /^"((?:[^"]|"")+)"$/;

/**
 * The object a name resolves to, following Snowflake's identifier rules
 * (https://docs.snowflake.com/en/sql-reference/identifiers-syntax):
 * - a name written as a valid unquoted identifier is stored upper-cased: `svc_loader` is `SVC_LOADER`;
 * - a name written in double quotes is taken exactly, with `""` standing for one quote:
 *   `"loader"` is the lower-case `loader`;
 * - any other name (`Data Loader`, `svc.loader@example.com`) can only be a quoted identifier,
 *   so it is taken exactly as written.
 */
export function resolvedName(name: string): string {
  const quoted = QUOTED_IDENTIFIER.exec(name);
  if (quoted) return quoted[1].replace(/""/g, '"');
  return UNQUOTED_IDENTIFIER.test(name) ? name.toUpperCase() : name;
}

/**
 * Quotes a name as a Snowflake identifier, for SQL: the quoted form of {@link resolvedName}.
 *
 * `svc_loader` and `SVC_LOADER` both become `"SVC_LOADER"`, `Data Loader` becomes
 * `"Data Loader"`, and a name already in quotes (`"loader"`) is kept as it is.
 */
export function quoteIdentifier(name: string): string {
  return `"${resolvedName(name).replace(/"/g, '""')}"`;
}

/**
 * A name as the drivers pass it at login (`roleName`, `warehouse`, `databaseName`, `schemaName`),
 * where Snowflake resolves it as an identifier: unquoted is upper-cased, quoted is exact. The
 * drivers send what they are given, so a case-sensitive name must arrive in double quotes
 * (snowflake-connector-python `auth/_auth.py` sets `url_parameters["roleName"] = role` unchanged;
 * snowflake-connector-nodejs `services/sf.js` likewise).
 *
 * A valid unquoted identifier is sent as written (Snowflake upper-cases it); anything else is
 * sent quoted, so `Data Loader` selects the role `Data Loader` rather than failing or becoming
 * `DATA LOADER`.
 */
export function sessionIdentifier(name: string): string {
  return UNQUOTED_IDENTIFIER.test(name) ? name : quoteIdentifier(name);
}

/**
 * The host name for an account identifier: `<account>.snowflakecomputing.com`, with underscores
 * in the account name replaced by hyphens. Snowflake's account-identifier guide asks for hyphens
 * in URLs, because some DNS resolvers and PrivateLink refuse underscores; the JDBC driver does
 * the same swap by default (snowflake-jdbc `SnowflakeConnectString`, `allowUnderscoresInHost`
 * defaults to false). The JWT keeps the underscore: it names the account, not the host.
 */
export function accountHostname(account: string): string {
  const [name, ...region] = account.toLowerCase().split('.');
  const regionPart = region.length > 0 && region[0] !== 'us-west-2' ? `.${region.join('.')}` : '';
  // China regions are under .cn (snowflake-sdk `Util.constructHostname`).
  const domain = /^cn-/.test(region[0] ?? '') ? 'snowflakecomputing.cn' : 'snowflakecomputing.com';
  return `${name.replace(/_/g, '-')}${regionPart}.${domain}`;
}

/** Quotes a value as a Snowflake string literal. */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}
