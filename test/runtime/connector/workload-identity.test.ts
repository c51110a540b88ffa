/**
 * Signing in with the function's own IAM role (workload identity), through the real snowflake-sdk:
 * what the connector reads from the environment, the options it gives the driver, the login the
 * driver then sends (caught by a loopback server that answers as Snowflake would refuse it), the
 * host allow-list, and the errors. The successful login, end to end through the bundled asset,
 * is in workload-identity.e2e.test.ts.
 */
import * as http from 'node:http';
import { optionsFromEnvironment, SnowflakeConnector } from '../../../src/runtime/connector';
import type { Credentials } from '../../../src/runtime/connector/credentials';
import { connectionOptions, loadDriver } from '../../../src/runtime/connector/driver';
import { allowLoopbackOverride, WIF_ALLOWED_HOST_SUFFIXES_ENV } from '../../../src/runtime/connector/workload-identity';
import { setWorkloadIdentitySql } from '../../../src/shared/workload-identity';
import { startLoopbackServer } from '../../support/loopback-server';

const ROLE_ARN = 'arn:aws:iam::123456789012:role/app/connector-role';
const OTHER_ARN = 'arn:aws:iam::123456789012:role/other-role';
const CONNECTION = { account: 'TESTORG-TESTACCOUNT', user: 'SVC_WIF', role: 'LOADER', warehouse: 'LOAD_WH' };
const SETTINGS = { requestTimeoutMs: 10_000, application: 'cdk-snowflake-keypair' };
// Temporary credentials as Lambda gives them to the execution role (made up: nothing checks them here).
const AWS_KEYS = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'ASIAWIFUNITTEST00001',
  AWS_SECRET_ACCESS_KEY: 'wIfUnItTeStSeCrEtAcCeSsKeY0123456789abcd',
  AWS_SESSION_TOKEN: 'FwoGZXIvYXdzEWifUnitTestSessionToken/0123456789+abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV==',
};

function wif(attestation: 'SIGNED_CALLER_IDENTITY' | 'OUTBOUND_TOKEN' = 'SIGNED_CALLER_IDENTITY', host?: string): Credentials {
  return {
    settings: { ...CONNECTION, ...(host ? { host } : {}) },
    authentication: { kind: 'workloadIdentity', attestation, roleArn: ROLE_ARN },
  };
}

/** The driver's own host check (auth_workload_identity/host_allowlist.js), as it runs before every attestation. */
function driverAllowsHost(host: string): boolean {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { validateHost } = require('snowflake-sdk/dist/lib/authentication/auth_workload_identity/host_allowlist') as { validateHost(h: string): void };
  try {
    validateHost(host);
    return true;
  } catch {
    return false;
  }
}

describe('the environment (what SnowflakeConnectorFunction sets)', () => {
  const WIF_ENV = {
    SNOWFLAKE_AUTHENTICATION: 'WORKLOAD_IDENTITY',
    SNOWFLAKE_CONNECTION: JSON.stringify(CONNECTION),
    SNOWFLAKE_WORKLOAD_IDENTITY_ARN: ROLE_ARN,
  };

  test('WORKLOAD_IDENTITY: the settings from SNOWFLAKE_CONNECTION, no secret, the signed GetCallerIdentity by default', () => {
    expect(optionsFromEnvironment(WIF_ENV)).toEqual({
      workloadIdentity: { connection: CONNECTION, roleArn: ROLE_ARN, attestation: 'SIGNED_CALLER_IDENTITY' },
    });
    expect(optionsFromEnvironment({ ...WIF_ENV, SNOWFLAKE_WORKLOAD_IDENTITY_ATTESTATION: 'OUTBOUND_TOKEN' }))
      .toEqual({ workloadIdentity: expect.objectContaining({ attestation: 'OUTBOUND_TOKEN' }) });
  });

  test('(control) absent or KEY_PAIR: the secret, as before', () => {
    const secretId = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf';
    expect(optionsFromEnvironment({ SNOWFLAKE_SECRET_ID: secretId })).toEqual({ secretId });
    expect(optionsFromEnvironment({ SNOWFLAKE_SECRET_ID: secretId, SNOWFLAKE_AUTHENTICATION: 'KEY_PAIR' })).toEqual({ secretId });
  });

  test.each([
    [{ SNOWFLAKE_AUTHENTICATION: 'IAM' }, /^SNOWFLAKE_AUTHENTICATION is "IAM"; expected KEY_PAIR or WORKLOAD_IDENTITY/],
    [{ SNOWFLAKE_CONNECTION: undefined }, /^SNOWFLAKE_AUTHENTICATION is WORKLOAD_IDENTITY and SNOWFLAKE_CONNECTION is not set/],
    [{ SNOWFLAKE_CONNECTION: '{"account":"A"}' }, /^SNOWFLAKE_CONNECTION must name account and user/],
    [{ SNOWFLAKE_CONNECTION: '{"account":"A","user":"U","privateKey":"x"}' }, /^SNOWFLAKE_CONNECTION has fields the connector does not know: privateKey/],
    [{ SNOWFLAKE_CONNECTION: JSON.stringify({ ...CONNECTION, host: 'snowflake.example.com' }) }, /^SNOWFLAKE_CONNECTION.host "snowflake\.example\.com" is not valid/],
    [{ SNOWFLAKE_WORKLOAD_IDENTITY_ARN: 'arn:aws:sts::123456789012:assumed-role/r/s' }, /^SNOWFLAKE_WORKLOAD_IDENTITY_ARN is .*expected the function's execution role ARN/],
    [{ SNOWFLAKE_WORKLOAD_IDENTITY_ATTESTATION: 'JWT' }, /^SNOWFLAKE_WORKLOAD_IDENTITY_ATTESTATION is "JWT"; expected SIGNED_CALLER_IDENTITY or OUTBOUND_TOKEN/],
    [{ SNOWFLAKE_SECRET_ID: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf' }, /a function signs in one way/],
  ])('(failing case) %j is refused with a ConfigurationError naming the variable', (patch, message) => {
    const env: Record<string, string | undefined> = { ...WIF_ENV, ...patch };
    expect(() => optionsFromEnvironment(env)).toThrow(message);
    expect(() => optionsFromEnvironment(env)).toThrow(expect.objectContaining({ name: 'ConfigurationError', code: 'CONFIG_INVALID' }));
  });

  test('(failing case) a connector given neither a secret nor a workload identity, or both, is refused', () => {
    expect(() => new SnowflakeConnector({})).toThrow(/exactly one of secretId .* and workloadIdentity .*given neither/);
    expect(() => new SnowflakeConnector({ secretId: 'x', workloadIdentity: { connection: CONNECTION } })).toThrow(/given both/);
  });
});

describe('the driver options', () => {
  test('SIGNED_CALLER_IDENTITY: WORKLOAD_IDENTITY with provider AWS and the user; no key, no password, no JWT flag', () => {
    const options = connectionOptions(wif(), SETTINGS) as Record<string, unknown>;
    expect(options).toEqual(expect.objectContaining({
      account: 'TESTORG-TESTACCOUNT',
      username: 'SVC_WIF',
      authenticator: 'WORKLOAD_IDENTITY',
      workloadIdentityProvider: 'AWS',
      role: 'LOADER',
      warehouse: 'LOAD_WH',
      accessUrl: 'https://testorg-testaccount.snowflakecomputing.com',
    }));
    for (const absent of ['privateKey', 'password', 'workloadIdentityAwsUseOutboundToken', 'workloadIdentityImpersonationPath', 'token']) {
      expect(options).not.toHaveProperty(absent);
    }
  });

  test('OUTBOUND_TOKEN: the same, with the driver\'s GetWebIdentityToken attestation on', () => {
    const options = connectionOptions(wif('OUTBOUND_TOKEN'), SETTINGS) as Record<string, unknown>;
    expect(options).toEqual(expect.objectContaining({
      authenticator: 'WORKLOAD_IDENTITY', workloadIdentityProvider: 'AWS', workloadIdentityAwsUseOutboundToken: true,
    }));
    expect(options).not.toHaveProperty('privateKey');
  });

  test('(control) a key pair still sends the user as username, with the key', () => {
    const keyPair: Credentials = { ...wif(), authentication: { kind: 'keyPair', pkcs8Pem: 'PEM', fingerprint: 'SHA256:x', bits: 2048 } };
    expect(connectionOptions(keyPair, SETTINGS)).toEqual(expect.objectContaining({ username: 'SVC_WIF', authenticator: 'SNOWFLAKE_JWT', privateKey: 'PEM' }));
  });

  test.each([
    ['passes the account host', undefined, undefined, true],
    ['passes a PrivateLink host (SNOWFLAKE_HOST)', 'xy12345.us-east-1.privatelink.snowflakecomputing.com', undefined, true],
    ['passes a China-region host', 'xy12345.cn-north-1.aws.snowflakecomputing.cn', undefined, true],
    ['(failing case) refuses an https proxy override', undefined, 'https://proxy.example.com:8443', false],
    ['(failing case) refuses a look-alike host', 'snowflakecomputing.com.evil.example', undefined, false],
  ])('the driver\'s host allow-list %s', (_what, host, endpointUrl, allowed) => {
    const options = connectionOptions(wif(), { ...SETTINGS, ...(host ? { host } : {}), ...(endpointUrl ? { endpointUrl } : {}) }) as { host: string };
    expect(driverAllowsHost(options.host)).toBe(allowed);
  });
});

describe('the loopback override and the allow-list', () => {
  test('a loopback override is added to SNOWFLAKE_WIF_ALLOWED_HOST_SUFFIXES, once, keeping what is there', () => {
    const env: NodeJS.ProcessEnv = { [WIF_ALLOWED_HOST_SUFFIXES_ENV]: 'example.internal' };
    expect(allowLoopbackOverride('http://127.0.0.1:8085', env)).toBe(true);
    expect(allowLoopbackOverride('http://127.0.0.1:9999', env)).toBe(false);
    expect(allowLoopbackOverride('http://localhost:8085', env)).toBe(true);
    expect(env[WIF_ALLOWED_HOST_SUFFIXES_ENV]).toBe('example.internal,127.0.0.1,localhost');
  });

  test.each([
    'https://proxy.example.com:8443',
    'https://xy12345.us-east-1.privatelink.snowflakecomputing.com',
    undefined,
  ])('(failing case) %s is not loopback: the allow-list is left alone', (url) => {
    const env: NodeJS.ProcessEnv = {};
    expect(allowLoopbackOverride(url, env)).toBe(false);
    expect(env).toEqual({});
  });
});

/** A loopback stand-in for Snowflake's login endpoint (and for Secrets Manager and STS): records requests, answers as told. */
interface Catcher {
  readonly url: string;
  readonly requests: { path: string; body: string; headers: http.IncomingHttpHeaders }[];
  answer: (path: string, body: string) => { status: number; type?: string; body: string };
  close(): Promise<void>;
}

async function catcher(): Promise<Catcher> {
  const self: Catcher = { url: '', requests: [], answer: () => ({ status: 500, body: '{}' }), close: async () => undefined };
  const server = await startLoopbackServer((req, data, res) => {
    const body = data.toString('utf8');
    self.requests.push({ path: req.url ?? '', body, headers: req.headers });
    const a = self.answer(req.url ?? '', body);
    res.writeHead(a.status, { 'content-type': a.type ?? 'application/json' });
    res.end(a.body);
  });
  return Object.assign(self, { url: server.url, close: server.close });
}

describe('with the real driver', () => {
  const saved: Record<string, string | undefined> = {};
  let snowflake: Catcher;
  let aws: Catcher;
  const REFUSAL = `Workload identity authentication failed: the attestation names ${
    'arn:aws:sts::123456789012:assumed-role/connector-role/lambda-session'}, and user SVC_WIF trusts ${OTHER_ARN}.`;

  beforeAll(async () => {
    [snowflake, aws] = await Promise.all([catcher(), catcher()]);
    const env = {
      ...AWS_KEYS,
      // Any AWS call (a secret read, STS) would reach this catcher, and be counted.
      AWS_ENDPOINT_URL: aws.url,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.url,
      AWS_ENDPOINT_URL_STS: aws.url,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_PROFILE: undefined,
    };
    for (const [name, value] of Object.entries(env)) {
      saved[name] = process.env[name];
      if (value === undefined) delete process.env[name]; else process.env[name] = value;
    }
    saved[WIF_ALLOWED_HOST_SUFFIXES_ENV] = process.env[WIF_ALLOWED_HOST_SUFFIXES_ENV];
    loadDriver().configure({ logLevel: 'OFF' });
  });

  afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name]; else process.env[name] = value;
    }
    await Promise.all([snowflake?.close(), aws?.close()]);
  });

  beforeEach(() => {
    snowflake.requests.length = 0;
    aws.requests.length = 0;
    snowflake.answer = (path) => (path.startsWith('/session/v1/login-request')
      ? { status: 200, body: JSON.stringify({ success: false, code: '390400', message: REFUSAL, data: null }) }
      : { status: 404, body: '{}' });
  });

  function connector(attestation: 'SIGNED_CALLER_IDENTITY' | 'OUTBOUND_TOKEN' = 'SIGNED_CALLER_IDENTITY', endpointUrl = snowflake.url): SnowflakeConnector {
    return new SnowflakeConnector({
      workloadIdentity: { connection: CONNECTION, roleArn: ROLE_ARN, attestation },
      endpointUrl,
      retryPolicy: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5, totalTimeMs: 2_000 },
    });
  }

  function logins(): { data: Record<string, unknown> }[] {
    return snowflake.requests.filter((r) => r.path.startsWith('/session/v1/login-request')).map((r) => JSON.parse(r.body));
  }

  test('the login: WORKLOAD_IDENTITY, PROVIDER AWS, a signed GetCallerIdentity as TOKEN, the user as LOGIN_NAME, no key; no AWS call at all', async () => {
    const c = connector();
    await expect(c.fetchOne('SELECT 1')).rejects.toThrow();
    const [login] = logins();
    expect(login.data).toEqual(expect.objectContaining({
      AUTHENTICATOR: 'WORKLOAD_IDENTITY', PROVIDER: 'AWS', ACCOUNT_NAME: 'TESTORG-TESTACCOUNT', LOGIN_NAME: 'SVC_WIF',
    }));
    expect(login.data).not.toHaveProperty('RAW_SAML_RESPONSE');
    expect(JSON.stringify(login)).not.toMatch(/PRIVATE KEY|"PASSWORD"/);
    const token = JSON.parse(Buffer.from(String(login.data.TOKEN), 'base64').toString('utf8'));
    expect(token).toEqual({
      url: 'https://sts.us-east-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15',
      method: 'POST',
      headers: expect.objectContaining({
        'host': 'sts.us-east-1.amazonaws.com',
        'x-snowflake-audience': 'snowflakecomputing.com',
        'x-amz-security-token': AWS_KEYS.AWS_SESSION_TOKEN,
        'authorization': expect.stringMatching(new RegExp(`^AWS4-HMAC-SHA256 Credential=${AWS_KEYS.AWS_ACCESS_KEY_ID}/\\d{8}/us-east-1/sts/aws4_request, `
          + 'SignedHeaders=host;x-amz-date;x-amz-security-token;x-snowflake-audience, Signature=[0-9a-f]{64}$')),
      }),
    });
    // The role, warehouse are the session's, in the login URL.
    expect(snowflake.requests[0].path).toMatch(/roleName=LOADER/);
    // No secret read, no STS call: the attestation is signed, never sent by the function.
    expect(aws.requests).toEqual([]);
    expect(c.stats).toEqual(expect.objectContaining({ secretReads: 0, loginFailures: 1, logins: 0 }));
  });

  test('(failing case) a refused attestation: WORKLOAD_IDENTITY_REFUSED naming the ARN, the user, the ARN the user expects and the SQL; never the token', async () => {
    const c = connector();
    const error = await c.fetchOne('SELECT 1').catch((e) => e);
    expect(error).toMatchObject({ name: 'AuthenticationError', code: 'WORKLOAD_IDENTITY_REFUSED', snowflakeCode: '390400', retryable: false });
    expect(error.message).toContain('user "SVC_WIF" in account "TESTORG-TESTACCOUNT"');
    expect(error.message).toContain(`The function signs in as IAM role ${ROLE_ARN}`);
    expect(error.message).toContain(`Snowflake says the user expects ${OTHER_ARN}. If the user should trust this role`);
    expect(error.message).toContain(setWorkloadIdentitySql('SVC_WIF', ROLE_ARN));
    const token = String(logins()[0].data.TOKEN);
    const signature = /Signature=([0-9a-f]{64})/.exec(Buffer.from(token, 'base64').toString('utf8'))![1];
    for (const secret of [token, signature, AWS_KEYS.AWS_SECRET_ACCESS_KEY, AWS_KEYS.AWS_SESSION_TOKEN]) {
      expect(JSON.stringify(error.toJSON())).not.toContain(secret);
    }
    // One login per call: a refusal is not retried, and the next call tries once more (no loop, nothing kept).
    expect(logins()).toHaveLength(1);
    await expect(c.execute('SELECT 1')).rejects.toMatchObject({ code: 'WORKLOAD_IDENTITY_REFUSED' });
    expect(logins()).toHaveLength(2);
  });

  test('(failing case) the identity removed while warm: the session ends, the next call logs in once more and fails with the clear error', async () => {
    let accepted = true;
    let queries = 0;
    snowflake.answer = (path) => {
      if (path.startsWith('/session/v1/login-request')) {
        return accepted
          ? {
            status: 200,
            body: JSON.stringify({
              success: true,
              data: {
                token: 'session-token',
                masterToken: 'master-token',
                validityInSeconds: 3600,
                masterValidityInSeconds: 14400,
                sessionId: 1,
                parameters: [],
                sessionInfo: { databaseName: null, schemaName: null, warehouseName: 'LOAD_WH', roleName: 'LOADER' },
              },
            }),
          }
          : { status: 200, body: JSON.stringify({ success: false, code: '390400', message: REFUSAL, data: null }) };
      }
      if (path.startsWith('/queries/v1/query-request')) {
        queries++;
        // Snowflake ended the sessions of the user whose identity was removed.
        return { status: 200, body: JSON.stringify({ success: false, code: '390111', message: 'Session no longer exists.  New login required to access the service.', data: null }) };
      }
      return { status: 200, body: JSON.stringify({ success: true, data: null }) };
    };
    const c = connector();
    await c.getConnection();
    expect(logins()).toHaveLength(1);
    accepted = false;
    const error = await c.fetchOne('SELECT 1').catch((e) => e);
    expect(error).toMatchObject({ code: 'WORKLOAD_IDENTITY_REFUSED' });
    expect(error.message).toContain(setWorkloadIdentitySql('SVC_WIF', ROLE_ARN));
    // One statement, one new login: no loop.
    expect(queries).toBe(1);
    expect(logins()).toHaveLength(2);
    expect(c.stats).toEqual(expect.objectContaining({ logins: 1, reconnects: 1, loginFailures: 1, secretReads: 0 }));
  });

  test('(failing case) without SNOWFLAKE_WORKLOAD_IDENTITY_ARN, the error says so, and gives the SQL with a placeholder', async () => {
    const c = new SnowflakeConnector({ workloadIdentity: { connection: CONNECTION }, endpointUrl: snowflake.url });
    const error = await c.fetchOne('SELECT 1').catch((e) => e);
    expect(error.code).toBe('WORKLOAD_IDENTITY_REFUSED');
    expect(error.message).toContain('SNOWFLAKE_WORKLOAD_IDENTITY_ARN is not set');
    expect(error.message).toContain('ALTER USER "SVC_WIF" SET WORKLOAD_IDENTITY = (TYPE = AWS ARN = \'<execution role ARN>\');');
  });

  test('(failing case) a 5xx is retried (bounded), and gives up as SNOWFLAKE_UNAVAILABLE', async () => {
    snowflake.answer = () => ({ status: 503, body: 'unavailable' });
    const error = await connector().fetchOne('SELECT 1').catch((e) => e);
    expect(error).toMatchObject({ code: 'SNOWFLAKE_UNAVAILABLE', retryable: true });
    expect(logins().length).toBeGreaterThan(1);
    expect(logins().length).toBeLessThanOrEqual(3);
  });

  test('(failing case) an https override that is not a Snowflake host: WORKLOAD_IDENTITY_HOST_REFUSED, before any request or attestation', async () => {
    const error = await connector('SIGNED_CALLER_IDENTITY', 'https://proxy.example.com:8443').fetchOne('SELECT 1').catch((e) => e);
    expect(error).toMatchObject({ name: 'ConfigurationError', code: 'WORKLOAD_IDENTITY_HOST_REFUSED' });
    expect(error.message).toContain('the login would go to proxy.example.com (the URL override https://proxy.example.com:8443)');
    expect(snowflake.requests).toEqual([]);
    expect(aws.requests).toEqual([]);
  });

  test('OUTBOUND_TOKEN: the driver asks STS for a web identity token and sends it as TOKEN', async () => {
    const jwt = 'eyJhbGciOiJFUzM4NCJ9.eyJhdWQiOiJzbm93Zmxha2Vjb21wdXRpbmcuY29tIn0.c2lnbmF0dXJl';
    aws.answer = (_path, body) => (/Action=GetWebIdentityToken/.test(body)
      ? {
        status: 200,
        type: 'text/xml',
        body: '<GetWebIdentityTokenResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetWebIdentityTokenResult>'
          + `<WebIdentityToken>${jwt}</WebIdentityToken><Expiration>2030-01-01T00:00:00Z</Expiration></GetWebIdentityTokenResult>`
          + '<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetWebIdentityTokenResponse>',
      }
      : { status: 400, body: '{}' });
    await expect(connector('OUTBOUND_TOKEN').fetchOne('SELECT 1')).rejects.toMatchObject({ code: 'WORKLOAD_IDENTITY_REFUSED' });
    expect(aws.requests).toHaveLength(1);
    expect(aws.requests[0].body).toMatch(/Action=GetWebIdentityToken/);
    expect(aws.requests[0].body).toMatch(/Audience\.member\.1=snowflakecomputing\.com/);
    expect(logins()[0].data).toEqual(expect.objectContaining({ AUTHENTICATOR: 'WORKLOAD_IDENTITY', PROVIDER: 'AWS', TOKEN: jwt }));
  });

  test('(failing case) OUTBOUND_TOKEN refused by STS: WORKLOAD_IDENTITY_ATTESTATION_FAILED, naming what the role and account need', async () => {
    aws.answer = () => ({
      status: 403,
      type: 'text/xml',
      body: '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code>'
        + '<Message>not authorized to perform: sts:GetWebIdentityToken</Message></Error><RequestId>r</RequestId></ErrorResponse>',
    });
    const error = await connector('OUTBOUND_TOKEN').fetchOne('SELECT 1').catch((e) => e);
    expect(error).toMatchObject({ name: 'AuthenticationError', code: 'WORKLOAD_IDENTITY_ATTESTATION_FAILED' });
    expect(error.message).toMatch(/AccessDenied.*sts:GetWebIdentityToken.*outbound identity federation/);
    expect(logins()).toEqual([]);
  });
});
