/**
 * The SQL an administrator runs to register a key pair, with every identifier quoted.
 *
 * Values may be CDK tokens at synth time (the public key comes from the custom resource at
 * deploy time); they are only concatenated, never inspected, so tokens pass through intact.
 */
import { quoteIdentifier, quoteLiteral } from './snowflake-identifiers';

/**
 * What the SQL needs. `publicKey` is one line of SPKI base64, or a token for it.
 *
 * `user` is the secret's `user`: the login name the connector signs in with. The SQL names the
 * user by it, quoted ({@link quoteIdentifier}): `svc_loader` is the user `SVC_LOADER`, and
 * `svc.loader@example.com` the user of exactly that name, whose login name defaults to it. A user
 * created with a LOGIN_NAME different from its name cannot be found by it: rotation and
 * registration need the user's name and login name to match (docs/secret-format.md).
 */
export interface RegistrationSqlInput {
  readonly user: string;
  readonly publicKey: string;
  readonly role?: string;
  readonly warehouse?: string;
  readonly database?: string;
  readonly schema?: string;
}

/** `CREATE USER IF NOT EXISTS ... TYPE = SERVICE ... RSA_PUBLIC_KEY = '...'`. */
export function createUserSql(input: RegistrationSqlInput): string {
  return createServiceUserSql(input, `RSA_PUBLIC_KEY = '${input.publicKey}'`);
}

/** The user's defaults, as CREATE USER takes them. */
export interface ServiceUserDefaults {
  readonly user: string;
  readonly role?: string;
  readonly warehouse?: string;
  readonly database?: string;
  readonly schema?: string;
}

/**
 * `CREATE USER IF NOT EXISTS "<user>" TYPE = SERVICE`, the defaults, and how the user signs in
 * (`signIn`: the key, or the workload identity): one builder for every service user the library makes.
 */
export function createServiceUserSql(input: ServiceUserDefaults, signIn: string): string {
  const parts = [`CREATE USER IF NOT EXISTS ${quoteIdentifier(input.user)} TYPE = SERVICE`];
  if (input.role) parts.push(`DEFAULT_ROLE = ${quoteIdentifier(input.role)}`);
  if (input.warehouse) parts.push(`DEFAULT_WAREHOUSE = ${quoteIdentifier(input.warehouse)}`);
  if (input.database) {
    const namespace = input.schema
      ? `${quoteIdentifier(input.database)}.${quoteIdentifier(input.schema)}`
      : quoteIdentifier(input.database);
    parts.push(`DEFAULT_NAMESPACE = ${quoteLiteral(namespace)}`);
  }
  // Sessions act with the named role only. Since Snowflake's 2024_08 behaviour bundle, a user
  // without DEFAULT_SECONDARY_ROLES gets ('ALL'): every role granted to it would act at once
  // (docs: CREATE USER, DEFAULT_SECONDARY_ROLES; "Secondary roles ... bundle 2024_08").
  parts.push('DEFAULT_SECONDARY_ROLES = ()');
  parts.push(`${signIn};`);
  return parts.join(' ');
}

/** `ALTER USER ... SET RSA_PUBLIC_KEY = '...'` for a user that already exists. */
export function alterUserSql(user: string, publicKey: string, slot: KeySlot = 'RSA_PUBLIC_KEY'): string {
  return `ALTER USER ${quoteIdentifier(user)} SET ${slot} = '${publicKey}';`;
}

/** `DESC USER ...`, whose RSA_PUBLIC_KEY_FP row must equal the fingerprint. */
export function describeUserSql(user: string): string {
  return `DESC USER ${quoteIdentifier(user)};`;
}

/** The two key slots a Snowflake user has. */
export type KeySlot = 'RSA_PUBLIC_KEY' | 'RSA_PUBLIC_KEY_2';

/** `ALTER USER ... UNSET RSA_PUBLIC_KEY[_2]`: retires the key in that slot. */
export function unsetKeySql(user: string, slot: KeySlot): string {
  return `ALTER USER ${quoteIdentifier(user)} UNSET ${slot};`;
}
