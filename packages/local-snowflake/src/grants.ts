/**
 * A small grant model, enough for key rotation: roles, the privileges on a user that Snowflake
 * checks for DESC/ALTER/DROP USER, CREATE USER on the account, and roles granted to users.
 *
 * - Built-in roles ACCOUNTADMIN, SECURITYADMIN and USERADMIN hold every privilege on every user
 *   and CREATE USER, and alone may CREATE ROLE, GRANT and REVOKE. PUBLIC holds what is granted
 *   to it (nothing at first) and is every user's.
 * - A session acts with its current role only while that role is granted to its user. A login
 *   refuses a role not granted (390189, login-context.ts), and so does USE ROLE (003013,
 *   commands.ts); a role revoked after it was taken holds nothing beyond PUBLIC. The endpoint's
 *   own session (`endpoint.sql()`) is trusted.
 * - OWNERSHIP of a user is the user's `owner` (users.ts): granting it transfers it.
 * - No role hierarchy (roles granted to roles), no future grants, no grants on other objects.
 */
import { StoredUser } from './users';

export const USER_PRIVILEGES = ['MODIFY PROGRAMMATIC AUTHENTICATION METHODS', 'MONITOR', 'OWNERSHIP'] as const;

/** A privilege on a user. */
export type UserPrivilege = (typeof USER_PRIVILEGES)[number];

/** The built-in roles that hold every user privilege and manage roles and grants. */
export const ADMIN_ROLES: readonly string[] = ['ACCOUNTADMIN', 'SECURITYADMIN', 'USERADMIN'];

export const PUBLIC_ROLE = 'PUBLIC';

/** Who runs a statement: the session's user and current role. */
export interface Principal {
  readonly user: string;
  readonly role: string;
  /** The endpoint's own session (`endpoint.sql()`): acts with its role without a grant. */
  readonly internal?: boolean;
}

export class Grants {
  private readonly roles = new Set<string>([...ADMIN_ROLES, PUBLIC_ROLE]);
  /** User name → roles granted to it. */
  private readonly rolesOfUser = new Map<string, Set<string>>();
  /** User name → role → privileges on that user (OWNERSHIP lives on the user). */
  private readonly onUser = new Map<string, Map<string, Set<UserPrivilege>>>();
  private readonly createUser = new Set<string>();

  hasRole(role: string): boolean {
    return this.roles.has(role);
  }

  /** Creates a role; false when it already existed. */
  createRole(role: string): boolean {
    if (this.roles.has(role)) return false;
    this.roles.add(role);
    return true;
  }

  /** Drops a role and every grant of or to it; false when there was none. Built-in roles cannot be dropped. */
  dropRole(role: string): boolean {
    if (isBuiltIn(role)) throw new Error(`local-snowflake: built-in role ${role} cannot be dropped`);
    if (!this.roles.delete(role)) return false;
    for (const roles of this.rolesOfUser.values()) roles.delete(role);
    for (const byRole of this.onUser.values()) byRole.delete(role);
    this.createUser.delete(role);
    return true;
  }

  grantRole(role: string, user: string): void {
    this.requireRole(role);
    const roles = this.rolesOfUser.get(user) ?? new Set<string>();
    roles.add(role);
    this.rolesOfUser.set(user, roles);
  }

  /** True when the role is granted to the user (by exact names). */
  isGranted(role: string, user: string): boolean {
    return this.rolesOfUser.get(user)?.has(role) ?? false;
  }

  revokeRole(role: string, user: string): void {
    this.rolesOfUser.get(user)?.delete(role);
  }

  /** Grants a privilege on a user to a role; OWNERSHIP transfers the user to the role. */
  grantOnUser(role: string, privilege: UserPrivilege, user: StoredUser): void {
    this.requireRole(role);
    if (privilege === 'OWNERSHIP') {
      user.owner = role;
      return;
    }
    const byRole = this.onUser.get(user.name) ?? new Map<string, Set<UserPrivilege>>();
    const privileges = byRole.get(role) ?? new Set<UserPrivilege>();
    privileges.add(privilege);
    byRole.set(role, privileges);
    this.onUser.set(user.name, byRole);
  }

  /** Revokes a privilege on a user; revoking OWNERSHIP from the owner leaves the user without one. */
  revokeOnUser(role: string, privilege: UserPrivilege, user: StoredUser): void {
    if (privilege === 'OWNERSHIP') {
      if (user.owner === role) user.owner = undefined;
      return;
    }
    this.onUser.get(user.name)?.get(role)?.delete(privilege);
  }

  grantCreateUser(role: string): void {
    this.requireRole(role);
    this.createUser.add(role);
  }

  revokeCreateUser(role: string): void {
    this.createUser.delete(role);
  }

  /** Forgets the grants of a dropped user (to it and on it). */
  forgetUser(user: string): void {
    this.rolesOfUser.delete(user);
    this.onUser.delete(user);
  }

  /** The principal's current role if it may act with it (granted, PUBLIC, or internal), else undefined. */
  activeRole(p: Principal): string | undefined {
    if (p.internal || p.role === PUBLIC_ROLE || this.rolesOfUser.get(p.user)?.has(p.role)) return p.role;
    return undefined;
  }

  /** True when the principal acts with an admin role it holds. */
  isAdmin(p: Principal): boolean {
    const role = this.activeRole(p);
    return role !== undefined && ADMIN_ROLES.includes(role);
  }

  /** The privileges the principal holds on a user, through its active role and PUBLIC. */
  privilegesOn(p: Principal, user: StoredUser): Set<UserPrivilege> {
    if (this.isAdmin(p)) return new Set(USER_PRIVILEGES);
    const held = new Set<UserPrivilege>();
    for (const role of this.effectiveRoles(p)) {
      if (user.owner === role) held.add('OWNERSHIP');
      for (const privilege of this.onUser.get(user.name)?.get(role) ?? []) held.add(privilege);
    }
    return held;
  }

  mayCreateUser(p: Principal): boolean {
    return this.isAdmin(p) || this.effectiveRoles(p).some((r) => this.createUser.has(r));
  }

  /** The role a user created by the principal is owned by: its active role, or PUBLIC. */
  creatingRole(p: Principal): string {
    return this.activeRole(p) ?? PUBLIC_ROLE;
  }

  private effectiveRoles(p: Principal): string[] {
    const role = this.activeRole(p);
    return role === undefined || role === PUBLIC_ROLE ? [PUBLIC_ROLE] : [role, PUBLIC_ROLE];
  }

  private requireRole(role: string): void {
    if (!this.roles.has(role)) throw new Error(`local-snowflake: no role ${role}; createRole() it first`);
  }
}

export function isBuiltIn(role: string): boolean {
  return role === PUBLIC_ROLE || ADMIN_ROLES.includes(role);
}

export function isUserPrivilege(text: string): text is UserPrivilege {
  return (USER_PRIVILEGES as readonly string[]).includes(text);
}
