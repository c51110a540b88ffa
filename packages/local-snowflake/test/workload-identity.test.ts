/**
 * Workload-identity logins (AUTHENTICATOR WORKLOAD_IDENTITY, PROVIDER AWS) through the real
 * snowflake-sdk driver, with AWS credentials that moto's STS issued by AssumeRole of the function's
 * role, as Lambda's are; and tokens posted directly, taken from the driver's own attestation code
 * and altered, or signed by the AWS SDK's SigV4 signer (the one the driver uses) with one thing
 * changed. Every check has a case that passes and one that fails for its reason.
 */
import '../src/driver-env';
import { createRequire } from 'node:module';
import * as snowflake from 'snowflake-sdk';
import { driverOptionsFor, DriverLogin, LocalSnowflake, startLocalSnowflake, WORKLOAD_IDENTITY_DRIVER_ENV } from '../src';
import { ACCOUNT, assumeRole, AwsCredentials, createRole, createUserKey, Moto, startMoto, withAwsEnv } from './moto';
import { connect, connectError, destroy, execute, executeError } from '../src/promisified';
import { newKeyPair, TestKeyPair } from '../src/test-keys';

snowflake.configure({ logLevel: 'OFF' });

// The driver's own attestation code and the signer it uses (snowflake-sdk 3.3.0's dependencies).
const driverRequire = createRequire(require.resolve('snowflake-sdk'));
const { getAwsAttestationToken } = driverRequire('./lib/authentication/auth_workload_identity/attestation_aws') as {
  getAwsAttestationToken(): Promise<string>;
};
const { SignatureV4 } = driverRequire('@smithy/signature-v4') as typeof import('@smithy/signature-v4');
const { HttpRequest } = driverRequire('@smithy/protocol-http') as typeof import('@smithy/protocol-http');
const { Sha256 } = driverRequire('@aws-crypto/sha256-js') as typeof import('@aws-crypto/sha256-js');

const REJECTED = '390999';
const FIVE_MINUTES = 5 * 60 * 1000;

let moto: Moto;
let endpoint: LocalSnowflake;
/** The endpoint's clock: the real one, or this instant when set (expiry without sleeping). */
let clock: number | undefined;
let connectorRoleArn: string;
let otherRoleArn: string;
let lambda: AwsCredentials;
let otherLambda: AwsCredentials;
let staticKey: AwsCredentials;
let keys: TestKeyPair;

beforeAll(async () => {
  moto = await startMoto();
  endpoint = await startLocalSnowflake({ sts: { endpointUrl: moto.endpointUrl }, now: () => clock ?? Date.now() });
  connectorRoleArn = await createRole(moto, 'connector-role', '/app/');
  otherRoleArn = await createRole(moto, 'other-role');
  lambda = await assumeRole(moto, connectorRoleArn, 'connector-fn');
  otherLambda = await assumeRole(moto, otherRoleArn, 'other-fn');
  staticKey = await createUserKey(moto, 'static-user');
  keys = newKeyPair();
  endpoint.addUser({ name: 'svc_connector', type: 'SERVICE', defaultRole: 'LOADER', workloadIdentity: { arn: connectorRoleArn } });
  endpoint.addUser({ name: 'svc_other', type: 'SERVICE', workloadIdentity: { arn: otherRoleArn } });
  endpoint.addUser({ name: 'svc_keys', type: 'SERVICE', publicKeys: [keys.publicKeyPem] });
}, 60_000);

afterAll(async () => {
  await endpoint?.stop();
  await moto?.stop();
});

beforeEach(() => {
  clock = undefined;
});

function wifOptions(login: Partial<DriverLogin> = {}): snowflake.ConnectionOptions {
  return driverOptionsFor(endpoint, { workloadIdentity: true, ...login }, { sfRetryMaxLoginRetries: 0 });
}

/** Signs in through the driver with these AWS credentials in the process environment, as a Lambda function would. */
async function wifConnect(creds: AwsCredentials, login: Partial<DriverLogin> = {}): Promise<snowflake.Connection> {
  return withAwsEnv(creds, { ...WORKLOAD_IDENTITY_DRIVER_ENV }, () => connect(snowflake.createConnection(wifOptions(login))));
}

async function wifError(creds: AwsCredentials, login: Partial<DriverLogin> = {}): Promise<snowflake.SnowflakeError> {
  return withAwsEnv(creds, { ...WORKLOAD_IDENTITY_DRIVER_ENV }, () => connectError(snowflake.createConnection(wifOptions(login))));
}

async function whoAmI(conn: snowflake.Connection): Promise<unknown[]> {
  const { rows } = await execute(conn, 'SELECT CURRENT_USER(), CURRENT_ROLE()', { rowMode: 'array' });
  return rows[0] as unknown[];
}

/** The TOKEN the driver sends for these credentials: its own attestation code, run with them. */
function driverToken(creds: AwsCredentials): Promise<string> {
  return withAwsEnv(creds, {}, () => getAwsAttestationToken());
}

interface Attestation {
  url: string;
  method: string;
  headers: Record<string, string>;
}

const decode = (token: string): Attestation => JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
const encode = (a: Attestation): string => Buffer.from(JSON.stringify(a)).toString('base64');

/** The driver's token with its decoded attestation changed by `edit`. */
async function altered(creds: AwsCredentials, edit: (a: Attestation) => void): Promise<string> {
  const a = decode(await driverToken(creds));
  edit(a);
  return encode(a);
}

/**
 * A GetCallerIdentity request signed by the AWS SDK's SigV4 signer, built as the driver builds it
 * (attestation_aws.js `getCallerIdentityToken`), with one thing changed: a genuine signature over
 * a request the endpoint must still refuse.
 */
interface Change {
  readonly host?: string;
  /** null: no audience header. */
  readonly audience?: string | null;
  readonly region?: string;
  readonly at?: Date;
}

async function signedToken(creds: AwsCredentials, change: Change = {}): Promise<string> {
  const region = change.region ?? 'us-east-1';
  const host = change.host ?? `sts.${region}.amazonaws.com`;
  const headers: Record<string, string> = { host };
  if (change.audience !== null) headers['x-snowflake-audience'] = change.audience ?? 'snowflakecomputing.com';
  const query = { Action: 'GetCallerIdentity', Version: '2011-06-15' };
  const request = new HttpRequest({ method: 'POST', protocol: 'https', hostname: host, path: '/', headers, query });
  const signer = new SignatureV4({ credentials: creds, applyChecksum: false, region, service: 'sts', sha256: Sha256 });
  const signed = await signer.sign(request, change.at ? { signingDate: change.at } : {});
  return encode({ url: `https://${host}/?Action=GetCallerIdentity&Version=2011-06-15`, method: 'POST', headers: signed.headers as Record<string, string> });
}

interface LoginAnswer {
  readonly success: boolean;
  readonly code: string | null;
  readonly message: string | null;
}

/** Posts a login as the driver does (keys of the body as observed: research §1.4). */
async function postLogin(token: string, data: Record<string, unknown> = {}): Promise<LoginAnswer> {
  const response = await fetch(`${endpoint.url}/session/v1/login-request?requestId=${crypto.randomUUID()}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      data: { ACCOUNT_NAME: endpoint.account, CLIENT_APP_ID: 'test', AUTHENTICATOR: 'WORKLOAD_IDENTITY', PROVIDER: 'AWS', TOKEN: token, ...data },
    }),
  });
  expect(response.status).toBe(200);
  return response.json() as Promise<LoginAnswer>;
}

/** The reason a posted login was refused (its WIF_* name from the request log) and the message. */
async function refusal(token: string, data: Record<string, unknown> = {}): Promise<{ error?: string; message: string }> {
  const answer = await postLogin(token, data);
  expect(answer).toMatchObject({ success: false, code: REJECTED });
  const last = endpoint.requests.filter((r) => r.kind === 'login').pop();
  return { error: last?.loginFailure?.error, message: answer.message ?? '' };
}

const CONNECTOR_ARN = `arn:aws:iam::${ACCOUNT}:role/app/connector-role`;
const CALLER = `arn:aws:sts::${ACCOUNT}:assumed-role/connector-role/connector-fn`;

describe('a function signs in with its role, through the driver', () => {
  test('credentials from AssumeRole of the registered role log in as the user with that identity, without a username', async () => {
    expect(lambda.arn).toBe(CALLER);
    const conn = await wifConnect(lambda);
    try {
      await expect(whoAmI(conn)).resolves.toEqual(['SVC_CONNECTOR', 'LOADER']);
    } finally {
      await destroy(conn);
    }
    const login = endpoint.requests.filter((r) => r.kind === 'login').pop();
    expect(login).toMatchObject({ status: 200, user: 'SVC_CONNECTOR' });
    expect(login?.loginFailure).toBeUndefined();
  });

  test('with a username, it must be the user whose identity the caller is', async () => {
    const conn = await wifConnect(lambda, { user: 'svc_connector' });
    await expect(whoAmI(conn)).resolves.toEqual(['SVC_CONNECTOR', 'LOADER']);
    await destroy(conn);
  });

  test('the role is matched by partition, account and name: the registered path is not in the caller ARN', async () => {
    expect(CONNECTOR_ARN).toContain('/app/');
    await expect(postLogin(await driverToken(lambda))).resolves.toMatchObject({ success: true });
  });

  test('another role is refused, and the message names the caller and, for a named user, the ARN it expects', async () => {
    const anonymous = await wifError(otherLambda, { user: 'svc_connector' });
    expect(anonymous.code).toBe(REJECTED);
    expect(anonymous.message).toBe(
      `Workload identity authentication failed: STS says the caller is arn:aws:sts::${ACCOUNT}:assumed-role/other-role/other-fn `
      + `(IAM role arn:aws:iam::${ACCOUNT}:role/other-role), but user SVC_CONNECTOR expects ${CONNECTOR_ARN}.`,
    );
  });

  test('without the loopback host in SNOWFLAKE_WIF_ALLOWED_HOST_SUFFIXES the driver refuses before any request', async () => {
    const before = endpoint.counters.byKind.login ?? 0;
    const err = await withAwsEnv(lambda, {}, () => connectError(snowflake.createConnection(wifOptions())));
    expect(err.message).toMatch(/WORKLOAD_IDENTITY requires a recognized Snowflake host\. Got: 127\.0\.0\.1/);
    expect(endpoint.counters.byKind.login ?? 0).toBe(before);
  });
});

describe('the attestation is a signed STS GetCallerIdentity request meant for Snowflake', () => {
  test('control: a request signed by the AWS SigV4 signer as the driver builds it is accepted', async () => {
    await expect(postLogin(await signedToken(lambda))).resolves.toMatchObject({ success: true });
  });

  test('a token whose URL points elsewhere than STS is refused before anything is sent', async () => {
    await expect(refusal(await signedToken(lambda, { host: 'sts.us-east-1.evil.example.com' }))).resolves.toMatchObject({
      error: 'WIF_NOT_STS_GET_CALLER_IDENTITY',
      message: expect.stringContaining('is not an STS GetCallerIdentity request'),
    });
    await expect(refusal(await altered(lambda, (a) => { a.url = a.url.replace('GetCallerIdentity', 'GetSessionToken'); }))).resolves
      .toMatchObject({ error: 'WIF_NOT_STS_GET_CALLER_IDENTITY' });
    await expect(refusal(await altered(lambda, (a) => { a.method = 'GET'; }))).resolves.toMatchObject({ error: 'WIF_NOT_STS_GET_CALLER_IDENTITY' });
    await expect(refusal(await altered(lambda, (a) => { a.headers.host = 'sts.us-west-2.amazonaws.com'; }))).resolves
      .toMatchObject({ error: 'WIF_NOT_STS_GET_CALLER_IDENTITY', message: expect.stringContaining('host header') });
  });

  test('a region whose credential scope disagrees with the URL is refused', async () => {
    await expect(refusal(await altered(lambda, (a) => {
      a.url = a.url.replace('us-east-1', 'eu-west-1');
      a.headers.host = 'sts.eu-west-1.amazonaws.com';
    }))).resolves.toMatchObject({ error: 'WIF_NOT_STS_GET_CALLER_IDENTITY', message: expect.stringContaining('signed for region us-east-1') });
  });

  test('a wrong audience is refused, even with a genuine signature over it', async () => {
    await expect(refusal(await signedToken(lambda, { audience: 'evil.example.com' }))).resolves.toMatchObject({
      error: 'WIF_AUDIENCE',
      message: 'Workload identity authentication failed: the attestation\'s audience is "evil.example.com", not snowflakecomputing.com.',
    });
    await expect(refusal(await signedToken(lambda, { audience: null }))).resolves.toMatchObject({ error: 'WIF_AUDIENCE' });
  });

  test('a replayed token with its audience header changed is refused', async () => {
    await expect(refusal(await altered(lambda, (a) => { a.headers['x-snowflake-audience'] = 'other.example.com'; }))).resolves
      .toMatchObject({ error: 'WIF_AUDIENCE' });
  });

  test('an audience header that is present but not signed is refused', async () => {
    await expect(refusal(await altered(lambda, (a) => {
      a.headers.authorization = a.headers.authorization.replace(';x-snowflake-audience', '');
    }))).resolves.toMatchObject({ error: 'WIF_AUDIENCE', message: expect.stringContaining('x-snowflake-audience header is not signed') });
  });

  test('a forged signature is refused', async () => {
    await expect(refusal(await altered(lambda, (a) => {
      a.headers.authorization = a.headers.authorization.replace(/Signature=([0-9a-f])/, (_m, c: string) => `Signature=${c === '0' ? '1' : '0'}`);
    }))).resolves.toMatchObject({
      error: 'WIF_SIGNATURE',
      message: 'Workload identity authentication failed: the signature of the STS GetCallerIdentity request does not match.',
    });
  });

  test('a request altered after signing (its date moved one second) is refused', async () => {
    await expect(refusal(await altered(lambda, (a) => {
      const d = a.headers['x-amz-date'];
      const t = new Date(Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8), +d.slice(9, 11), +d.slice(11, 13), +d.slice(13, 15)) - 1000);
      a.headers['x-amz-date'] = t.toISOString().replace(/[-:]|\.\d{3}/g, '');
    }))).resolves.toMatchObject({ error: expect.stringMatching(/^WIF_(SIGNATURE|NOT_STS_GET_CALLER_IDENTITY)$/) });
  });

  test('a signature made with another secret key for the same access key is refused', async () => {
    // Another last character (moto's keys are random: a key already ending in 'x' would not change with 'x').
    const wrongKey = `${lambda.secretAccessKey.slice(0, -1)}${lambda.secretAccessKey.endsWith('x') ? 'y' : 'x'}`;
    expect(wrongKey).not.toBe(lambda.secretAccessKey);
    const forged = await signedToken({ ...lambda, secretAccessKey: wrongKey });
    await expect(refusal(forged)).resolves.toMatchObject({ error: 'WIF_SIGNATURE' });
  });

  test('a session token that is not the one issued with the access key is refused, even under a genuine signature', async () => {
    await expect(refusal(await altered(lambda, (a) => { a.headers['x-amz-security-token'] = otherLambda.sessionToken ?? ''; }))).resolves
      .toMatchObject({ error: 'WIF_SECURITY_TOKEN' });
    // Signed with the right secret key, but another session's token: only the token check sees it.
    await expect(refusal(await signedToken({ ...lambda, sessionToken: otherLambda.sessionToken }))).resolves.toMatchObject({
      error: 'WIF_SECURITY_TOKEN',
      message: 'Workload identity authentication failed: the attestation\'s security token is missing, unsigned, or not the one issued with its access key.',
    });
    await expect(refusal(await signedToken({ ...lambda, sessionToken: undefined }))).resolves.toMatchObject({ error: 'WIF_SECURITY_TOKEN' });
  });

  test('an access key the STS never issued is refused', async () => {
    const made: AwsCredentials = { accessKeyId: 'ASIAFAKEFAKEFAKEFAKE', secretAccessKey: 'x'.repeat(40), sessionToken: 'fake', arn: '' };
    await expect(refusal(await signedToken(made))).resolves.toMatchObject({ error: 'WIF_UNKNOWN_ACCESS_KEY' });
  });

  test('a TOKEN that is not an attestation, or is the outbound JWT, is refused', async () => {
    await expect(refusal('not base64 json')).resolves.toMatchObject({ error: 'WIF_TOKEN_INVALID' });
    await expect(refusal('eyJhbGciOiJFUzM4NCJ9.eyJzdWIiOiJ4In0.c2ln')).resolves.toMatchObject({ error: 'WIF_OUTBOUND_TOKEN_NOT_EMULATED' });
  });

  test('a provider other than AWS is refused', async () => {
    await expect(refusal(await driverToken(lambda), { PROVIDER: 'AZURE' })).resolves.toMatchObject({ error: 'WIF_UNSUPPORTED_PROVIDER' });
  });
});

describe('expiry, by the endpoint\'s injected clock', () => {
  test('a request signed 5 minutes ago still passes; one second more and it is refused', async () => {
    const token = await driverToken(lambda);
    // X-Amz-Date has whole seconds: the clock is set from the token's own time.
    const signedAt = Date.parse(decode(token).headers['x-amz-date'].replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
    clock = signedAt + FIVE_MINUTES;
    await expect(postLogin(token)).resolves.toMatchObject({ success: true });
    clock = signedAt + FIVE_MINUTES + 1000;
    await expect(refusal(token)).resolves.toMatchObject({ error: 'WIF_EXPIRED', message: expect.stringContaining('more than 5 minutes from the endpoint\'s clock') });
  });

  test('a request dated more than 5 minutes ahead is refused too', async () => {
    const ahead = await signedToken(lambda, { at: new Date(Date.now() + FIVE_MINUTES + 60_000) });
    await expect(refusal(ahead)).resolves.toMatchObject({ error: 'WIF_EXPIRED' });
    clock = Date.now() + FIVE_MINUTES + 60_000;
    await expect(postLogin(ahead)).resolves.toMatchObject({ success: true });
  });

  test('through the driver: the endpoint\'s clock 6 minutes ahead refuses the login', async () => {
    clock = Date.now() + FIVE_MINUTES + 60_000;
    const err = await wifError(lambda);
    expect(err.code).toBe(REJECTED);
    expect(err.message).toMatch(/^Workload identity authentication failed: the attestation was signed at .*, more than 5 minutes/);
  });
});

describe('the caller is matched against the users\' identities', () => {
  test('a user with no identity is refused, named by LOGIN_NAME', async () => {
    const err = await wifError(lambda, { user: 'svc_keys' });
    expect(err.code).toBe(REJECTED);
    expect(err.message).toBe(
      `Workload identity authentication failed: STS says the caller is ${CALLER} (IAM role arn:aws:iam::${ACCOUNT}:role/connector-role), `
      + 'but user SVC_KEYS has no workload identity (ALTER USER SVC_KEYS SET WORKLOAD_IDENTITY = (TYPE = AWS ARN = \'...\')).',
    );
  });

  test('a LOGIN_NAME that names another user, or no user, is refused', async () => {
    await expect(wifError(lambda, { user: 'svc_other' })).resolves.toMatchObject({
      code: REJECTED,
      message: expect.stringContaining(`but user SVC_OTHER expects arn:aws:iam::${ACCOUNT}:role/other-role.`),
    });
    await expect(wifError(lambda, { user: 'nobody' })).resolves.toMatchObject({
      code: REJECTED,
      message: expect.stringContaining('and no user has LOGIN_NAME \'NOBODY\''),
    });
  });

  test('a static IAM user key (not an assumed role) is refused where a role is expected', async () => {
    expect(staticKey.sessionToken).toBeUndefined();
    const err = await wifError(staticKey, { user: 'svc_connector' });
    expect(err.code).toBe(REJECTED);
    expect(err.message).toBe(
      `Workload identity authentication failed: STS says the caller is arn:aws:iam::${ACCOUNT}:user/static-user `
      + `(IAM user arn:aws:iam::${ACCOUNT}:user/static-user), but user SVC_CONNECTOR expects ${CONNECTOR_ARN}.`,
    );
    await expect(wifError(staticKey)).resolves.toMatchObject({ message: expect.stringContaining('and no user has this workload identity') });
  });

  test('the same static key logs in when a user registers that IAM user', async () => {
    endpoint.addUser({ name: 'svc_static', type: 'SERVICE', workloadIdentity: { arn: `arn:aws:iam::${ACCOUNT}:user/static-user` } });
    try {
      const conn = await wifConnect(staticKey);
      await expect(whoAmI(conn)).resolves.toEqual(['SVC_STATIC', 'PUBLIC']);
      await destroy(conn);
    } finally {
      await endpoint.sql('DROP USER svc_static');
    }
  });

  test('two users with one identity: a login without username is refused, one with a username passes', async () => {
    endpoint.addUser({ name: 'svc_twin', type: 'SERVICE', workloadIdentity: { arn: `arn:aws:iam::${ACCOUNT}:role/connector-role` } });
    try {
      await expect(wifError(lambda)).resolves.toMatchObject({ message: expect.stringContaining('users SVC_CONNECTOR, SVC_TWIN: give the driver a username') });
      const conn = await wifConnect(lambda, { user: 'svc_twin' });
      await expect(whoAmI(conn)).resolves.toEqual(['SVC_TWIN', 'PUBLIC']);
      await destroy(conn);
    } finally {
      await endpoint.sql('DROP USER svc_twin');
    }
  });
});

describe('removing the identity ends its sessions, and the next login fails with a clear error', () => {
  afterEach(() => {
    endpoint.setWorkloadIdentity('svc_connector', { arn: connectorRoleArn });
    endpoint.setPublicKey('svc_connector', 1, undefined);
  });

  test('UNSET WORKLOAD_IDENTITY: the workload-identity session ends, a key-pair session of the same user keeps working', async () => {
    // Migration: the user has a key and the identity at once (research §2.2: implied by Snowflake, not stated).
    endpoint.setPublicKey('svc_connector', 1, keys.publicKeyPem);
    const byRole = await wifConnect(lambda);
    const byKey = await connect(snowflake.createConnection(driverOptionsFor(endpoint, { user: 'svc_connector', privateKeyPem: keys.privateKeyPem })));
    try {
      await expect(whoAmI(byRole)).resolves.toEqual(['SVC_CONNECTOR', 'LOADER']);
      await endpoint.sql('ALTER USER svc_connector UNSET WORKLOAD_IDENTITY');
      endpoint.resetCounters();
      const ended = await executeError(byRole, 'SELECT 1');
      // 390112 on the query, 390114 on the renewal: the driver drops the connection.
      expect(endpoint.requests.map((r) => r.code).filter(Boolean)).toEqual(['390112', '390114']);
      expect(ended.code).toBe(407002);
      expect(byRole.isUp()).toBe(false);
      await expect(whoAmI(byKey)).resolves.toEqual(['SVC_CONNECTOR', 'LOADER']);
    } finally {
      if (byKey.isUp()) await destroy(byKey);
    }
    await expect(wifError(lambda)).resolves.toMatchObject({
      code: REJECTED,
      message: `Workload identity authentication failed: STS says the caller is ${CALLER} (IAM role arn:aws:iam::${ACCOUNT}:role/connector-role), `
        + 'and no user has this workload identity.',
    });
    await expect(wifError(lambda, { user: 'svc_connector' })).resolves.toMatchObject({ message: expect.stringContaining('but user SVC_CONNECTOR has no workload identity') });
  });

  test('control: a session whose identity stays keeps working after other ALTER USER statements', async () => {
    const conn = await wifConnect(lambda);
    await endpoint.sql('ALTER USER svc_connector SET COMMENT = \'still here\'');
    await endpoint.sql(`ALTER USER svc_connector SET WORKLOAD_IDENTITY = (TYPE = AWS ARN = '${connectorRoleArn}')`);
    await expect(whoAmI(conn)).resolves.toEqual(['SVC_CONNECTOR', 'LOADER']);
    await destroy(conn);
  });

  test('SET to another role ends the sessions of the old one; the new role then logs in', async () => {
    const conn = await wifConnect(lambda);
    await endpoint.sql(`ALTER USER svc_connector SET WORKLOAD_IDENTITY = (TYPE = AWS ARN = 'arn:aws:iam::${ACCOUNT}:role/next-role')`);
    await expect(executeError(conn, 'SELECT 1')).resolves.toMatchObject({ code: 407002 });
    await expect(wifError(lambda, { user: 'svc_connector' })).resolves.toMatchObject({
      message: expect.stringContaining(`but user SVC_CONNECTOR expects arn:aws:iam::${ACCOUNT}:role/next-role.`),
    });
  });
});

describe('secrets never reach the log nor the answers', () => {
  test('no token, signature, secret key or session token in the request log or any refusal', async () => {
    const token = await driverToken(lambda);
    const signature = /Signature=([0-9a-f]{64})/.exec(decode(token).headers.authorization)?.[1] ?? '';
    endpoint.resetCounters();
    const answers = [
      await postLogin(token),
      await postLogin(await altered(lambda, (a) => { a.headers['x-snowflake-audience'] = 'x'; })),
      await postLogin(await altered(lambda, (a) => { a.headers.authorization = a.headers.authorization.replace(/Signature=./, 'Signature=f'); })),
      await postLogin(token, { LOGIN_NAME: 'svc_keys' }),
    ];
    const seen = JSON.stringify([endpoint.requests, answers.map((a) => a.message)]);
    for (const secret of [token, signature, lambda.secretAccessKey, lambda.sessionToken ?? '', decode(token).headers.authorization]) {
      expect(secret.length).toBeGreaterThan(20);
      expect(seen).not.toContain(secret);
    }
  });
});
