/**
 * End to end: the bundled key-material asset runs in a fresh Node process with a Lambda-like
 * environment, through the real AWS SDK, against moto's Secrets Manager on loopback, and
 * answers on a loopback stand-in for CloudFormation's response URL.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { LOOPBACK_RESPONSE_URL_ENV } from '../../../src/runtime/shared/cfn-response';
import { parseSecretValue } from '../../../src/runtime/shared/secret-value';
import { STACK_ID_ENV } from '../../../src/shared/pinned-environment';
import { TRUNCATED_PKCS8_PEM } from '../../fixtures/fake-keys';
import { ResponseServer, startResponseServer } from '../../support/cfn-response-server';
import { invokeAsset } from '../../support/lambda-process';
import { awsEnvFor, MotoServer, startMoto } from '../../support/moto';
import { scanText } from '../../support/secret-scan';

let moto: MotoServer;
let responses: ResponseServer;
let sm: SecretsManagerClient;
let env: Record<string, string>;
let counter = 0;
const STACK_ID = 'arn:aws:cloudformation:us-east-1:123456789012:stack/Test/11111111-2222-3333-4444-555555555555';
const capturedOutput: string[] = [];
const knownSecrets: string[] = [];

beforeAll(async () => {
  [moto, responses] = await Promise.all([startMoto(), startResponseServer()]);
  // The stack the function was deployed in; loopback answers allowed (test only: no construct sets it).
  env = { ...awsEnvFor(moto), [STACK_ID_ENV]: STACK_ID, [LOOPBACK_RESPONSE_URL_ENV]: 'true' };
  sm = new SecretsManagerClient({
    region: 'us-east-1',
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
});

afterAll(async () => {
  // Nothing the handler printed or answered, in any test, holds key material.
  try {
    const everything = [...capturedOutput, ...responses.raw].join('\n');
    expect(knownSecrets.length).toBeGreaterThan(0);
    expect(scanText(everything, 'handler output and responses', knownSecrets)).toEqual([]);
  } finally {
    sm?.destroy();
    await Promise.all([moto?.stop(), responses?.close()]);
  }
});

async function newSecret(value = '{}'): Promise<string> {
  const out = await sm.send(new CreateSecretCommand({ Name: `snowflake/test-${++counter}-${Date.now()}`, SecretString: value }));
  return out.ARN!;
}

interface EventOptions {
  requestType: 'Create' | 'Update' | 'Delete';
  props: Record<string, unknown>;
  oldProps?: Record<string, unknown>;
  physicalId?: string;
}

function props(secretId: string, overrides: Record<string, unknown> = {}, connection: Record<string, string> = {}) {
  return {
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:provider',
    SecretId: secretId,
    Mode: 'GENERATE',
    KeySize: '2048',
    EncryptPrivateKey: 'false',
    KeyGeneration: '1',
    Connection: { account: 'myorg-myaccount', user: 'SVC_LOADER', warehouse: 'LOAD_WH', ...connection },
    ...overrides,
  };
}

async function send(options: EventOptions): Promise<Record<string, unknown>> {
  const key = `req-${++counter}`;
  const event = {
    RequestType: options.requestType,
    ServiceToken: options.props.ServiceToken,
    ResponseURL: responses.url(key),
    StackId: STACK_ID,
    RequestId: `request-${key}`,
    LogicalResourceId: 'SecretKeyMaterial',
    ResourceType: 'Custom::SnowflakeKeyMaterial',
    ResourceProperties: options.props,
    ...(options.oldProps ? { OldResourceProperties: options.oldProps } : {}),
    ...(options.physicalId ? { PhysicalResourceId: options.physicalId } : {}),
  };
  const run = await invokeAsset('key-material', event, env);
  capturedOutput.push(run.stdout, run.stderr);
  expect(run.error).toBeUndefined();
  expect(run.exitCode).toBe(0);
  const body = responses.bodies.get(key);
  if (!body) throw new Error(`no response for ${key}: ${run.stderr}`);
  return body;
}

async function stored(secretId: string, stage = 'AWSCURRENT') {
  const out = await sm.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }));
  const value = JSON.parse(out.SecretString!);
  for (const field of ['privateKey', 'passphrase']) if (value[field]) knownSecrets.push(value[field]);
  return { value, versionId: out.VersionId! };
}

function fingerprintOf(privateKeyPem: string, passphrase?: string): { spki: string; fp: string } {
  const key = createPrivateKey(passphrase ? { key: privateKeyPem, passphrase } : privateKeyPem);
  const der = createPublicKey(key).export({ type: 'spki', format: 'der' });
  return { spki: der.toString('base64'), fp: `SHA256:${createHash('sha256').update(der).digest('base64')}` };
}

describe('Create', () => {
  test('stores a key node:crypto parses, and returns its public key and fingerprint', async () => {
    const secretId = await newSecret();
    const response = await send({ requestType: 'Create', props: props(secretId) });

    expect(response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: secretId, NoEcho: false });
    const { value } = await stored(secretId);
    expect(Object.keys(value)).toEqual(['account', 'user', 'warehouse', 'privateKey', 'keySettings']);
    expect(value.keySettings).toBe('G1-RSA2048');
    expect(value).toMatchObject({ account: 'myorg-myaccount', user: 'SVC_LOADER', warehouse: 'LOAD_WH' });
    const key = createPrivateKey(value.privateKey);
    expect(key.asymmetricKeyType).toBe('rsa');
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(value.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);

    const { spki, fp } = fingerprintOf(value.privateKey);
    const data = response.Data as Record<string, string>;
    expect(data).toEqual({ PublicKey: spki, PublicKeyFingerprint: fp });
    expect(data.PublicKey).toMatch(/^MII[A-Za-z0-9+/=]+$/);
    // The response carries the public half only.
    expect(JSON.stringify(response)).not.toContain(value.privateKey.split('\n')[1]);
  });

  test('encrypts the private key with a random passphrase stored beside it, 4096 bits', async () => {
    const secretId = await newSecret();
    const response = await send({ requestType: 'Create', props: props(secretId, { KeySize: '4096', EncryptPrivateKey: 'true' }) });

    expect(response.Status).toBe('SUCCESS');
    const { value } = await stored(secretId);
    expect(value.privateKey).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
    expect(value.passphrase).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(() => createPrivateKey(value.privateKey)).toThrow();
    expect(() => createPrivateKey({ key: value.privateKey, passphrase: 'wrong passphrase' })).toThrow();
    const key = createPrivateKey({ key: value.privateKey, passphrase: value.passphrase });
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(4096);
    expect((response.Data as Record<string, string>).PublicKeyFingerprint).toBe(fingerprintOf(value.privateKey, value.passphrase).fp);
  });

  test('bring-your-own-key mode writes the connection settings only', async () => {
    const secretId = await newSecret();
    const response = await send({
      requestType: 'Create',
      props: props(secretId, { Mode: 'BRING_YOUR_OWN', KeySize: undefined, EncryptPrivateKey: undefined, KeyGeneration: undefined }),
    });
    expect(response).toMatchObject({ Status: 'SUCCESS', Data: {} });
    const { value } = await stored(secretId);
    expect(value).toEqual({ account: 'myorg-myaccount', user: 'SVC_LOADER', warehouse: 'LOAD_WH' });
    // Runtime code reading it before an administrator pastes the key gets a clear error.
    expect(() => parseSecretValue(secretId, JSON.stringify(value))).toThrow(/field "privateKey": is not set yet.*still unfilled/);
  });
});

describe('Update', () => {
  test('a new warehouse keeps the key and rewrites only the connection settings', async () => {
    const secretId = await newSecret();
    const before = props(secretId);
    const created = await send({ requestType: 'Create', props: before });
    const first = await stored(secretId);

    const after = props(secretId, {}, { warehouse: 'OTHER_WH', role: 'LOADER' });
    const updated = await send({ requestType: 'Update', props: after, oldProps: before, physicalId: secretId });

    expect(updated.Status).toBe('SUCCESS');
    expect(updated.Data).toEqual(created.Data);
    const second = await stored(secretId);
    expect(second.versionId).not.toBe(first.versionId);
    expect(second.value.privateKey).toBe(first.value.privateKey);
    expect(second.value).toMatchObject({ warehouse: 'OTHER_WH', role: 'LOADER' });
  });

  test('an update with unchanged settings writes nothing', async () => {
    const secretId = await newSecret();
    const p = props(secretId);
    await send({ requestType: 'Create', props: p });
    const first = await stored(secretId);
    const updated = await send({ requestType: 'Update', props: p, oldProps: p, physicalId: secretId });
    expect(updated.Status).toBe('SUCCESS');
    const second = await stored(secretId);
    expect(second.versionId).toBe(first.versionId);
  });

  test('a new keyGeneration replaces the key and keeps the old one as AWSPREVIOUS', async () => {
    const secretId = await newSecret();
    const before = props(secretId);
    const created = await send({ requestType: 'Create', props: before });
    const first = await stored(secretId);

    const after = props(secretId, { KeyGeneration: '2' });
    const updated = await send({ requestType: 'Update', props: after, oldProps: before, physicalId: secretId });

    const second = await stored(secretId);
    expect(second.value.privateKey).not.toBe(first.value.privateKey);
    expect((updated.Data as Record<string, string>).PublicKeyFingerprint).toBe(fingerprintOf(second.value.privateKey).fp);
    expect(updated.Data).not.toEqual(created.Data);
    const previous = await stored(secretId, 'AWSPREVIOUS');
    expect(previous.value.privateKey).toBe(first.value.privateKey);
  });

  test('bring-your-own-key: a pasted key survives a settings update', async () => {
    const secretId = await newSecret();
    const before = props(secretId, { Mode: 'BRING_YOUR_OWN' });
    await send({ requestType: 'Create', props: before });
    const pasted = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    knownSecrets.push(pasted);
    const { value } = await stored(secretId);
    await sm.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: JSON.stringify({ ...value, privateKey: pasted }) }));

    const after = props(secretId, { Mode: 'BRING_YOUR_OWN' }, { warehouse: 'OTHER_WH' });
    const updated = await send({ requestType: 'Update', props: after, oldProps: before, physicalId: secretId });
    expect(updated.Status).toBe('SUCCESS');
    const now = await stored(secretId);
    expect(now.value.privateKey).toBe(pasted);
    expect(now.value.warehouse).toBe('OTHER_WH');
  });
});

describe('Delete', () => {
  test.each([['RETAIN'], ['DESTROY']])('leaves the secret and its key to CloudFormation (removal policy %s is its DeletionPolicy)', async () => {
    const secretId = await newSecret();
    const p = props(secretId);
    await send({ requestType: 'Create', props: p });
    const before = await stored(secretId);
    const deleted = await send({ requestType: 'Delete', props: p, physicalId: secretId });
    expect(deleted).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: secretId });
    const after = await stored(secretId);
    expect(after.versionId).toBe(before.versionId);
    expect(after.value.privateKey).toBe(before.value.privateKey);
  });

  test('succeeds even when the properties no longer parse, so a rollback cannot get stuck', async () => {
    const deleted = await send({ requestType: 'Delete', props: { ServiceToken: 'x', SecretId: '' }, physicalId: 'SecretKeyMaterial-failed' });
    expect(deleted).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'SecretKeyMaterial-failed' });
  });
});

describe('Rollback', () => {
  test('a rolled-back keyGeneration restores the original key instead of generating a third', async () => {
    const secretId = await newSecret();
    const gen1 = props(secretId);
    const created = await send({ requestType: 'Create', props: gen1 });
    const original = await stored(secretId);

    const gen2 = props(secretId, { KeyGeneration: '2' });
    await send({ requestType: 'Update', props: gen2, oldProps: gen1, physicalId: secretId });
    expect((await stored(secretId)).value.privateKey).not.toBe(original.value.privateKey);

    // Another resource failed: CloudFormation rolls back with the old properties as the new ones.
    const rolledBack = await send({ requestType: 'Update', props: gen1, oldProps: gen2, physicalId: secretId });
    expect(rolledBack.Status).toBe('SUCCESS');
    expect(rolledBack.Data).toEqual(created.Data);
    expect((await stored(secretId)).value.privateKey).toBe(original.value.privateKey);
  });

  test('a rollback after a settings-only change keeps the key', async () => {
    const secretId = await newSecret();
    const before = props(secretId);
    await send({ requestType: 'Create', props: before });
    const original = await stored(secretId);
    const after = props(secretId, {}, { warehouse: 'OTHER_WH' });
    await send({ requestType: 'Update', props: after, oldProps: before, physicalId: secretId });
    await send({ requestType: 'Update', props: before, oldProps: after, physicalId: secretId });
    const now = await stored(secretId);
    expect(now.value.privateKey).toBe(original.value.privateKey);
    expect(now.value.warehouse).toBe('LOAD_WH');
  });

  test('switching from bring-your-own-key to generate adopts the pasted key rather than replacing it', async () => {
    const secretId = await newSecret();
    const byok = props(secretId, { Mode: 'BRING_YOUR_OWN' });
    await send({ requestType: 'Create', props: byok });
    const pasted = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    knownSecrets.push(pasted);
    const { value } = await stored(secretId);
    await sm.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: JSON.stringify({ ...value, privateKey: pasted }) }));

    const generate = props(secretId);
    const updated = await send({ requestType: 'Update', props: generate, oldProps: byok, physicalId: secretId });
    expect((updated.Data as Record<string, string>).PublicKeyFingerprint).toBe(fingerprintOf(pasted).fp);
    expect((await stored(secretId)).value.privateKey).toBe(pasted);
  });
});

describe('Failures are reported, redacted, and leave the secret as it was', () => {
  test('a value that is not JSON is not overwritten', async () => {
    const secretId = await newSecret('-----BEGIN PRIVATE KEY-----\nnot json at all\n-----END PRIVATE KEY-----');
    const before = await sm.send(new GetSecretValueCommand({ SecretId: secretId }));
    const response = await send({ requestType: 'Create', props: props(secretId) });
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(/current value is not JSON, so it was not overwritten/);
    const after = await sm.send(new GetSecretValueCommand({ SecretId: secretId }));
    expect(after.VersionId).toBe(before.VersionId);
  });

  test('an unreadable stored key is kept, and the reason says how to replace it without echoing it', async () => {
    const broken = TRUNCATED_PKCS8_PEM;
    knownSecrets.push(broken.split('\n')[1]);
    const secretId = await newSecret(JSON.stringify({ account: 'myorg-myaccount', user: 'SVC_LOADER', privateKey: broken }));
    const p = props(secretId);
    const response = await send({ requestType: 'Update', props: p, oldProps: p, physicalId: secretId });
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(/cannot be used.*It was kept as it is.*keyGeneration/s);
    expect(String(response.Reason)).not.toContain('MIIEvQ');
    const { value } = await stored(secretId);
    expect(value.privateKey).toBe(broken);
  });

  test('a secret that does not exist fails with the SDK\'s cause', async () => {
    const missing = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:does-not-exist-AbCdEf';
    const response = await send({ requestType: 'Create', props: props(missing) });
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(/ResourceNotFoundException/);
  });
});

describe('Who is asking: only its own stack, answered through S3 (refused, logged, the URL never called)', () => {
  /** Invokes the bundled function with an event the test shapes; returns what it threw and printed. */
  async function invokeAs(shape: { stackId?: string; responseUrl?: (key: string) => string; env?: Record<string, string> }) {
    const secretId = await newSecret();
    const key = `req-${++counter}`;
    const event = {
      RequestType: 'Create',
      ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:provider',
      ResponseURL: (shape.responseUrl ?? responses.url)(key),
      StackId: shape.stackId ?? STACK_ID,
      RequestId: `request-${key}`,
      LogicalResourceId: 'SecretKeyMaterial',
      ResourceType: 'Custom::SnowflakeKeyMaterial',
      ResourceProperties: props(secretId),
    };
    const connectionsBefore = responses.connections();
    const run = await invokeAsset('key-material', event, shape.env ?? env);
    capturedOutput.push(run.stdout, run.stderr);
    return { run, key, secretId, called: responses.connections() - connectionsBefore, output: run.stdout + run.stderr };
  }

  test('(control) its own stack and an allowed URL: answered, the key written', async () => {
    const { run, key, called } = await invokeAs({});
    expect(run.error).toBeUndefined();
    expect(called).toBe(1);
    expect(responses.bodies.get(key)).toMatchObject({ Status: 'SUCCESS' });
  });

  test('another stack\'s StackId: refused and logged, nothing written, the URL not called', async () => {
    const { run, key, called, secretId, output } = await invokeAs({ stackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/Other/99999999-2222-3333-4444-555555555555' });
    expect(run.error).toMatch(/Refused this custom-resource event, and did not call its ResponseURL: the event's StackId .*stack\/Other.* is not this function's stack/);
    expect(output).toMatch(/Refused a custom-resource event; its ResponseURL was not called/);
    expect(called).toBe(0);
    expect(responses.bodies.has(key)).toBe(false);
    // Nothing written: the secret holds the value it was created with.
    expect((await stored(secretId)).value).toEqual({});
  });

  test('a function without its stack id (never deployed by the construct) refuses everything', async () => {
    const { [STACK_ID_ENV]: _, ...withoutStack } = env;
    const { run, called } = await invokeAs({ env: withoutStack });
    expect(run.error).toMatch(/SNOWFLAKE_CFN_STACK_ID is not set/);
    expect(called).toBe(0);
  });

  test('plain http to loopback without the test-only switch (as deployed): refused, not called', async () => {
    const { [LOOPBACK_RESPONSE_URL_ENV]: _, ...deployed } = env;
    const { run, key, called } = await invokeAs({ env: deployed });
    expect(run.error).toMatch(/ResponseURL is http: to 127\.0\.0\.1:\d+, not https/);
    expect(called).toBe(0);
    expect(responses.bodies.has(key)).toBe(false);
  });

  test.each([
    ['https to a host that is not S3', (key: string) => `https://127.0.0.1:${responses.port}/${key}?X-Amz-Signature=abc`, /host 127\.0\.0\.1:\d+ is not an Amazon S3 endpoint/],
    ['https to a look-alike of S3', (key: string) => `https://s3.amazonaws.com.127.0.0.1.nip.io:${responses.port}/${key}?X-Amz-Signature=abc`, /is not an Amazon S3 endpoint/],
    ['an S3 URL that is not pre-signed', (key: string) => `https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/${key}`, /is not pre-signed/],
  ])('%s: refused, not called', async (_, responseUrl, reason) => {
    const { run, called } = await invokeAs({ responseUrl });
    expect(run.error).toMatch(reason);
    expect(called).toBe(0);
  });
});
