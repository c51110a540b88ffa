/**
 * Secrets Manager GetSecretValue over HTTPS with Node's https (./https.ts), signed with SigV4 (./sigv4.ts): the
 * `sql-api-executor` bundle's only AWS call, made without the AWS SDK (docs/design/sql-api-executor.md,
 * "The one AWS call"). Every other bundle uses the SDK (../connector/credentials.ts); both sit behind
 * `SecretValueClient`, and test/runtime/shared/secrets-manager.e2e.test.ts runs both on the same faults.
 *
 * What it supports, each rule cited beside it: credentials from the Lambda environment, the region
 * of the secret's ARN (else AWS_REGION), the endpoint overrides AWS_ENDPOINT_URL_SECRETS_MANAGER and
 * AWS_ENDPOINT_URL, FIPS and dual-stack endpoints, every partition's DNS suffix. What it does not:
 * profile files, SSO, IMDS or container credentials (a Lambda function has its role's keys in its
 * environment), and retries (SecretReader retries, as it does with the SDK).
 *
 * Errors are shaped like the SDK's, so that isTransientAwsError and SecretReader's messages work
 * unchanged: a service error's `name` is its error code and it has `$metadata.httpStatusCode`; a
 * network failure has the socket's `code` (ECONNRESET, UND_ERR_SOCKET...); a timeout is named
 * TimeoutError. No error or log line carries a credential.
 */
import { httpsRequest, HttpsAnswer, HttpsRequest } from './https';
import { AwsCredentials, signRequest } from './sigv4';

/** GetSecretValue's request (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html). */
export interface GetSecretValueRequest {
  readonly SecretId: string;
  readonly VersionStage?: string;
  readonly VersionId?: string;
}

/** The fields of GetSecretValue's response the readers use. */
export interface GetSecretValueResponse {
  readonly ARN?: string;
  readonly SecretString?: string;
  readonly VersionId?: string;
}

/** One GetSecretValue call: the AWS SDK's (other bundles) or this module's (the SQL API executor). */
export interface SecretValueClient {
  getSecretValue(request: GetSecretValueRequest): Promise<GetSecretValueResponse>;
}

/** An error Secrets Manager answered, shaped like the AWS SDK's ServiceException. */
export class AwsServiceError extends Error {
  readonly $fault: 'client' | 'server';
  readonly $metadata: { readonly httpStatusCode: number; readonly requestId?: string; readonly attempts: number; readonly totalRetryDelay: number };
  constructor(name: string, message: string, status: number, requestId: string | undefined) {
    super(message);
    this.name = name;
    this.$fault = status >= 500 ? 'server' : 'client';
    this.$metadata = { httpStatusCode: status, ...(requestId ? { requestId } : {}), attempts: 1, totalRetryDelay: 0 };
  }
}

/** Missing AWS credentials or region: named, with the fix; never a value. */
export class AwsConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    // The AWS SDK's name for the same failure (@smithy/property-provider), so both paths report it alike.
    this.name = 'CredentialsProviderError';
  }
}

/**
 * Credentials from the environment. Lambda sets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
 * AWS_SESSION_TOKEN to the execution role's temporary credentials ("Defined runtime environment
 * variables", https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
 */
export function credentialsFromEnvironment(env: Record<string, string | undefined>): AwsCredentials {
  const accessKeyId = env.AWS_ACCESS_KEY_ID?.trim();
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY?.trim();
  const missing = [!accessKeyId && 'AWS_ACCESS_KEY_ID', !secretAccessKey && 'AWS_SECRET_ACCESS_KEY'].filter(Boolean);
  if (missing.length > 0) {
    throw new AwsConfigurationError(`No AWS credentials: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set. Lambda sets `
      + 'AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN from the function\'s execution role; outside Lambda, export them '
      + '(this function reads no profile files, IMDS or container credentials)');
  }
  const sessionToken = env.AWS_SESSION_TOKEN?.trim();
  return { accessKeyId: accessKeyId!, secretAccessKey: secretAccessKey!, ...(sessionToken ? { sessionToken } : {}) };
}

/**
 * The partitions' DNS suffixes, as the AWS SDK's partition table has them
 * (@aws-sdk/util-endpoints partitions.json, https://github.com/aws/aws-sdk-js-v3/blob/main/packages/util-endpoints/src/lib/aws/partitions.json):
 * the first whose pattern matches the region; "aws" for any other region.
 */
const PARTITIONS: readonly { readonly id: string; readonly regions: RegExp; readonly dnsSuffix: string; readonly dualStackDnsSuffix: string }[] = [
  { id: 'aws', regions: /^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$/, dnsSuffix: 'amazonaws.com', dualStackDnsSuffix: 'api.aws' },
  { id: 'aws-cn', regions: /^cn-\w+-\d+$/, dnsSuffix: 'amazonaws.com.cn', dualStackDnsSuffix: 'api.amazonwebservices.com.cn' },
  { id: 'aws-eusc', regions: /^eusc-(de)-\w+-\d+$/, dnsSuffix: 'amazonaws.eu', dualStackDnsSuffix: 'api.amazonwebservices.eu' },
  { id: 'aws-iso', regions: /^us-iso-\w+-\d+$/, dnsSuffix: 'c2s.ic.gov', dualStackDnsSuffix: 'api.aws.ic.gov' },
  { id: 'aws-iso-b', regions: /^us-isob-\w+-\d+$/, dnsSuffix: 'sc2s.sgov.gov', dualStackDnsSuffix: 'api.aws.scloud' },
  { id: 'aws-iso-e', regions: /^eu-isoe-\w+-\d+$/, dnsSuffix: 'cloud.adc-e.uk', dualStackDnsSuffix: 'api.cloud-aws.adc-e.uk' },
  { id: 'aws-iso-f', regions: /^us-isof-\w+-\d+$/, dnsSuffix: 'csp.hci.ic.gov', dualStackDnsSuffix: 'api.aws.hci.ic.gov' },
  { id: 'aws-us-gov', regions: /^us-gov-\w+-\d+$/, dnsSuffix: 'amazonaws.com', dualStackDnsSuffix: 'api.aws' },
];

const isTrue = (value: string | undefined) => value?.trim().toLowerCase() === 'true';

/**
 * Secrets Manager's endpoint for a region: the configured endpoint URL if any, else the regional one.
 *
 * - AWS_ENDPOINT_URL_SECRETS_MANAGER, then AWS_ENDPOINT_URL: "Service-specific endpoints"
 *   (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html; the service's key is
 *   SECRETS_MANAGER, https://docs.aws.amazon.com/sdkref/latest/guide/ss-endpoints-table.html). The
 *   service-specific one wins; AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true ignores both. A configured
 *   endpoint overrides FIPS ("Dual-stack and FIPS endpoints",
 *   https://docs.aws.amazon.com/sdkref/latest/guide/feature-endpoints.html).
 * - Otherwise the rules of the SDK's Secrets Manager endpoint rules (aws-sdk-js-v3
 *   clients/client-secrets-manager/src/endpoint/, the ruleset the SDK resolves; in the installed
 *   3.1162.0, dist-es/endpoint/bdd.js): `secretsmanager[-fips].{region}.{dnsSuffix}` with AWS_USE_FIPS_ENDPOINT=true
 *   for "-fips"; with AWS_USE_DUALSTACK_ENDPOINT=true, the aws, aws-cn and aws-us-gov partitions keep their
 *   usual host names (Secrets Manager's are dual-stack already) and the others use the dual-stack suffix.
 */
export function secretsManagerEndpoint(region: string, env: Record<string, string | undefined>): string {
  if (!isTrue(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS)) {
    const configured = env.AWS_ENDPOINT_URL_SECRETS_MANAGER?.trim() || env.AWS_ENDPOINT_URL?.trim();
    if (configured) return configured.replace(/\/+$/, '');
  }
  const partition = PARTITIONS.find((p) => p.regions.test(region)) ?? PARTITIONS[0];
  const fips = isTrue(env.AWS_USE_FIPS_ENDPOINT);
  const dualStack = isTrue(env.AWS_USE_DUALSTACK_ENDPOINT);
  const host = fips ? 'secretsmanager-fips' : 'secretsmanager';
  let suffix = partition.dnsSuffix;
  if (dualStack) {
    if (fips) suffix = ['aws', 'aws-us-gov'].includes(partition.id) ? 'amazonaws.com' : partition.dualStackDnsSuffix;
    else if (!['aws', 'aws-cn', 'aws-us-gov'].includes(partition.id)) suffix = partition.dualStackDnsSuffix;
  }
  return `https://${host}.${region}.${suffix}`;
}

/**
 * The error code of an AWS JSON protocol error: the X-Amzn-ErrorType header, else the body's `__type`
 * (or `code`), with any "namespace#" prefix and ":..." suffix removed, as in
 * "com.amazonaws.secretsmanager#ResourceNotFoundException" (Smithy's awsJson1_1 protocol, "Operation error
 * serialization": https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html#operation-error-serialization).
 */
export function errorCode(header: string | null, body: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const raw = header ?? (typeof body?.__type === 'string' ? body.__type : typeof body?.code === 'string' ? body.code : undefined);
  if (!raw) return undefined;
  const code = raw.split(':')[0];
  return code.slice(code.indexOf('#') + 1).trim() || undefined;
}

export interface HttpsSecretValueClientOptions {
  /** The secret's region (from its ARN); else AWS_REGION. */
  readonly region?: string;
  /** Abandon the call after this long: it then fails with a TimeoutError (and SecretReader retries it). @default 5000 */
  readonly requestTimeoutMs?: number;
  /** The environment to read credentials, region and endpoints from. @default process.env */
  readonly env?: Record<string, string | undefined>;
  /** The signing clock. @default () => new Date() */
  readonly now?: () => Date;
  /** Sends the request. @default httpsRequest (./https.ts) */
  readonly send?: (url: URL, request: HttpsRequest) => Promise<HttpsAnswer>;
}

/** GetSecretValue signed with SigV4: one HTTPS request (node:https, ./https.ts), no retries (the caller's). */
export function httpsSecretValueClient(options: HttpsSecretValueClientOptions = {}): SecretValueClient {
  const send = options.send ?? httpsRequest;
  return {
    async getSecretValue(request) {
      const env = options.env ?? process.env;
      // The region: the ARN's, else AWS_REGION, which Lambda sets ("Defined runtime environment variables").
      const region = options.region ?? (env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim());
      if (!region) {
        throw new AwsConfigurationError('No AWS region: AWS_REGION is not set and the secret is given by name, not by ARN. '
          + 'Lambda sets AWS_REGION; outside Lambda, export it, or give the secret\'s full ARN');
      }
      const credentials = credentialsFromEnvironment(env);
      const url = new URL(secretsManagerEndpoint(region, env));
      // The AWS JSON 1.1 protocol: POST to "/", the operation in X-Amz-Target "<service>.<operation>", the input
      // as a JSON body of type application/x-amz-json-1.1 (Smithy awsJson1_1, "Protocol behavior"; the GetSecretValue
      // API reference's request syntax names SecretId, VersionId and VersionStage).
      const body = JSON.stringify(request);
      const signed = signRequest({
        method: 'POST',
        host: url.host,
        path: url.pathname || '/',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.GetSecretValue' },
        body,
      }, { credentials, region, service: 'secretsmanager', date: (options.now ?? (() => new Date()))() });
      // The Host header sent is the one signed (node:https would set the same from the URL).
      let response: HttpsAnswer;
      const timeoutMs = options.requestTimeoutMs ?? 5_000;
      try {
        response = await send(url, { method: 'POST', headers: signed.headers, body, signal: AbortSignal.timeout(timeoutMs) });
      } catch (error) {
        throw networkError(error, timeoutMs);
      }
      let parsed: Record<string, unknown> | undefined;
      const text = response.text;
      try {
        parsed = text ? JSON.parse(text) : {};
      } catch {
        parsed = undefined;
      }
      const ok = response.status >= 200 && response.status < 300;
      if (ok && parsed) {
        return {
          ...(typeof parsed.ARN === 'string' ? { ARN: parsed.ARN } : {}),
          ...(typeof parsed.SecretString === 'string' ? { SecretString: parsed.SecretString } : {}),
          ...(typeof parsed.VersionId === 'string' ? { VersionId: parsed.VersionId } : {}),
        };
      }
      // An error: {"__type": "...", "message": "..."} (Secrets Manager's "Common Errors" and GetSecretValue's error list,
      // https://docs.aws.amazon.com/secretsmanager/latest/apireference/CommonErrors.html); the message may be spelt "Message".
      // A body that is not JSON may be the query protocol's <ErrorResponse><Error><Code>..</Code><Message>..</Message>, which
      // moto answers for authentication failures; its code and message are read too (the SDK reports a SyntaxError there).
      const xml = parsed ? undefined : { __type: /<Code>([^<]+)<\/Code>/.exec(text)?.[1], message: /<Message>([^<]*)<\/Message>/.exec(text)?.[1] };
      const fields: Readonly<Record<string, unknown>> | undefined = parsed ?? xml;
      const code = errorCode(response.headers['x-amzn-errortype'] ?? null, fields) ?? (ok ? 'SerializationError' : `Http${response.status}Error`);
      const message = String(fields?.message ?? fields?.Message ?? `Secrets Manager answered HTTP ${response.status} with a body that is neither JSON nor an AWS error`);
      throw new AwsServiceError(code, message, response.status, response.headers['x-amzn-requestid']);
    },
  };
}

/** A failure before any answer: a timeout (named TimeoutError) or the socket's error (with its `code`). */
function networkError(error: unknown, timeoutMs: number): Error {
  const e = error as { name?: string; code?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') {
    return Object.assign(new Error(`Secrets Manager did not answer within ${timeoutMs} ms`), { name: 'TimeoutError' });
  }
  // node:https rejects with the socket's error (its `code`); fetch, with TypeError("fetch failed") and that error as its cause.
  const code = e?.code ?? e?.cause?.code;
  const message = e?.cause?.message ?? (error instanceof Error ? error.message : String(error));
  return Object.assign(new Error(`Secrets Manager could not be reached: ${message}`, { cause: error }), code ? { code } : {});
}
