/**
 * The endpoint's users: login name, two public-key slots (RSA_PUBLIC_KEY, RSA_PUBLIC_KEY_2), an
 * optional password and defaults. Names are case-insensitive (kept upper case), like Snowflake
 * login names. This is the state DESC USER / ALTER USER … SET RSA_PUBLIC_KEY will read and write.
 */
import { timingSafeEqual } from 'node:crypto';
import { RegisteredKey, registeredKey } from './jwt';

export interface LocalUser {
  /** Login name; case-insensitive. */
  readonly name: string;
  /** RSA_PUBLIC_KEY and RSA_PUBLIC_KEY_2: PEM (SPKI) or the bare base64 body Snowflake accepts. */
  readonly publicKeys?: readonly [string?, string?];
  /** Enables password login (AUTHENTICATOR absent or SNOWFLAKE). */
  readonly password?: string;
  readonly defaultRole?: string;
  readonly defaultWarehouse?: string;
  readonly defaultDatabase?: string;
  readonly defaultSchema?: string;
}

/** What DESC USER shows about keys, and a little more. */
export interface UserDescription {
  readonly name: string;
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
  keys: [RegisteredKey?, RegisteredKey?];
  password?: string;
  readonly defaultRole?: string;
  readonly defaultWarehouse?: string;
  readonly defaultDatabase?: string;
  readonly defaultSchema?: string;
}

export class Users {
  private readonly byName = new Map<string, StoredUser>();

  add(u: LocalUser): void {
    const name = u.name.toUpperCase();
    this.byName.set(name, {
      name,
      keys: [u.publicKeys?.[0] ? registeredKey(u.publicKeys[0]) : undefined, u.publicKeys?.[1] ? registeredKey(u.publicKeys[1]) : undefined],
      password: u.password,
      defaultRole: u.defaultRole,
      defaultWarehouse: u.defaultWarehouse,
      defaultDatabase: u.defaultDatabase,
      defaultSchema: u.defaultSchema,
    });
  }

  get(name: string): StoredUser | undefined {
    return this.byName.get(name.toUpperCase());
  }

  /** Registers (PEM or base64) or, with undefined, unsets RSA_PUBLIC_KEY (slot 1) or RSA_PUBLIC_KEY_2. */
  setPublicKey(user: string, slot: 1 | 2, key: string | undefined): void {
    const stored = this.get(user);
    if (!stored) throw new Error(`local-snowflake: no user ${user.toUpperCase()}; addUser() it first`);
    stored.keys[slot - 1] = key === undefined ? undefined : registeredKey(key);
  }

  describe(name: string): UserDescription | undefined {
    const u = this.get(name);
    if (!u) return undefined;
    return {
      name: u.name,
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
