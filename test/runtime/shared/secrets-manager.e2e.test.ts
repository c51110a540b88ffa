/**
 * The SigV4-and-https GetSecretValue client (src/runtime/shared/secrets-manager.ts, the SQL API
 * executor's) and the AWS SDK's (SecretReader, every other bundle's), run on the same cases
 * against moto through the real protocol, with faults injected by the proxy (test/support/aws-proxy.ts):
 * the same result, the same retries, the same typed errors with the same codes and messages.
 *
 * Then moto with IAM authentication on (INITIAL_NO_AUTH_ACTION_COUNT reached, moto/core/authorization.py),
 * which recomputes each request's SigV4 signature with the secret key of the access key it issued
 * (moto/iam/access_control.py, IAMRequestBase.check_signature): a good signature is accepted, a bad
 * key or a request changed after signing is refused, by both clients alike.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { DeleteSecretCommand } from '@aws-sdk/client-secrets-manager';
import { SecretReader, SecretSource } from '../../../src/runtime/connector/credentials';
import { SecretAccessError, TransientError } from '../../../src/runtime/shared/errors';
import { httpsRequest } from '../../../src/runtime/shared/https';
import { httpsSecretValueClient } from '../../../src/runtime/shared/secrets-manager';
import { AwsCredentials, signRequest } from '../../../src/runtime/shared/sigv4';
import { AwsSide, FAST_RETRIES, leaks } from '../../support/connector-fixture';
import { rsaKey } from '../../support/keys';
import { REPO } from '../../support/lambda-process';

const NO_WAIT = { now: () => 0, sleep: async () => undefined, random: () => 0.5 };
const TIMEOUT_MS = 300;
const key = rsaKey();
const VALUE = { account: 'myorg-myaccount', user: 'SVC', privateKey: key.pkcs8Pem };

type Implementation = 'sdk' | 'https';
const IMPLEMENTATIONS: Implementation[] = ['sdk', 'https'];

let aws: AwsSide;
let secretId: string;
let output: string[] = [];
const saved: Record<string, string | undefined> = {};
const write = process.stdout.write;
const writeErr = process.stderr.write;

beforeAll(async () => {
  aws = await AwsSide.start();
  aws.rememberKey(key);
  secretId = await aws.createSecret(VALUE);
  // Both clients find the proxy, the region and the credentials where Lambda would put them: the environment.
  for (const [name, value] of Object.entries(aws.env())) {
    saved[name] = process.env[name];
    process.env[name] = value;
  }
}, 60_000);
afterAll(async () => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await aws?.stop();
});
beforeEach(() => {
  aws.proxy.clearFaults();
  output = [];
  process.stdout.write = ((chunk: string) => { output.push(String(chunk)); return true; }) as never;
  process.stderr.write = ((chunk: string) => { output.push(String(chunk)); return true; }) as never;
});
afterEach(() => {
  process.stdout.write = write;
  process.stderr.write = writeErr;
  expect(leaks(output.join(''), aws.secrets)).toEqual([]);
});

/** A reader of `id` with the production settings of each bundle: the SDK's, or the SQL API executor's https client. */
function reader(implementation: Implementation, id: string): SecretSource {
  const options = { retryPolicy: FAST_RETRIES, retryEnvironment: NO_WAIT };
  return implementation === 'sdk'
    ? new SecretReader(id, { ...options, requestTimeoutMs: TIMEOUT_MS })
    : new SecretSource(id, httpsSecretValueClient({ region: 'us-east-1', requestTimeoutMs: TIMEOUT_MS }), options);
}

interface Outcome {
  readonly value?: { versionId: string; user: string; fingerprint?: string };
  readonly error?: { type: string; code: string; message: string; retryable: boolean };
  readonly calls: number;
}

async function run(implementation: Implementation, id = secretId): Promise<Outcome> {
  const before = aws.reads();
  const r = reader(implementation, id);
  try {
    const c = await r.get();
    return {
      value: { versionId: c.versionId!, user: c.settings.user, ...(c.authentication.kind === 'keyPair' ? { fingerprint: c.authentication.fingerprint } : {}) },
      calls: aws.reads() - before,
    };
  } catch (e) {
    const error = e as SecretAccessError | TransientError;
    return {
      error: { type: error.constructor.name, code: error.code, message: error.message, retryable: error instanceof TransientError },
      calls: aws.reads() - before,
    };
  } finally {
    expect(r.reads).toBe(aws.reads() - before);
  }
}

/**
 * The SDK's outcome in a plain Node process. Inside Jest, an error raised by Node's own http module
 * comes from another realm than Jest's sandbox, so the SDK wraps it ("AWS SDK error wrapper for
 * TimeoutError: socket hang up", named Error) and a reset connection looks like no known failure;
 * in Lambda (plain Node) it is a TimeoutError with code ECONNRESET. Connection resets are compared
 * against the SDK there.
 */
async function runSdkInNode(id = secretId): Promise<Outcome> {
  const before = aws.reads();
  const script = `
    const { SecretReader } = require(${JSON.stringify(path.join(REPO, 'src/runtime/connector/credentials.ts'))});
    const r = new SecretReader(${JSON.stringify(id)}, { requestTimeoutMs: ${TIMEOUT_MS}, retryPolicy: ${JSON.stringify(FAST_RETRIES)},
      retryEnvironment: { now: () => 0, sleep: async () => undefined, random: () => 0.5 } });
    r.get().then((c) => ({ value: { versionId: c.versionId, user: c.settings.user, fingerprint: c.authentication.fingerprint } }),
      (e) => ({ error: { type: e.constructor.name, code: e.code, message: e.message, retryable: e.constructor.name === 'TransientError' } }))
      .then((o) => process.stdout.write('OUTCOME ' + JSON.stringify(o) + '\\n'));`;
  const child = spawn(process.execPath, ['-r', require.resolve('ts-node/register/transpile-only'), '-e', script], {
    cwd: REPO, env: { ...process.env, ...aws.env(), TS_NODE_TRANSPILE_ONLY: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c) => { out += String(c); });
  child.stderr.on('data', (c) => { out += String(c); });
  await new Promise((resolve) => child.on('close', resolve));
  output.push(out);
  const line = /^OUTCOME (.*)$/m.exec(out);
  if (!line) throw new Error(`the SDK reader printed no outcome: ${out.slice(-2000)}`);
  return { ...JSON.parse(line[1]), calls: aws.reads() - before };
}

/** Runs both implementations on the same case (the faults set up again before each) and returns both outcomes. */
async function both(setUp: () => void | Promise<void>, id?: () => string, sdkInNode = false): Promise<Record<Implementation, Outcome>> {
  const outcomes = {} as Record<Implementation, Outcome>;
  for (const implementation of IMPLEMENTATIONS) {
    aws.proxy.clearFaults();
    await setUp();
    outcomes[implementation] = implementation === 'sdk' && sdkInNode ? await runSdkInNode(id?.()) : await run(implementation, id?.());
  }
  return outcomes;
}

const ACCESS_DENIED = 'User: arn:aws:sts::123456789012:assumed-role/fn/fn is not authorized to perform: secretsmanager:GetSecretValue';
const KMS_DENIED = 'Access to KMS is not allowed';

describe('the same answers from the SDK and from the https client, through moto', () => {
  test('success: the same secret, version and key', async () => {
    const { sdk, https } = await both(() => undefined);
    expect(sdk.value).toEqual({ versionId: expect.any(String), user: 'SVC', fingerprint: key.fingerprint });
    expect(https).toEqual(sdk);
    expect(https.calls).toBe(1);
  });

  test('the request moto received: GetSecretValue of AWSCURRENT, by ARN', async () => {
    await run('https');
    const last = aws.proxy.calls[aws.proxy.calls.length - 1];
    expect(last).toEqual({ operation: 'secretsmanager.GetSecretValue', body: { SecretId: secretId, VersionStage: 'AWSCURRENT' }, outcome: 'forwarded' });
  });

  test.each<[string, () => void | Promise<void>, (() => string) | undefined, Partial<Outcome['error']> & { calls: number }]>([
    ['a secret that does not exist (moto\'s ResourceNotFoundException)', () => undefined,
      () => secretId.replace(/secret:.*$/, 'secret:snowflake/none-AbCdEf'), { type: 'SecretAccessError', code: 'SECRET_NOT_FOUND', calls: 1 }],
    ['ResourceNotFoundException with a namespaced __type', () => aws.proxy.inject('secretsmanager.GetSecretValue', {
      type: 'com.amazonaws.secretsmanager#ResourceNotFoundException', message: 'Secrets Manager can\'t find the specified secret.',
    }), undefined, { type: 'SecretAccessError', code: 'SECRET_NOT_FOUND', calls: 1 }],
    ['AccessDeniedException', () => aws.proxy.inject('secretsmanager.GetSecretValue', { type: 'AccessDeniedException', message: ACCESS_DENIED }),
      undefined, { type: 'SecretAccessError', code: 'SECRET_ACCESS_DENIED', calls: 1 }],
    ['AccessDeniedException from KMS', () => aws.proxy.inject('secretsmanager.GetSecretValue', { type: 'AccessDeniedException', message: KMS_DENIED }),
      undefined, { type: 'SecretAccessError', code: 'SECRET_DECRYPT_DENIED', calls: 1 }],
    ['DecryptionFailure', () => aws.proxy.inject('secretsmanager.GetSecretValue', { type: 'DecryptionFailure', message: 'cannot decrypt' }),
      undefined, { type: 'SecretAccessError', code: 'SECRET_DECRYPT_DENIED', calls: 1 }],
    ['throttling on every attempt', () => aws.proxy.inject('secretsmanager.GetSecretValue', { type: 'ThrottlingException', message: 'Rate exceeded' }, 10),
      undefined, { type: 'TransientError', code: 'SECRET_UNAVAILABLE', calls: FAST_RETRIES.maxAttempts }],
    ['HTTP 500 InternalServiceError on every attempt', () => aws.proxy.inject('secretsmanager.GetSecretValue', {
      status: 500, type: 'InternalServiceError', message: 'An error occurred on the server side.',
    }, 10), undefined, { type: 'TransientError', code: 'SECRET_UNAVAILABLE', calls: FAST_RETRIES.maxAttempts }],
    ['HTTP 503 with an unknown error type', () => aws.proxy.inject('secretsmanager.GetSecretValue', { status: 503, type: 'Overloaded', message: 'busy' }, 10),
      undefined, { type: 'TransientError', code: 'SECRET_UNAVAILABLE', calls: FAST_RETRIES.maxAttempts }],
    ['an unknown client error is not retried', () => aws.proxy.inject('secretsmanager.GetSecretValue', { type: 'SomethingNewException', message: 'new' }),
      undefined, { type: 'SecretAccessError', code: 'SECRET_READ_FAILED', calls: 1 }],
  ])('%s: the same typed error, code and message', async (_, setUp, id, expected) => {
    const { sdk, https } = await both(setUp, id);
    const { calls, ...error } = expected;
    expect(sdk.error).toEqual(expect.objectContaining(error));
    expect(sdk.calls).toBe(calls);
    expect(https).toEqual(sdk);
  });

  test('a secret scheduled for deletion (moto\'s InvalidRequestException): the same error', async () => {
    const id = await aws.createSecret(VALUE);
    await aws.sm.send(new DeleteSecretCommand({ SecretId: id, RecoveryWindowInDays: 7 }));
    const { sdk, https } = await both(() => undefined, () => id);
    expect(sdk.error?.code).toBe('SECRET_MARKED_FOR_DELETION');
    expect(https).toEqual(sdk);
  });

  test.each<[string, () => void, boolean]>([
    ['throttled twice', () => aws.proxy.inject('secretsmanager.GetSecretValue', { type: 'ThrottlingException', message: 'Rate exceeded' }, 2), false],
    ['HTTP 500 twice', () => aws.proxy.inject('secretsmanager.GetSecretValue', { status: 500, type: 'InternalFailure', message: 'failed' }, 2), false],
    ['the connection reset twice', () => aws.proxy.inject('secretsmanager.GetSecretValue', { reset: true }, 2), true],
    ['no answer (a timeout) twice', () => aws.proxy.inject('secretsmanager.GetSecretValue', { hangMs: TIMEOUT_MS * 10 }, 2), false],
  ])('%s, then an answer: retried, then read (3 calls)', async (_, setUp, sdkInNode) => {
    const { sdk, https } = await both(setUp, undefined, sdkInNode);
    expect(sdk).toEqual({ value: expect.objectContaining({ user: 'SVC' }), calls: 3 });
    expect(https).toEqual(sdk);
    expect(output.join('')).toContain('Secrets Manager call failed; retrying');
  });

  test.each<[string, () => void, RegExp, boolean]>([
    ['the connection reset on every attempt', () => aws.proxy.inject('secretsmanager.GetSecretValue', { reset: true }, 10),
      /\(last: (TimeoutError|ECONNRESET|UND_ERR_SOCKET|EPIPE)\)/, true],
    ['no answer on every attempt', () => aws.proxy.inject('secretsmanager.GetSecretValue', { hangMs: TIMEOUT_MS * 10 }, 10), /\(last: TimeoutError\)/, false],
  ])('%s: a TransientError after the policy\'s attempts, on both', async (_, setUp, last, sdkInNode) => {
    const { sdk, https } = await both(setUp, undefined, sdkInNode);
    for (const outcome of [sdk, https]) {
      expect(outcome.error).toEqual(expect.objectContaining({ type: 'TransientError', code: 'SECRET_UNAVAILABLE' }));
      expect(outcome.error!.message).toMatch(last);
      expect(outcome.calls).toBe(FAST_RETRIES.maxAttempts);
    }
  });
});

describe('the https client outside the happy path', () => {
  test('without credentials in the environment: a clear error naming what is missing and the fix, no value; not retried', async () => {
    const env = { ...aws.env(), AWS_SECRET_ACCESS_KEY: '' };
    const r = new SecretSource(secretId, httpsSecretValueClient({ env }), { retryPolicy: FAST_RETRIES, retryEnvironment: NO_WAIT });
    const before = aws.reads();
    const error = await r.get().catch((e) => e);
    expect(error).toBeInstanceOf(SecretAccessError);
    expect(error.message).toMatch(/AWS_SECRET_ACCESS_KEY is not set/);
    expect(error.message).toMatch(/execution role/);
    expect(error.message).not.toContain('testing');
    expect(aws.reads()).toBe(before);
  });

  test('with them (the control): read', async () => {
    const r = new SecretSource(secretId, httpsSecretValueClient({ env: aws.env() }), { retryPolicy: FAST_RETRIES, retryEnvironment: NO_WAIT });
    expect((await r.get()).settings.user).toBe('SVC');
  });

  test('a secret given by name is read in AWS_REGION', async () => {
    const name = secretId.replace(/^.*:secret:/, '').replace(/-[A-Za-z0-9]{6}$/, '');
    const r = new SecretSource(name, httpsSecretValueClient({ env: aws.env('us-east-1') }), { retryEnvironment: NO_WAIT });
    expect((await r.get()).settings.user).toBe('SVC');
  });
});

/** IAM's (or STS's) query protocol, signed with our signer (moto routes on the credential scope's service). */
async function iam(endpoint: string, params: Record<string, string>, service = 'iam', credentials: AwsCredentials = { accessKeyId: 'testing', secretAccessKey: 'testing' }) {
  const body = new URLSearchParams({ ...params, Version: service === 'iam' ? '2010-05-08' : '2011-06-15' }).toString();
  const url = new URL(endpoint);
  const signed = signRequest({ method: 'POST', host: url.host, path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body }, {
    credentials, region: 'us-east-1', service, date: new Date(),
  });
  const { host: _host, ...headers } = signed.headers;
  const res = await fetch(url, { method: 'POST', headers, body });
  const text = await res.text();
  if (!res.ok) throw new Error(`IAM ${params.Action}: HTTP ${res.status} ${text}`);
  return text;
}

describe('moto with IAM authentication: it checks each signature with the key it issued', () => {
  let authed: AwsSide;
  let allowed: string;
  let other: string;
  let user: { accessKeyId: string; secretAccessKey: string };
  let stranger: { accessKeyId: string; secretAccessKey: string };

  beforeAll(async () => {
    authed = await AwsSide.start();
    allowed = await authed.createSecret(VALUE);
    other = await authed.createSecret(VALUE);
    // moto authorises secretsmanager actions against Resource "*" only, so the refused case is a user without the permission.
    const keysOf = async (name: string, statements: unknown[]) => {
      await iam(authed.moto.endpoint, { Action: 'CreateUser', UserName: name });
      if (statements.length > 0) {
        await iam(authed.moto.endpoint, {
          Action: 'PutUserPolicy', UserName: name, PolicyName: 'policy', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
        });
      }
      const created = await iam(authed.moto.endpoint, { Action: 'CreateAccessKey', UserName: name });
      const keys = { accessKeyId: /<AccessKeyId>([^<]+)</.exec(created)![1], secretAccessKey: /<SecretAccessKey>([^<]+)</.exec(created)![1] };
      authed.remember(keys.secretAccessKey);
      return keys;
    };
    user = await keysOf('reader', [{ Effect: 'Allow', Action: ['secretsmanager:GetSecretValue', 'sts:AssumeRole'], Resource: '*' }]);
    // A role like a Lambda execution role, whose temporary credentials come with a session token.
    await iam(authed.moto.endpoint, {
      Action: 'CreateRole',
      RoleName: 'fn',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:user/reader' }, Action: 'sts:AssumeRole' }],
      }),
    });
    await iam(authed.moto.endpoint, {
      Action: 'PutRolePolicy',
      RoleName: 'fn',
      PolicyName: 'read',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: '*' }],
      }),
    });
    stranger = await keysOf('stranger', []);
    // From now on every request is authenticated (moto's /moto-api/reset-auth sets INITIAL_NO_AUTH_ACTION_COUNT).
    const res = await fetch(`${authed.moto.endpoint}/moto-api/reset-auth`, { method: 'POST', body: '0' });
    expect(res.ok).toBe(true);
  }, 60_000);
  afterAll(async () => { await authed?.stop(); });

  // Straight to moto: the proxy rewrites the Host header, which is signed.
  const envWith = (credentials: { accessKeyId: string; secretAccessKey: string }) => ({
    ...authed.env(),
    AWS_ENDPOINT_URL_SECRETS_MANAGER: authed.moto.endpoint,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_SESSION_TOKEN: '',
  });
  const httpsReader = (id: string, env: Record<string, string>, send?: typeof httpsRequest) => new SecretSource(id,
    httpsSecretValueClient({ env, ...(send ? { send } : {}) }), { retryPolicy: FAST_RETRIES, retryEnvironment: NO_WAIT });

  test('a good signature is accepted', async () => {
    expect((await httpsReader(allowed, envWith(user)).get()).settings.user).toBe('SVC');
  });

  test('a signature made with the wrong secret key is refused (SignatureDoesNotMatch), and not retried', async () => {
    let calls = 0;
    const counting: typeof httpsRequest = (input, init) => { calls++; return httpsRequest(input, init); };
    // Another last character (moto's keys are random: appending 'x' to a key ending in 'x' would change nothing).
    const wrongKey = `${user.secretAccessKey.slice(0, -1)}${user.secretAccessKey.endsWith('x') ? 'y' : 'x'}`;
    expect(wrongKey).not.toBe(user.secretAccessKey);
    const error = await httpsReader(allowed, envWith({ ...user, secretAccessKey: wrongKey }), counting).get().catch((e) => e);
    expect(error).toBeInstanceOf(SecretAccessError);
    expect(error.message).toContain('(SignatureDoesNotMatch: The request signature we calculated does not match');
    expect(error.message).not.toContain(user.secretAccessKey.slice(0, -1));
    expect(calls).toBe(1);
  });

  test('a request changed after it was signed is refused: the body is signed', async () => {
    const tamper: typeof httpsRequest = (input, init) => httpsRequest(input, { ...init, body: String(init.body).replace(allowed, other) });
    const error = await httpsReader(allowed, envWith(user), tamper).get().catch((e) => e);
    expect(error.message).toContain('SignatureDoesNotMatch');
  });

  test('temporary credentials (an assumed role, as Lambda gives): the session token is sent and signed; a wrong one is refused', async () => {
    const assumed = await iam(authed.moto.endpoint, {
      Action: 'AssumeRole', RoleArn: 'arn:aws:iam::123456789012:role/fn', RoleSessionName: 'fn',
    }, 'sts', user);
    const field = (name: string) => new RegExp(`<${name}>([^<]+)</`).exec(assumed)![1];
    const session = { accessKeyId: field('AccessKeyId'), secretAccessKey: field('SecretAccessKey'), sessionToken: field('SessionToken') };
    authed.remember(session.secretAccessKey, session.sessionToken);
    expect(session.accessKeyId).toMatch(/^ASIA/);
    const env = (token: string) => ({ ...envWith(session), AWS_SESSION_TOKEN: token });
    expect((await httpsReader(allowed, env(session.sessionToken)).get()).settings.user).toBe('SVC');
    const error = await httpsReader(allowed, env(`${session.sessionToken}x`)).get().catch((e) => e);
    expect(error).toBeInstanceOf(SecretAccessError);
    expect(error.message).toMatch(/InvalidClientTokenId/);
    expect(error.message).not.toContain(session.sessionToken);
  });

  test('an access key moto never issued is refused (InvalidClientTokenId)', async () => {
    const error = await httpsReader(allowed, envWith({ accessKeyId: 'AKIAEXAMPLEUNKNOWN00', secretAccessKey: 'x' })).get().catch((e) => e);
    expect(error.message).toContain('InvalidClientTokenId');
  });

  test('a user without secretsmanager:GetSecretValue: refused after the signature passed (AccessDenied, moto\'s IAM code)', async () => {
    // moto answers authentication failures in the query protocol's XML, which the SDK's JSON client cannot parse
    // (it reports a SyntaxError); the https client reads the code and message from it. So no SDK comparison here.
    const error = await httpsReader(allowed, envWith(stranger)).get().catch((e) => e);
    expect(error).toBeInstanceOf(SecretAccessError);
    expect(error.message).toMatch(/\(AccessDenied: User: arn:aws:iam::\d+:user\/stranger is not authorized to perform: secretsmanager:GetSecretValue/);
  });
});
