/**
 * The secret reader of the driver-side bundles (connector, sql-executor, rotation...): SecretSource
 * (./secret-source.ts: caching, retries, checks, error messages) with the AWS SDK's Secrets
 * Manager client. The `sql-api-executor` bundle does not import this module: it reads the same
 * way through a fetch-and-SigV4 client (../shared/secrets-manager.ts), so that it holds no AWS SDK.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { regionOfSecretArn, SecretSource, SecretSourceOptions } from './secret-source';
import type { SecretValueClient } from '../shared/secrets-manager';

export { isTransientAwsError, regionOfSecretArn, SecretSource } from './secret-source';
export type { Authentication, Credentials, CredentialSource, SecretSourceOptions } from './secret-source';
export type { GetSecretValueRequest, GetSecretValueResponse, SecretValueClient } from '../shared/secrets-manager';

export interface SecretReaderOptions extends SecretSourceOptions {
  /** A client to use instead of one made for the secret's region. */
  readonly client?: SecretsManagerClient;
  /** Abandon one GetSecretValue call after this long (it is then retried). */
  readonly requestTimeoutMs?: number;
}

/** The AWS SDK's client as a SecretValueClient. */
export function sdkSecretValueClient(client: SecretsManagerClient): SecretValueClient {
  return { getSecretValue: (request) => client.send(new GetSecretValueCommand(request)) };
}

/** Reads and checks one secret with the AWS SDK; caches the first good read until `refresh()`. */
export class SecretReader extends SecretSource {
  /** The AWS SDK client it reads with. */
  public readonly client: SecretsManagerClient;

  constructor(secretId: string, options: SecretReaderOptions = {}) {
    const region = regionOfSecretArn(secretId);
    const client = options.client ?? new SecretsManagerClient({
      ...(region ? { region } : {}),
      // Retries are ours (bounded, with full jitter), so that throttling and timeouts are
      // handled the same way as Snowflake's transient failures.
      maxAttempts: 1,
      // throwOnRequestTimeout: without it, @smithy/node-http-handler only warns when the timeout passes.
      requestHandler: { connectionTimeout: 3_000, requestTimeout: options.requestTimeoutMs ?? 5_000, throwOnRequestTimeout: true },
    });
    super(secretId, sdkSecretValueClient(client), options);
    this.client = client;
  }
}
