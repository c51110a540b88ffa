/**
 * Unit level: the https client's endpoint, credentials, request and error parsing
 * (src/runtime/shared/secrets-manager.ts). The same client against moto, beside the AWS SDK's,
 * is in secrets-manager.e2e.test.ts.
 */
import { isTransientAwsError } from '../../../src/runtime/connector/secret-source';
import { HttpsAnswer, HttpsRequest } from '../../../src/runtime/shared/https';
import {
  credentialsFromEnvironment, errorCode, httpsSecretValueClient, secretsManagerEndpoint,
} from '../../../src/runtime/shared/secrets-manager';

const KEYS = { AWS_ACCESS_KEY_ID: 'ASIAEXAMPLEEXAMPLE01', AWS_SECRET_ACCESS_KEY: 'example-secret-access-key', AWS_SESSION_TOKEN: 'example-token' };
const DATE = new Date('2026-03-04T05:06:07Z');

describe('the endpoint', () => {
  test.each([
    ['eu-west-1', {}, 'https://secretsmanager.eu-west-1.amazonaws.com'],
    ['cn-north-1', {}, 'https://secretsmanager.cn-north-1.amazonaws.com.cn'],
    ['us-gov-west-1', {}, 'https://secretsmanager.us-gov-west-1.amazonaws.com'],
    ['us-iso-east-1', {}, 'https://secretsmanager.us-iso-east-1.c2s.ic.gov'],
    ['us-isob-east-1', {}, 'https://secretsmanager.us-isob-east-1.sc2s.sgov.gov'],
    ['eusc-de-east-1', {}, 'https://secretsmanager.eusc-de-east-1.amazonaws.eu'],
    ['us-east-1', { AWS_USE_FIPS_ENDPOINT: 'true' }, 'https://secretsmanager-fips.us-east-1.amazonaws.com'],
    ['us-gov-west-1', { AWS_USE_FIPS_ENDPOINT: 'TRUE' }, 'https://secretsmanager-fips.us-gov-west-1.amazonaws.com'],
    ['cn-north-1', { AWS_USE_FIPS_ENDPOINT: 'true' }, 'https://secretsmanager-fips.cn-north-1.amazonaws.com.cn'],
    ['us-east-1', { AWS_USE_FIPS_ENDPOINT: 'false' }, 'https://secretsmanager.us-east-1.amazonaws.com'],
    ['us-east-1', { AWS_USE_DUALSTACK_ENDPOINT: 'true' }, 'https://secretsmanager.us-east-1.amazonaws.com'],
    ['us-iso-east-1', { AWS_USE_DUALSTACK_ENDPOINT: 'true' }, 'https://secretsmanager.us-iso-east-1.api.aws.ic.gov'],
    ['us-iso-east-1', { AWS_USE_DUALSTACK_ENDPOINT: 'true', AWS_USE_FIPS_ENDPOINT: 'true' }, 'https://secretsmanager-fips.us-iso-east-1.api.aws.ic.gov'],
    ['eu-west-1', { AWS_ENDPOINT_URL: 'https://all.example.com/' }, 'https://all.example.com'],
    ['eu-west-1', { AWS_ENDPOINT_URL: 'https://all.example.com', AWS_ENDPOINT_URL_SECRETS_MANAGER: 'https://sm.example.com' }, 'https://sm.example.com'],
    ['eu-west-1', { AWS_ENDPOINT_URL_SECRETS_MANAGER: 'https://sm.example.com', AWS_USE_FIPS_ENDPOINT: 'true' }, 'https://sm.example.com'],
    ['eu-west-1', { AWS_ENDPOINT_URL_SECRETS_MANAGER: 'https://sm.example.com', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' },
      'https://secretsmanager.eu-west-1.amazonaws.com'],
  ])('%s with %j: %s', (region, env, expected) => {
    expect(secretsManagerEndpoint(region, env)).toBe(expected);
  });
});

describe('credentials from the environment', () => {
  test('all three, as Lambda sets them', () => {
    expect(credentialsFromEnvironment(KEYS)).toEqual({ accessKeyId: KEYS.AWS_ACCESS_KEY_ID, secretAccessKey: KEYS.AWS_SECRET_ACCESS_KEY, sessionToken: 'example-token' });
  });
  test('long-term keys need no session token', () => {
    expect(credentialsFromEnvironment({ ...KEYS, AWS_SESSION_TOKEN: undefined })).not.toHaveProperty('sessionToken');
  });
  test.each([
    [{ ...KEYS, AWS_ACCESS_KEY_ID: undefined }, 'AWS_ACCESS_KEY_ID is not set'],
    [{ ...KEYS, AWS_SECRET_ACCESS_KEY: ' ' }, 'AWS_SECRET_ACCESS_KEY is not set'],
    [{}, 'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set'],
  ])('missing: %j names what is missing and the fix, never a value', (env, expected) => {
    const error = (() => { try { credentialsFromEnvironment(env); } catch (e) { return e as Error; } return undefined; })();
    expect(error?.name).toBe('CredentialsProviderError');
    expect(error?.message).toContain(expected);
    expect(error?.message).toContain('execution role');
    for (const value of Object.values(KEYS)) expect(error?.message).not.toContain(value);
    expect(isTransientAwsError(error)).toBe(false);
  });
});

describe('error codes (awsJson1_1)', () => {
  test.each([
    [null, { __type: 'ResourceNotFoundException' }, 'ResourceNotFoundException'],
    [null, { __type: 'com.amazonaws.secretsmanager#ResourceNotFoundException' }, 'ResourceNotFoundException'],
    [null, { __type: 'AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral.service/' }, 'AccessDeniedException'],
    [null, { code: 'ThrottlingException' }, 'ThrottlingException'],
    ['ThrottlingException:http://internal', { __type: 'Other' }, 'ThrottlingException'],
    [null, {}, undefined],
    [null, undefined, undefined],
  ])('header %j, body %j: %s', (header, body, expected) => {
    expect(errorCode(header, body as Record<string, unknown> | undefined)).toBe(expected);
  });
});

describe('the request and the answers', () => {
  function client(status: number, body: string, headers: Record<string, string> = {}) {
    const requests: { url: string; init: HttpsRequest }[] = [];
    const fake = async (url: URL, init: HttpsRequest): Promise<HttpsAnswer> => {
      requests.push({ url: String(url), init });
      return { status, headers, text: body };
    };
    return { requests, c: httpsSecretValueClient({ region: 'eu-west-1', env: KEYS, now: () => DATE, send: fake }) };
  }

  test('a signed JSON 1.1 POST to the regional endpoint; the answer\'s fields', async () => {
    const { requests, c } = client(200, JSON.stringify({ ARN: 'arn', Name: 'n', SecretString: '{"a":1}', VersionId: 'v1', CreatedDate: 1.7e9 }));
    await expect(c.getSecretValue({ SecretId: 'arn', VersionStage: 'AWSCURRENT' })).resolves.toEqual({ ARN: 'arn', SecretString: '{"a":1}', VersionId: 'v1' });
    const [{ url, init }] = requests;
    const headers = init.headers as Record<string, string>;
    expect(url).toBe('https://secretsmanager.eu-west-1.amazonaws.com/');
    expect(init.method).toBe('POST');
    expect(init.body).toBe('{"SecretId":"arn","VersionStage":"AWSCURRENT"}');
    expect(headers).toEqual(expect.objectContaining({
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'secretsmanager.GetSecretValue',
      'x-amz-date': '20260304T050607Z',
      'x-amz-security-token': 'example-token',
    }));
    expect(headers.authorization).toMatch(new RegExp('^AWS4-HMAC-SHA256 Credential=ASIAEXAMPLEEXAMPLE01/20260304/eu-west-1/secretsmanager/aws4_request, '
      + 'SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=[0-9a-f]{64}$'));
    expect(init.signal).toBeInstanceOf(AbortSignal);
  });

  test.each([
    [400, '{"__type":"com.amazonaws.secretsmanager#ResourceNotFoundException","Message":"not found"}', {}, 'ResourceNotFoundException', 'not found', false],
    [400, '{"__type":"ThrottlingException","message":"Rate exceeded"}', {}, 'ThrottlingException', 'Rate exceeded', true],
    [500, '{"__type":"InternalServiceError","message":"oops"}', {}, 'InternalServiceError', 'oops', true],
    [502, '<html>bad gateway</html>', {}, 'Http502Error', 'Secrets Manager answered HTTP 502 with a body that is neither JSON nor an AWS error', true],
    [403, '<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>no match</Message></Error></ErrorResponse>', {}, 'SignatureDoesNotMatch', 'no match', false],
    [400, '{"message":"x"}', { 'x-amzn-errortype': 'UnrecognizedClientException:http://x' }, 'UnrecognizedClientException', 'x', false],
  ])('HTTP %d %s: named %s like the SDK\'s errors', async (status, body, headers, name, message, transient) => {
    const { c } = client(status, body, { 'x-amzn-requestid': 'req-1', ...headers });
    const error = await c.getSecretValue({ SecretId: 'arn' }).catch((e) => e);
    expect({ name: error.name, message: error.message, status: error.$metadata.httpStatusCode, requestId: error.$metadata.requestId })
      .toEqual({ name, message, status, requestId: 'req-1' });
    expect(isTransientAwsError(error)).toBe(transient);
  });

  test('a network failure keeps the socket\'s code; a timeout is a TimeoutError; both are transient', async () => {
    // node:https rejects with the socket's error itself.
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const failing = (error: unknown) => httpsSecretValueClient({ region: 'eu-west-1', env: KEYS, send: async () => { throw error; } });
    const e1 = await failing(reset).getSecretValue({ SecretId: 'arn' }).catch((e) => e);
    expect({ code: e1.code, message: e1.message, transient: isTransientAwsError(e1) })
      .toEqual({ code: 'ECONNRESET', message: 'Secrets Manager could not be reached: socket hang up', transient: true });
    const e2 = await failing(new DOMException('The operation was aborted due to timeout', 'TimeoutError')).getSecretValue({ SecretId: 'arn' }).catch((e) => e);
    expect({ name: e2.name, transient: isTransientAwsError(e2) }).toEqual({ name: 'TimeoutError', transient: true });
  });

  test('no region (a secret name, no AWS_REGION): a clear error; with AWS_REGION, the request goes out (the control)', async () => {
    const fake = async (): Promise<HttpsAnswer> => ({ status: 200, headers: {}, text: '{}' });
    const error = await httpsSecretValueClient({ env: KEYS, send: fake }).getSecretValue({ SecretId: 'name' }).catch((e) => e);
    expect(error.message).toMatch(/AWS_REGION is not set/);
    await expect(httpsSecretValueClient({ env: { ...KEYS, AWS_REGION: 'eu-west-1' }, send: fake }).getSecretValue({ SecretId: 'name' })).resolves.toEqual({});
  });
});
