/**
 * A local Snowflake endpoint: an HTTP server on 127.0.0.1 that speaks the part of Snowflake's
 * protocol snowflake-sdk 3.3.0 uses, so tests run the real Node driver against it.
 *
 * ```ts
 * const endpoint = await startLocalSnowflake();            // account TESTORG-TESTACCOUNT, port 0
 * endpoint.addUser({ name: 'app', publicKeys: [publicPem] });
 * const conn = snowflake.createConnection(driverOptionsFor(endpoint, { user: 'app', privateKeyPem }));
 * await conn.connectAsync();
 * …
 * await endpoint.stop();
 * ```
 *
 * API
 * - `startLocalSnowflake(opts?)` → `LocalSnowflake`:
 *   - `url`, `host`, `port`, `account` (the account name, upper case), `locator`;
 *   - `addUser(u)` (name, loginName, keys, password, defaults, grantedRoles, defaultSecondaryRoles,
 *     `type`, `owner`, `workloadIdentity`), `setPublicKey(user, 1|2, pem|base64|undefined)`,
 *     `setWorkloadIdentity(user, { arn }|undefined)`, `describeUser(name)`;
 *   - `createWarehouse(name)` (with the `warehouses` option: the warehouses that exist);
 *   - grants (see grants.ts): `createRole(role)`, `grantRole(role, user)` / `revokeRole`,
 *     `grantOnUser(role, privilege, user)` / `revokeOnUser`, `grantCreateUser(role)` /
 *     `revokeCreateUser`; names are identifiers (unquoted → upper case, `"quoted"` exact);
 *   - `faults`: `setLatency(ms)`, `failNext(n, { status?, kind?, afterHandling? })`,
 *     `resetNext(n, { kind?, afterHandling? })`, `slowStatements(n, { polls?, until? })` and `expireResults(n)` (SQL API),
 *     `rejectKey(keyOrFingerprint)`, `allowKey(…)`, `reset()`;
 *   - the SQL API v2 (`/api/v2/statements`, see sql-api.ts and README "SQL API"):
 *     `setSqlApiRowsPerPartition(n)`;
 *   - `expireSessions({ master? })`, `setInProgressAfterMs(ms)`;
 *   - `counters` (snapshot), `requests` (log, snapshot), `resetCounters()`;
 *   - `loginFailureDetails(uuid)`: the reason behind "JWT token is invalid. [uuid]";
 *   - `sql(text, params?)`: run Snowflake-flavoured SQL as an ACCOUNTADMIN session (setup, asserts):
 *     user/role/grant commands included, no login or request log;
 *   - `stop()`.
 * - `driverOptionsFor(endpoint, login, extra?)`: the snowflake-sdk ConnectionOptions to use (key
 *   pair, password, or `{ workloadIdentity: true }`); `WORKLOAD_IDENTITY_DRIVER_ENV`: what a
 *   process that signs in with its workload identity needs in its environment.
 * - options `sts: { endpointUrl }` (moto's server: who issued the AWS credentials of
 *   workload-identity logins) and `now()` (the clock login times are checked against).
 * - `fingerprintOf(key)`, `signJwt(privateKey, payload, header?)`: for tests that post tokens.
 * - `accountNameOf(accountIdentifier)`: the account part of the JWT a driver signs for an `account`
 *   option; `accountHostOf(accountIdentifier)`: the account's host name (underscores as hyphens).
 *
 * Import `./driver-env` before `snowflake-sdk` in a test file (see README.md).
 * What is and is not emulated: README.md in this folder.
 */
import type { ConnectionOptions } from 'snowflake-sdk';
import { AccountNames, accountNameOf } from './accounts';
import { findCommand } from './commands';
import { Engine } from './engine';
import { snowflakeName } from './errors';
import { Faults } from './faults';
import { Grants, PUBLIC_ROLE, UserPrivilege } from './grants';
import { Counters, emptyCounters, LoggedRequest } from './observe';
import { Queries } from './queries';
import { EndpointServer, LoginFailureDetails } from './server';
import { Session, Sessions } from './sessions';
import { parseStatements, translate } from './sql';
import { normaliseIdentifier } from './sql-lexer';
import { LocalSts, LocalStsOptions } from './sts';
import { LocalUser, StoredUser, UserDescription, Users, WorkloadIdentitySpec } from './users';
import { samePrincipal } from './workload-identity';

export type { AnswerFaultOptions, FailOptions, FaultFilter, RequestKind, SlowStatementOptions } from './faults';
export { Faults } from './faults';
export type { Counters, LoggedRequest } from './observe';
export type { LoginFailureDetails } from './server';
export type { LocalUser, UserDescription, UserType, WorkloadIdentitySpec } from './users';
export type { LocalStsOptions } from './sts';
export type { AwsPrincipal, WorkloadIdentityFailureKind } from './workload-identity';
export { principalOfArn, SIGV4_WINDOW_MS, SNOWFLAKE_AUDIENCE } from './workload-identity';
export type { UserPrivilege } from './grants';
export { ADMIN_ROLES, USER_PRIVILEGES } from './grants';
export { fingerprintOf, JWT_FAILURES, signJwt } from './jwt';
export { accountHostOf, accountNameOf } from './accounts';
export { ROLE_NOT_GRANTED } from './login-context';

export interface LocalSnowflakeOptions {
  /**
   * The one account this endpoint serves, as a driver's `account` option names it; default
   * 'TESTORG-TESTACCOUNT'. Kept as `accountNameOf()` gives it: `myorg-my_account` →
   * MYORG-MY_ACCOUNT, `xy12345.us-east-1` → XY12345 (a locator; the region is dropped).
   */
  readonly account?: string;
  /** The account's locator besides its name (e.g. 'XY12345'): a JWT may name either. */
  readonly locator?: string;
  /**
   * The warehouses that exist (identifiers). Default: every warehouse name exists. When given, a
   * login naming another warehouse (or a default warehouse that is not there) opens a session
   * without a current warehouse, as Snowflake does (login-context.ts).
   */
  readonly warehouses?: readonly string[];
  /** Session token validity; default 3600. */
  readonly sessionValiditySeconds?: number;
  /** Master token validity; default 14400. */
  readonly masterValiditySeconds?: number;
  /**
   * How long a synchronous query (or a result poll) is held before the endpoint answers 333333
   * "in progress" and the driver polls getResultUrl; default 45000 (as Snowflake).
   */
  readonly inProgressAfterMs?: number;
  /**
   * SQL API: rows per result partition. Partition 0 comes with the POST's answer (or GET without
   * `partition`), the others with `GET …?partition=N`, gzip-compressed. Snowflake sizes partitions
   * by bytes, not rows (not documented how): tests set a small number to get several. Default 10000.
   */
  readonly sqlApiRowsPerPartition?: number;
  /** Port to listen on; default 0 (any free port). */
  readonly port?: number;
  /** Address to listen on; default 127.0.0.1. */
  readonly host?: string;
  /**
   * The STS that issues the AWS credentials workload-identity logins are signed with: moto's
   * server (`{ endpointUrl: 'http://127.0.0.1:PORT' }`). The endpoint reads the secret key and
   * session token of an access key from moto's `/moto-api/data.json` to verify the signature, and
   * asks moto's STS GetCallerIdentity who the caller is. Default: none (such logins are refused).
   */
  readonly sts?: LocalStsOptions;
  /**
   * The endpoint's clock, epoch milliseconds, for the times in login credentials (X-Amz-Date of a
   * workload-identity attestation, `iat`/`exp` of a JWT). Tests of expiry move it instead of
   * sleeping. Default `Date.now`. Sessions and queries keep the real clock.
   */
  readonly now?: () => number;
}

export interface LocalSnowflake {
  /** `http://127.0.0.1:PORT`: the driver's accessUrl. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The account name, upper case (as a JWT names it: no region, underscores kept). */
  readonly account: string;
  /** The account locator, when configured. */
  readonly locator?: string;
  /** A snapshot of the counters. */
  readonly counters: Counters;
  /** A snapshot of the request log, oldest first. */
  readonly requests: readonly LoggedRequest[];
  /** The fault switches. */
  readonly faults: Faults;
  /**
   * Adds a user. `name` is an identifier; `loginName` (default: the name) what the driver's
   * `username` must match, case-insensitively. The roles in `grantedRoles` (default: the
   * `defaultRole`, if any) are created if missing and granted to the user.
   */
  addUser(user: LocalUser): void;
  /** Makes a warehouse exist (only meaningful with the `warehouses` option). */
  createWarehouse(name: string): void;
  /** Registers or (with undefined) unsets RSA_PUBLIC_KEY (slot 1) or RSA_PUBLIC_KEY_2. */
  setPublicKey(user: string, slot: 1 | 2, key: string | undefined): void;
  /**
   * ALTER USER … SET WORKLOAD_IDENTITY = (TYPE = AWS ARN = '…') or, with undefined, UNSET: sessions
   * opened with another identity end at their next request.
   */
  setWorkloadIdentity(user: string, identity: WorkloadIdentitySpec | undefined): void;
  /** By name (an identifier: `svc` → SVC, `"Svc"` exact) or else by login name (case-insensitive). */
  describeUser(name: string): UserDescription | undefined;
  /** CREATE ROLE IF NOT EXISTS. */
  createRole(role: string): void;
  /** GRANT ROLE role TO USER user: the user's sessions may then act with it. */
  grantRole(role: string, user: string): void;
  revokeRole(role: string, user: string): void;
  /** GRANT privilege ON USER user TO ROLE role (OWNERSHIP transfers the user to the role). */
  grantOnUser(role: string, privilege: UserPrivilege, user: string): void;
  revokeOnUser(role: string, privilege: UserPrivilege, user: string): void;
  /** GRANT CREATE USER ON ACCOUNT TO ROLE role. */
  grantCreateUser(role: string): void;
  revokeCreateUser(role: string): void;
  /** Zeroes the counters and empties the request log. */
  resetCounters(): void;
  /** Changes `inProgressAfterMs` (see LocalSnowflakeOptions) from now on: also how long a SQL API POST waits before 202. */
  setInProgressAfterMs(ms: number): void;
  /** Changes `sqlApiRowsPerPartition` (see LocalSnowflakeOptions) for results answered from now on. */
  setSqlApiRowsPerPartition(rows: number): void;
  /** Makes every session token expired now; with `master`, master tokens too (the driver cannot renew). */
  expireSessions(opts?: { readonly master?: boolean }): void;
  /** The detailed reason of a failed login, by the uuid in its message. */
  loginFailureDetails(id: string): LoginFailureDetails | undefined;
  /**
   * Runs SQL as a session with ACCOUNTADMIN in schema PUBLIC would (no login, not logged):
   * commands the endpoint answers itself (CREATE USER, GRANT, DESC USER, USE …) run as such, the
   * rest is translated for the engine, `?` binds take `params`. Several statements run in order,
   * in one session; the rows of the last come back: the engine's with PGlite's JavaScript values
   * and upper-cased names, a command's with its Snowflake column names (`status`, `property` …)
   * and text values.
   */
  sql(text: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  stop(): Promise<void>;
}

export async function startLocalSnowflake(opts: LocalSnowflakeOptions = {}): Promise<LocalSnowflake> {
  const accountNames: AccountNames = {
    name: accountNameOf(opts.account ?? 'TESTORG-TESTACCOUNT'),
    ...(opts.locator !== undefined ? { locator: accountNameOf(opts.locator) } : {}),
  };
  const account = accountNames.name;
  const warehouses = opts.warehouses ? new Set(opts.warehouses.map(normaliseIdentifier)) : undefined;
  const engine = await Engine.start();
  const users = new Users();
  const grants = new Grants();
  // A session opened with a workload identity holds while its user still has that identity.
  const sessions = new Sessions({
    sessionSeconds: opts.sessionValiditySeconds ?? 3600,
    masterSeconds: opts.masterValiditySeconds ?? 14400,
  }, (session) => {
    if (!session.workloadIdentity) return false;
    const identity = users.find(session.user)?.workloadIdentity;
    return !identity || !samePrincipal(identity.principal, session.workloadIdentity);
  });
  let counters = emptyCounters();
  const log: LoggedRequest[] = [];
  const faults = new Faults();
  const queries = new Queries(engine, users, grants, account, () => { counters.queries++; }, faults);
  const loginFailures = new Map<string, LoginFailureDetails>();
  const state = {
    account: accountNames,
    users,
    grants,
    warehouseExists: warehouses ? (name: string) => warehouses.has(name) : undefined,
    sessions,
    queries,
    engine,
    faults,
    get counters() { return counters; },
    log,
    loginFailures,
    inProgressAfterMs: opts.inProgressAfterMs ?? 45_000,
    sqlApiRowsPerPartition: opts.sqlApiRowsPerPartition ?? 10_000,
    now: opts.now ?? Date.now,
    ...(opts.sts ? { sts: new LocalSts(opts.sts) } : {}),
  };
  const server = new EndpointServer(state);
  let address: { host: string; port: number };
  try {
    address = await server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1');
  } catch (e) {
    await engine.close();
    throw e;
  }
  let stopped: Promise<void> | undefined;
  const userNamed = (name: string): StoredUser => {
    const user = users.find(normaliseIdentifier(name));
    if (!user) throw new Error(`local-snowflake: no user ${normaliseIdentifier(name)}; addUser() it first`);
    return user;
  };

  return {
    url: `http://${address.host}:${address.port}`,
    host: address.host,
    port: address.port,
    account,
    ...(accountNames.locator !== undefined ? { locator: accountNames.locator } : {}),
    addUser: (u) => {
      if (u.owner !== undefined && !grants.hasRole(u.owner)) throw new Error(`local-snowflake: no role ${u.owner} to own user ${u.name}; createRole() it first`);
      const user = users.add(u);
      grants.forgetUser(user.name);
      const granted = u.grantedRoles ?? (u.defaultRole !== undefined ? [u.defaultRole] : []);
      for (const role of granted.map(normaliseIdentifier)) {
        grants.createRole(role);
        if (role !== PUBLIC_ROLE) grants.grantRole(role, user.name);
      }
    },
    createWarehouse: (name) => { warehouses?.add(normaliseIdentifier(name)); },
    setPublicKey: (user, slot, key) => users.setPublicKey(user, slot, key),
    setWorkloadIdentity: (user, identity) => users.setWorkloadIdentity(user, identity),
    describeUser: (name) => users.describe(name),
    createRole: (role) => { grants.createRole(normaliseIdentifier(role)); },
    grantRole: (role, user) => grants.grantRole(normaliseIdentifier(role), userNamed(user).name),
    revokeRole: (role, user) => grants.revokeRole(normaliseIdentifier(role), userNamed(user).name),
    grantOnUser: (role, privilege, user) => grants.grantOnUser(normaliseIdentifier(role), privilege, userNamed(user)),
    revokeOnUser: (role, privilege, user) => grants.revokeOnUser(normaliseIdentifier(role), privilege, userNamed(user)),
    grantCreateUser: (role) => grants.grantCreateUser(normaliseIdentifier(role)),
    revokeCreateUser: (role) => grants.revokeCreateUser(normaliseIdentifier(role)),
    get counters() { return structuredClone(counters); },
    get requests() { return log.map((e) => ({ ...e })); },
    resetCounters: () => {
      counters = emptyCounters();
      log.length = 0;
    },
    faults,
    setInProgressAfterMs: (ms) => { state.inProgressAfterMs = ms; },
    setSqlApiRowsPerPartition: (rows) => { state.sqlApiRowsPerPartition = rows; },
    expireSessions: (o = {}) => sessions.expireAll(o.master === true),
    loginFailureDetails: (id) => loginFailures.get(id),
    sql: async (text, params = []) => {
      const session = adminSession();
      let rows: Record<string, unknown>[] = [];
      for (const statement of parseStatements(text)) {
        const command = findCommand(statement);
        if (command) {
          const result = await command.command.run({ session, statement, sig: command.sig, users, grants, account });
          rows = result.rowset.map((r) => Object.fromEntries(result.rowtype.map((c, i) => [c.name, r[i]])));
          continue;
        }
        const t = translate(text, statement, { ...session, account, sessionId: 0 });
        for (const pre of t.preStatements) await engine.query(pre);
        const result = await engine.query(t.pgSql, params.slice(0, t.bindCount));
        rows = result.rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [snowflakeName(k), v])));
      }
      return rows;
    },
    stop: () => {
      stopped ??= (async () => {
        await server.close();
        await engine.close();
      })();
      return stopped;
    },
  };
}

/** The session `endpoint.sql()` runs in: never registered, trusted with ACCOUNTADMIN. */
function adminSession(): Session {
  return {
    id: 0,
    user: 'SYSTEM',
    role: 'ACCOUNTADMIN',
    internal: true,
    schema: 'PUBLIC',
    params: new Map(),
    token: '',
    masterToken: '',
    tokenExpiresAt: Number.POSITIVE_INFINITY,
    masterExpiresAt: Number.POSITIVE_INFINITY,
    closed: false,
  };
}

/** How a test logs in through the driver. */
export interface DriverLogin {
  /**
   * The driver's `username`, sent as LOGIN_NAME. Required for key-pair and password logins; with
   * `workloadIdentity` optional (the user is then found by its identity).
   */
  readonly user?: string;
  /**
   * Sign in with the process's AWS credentials (authenticator WORKLOAD_IDENTITY, provider AWS):
   * the driver signs an STS GetCallerIdentity request with AWS_ACCESS_KEY_ID,
   * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN in AWS_REGION. The process also needs
   * WORKLOAD_IDENTITY_DRIVER_ENV (the loopback host allow-list).
   */
  readonly workloadIdentity?: boolean;
  /** PKCS#8 (or PKCS#1) PEM: key-pair login (authenticator SNOWFLAKE_JWT). */
  readonly privateKeyPem?: string;
  readonly privateKeyPass?: string;
  /** Password login (authenticator SNOWFLAKE) when no private key is given. */
  readonly password?: string;
  readonly role?: string;
  readonly warehouse?: string;
  readonly database?: string;
  readonly schema?: string;
  /** Another account name than the endpoint's, to test a login naming the wrong account. */
  readonly account?: string;
}

/**
 * snowflake-sdk ConnectionOptions that reach the endpoint over plain HTTP while sending the
 * account name in the login body and the JWT: `accessUrl` is the endpoint's URL (the driver then
 * uses it as is, with no OCSP/CRL check since it is not https), `account` the account name.
 */
export function driverOptionsFor(
  endpoint: Pick<LocalSnowflake, 'url' | 'account'>,
  login: DriverLogin,
  extra: Partial<ConnectionOptions> = {},
): ConnectionOptions {
  const keyPair = login.privateKeyPem !== undefined;
  if (!login.workloadIdentity && login.user === undefined) throw new Error('local-snowflake: driverOptionsFor needs a user, except with workloadIdentity');
  const credentials: Partial<ConnectionOptions> = login.workloadIdentity
    // snowflake-sdk 3.3.0: no username needed for WORKLOAD_IDENTITY (connection_config.js
    // `noUsernameRequiredFor`); provider AWS (auth_workload_identity/types.js).
    ? { authenticator: 'WORKLOAD_IDENTITY', workloadIdentityProvider: 'AWS' }
    : { authenticator: keyPair ? 'SNOWFLAKE_JWT' : 'SNOWFLAKE', ...(keyPair ? { privateKey: login.privateKeyPem } : { password: login.password }) };
  const options: ConnectionOptions = {
    account: login.account ?? endpoint.account,
    accessUrl: endpoint.url,
    ...(login.user !== undefined ? { username: login.user } : {}),
    ...credentials,
    ...(login.privateKeyPass !== undefined ? { privateKeyPass: login.privateKeyPass } : {}),
    ...(login.role !== undefined ? { role: login.role } : {}),
    ...(login.warehouse !== undefined ? { warehouse: login.warehouse } : {}),
    ...(login.database !== undefined ? { database: login.database } : {}),
    ...(login.schema !== undefined ? { schema: login.schema } : {}),
    ...extra,
  };
  return options;
}

/**
 * What a process that signs in with its workload identity needs in its environment, besides the
 * AWS credentials (AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, as
 * Lambda sets them):
 * - SNOWFLAKE_WIF_ALLOWED_HOST_SUFFIXES=127.0.0.1: snowflake-sdk 3.3.0 refuses WORKLOAD_IDENTITY
 *   for a host outside *.snowflakecomputing.com|cn|mil before it reads any credential
 *   (auth_workload_identity/host_allowlist.js `validateHost`, url_util.js
 *   `isSnowflakeAllowedDomain`); this variable is the only way to extend the list, read at each login;
 * - SNOWFLAKE_DISABLE_PLATFORM_DETECTION=true: no cloud metadata probes nor STS call when the
 *   driver loads (telemetry/platform_detection.js); `./driver-env` sets it in a test process.
 */
export const WORKLOAD_IDENTITY_DRIVER_ENV: Readonly<Record<string, string>> = {
  SNOWFLAKE_WIF_ALLOWED_HOST_SUFFIXES: '127.0.0.1',
  SNOWFLAKE_DISABLE_PLATFORM_DETECTION: 'true',
};
