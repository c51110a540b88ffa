/**
 * The endpoint's users: name, login name, type, owner role, two public-key slots
 * (RSA_PUBLIC_KEY, RSA_PUBLIC_KEY_2), an optional workload identity (WORKLOAD_IDENTITY, beside the
 * keys or instead of them), an optional password and defaults. This is the state
 * DESC USER, ALTER USER, CREATE USER and DROP USER (commands.ts) read and write, and what a
 * login is checked against.
 *
 * A user has a NAME and a LOGIN_NAME, two different things:
 * - NAME is an identifier: unquoted → upper case, quoted → exact, so `"svc"` and `SVC` are two
 *   users while `"SVC"` meets `svc`. SQL (DESC/ALTER/DROP USER, GRANT … TO USER) names users by it.
 *   Source: https://docs.snowflake.com/en/sql-reference/identifiers-syntax
 * - LOGIN_NAME is a string ('svc.loader@example.com', 'svc-loader.prod', spaces allowed), "the name
 *   the user enters to log into the system"; it defaults to the NAME, and login names "are always
 *   case insensitive": we store them upper-cased, as DESC USER shows them. A login looks users up
 *   by LOGIN_NAME only, never by NAME.
 *   Source: https://docs.snowflake.com/en/sql-reference/sql/create-user (NAME note, LOGIN_NAME).
 * `add()` (the TypeScript API) takes the name as an identifier (`svc` → SVC, `"Svc"` → Svc).
 */
import { timingSafeEqual } from 'node:crypto';
import { RegisteredKey, registeredKey } from './jwt';
import { normaliseIdentifier } from './sql-lexer';
import { AwsPrincipal, principalOfArn, samePrincipal } from './workload-identity';

/** Snowflake's user TYPE (PERSON when not set). */
export type UserType = 'PERSON' | 'SERVICE' | 'LEGACY_SERVICE';

export interface LocalUser {
  /** NAME, an identifier: unquoted → upper case (`svc` → SVC), `"quoted"` → exact. */
  readonly name: string;
  /** LOGIN_NAME, any string (case-insensitive, stored upper case); default: the name. */
  readonly loginName?: string;
  /** RSA_PUBLIC_KEY and RSA_PUBLIC_KEY_2: PEM (SPKI) or the bare base64 body Snowflake accepts. */
  readonly publicKeys?: readonly [string?, string?];
  /** Enables password login (AUTHENTICATOR absent or SNOWFLAKE). */
  readonly password?: string;
  readonly defaultRole?: string;
  readonly defaultWarehouse?: string;
  readonly defaultDatabase?: string;
  readonly defaultSchema?: string;
  /** TYPE; default PERSON. */
  readonly type?: UserType;
  /** The role holding OWNERSHIP of the user; default none (only the admin roles may change it). */
  readonly owner?: string;
  /**
   * Roles granted to the user (identifiers). Default: the default role, if any, so that older
   * tests keep logging in with it; give `[]` (or a list without it) for a default role that is
   * not granted.
   */
  readonly grantedRoles?: readonly string[];
  /** DEFAULT_SECONDARY_ROLES: `[]` for `()`, `['ALL']`; default unset (which means ALL). */
  readonly defaultSecondaryRoles?: readonly string[];
  /**
   * WORKLOAD_IDENTITY = (TYPE = AWS ARN = '…'): the IAM role (or user) whose signed STS
   * GetCallerIdentity logs this user in (AUTHENTICATOR WORKLOAD_IDENTITY). Beside RSA keys if any.
   */
  readonly workloadIdentity?: WorkloadIdentitySpec;
}

/** A user's AWS workload identity, as CREATE/ALTER USER … WORKLOAD_IDENTITY = (TYPE = AWS ARN = '…' [ISSUER = '…']) sets it. */
export interface WorkloadIdentitySpec {
  /** `arn:<partition>:iam::<account>:role/[path/]<name>` (or `…:user/…`). */
  readonly arn: string;
  /** Only for the JWT attestation (STS GetWebIdentityToken), which the endpoint does not verify; stored as given. */
  readonly issuer?: string;
}

/** A stored workload identity: the ARN as given, the principal it names, and SHOW's timestamps (epoch ms). */
export interface StoredWorkloadIdentity {
  readonly arn: string;
  readonly issuer?: string;
  readonly principal: AwsPrincipal;
  readonly createdOn: number;
  lastUsed?: number;
}

/** What DESC USER shows about keys, and a little more. */
export interface UserDescription {
  readonly name: string;
  readonly loginName: string;
  readonly type: UserType;
  /** The role that owns the user, if any. */
  readonly owner?: string;
  readonly rsaPublicKeyFp?: string;
  readonly rsaPublicKey2Fp?: string;
  readonly hasPassword: boolean;
  readonly defaultRole?: string;
  readonly defaultWarehouse?: string;
  readonly defaultDatabase?: string;
  readonly defaultSchema?: string;
  /** DEFAULT_SECONDARY_ROLES as stored; undefined when unset (Snowflake then applies ALL). */
  readonly defaultSecondaryRoles?: readonly string[];
  /** The WORKLOAD_IDENTITY ARN as set, if any (DESC USER shows only HAS_WORKLOAD_IDENTITY). */
  readonly workloadIdentityArn?: string;
}

export interface StoredUser {
  readonly name: string;
  /** Upper case. */
  loginName: string;
  displayName: string;
  type: UserType;
  owner?: string;
  comment?: string;
  keys: [RegisteredKey?, RegisteredKey?];
  password?: string;
  defaultRole?: string;
  defaultWarehouse?: string;
  defaultDatabase?: string;
  defaultSchema?: string;
  /** DEFAULT_SECONDARY_ROLES: undefined when unset; `[]` for `()`; `['ALL']`. */
  defaultSecondaryRoles?: string[];
  /** WORKLOAD_IDENTITY, when set. */
  workloadIdentity?: StoredWorkloadIdentity;
}

/**
 * A WORKLOAD_IDENTITY to store, or undefined when the ARN names no IAM role or user (the caller
 * reports the error its way).
 */
export function storedWorkloadIdentity(spec: WorkloadIdentitySpec, now: number): StoredWorkloadIdentity | undefined {
  const principal = principalOfArn(spec.arn);
  if (!principal || spec.arn.includes(':sts::')) return undefined;
  return { arn: spec.arn, ...(spec.issuer !== undefined ? { issuer: spec.issuer } : {}), principal, createdOn: now };
}

/** LOGIN_NAME as stored: upper case (login names are case-insensitive). */
export function storedLoginName(loginName: string): string {
  return loginName.toUpperCase();
}

function identifierOrUndefined(text: string | undefined): string | undefined {
  return text === undefined ? undefined : normaliseIdentifier(text);
}

export class Users {
  private readonly byName = new Map<string, StoredUser>();

  /** Adds (or replaces) a user; the name is an identifier, the login name defaults to it. */
  add(u: LocalUser): StoredUser {
    const name = normaliseIdentifier(u.name);
    const user: StoredUser = {
      name,
      loginName: storedLoginName(u.loginName ?? name),
      displayName: name,
      type: u.type ?? 'PERSON',
      owner: u.owner,
      keys: [u.publicKeys?.[0] ? registeredKey(u.publicKeys[0]) : undefined, u.publicKeys?.[1] ? registeredKey(u.publicKeys[1]) : undefined],
      password: u.password,
      defaultRole: identifierOrUndefined(u.defaultRole),
      defaultWarehouse: identifierOrUndefined(u.defaultWarehouse),
      defaultDatabase: identifierOrUndefined(u.defaultDatabase),
      defaultSchema: identifierOrUndefined(u.defaultSchema),
      defaultSecondaryRoles: u.defaultSecondaryRoles ? [...u.defaultSecondaryRoles] : undefined,
      workloadIdentity: u.workloadIdentity ? workloadIdentityOrThrow(u.workloadIdentity) : undefined,
    };
    this.put(user);
    return user;
  }

  /** Stores a user under its exact name (CREATE USER). */
  put(user: StoredUser): void {
    this.byName.set(user.name, user);
  }

  /** Removes a user by exact name; false when there was none. */
  remove(name: string): boolean {
    return this.byName.delete(name);
  }

  /** A login's lookup: the user whose LOGIN_NAME this is, case-insensitively (never by NAME). */
  byLoginName(loginName: string): StoredUser | undefined {
    const stored = storedLoginName(loginName);
    return [...this.byName.values()].find((u) => u.loginName === stored);
  }

  /** The users whose WORKLOAD_IDENTITY is this principal (partition, account, type, name). */
  byWorkloadIdentity(principal: AwsPrincipal): StoredUser[] {
    return [...this.byName.values()].filter((u) => u.workloadIdentity && samePrincipal(u.workloadIdentity.principal, principal));
  }

  /** Sets or (with undefined) unsets a user's WORKLOAD_IDENTITY, by name or login name. */
  setWorkloadIdentity(user: string, spec: WorkloadIdentitySpec | undefined): void {
    const stored = this.get(user);
    if (!stored) throw new Error(`local-snowflake: no user ${normaliseIdentifier(user)}; addUser() it first`);
    stored.workloadIdentity = spec === undefined ? undefined : workloadIdentityOrThrow(spec);
  }

  /** For the TypeScript API: the user NAMEd so (as an identifier), or else the one with this LOGIN_NAME. */
  get(name: string): StoredUser | undefined {
    return this.byName.get(normaliseIdentifier(name)) ?? this.byLoginName(name);
  }

  /** Exact lookup by Snowflake name (as an identifier in SQL resolves: unquoted already upper-cased). */
  find(name: string): StoredUser | undefined {
    return this.byName.get(name);
  }

  /** Registers (PEM or base64) or, with undefined, unsets RSA_PUBLIC_KEY (slot 1) or RSA_PUBLIC_KEY_2. */
  setPublicKey(user: string, slot: 1 | 2, key: string | undefined): void {
    const stored = this.get(user);
    if (!stored) throw new Error(`local-snowflake: no user ${normaliseIdentifier(user)}; addUser() it first`);
    stored.keys[slot - 1] = key === undefined ? undefined : registeredKey(key);
  }

  /** By name (identifier) or login name (case-insensitive), as `get`. */
  describe(name: string): UserDescription | undefined {
    const u = this.get(name);
    if (!u) return undefined;
    return {
      name: u.name,
      loginName: u.loginName,
      type: u.type,
      owner: u.owner,
      rsaPublicKeyFp: u.keys[0]?.fingerprint,
      rsaPublicKey2Fp: u.keys[1]?.fingerprint,
      hasPassword: u.password !== undefined,
      defaultRole: u.defaultRole,
      defaultWarehouse: u.defaultWarehouse,
      defaultDatabase: u.defaultDatabase,
      defaultSchema: u.defaultSchema,
      defaultSecondaryRoles: u.defaultSecondaryRoles,
      workloadIdentityArn: u.workloadIdentity?.arn,
    };
  }

  /** Constant-time password check; false for users without a password. */
  passwordMatches(user: StoredUser, given: unknown): boolean {
    if (user.password === undefined || typeof given !== 'string') return false;
    const a = Buffer.from(user.password);
    const b = Buffer.from(given);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}

function workloadIdentityOrThrow(spec: WorkloadIdentitySpec): StoredWorkloadIdentity {
  const stored = storedWorkloadIdentity(spec, Date.now());
  if (!stored) throw new Error(`local-snowflake: workloadIdentity.arn ${JSON.stringify(spec.arn)} is not an IAM role or user ARN (arn:aws:iam::<account>:role/<name>)`);
  return stored;
}
