/**
 * snowflake-sdk, set up for Lambda, and its errors translated into the connector's.
 *
 * The driver is loaded lazily, after its environment is set, because it does work when its
 * module loads: it starts platform detection (instance-metadata probes and an STS call) and looks
 * for a native helper. On Lambda:
 * - platform detection is off (`SNOWFLAKE_DISABLE_PLATFORM_DETECTION=true`);
 * - every cache it may write (OCSP responses, CRLs, connections.toml lookups) is under /tmp,
 *   since the home directory is read-only;
 * - its log goes through one logger, at WARN, to stdout as JSON lines, redacted: never to
 *   `snowflake.log` in the working directory.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import type * as Snowflake from 'snowflake-sdk';
import type { Credentials } from './credentials';
import { accountHostname, sessionIdentifier } from '../../shared/snowflake-identifiers';
import { log } from '../shared/log';

export type SnowflakeSdk = typeof Snowflake;
export type DriverConnection = Snowflake.Connection;
export type DriverConnectionOptions = Snowflake.ConnectionOptions;
export type DriverError = Snowflake.SnowflakeError;

let sdk: SnowflakeSdk | undefined;

/** The driver, loaded once with the Lambda settings above. */
export function loadDriver(): SnowflakeSdk {
  if (sdk) return sdk;
  const cacheRoot = path.join(os.tmpdir(), 'snowflake');
  process.env.SNOWFLAKE_DISABLE_PLATFORM_DETECTION = 'true';
  // The native "minicore" only reports telemetry, and is not in the bundle.
  process.env.SNOWFLAKE_DISABLE_MINICORE = 'true';
  process.env.SF_OCSP_RESPONSE_CACHE_DIR ??= path.join(cacheRoot, 'ocsp');
  process.env.SNOWFLAKE_CRL_ON_DISK_CACHE_DIR ??= path.join(cacheRoot, 'crls');
  process.env.SNOWFLAKE_HOME ??= cacheRoot;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  sdk = require('snowflake-sdk') as SnowflakeSdk;
  sdk.configure({
    logLevel: 'WARN',
    customLogger: {
      error: (message) => log('ERROR', 'snowflake-sdk', { driver: message }),
      warn: (message) => log('WARN', 'snowflake-sdk', { driver: message }),
      info: (message) => log('INFO', 'snowflake-sdk', { driver: message }),
      debug: (message) => log('DEBUG', 'snowflake-sdk', { driver: message }),
      trace: (message) => log('DEBUG', 'snowflake-sdk', { driver: message }),
    },
    keepAlive: true,
  });
  return sdk;
}

export interface DriverSettings {
  /** Send requests here instead of https://<host or account URL> (a proxy, or a local endpoint). */
  readonly endpointUrl?: string;
  /** Connect to this host instead of the secret's `host` (the PrivateLink account host). */
  readonly host?: string;
  /** Abandon one HTTP request to Snowflake after this long. */
  readonly requestTimeoutMs: number;
  readonly application: string;
}

/** Connection options for the driver: key-pair JWT (or a legacy password), and the session's settings. */
export function connectionOptions(credentials: Credentials, settings: DriverSettings): DriverConnectionOptions {
  const s = credentials.settings;
  const auth = credentials.authentication;
  // The JWT names the account from `account`, whatever host the requests go to (snowflake-sdk 3.x
  // takes the part before the first dot and upper-cases it, as snowflake-connector-python does):
  // `myorg-my_account` signs as MYORG-MY_ACCOUNT, `xy12345.us-east-1` as XY12345. The host is
  // built here, with hyphens for underscores (snowflake-sdk would keep the underscore).
  const host = settings.host ?? s.host ?? accountHostname(s.account);
  const url = settings.endpointUrl ?? `https://${host}`;
  const options: Record<string, unknown> = {
    account: s.account,
    username: s.user,
    accessUrl: url,
    host: new URL(url).hostname,
    // Session names are resolved as identifiers: a case-sensitive name must arrive quoted.
    ...(s.role ? { role: sessionIdentifier(s.role) } : {}),
    ...(s.warehouse ? { warehouse: sessionIdentifier(s.warehouse) } : {}),
    ...(s.database ? { database: sessionIdentifier(s.database) } : {}),
    ...(s.schema ? { schema: sessionIdentifier(s.schema) } : {}),
    ...(auth.kind === 'keyPair'
      ? { authenticator: 'SNOWFLAKE_JWT', privateKey: auth.pkcs8Pem }
      : { authenticator: 'SNOWFLAKE', password: auth.password }),
    application: settings.application,
    timeout: settings.requestTimeoutMs,
    // Login retries are the connector's (bounded, with full jitter); see retry.ts.
    sfRetryMaxLoginRetries: 0,
    clientSessionKeepAlive: false,
    clientStoreTemporaryCredential: false,
    validateDefaultParameters: false,
  };
  return options as DriverConnectionOptions;
}

/** The driver error's Snowflake code as a string ('390144', '001003', or the driver's own 4xxxxx). */
export function driverCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === undefined || code === null ? undefined : String(code);
}

/** HTTP status of a failed request, if the driver kept it. */
export function driverHttpStatus(error: unknown): number | undefined {
  const e = error as { response?: { statusCode?: number; status?: number }; cause?: { response?: { status?: number } } } | undefined;
  return e?.response?.statusCode ?? e?.response?.status ?? e?.cause?.response?.status;
}

/** Network-level code of the underlying failure (ECONNRESET, ETIMEDOUT, ENOTFOUND...). */
export function networkCode(error: unknown): string | undefined {
  let e = error as { code?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 4; depth++) {
    if (typeof e.code === 'string' && /^E[A-Z_]+$|^UND_ERR/.test(e.code)) return e.code;
    e = e.cause as typeof e;
  }
  return undefined;
}

/** Snowflake's login codes that mean "these credentials are not accepted". */
export const AUTH_REJECTED_CODES = new Set([
  '390144', // JWT token is invalid
  '390100', // Incorrect username or password was specified
  '390101', // User temporarily locked
  '390102', // User is disabled
  '390103', // User is locked
]);

/**
 * Snowflake's login codes for "the role in the connect string is not granted to this user" (the
 * message is "Role 'X' specified in the connect string is not granted to this user. Contact your
 * local system administrator, or attempt to login with another role, e.g. PUBLIC."). 390186 is
 * the form older deployments return; 390189 adds "or is not permitted for the credentials being used".
 */
export const ROLE_NOT_GRANTED_CODES = new Set(['390186', '390189']);

/** Codes that mean the session is gone and a new login is needed. */
export const SESSION_GONE_CODES = new Set([
  '390114', // Authentication token has expired (the master token)
  '390111', // Session no longer exists
  '390112', // Session token expired (normally renewed by the driver itself)
  '390104', // Authentication token is invalid
  // The driver's own: it dropped the session (its master token expired while it renewed the
  // session token), so it did not send the request.
  '407002', // ERR_CONN_REQUEST_STATUS_DISCONNECTED
]);

/** Driver codes for network failures and failed HTTP requests (5xx, 429). */
const DRIVER_TRANSIENT_CODES = new Set([
  '401001', // ERR_SF_NETWORK_COULD_NOT_CONNECT
  '401002', // ERR_SF_RESPONSE_FAILURE
  '401003', // ERR_SF_RESPONSE_NOT_JSON (a proxy's error page)
  '402001', // ERR_LARGE_RESULT_SET_NETWORK_COULD_NOT_CONNECT
  '402002', // ERR_LARGE_RESULT_SET_RESPONSE_FAILURE
]);

/** Whether a driver error may pass if the same request is made again. */
export function isTransientDriverError(error: unknown): boolean {
  const network = networkCode(error);
  // ENOTFOUND: the host does not exist (a wrong account identifier); retrying will not change that.
  if (network === 'ENOTFOUND') return false;
  const code = driverCode(error);
  if (code && DRIVER_TRANSIENT_CODES.has(code)) {
    const status = driverHttpStatus(error);
    // A 4xx other than 408/429 will not change by itself.
    return status === undefined || status >= 500 || status === 408 || status === 429;
  }
  return network !== undefined;
}
