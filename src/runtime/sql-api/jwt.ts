/**
 * The key-pair JWT of Snowflake's SQL API, signed with Node's own crypto (RS256) from the PKCS#8
 * key the connector's secret reader produces (connector/credentials.ts, shared/private-key.ts).
 *
 * Snowflake's rules ("Using key-pair authentication",
 * https://docs.snowflake.com/en/developer-guide/sql-api/authenticating):
 * - `iss` = `<ACCOUNT>.<USER>.SHA256:<fingerprint>`, `sub` = `<ACCOUNT>.<USER>`, both upper case;
 * - `iat`, `exp` "as either seconds or milliseconds"; "The JWT is valid for at most one hour after
 *   the token is issued, even if you specify a longer expiration time" (its Python sample: 59 minutes);
 * - the fingerprint is `SHA256:` + base64 of the SHA-256 of the DER SubjectPublicKeyInfo, the
 *   value of DESC USER's RSA_PUBLIC_KEY_FP (the secret reader computes it: shared/keys.ts).
 *
 * The account part is formed as the drivers form it: snowflake-sdk 3.3.0 keeps what is before the
 * first `.` of `account` (lib/connection/connection_config.js, lines 103-111: `dotPos`), and for a
 * `.global.snowflakecomputing.` URL what is before the first `-` (lines 143-149), then upper-cases it with the user name (lib/authentication/auth_keypair.js, lines 112-117:
 * `account.toUpperCase() + '.' + username.toUpperCase()`); underscores are kept (`myorg-my_account`
 * signs as `MYORG-MY_ACCOUNT`; only the host uses hyphens). The local endpoint checks the same
 * form (packages/local-snowflake/src/accounts.ts `accountNameOf`, jwt.ts). A PrivateLink host
 * never changes it: the JWT names the account, not the host.
 */
import { createPrivateKey, KeyObject, sign } from 'node:crypto';

/** One hour is Snowflake's ceiling; 59 minutes as Snowflake's own sample signs. */
export const JWT_LIFETIME_SECONDS = 59 * 60;
/** A token is re-signed when less than this is left of it, so no request carries one about to expire. */
export const JWT_RENEW_BEFORE_SECONDS = 5 * 60;

/**
 * The account part of the JWT for an account identifier: before the first `.`, upper case,
 * underscores kept; before the first `-` too when requests go to a global URL (`url`).
 */
export function jwtAccount(account: string, url?: string): string {
  let name = account.trim();
  const dot = name.indexOf('.');
  if (dot > 0) name = name.slice(0, dot);
  if (url?.includes('.global.snowflakecomputing.')) {
    const dash = name.indexOf('-');
    if (dash > 0) name = name.slice(0, dash);
  }
  return name.toUpperCase();
}

/** `iss` and `sub` of the key-pair JWT (`url`: where requests go, for the global-URL rule). */
export function jwtSubject(account: string, user: string, fingerprint: string, url?: string): { iss: string; sub: string } {
  const sub = `${jwtAccount(account, url)}.${user.toUpperCase()}`;
  return { iss: `${sub}.${fingerprint}`, sub };
}

function base64url(value: Buffer | string): string {
  return Buffer.from(value).toString('base64url');
}

/** Signs a key-pair JWT (RS256) issued at `nowMs`, valid for `lifetimeSeconds` (at most one hour). */
export function signKeyPairJwt(input: {
  readonly account: string;
  readonly user: string;
  readonly fingerprint: string;
  readonly privateKey: KeyObject;
  readonly nowMs: number;
  readonly lifetimeSeconds?: number;
  readonly url?: string;
}): { token: string; expiresAtMs: number } {
  const lifetime = Math.min(input.lifetimeSeconds ?? JWT_LIFETIME_SECONDS, 3600);
  const iat = Math.floor(input.nowMs / 1000);
  const exp = iat + lifetime;
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const payload = base64url(JSON.stringify({ ...jwtSubject(input.account, input.user, input.fingerprint, input.url), iat, exp }));
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), input.privateKey);
  return { token: `${header}.${payload}.${base64url(signature)}`, expiresAtMs: exp * 1000 };
}

/** What the signer needs: the secret's account, user, PKCS#8 key and its fingerprint. */
export interface JwtIdentity {
  readonly account: string;
  readonly user: string;
  readonly pkcs8Pem: string;
  readonly fingerprint: string;
  /** Where the requests go (the global-URL rule of jwtAccount). */
  readonly url?: string;
}

/**
 * One identity's JWT, cached and re-signed when less than `renewBeforeSeconds` of it is left,
 * by the injected clock.
 */
export class JwtSigner {
  /** Tokens signed (for tests and stats). */
  public signed = 0;
  private readonly privateKey: KeyObject;
  private current: { token: string; expiresAtMs: number } | undefined;

  constructor(
    public readonly identity: JwtIdentity,
    private readonly now: () => number,
    private readonly options: { readonly lifetimeSeconds?: number; readonly renewBeforeSeconds?: number } = {},
  ) {
    this.privateKey = createPrivateKey({ key: identity.pkcs8Pem, format: 'pem' });
  }

  /** The public key's fingerprint the token names (`SHA256:...`). */
  get fingerprint(): string {
    return this.identity.fingerprint;
  }

  /** A token with more than `renewBeforeSeconds` left. */
  token(): string {
    const now = this.now();
    const margin = (this.options.renewBeforeSeconds ?? JWT_RENEW_BEFORE_SECONDS) * 1000;
    if (!this.current || now + margin >= this.current.expiresAtMs) {
      this.current = signKeyPairJwt({ ...this.identity, privateKey: this.privateKey, nowMs: now, lifetimeSeconds: this.options.lifetimeSeconds });
      this.signed++;
    }
    return this.current.token;
  }
}
