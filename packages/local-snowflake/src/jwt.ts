/**
 * Key-pair login: the JWT the driver signs (snowflake-sdk lib/authentication/auth_keypair.js),
 * checked the way Snowflake documents it, with node:crypto only.
 *
 * Token shape: header `{ alg: 'RS256', typ: 'JWT' }`, payload
 * `{ iss: '<ACCOUNT>.<USER>.SHA256:<b64 sha256 of DER SPKI>', sub: '<ACCOUNT>.<USER>', iat, exp }`.
 * snowflake-sdk 3.3.0 puts `iat`/`exp` in MILLISECONDS (Date.now()); the standard says seconds.
 * We accept both: a value above 1e11 is read as milliseconds.
 */
import { createHash, createPublicKey, KeyObject, sign, verify } from 'node:crypto';
import { AccountNames, namesAccount } from './accounts';

/** A failed check: the client sees 390144; `code`/`error` are what SYSTEM$GET_LOGIN_FAILURE_DETAILS would say. */
export interface JwtFailure {
  readonly code: string;
  readonly error: string;
  readonly reason: string;
}

/** Detail codes from Snowflake's SYSTEM$GET_LOGIN_FAILURE_DETAILS documentation ("JWT token errors"). */
export const JWT_FAILURES = {
  ACCOUNT_MISMATCH: { code: '394307', error: 'JWT_TOKEN_ACCOUNT_MISMATCH' },
  INVALID: { code: '390144', error: 'JWT_TOKEN_INVALID' },
  INVALID_USER_IN_ISSUER: { code: '394300', error: 'JWT_TOKEN_INVALID_USER_IN_ISSUER' },
  MISSING_ISSUE_OR_EXPIRATION_TIME: { code: '394301', error: 'JWT_TOKEN_MISSING_ISSUE_OR_EXPIRATION_TIME' },
  INVALID_ISSUE_TIME: { code: '394302', error: 'JWT_TOKEN_INVALID_ISSUE_TIME' },
  INVALID_EXPIRATION_TIME: { code: '394303', error: 'JWT_TOKEN_INVALID_EXPIRATION_TIME' },
  FINGERPRINT_MISMATCH: { code: '394304', error: 'JWT_TOKEN_INVALID_PUBLIC_KEY_FINGERPRINT_MISMATCH' },
  INVALID_ALGORITHM: { code: '394305', error: 'JWT_TOKEN_INVALID_ALGORITHM' },
  INVALID_SIGNATURE: { code: '394306', error: 'JWT_TOKEN_INVALID_SIGNATURE' },
} as const;

/** What a login request is checked against. */
export interface JwtExpectations {
  /** The endpoint's account: the forms a token may name it by (see accounts.ts). */
  readonly account: AccountNames;
  /** LOGIN_NAME from the request body, upper case. */
  readonly loginName: string;
  /** Looks a user up by LOGIN_NAME (upper case): its key slots, undefined when there is no such user. */
  readonly keysOf: (user: string) => readonly [RegisteredKey?, RegisteredKey?] | undefined;
  /** Fingerprints refused by the `rejectKey` fault switch. */
  readonly rejected: ReadonlySet<string>;
  /** Seconds since the epoch. */
  readonly now: number;
  /** Tolerated clock skew for `iat` in the future and `exp` in the past, seconds. */
  readonly skewSeconds?: number;
  /**
   * The SQL API's rule instead of the login's "received within 60 s of `iat`": a token is valid
   * until `exp`, but never more than this many seconds after `iat` (3600 for the SQL API:
   * "The JWT is valid for at most one hour after the token is issued, even if you specify a
   * longer expiration time", https://docs.snowflake.com/en/developer-guide/sql-api/authenticating).
   * Undefined: the login rule.
   */
  readonly maxLifetimeSeconds?: number;
}

export interface RegisteredKey {
  readonly key: KeyObject;
  readonly fingerprint: string;
}

export type JwtResult =
  | { readonly ok: true; readonly user: string; readonly slot: 1 | 2; readonly fingerprint: string }
  | { readonly ok: false; readonly user?: string; readonly failure: JwtFailure };

/** Snowflake's RSA_PUBLIC_KEY accepts the base64 body without armour; we accept that or a PEM. */
export function publicKeyFrom(input: string): KeyObject {
  const text = input.trim();
  if (text.startsWith('-----BEGIN')) {
    return createPublicKey({ key: text.replace(/\r\n/g, '\n'), format: 'pem' });
  }
  return createPublicKey({ key: Buffer.from(text.replace(/\s+/g, ''), 'base64'), format: 'der', type: 'spki' });
}

/** `SHA256:<base64 of the SHA-256 of the DER SPKI>`, as the driver computes it. */
export function fingerprintOf(key: KeyObject | string): string {
  const object = typeof key === 'string' ? publicKeyFrom(key) : key;
  const der = object.export({ format: 'der', type: 'spki' });
  return `SHA256:${createHash('sha256').update(der).digest('base64')}`;
}

export function registeredKey(input: string): RegisteredKey {
  const key = publicKeyFrom(input);
  return { key, fingerprint: fingerprintOf(key) };
}

/** Checks a login JWT. Order: form, algorithm, claims, account, user, times, key/fingerprint, signature. */
export function verifyLoginJwt(token: string, expect: JwtExpectations): JwtResult {
  const fail = (kind: { code: string; error: string }, reason: string, user?: string): JwtResult =>
    ({ ok: false, user, failure: { ...kind, reason } });
  const parts = token.split('.');
  if (parts.length !== 3) return fail(JWT_FAILURES.INVALID, 'not a compact JWS (three dot-separated parts)');
  const header = decodeJson(parts[0]);
  const payload = decodeJson(parts[1]);
  if (!header || !payload) return fail(JWT_FAILURES.INVALID, 'header or payload is not base64url JSON');
  if (header.alg !== 'RS256') return fail(JWT_FAILURES.INVALID_ALGORITHM, `alg is ${String(header.alg)}, not RS256`);

  const iss = payload.iss;
  const sub = payload.sub;
  if (typeof iss !== 'string' || typeof sub !== 'string') return fail(JWT_FAILURES.INVALID, 'iss or sub missing');
  const dot = sub.indexOf('.');
  if (dot <= 0) return fail(JWT_FAILURES.INVALID, `sub '${sub}' is not <ACCOUNT>.<USER>`);
  const account = sub.slice(0, dot);
  const user = sub.slice(dot + 1);
  const issPrefix = `${sub}.`;
  if (!iss.startsWith(issPrefix) || !iss.slice(issPrefix.length).startsWith('SHA256:')) {
    return fail(JWT_FAILURES.INVALID, `iss is not '${sub}.SHA256:<fingerprint>'`, user);
  }
  const fingerprint = iss.slice(issPrefix.length);
  // The drivers upper-case both parts (auth_keypair.js, keypair.py, SessionUtilKeyPair.java) and the
  // docs require it (https://docs.snowflake.com/en/developer-guide/sql-api/authenticating): the account
  // part must be this account's name or locator as accountNameOf() gives it; the user part is the
  // LOGIN_NAME upper-cased (dots, @ and hyphens included: the account part ends at the first dot).
  if (!namesAccount(account, expect.account)) {
    const names = [expect.account.name, expect.account.locator].filter(Boolean).join("' or '");
    return fail(JWT_FAILURES.ACCOUNT_MISMATCH, `token account '${account}' is not this account '${names}'`, user);
  }
  if (user !== expect.loginName) {
    return fail(JWT_FAILURES.INVALID_USER_IN_ISSUER, `token user '${user}' is not LOGIN_NAME '${expect.loginName}'`, user);
  }
  const slots = expect.keysOf(user);
  if (!slots) return fail(JWT_FAILURES.INVALID_USER_IN_ISSUER, `no user '${user}' in this account`, user);

  const iat = epochSeconds(payload.iat);
  const exp = epochSeconds(payload.exp);
  if (iat === undefined || exp === undefined) return fail(JWT_FAILURES.MISSING_ISSUE_OR_EXPIRATION_TIME, 'iat or exp missing', user);
  const skew = expect.skewSeconds ?? 60;
  if (exp < expect.now - skew) return fail(JWT_FAILURES.INVALID_EXPIRATION_TIME, `expired at ${exp}, now ${expect.now}`, user);
  if (iat > expect.now + skew) return fail(JWT_FAILURES.INVALID_ISSUE_TIME, `issued in the future (${iat}, now ${expect.now})`, user);
  if (expect.maxLifetimeSeconds !== undefined) {
    const capped = iat + expect.maxLifetimeSeconds;
    if (capped < expect.now - skew) {
      return fail(JWT_FAILURES.INVALID_EXPIRATION_TIME, `issued at ${iat}: valid at most ${expect.maxLifetimeSeconds} s, until ${capped}, now ${expect.now}`, user);
    }
  } else if (expect.now - iat > 60) {
    return fail(JWT_FAILURES.INVALID_ISSUE_TIME, `received more than 60 s after issue time ${iat}`, user);
  }

  if (expect.rejected.has(fingerprint)) {
    return fail(JWT_FAILURES.FINGERPRINT_MISMATCH, `key ${fingerprint} refused by the rejectKey fault switch`, user);
  }
  // Which registered key made this signature? Then the fingerprint must name that same key.
  const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
  const signature = Buffer.from(parts[2], 'base64url');
  let verifiedSlot: 1 | 2 | undefined;
  for (const slot of [1, 2] as const) {
    const registered = slots[slot - 1];
    if (registered && verify('RSA-SHA256', signed, registered.key, signature)) {
      verifiedSlot = slot;
      break;
    }
  }
  const named = slots.findIndex((k) => k?.fingerprint === fingerprint);
  if (verifiedSlot === undefined) {
    return named < 0
      ? fail(JWT_FAILURES.FINGERPRINT_MISMATCH, `fingerprint ${fingerprint} matches neither RSA_PUBLIC_KEY nor RSA_PUBLIC_KEY_2`, user)
      : fail(JWT_FAILURES.INVALID_SIGNATURE, `signature does not verify with RSA_PUBLIC_KEY${named === 1 ? '_2' : ''}`, user);
  }
  if (slots[verifiedSlot - 1]?.fingerprint !== fingerprint) {
    return fail(JWT_FAILURES.FINGERPRINT_MISMATCH, `signed by slot ${verifiedSlot}'s key but iss names ${fingerprint}`, user);
  }
  return { ok: true, user, slot: verifiedSlot, fingerprint };
}

/** Signs a JWT with RS256 (or the given header): for tests that post tokens without the driver. */
export function signJwt(privateKey: KeyObject | string, payload: Record<string, unknown>, header: Record<string, unknown> = { alg: 'RS256', typ: 'JWT' }): string {
  const head = Buffer.from(JSON.stringify(header)).toString('base64url');
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const signature = sign('RSA-SHA256', Buffer.from(`${head}.${body}`), privateKey).toString('base64url');
  return `${head}.${body}.${signature}`;
}

function decodeJson(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value as Record<string, unknown> : undefined;
  } catch {
    return undefined;
  }
}

function epochSeconds(value: unknown): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  return value > 1e11 ? value / 1000 : value;
}
