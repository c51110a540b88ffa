/**
 * Unit level: the secret reader's caching and error mapping, with Secrets Manager faults injected
 * by aws-sdk-client-mock. The same behaviour is shown end to end in troubleshooting.e2e.test.ts.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { isTransientAwsError, regionOfSecretArn, SecretReader } from '../../../src/runtime/connector/credentials';
import { SecretAccessError, SecretFormatError, TransientError } from '../../../src/runtime/shared/errors';
import { KeyFormatError } from '../../../src/runtime/shared/private-key';
import { rsaKey } from '../../support/keys';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:snowflake/loader-AbCdEf';
const key = rsaKey();
const GOOD = JSON.stringify({ account: 'myorg-myaccount', user: 'SVC', privateKey: key.pkcs8Pem });
const NO_WAIT = { now: () => 0, sleep: async () => undefined, random: () => 0.5 };
const sm = mockClient(SecretsManagerClient);
let writes: string[] = [];
const write = process.stdout.write;
const writeErr = process.stderr.write;

beforeEach(() => {
  sm.reset();
  writes = [];
  process.stdout.write = ((chunk: string) => { writes.push(String(chunk)); return true; }) as never;
  process.stderr.write = ((chunk: string) => { writes.push(String(chunk)); return true; }) as never;
});
afterEach(() => {
  process.stdout.write = write;
  process.stderr.write = writeErr;
});

function reader(): SecretReader {
  return new SecretReader(ARN, { client: new SecretsManagerClient({ region: 'eu-west-1' }), retryEnvironment: NO_WAIT });
}

function awsError(name: string, message = name, status = 400): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

test('the region comes from the ARN; a name has none', () => {
  expect(regionOfSecretArn(ARN)).toBe('eu-west-1');
  expect(regionOfSecretArn('arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:x-AbCdEf')).toBe('cn-north-1');
  expect(regionOfSecretArn('snowflake/loader')).toBeUndefined();
});

test('a client made for an ARN uses the ARN\'s region, whatever AWS_REGION says', async () => {
  const previous = process.env.AWS_REGION;
  process.env.AWS_REGION = 'us-east-1';
  try {
    const r = new SecretReader(ARN);
    const region = await (r as unknown as { client: SecretsManagerClient }).client.config.region();
    expect(region).toBe('eu-west-1');
  } finally {
    process.env.AWS_REGION = previous;
  }
});

test('concurrent first calls share one read, and later calls reuse it', async () => {
  sm.on(GetSecretValueCommand).resolves({ SecretString: GOOD, VersionId: 'v1' });
  const r = reader();
  const all = await Promise.all([r.get(), r.get(), r.get()]);
  await r.get();
  expect(new Set(all).size).toBe(1);
  expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  expect(r.reads).toBe(1);
  // AWSCURRENT, explicitly: never AWSPENDING.
  expect(sm.commandCalls(GetSecretValueCommand)[0].args[0].input).toEqual({ SecretId: ARN, VersionStage: 'AWSCURRENT' });
  expect(all[0].authentication).toEqual(expect.objectContaining({ kind: 'keyPair', fingerprint: key.fingerprint }));
});

test('refresh bypasses the cache and reads AWSCURRENT again', async () => {
  sm.on(GetSecretValueCommand).resolvesOnce({ SecretString: GOOD, VersionId: 'v1' }).resolves({ SecretString: GOOD, VersionId: 'v2' });
  const r = reader();
  expect((await r.get()).versionId).toBe('v1');
  expect((await r.refresh()).versionId).toBe('v2');
  expect((await r.get()).versionId).toBe('v2');
  expect(sm.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input.VersionStage)).toEqual(['AWSCURRENT', 'AWSCURRENT']);
});

test('a failed read is not cached: the next call reads again', async () => {
  sm.on(GetSecretValueCommand).rejectsOnce(awsError('AccessDeniedException')).resolves({ SecretString: GOOD, VersionId: 'v1' });
  const r = reader();
  await expect(r.get()).rejects.toBeInstanceOf(SecretAccessError);
  expect((await r.get()).versionId).toBe('v1');
});

test('a secret that fails validation is not cached either', async () => {
  sm.on(GetSecretValueCommand).resolvesOnce({ SecretString: '{}' }).resolves({ SecretString: GOOD, VersionId: 'v2' });
  const r = reader();
  await expect(r.get()).rejects.toBeInstanceOf(SecretFormatError);
  expect((await r.get()).versionId).toBe('v2');
});

test.each([
  ['ThrottlingException', 400, true],
  ['InternalServiceError', 500, true],
  ['TimeoutError', 0, true],
  ['ResourceNotFoundException', 400, false],
  ['AccessDeniedException', 400, false],
  ['DecryptionFailure', 400, false],
])('%s (HTTP %d) is transient: %s', (name, status, transient) => {
  expect(isTransientAwsError(awsError(name, name, status || (undefined as never)))).toBe(transient);
});

test('throttling is retried with backoff, then succeeds', async () => {
  sm.on(GetSecretValueCommand)
    .rejectsOnce(awsError('ThrottlingException', 'Rate exceeded'))
    .rejectsOnce(awsError('ThrottlingException', 'Rate exceeded'))
    .resolves({ SecretString: GOOD, VersionId: 'v1' });
  const r = reader();
  expect((await r.get()).versionId).toBe('v1');
  expect(r.reads).toBe(3);
  expect(writes.join('')).toContain('Secrets Manager call failed; retrying');
});

test('throttling on every attempt gives a TransientError after the policy\'s attempts', async () => {
  sm.on(GetSecretValueCommand).rejects(awsError('ThrottlingException', 'Rate exceeded'));
  const r = reader();
  const error = await r.get().catch((e) => e);
  expect(error).toBeInstanceOf(TransientError);
  expect(error.code).toBe('SECRET_UNAVAILABLE');
  expect(error.retryable).toBe(true);
  expect(r.reads).toBe(4);
});

test('a key error names the secret and the field, never the key', async () => {
  sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ account: 'myorg-myaccount', user: 'SVC', privateKey: key.publicPem }) });
  const error = await reader().get().catch((e) => e);
  expect(error).toBeInstanceOf(KeyFormatError);
  expect(error.message).toMatch(new RegExp(`^Secret ${ARN.replace(/[/]/g, '\\/')}, field "privateKey": privateKey holds a public key`));
  expect(error.message).not.toContain(key.publicPem.split('\n')[1]);
  expect(error.message).not.toMatch(/MII/);
});

test('the fingerprint is logged at info; the key never is', async () => {
  sm.on(GetSecretValueCommand).resolves({ SecretString: GOOD, VersionId: 'v1' });
  await reader().get();
  const lines = writes.join('').trim().split('\n').map((l) => JSON.parse(l));
  expect(lines).toContainEqual(expect.objectContaining({ level: 'INFO', message: 'Read the Snowflake secret', publicKeyFingerprint: key.fingerprint }));
  expect(writes.join('')).not.toContain(key.pkcs8Pem.split('\n')[1]);
});

test('a legacy password secret is read, with a warning about single-factor passwords', async () => {
  sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ account: 'myorg-myaccount', username: 'SVC', password: 'hunter2-hunter2' }) });
  const credentials = await reader().get();
  expect(credentials.authentication).toEqual({ kind: 'password', password: 'hunter2-hunter2' });
  expect(credentials.settings.user).toBe('SVC');
  const out = writes.join('');
  expect(out).toMatch(/"level":"WARN".*blocking single-factor password sign-in for service users/);
  expect(out).not.toContain('hunter2-hunter2');
});

test.each([
  ['The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.'],
  ['Access to KMS is not allowed'],
])('AccessDeniedException about the KMS key (%s) gets KMS advice, not GetSecretValue advice', async (message) => {
  sm.on(GetSecretValueCommand).rejects(awsError('AccessDeniedException', message));
  const error = await reader().get().catch((e) => e);
  expect(error).toBeInstanceOf(SecretAccessError);
  expect(error.code).toBe('SECRET_DECRYPT_DENIED');
  expect(error.message).toMatch(/kms:Decrypt through Secrets Manager/);
  expect(error.message).toMatch(/key policy/);
  expect(error.message).not.toMatch(/Grant secretsmanager:GetSecretValue/);
});

test('AccessDeniedException about the secret itself still gets GetSecretValue advice', async () => {
  sm.on(GetSecretValueCommand).rejects(awsError('AccessDeniedException', 'User: arn:aws:sts::123456789012:assumed-role/x is not authorized to perform: secretsmanager:GetSecretValue'));
  const error = await reader().get().catch((e) => e);
  expect(error.code).toBe('SECRET_ACCESS_DENIED');
});

test.each([
  // AWS's wording, and moto's.
  ['You can\'t perform this operation on the secret because it was marked for deletion.'],
  ['You tried to perform the operation on a secret that\'s currently marked deleted.'],
])('a secret scheduled for deletion (%s) says so, and how to restore it', async (message) => {
  sm.on(GetSecretValueCommand).rejects(awsError('InvalidRequestException', message));
  const error = await reader().get().catch((e) => e);
  expect(error).toBeInstanceOf(SecretAccessError);
  expect(error.code).toBe('SECRET_MARKED_FOR_DELETION');
  expect(error.message).toContain(`\`aws secretsmanager restore-secret --secret-id ${ARN}\``);
});

test('another InvalidRequestException keeps its code', async () => {
  sm.on(GetSecretValueCommand).rejects(awsError('InvalidRequestException', 'The secret is managed by another service'));
  const error = await reader().get().catch((e) => e);
  expect(error.code).toBe('SECRET_NOT_FOUND');
});

test('base64 of a PEM file is read, with a warning that carries nothing of the key', async () => {
  const encoded = Buffer.from(key.pkcs8Pem).toString('base64');
  sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ account: 'myorg-myaccount', user: 'SVC', privateKey: encoded }), VersionId: 'v1' });
  const credentials = await reader().get();
  expect(credentials.authentication).toEqual(expect.objectContaining({ kind: 'keyPair', fingerprint: key.fingerprint }));
  const out = writes.join('');
  expect(out).toMatch(/"level":"WARN","message":"privateKey holds base64 of a PEM file/);
  expect(out).not.toContain(encoded.slice(100, 112));
  expect(out).not.toContain(key.pkcs8Pem.split('\n')[1].slice(0, 12));
});
