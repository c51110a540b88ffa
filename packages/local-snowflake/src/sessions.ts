/**
 * Sessions: a session token (sent as `Authorization: Snowflake Token="…"` on every request) and a
 * master token (sent only to renew the session token), each with its own validity.
 *
 * A session opened with a workload identity ends when its user no longer has that identity
 * (ALTER USER … UNSET WORKLOAD_IDENTITY, or SET to another ARN, or DROP USER): at its next request
 * both tokens are expired, so the request answers 390112 and the driver's renewal 390114, which
 * drops the connection. The endpoint's choice: Snowflake's behaviour here is not documented
 * (README "Workload identity"). Sessions opened with a key keep working when the key is removed,
 * as in Snowflake.
 */
import { randomBytes } from 'node:crypto';
import { invalidSessionToken, masterTokenExpired, sessionExpired, sessionGone, SnowflakeError } from './errors';
import type { AwsPrincipal } from './workload-identity';

export type ParamValue = string | number | boolean;

export interface Session {
  readonly id: number;
  readonly user: string;
  /** The current role (login's roleName, the user's default role, USE ROLE); acts only if granted (grants.ts). */
  role: string;
  /** The endpoint's own session (`endpoint.sql()`), never registered: its role acts without a grant. */
  readonly internal?: boolean;
  warehouse?: string;
  database?: string;
  schema?: string;
  /** Session parameters: from the login's SESSION_PARAMETERS and ALTER SESSION, upper-case names. */
  readonly params: Map<string, ParamValue>;
  token: string;
  masterToken: string;
  tokenExpiresAt: number;
  masterExpiresAt: number;
  closed: boolean;
  /** The AWS principal the session was opened with (AUTHENTICATOR WORKLOAD_IDENTITY); undefined for other logins. */
  readonly workloadIdentity?: AwsPrincipal;
}

export interface SessionValidity {
  readonly sessionSeconds: number;
  readonly masterSeconds: number;
}

export class Sessions {
  private readonly byToken = new Map<string, Session>();
  private readonly byMaster = new Map<string, Session>();
  private readonly all: Session[] = [];
  private nextId = 1_000_000_000_001;

  /**
   * @param revoked true when a session's credentials no longer hold (its workload identity was
   *   removed from its user): the session is then ended at its next request.
   */
  constructor(private readonly validity: SessionValidity, private readonly revoked: (session: Session) => boolean = () => false) {}

  create(init: {
    user: string;
    role: string;
    warehouse?: string;
    database?: string;
    schema?: string;
    params: Map<string, ParamValue>;
    workloadIdentity?: AwsPrincipal;
  }): Session {
    const now = Date.now();
    const id = this.nextId++;
    const session: Session = {
      id,
      ...init,
      token: newToken(id),
      masterToken: newToken(id),
      tokenExpiresAt: now + this.validity.sessionSeconds * 1000,
      masterExpiresAt: now + this.validity.masterSeconds * 1000,
      closed: false,
    };
    this.byToken.set(session.token, session);
    this.byMaster.set(session.masterToken, session);
    this.all.push(session);
    return session;
  }

  /** The session a session token belongs to, or the error Snowflake answers with. */
  authenticate(token: string | undefined): Session | SnowflakeError {
    const session = token ? this.byToken.get(token) : undefined;
    if (!session) return invalidSessionToken();
    if (session.closed) return sessionGone();
    this.endIfRevoked(session);
    // A token replaced by renewal, or past its validity, is expired: the driver renews.
    if (session.token !== token || Date.now() >= session.tokenExpiresAt) return sessionExpired();
    return session;
  }

  /** Renews the session token with the master token (POST /session/token-request). */
  renew(masterToken: string | undefined): Session | SnowflakeError {
    const session = masterToken ? this.byMaster.get(masterToken) : undefined;
    if (!session || session.closed) return sessionGone();
    this.endIfRevoked(session);
    if (Date.now() >= session.masterExpiresAt) return masterTokenExpired();
    session.token = newToken(session.id);
    session.tokenExpiresAt = Date.now() + this.validity.sessionSeconds * 1000;
    this.byToken.set(session.token, session);
    return session;
  }

  /** Expires both tokens of a session whose credentials were revoked: 390112, then 390114 on renewal. */
  private endIfRevoked(session: Session): void {
    if (!this.revoked(session)) return;
    const past = Date.now() - 1;
    session.tokenExpiresAt = Math.min(session.tokenExpiresAt, past);
    session.masterExpiresAt = Math.min(session.masterExpiresAt, past);
  }

  close(session: Session): void {
    session.closed = true;
  }

  /** Makes every session token (and with `master`, every master token) expired now. */
  expireAll(master: boolean): void {
    const past = Date.now() - 1;
    for (const s of this.all) {
      s.tokenExpiresAt = past;
      if (master) s.masterExpiresAt = past;
    }
  }

  get count(): { open: number; total: number } {
    return { open: this.all.filter((s) => !s.closed).length, total: this.all.length };
  }

  validitySeconds(): SessionValidity {
    return this.validity;
  }
}

function newToken(sessionId: number): string {
  return `ver:1-hint:${sessionId}-ETMsDgAAA${randomBytes(24).toString('base64url')}`;
}
