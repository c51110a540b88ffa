/**
 * Account identifiers: what a driver's `account` option becomes in the login request and in a
 * key-pair JWT, and which of those Snowflake accepts for an account.
 *
 * An account has a name in its organization (`MYORG-MY_ACCOUNT`, preferred) and a locator
 * (`XY12345`, legacy, qualified by region/cloud in URLs: `xy12345.us-east-1`).
 * Source: https://docs.snowflake.com/en/user-guide/admin-account-identifier
 *
 * The drivers, before signing: snowflake-sdk (lib/connection/connection_config.js,
 * consolidateHostAndAccount) keeps what is before the first `.` of `account` and, for a
 * `.global.` URL, what is before the first `-`; lib/authentication/auth_keypair.js then writes
 * `iss = ACCOUNT.USER.SHA256:<fp>` and `sub = ACCOUNT.USER`, both parts upper-cased.
 * snowflake-connector-python (src/snowflake/connector/auth/keypair.py, prepare) and snowflake-jdbc
 * (SessionUtilKeyPair.java, excludeRegionInformation) do the same. Underscores are kept: the JWT
 * of `myorg-my_account` names `MYORG-MY_ACCOUNT`, even though the host may be written with
 * hyphens (`myorg-my-account.snowflakecomputing.com`, the form for tools that refuse underscores
 * in URLs, per admin-account-identifier).
 * Source for the JWT rule ("account identifier … uppercase … exclude the region; orgname-account
 * with a hyphen"): https://docs.snowflake.com/en/developer-guide/sql-api/authenticating and
 * https://docs.snowflake.com/en/user-guide/key-pair-auth
 */

/**
 * The account part of a key-pair JWT for a driver's `account` option, as snowflake-sdk,
 * snowflake-connector-python and snowflake-jdbc compute it: region/cloud suffix dropped,
 * upper-cased, underscores kept (`xy12345.us-east-1` → `XY12345`, `myorg-my_account` →
 * `MYORG-MY_ACCOUNT`). With `global`, a `-…` suffix is dropped too (global URLs).
 */
export function accountNameOf(accountIdentifier: string, opts: { readonly global?: boolean } = {}): string {
  let account = accountIdentifier.trim();
  const dot = account.indexOf('.');
  if (dot > 0) account = account.slice(0, dot);
  if (opts.global) {
    const dash = account.indexOf('-');
    if (dash > 0) account = account.slice(0, dash);
  }
  return account.toUpperCase();
}

/**
 * The host name of an account in the URL form that works everywhere: `orgname-account-name`
 * with underscores as hyphens, lower case, `.snowflakecomputing.com`; a locator keeps its
 * region/cloud (`xy12345.us-east-1.snowflakecomputing.com`).
 * Source: https://docs.snowflake.com/en/user-guide/admin-account-identifier
 */
export function accountHostOf(accountIdentifier: string): string {
  return `${accountIdentifier.trim().toLowerCase().replace(/_/g, '-')}.snowflakecomputing.com`;
}

/** The forms of an account's name a JWT (and the login body's ACCOUNT_NAME) may carry. */
export interface AccountNames {
  /** The configured name, upper case: `MYORG-MY_ACCOUNT`, `TESTORG-TESTACCOUNT`, or a locator. */
  readonly name: string;
  /** The account locator, upper case, when configured besides the name. */
  readonly locator?: string;
}

/**
 * True when a JWT's account part (or ACCOUNT_NAME) names this account: exactly the name or the
 * locator as the drivers send them (upper case, no region, underscores kept). A hyphenated
 * `MYORG-MY-ACCOUNT` for `MYORG-MY_ACCOUNT`, a region suffix or lower case are refused (394307).
 */
export function namesAccount(tokenAccount: string, account: AccountNames): boolean {
  return tokenAccount === account.name || (account.locator !== undefined && tokenAccount === account.locator);
}
