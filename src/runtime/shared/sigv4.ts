/**
 * AWS Signature Version 4 (AWS4-HMAC-SHA256), with node:crypto only: what the `sql-api-executor`
 * bundle needs to sign its one AWS call (Secrets Manager GetSecretValue) without the AWS SDK.
 *
 * Every rule below is from AWS's "Create a signed AWS API request"
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html,
 * formerly https://docs.aws.amazon.com/general/latest/gr/sigv4_signing.html), quoted as SIGV4 §n
 * for its steps: 1 canonical request, 2 hash of it, 3 string to sign, 4 signature, 5 Authorization
 * header. Checked against AWS's SigV4 test suite and against @smithy/signature-v4 (the AWS SDK's
 * signer) in test/runtime/shared/sigv4.test.ts.
 *
 * Nothing here logs, and no error carries a key: the secret access key is only ever an HMAC key.
 */
import { createHash, createHmac } from 'node:crypto';

/** AWS credentials: the function's execution role's, from the Lambda environment. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Present with temporary credentials (always, in Lambda). */
  readonly sessionToken?: string;
}

export interface SignableRequest {
  readonly method: string;
  /** Host and port as sent in the Host header (the port only when it is not the scheme's default). */
  readonly host: string;
  /** The absolute path, e.g. "/". */
  readonly path: string;
  /** Query parameters (none for the AWS JSON protocols). */
  readonly query?: Readonly<Record<string, string>>;
  /** Headers to sign besides host, x-amz-date and x-amz-security-token (which are added). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface SigningParameters {
  readonly credentials: AwsCredentials;
  readonly region: string;
  /** The signing name, e.g. "secretsmanager". */
  readonly service: string;
  /** The signing time (inject it in tests). */
  readonly date: Date;
  /** Also send and sign x-amz-content-sha256 (optional outside S3). @default false */
  readonly contentSha256Header?: boolean;
}

export interface SignedRequest {
  /** The headers to send: the request's own, plus host, x-amz-date, x-amz-security-token and authorization. */
  readonly headers: Record<string, string>;
  /** Intermediate values, for tests and diagnosis: none holds a key. */
  readonly canonicalRequest: string;
  readonly stringToSign: string;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';

const sha256Hex = (data: string): string => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

/**
 * SIGV4 ("UriEncode"): percent-encode every byte except the unreserved characters A-Z a-z 0-9 - . _ ~,
 * with upper-case hex; a space is %20, never "+". encodeURIComponent leaves ! ' ( ) * alone, so they are added.
 */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** "YYYYMMDD'T'HHMMSS'Z'", the x-amz-date format (SIGV4 §1, "x-amz-date"). */
export function amzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/**
 * The canonical URI (SIGV4 §1): the path as sent, URI-encoded once more (services other than S3
 * "double-encode": the path on the wire is already encoded once), "/" kept between segments.
 * Secrets Manager's path is always "/".
 */
function canonicalUri(path: string): string {
  if (path === '' || path === '/') return '/';
  return path.split('/').map(uriEncode).join('/');
}

/** SIGV4 §1, "CanonicalQueryString": names and values URI-encoded, sorted by encoded name, "name=value" joined with "&". */
function canonicalQuery(query: Readonly<Record<string, string>> = {}): string {
  return Object.entries(query)
    .map(([k, v]) => [uriEncode(k), uriEncode(v)])
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/**
 * Signs a request (SIGV4 §1-§5). Returns the headers to send, among them `authorization`.
 * The signing key is derived afresh each time: one call per cold start does not need a cache.
 */
export function signRequest(request: SignableRequest, params: SigningParameters): SignedRequest {
  const { credentials, region, service } = params;
  const timestamp = amzDate(params.date);
  const day = timestamp.slice(0, 8);
  const body = request.body ?? '';
  // SIGV4 §1, "HashedPayload": hex SHA-256 of the body (of "" when there is none).
  const payloadHash = sha256Hex(body);

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers ?? {})) headers[name.toLowerCase()] = value;
  // SIGV4 §1: host and x-amz-date are always signed; with temporary credentials, x-amz-security-token
  // is sent and signed too ("Add the session token ... to the request").
  headers.host = request.host;
  headers['x-amz-date'] = timestamp;
  if (credentials.sessionToken) headers['x-amz-security-token'] = credentials.sessionToken;
  // SIGV4 §1: x-amz-content-sha256 is required by S3 only; elsewhere it may be signed.
  if (params.contentSha256Header) headers['x-amz-content-sha256'] = payloadHash;

  // SIGV4 §1, "CanonicalHeaders": lower-case names, sorted; values trimmed with inner runs of spaces
  // collapsed to one; each "name:value\n". "SignedHeaders": the same names, joined with ";".
  const names = Object.keys(headers).sort();
  const canonicalHeaders = names.map((n) => `${n}:${headers[n].trim().replace(/\s+/g, ' ')}\n`).join('');
  const signedHeaders = names.join(';');

  // SIGV4 §1: HTTPMethod \n CanonicalURI \n CanonicalQueryString \n CanonicalHeaders \n SignedHeaders \n HashedPayload
  const canonicalRequest = [
    request.method.toUpperCase(), canonicalUri(request.path), canonicalQuery(request.query), canonicalHeaders, signedHeaders, payloadHash,
  ].join('\n');

  // SIGV4 §3: Algorithm \n RequestDateTime \n CredentialScope \n HashedCanonicalRequest (§2: hex SHA-256),
  // the scope being date/region/service/aws4_request.
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = [ALGORITHM, timestamp, scope, sha256Hex(canonicalRequest)].join('\n');

  // SIGV4 §4: kDate = HMAC("AWS4" + secret, date); kRegion = HMAC(kDate, region); kService = HMAC(kRegion, service);
  // kSigning = HMAC(kService, "aws4_request"); signature = hex(HMAC(kSigning, StringToSign)).
  const kSigning = hmac(hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, day), region), service), 'aws4_request');
  const signature = createHmac('sha256', kSigning).update(stringToSign, 'utf8').digest('hex');

  // SIGV4 §5: "Authorization: AWS4-HMAC-SHA256 Credential=AKID/scope, SignedHeaders=..., Signature=..."
  headers.authorization = `${ALGORITHM} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return { headers, canonicalRequest, stringToSign };
}
