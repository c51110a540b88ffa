/**
 * snowflake-sdk, set up for Lambda: loaded once, and the connection options it is given. Its
 * errors are classified and translated into the connector's in driver-errors.ts.
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

/**
 * How the driver proves who the function is:
 * - key pair: `SNOWFLAKE_JWT` with the private key; a legacy password: `SNOWFLAKE`.
 * - workload identity: `WORKLOAD_IDENTITY` with provider `AWS` (snowflake-sdk 3.3.0,
 *   authentication_types.js and auth_workload_identity/types.js); the JWT attestation
 *   (`workloadIdentityAwsUseOutboundToken`, connection_config.js) only for OUTBOUND_TOKEN. No key,
 *   no impersonation path: the function signs in as its own role. The user goes as `username`,
 *   although the driver does not require one for WORKLOAD_IDENTITY (connection_config.js,
 *   `noUsernameRequiredFor`): it then sends LOGIN_NAME (authentication.js `formAuthJSON`), so the
 *   login is for that user only and must be the user whose identity the caller is. Without it,
 *   Snowflake would pick the user by the identity alone, and a second user trusting the same role
 *   (a migration in progress, a mistake) would make the login ambiguous or land in another user.
 *   `user` is the login name, as with a key pair (docs/secret-format.md).
 */
function authenticationOptions(credentials: Credentials): Record<string, unknown> {
  const auth = credentials.authentication;
  switch (auth.kind) {
    case 'keyPair': return { username: credentials.settings.user, authenticator: 'SNOWFLAKE_JWT', privateKey: auth.pkcs8Pem };
    case 'password': return { username: credentials.settings.user, authenticator: 'SNOWFLAKE', password: auth.password };
    case 'workloadIdentity': return {
      username: credentials.settings.user,
      authenticator: 'WORKLOAD_IDENTITY',
      workloadIdentityProvider: 'AWS',
      ...(auth.attestation === 'OUTBOUND_TOKEN' ? { workloadIdentityAwsUseOutboundToken: true } : {}),
    };
  }
}

/** Connection options for the driver: how it signs in (above), and the session's settings. */
export function connectionOptions(credentials: Credentials, settings: DriverSettings): DriverConnectionOptions {
  const s = credentials.settings;
  // The JWT names the account from `account`, whatever host the requests go to (snowflake-sdk 3.x
  // takes the part before the first dot and upper-cases it, as snowflake-connector-python does):
  // `myorg-my_account` signs as MYORG-MY_ACCOUNT, `xy12345.us-east-1` as XY12345. The host is
  // built here, with hyphens for underscores (snowflake-sdk would keep the underscore).
  const host = settings.host ?? s.host ?? accountHostname(s.account);
  const url = settings.endpointUrl ?? `https://${host}`;
  const options: Record<string, unknown> = {
    account: s.account,
    accessUrl: url,
    host: new URL(url).hostname,
    // Session names are resolved as identifiers: a case-sensitive name must arrive quoted.
    ...(s.role ? { role: sessionIdentifier(s.role) } : {}),
    ...(s.warehouse ? { warehouse: sessionIdentifier(s.warehouse) } : {}),
    ...(s.database ? { database: sessionIdentifier(s.database) } : {}),
    ...(s.schema ? { schema: sessionIdentifier(s.schema) } : {}),
    ...authenticationOptions(credentials),
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
