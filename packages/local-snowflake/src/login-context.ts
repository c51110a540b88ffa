/**
 * The session context a login opens: role, warehouse, database and schema, from what the driver
 * sent and the user's defaults.
 *
 * What the driver sends: snowflake-sdk puts them in the login URL's query string as `warehouse`,
 * `databaseName`, `schemaName` and `roleName`, each as given in the connection options and only
 * when not empty (lib/services/sf.js, buildLoginUrl). They are identifiers: unquoted → upper case,
 * `"quoted"` → exact (`""` an escaped quote), so a connector sends `"Data Loader"` with its quotes.
 * Source: https://docs.snowflake.com/en/sql-reference/identifiers-syntax
 *
 * How Snowflake resolves them:
 * - role: the requested role must be granted to the user (or be PUBLIC), else the login fails with
 *   390189 "Role 'X' specified in the connect string is not granted to this user. Contact your local
 *   system administrator, or attempt to login with another role, e.g. PUBLIC." Sources: snowflake-jdbc
 *   src/test/…/ConnectionIT.java (ROLE_IN_CONNECT_STRING_DOES_NOT_EXIST = 390189, refused even
 *   without validateDefaultParameters); the message as users quote it (e.g. test fixtures in public
 *   repositories, snowflake-connector-python 250001 wrapping it).
 * - no role requested: the user's DEFAULT_ROLE if it is granted, else PUBLIC. CREATE USER's docs say
 *   a default role is not granted by setting it (https://docs.snowflake.com/en/sql-reference/sql/create-user,
 *   DEFAULT_ROLE). Falling back to PUBLIC is our model of today's Snowflake, NOT verified in its
 *   documentation: a 2020 report (github.com/kulmam92/snowflake_flyway/issues/2) shows Snowflake then
 *   refusing such a login ("User's configured default role … is not granted to this user").
 * - warehouse, database, schema: a name that does not exist (or is not authorized) does not fail the
 *   login; the session simply has no current warehouse/database/schema (snowflake-jdbc ConnectionIT
 *   testNoValidateDefaultParameters: db, schema and warehouse NOT_EXISTS all connect; with the
 *   JDBC-only validateDefaultParameters they fail with 390201). The endpoint checks warehouses only
 *   when it was given a list of them (`warehouses` option); it has one database, so any database and
 *   schema name is accepted.
 */
import { SnowflakeError } from './errors';
import { Grants, PUBLIC_ROLE } from './grants';
import { normaliseIdentifier } from './sql-lexer';
import { StoredUser } from './users';

/** 390189: the connect string's role is not granted to the user. */
export const ROLE_NOT_GRANTED = '390189';

export function roleNotGranted(role: string): SnowflakeError {
  return new SnowflakeError(
    ROLE_NOT_GRANTED,
    `Role '${role}' specified in the connect string is not granted to this user. `
      + 'Contact your local system administrator, or attempt to login with another role, e.g. PUBLIC.',
    undefined,
    200,
    { nextAction: 'RETRY_LOGIN' },
  );
}

/** What the login asked for, as the query string carries it (raw, possibly quoted). */
export interface RequestedContext {
  readonly roleName?: string | null;
  readonly warehouse?: string | null;
  readonly databaseName?: string | null;
  readonly schemaName?: string | null;
}

export interface LoginContext {
  readonly role: string;
  readonly warehouse?: string;
  readonly database?: string;
  readonly schema?: string;
}

/** The warehouses the endpoint knows; undefined: every name exists. */
export type WarehouseCheck = ((name: string) => boolean) | undefined;

/** Resolves a login's context, or the error that refuses the login. */
export function resolveLoginContext(
  user: StoredUser,
  asked: RequestedContext,
  grants: Grants,
  warehouseExists: WarehouseCheck,
): LoginContext | SnowflakeError {
  const identifier = (value: string | null | undefined): string | undefined => (value ? normaliseIdentifier(value) : undefined);
  const mayUse = (role: string): boolean => role === PUBLIC_ROLE || grants.isGranted(role, user.name);

  const requestedRole = identifier(asked.roleName);
  let role: string;
  if (requestedRole !== undefined) {
    if (!mayUse(requestedRole)) return roleNotGranted(requestedRole);
    role = requestedRole;
  } else {
    role = user.defaultRole !== undefined && mayUse(user.defaultRole) ? user.defaultRole : PUBLIC_ROLE;
  }

  const wantedWarehouse = identifier(asked.warehouse) ?? user.defaultWarehouse;
  const warehouse = wantedWarehouse !== undefined && (warehouseExists?.(wantedWarehouse) ?? true) ? wantedWarehouse : undefined;
  const database = identifier(asked.databaseName) ?? user.defaultDatabase;
  const schema = identifier(asked.schemaName) ?? user.defaultSchema ?? (database ? 'PUBLIC' : undefined);
  return { role, warehouse, database, schema };
}
