/**
 * Users, roles and grants, answered by the endpoint itself (listed in commands.ts' COMMANDS):
 * DESC USER, ALTER USER … SET/UNSET, CREATE USER, DROP USER, SHOW USER WORKLOAD IDENTITY
 * AUTHENTICATION METHODS, CREATE/DROP ROLE, and GRANT/REVOKE
 * of user privileges, CREATE USER on the account and roles to users. Each checks the session's
 * privileges (grants.ts). Checks run in Snowflake's order: syntax (001003), the objects exist
 * (002003), privileges (003001), then values (an invalid key).
 */
import type { Command, CommandContext } from './commands';
import {
  insufficientPrivileges, invalidPublicKey, invalidWorkloadIdentityArn, objectExists, objectNotFound, syntaxErrorAt as syntaxError, unsupported,
} from './errors';
import { Grants, isBuiltIn, isUserPrivilege, Principal, UserPrivilege } from './grants';
import { publicKeyFrom, RegisteredKey, registeredKey } from './jwt';
import { column, StatementResult, statusResult, timestampCell } from './results';
import { STATEMENT_TYPE } from './sql';
import { identifierName, keyword, lex, normaliseIdentifier, Token } from './sql-lexer';
import { StoredUser, storedLoginName, storedWorkloadIdentity, StoredWorkloadIdentity, UserType, Users } from './users';

const OK = 'Statement executed successfully.';
const KEY_SLOTS: Record<string, 1 | 2> = { RSA_PUBLIC_KEY: 1, RSA_PUBLIC_KEY_2: 2 };
const USER_TYPES: readonly UserType[] = ['PERSON', 'SERVICE', 'LEGACY_SERVICE'];

/** User properties the endpoint stores; any other name is a syntax error. */
const PROPERTIES = [
  'RSA_PUBLIC_KEY', 'RSA_PUBLIC_KEY_2', 'PASSWORD', 'TYPE', 'LOGIN_NAME', 'DISPLAY_NAME', 'COMMENT',
  'DEFAULT_ROLE', 'DEFAULT_WAREHOUSE', 'DEFAULT_NAMESPACE', 'DEFAULT_SECONDARY_ROLES', 'WORKLOAD_IDENTITY',
] as const;
type Property = (typeof PROPERTIES)[number];

/**
 * Properties that are authentication methods: changed with MODIFY PROGRAMMATIC AUTHENTICATION
 * METHODS (or OWNERSHIP). For the key slots that is the documented privilege
 * (https://docs.snowflake.com/en/user-guide/key-pair-auth); for SET/UNSET WORKLOAD_IDENTITY the
 * privilege is NOT documented: ADD/MODIFY/REMOVE WORKLOAD IDENTITY require MODIFY PROGRAMMATIC
 * AUTHENTICATION METHODS (https://docs.snowflake.com/sql-reference/sql/alter-user-add-workload-identity),
 * and the endpoint applies the same to the WORKLOAD_IDENTITY property.
 */
const AUTHENTICATION_METHODS: readonly Property[] = ['RSA_PUBLIC_KEY', 'RSA_PUBLIC_KEY_2', 'WORKLOAD_IDENTITY'];

/** `PROPERTY = value`: the value's tokens (a dotted name is several). */
interface Assignment {
  readonly property: Property;
  readonly at: Token;
  readonly value: readonly Token[];
}

/** DESC[RIBE] USER u: the user itself, a role with any privilege on u, or an admin role. */
const describeUser: Command = {
  name: 'DESC USER',
  matches: (sig) => ['DESC', 'DESCRIBE'].includes(keyword(sig[0]) ?? '') && keyword(sig[1]) === 'USER',
  run(ctx) {
    const c = new Cursor(ctx.sig, 2);
    const name = c.name();
    c.end();
    const user = existingUser(ctx.users, name);
    const principal = principalOf(ctx);
    if (principal.user !== user.name && ctx.grants.privilegesOn(principal, user).size === 0) throw insufficientPrivileges('user', user.name);
    return describeResult(user);
  },
};

/**
 * ALTER USER [IF EXISTS] u SET p = v [, …] | UNSET p [, …]. Key slots and WORKLOAD_IDENTITY need
 * MODIFY PROGRAMMATIC AUTHENTICATION METHODS or OWNERSHIP; every other property OWNERSHIP (admin
 * roles: anything). Removing or replacing WORKLOAD_IDENTITY ends the sessions opened with the old
 * one (sessions.ts).
 */
const alterUser: Command = {
  name: 'ALTER USER',
  matches: (sig) => keyword(sig[0]) === 'ALTER' && keyword(sig[1]) === 'USER',
  run(ctx) {
    const c = new Cursor(ctx.sig, 2);
    const ifExists = c.accept('IF', 'EXISTS');
    const name = c.name();
    const action = c.keyword();
    let assignments: Assignment[];
    if (action === 'SET') {
      assignments = parseAssignments(c);
    } else if (action === 'UNSET') {
      assignments = parseUnsets(c);
    } else {
      throw syntaxError(c.last());
    }
    if (assignments.length === 0) throw syntaxError(c.peek());
    const user = ctx.users.find(name);
    if (!user) {
      if (ifExists) return statusResult(STATEMENT_TYPE.DDL, OK);
      throw objectNotFound('User', name);
    }
    const held = ctx.grants.privilegesOn(principalOf(ctx), user);
    const allowed = (a: Assignment): boolean => held.has('OWNERSHIP')
      || (AUTHENTICATION_METHODS.includes(a.property) && held.has('MODIFY PROGRAMMATIC AUTHENTICATION METHODS'));
    if (!assignments.every(allowed)) throw insufficientPrivileges('user', user.name);
    const changes = assignments.map((a) => change(a, action === 'UNSET'));
    if (assignments.some((a) => a.property in KEY_SLOTS) && ctx.faults?.takeDroppedKeyChange()) return statusResult(STATEMENT_TYPE.DDL, OK);
    for (const apply of changes) apply(user);
    return statusResult(STATEMENT_TYPE.DDL, OK);
  },
};

/** CREATE [OR REPLACE] USER [IF NOT EXISTS] u [p = v …]: CREATE USER on the account; the creating role owns it. */
const createUser: Command = {
  name: 'CREATE USER',
  matches: (sig) => keyword(sig[0]) === 'CREATE' && (keyword(sig[1]) === 'USER' || (keyword(sig[3]) === 'USER' && keyword(sig[2]) === 'REPLACE')),
  run(ctx) {
    const c = new Cursor(ctx.sig, 1);
    const orReplace = c.accept('OR', 'REPLACE');
    c.expect('USER');
    const ifNotExists = c.accept('IF', 'NOT', 'EXISTS');
    const name = c.name();
    const assignments = parseAssignments(c);
    const principal = principalOf(ctx);
    if (!ctx.grants.mayCreateUser(principal)) throw insufficientPrivileges('account', ctx.account);
    const existing = ctx.users.find(name);
    if (existing && ifNotExists) return statusResult(STATEMENT_TYPE.DDL, `${name} already exists, statement succeeded.`);
    if (existing && !orReplace) throw objectExists(name);
    if (existing && !ctx.grants.privilegesOn(principal, existing).has('OWNERSHIP')) throw insufficientPrivileges('user', name);
    const user: StoredUser = {
      name,
      loginName: storedLoginName(name),
      displayName: name,
      type: 'PERSON',
      owner: ctx.grants.creatingRole(principal),
      keys: [undefined, undefined],
    };
    const changes = assignments.map((a) => change(a, false));
    for (const apply of changes) apply(user);
    if (existing) ctx.grants.forgetUser(name);
    ctx.users.put(user);
    return statusResult(STATEMENT_TYPE.DDL, `User ${name} successfully created.`);
  },
};

/** DROP USER [IF EXISTS] u: OWNERSHIP or an admin role. */
const dropUser: Command = {
  name: 'DROP USER',
  matches: (sig) => keyword(sig[0]) === 'DROP' && keyword(sig[1]) === 'USER',
  run(ctx) {
    const c = new Cursor(ctx.sig, 2);
    const ifExists = c.accept('IF', 'EXISTS');
    const name = c.name();
    c.end();
    const user = ctx.users.find(name);
    if (!user) {
      if (ifExists) return statusResult(STATEMENT_TYPE.DDL, `Drop statement executed successfully (${name} already dropped).`);
      throw objectNotFound('User', name);
    }
    if (!ctx.grants.privilegesOn(principalOf(ctx), user).has('OWNERSHIP')) throw insufficientPrivileges('user', name);
    ctx.users.remove(name);
    ctx.grants.forgetUser(name);
    return statusResult(STATEMENT_TYPE.DDL, `${name} successfully dropped.`);
  },
};

/** CREATE [OR REPLACE] ROLE [IF NOT EXISTS] r [COMMENT = '…'], DROP ROLE [IF EXISTS] r: admin roles only. */
const roleDdl: Command = {
  name: 'CREATE/DROP ROLE',
  matches: (sig) => (keyword(sig[0]) === 'CREATE' && (keyword(sig[1]) === 'ROLE' || (keyword(sig[2]) === 'REPLACE' && keyword(sig[3]) === 'ROLE')))
    || (keyword(sig[0]) === 'DROP' && keyword(sig[1]) === 'ROLE'),
  run(ctx) {
    const c = new Cursor(ctx.sig, 1);
    const create = keyword(ctx.sig[0]) === 'CREATE';
    const orReplace = create && c.accept('OR', 'REPLACE');
    c.expect('ROLE');
    const ifClause = create ? c.accept('IF', 'NOT', 'EXISTS') : c.accept('IF', 'EXISTS');
    const name = c.name();
    if (create && c.accept('COMMENT')) {
      c.expect('=');
      c.value();
    }
    c.end();
    if (!ctx.grants.isAdmin(principalOf(ctx))) throw insufficientPrivileges('account', ctx.account);
    if (create) {
      if (ctx.grants.hasRole(name)) {
        if (ifClause) return statusResult(STATEMENT_TYPE.DDL, `${name} already exists, statement succeeded.`);
        if (!orReplace || isBuiltIn(name)) throw objectExists(name);
        ctx.grants.dropRole(name);
      }
      ctx.grants.createRole(name);
      return statusResult(STATEMENT_TYPE.DDL, `Role ${name} successfully created.`);
    }
    if (isBuiltIn(name)) throw insufficientPrivileges('role', name);
    if (!ctx.grants.dropRole(name)) {
      if (ifClause) return statusResult(STATEMENT_TYPE.DDL, `Drop statement executed successfully (${name} already dropped).`);
      throw objectNotFound('Role', name);
    }
    return statusResult(STATEMENT_TYPE.DDL, `${name} successfully dropped.`);
  },
};

/**
 * GRANT/REVOKE, admin roles only:
 * - `GRANT <privileges> ON USER u TO ROLE r` (MODIFY PROGRAMMATIC AUTHENTICATION METHODS, MONITOR,
 *   OWNERSHIP, ALL [PRIVILEGES]); `REVOKE … ON USER u FROM ROLE r`;
 * - `GRANT CREATE USER ON ACCOUNT TO ROLE r`; `REVOKE … FROM ROLE r`;
 * - `GRANT ROLE r TO USER u`; `REVOKE ROLE r FROM USER u` (to a role: unsupported, no hierarchy).
 * Other GRANTs (on tables …) are not matched and go to PostgreSQL as before.
 */
const grantRevoke: Command = {
  name: 'GRANT/REVOKE',
  matches: (sig) => {
    const verb = keyword(sig[0]);
    if (verb !== 'GRANT' && verb !== 'REVOKE') return false;
    if (keyword(sig[1]) === 'ROLE') return true;
    const on = sig.findIndex((t) => keyword(t) === 'ON');
    return on > 0 && ['USER', 'ACCOUNT'].includes(keyword(sig[on + 1]) ?? '');
  },
  run(ctx) {
    const grant = keyword(ctx.sig[0]) === 'GRANT';
    const toFrom = grant ? 'TO' : 'FROM';
    const c = new Cursor(ctx.sig, 1);
    const principal = principalOf(ctx);
    if (c.accept('ROLE')) {
      const role = c.name();
      c.expect(toFrom);
      if (c.accept('ROLE')) throw unsupported('granting a role to a role (role hierarchy)');
      c.expect('USER');
      const userName = c.name();
      c.end();
      requireRole(ctx.grants, role);
      const user = existingUser(ctx.users, userName);
      if (!ctx.grants.isAdmin(principal)) throw insufficientPrivileges('role', role);
      if (grant) ctx.grants.grantRole(role, user.name);
      else ctx.grants.revokeRole(role, user.name);
      return statusResult(STATEMENT_TYPE.DDL, OK);
    }
    if (!grant) c.accept('GRANT', 'OPTION', 'FOR');
    const privileges = c.privilegeList();
    c.expect('ON');
    const onAccount = c.accept('ACCOUNT');
    if (!onAccount) c.expect('USER');
    const userName = onAccount ? undefined : c.name();
    c.expect(toFrom);
    c.expect('ROLE');
    const role = c.name();
    if (grant) {
      c.accept('WITH', 'GRANT', 'OPTION');
      if (!c.accept('COPY', 'CURRENT', 'GRANTS')) c.accept('REVOKE', 'CURRENT', 'GRANTS');
    } else if (!c.accept('CASCADE')) {
      c.accept('RESTRICT');
    }
    c.end();
    requireRole(ctx.grants, role);
    if (onAccount) {
      if (privileges.some((p) => p.text !== 'CREATE USER')) throw unsupported(`${privileges.find((p) => p.text !== 'CREATE USER')?.text} ON ACCOUNT`);
      if (!ctx.grants.isAdmin(principal)) throw insufficientPrivileges('account', ctx.account);
      if (grant) ctx.grants.grantCreateUser(role);
      else ctx.grants.revokeCreateUser(role);
      return statusResult(STATEMENT_TYPE.DDL, OK);
    }
    const user = existingUser(ctx.users, userName ?? '');
    const onUser: UserPrivilege[] = [];
    for (const p of privileges) {
      if (p.text === 'ALL' || p.text === 'ALL PRIVILEGES') onUser.push('MODIFY PROGRAMMATIC AUTHENTICATION METHODS', 'MONITOR');
      else if (isUserPrivilege(p.text)) onUser.push(p.text);
      else throw syntaxError(p.at);
    }
    if (!ctx.grants.isAdmin(principal)) throw insufficientPrivileges('user', user.name);
    for (const p of onUser) {
      if (grant) ctx.grants.grantOnUser(role, p, user);
      else ctx.grants.revokeOnUser(role, p, user);
    }
    return statusResult(STATEMENT_TYPE.DDL, OK);
  },
};

/**
 * SHOW USER WORKLOAD IDENTITY AUTHENTICATION METHODS [FOR USER u]: the user's WORKLOAD_IDENTITY,
 * one row, none when it has none. Columns name, type, comment (reserved, null), last_used,
 * created_on, additional_info (an OBJECT: awsPartition, awsAccount, type IAM_ROLE | IAM_USER,
 * iamRole = the role's or user's name). Without FOR USER: the current user. Another user needs
 * MONITOR on it (OWNERSHIP holds every privilege; admin roles too).
 * Source: https://docs.snowflake.com/en/sql-reference/sql/show-user-workload-identity-authentication-methods
 * ("name: Name of the service user", as the page says; named identities from ALTER USER … ADD
 * WORKLOAD IDENTITY, which this endpoint does not model, would presumably list their own names).
 */
const showWorkloadIdentity: Command = {
  name: 'SHOW USER WORKLOAD IDENTITY AUTHENTICATION METHODS',
  matches: (sig) => keyword(sig[0]) === 'SHOW' && keyword(sig[1]) === 'USER' && keyword(sig[2]) === 'WORKLOAD',
  run(ctx) {
    const c = new Cursor(ctx.sig, 2);
    c.expect('WORKLOAD', 'IDENTITY', 'AUTHENTICATION', 'METHODS');
    const name = c.accept('FOR', 'USER') ? c.name() : ctx.session.user;
    c.end();
    const user = existingUser(ctx.users, name);
    const principal = principalOf(ctx);
    if (principal.user !== user.name) {
      const held = ctx.grants.privilegesOn(principal, user);
      if (!held.has('MONITOR') && !held.has('OWNERSHIP')) throw insufficientPrivileges('user', user.name);
    }
    return workloadIdentityResult(user);
  },
};

export const ACCOUNT_COMMANDS: readonly Command[] = [describeUser, alterUser, createUser, dropUser, showWorkloadIdentity, roleDdl, grantRevoke];

function principalOf(ctx: CommandContext): Principal {
  return { user: ctx.session.user, role: ctx.session.role, internal: ctx.session.internal };
}

function existingUser(users: Users, name: string): StoredUser {
  const user = users.find(name);
  if (!user) throw objectNotFound('User', name);
  return user;
}

function requireRole(grants: Grants, role: string): void {
  if (!grants.hasRole(role)) throw objectNotFound('Role', role);
}

/** DESC USER's result: property, value, default, description; empty values are the text `null`. */
function describeResult(u: StoredUser): StatementResult {
  const keyBody = (k: RegisteredKey | undefined): string | undefined => k?.key.export({ format: 'der', type: 'spki' }).toString('base64');
  const rows: [string, string | undefined, string, string][] = [
    ['NAME', u.name, 'null', 'Name'],
    ['COMMENT', u.comment, 'null', 'user comment associated to an object in the dictionary'],
    ['DISPLAY_NAME', u.displayName, 'null', 'Display name of the associated object'],
    ['TYPE', u.type, 'null', 'Type of the user'],
    ['LOGIN_NAME', u.loginName, 'null', 'Login name of the user'],
    ['PASSWORD', u.password === undefined ? undefined : '********', 'null', 'Password of the user'],
    ['DISABLED', 'false', 'false', 'Whether the user is disabled'],
    ['DEFAULT_WAREHOUSE', u.defaultWarehouse, 'null', 'Default warehouse for the user'],
    ['DEFAULT_NAMESPACE', namespaceText(u), 'null', 'Default database namespace prefix for the user'],
    ['DEFAULT_ROLE', u.defaultRole, 'null', 'Primary principal of user session will be set to this role'],
    ['DEFAULT_SECONDARY_ROLES', secondaryRolesText(u.defaultSecondaryRoles ?? ['ALL']), '["ALL"]', 'The secondary roles that are active by default for the user\'s session upon login.'],
    ['RSA_PUBLIC_KEY', keyBody(u.keys[0]), 'null', 'RSA public key of the user'],
    ['RSA_PUBLIC_KEY_FP', u.keys[0]?.fingerprint, 'null', 'Fingerprint of user\'s RSA public key.'],
    ['RSA_PUBLIC_KEY_2', keyBody(u.keys[1]), 'null', 'Second RSA public key of the user'],
    ['RSA_PUBLIC_KEY_2_FP', u.keys[1]?.fingerprint, 'null', 'Fingerprint of user\'s second RSA public key.'],
    ['HAS_PASSWORD', String(u.password !== undefined), 'false', 'Whether the user has a password'],
    ['HAS_RSA_PUBLIC_KEY', String(u.keys.some((k) => k !== undefined)), 'false', 'Whether the user has an RSA public key'],
    // HAS_WORKLOAD_IDENTITY: the row's name and place (after HAS_PAT, which this endpoint does not
    // model) from https://docs.snowflake.com/en/release-notes/bcr-bundles/2025_04/bcr-1999; the
    // description text is ours.
    ['HAS_WORKLOAD_IDENTITY', String(u.workloadIdentity !== undefined), 'false', 'Whether the user has a workload identity'],
  ];
  return {
    statementTypeId: STATEMENT_TYPE.DESCRIBE,
    rowtype: ['property', 'value', 'default', 'description'].map((name) => column(name, 'text')),
    rowset: rows.map(([property, value, def, description]) => [property, value ?? 'null', def, description]),
  };
}

function workloadIdentityResult(u: StoredUser): StatementResult {
  const w = u.workloadIdentity;
  const info = w && { awsPartition: w.principal.partition, awsAccount: w.principal.account, type: w.principal.type, iamRole: w.principal.name };
  return {
    statementTypeId: STATEMENT_TYPE.SHOW,
    rowtype: [
      column('name', 'text'), column('type', 'text'), column('comment', 'text'),
      column('last_used', 'timestamp_ltz'), column('created_on', 'timestamp_ltz'), column('additional_info', 'object'),
    ],
    rowset: w ? [[u.name, 'AWS', null, w.lastUsed === undefined ? null : timestampCell(w.lastUsed), timestampCell(w.createdOn), JSON.stringify(info)]] : [],
  };
}

/**
 * DEFAULT_SECONDARY_ROLES as DESC USER shows it: a JSON list, `[]` for `()`, `["ALL"]` for
 * ('ALL') and for a user without the property, which means ALL since bundle 2024_08
 * (https://docs.snowflake.com/en/release-notes/bcr-bundles/2024_08/bcr-1692; the JSON text is
 * what SHOW USERS prints, our assumption for DESC USER).
 */
function secondaryRolesText(roles: readonly string[]): string {
  return JSON.stringify(roles);
}

function namespaceText(u: StoredUser): string | undefined {
  if (u.defaultDatabase === undefined) return undefined;
  return [u.defaultDatabase, u.defaultSchema].filter((p): p is string => p !== undefined).map(displayIdentifier).join('.');
}

function displayIdentifier(name: string): string {
  return /^[A-Z_][A-Z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** Checks a value and returns how to apply it (or, with `unset`, to clear the property). */
function change(a: Assignment, unset: boolean): (u: StoredUser) => void {
  const slot = KEY_SLOTS[a.property];
  if (slot !== undefined) {
    const key = unset ? undefined : rsaKey(a);
    return (u) => { u.keys[slot - 1] = key; };
  }
  if (a.property === 'WORKLOAD_IDENTITY') {
    const identity = unset ? undefined : workloadIdentityOf(a);
    return (u) => { u.workloadIdentity = identity; };
  }
  if (a.property === 'DEFAULT_SECONDARY_ROLES') {
    const roles = unset ? undefined : secondaryRolesOf(a);
    return (u) => { u.defaultSecondaryRoles = roles; };
  }
  if (a.property === 'DEFAULT_NAMESPACE') {
    const [database, schema] = unset ? [] : namespaceOf(a);
    return (u) => {
      u.defaultDatabase = database;
      u.defaultSchema = schema;
    };
  }
  if (a.property === 'DEFAULT_ROLE' || a.property === 'DEFAULT_WAREHOUSE') {
    // Identifiers: unquoted → upper case, "quoted" → exact (a string holds one the same way).
    // Source: https://docs.snowflake.com/en/sql-reference/identifiers-syntax
    const name = identifierValue(a, unset);
    return a.property === 'DEFAULT_ROLE' ? (u) => { u.defaultRole = name; } : (u) => { u.defaultWarehouse = name; };
  }
  const text = unset ? undefined : valueText(a);
  switch (a.property) {
    case 'PASSWORD': return (u) => { u.password = text; };
    case 'COMMENT': return (u) => { u.comment = text; };
    case 'DISPLAY_NAME': return (u) => { u.displayName = text ?? u.name; };
    // LOGIN_NAME: any string, case-insensitive (stored upper case); unset → the name again.
    // Source: https://docs.snowflake.com/en/sql-reference/sql/create-user (LOGIN_NAME).
    case 'LOGIN_NAME': return (u) => { u.loginName = storedLoginName(text ?? u.name); };
    case 'TYPE': {
      const type = unset ? 'PERSON' : (text ?? '').toUpperCase();
      if (type !== 'NULL' && !USER_TYPES.includes(type as UserType)) throw syntaxError(a.value[0]);
      return (u) => { u.type = type === 'NULL' ? 'PERSON' : type as UserType; };
    }
    default: throw syntaxError(a.at);
  }
}

/** The RSA public key in a string value: base64 SPKI body (whitespace ignored) or PEM. */
function rsaKey(a: Assignment): RegisteredKey {
  const t = a.value[0];
  if (a.value.length !== 1 || t.kind !== 'string') throw syntaxError(t);
  const text = stringContent(t);
  try {
    if (publicKeyFrom(text).asymmetricKeyType !== 'rsa') throw new Error('not RSA');
    return registeredKey(text);
  } catch {
    throw invalidPublicKey(a.property);
  }
}

/**
 * DEFAULT_SECONDARY_ROLES = ( 'ALL' ) | ( ): the only two forms CREATE/ALTER USER accept.
 * Source: https://docs.snowflake.com/en/sql-reference/sql/create-user (objectProperties).
 */
function secondaryRolesOf(a: Assignment): string[] {
  const [open, ...rest] = a.value;
  if (open?.text !== '(') throw syntaxError(open);
  if (rest.length === 1 && rest[0].text === ')') return [];
  const [all, close, ...extra] = rest;
  if (all?.kind !== 'string' || stringContent(all).toUpperCase() !== 'ALL') throw syntaxError(all);
  if (close?.text !== ')') throw syntaxError(close);
  if (extra.length > 0) throw syntaxError(extra[0]);
  return ['ALL'];
}

/**
 * WORKLOAD_IDENTITY = ( TYPE = AWS ARN = '<arn>' [ ISSUER = '<url>' ] ), options in any order,
 * TYPE required. Syntax: https://docs.snowflake.com/en/user-guide/workload-identity-federation
 * (Configure Snowflake) and ALTER USER … ADD WORKLOAD IDENTITY's TYPE/ARN/ISSUER
 * (https://docs.snowflake.com/sql-reference/sql/alter-user-add-workload-identity). Only TYPE = AWS
 * is modelled (AZURE, GCP, OIDC: 002040 unsupported). The ARN must name an IAM role or user; what
 * Snowflake answers for one that does not is not documented (see invalidWorkloadIdentityArn).
 * ISSUER is stored as given: it serves only the JWT attestation, which is not emulated.
 */
function workloadIdentityOf(a: Assignment): StoredWorkloadIdentity {
  const tokens = a.value.slice(1, -1);
  const options = new Map<string, Token>();
  for (let i = 0; i < tokens.length; i += 3) {
    const name = keyword(tokens[i]);
    if (!name || !['TYPE', 'ARN', 'ISSUER'].includes(name) || options.has(name)) throw syntaxError(tokens[i]);
    if (tokens[i + 1]?.text !== '=') throw syntaxError(tokens[i + 1] ?? a.value[a.value.length - 1]);
    const value = tokens[i + 2];
    if (!value || (name === 'TYPE' ? value.kind !== 'word' && value.kind !== 'string' : value.kind !== 'string')) throw syntaxError(value ?? a.value[a.value.length - 1]);
    options.set(name, value);
  }
  const typeToken = options.get('TYPE');
  if (!typeToken) throw syntaxError(a.value[a.value.length - 1]);
  const type = (typeToken.kind === 'string' ? stringContent(typeToken) : typeToken.text).toUpperCase();
  if (type !== 'AWS') {
    if (['AZURE', 'GCP', 'OIDC'].includes(type)) throw unsupported(`WORKLOAD_IDENTITY of TYPE ${type}`);
    throw syntaxError(typeToken);
  }
  const arnToken = options.get('ARN');
  if (!arnToken) throw syntaxError(a.value[a.value.length - 1]);
  const arn = stringContent(arnToken);
  const issuer = options.get('ISSUER');
  const identity = storedWorkloadIdentity({ arn, ...(issuer ? { issuer: stringContent(issuer) } : {}) }, Date.now());
  if (!identity) throw invalidWorkloadIdentityArn(arn);
  return identity;
}

function valueText(a: Assignment): string {
  const t = a.value[0];
  if (a.value.length !== 1) throw syntaxError(a.value[1]);
  if (t.kind === 'string') return stringContent(t);
  if (t.kind === 'word' || t.kind === 'qident' || t.kind === 'number') return t.kind === 'number' ? t.text : identifierName(t);
  throw syntaxError(t);
}

function identifierValue(a: Assignment, unset: boolean): string | undefined {
  if (unset) return undefined;
  const t = a.value[0];
  if (a.value.length !== 1) throw syntaxError(a.value[1]);
  if (t.kind === 'string') return normaliseIdentifier(stringContent(t));
  if (t.kind === 'word' || t.kind === 'qident') return identifierName(t);
  throw syntaxError(t);
}

/** DEFAULT_NAMESPACE = db[.schema], as a (dotted) name or a string holding one. */
function namespaceOf(a: Assignment): [string?, string?] {
  const tokens = a.value.length === 1 && a.value[0].kind === 'string'
    ? lex(stringContent(a.value[0])).filter((t) => t.kind !== 'space')
    : a.value;
  const names = tokens.filter((_, i) => i % 2 === 0);
  const dotsOk = tokens.every((t, i) => (i % 2 === 1 ? t.text === '.' : t.kind === 'word' || t.kind === 'qident'));
  if (!dotsOk || names.length < 1 || names.length > 2) throw syntaxError(a.value[0]);
  return [identifierName(names[0]), names[1] ? identifierName(names[1]) : undefined];
}

/** A string literal's text: '' and backslash escapes resolved. */
function stringContent(t: Token): string {
  const body = t.text.slice(1, -1);
  return body.replace(/''|\\(.)/gs, (m: string, c: string | undefined) => {
    if (m === '\'\'') return '\'';
    return ({ n: '\n', r: '\r', t: '\t', 0: '\0' } as Record<string, string>)[c ?? ''] ?? c ?? '';
  });
}

function parseAssignments(c: Cursor): Assignment[] {
  const out: Assignment[] = [];
  while (!c.done()) {
    if (out.length > 0) c.accept(',');
    const at = c.peek();
    const property = c.property();
    c.expect('=');
    out.push({ property, at: at as Token, value: property === 'DEFAULT_SECONDARY_ROLES' || property === 'WORKLOAD_IDENTITY' ? c.parenthesised() : c.value() });
  }
  return out;
}

function parseUnsets(c: Cursor): Assignment[] {
  const out: Assignment[] = [];
  while (!c.done()) {
    if (out.length > 0) c.expect(',');
    const at = c.peek() as Token;
    out.push({ property: c.property(), at, value: [] });
  }
  return out;
}

/** Walks a statement's significant tokens; every mismatch is a 001003 at the offending token. */
class Cursor {
  constructor(private readonly sig: readonly Token[], private i: number) {}

  peek(n = 0): Token | undefined {
    return this.sig[this.i + n];
  }

  last(): Token | undefined {
    return this.sig[this.i - 1];
  }

  done(): boolean {
    return this.i >= this.sig.length;
  }

  /** Consumes the words (or punctuation) if they come next, in order. */
  accept(...words: string[]): boolean {
    const matches = words.every((w, n) => {
      const t = this.peek(n);
      return t !== undefined && (t.kind === 'word' ? t.text.toUpperCase() === w : t.kind === 'op' && t.text === w);
    });
    if (matches) this.i += words.length;
    return matches;
  }

  expect(...words: string[]): void {
    if (!this.accept(...words)) throw syntaxError(this.peek());
  }

  keyword(): string | undefined {
    const t = this.peek();
    if (t?.kind !== 'word') throw syntaxError(t);
    this.i++;
    return t.text.toUpperCase();
  }

  /** An identifier: unquoted → upper case, quoted → as written. */
  name(): string {
    const t = this.peek();
    if (t?.kind !== 'word' && t?.kind !== 'qident') throw syntaxError(t);
    this.i++;
    return identifierName(t);
  }

  property(): Property {
    const t = this.peek();
    const name = keyword(t);
    if (!name || !(PROPERTIES as readonly string[]).includes(name)) throw syntaxError(t);
    this.i++;
    return name as Property;
  }

  /** One value: a literal, or a (dotted) name. */
  value(): Token[] {
    const first = this.peek();
    if (!first || !['string', 'number', 'word', 'qident'].includes(first.kind)) throw syntaxError(first);
    const out = [first];
    this.i++;
    while ((first.kind === 'word' || first.kind === 'qident') && this.peek()?.text === '.' && ['word', 'qident'].includes(this.peek(1)?.kind ?? '')) {
      out.push(this.sig[this.i], this.sig[this.i + 1]);
      this.i += 2;
    }
    return out;
  }

  /** `( … )`: the tokens from the opening to the closing parenthesis, both included. */
  parenthesised(): Token[] {
    const first = this.peek();
    if (first?.text !== '(') throw syntaxError(first);
    const out: Token[] = [];
    while (!this.done()) {
      const t = this.sig[this.i++];
      out.push(t);
      if (t.text === ')') return out;
    }
    throw syntaxError(undefined);
  }

  /** Privilege names before ON, comma-separated, multi-word ones joined by one space (upper case). */
  privilegeList(): { text: string; at: Token }[] {
    const out: { text: string; at: Token }[] = [];
    let words: string[] = [];
    let at: Token | undefined;
    while (!this.done() && keyword(this.peek()) !== 'ON') {
      const t = this.sig[this.i++];
      if (t.text === ',') {
        if (!at) throw syntaxError(t);
        out.push({ text: words.join(' '), at });
        words = [];
        at = undefined;
      } else if (t.kind === 'word') {
        at ??= t;
        words.push(t.text.toUpperCase());
      } else {
        throw syntaxError(t);
      }
    }
    if (!at) throw syntaxError(this.peek());
    out.push({ text: words.join(' '), at });
    return out;
  }

  end(): void {
    if (!this.done()) throw syntaxError(this.peek());
  }
}

