/**
 * Credentials from Secrets Manager: read with GetSecretValue, checked against
 * docs/secret-format.md, and the key normalised into what snowflake-sdk takes. (A function that
 * signs in with its workload identity has no secret: workload-identity.ts is its CredentialSource.)
 *
 * The connector keeps one reader per warm instance and asks it once per cold start;
 * `refresh()` bypasses that cache (after Snowflake rejects a login, the key may have rotated).
 * Only AWSCURRENT is ever read: AWSPENDING belongs to a rotation still being tested.
 *
 * This module holds no AWS SDK: the GetSecretValue call comes through a `SecretValueClient`, the
 * AWS SDK's (credentials.ts `SecretReader`, in every bundle but one) or a SigV4-and-node:https one
 * (../shared/secrets-manager.ts, in the `sql-api-executor` bundle, which must not hold the SDK:
 * test/runtime/sql-api-executor/bundle.test.ts).
 */
import { putMetric } from './metrics';
import { DEFAULT_RETRY_POLICY, RetryEnvironment, RetryPolicy, withRetry } from './retry';
import type { WorkloadIdentityAttestationKind } from '../../shared/workload-identity';
import { SecretAccessError, TransientError } from '../shared/errors';
import { log } from '../shared/log';
import { KeyFormatError, normalisePrivateKey } from '../shared/private-key';
import { errorMessage } from '../shared/redact';
import { parseAnySecretValue, SnowflakeConnectionSettings } from '../shared/secret-value';
import type { SecretValueClient } from '../shared/secrets-manager';

/** How the service user proves who it is. */
export type Authentication =
  | { readonly kind: 'keyPair'; readonly pkcs8Pem: string; readonly fingerprint: string; readonly bits: number }
  | { readonly kind: 'password'; readonly password: string }
  | {
    readonly kind: 'workloadIdentity';
    /** Which attestation the driver sends (src/shared/workload-identity.ts). */
    readonly attestation: WorkloadIdentityAttestationKind;
    /** The IAM role ARN the function signs in as, when known (SNOWFLAKE_WORKLOAD_IDENTITY_ARN): named in errors only. */
    readonly roleArn?: string;
  };

/** Checked credentials, ready for the driver: a secret's, or a workload identity's settings. */
export interface Credentials {
  /** The secret read; absent with a workload identity (no secret). */
  readonly secretId?: string;
  /** The secret version read; a later read with another id holds another value. */
  readonly versionId?: string;
  readonly settings: SnowflakeConnectionSettings;
  readonly authentication: Authentication;
}

/**
 * Where the session's credentials come from: a secret (SecretReader) or the function's workload
 * identity (WorkloadIdentitySource, which reads nothing).
 */
export interface CredentialSource {
  /** GetSecretValue calls made (for metrics and tests); always 0 with a workload identity. */
  readonly reads: number;
  /** The credentials, read once. */
  get(): Promise<Credentials>;
  /** The credentials read again, bypassing any cache. */
  refresh(): Promise<Credentials>;
}

/** The region in a Secrets Manager ARN, or undefined for a secret name. */
export function regionOfSecretArn(secretId: string): string | undefined {
  const match = /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):\d{12}:secret:/.exec(secretId);
  return match?.[1];
}

/** Error names Secrets Manager and the SDK use for failures that may pass. */
const TRANSIENT_NAMES = new Set([
  'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded', 'Throttling',
  'InternalServiceError', 'InternalFailure', 'ServiceUnavailable', 'ServiceUnavailableException',
  'TimeoutError', 'RequestTimeout', 'RequestTimeoutException',
]);
const TRANSIENT_NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH', 'UND_ERR_SOCKET']);

/** Whether a Secrets Manager call that failed this way may succeed if tried again. */
export function isTransientAwsError(error: unknown): boolean {
  const e = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  if (!e || typeof e !== 'object') return false;
  if (e.name && TRANSIENT_NAMES.has(e.name)) return true;
  if (e.code && TRANSIENT_NETWORK_CODES.has(e.code)) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  return e.$retryable !== undefined;
}

/** How a SecretSource reads: its retries and the version it reads. */
export interface SecretSourceOptions {
  readonly retryPolicy?: RetryPolicy;
  readonly retryEnvironment?: RetryEnvironment;
  /**
   * Read this version instead of AWSCURRENT. Only key rotation's testSecret step does, to log in
   * with the pending key; functions always read AWSCURRENT.
   * @default - AWSCURRENT
   */
  readonly versionId?: string;
}

/**
 * Reads and checks one secret through a SecretValueClient; caches the first good read until
 * `refresh()`. SecretReader (credentials.ts) is this with the AWS SDK's client.
 */
export class SecretSource implements CredentialSource {
  /** GetSecretValue calls made (for metrics and tests). */
  public reads = 0;
  private cached: Promise<Credentials> | undefined;

  constructor(
    public readonly secretId: string,
    private readonly secretValueClient: SecretValueClient,
    private readonly options: SecretSourceOptions = {},
  ) {}

  /** The credentials, read once: concurrent callers share one read; a failed read is not kept. */
  get(): Promise<Credentials> {
    if (!this.cached) {
      const reading = this.read();
      this.cached = reading;
      reading.catch(() => {
        if (this.cached === reading) this.cached = undefined;
      });
    }
    return this.cached;
  }

  /** Reads AWSCURRENT again, bypassing the cache, and keeps the result if it is good. */
  refresh(): Promise<Credentials> {
    this.cached = undefined;
    return this.get();
  }

  private async read(): Promise<Credentials> {
    const started = Date.now();
    const output = await withRetry(
      () => {
        this.reads++;
        const version = this.options.versionId ? { VersionId: this.options.versionId } : { VersionStage: 'AWSCURRENT' };
        return this.secretValueClient.getSecretValue({ SecretId: this.secretId, ...version });
      },
      isTransientAwsError,
      {
        policy: this.options.retryPolicy ?? DEFAULT_RETRY_POLICY,
        env: this.options.retryEnvironment,
        onRetry: ({ attempt, delayMs, error }) => log('WARN', 'Secrets Manager call failed; retrying', {
          secretId: this.secretId, attempt, delayMs, error: errorName(error),
        }),
        onGiveUp: (error, attempts) => this.accessError(error, attempts),
      },
    ).catch((error) => {
      throw error instanceof SecretAccessError || error instanceof TransientError ? error : this.accessError(error, 1);
    });

    putMetric('SecretReadMs', Date.now() - started);
    const value = parseAnySecretValue(this.secretId, output.SecretString);
    const { privateKey, passphrase, password, ...rest } = value as unknown as Record<string, string | undefined>;
    const settings = rest as unknown as SnowflakeConnectionSettings;
    let authentication: Authentication;
    if (privateKey !== undefined) {
      let key;
      try {
        key = normalisePrivateKey(privateKey, passphrase);
      } catch (error) {
        throw error instanceof KeyFormatError ? error.within(`Secret ${this.secretId}, field "privateKey"`) : error;
      }
      for (const warning of key.warnings) log('WARN', warning, { secretId: this.secretId, field: 'privateKey' });
      authentication = { kind: 'keyPair', pkcs8Pem: key.pkcs8Pem, fingerprint: key.publicKey.fingerprint, bits: key.bits };
    } else {
      log('WARN', 'The secret holds a password, not a key pair. Snowflake is blocking single-factor password sign-in for '
        + 'service users: generate a key pair (SnowflakeKeyPairSecret does it for you), register its public key with '
        + 'ALTER USER ... SET RSA_PUBLIC_KEY, and store the private key in "privateKey"', { secretId: this.secretId, user: settings.user });
      authentication = { kind: 'password', password: password! };
    }
    log('INFO', 'Read the Snowflake secret', {
      secretId: this.secretId,
      versionId: output.VersionId,
      account: settings.account,
      user: settings.user,
      authentication: authentication.kind,
      // Compare with DESC USER's RSA_PUBLIC_KEY_FP / RSA_PUBLIC_KEY_2_FP.
      ...(authentication.kind === 'keyPair' ? { publicKeyFingerprint: authentication.fingerprint } : {}),
      ms: Date.now() - started,
    });
    return { secretId: this.secretId, versionId: output.VersionId ?? '', settings, authentication };
  }

  /** A Secrets Manager failure as a typed error naming the cause and the fix. */
  private accessError(error: unknown, attempts: number): Error {
    const name = errorName(error);
    const message = error instanceof Error ? error.message : '';
    const id = this.secretId;
    if (isTransientAwsError(error)) {
      return new TransientError('SECRET_UNAVAILABLE', `Secrets Manager did not answer GetSecretValue for ${id} after ${attempts} attempt(s) `
        + `(last: ${name}). This is usually throttling or a network problem: in a VPC without NAT, add a Secrets Manager interface `
        + 'endpoint; if throttled, lower the rate of cold starts or raise the Secrets Manager quota', { cause: error });
    }
    if (name === 'ResourceNotFoundException') {
      return new SecretAccessError('SECRET_NOT_FOUND', `Secret ${id} was not found${regionOfSecretArn(id) ? '' : ` in region ${process.env.AWS_REGION ?? '(unset)'}`}, `
        + 'or it has no AWSCURRENT version. Check SNOWFLAKE_SECRET_ID: give the full secret ARN (a name is looked up in the function\'s own region)', { cause: error });
    }
    // KMS refusals reach GetSecretValue as AccessDeniedException with KMS's own message, for example
    // "Access to KMS is not allowed" or "The ciphertext refers to a customer master key that does not exist, does
    // not exist in this region, or you are not allowed to access." (KMS's wording for a key it will not use:
    // https://github.com/aws/aws-encryption-sdk-javascript/issues/1005, https://github.com/kubernetes-sigs/aws-encryption-provider/pull/91),
    // or as DecryptionFailure (the GetSecretValue API reference's error list).
    if (name === 'DecryptionFailure' || (name === 'AccessDeniedException' && /kms|customer master key|ciphertext|decrypt/i.test(message))) {
      return new SecretAccessError('SECRET_DECRYPT_DENIED', `Secret ${id} is encrypted with a KMS key the function may not use (${name}: `
        + `${errorMessage(message)}). This is about the KMS key, not secretsmanager:GetSecretValue. Grant kms:Decrypt through Secrets Manager `
        + 'on the key (kms:ViaService secretsmanager.<region>.amazonaws.com): secret.grantRead(fn) does it. The key policy must '
        + 'allow the account (or the role), and the key must exist and be enabled in the secret\'s region', { cause: error });
    }
    if (name === 'AccessDeniedException' || name === 'UnrecognizedClientException' || name === 'ExpiredTokenException') {
      return new SecretAccessError('SECRET_ACCESS_DENIED', `The function may not read secret ${id} (${name}). Grant secretsmanager:GetSecretValue `
        + 'on exactly this secret: secret.grantRead(fn), or run the function with a SecretReaderRole', { cause: error });
    }
    // GetSecretValue answers InvalidRequestException for a secret scheduled for deletion: "A parameter value is not
    // valid for the current state of the resource. Possible causes: The secret is scheduled for deletion."
    // (https://docs.aws.amazon.com/botocore/latest/reference/services/secretsmanager/client/exceptions/InvalidRequestException.html).
    // AWS's message: "You can't perform this operation on the secret because it was marked for deletion."; moto's:
    // "You tried to perform the operation on a secret that's currently marked deleted."
    if (name === 'InvalidRequestException' && /marked (for )?delet|scheduled for deletion/i.test(message)) {
      return new SecretAccessError('SECRET_MARKED_FOR_DELETION', `Secret ${id} is scheduled for deletion, so it cannot be read `
        + `(${name}). Restore it within its recovery window: \`aws secretsmanager restore-secret --secret-id ${id}\`; `
        + 'or point SNOWFLAKE_SECRET_ID at the secret that replaced it', { cause: error });
    }
    if (name === 'InvalidRequestException') {
      return new SecretAccessError('SECRET_NOT_FOUND', `Secret ${id} cannot be read now (${name}: ${errorMessage(message)}). `
        + 'If it is scheduled for deletion, restore it with `aws secretsmanager restore-secret`', { cause: error });
    }
    return new SecretAccessError('SECRET_READ_FAILED', `Reading secret ${id} failed (${name}: ${errorMessage(message)})`, { cause: error });
  }
}

function errorName(error: unknown): string {
  const e = error as { name?: string; code?: string };
  return (e && (e.name && e.name !== 'Error' ? e.name : e.code)) || 'Error';
}
