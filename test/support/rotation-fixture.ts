/**
 * What the end-to-end rotation tests share, on loopback: moto's Secrets Manager (behind the
 * counting proxy), the local Snowflake endpoint with a service user and a rotator whose role holds
 * only MODIFY PROGRAMMATIC AUTHENTICATION METHODS on it, the bundled rotation function
 * (assets/rotation) as a warm Lambda-like instance, and logins through the real driver.
 *
 * Import `./local-snowflake/driver-env` before this module (it loads snowflake-sdk).
 */
import { createPrivateKey, createPublicKey, randomUUID } from 'node:crypto';
import { DescribeSecretCommand, GetSecretValueCommand, RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { driverOptionsFor, fingerprintOf, LocalSnowflake, startLocalSnowflake } from '@cdk-snowflake-keypair/local-snowflake';
import * as snowflake from 'snowflake-sdk';
import { AwsSide, leaks } from './connector-fixture';
import { rsaKey, TestKey } from './keys';
import { assetDir } from './lambda-process';
import { Invocation, LambdaInstance, startLambdaInstance } from './lambda-runtime';
import { ROTATION_SECRET_ENV, ROTATION_USER_ENV } from '../../src/shared/pinned-environment';
import { connect, destroy } from '@cdk-snowflake-keypair/local-snowflake/promisified';

snowflake.configure({ logLevel: 'OFF' });

export const ACCOUNT = 'TESTORG-TESTACCOUNT';
export const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type Step = typeof STEPS[number];

/** A service user with its secret, and a rotator allowed to change that user's keys only. */
export interface RotationSubject {
  readonly user: string;
  readonly secretId: string;
  readonly firstKey: TestKey;
  readonly rotator: string;
  readonly rotatorRole: string;
  readonly adminSecretId: string;
}

export interface SubjectOptions {
  /** Grant the rotator's role MODIFY PROGRAMMATIC AUTHENTICATION METHODS on the user. Default true. */
  readonly grant?: boolean;
  /** Extra fields of the service user's secret. */
  readonly secretPatch?: Record<string, unknown>;
  /** Turn rotation on for the secret (DescribeSecret's RotationEnabled), as the construct's schedule does. Default true. */
  readonly rotationEnabled?: boolean;
}

/**
 * Turns rotation on, as a rotation schedule does: RotationEnabled becomes true. moto does so on
 * RotateSecret with rotation rules; without a Lambda to run it copies AWSCURRENT into a new version
 * that becomes AWSCURRENT (the same key), which is also what Secrets Manager's configuration test
 * leaves when it does not rotate immediately.
 */
export async function enableRotation(aws: AwsSide, secretId: string): Promise<void> {
  await aws.sm.send(new RotateSecretCommand({ SecretId: secretId, RotationRules: { AutomaticallyAfterDays: 30 }, RotateImmediately: false }));
  const described = await aws.sm.send(new DescribeSecretCommand({ SecretId: secretId }));
  if (described.RotationEnabled !== true) throw new Error(`moto did not turn rotation on for ${secretId}`);
}

let subjects = 0;

/** Creates the users (the service user's first key in RSA_PUBLIC_KEY), the grants and both secrets. */
export async function rotationSubject(aws: AwsSide, endpoint: LocalSnowflake, options: SubjectOptions = {}): Promise<RotationSubject> {
  const n = ++subjects;
  const user = `SVC_ROT_${n}`;
  const rotator = `ROTATOR_${n}`;
  const rotatorRole = `SVC_ROT_${n}_ROTATOR`;
  const [firstKey, rotatorKey] = [rsaKey(), rsaKey()];
  aws.rememberKey(firstKey);
  aws.rememberKey(rotatorKey);
  endpoint.addUser({ name: user, publicKeys: [firstKey.publicPem], defaultRole: 'LOADER', defaultWarehouse: 'LOAD_WH' });
  endpoint.addUser({ name: rotator, publicKeys: [rotatorKey.publicPem], defaultRole: rotatorRole });
  // The set-up docs/rotation.md gives, run as ACCOUNTADMIN.
  await endpoint.sql(`CREATE ROLE IF NOT EXISTS "${rotatorRole}"`);
  if (options.grant ?? true) await endpoint.sql(`GRANT MODIFY PROGRAMMATIC AUTHENTICATION METHODS ON USER "${user}" TO ROLE "${rotatorRole}"`);
  await endpoint.sql(`GRANT ROLE "${rotatorRole}" TO USER "${rotator}"`);
  const secretId = await aws.createSecret({ account: ACCOUNT, user, privateKey: firstKey.pkcs8Pem, warehouse: 'LOAD_WH', ...options.secretPatch });
  const adminSecretId = await aws.createSecret({ account: ACCOUNT, user: rotator, privateKey: rotatorKey.pkcs8Pem, role: rotatorRole });
  if (options.rotationEnabled ?? true) await enableRotation(aws, secretId);
  return { user, secretId, firstKey, rotator, rotatorRole, adminSecretId };
}

/** A warm instance of the bundled rotation function for `subject`. */
export function rotationInstance(
  aws: AwsSide,
  endpoint: LocalSnowflake,
  subject: RotationSubject,
  env: Record<string, string> = {},
): Promise<LambdaInstance> {
  return startLambdaInstance('index.js', assetDir('rotation'), {
    ...aws.env(),
    SNOWFLAKE_ADMIN_SECRET_ID: subject.adminSecretId,
    // Pinned by the construct: this secret, this user.
    [ROTATION_SECRET_ENV]: subject.secretId,
    [ROTATION_USER_ENV]: subject.user,
    SNOWFLAKE_ENDPOINT_URL: endpoint.url,
    ...env,
  });
}

/** The event Secrets Manager sends for one step (it names the secret by ARN). */
export function stepEvent(step: Step, secretId: string, token: string): Record<string, string> {
  return { Step: step, SecretId: secretId, ClientRequestToken: token, RotationToken: randomUUID() };
}

/** Runs one step; fails the test with the function's own error if it fails. */
export async function runStep(fn: LambdaInstance, step: Step, secretId: string, token: string): Promise<void> {
  const invocation: Invocation = await fn.invoke(stepEvent(step, secretId, token));
  if (invocation.error) throw new Error(`${step} failed: ${invocation.error.errorMessage}`);
}

/**
 * A whole rotation as Secrets Manager runs it, with a new token: the four steps in order, each
 * (with `retries`) run a second time, as Secrets Manager does when a step times out.
 */
export async function rotate(
  fn: LambdaInstance,
  secretId: string,
  options: { retries?: boolean; between?: (step: Step) => Promise<void> } = {},
): Promise<string> {
  const token = randomUUID();
  for (const step of STEPS) {
    await runStep(fn, step, secretId, token);
    if (options.retries) await runStep(fn, step, secretId, token);
    await options.between?.(step);
  }
  return token;
}

/** The staging labels of each version. */
export async function stagesOf(aws: AwsSide, secretId: string): Promise<Record<string, string[]>> {
  return (await aws.sm.send(new DescribeSecretCommand({ SecretId: secretId }))).VersionIdsToStages ?? {};
}

/** The version holding a label. */
export async function versionWith(aws: AwsSide, secretId: string, stage: string): Promise<string | undefined> {
  const stages = await stagesOf(aws, secretId);
  return Object.keys(stages).find((id) => stages[id].includes(stage));
}

export interface StoredKey {
  readonly versionId: string;
  readonly privateKeyPem: string;
  readonly passphrase?: string;
  readonly fingerprint: string;
  readonly value: Record<string, unknown>;
}

/** The key a version of the secret holds (by stage or version id), remembered for the output scans. */
export async function storedKey(aws: AwsSide, secretId: string, which: { VersionStage?: string; VersionId?: string }): Promise<StoredKey> {
  const out = await aws.sm.send(new GetSecretValueCommand({ SecretId: secretId, ...which }));
  const value = JSON.parse(out.SecretString!);
  aws.remember(value.privateKey, value.passphrase);
  const privateKey = createPrivateKey({ key: value.privateKey, format: 'pem', ...(value.passphrase ? { passphrase: value.passphrase } : {}) });
  return {
    versionId: out.VersionId!,
    privateKeyPem: value.privateKey,
    passphrase: value.passphrase,
    fingerprint: fingerprintOf(createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }) as string),
    value,
  };
}

/** Whether a new login as `user` with this key succeeds; the Snowflake code when it does not. */
export async function login(endpoint: LocalSnowflake, user: string, key: { privateKeyPem: string; passphrase?: string }): Promise<'ok' | string> {
  const connection = snowflake.createConnection(driverOptionsFor(endpoint, {
    user,
    privateKeyPem: key.privateKeyPem,
    ...(key.passphrase ? { privateKeyPass: key.passphrase } : {}),
  }, { sfRetryMaxLoginRetries: 0 }));
  try {
    await connect(connection);
  } catch (error) {
    return String((error as { code?: unknown }).code ?? (error as Error).message);
  }
  await destroy(connection);
  return 'ok';
}

/** The fingerprints in the user's two slots, as the endpoint holds them. */
export function slotsOf(endpoint: LocalSnowflake, user: string): [string | undefined, string | undefined] {
  const d = endpoint.describeUser(user)!;
  return [d.rsaPublicKeyFp, d.rsaPublicKey2Fp];
}

/** moto and the local Snowflake endpoint for one test file, and the instances its tests start. */
export interface RotationWorld {
  readonly aws: AwsSide;
  readonly snowflake: LocalSnowflake;
  readonly instances: LambdaInstance[];
}

/**
 * Starts moto and the endpoint before the file's tests; after them, checks that no instance
 * printed a key or passphrase, and stops everything. Call at the top of a test file.
 */
export function useRotationWorld(): RotationWorld {
  const world = { instances: [] as LambdaInstance[] } as { aws: AwsSide; snowflake: LocalSnowflake; instances: LambdaInstance[] };
  beforeAll(async () => {
    [world.aws, world.snowflake] = await Promise.all([AwsSide.start(), startLocalSnowflake()]);
  });
  afterAll(async () => {
    try {
      expect(world.aws.secrets.length).toBeGreaterThan(0);
      for (const instance of world.instances) expect(leaks(instance.output(), world.aws.secrets)).toEqual([]);
    } finally {
      await Promise.all(world.instances.map((i) => i.stop()));
      await Promise.all([world.aws?.stop(), world.snowflake?.stop()]);
    }
  });
  return world;
}
