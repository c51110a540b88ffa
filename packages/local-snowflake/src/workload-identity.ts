/**
 * Workload identity federation (WIF) for AWS, as Snowflake checks it: the login's TOKEN is a
 * SigV4-signed STS GetCallerIdentity request that the driver built and did not send; Snowflake
 * checks it, sends it to STS, and matches the caller STS names against the user's WORKLOAD_IDENTITY.
 *
 * What the driver sends (snowflake-sdk 3.3.0, dist/lib/authentication/auth_workload_identity/):
 * - attestation_aws.js `getCallerIdentityToken`: TOKEN = base64(JSON `{ url, method, headers }`),
 *   url `https://sts.<region>.amazonaws.com[.cn]/?Action=GetCallerIdentity&Version=2011-06-15`
 *   (`.com.cn` for `cn-` regions, `getStsHostname`), method POST, an empty body, and the headers
 *   SignatureV4 signed: host, x-amz-date, x-amz-security-token (temporary credentials), the
 *   hard-coded `x-snowflake-audience: snowflakecomputing.com`, and authorization.
 * - auth_workload_identity.js `updateBody`: AUTHENTICATOR=WORKLOAD_IDENTITY, PROVIDER=AWS, TOKEN;
 *   LOGIN_NAME only when the connection has a username (authentication.js `formAuthJSON`).
 *
 * What Snowflake does with it (https://docs.snowflake.com/en/user-guide/workload-identity-federation):
 * it "verifies these attestations directly with the identity provider", i.e. replays the request
 * to STS. Its own checks of the request (allowed hosts, freshness, required audience) are NOT
 * documented: the endpoint applies AWS's rules for a SigV4 request, listed below each with its
 * source, and rejects anything the driver would never send.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The audience the driver signs in `x-snowflake-audience` (attestation_aws.js; there is no option to change it). */
export const SNOWFLAKE_AUDIENCE = 'snowflakecomputing.com';

/**
 * How far X-Amz-Date may be from the endpoint's clock: "In most cases, a request must reach AWS
 * within five minutes of the time stamp in the request"
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_aws-signing.html). Snowflake's own
 * window is not documented; STS's bounds it in practice, so the endpoint applies STS's.
 */
export const SIGV4_WINDOW_MS = 5 * 60 * 1000;

/** Why a workload-identity login was refused: a stable name (tests, the request log) and the reason in words. */
export interface WorkloadIdentityFailure {
  readonly error: WorkloadIdentityFailureKind;
  readonly reason: string;
}

export type WorkloadIdentityFailureKind =
  | 'WIF_UNSUPPORTED_PROVIDER'
  | 'WIF_ACCOUNT_MISMATCH'
  | 'WIF_TOKEN_INVALID'
  | 'WIF_OUTBOUND_TOKEN_NOT_EMULATED'
  | 'WIF_NOT_STS_GET_CALLER_IDENTITY'
  | 'WIF_AUDIENCE'
  | 'WIF_EXPIRED'
  | 'WIF_UNKNOWN_ACCESS_KEY'
  | 'WIF_SECURITY_TOKEN'
  | 'WIF_SIGNATURE'
  | 'WIF_STS_REFUSED'
  | 'WIF_NO_STS'
  | 'WIF_NO_USER'
  | 'WIF_NO_IDENTITY'
  | 'WIF_IDENTITY_MISMATCH'
  | 'WIF_AMBIGUOUS';

/** A signed GetCallerIdentity request, decoded and checked for shape (not yet for its signature). */
export interface CallerIdentityAttestation {
  readonly url: string;
  readonly host: string;
  readonly region: string;
  /** Header names lower case, as signed. */
  readonly headers: Readonly<Record<string, string>>;
  readonly accessKeyId: string;
  /** YYYYMMDD of the credential scope. */
  readonly scopeDate: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
  readonly amzDate: string;
}

const fail = (error: WorkloadIdentityFailureKind, reason: string): WorkloadIdentityFailure => ({ error, reason });

/**
 * The only URLs the driver produces (attestation_aws.js `getStsHostname`, and the `url` it writes):
 * STS's regional endpoint, `.amazonaws.com.cn` exactly for `cn-` regions. A token pointing anywhere
 * else (another host, another action, the global endpoint) is refused before anything is sent, so
 * a token can never make the verifier call a host the client chose. Regional STS endpoints:
 * https://docs.aws.amazon.com/general/latest/gr/sts.html. Whether Snowflake accepts the global
 * `sts.amazonaws.com` is not documented; the drivers never send it.
 */
const STS_URL = /^https:\/\/(sts\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com(\.cn)?)\/\?Action=GetCallerIdentity&Version=2011-06-15$/;

/** `AWS4-HMAC-SHA256 Credential=AKID/YYYYMMDD/region/service/aws4_request, SignedHeaders=a;b, Signature=hex`. */
const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([A-Z0-9]{16,128})\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/** ISO 8601 basic format, as SigV4's X-Amz-Date: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html */
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/**
 * Decodes TOKEN and checks it is a signed STS GetCallerIdentity request meant for Snowflake:
 * the URL, method and host, the audience header (present, equal to `snowflakecomputing.com`, and
 * signed, so it cannot be changed without breaking the signature), the credential scope (service
 * sts, the URL's region, X-Amz-Date's day) and the date window.
 */
export function parseAttestation(token: string, nowMs: number): CallerIdentityAttestation | WorkloadIdentityFailure {
  if (/^[\w-]+\.[\w-]+\.[\w-]*$/.test(token)) {
    // GetWebIdentityToken's JWT (workloadIdentityAwsUseOutboundToken): moto has no such operation.
    return fail('WIF_OUTBOUND_TOKEN_NOT_EMULATED', 'the TOKEN is a JWT (STS GetWebIdentityToken), which this endpoint does not verify');
  }
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    return fail('WIF_TOKEN_INVALID', 'the TOKEN is not a base64-encoded JSON attestation { url, method, headers }');
  }
  const { url, method, headers } = (decoded ?? {}) as { url?: unknown; method?: unknown; headers?: unknown };
  if (typeof url !== 'string' || typeof method !== 'string' || typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
    return fail('WIF_TOKEN_INVALID', 'the TOKEN is not a base64-encoded JSON attestation { url, method, headers }');
  }
  const lower: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
    const key = name.toLowerCase();
    if (typeof value !== 'string' || key in lower) return fail('WIF_TOKEN_INVALID', `the attestation's header ${key} is repeated or not a string`);
    lower[key] = value;
  }
  const m = STS_URL.exec(url);
  const cnRegion = m?.[2].startsWith('cn-') ?? false;
  if (!m || cnRegion !== (m[3] !== undefined)) {
    return fail('WIF_NOT_STS_GET_CALLER_IDENTITY', `the attestation is not an STS GetCallerIdentity request: its url ${JSON.stringify(url.slice(0, 200))} is not https://sts.<region>.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15`);
  }
  const [, host, region] = m;
  if (method !== 'POST') return fail('WIF_NOT_STS_GET_CALLER_IDENTITY', `the attestation's method is ${JSON.stringify(method.slice(0, 20))}, not POST`);
  if (lower.host !== host) return fail('WIF_NOT_STS_GET_CALLER_IDENTITY', `the attestation's host header is not its url's host ${host}`);
  if (lower['x-snowflake-audience'] !== SNOWFLAKE_AUDIENCE) {
    return fail('WIF_AUDIENCE', lower['x-snowflake-audience'] === undefined
      ? `the attestation has no x-snowflake-audience header (expected ${SNOWFLAKE_AUDIENCE})`
      : `the attestation's audience is ${JSON.stringify(lower['x-snowflake-audience'].slice(0, 100))}, not ${SNOWFLAKE_AUDIENCE}`);
  }
  const auth = AUTHORIZATION.exec(lower.authorization ?? '');
  if (!auth) return fail('WIF_NOT_STS_GET_CALLER_IDENTITY', 'the attestation is not signed with AWS Signature Version 4 (no valid authorization header)');
  const [, accessKeyId, scopeDate, scopeRegion, service, signedList, signature] = auth;
  const signedHeaders = signedList.split(';');
  if (service !== 'sts') return fail('WIF_NOT_STS_GET_CALLER_IDENTITY', `the attestation is signed for service ${service}, not sts`);
  if (scopeRegion !== region) return fail('WIF_NOT_STS_GET_CALLER_IDENTITY', `the attestation is signed for region ${scopeRegion}, but its url is for ${region}`);
  // SigV4: SignedHeaders is the sorted list of the canonical headers, host always among them
  // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html, step 1).
  if (signedHeaders.join(';') !== [...new Set(signedHeaders)].sort().join(';')) {
    return fail('WIF_NOT_STS_GET_CALLER_IDENTITY', 'the attestation\'s SignedHeaders are not sorted and distinct');
  }
  if (!signedHeaders.includes('x-snowflake-audience')) return fail('WIF_AUDIENCE', 'the attestation\'s x-snowflake-audience header is not signed');
  for (const required of ['host', 'x-amz-date']) {
    if (!signedHeaders.includes(required)) return fail('WIF_NOT_STS_GET_CALLER_IDENTITY', `the attestation's ${required} header is not signed`);
  }
  const missing = signedHeaders.find((h) => lower[h] === undefined);
  if (missing) return fail('WIF_NOT_STS_GET_CALLER_IDENTITY', `the attestation signs a header it does not carry: ${missing}`);
  const amzDate = lower['x-amz-date'];
  const at = amzDateMs(amzDate);
  if (at === undefined) return fail('WIF_NOT_STS_GET_CALLER_IDENTITY', 'the attestation\'s x-amz-date is not YYYYMMDDTHHMMSSZ');
  // The credential scope's date is X-Amz-Date's day (same page, step 3 "Create a string to sign").
  if (scopeDate !== amzDate.slice(0, 8)) return fail('WIF_NOT_STS_GET_CALLER_IDENTITY', `the attestation's credential scope day ${scopeDate} is not its x-amz-date's`);
  if (Math.abs(nowMs - at) > SIGV4_WINDOW_MS) {
    return fail('WIF_EXPIRED', `the attestation was signed at ${new Date(at).toISOString()}, more than 5 minutes from the endpoint's clock ${new Date(nowMs).toISOString()}`);
  }
  return { url, host, region, headers: lower, accessKeyId, scopeDate, signedHeaders, signature, amzDate };
}

function amzDateMs(text: string | undefined): number | undefined {
  const d = AMZ_DATE.exec(text ?? '');
  if (!d) return undefined;
  const ms = Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3]), Number(d[4]), Number(d[5]), Number(d[6]));
  return Number.isNaN(ms) ? undefined : ms;
}

/** SHA-256 of the empty payload: GetCallerIdentity's body is empty (attestation_aws.js sends no body). */
const EMPTY_PAYLOAD_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/**
 * SigV4, recomputed over the empty payload with the secret key STS issued for the access key, and
 * compared in constant time. Steps and encodings from "Create a signed AWS API request"
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html):
 * canonical request (method, URI, sorted query with RFC 3986 encoding, `name:trimmed value` for
 * each signed header, the signed header list, the payload hash), string to sign, signing key
 * HMAC("AWS4"+secret, date) → region → service → "aws4_request".
 * moto's own verifier rebuilds this request with a form body and rejects genuine driver tokens
 * (research: moto/iam/access_control.py), so the endpoint verifies the signature itself.
 */
export function signatureMatches(att: CallerIdentityAttestation, secretAccessKey: string): boolean {
  const url = new URL(att.url);
  const query = [...url.searchParams.entries()]
    .map(([k, v]) => [uriEncode(k), uriEncode(v)])
    .sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : 1) : a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalHeaders = att.signedHeaders.map((h) => `${h}:${att.headers[h].trim().replace(/\s+/g, ' ')}\n`).join('');
  const canonicalRequest = ['POST', url.pathname, query, canonicalHeaders, att.signedHeaders.join(';'), EMPTY_PAYLOAD_SHA256].join('\n');
  const scope = `${att.scopeDate}/${att.region}/sts/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', att.amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const kDate = hmac(`AWS4${secretAccessKey}`, att.scopeDate);
  const kSigning = hmac(hmac(hmac(kDate, att.region), 'sts'), 'aws4_request');
  const expected = Buffer.from(hmac(kSigning, stringToSign).toString('hex'));
  const given = Buffer.from(att.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** SigV4's URI encoding: unreserved A-Z a-z 0-9 - _ . ~ as is, every other byte %XX upper case. */
function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** An AWS principal as Snowflake keeps it (SHOW USER WORKLOAD IDENTITY AUTHENTICATION METHODS' additional_info). */
export interface AwsPrincipal {
  readonly partition: string;
  readonly account: string;
  readonly type: 'IAM_ROLE' | 'IAM_USER';
  /** The role's or user's NAME (no path): `iamRole` in additional_info. */
  readonly name: string;
}

/**
 * The principal an ARN names, or undefined for anything else. Accepted forms:
 * - `arn:<p>:iam::<acct>:role[/path]/<name>` and `arn:<p>:iam::<acct>:user[/path]/<name>`: what
 *   WORKLOAD_IDENTITY's ARN holds (IAM ARN formats:
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns);
 * - `arn:<p>:sts::<acct>:assumed-role/<name>/<session>`: what GetCallerIdentity answers for a role
 *   session, a Lambda function's included, with the role's name and no path
 *   (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html). It maps to
 *   the role, which is how Snowflake can match it: `additional_info` keeps partition, account, type
 *   and name, not the path (https://docs.snowflake.com/en/sql-reference/sql/show-user-workload-identity-authentication-methods).
 * The library's `roleOfArn` (src/shared/workload-identity.ts) applies the same rule to roles; this
 * package cannot import the library, so it has its own.
 */
export function principalOfArn(arn: string): AwsPrincipal | undefined {
  // Names: IAM's character set for role and user names, 1-64 characters; session names 2-64
  // (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html,
  // https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html).
  const iam = /^arn:(aws[a-z-]*):iam::(\d{12}):(role|user)\/(?:[\x21-\x7e]*\/)?([\w+=,.@-]{1,64})$/.exec(arn);
  if (iam) return { partition: iam[1], account: iam[2], type: iam[3] === 'role' ? 'IAM_ROLE' : 'IAM_USER', name: iam[4] };
  const assumed = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([\w+=,.@-]{1,64})\/[\w+=,.@-]{2,64}$/.exec(arn);
  if (assumed) return { partition: assumed[1], account: assumed[2], type: 'IAM_ROLE', name: assumed[3] };
  return undefined;
}

/** True when two principals are the same role or user: partition, account, type and name (the path is not compared). */
export function samePrincipal(a: AwsPrincipal, b: AwsPrincipal): boolean {
  return a.partition === b.partition && a.account === b.account && a.type === b.type && a.name === b.name;
}
