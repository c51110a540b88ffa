/**
 * The bad-input catalogue of docs/troubleshooting.md, one test per row, end to end: the bundled
 * connector runs in a warm Lambda-like process, reads real secrets from moto through the real
 * AWS SDK, and logs in to the local Snowflake endpoint through the real snowflake-sdk.
 *
 * Each row must fail with a typed error whose code is stable and whose message names the cause
 * and the fix. All output of the process, the driver's included, is captured and scanned: no
 * key, passphrase or password may appear anywhere.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DeleteSecretCommand } from '@aws-sdk/client-secrets-manager';
import { LocalSnowflake, startLocalSnowflake } from '@cdk-snowflake-keypair/local-snowflake';
import { base64OfPemFile, opensshPrivateKey, SELF_SIGNED_CERTIFICATE_PEM } from '../../fixtures/key-forms';
import { AwsSide, FAST_RETRIES, leaks, startConnectorInstance } from '../../support/connector-fixture';
import { ecPem, encryptedPem, rsaKey, TestKey } from '../../support/keys';
import { REPO } from '../../support/lambda-process';
import { Invocation, LambdaInstance } from '../../support/lambda-runtime';
import { assumeExecutionRole, lambdaCredentialsEnv } from '../../support/workload-identity';

const ACCOUNT = 'TESTORG-TESTACCOUNT';
const USER = 'SVC_LOADER';

let aws: AwsSide;
let snowflake: LocalSnowflake;
let instance: LambdaInstance;
let key: TestKey;
let unregistered: TestKey;
const tested = new Set<string>();

beforeAll(async () => {
  aws = await AwsSide.start();
  // moto's STS issued the credentials of the rows that sign in with a workload identity.
  snowflake = await startLocalSnowflake({ account: ACCOUNT, sts: { endpointUrl: aws.moto.endpoint } });
  key = rsaKey();
  unregistered = rsaKey();
  aws.rememberKey(key);
  aws.rememberKey(unregistered);
  snowflake.addUser({ name: USER, publicKeys: [key.publicPem], defaultRole: 'LOADER', defaultWarehouse: 'LOAD_WH' });
  snowflake.addUser({ name: 'LEGACY_USER', password: 'legacy-password-123', defaultRole: 'LOADER' });
  snowflake.addUser({ name: 'SVC_CASED', publicKeys: [key.publicPem], grantedRoles: ['"loader"'] });
  aws.remember('legacy-password-123', 'wrong-password-456', 'the-passphrase-789', 'not-the-passphrase');
  instance = await startConnectorInstance({ ...aws.env(), SNOWFLAKE_ENDPOINT_URL: snowflake.url });
});

afterAll(async () => {
  try {
    // The whole process output, the driver's log included, carries no key material.
    const output = instance?.output() ?? '';
    expect(output.length).toBeGreaterThan(0);
    // The capture includes the driver's own log lines...
    expect(output).toContain('"message":"snowflake-sdk"');
    // ...and the scan finds a key when there is one (so the check below can fail).
    expect(leaks(`${output}\n${key.pkcs8Pem}`, aws.secrets)).not.toEqual([]);
    expect(leaks(output, aws.secrets)).toEqual([]);
    // And the driver wrote nothing into the working directory (no snowflake.log): it holds the
    // asset's own files only (the bundle, its third-party notices and its SBOM).
    expect(fs.readdirSync(instance.cwd).sort()).toEqual(['THIRD-PARTY-NOTICES.txt', 'index.js', 'sbom.cdx.json']);
  } finally {
    await instance?.stop();
    await Promise.all([aws?.stop(), snowflake?.stop()]);
  }
});

/** A good secret for USER, changed by `patch` (undefined removes a field). */
function secretFor(patch: Record<string, unknown> = {}): Record<string, unknown> {
  const value: Record<string, unknown> = { account: ACCOUNT, user: USER, privateKey: key.pkcs8Pem, warehouse: 'LOAD_WH', ...patch };
  for (const [k, v] of Object.entries(value)) if (v === undefined) delete value[k];
  return value;
}

async function invokeFresh(secretId: string, step: Record<string, unknown> = { op: 'fetchAll', sql: 'SELECT 1 AS ONE' }, options: Record<string, unknown> = {}): Promise<Invocation> {
  return instance.invoke({ secretId, options: { retryPolicy: FAST_RETRIES, ...options }, ...step });
}

interface Expected {
  readonly type: string;
  readonly code: string;
  /** Each must match the message: the cause, and the fix. */
  readonly says: RegExp[];
}

function expectFailure(invocation: Invocation, expected: Expected): void {
  expect(invocation.result).toBeUndefined();
  expect(invocation.error).toBeDefined();
  const { errorType, errorMessage, code } = invocation.error!;
  expect({ errorType, code }).toEqual({ errorType: expected.type, code: expected.code });
  for (const pattern of expected.says) expect(errorMessage).toMatch(pattern);
  expect(errorMessage).toMatch(new RegExp(`\\(${expected.code}\\)$`));
}

/** Runs `invoke`, and returns what the process wrote meanwhile. */
async function outputOf(invoke: () => Promise<Invocation>): Promise<{ invocation: Invocation; written: string }> {
  const before = instance.output().length;
  const invocation = await invoke();
  return { invocation, written: instance.output().slice(before) };
}

/** Declares one catalogue row; `id` is the row's anchor in docs/troubleshooting.md. */
function row(id: string, title: string, run: () => Promise<void>): void {
  tested.add(id);
  test(`${id}: ${title}`, run);
}

// --- The secret's content -----------------------------------------------------------------------

row('secret-not-json', 'a secret that is not JSON', async () => {
  const id = await aws.createSecret('account=TESTORG-TESTACCOUNT user=SVC_LOADER');
  expectFailure(await invokeFresh(id), { type: 'SecretFormatError', code: 'SECRET_NOT_JSON', says: [/is not JSON/, /store a JSON object/] });
});

row('secret-binary', 'a binary secret', async () => {
  const id = await aws.createSecret(new Uint8Array([1, 2, 3, 4]));
  expectFailure(await invokeFresh(id), { type: 'SecretFormatError', code: 'SECRET_BINARY', says: [/binary value/, /as SecretString/] });
});

row('secret-not-object', 'JSON that is not an object', async () => {
  const id = await aws.createSecret('["TESTORG-TESTACCOUNT"]');
  expectFailure(await invokeFresh(id), { type: 'SecretFormatError', code: 'SECRET_NOT_OBJECT', says: [/not an object/, /store a JSON object/] });
});

row('account-missing', 'no account', async () => {
  const id = await aws.createSecret(secretFor({ account: undefined }));
  expectFailure(await invokeFresh(id), { type: 'SecretFormatError', code: 'SECRET_FIELD_MISSING', says: [/field "account": is missing/, /myorg-myaccount/] });
});

row('account-url', 'an account given as a URL', async () => {
  const id = await aws.createSecret(secretFor({ account: 'https://testorg-testaccount.snowflakecomputing.com' }));
  expectFailure(await invokeFresh(id), { type: 'SecretFormatError', code: 'SECRET_FIELD_INVALID', says: [/field "account"/, /is a URL/, /Write `testorg-testaccount`/] });
});

row('account-dot-form', 'an account in the SQL form orgname.accountname', async () => {
  const id = await aws.createSecret(secretFor({ account: 'testorg.testaccount' }));
  expectFailure(await invokeFresh(id), { type: 'SecretFormatError', code: 'SECRET_FIELD_INVALID', says: [/field "account"/, /the hyphen: write `testorg-testaccount`/] });
});

row('account-unknown-form', 'an account in no known form', async () => {
  const id = await aws.createSecret(secretFor({ account: 'my org/account' }));
  expectFailure(await invokeFresh(id), { type: 'SecretFormatError', code: 'SECRET_FIELD_INVALID', says: [/field "account"/, /neither `orgname-accountname`/, /CURRENT_ORGANIZATION_NAME/] });
});

row('user-missing', 'no user (nor username)', async () => {
  const id = await aws.createSecret(secretFor({ user: undefined }));
  expectFailure(await invokeFresh(id), { type: 'SecretFormatError', code: 'SECRET_FIELD_MISSING', says: [/field "user": is missing/, /service user's name/] });
});

row('field-not-string', 'a field that is not a string', async () => {
  const id = await aws.createSecret(secretFor({ warehouse: ['LOAD_WH'] }));
  expectFailure(await invokeFresh(id), { type: 'SecretFormatError', code: 'SECRET_FIELD_INVALID', says: [/field "warehouse": must be a string, not an array/] });
});

row('host-not-snowflake', 'a host outside snowflakecomputing.com', async () => {
  const id = await aws.createSecret(secretFor({ host: 'snowflake.example.com' }));
  expectFailure(await invokeFresh(id), { type: 'SecretFormatError', code: 'SECRET_FIELD_INVALID', says: [/field "host"/, /snowflakecomputing\.com/] });
});

row('secret-unfilled', 'a bring-your-own-key secret still unfilled', async () => {
  const id = await aws.createSecret(secretFor({ privateKey: undefined }));
  expectFailure(await invokeFresh(id), { type: 'SecretFormatError', code: 'SECRET_UNFILLED', says: [/field "privateKey": is not set yet/, /still unfilled/, /must paste the PKCS#8 private key/] });
});

row('secret-fields-several', 'several fields missing at once: all are named', async () => {
  const id = await aws.createSecret('{}');
  expectFailure(await invokeFresh(id), {
    type: 'SecretFormatError',
    code: 'SECRET_FIELD_MISSING',
    says: [/3 fields are wrong \("account", "user", "privateKey"\)/, /Field "account": is missing/, /Field "user": is missing/, /Field "privateKey": is not set yet/],
  });
});

row('field-misnamed', 'a field under a near-miss name (private_key)', async () => {
  const id = await aws.createSecret(secretFor({ privateKey: undefined, private_key: key.pkcs8Pem }));
  expectFailure(await invokeFresh(id), {
    type: 'SecretFormatError',
    code: 'SECRET_FIELD_MISNAMED',
    says: [/field "privateKey": is missing: found "private_key"; the expected name is "privateKey"/, /Rename "private_key" to "privateKey"/],
  });
});

row('field-wrong-case', 'a field whose name differs only in case (Account)', async () => {
  const id = await aws.createSecret(secretFor({ account: undefined, Account: ACCOUNT }));
  expectFailure(await invokeFresh(id), {
    type: 'SecretFormatError',
    code: 'SECRET_FIELD_MISNAMED',
    says: [/field "account": is missing: found "Account"; the expected name is "account"/, /names are case-sensitive/],
  });
});

row('key-in-wrong-field', 'a key pasted into another field (account)', async () => {
  const body = key.pkcs8Pem.split('\n').filter((line) => line && !line.startsWith('-----')).join('\n');
  const id = await aws.createSecret(secretFor({ account: body }));
  const invocation = await invokeFresh(id);
  expectFailure(invocation, { type: 'SecretFormatError', code: 'SECRET_FIELD_INVALID', says: [/field "account": holds key material/, /belongs in "privateKey" only/] });
  // Not one line of the key is quoted, not even its first characters.
  for (const line of body.split('\n')) expect(invocation.error!.errorMessage).not.toContain(line.slice(0, 12));
});

row('secret-bom', 'a byte-order mark before the JSON (ignored, with a warning)', async () => {
  const id = await aws.createSecret(`\uFEFF${JSON.stringify(secretFor())}`);
  const { invocation, written } = await outputOf(() => invokeFresh(id));
  expect(invocation.error).toBeUndefined();
  expect(invocation.result).toEqual([{ ONE: 1 }]);
  expect(written).toMatch(/"level":"WARN","message":"The secret's value starts with a byte-order mark \(U\+FEFF\); it was ignored/);
});

// --- The key ------------------------------------------------------------------------------------

row('key-is-public', 'a public key where the private key belongs', async () => {
  const id = await aws.createSecret(secretFor({ privateKey: key.publicPem }));
  expectFailure(await invokeFresh(id), { type: 'KeyFormatError', code: 'KEY_IS_PUBLIC', says: [/holds a public key/, /Store the private half/] });
});

row('key-not-rsa', 'an EC key', async () => {
  const ec = ecPem();
  aws.remember(ec);
  const id = await aws.createSecret(secretFor({ privateKey: ec }));
  expectFailure(await invokeFresh(id), { type: 'KeyFormatError', code: 'KEY_NOT_RSA', says: [/is an EC key/, /RS256/, /openssl genrsa 2048/] });
});

row('key-truncated', 'a truncated PEM', async () => {
  const truncated = key.pkcs8Pem.slice(0, 400);
  const id = await aws.createSecret(secretFor({ privateKey: truncated }));
  expectFailure(await invokeFresh(id), { type: 'KeyFormatError', code: 'KEY_UNREADABLE', says: [/truncated/, /Paste the whole key/] });
});

row('key-damaged', 'a PEM whose body is damaged', async () => {
  const lines = key.pkcs8Pem.split('\n');
  const damaged = [...lines.slice(0, 3), ...lines.slice(6)].join('\n');
  const id = await aws.createSecret(secretFor({ privateKey: damaged }));
  expectFailure(await invokeFresh(id), { type: 'KeyFormatError', code: 'KEY_UNREADABLE', says: [/truncated or damaged/, /Paste the whole PKCS#8 key/] });
});

row('key-not-a-key', 'text that is neither PEM nor base64', async () => {
  const id = await aws.createSecret(secretFor({ privateKey: 'see the vault, entry 42' }));
  expectFailure(await invokeFresh(id), { type: 'KeyFormatError', code: 'KEY_UNREADABLE', says: [/neither PEM nor base64/] });
});

row('key-too-small', 'a 1024-bit RSA key', async () => {
  const small = rsaKey(1024);
  aws.rememberKey(small);
  const id = await aws.createSecret(secretFor({ privateKey: small.pkcs8Pem }));
  expectFailure(await invokeFresh(id), { type: 'KeyFormatError', code: 'KEY_TOO_SMALL', says: [/1024-bit/, /at least 2048 bits/] });
});

row('passphrase-missing', 'an encrypted key without passphrase', async () => {
  const encrypted = encryptedPem(key, 'the-passphrase-789');
  aws.remember(encrypted);
  const id = await aws.createSecret(secretFor({ privateKey: encrypted }));
  expectFailure(await invokeFresh(id), { type: 'KeyFormatError', code: 'KEY_PASSPHRASE_MISSING', says: [/encrypted, and the secret has no passphrase/, /Add the key's passphrase/] });
});

row('passphrase-wrong', 'an encrypted key with the wrong passphrase', async () => {
  const encrypted = encryptedPem(key, 'the-passphrase-789');
  aws.remember(encrypted);
  const id = await aws.createSecret(secretFor({ privateKey: encrypted, passphrase: 'not-the-passphrase' }));
  expectFailure(await invokeFresh(id), { type: 'KeyFormatError', code: 'KEY_PASSPHRASE_WRONG', says: [/could not be decrypted with the stored passphrase/, /Store the passphrase the key was encrypted with/] });
});

row('key-is-certificate', 'a certificate where the private key belongs', async () => {
  const id = await aws.createSecret(secretFor({ privateKey: SELF_SIGNED_CERTIFICATE_PEM }));
  expectFailure(await invokeFresh(id), { type: 'KeyFormatError', code: 'KEY_IS_CERTIFICATE', says: [/a certificate, not a private key/, /Store the private key itself/] });
});

row('key-is-openssh', 'an OpenSSH private key', async () => {
  const openssh = opensshPrivateKey();
  aws.remember(openssh);
  const id = await aws.createSecret(secretFor({ privateKey: openssh }));
  expectFailure(await invokeFresh(id), { type: 'KeyFormatError', code: 'KEY_IS_OPENSSH', says: [/is an OpenSSH private key/, /`ssh-keygen -p -m PKCS8 -f <file>`/] });
});

row('key-base64-of-pem', 'base64 of a whole PEM file (decoded, with a warning)', async () => {
  const encoded = base64OfPemFile(key.pkcs8Pem);
  aws.remember(encoded);
  const id = await aws.createSecret(secretFor({ privateKey: encoded }));
  const { invocation, written } = await outputOf(() => invokeFresh(id));
  expect(invocation.error).toBeUndefined();
  expect(invocation.result).toEqual([{ ONE: 1 }]);
  expect(written).toMatch(/"level":"WARN","message":"privateKey holds base64 of a PEM file, not the PEM itself; it was decoded and used/);
});

// --- Reading the secret -------------------------------------------------------------------------

row('secret-not-found', 'a secret that does not exist', async () => {
  const id = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:snowflake/nothing-here-AbCdEf';
  expectFailure(await invokeFresh(id), { type: 'SecretAccessError', code: 'SECRET_NOT_FOUND', says: [/was not found/, /give the full secret ARN/] });
});

row('secret-access-denied', 'the function may not read the secret', async () => {
  const id = await aws.createSecret(secretFor());
  aws.proxy.inject('secretsmanager.GetSecretValue', { status: 400, type: 'AccessDeniedException', message: 'User is not authorized to perform: secretsmanager:GetSecretValue' });
  expectFailure(await invokeFresh(id), { type: 'SecretAccessError', code: 'SECRET_ACCESS_DENIED', says: [/may not read secret/, /grantRead\(fn\)/, /SecretReaderRole/] });
});

row('secret-kms-denied', 'the secret\'s KMS key may not be used', async () => {
  const id = await aws.createSecret(secretFor());
  aws.proxy.inject('secretsmanager.GetSecretValue', { status: 400, type: 'AccessDeniedException', message: 'Access to KMS is not allowed' });
  expectFailure(await invokeFresh(id), { type: 'SecretAccessError', code: 'SECRET_DECRYPT_DENIED', says: [/KMS key/, /kms:Decrypt through Secrets Manager/] });
});

row('secret-kms-key-unusable', 'KMS refuses the secret\'s key (customer master key message)', async () => {
  const id = await aws.createSecret(secretFor());
  aws.proxy.inject('secretsmanager.GetSecretValue', {
    status: 400,
    type: 'AccessDeniedException',
    message: 'The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.',
  });
  const invocation = await invokeFresh(id);
  expectFailure(invocation, { type: 'SecretAccessError', code: 'SECRET_DECRYPT_DENIED', says: [/KMS key/, /not secretsmanager:GetSecretValue/, /kms:ViaService/, /key policy/, /region/] });
  expect(invocation.error!.errorMessage).not.toMatch(/Grant secretsmanager:GetSecretValue/);
});

row('secret-marked-for-deletion', 'a secret scheduled for deletion', async () => {
  const id = await aws.createSecret(secretFor());
  await aws.sm.send(new DeleteSecretCommand({ SecretId: id, RecoveryWindowInDays: 7 }));
  expectFailure(await invokeFresh(id), {
    type: 'SecretAccessError',
    code: 'SECRET_MARKED_FOR_DELETION',
    says: [/is scheduled for deletion/, new RegExp(`\`aws secretsmanager restore-secret --secret-id ${id.replace(/[/+]/g, '\\$&')}\``)],
  });
});

row('secret-throttled', 'Secrets Manager throttles every attempt', async () => {
  const id = await aws.createSecret(secretFor());
  const before = aws.reads();
  aws.proxy.inject('secretsmanager.GetSecretValue', { status: 400, type: 'ThrottlingException', message: 'Rate exceeded' }, FAST_RETRIES.maxAttempts);
  expectFailure(await invokeFresh(id), { type: 'TransientError', code: 'SECRET_UNAVAILABLE', says: [/after 3 attempt\(s\)/, /ThrottlingException/, /raise the Secrets Manager quota/] });
  // Bounded: exactly maxAttempts calls reached the endpoint.
  expect(aws.reads() - before).toBe(FAST_RETRIES.maxAttempts);
});

row('secret-throttled-then-ok', 'Secrets Manager throttles once, then answers (retried, succeeds)', async () => {
  const id = await aws.createSecret(secretFor());
  const before = aws.reads();
  aws.proxy.inject('secretsmanager.GetSecretValue', { status: 400, type: 'ThrottlingException' }, 1);
  const invocation = await invokeFresh(id);
  expect(invocation.error).toBeUndefined();
  expect(invocation.result).toEqual([{ ONE: 1 }]);
  expect(aws.reads() - before).toBe(2);
});

row('secret-timeout', 'Secrets Manager does not answer in time', async () => {
  const id = await aws.createSecret(secretFor());
  aws.proxy.inject('secretsmanager.GetSecretValue', { hangMs: 5_000 }, FAST_RETRIES.maxAttempts);
  const before = aws.reads();
  expectFailure(await invokeFresh(id, undefined, { secretReader: { requestTimeoutMs: 300 } }),
    { type: 'TransientError', code: 'SECRET_UNAVAILABLE', says: [/did not answer GetSecretValue/, /TimeoutError|RequestTimeout/, /interface endpoint/] });
  // Each attempt was abandoned after its timeout, not after the endpoint gave up: three calls in all.
  expect(aws.reads() - before).toBe(FAST_RETRIES.maxAttempts);
});

row('secret-id-unset', 'SNOWFLAKE_SECRET_ID is not set', async () => {
  const invocation = await instance.invoke({ secretId: ' ', op: 'fetchAll', sql: 'SELECT 1' });
  expectFailure(invocation, { type: 'ConfigurationError', code: 'CONFIG_INVALID', says: [/SNOWFLAKE_SECRET_ID is not set/, /secret's ARN/] });
});

// --- Logging in -----------------------------------------------------------------------------------

row('login-key-not-registered', 'Snowflake does not know the key', async () => {
  const id = await aws.createSecret(secretFor({ privateKey: unregistered.pkcs8Pem }));
  const before = aws.reads();
  expectFailure(await invokeFresh(id), {
    type: 'AuthenticationError',
    code: 'AUTH_REJECTED',
    says: [/rejected the key-pair login of user "SVC_LOADER"/, /390144/, new RegExp(unregistered.fingerprint.replace(/[+/]/g, '\\$&')), /DESC USER "SVC_LOADER"/, /ALTER USER/, /still holds the same key/],
  });
  // One read at the cold start, one more after the rejection (in case the key had rotated).
  expect(aws.reads() - before).toBe(2);
});

row('login-wrong-account', 'the secret names another account', async () => {
  const id = await aws.createSecret(secretFor({ account: 'otherorg-otheraccount' }));
  expectFailure(await invokeFresh(id), { type: 'AuthenticationError', code: 'AUTH_REJECTED', says: [/in account "otherorg-otheraccount"/, /fix "user" or "account" in the secret/] });
});

row('login-unknown-user', 'the user does not exist', async () => {
  const id = await aws.createSecret(secretFor({ user: 'NO_SUCH_USER' }));
  expectFailure(await invokeFresh(id), { type: 'AuthenticationError', code: 'AUTH_REJECTED', says: [/login of user "NO_SUCH_USER"/, /fix "user" or "account"/] });
});

row('login-role-not-granted', 'a role the user was not granted', async () => {
  const id = await aws.createSecret(secretFor({ role: 'ANALYST' }));
  expectFailure(await invokeFresh(id), {
    type: 'AuthenticationError',
    code: 'AUTH_SESSION_SETTING',
    says: [/refused the role ANALYST \(390189/, /GRANT ROLE "ANALYST" TO USER "SVC_LOADER"/],
  });
});

row('login-role-case', 'a case-sensitive role written without quotes', async () => {
  // The user holds the lower-case role "loader" (and not LOADER's upper-case twin under that name).
  const id = await aws.createSecret(secretFor({ user: 'SVC_CASED', role: 'loader' }));
  expectFailure(await invokeFresh(id), {
    type: 'AuthenticationError',
    code: 'AUTH_SESSION_SETTING',
    says: [/refused the role loader/, /GRANT ROLE "LOADER" TO USER "SVC_CASED"/, /a case-sensitive name is written in double quotes/],
  });
  // (control) written in quotes, the same secret logs in.
  const quoted = await aws.createSecret(secretFor({ user: 'SVC_CASED', role: '"loader"' }));
  const invocation = await invokeFresh(quoted, { op: 'fetchAll', sql: 'SELECT CURRENT_ROLE() AS R' });
  expect(invocation.error).toBeUndefined();
  expect(invocation.result).toEqual([{ R: 'loader' }]);
});

row('login-wrong-password', 'a legacy password secret with the wrong password', async () => {
  const id = await aws.createSecret({ account: ACCOUNT, username: 'LEGACY_USER', password: 'wrong-password-456' });
  expectFailure(await invokeFresh(id), { type: 'AuthenticationError', code: 'AUTH_REJECTED', says: [/rejected the password login of user "LEGACY_USER"/, /390100/, /move the user to key-pair authentication/] });
});

row('snowflake-5xx', 'Snowflake answers 503 to every login attempt', async () => {
  const id = await aws.createSecret(secretFor());
  const before = snowflake.requests.filter((r) => r.kind === 'login').length;
  snowflake.faults.failNext(FAST_RETRIES.maxAttempts, { status: 503, kind: 'login' });
  expectFailure(await invokeFresh(id), { type: 'TransientError', code: 'SNOWFLAKE_UNAVAILABLE', says: [/did not accept a login after 3 attempt\(s\)/, /HTTP 503/, /status page and the network path/] });
  expect(snowflake.requests.filter((r) => r.kind === 'login').length - before).toBe(FAST_RETRIES.maxAttempts);
});

row('snowflake-reset', 'every login attempt has its connection reset', async () => {
  const id = await aws.createSecret(secretFor());
  snowflake.faults.resetNext(FAST_RETRIES.maxAttempts, { kind: 'login' });
  expectFailure(await invokeFresh(id), { type: 'TransientError', code: 'SNOWFLAKE_UNAVAILABLE', says: [/after 3 attempt\(s\)/, /ECONNRESET|socket hang up/, /security groups allowing 443/] });
});

row('snowflake-unreachable', 'nothing listens where Snowflake should be', async () => {
  const id = await aws.createSecret(secretFor());
  expectFailure(await invokeFresh(id, undefined, { endpointUrl: 'http://127.0.0.1:9' }),
    { type: 'TransientError', code: 'SNOWFLAKE_UNAVAILABLE', says: [/ECONNREFUSED/, /NAT or the PrivateLink endpoint/] });
});

// --- Logging in with the function's workload identity ---------------------------------------------

/** Outputs of the instances that sign in with a workload identity, for the scan in afterAll of this file's other rows. */
const wifOutputs: string[] = [];

/** One invocation in a fresh instance that signs in as the function's role (no secret): `env` adds to what SnowflakeConnectorFunction sets. */
async function invokeWithWorkloadIdentity(env: Record<string, string>, options: Record<string, unknown> = {}): Promise<Invocation> {
  const creds = await assumeExecutionRole(aws.moto.endpoint, 'arn:aws:iam::123456789012:role/connector-role');
  aws.remember(creds.secretAccessKey, creds.sessionToken);
  const wif = await startConnectorInstance({
    ...aws.env(),
    ...lambdaCredentialsEnv(creds),
    SNOWFLAKE_AUTHENTICATION: 'WORKLOAD_IDENTITY',
    SNOWFLAKE_CONNECTION: JSON.stringify({ account: ACCOUNT, user: 'SVC_WIF', warehouse: 'LOAD_WH' }),
    SNOWFLAKE_WORKLOAD_IDENTITY_ARN: 'arn:aws:iam::123456789012:role/connector-role',
    SNOWFLAKE_ENDPOINT_URL: snowflake.url,
    ...env,
  });
  try {
    return await wif.invoke({ options: { retryPolicy: FAST_RETRIES, ...options }, op: 'fetchAll', sql: 'SELECT 1 AS ONE' });
  } finally {
    wifOutputs.push(wif.output());
    await wif.stop();
  }
}

row('wif-refused', 'workload identity: the user trusts another role', async () => {
  snowflake.addUser({ name: 'SVC_WIF', defaultWarehouse: 'LOAD_WH', workloadIdentity: { arn: 'arn:aws:iam::123456789012:role/another-role' } });
  expectFailure(await invokeWithWorkloadIdentity({}), {
    type: 'AuthenticationError',
    code: 'WORKLOAD_IDENTITY_REFUSED',
    says: [
      /refused the workload-identity login for user "SVC_WIF"/,
      /signs in as IAM role arn:aws:iam::123456789012:role\/connector-role/,
      /the user expects arn:aws:iam::123456789012:role\/another-role/,
      /ALTER USER "SVC_WIF" SET WORKLOAD_IDENTITY = \(TYPE = AWS ARN = 'arn:aws:iam::123456789012:role\/connector-role'\);/,
    ],
  });
});

row('wif-host-refused', 'workload identity with a URL override that is not a Snowflake host', async () => {
  const before = snowflake.counters.logins + snowflake.requests.length;
  expectFailure(await invokeWithWorkloadIdentity({ SNOWFLAKE_ENDPOINT_URL: 'https://snowflake-proxy.example.com:8443' }), {
    type: 'ConfigurationError',
    code: 'WORKLOAD_IDENTITY_HOST_REFUSED',
    says: [/only to Snowflake's own hosts/, /the login would go to snowflake-proxy\.example\.com/, /Remove the override/],
  });
  // Refused before anything was signed or sent.
  expect(snowflake.counters.logins + snowflake.requests.length).toBe(before);
});

row('wif-attestation-failed', 'workload identity whose attestation cannot be made (STS refuses GetWebIdentityToken)', async () => {
  // moto has no GetWebIdentityToken: it answers 500, as an STS that refuses the call would fail it.
  expectFailure(await invokeWithWorkloadIdentity({ SNOWFLAKE_WORKLOAD_IDENTITY_ATTESTATION: 'OUTBOUND_TOKEN' }), {
    type: 'AuthenticationError',
    code: 'WORKLOAD_IDENTITY_ATTESTATION_FAILED',
    says: [/could not make its workload-identity attestation/, /sts:GetWebIdentityToken/, /outbound identity federation/],
  });
  expect(aws.proxy.count('query:GetWebIdentityToken')).toBeGreaterThan(0);
});

test('the workload-identity instances wrote no secret (and read none)', () => {
  expect(wifOutputs.length).toBeGreaterThan(0);
  for (const output of wifOutputs) expect(leaks(output, aws.secrets)).toEqual([]);
});

// --- Running SQL ------------------------------------------------------------------------------------

row('sql-syntax-error', 'a statement with a syntax error', async () => {
  const id = await aws.createSecret(secretFor());
  const invocation = await invokeFresh(id, { op: 'execute', sql: 'SELEC 1' });
  expectFailure(invocation, { type: 'QueryError', code: 'SQL_ERROR', says: [/rejected the statement \(001003, SQLSTATE 42000/, /syntax error/, /SQL errors are not retried/] });
  // Not retried: the statement reached Snowflake once.
  expect(snowflake.requests.filter((r) => r.kind === 'query' && r.sql === 'SELEC 1')).toHaveLength(1);
});

row('sql-unknown-table', 'a table that does not exist', async () => {
  const id = await aws.createSecret(secretFor());
  expectFailure(await invokeFresh(id, { op: 'fetchAll', sql: 'SELECT * FROM NO_SUCH_TABLE' }),
    { type: 'QueryError', code: 'SQL_ERROR', says: [/002003/, /does not exist or not authorized/, /Fix the statement/] });
});

row('statement-timeout', 'a statement that outlasts STATEMENT_TIMEOUT_IN_SECONDS', async () => {
  const id = await aws.createSecret(secretFor());
  expectFailure(await invokeFresh(id, { op: 'fetchAll', sql: 'SELECT SYSTEM$WAIT(3)' }, { statementTimeoutSeconds: 1 }),
    { type: 'QueryError', code: 'STATEMENT_TIMEOUT', says: [/reached its statement timeout/, /000630|timeout of 1 second/, /Raise STATEMENT_TIMEOUT_IN_SECONDS/, /executeAsync/] });
});

row('statement-deadline', 'Snowflake keeps failing a statement\'s requests past the deadline', async () => {
  const id = await aws.createSecret(secretFor());
  snowflake.faults.failNext(1_000, { status: 503, kind: 'query' });
  try {
    expectFailure(await invokeFresh(id, { op: 'fetchAll', sql: 'SELECT 1 AS ONE' }, { statementDeadlineMs: 2_000 }),
      { type: 'TransientError', code: 'DEADLINE_EXCEEDED', says: [/did not finish within 2000 ms/, /cancelled/, /Snowflake's status and the network path/] });
  } finally {
    snowflake.faults.reset();
  }
});

row('async-timeout', 'an asynchronous statement still running at its timeout', async () => {
  const id = await aws.createSecret(secretFor());
  expectFailure(await invokeFresh(id, { op: 'executeAsync', sql: 'SELECT SYSTEM$WAIT(5)', options: { pollIntervalMs: 100, timeoutMs: 500 } }),
    { type: 'QueryError', code: 'ASYNC_TIMEOUT', says: [/was still RUNNING after 500 ms, so it was cancelled/, /Raise executeAsync's timeoutMs/] });
});

row('executemany-ragged', 'executeMany rows of different lengths', async () => {
  const id = await aws.createSecret(secretFor());
  expectFailure(await invokeFresh(id, { op: 'executeMany', sql: 'INSERT INTO T VALUES (?, ?)', rows: [[1, 'a'], [2]] }),
    { type: 'SnowflakeConnectorError', code: 'INVALID_ARGUMENT', says: [/row 1 has 1 values, and row 0 has 2/, /same non-zero number of values/] });
});

row('fetchmany-size', 'fetchMany without a valid page size', async () => {
  const id = await aws.createSecret(secretFor());
  expectFailure(await invokeFresh(id, { op: 'fetchMany', sql: 'SELECT 1', size: 0 }),
    { type: 'SnowflakeConnectorError', code: 'INVALID_ARGUMENT', says: [/size must be a positive integer \(rows per page\), not 0/] });
});

test('docs/troubleshooting.md lists exactly the rows tested here', () => {
  const doc = fs.readFileSync(path.join(REPO, 'docs', 'troubleshooting.md'), 'utf8');
  const documented = new Set([...doc.matchAll(/<a id="([a-z0-9-]+)"><\/a>/g)].map((m) => m[1]));
  expect([...documented].sort()).toEqual([...tested].sort());
  expect(tested.size).toBeGreaterThanOrEqual(25);
});
