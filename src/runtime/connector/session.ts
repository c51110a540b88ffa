/**
 * The connector's Snowflake session: one login per warm Lambda instance, reused while it is
 * alive, checked with a heartbeat when it has been idle, and rebuilt when Snowflake says it is
 * gone. Rotation-aware: when Snowflake rejects the login, the secret's AWSCURRENT is read again,
 * bypassing the cache, and if it holds other credentials the login is made once more with them.
 *
 * The statement methods (connector.ts) run their work through `withSession`; driver errors are
 * translated in driver-errors.ts.
 */
import { randomUUID } from 'node:crypto';
import { Credentials, CredentialSource } from './credentials';
import { connectionOptions, DriverConnection, loadDriver } from './driver';
import {
  describeDriverError,
  driverCode,
  isTransientDriverError,
  loginError,
  queryError,
  RejectedLogin,
  SESSION_GONE_CODES,
  summary,
} from './driver-errors';
import { putMetric } from './metrics';
import { DEFAULT_RETRY_POLICY, RetryEnvironment, RetryPolicy, withRetry } from './retry';
import { allowLoopbackOverride } from './workload-identity';
import { AuthenticationError, SnowflakeConnectorError } from '../shared/errors';
import { log } from '../shared/log';

/** How the session logs in and when it checks itself (part of the connector's options). */
export interface SessionOptions {
  /**
   * Send Snowflake requests to this URL instead of `https://<host>` or the account URL: a proxy,
   * or a local endpoint in tests. The JWT still names the account from the secret.
   * @default - the secret's `host`, else the account URL
   */
  readonly endpointUrl?: string;
  /**
   * Connect to this host instead of the secret's `host` or the account URL: the PrivateLink
   * account host. The JWT still names the account from the secret.
   * @default - the secret's `host`, else the account URL
   */
  readonly host?: string;
  /** Retries of logins and Secrets Manager reads. @default DEFAULT_RETRY_POLICY */
  readonly retryPolicy?: RetryPolicy;
  /** For tests: the clock, sleep and randomness of the retries. */
  readonly retryEnvironment?: RetryEnvironment;
  /** Abandon one HTTP request to Snowflake after this long. @default 60000 */
  readonly requestTimeoutMs?: number;
  /**
   * Check the connection with a heartbeat before using it when it has been idle this long;
   * 0 checks before every call.
   * @default 60000
   */
  readonly validateAfterIdleMs?: number;
  /** Reported to Snowflake as the client application. @default 'cdk-snowflake-keypair' */
  readonly application?: string;
  /**
   * Session parameters set with `ALTER SESSION SET <name> = '<value>'` after each login (a new
   * session after an expiry or a rotation too), before any statement runs on it. Names are
   * Snowflake parameter names (letters, digits, underscores).
   * @default - none: the account's and user's settings
   */
  readonly sessionParameters?: Readonly<Record<string, string>>;
}

/** Counts of the session's logins, for metrics and tests. */
export interface SessionCounts {
  logins: number;
  loginFailures: number;
  reconnects: number;
}

interface Live {
  readonly connection: DriverConnection;
  readonly credentials: Credentials;
  lastUsed: number;
}

/** One Snowflake session, made from the secret (or the workload identity) and reused across invocations. */
export class Session {
  private readonly counts_: SessionCounts = { logins: 0, loginFailures: 0, reconnects: 0 };
  private live: Live | undefined;
  private connecting: Promise<Live> | undefined;

  constructor(private readonly reader: CredentialSource, private readonly options: SessionOptions) {}

  get counts(): SessionCounts {
    return { ...this.counts_ };
  }

  /** The connected driver connection (checked when idle, rebuilt when gone). */
  async connection(): Promise<DriverConnection> {
    return (await this.acquire()).connection;
  }

  /** Runs `work` on a live session; if Snowflake says the session is gone, logs in again and runs it once more. */
  async withSession<T>(sql: string, work: (connection: DriverConnection) => Promise<T>): Promise<T> {
    const live = await this.acquire();
    try {
      return await this.useSession(live, work);
    } catch (error) {
      const code = driverCode(error);
      if (!(code && SESSION_GONE_CODES.has(code))) throw error instanceof SnowflakeConnectorError ? error : queryError(error);
      // The session expired between the check and the statement: it never ran, so run it again.
      log('INFO', 'The Snowflake session has expired; logging in again', { code, statement: summary(sql) });
      this.drop(live);
      this.countReconnect();
      const again = await this.acquire();
      return this.useSession(again, work).catch((retryError) => {
        throw retryError instanceof SnowflakeConnectorError ? retryError : queryError(retryError);
      });
    }
  }

  /** Closes the connection (the next call connects again). */
  async close(): Promise<void> {
    const live = this.live;
    this.live = undefined;
    if (live) await destroy(live.connection);
  }

  // ---------------------------------------------------------------------------------------------

  private async useSession<T>(live: Live, work: (connection: DriverConnection) => Promise<T>): Promise<T> {
    const result = await work(live.connection);
    live.lastUsed = Date.now();
    return result;
  }

  /** The live connection: checked when idle, rebuilt when gone. Concurrent callers share one login. */
  private async acquire(): Promise<Live> {
    const live = this.live;
    if (live) {
      const idle = Date.now() - live.lastUsed;
      const threshold = this.options.validateAfterIdleMs ?? 60_000;
      if (live.connection.isUp() && (idle < threshold || await live.connection.isValidAsync())) {
        return live;
      }
      log('INFO', 'The Snowflake connection is no longer valid; logging in again', { idleMs: idle });
      this.drop(live);
      this.countReconnect();
    }
    if (!this.connecting) {
      const connecting = this.connect();
      this.connecting = connecting;
      // Whatever the outcome, the next caller decides afresh: a failed login is not kept.
      connecting.then((made) => { this.live = made; }, () => undefined).finally(() => {
        if (this.connecting === connecting) this.connecting = undefined;
      });
    }
    return this.connecting;
  }

  private countReconnect(): void {
    this.counts_.reconnects++;
    putMetric('Reconnects', 1);
  }

  private drop(live: Live): void {
    if (this.live === live) this.live = undefined;
    void destroy(live.connection);
  }

  private async connect(): Promise<Live> {
    const credentials = await this.reader.get();
    try {
      return await this.login(credentials);
    } catch (error) {
      // A workload identity has nothing to read again: its refusal (WORKLOAD_IDENTITY_REFUSED) is final
      // for this call, and the next call logs in once more (a failed login is not kept).
      if (!(error instanceof RejectedLogin) || credentials.authentication.kind === 'workloadIdentity') throw error;
      // The key may have been rotated since this instance read it: read AWSCURRENT again.
      const fresh = await this.reader.refresh();
      if (sameAuthentication(fresh, credentials)) {
        throw new AuthenticationError('AUTH_REJECTED', `${error.detail} The secret was read again and still holds the same `
          + `${fresh.authentication.kind === 'keyPair' ? 'key' : 'password'}, so this is not a rotation in progress`, { snowflakeCode: error.snowflakeCode });
      }
      log('INFO', 'Snowflake rejected the login, and the secret now holds other credentials (a rotation); logging in with them', {
        versionId: fresh.versionId,
        ...(fresh.authentication.kind === 'keyPair' ? { publicKeyFingerprint: fresh.authentication.fingerprint } : {}),
      });
      this.countReconnect();
      return this.login(fresh);
    }
  }

  private async login(credentials: Credentials): Promise<Live> {
    const sdk = loadDriver();
    if (credentials.authentication.kind === 'workloadIdentity' && allowLoopbackOverride(this.options.endpointUrl)) {
      log('INFO', 'Workload identity: the driver may send its attestation to the loopback URL override', { endpointUrl: this.options.endpointUrl });
    }
    const options = connectionOptions(credentials, {
      endpointUrl: this.options.endpointUrl,
      host: this.options.host,
      requestTimeoutMs: this.options.requestTimeoutMs ?? 60_000,
      application: this.options.application ?? 'cdk-snowflake-keypair',
    });
    const target = { endpointUrl: this.options.endpointUrl, host: this.options.host };
    const started = Date.now();
    const connection = await withRetry(
      async () => {
        const attempt = sdk.createConnection(options);
        try {
          // Not connectAsync(): in snowflake-sdk 3.3 its promise resolves even when the login
          // fails (the error reaches only its callback).
          await new Promise<void>((resolve, reject) => {
            attempt.connect((error) => (error ? reject(error) : resolve()));
          });
          return attempt;
        } catch (error) {
          this.counts_.loginFailures++;
          throw error;
        }
      },
      isTransientDriverError,
      {
        policy: this.options.retryPolicy ?? DEFAULT_RETRY_POLICY,
        env: this.options.retryEnvironment,
        onRetry: ({ attempt, delayMs, error }) => log('WARN', 'Snowflake login failed; retrying', {
          attempt, delayMs, cause: describeDriverError(error),
        }),
        onGiveUp: (error, attempts) => loginError(error, credentials, attempts, target),
      },
    ).catch((error) => {
      throw error instanceof SnowflakeConnectorError ? error : loginError(error, credentials, 1, target);
    });
    this.counts_.logins++;
    try {
      await setSessionParameters(connection, this.options.sessionParameters ?? {});
    } catch (error) {
      void destroy(connection);
      throw error instanceof SnowflakeConnectorError ? error : queryError(error);
    }
    putMetric('ConnectMs', Date.now() - started);
    const auth = credentials.authentication;
    log('INFO', 'Connected to Snowflake', {
      account: credentials.settings.account,
      user: credentials.settings.user,
      ...(auth.kind === 'keyPair' ? { publicKeyFingerprint: auth.fingerprint } : {}),
      ...(auth.kind === 'workloadIdentity' ? { authentication: 'workloadIdentity', attestation: auth.attestation, workloadIdentityArn: auth.roleArn } : {}),
      ms: Date.now() - started,
    });
    return { connection, credentials, lastUsed: Date.now() };
  }
}

function sameAuthentication(a: Credentials, b: Credentials): boolean {
  const x = a.authentication;
  const y = b.authentication;
  if (x.kind === 'keyPair' && y.kind === 'keyPair') return x.fingerprint === y.fingerprint;
  if (x.kind === 'password' && y.kind === 'password') return x.password === y.password;
  return false;
}

/** `ALTER SESSION SET` for the given parameters, in one statement (none when there are none). */
async function setSessionParameters(connection: DriverConnection, parameters: Readonly<Record<string, string>>): Promise<void> {
  const entries = Object.entries(parameters);
  if (entries.length === 0) return;
  const bad = entries.find(([name]) => !/^[A-Z][A-Z0-9_]*$/i.test(name));
  if (bad) {
    throw new SnowflakeConnectorError('INVALID_ARGUMENT', `sessionParameters: ${JSON.stringify(bad[0])} is not a Snowflake parameter name `
      + '(letters, digits and underscores)');
  }
  // Snowflake string literals: a quote is doubled (https://docs.snowflake.com/en/sql-reference/data-types-text#string-constants).
  const sql = `ALTER SESSION SET ${entries.map(([name, value]) => `${name.toUpperCase()} = '${String(value).replace(/'/g, "''")}'`).join(' ')}`;
  await new Promise<void>((resolve, reject) => {
    connection.execute({ sqlText: sql, requestId: randomUUID(), complete: (error) => (error ? reject(error) : resolve()) });
  });
}

async function destroy(connection: DriverConnection): Promise<void> {
  if (!connection.isUp()) return;
  await new Promise<void>((resolve) => {
    try {
      connection.destroy(() => resolve());
    } catch {
      resolve();
    }
  });
}
