/**
 * The endpoint's users: name, login name, type, owner role, two public-key slots
 * (RSA_PUBLIC_KEY, RSA_PUBLIC_KEY_2), an optional password and defaults. This is the state
 * DESC USER, ALTER USER, CREATE USER and DROP USER (commands.ts) read and write, and what a
 * login is checked against.
 *
 * Names are Snowflake identifiers: an unquoted name is stored upper case, a quoted one exactly as
 * written, so `"svc"` and `SVC` are two users while `"SVC"` meets `svc`. `add()` (the TypeScript
 * API) takes unquoted names. Login names are case-insensitive: a login finds the user whose name
 * is the upper-cased login name, or else the one whose LOGIN_NAME it is.
 */
import { timingSafeEqual } from 'node:crypto';
import { RegisteredKey, registeredKey } from './jwt';

/** Snowflake's user TYPE (PERSON when not set). */
export type UserType = 'PERSON' | 'SERVICE' | 'LEGACY_SERVICE';

export interface LocalUser {
  /** Login name; case-insensitive (stored upper case, as an unquoted identifier). */
  readonly name: string;
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
}

export class Users {
  private readonly byName = new Map<string, StoredUser>();

  /** Adds (or replaces) a user; the name is upper-cased. */
  add(u: LocalUser): void {
    const name = u.name.toUpperCase();
    this.put({
      name,
      loginName: name,
      displayName: name,
      type: u.type ?? 'PERSON',
      owner: u.owner,
      keys: [u.publicKeys?.[0] ? registeredKey(u.publicKeys[0]) : undefined, u.publicKeys?.[1] ? registeredKey(u.publicKeys[1]) : undefined],
      password: u.password,
      defaultRole: u.defaultRole,
      defaultWarehouse: u.defaultWarehouse,
      defaultDatabase: u.defaultDatabase,
      defaultSchema: u.defaultSchema,
    });
  }

  /** Stores a user under its exact name (CREATE USER). */
  put(user: StoredUser): void {
    this.byName.set(user.name, user);
  }

  /** Removes a user by exact name; false when there was none. */
  remove(name: string): boolean {
    return this.byName.delete(name);
  }

  /** Case-insensitive lookup, as a login name: the user named NAME (upper case), or else the one whose LOGIN_NAME it is. */
  get(name: string): StoredUser | undefined {
    const upper = name.toUpperCase();
    return this.byName.get(upper) ?? [...this.byName.values()].find((u) => u.loginName === upper);
  }

  /** Exact lookup by Snowflake name (as an identifier in SQL resolves: unquoted already upper-cased). */
  find(name: string): StoredUser | undefined {
    return this.byName.get(name);
  }

  /** Registers (PEM or base64) or, with undefined, unsets RSA_PUBLIC_KEY (slot 1) or RSA_PUBLIC_KEY_2. */
  setPublicKey(user: string, slot: 1 | 2, key: string | undefined): void {
    const stored = this.get(user);
    if (!stored) throw new Error(`local-snowflake: no user ${user.toUpperCase()}; addUser() it first`);
    stored.keys[slot - 1] = key === undefined ? undefined : registeredKey(key);
  }

  /** By login name (case-insensitive), as `get`. */
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
