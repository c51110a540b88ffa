/**
 * The SigV4 signer (src/runtime/shared/sigv4.ts) against two authorities:
 * - AWS's Signature Version 4 test suite (the "aws-sig-v4-test-suite" published with the SigV4
 *   documentation; its request/signature pairs as kept in @smithy/signature-v4's suite.fixture.ts,
 *   https://github.com/smithy-lang/smithy-typescript/blob/main/packages/signature-v4/src/suite.fixture.ts);
 * - the AWS SDK's own signer (@smithy/signature-v4, inside the SDK's Secrets Manager client from
 *   node_modules): the GetSecretValue request it signs, signed by ours with the same credentials and
 *   time, gives the same Authorization header, with and without a session token.
 * And the failing side: any change of a signed header, the body, the key or the time changes the signature.
 */
import { createHash, createHmac } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { amzDate, AwsCredentials, signRequest, SignableRequest, uriEncode } from '../../../src/runtime/shared/sigv4';

// The suite's credentials, scope and time (they are AWS's published examples, not real keys).
const SUITE = {
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
  region: 'us-east-1',
  service: 'service',
  date: new Date('2015-08-30T12:36:00Z'),
};
const SUITE_TOKEN = 'AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/'
  + 'qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+'
  + 'scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==';
const SCOPE = 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request';

const vectors: { name: string; request: SignableRequest; sessionToken?: string; authorization: string }[] = [
  {
    name: 'get-vanilla',
    request: { method: 'GET', host: 'example.amazonaws.com', path: '/' },
    authorization: `${SCOPE}, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31`,
  },
  {
    name: 'post-vanilla',
    request: { method: 'POST', host: 'example.amazonaws.com', path: '/' },
    authorization: `${SCOPE}, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b`,
  },
  {
    name: 'post-x-www-form-urlencoded',
    request: { method: 'POST', host: 'example.amazonaws.com', path: '/', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'Param1=value1' },
    authorization: `${SCOPE}, SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a`,
  },
  {
    name: 'post-x-www-form-urlencoded-parameters',
    request: {
      method: 'POST',
      host: 'example.amazonaws.com',
      path: '/',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf8' },
      body: 'Param1=value1',
    },
    authorization: `${SCOPE}, SignedHeaders=content-type;host;x-amz-date, Signature=1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe`,
  },
  {
    name: 'post-sts-header-before (a session token, signed)',
    request: { method: 'POST', host: 'example.amazonaws.com', path: '/' },
    sessionToken: SUITE_TOKEN,
    authorization: `${SCOPE}, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead`,
  },
  {
    name: 'get-header-value-trim',
    request: { method: 'GET', host: 'example.amazonaws.com', path: '/', headers: { 'my-header1': 'value1', 'my-header2': '"a   b   c"' } },
    authorization: `${SCOPE}, SignedHeaders=host;my-header1;my-header2;x-amz-date, Signature=acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736`,
  },
  {
    name: 'get-vanilla-query-order-key-case',
    request: { method: 'GET', host: 'example.amazonaws.com', path: '/', query: { Param2: 'value2', Param1: 'value1' } },
    authorization: `${SCOPE}, SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500`,
  },
  {
    name: 'get-utf8',
    request: { method: 'GET', host: 'example.amazonaws.com', path: '/ሴ' },
    authorization: `${SCOPE}, SignedHeaders=host;x-amz-date, Signature=8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85`,
  },
];

describe('AWS\'s SigV4 test suite', () => {
  test.each(vectors)('$name', ({ request, sessionToken, authorization }) => {
    const credentials = { ...SUITE.credentials, ...(sessionToken ? { sessionToken } : {}) };
    const signed = signRequest(request, { ...SUITE, credentials });
    expect(signed.headers.authorization).toBe(authorization);
    expect(signed.headers['x-amz-date']).toBe('20150830T123600Z');
  });

  test('the intermediate values follow the documented layout (get-vanilla)', () => {
    const signed = signRequest(vectors[0].request, SUITE);
    const emptyHash = createHash('sha256').update('').digest('hex');
    expect(signed.canonicalRequest).toBe(`GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n${emptyHash}`);
    expect(signed.stringToSign.split('\n').slice(0, 3)).toEqual(['AWS4-HMAC-SHA256', '20150830T123600Z', '20150830/us-east-1/service/aws4_request']);
    // The signature is HMAC(signing key, string to sign), the key derived from the secret by the documented chain.
    const h = (k: string | Buffer, d: string) => createHmac('sha256', k).update(d).digest();
    const key = h(h(h(h(`AWS4${SUITE.credentials.secretAccessKey}`, '20150830'), 'us-east-1'), 'service'), 'aws4_request');
    expect(signed.headers.authorization).toContain(`Signature=${createHmac('sha256', key).update(signed.stringToSign).digest('hex')}`);
  });

  test('UriEncode and the date format', () => {
    expect(uriEncode("a b!'()*~-._/+=")).toBe('a%20b%21%27%28%29%2A~-._%2F%2B%3D');
    expect(amzDate(new Date('2026-01-02T03:04:05.678Z'))).toBe('20260102T030405Z');
  });
});

describe('the same signature as the AWS SDK (@smithy/signature-v4, inside its Secrets Manager client)', () => {
  const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:snowflake/loader-AbCdEf';
  // Made-up credentials in the shape Lambda gives (an ASIA... key with a session token).
  const keys = { accessKeyId: 'ASIAEXAMPLEEXAMPLE01', secretAccessKey: 'example/secret/access/key/not/a/real/one0000' };

  /** The request the SDK's client signs and would send (captured by its request handler, never sent). */
  async function sdkRequest(region: string, endpoint: string, credentials: AwsCredentials) {
    type Captured = { method: string; hostname: string; port?: number; path: string; headers: Record<string, string>; body: string | Uint8Array };
    let captured: Captured | undefined;
    const client = new SecretsManagerClient({
      region,
      endpoint,
      credentials,
      maxAttempts: 1,
      requestHandler: {
        handle: async (request: typeof captured) => {
          captured = request;
          throw Object.assign(new Error('captured'), { name: 'Captured' });
        },
      } as never,
    });
    await client.send(new GetSecretValueCommand({ SecretId: SECRET, VersionStage: 'AWSCURRENT' })).catch((e) => {
      if (e.name !== 'Captured') throw e;
    });
    return captured!;
  }

  test.each([
    ['without a session token', undefined, 'eu-west-1', 'https://secretsmanager.eu-west-1.amazonaws.com'],
    ['with a session token', 'IQoJb3JpZ2luX2VjEXAMPLE//////////session+token/with=padding==', 'eu-west-1', 'https://secretsmanager.eu-west-1.amazonaws.com'],
    ['in a China region, on a port', 'token', 'cn-north-1', 'https://secretsmanager.cn-north-1.amazonaws.com.cn:8443'],
  ])('GetSecretValue %s: the same Authorization header for the same request, credentials and time', async (_, sessionToken, region, endpoint) => {
    const credentials: AwsCredentials = { ...keys, ...(sessionToken ? { sessionToken } : {}) };
    const sdk = await sdkRequest(region, endpoint, credentials);
    const header = (name: string) => Object.entries(sdk.headers).find(([k]) => k.toLowerCase() === name)?.[1];
    const sdkAuthorization = header('authorization')!;
    const signedNames = /SignedHeaders=([^,]+)/.exec(sdkAuthorization)![1].split(';');
    // Sign what the SDK signed, at the time the SDK signed it (its x-amz-date).
    const date = new Date(header('x-amz-date')!.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
    const headers = Object.fromEntries(signedNames.filter((n) => !['host', 'x-amz-date', 'x-amz-security-token'].includes(n)).map((n) => [n, header(n)!]));
    const body = typeof sdk.body === 'string' ? sdk.body : Buffer.from(sdk.body).toString('utf8');
    const host = sdk.port ? `${sdk.hostname}:${sdk.port}` : sdk.hostname;
    const ours = signRequest({ method: sdk.method, host, path: sdk.path, headers, body }, { credentials, region, service: 'secretsmanager', date });
    expect(ours.headers.authorization).toBe(sdkAuthorization);
    expect(ours.headers['x-amz-security-token']).toBe(header('x-amz-security-token'));
    expect(signedNames).toEqual(expect.arrayContaining(['content-type', 'host', 'x-amz-date', 'x-amz-target']));
    expect(signedNames.includes('x-amz-security-token')).toBe(sessionToken !== undefined);
    // And our client's request is the SDK's: the same body, content type and target.
    expect(JSON.parse(body)).toEqual({ SecretId: SECRET, VersionStage: 'AWSCURRENT' });
    expect([header('content-type'), header('x-amz-target')]).toEqual(['application/x-amz-json-1.1', 'secretsmanager.GetSecretValue']);
  });
});

describe('a changed request, key or time gives another signature (the failing side)', () => {
  const base: SignableRequest = {
    method: 'POST',
    host: 'secretsmanager.eu-west-1.amazonaws.com',
    path: '/',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.GetSecretValue' },
    body: '{"SecretId":"a"}',
  };
  const params = { credentials: { ...SUITE.credentials, sessionToken: 'token' }, region: 'eu-west-1', service: 'secretsmanager', date: SUITE.date };
  const signature = (request: SignableRequest, p = params) => /Signature=([0-9a-f]{64})$/.exec(signRequest(request, p).headers.authorization)![1];
  const reference = signature(base);

  test.each([
    ['the body', { ...base, body: '{"SecretId":"b"}' }, params],
    ['a signed header', { ...base, headers: { ...base.headers, 'x-amz-target': 'secretsmanager.PutSecretValue' } }, params],
    ['the host', { ...base, host: 'secretsmanager.eu-west-2.amazonaws.com' }, params],
    ['the method', { ...base, method: 'PUT' }, params],
    ['the session token', base, { ...params, credentials: { ...params.credentials, sessionToken: 'other' } }],
    ['the secret key', base, { ...params, credentials: { ...params.credentials, secretAccessKey: 'x' } }],
    ['the region', base, { ...params, region: 'eu-west-2' }],
    ['the time', base, { ...params, date: new Date(SUITE.date.getTime() + 1000) }],
  ])('%s', (_, request, p) => {
    expect(signature(request, p)).not.toBe(reference);
  });

  test('the same request signs the same way (the control)', () => {
    expect(signature({ ...base })).toBe(reference);
  });

  test('no key material in what the signer returns besides the Authorization header\'s signature', () => {
    const signed = signRequest(base, params);
    expect(JSON.stringify(signed)).not.toContain(SUITE.credentials.secretAccessKey);
  });
});
