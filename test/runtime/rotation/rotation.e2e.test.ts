/**
 * End to end: the bundled rotation function (assets/rotation) in a warm Lambda-like process runs
 * the four steps as Secrets Manager does (the secret's ARN, a new token, each step retried),
 * through the real AWS SDK against moto's Secrets Manager and through the real driver against the
 * local Snowflake endpoint, signing in as a rotator whose role may change the service user's key
 * slots and nothing else. Logins are checked with the real driver, as a new function would sign in.
 */
import '@cdk-snowflake-keypair/local-snowflake/driver-env';
import { randomUUID } from 'node:crypto';
import { GetSecretValueCommand, PutSecretValueCommand, UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import { fingerprintOf } from '@cdk-snowflake-keypair/local-snowflake';
import { encryptedPem, rsaKey } from '../../support/keys';
import { LambdaInstance } from '../../support/lambda-runtime';
import {
  login, rotate, rotationInstance, rotationSubject, RotationSubject, runStep, slotsOf, stagesOf, stepEvent, storedKey, useRotationWorld, versionWith,
} from '../../support/rotation-fixture';

/** What the driver reports for a rejected key-pair login. */
const REJECTED = '390144';

const world = useRotationWorld();

beforeEach(() => world.snowflake.faults.reset());

async function fnFor(subject: RotationSubject, env: Record<string, string> = {}): Promise<LambdaInstance> {
  const instance = await rotationInstance(world.aws, world.snowflake, subject, env);
  world.instances.push(instance);
  return instance;
}

/** How many embedded-metric-format lines of each rotation metric (not the connector's) an output holds. */
function metrics(output: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of output.split('\n')) {
    if (!line.startsWith('{"_aws"')) continue;
    const doc = JSON.parse(line);
    expect(doc._aws.CloudWatchMetrics[0].Namespace).toBe('CdkSnowflakeKeypair');
    for (const { Name } of doc._aws.CloudWatchMetrics[0].Metrics) if (Name.startsWith('Rotation')) counts[Name] = (counts[Name] ?? 0) + 1;
  }
  return counts;
}

async function failingStep(fn: LambdaInstance, step: Parameters<typeof stepEvent>[0], secretId: string, token: string) {
  const invocation = await fn.invoke(stepEvent(step, secretId, token));
  expect(invocation.error).toBeDefined();
  return invocation.error!;
}

/** When AWSCURRENT was created, as Secrets Manager reports it (a grace period starts there). */
async function currentCreated(secretId: string): Promise<Date> {
  return (await world.aws.sm.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }))).CreatedDate!;
}

/** The retirement schedule's event, as its rule target sends it, fired `seconds` after `from`: the check's clock. */
function retireEvent(secretId: string, from: Date, seconds: number): { action: string; SecretId: string; time: string } {
  return { action: 'retirePreviousKey', SecretId: secretId, time: new Date(from.getTime() + seconds * 1_000).toISOString() };
}

describe('a rotation, as Secrets Manager runs it', () => {
  test('each step retried: the new key signs in, and the old one until the next rotation retires it', async () => {
    const subject = await rotationSubject(world.aws, world.snowflake);
    const fn = await fnFor(subject);
    const first = await storedKey(world.aws, subject.secretId, { VersionStage: 'AWSCURRENT' });
    const versionsBefore = Object.keys(await stagesOf(world.aws, subject.secretId)).length;

    const token = await rotate(fn, subject.secretId, { retries: true });

    const stages = await stagesOf(world.aws, subject.secretId);
    expect(stages[token]).toEqual(['AWSCURRENT']);
    expect(stages[first.versionId]).toEqual(['AWSPREVIOUS']);
    expect(Object.values(stages).flat()).not.toContain('AWSPENDING');
    const second = await storedKey(world.aws, subject.secretId, { VersionStage: 'AWSCURRENT' });
    expect(second.fingerprint).not.toBe(first.fingerprint);
    // Every other field is kept, and the secret records the key it held before.
    const { privateKey: _a, ...rest1 } = first.value;
    const { privateKey: _b, previousKeyFingerprints, ...rest2 } = second.value;
    expect(rest2).toEqual(rest1);
    expect(previousKeyFingerprints).toEqual([first.fingerprint]);
    // The new key went into the free slot; the old key stays until the next rotation.
    expect(slotsOf(world.snowflake, subject.user)).toEqual([first.fingerprint, second.fingerprint]);
    expect(await login(world.snowflake, subject.user, second)).toBe('ok');
    expect(await login(world.snowflake, subject.user, first)).toBe('ok');
    // The retries did not make a second key: one version per rotation.
    expect(Object.keys(stages)).toHaveLength(versionsBefore + 1);

    // The next rotation puts its key in the old key's slot: the old key no longer signs in.
    const token2 = await rotate(fn, subject.secretId);
    const third = await storedKey(world.aws, subject.secretId, { VersionStage: 'AWSCURRENT' });
    expect(await versionWith(world.aws, subject.secretId, 'AWSCURRENT')).toBe(token2);
    expect(await versionWith(world.aws, subject.secretId, 'AWSPREVIOUS')).toBe(token);
    expect(slotsOf(world.snowflake, subject.user)).toEqual([third.fingerprint, second.fingerprint]);
    expect(await login(world.snowflake, subject.user, first)).toBe(REJECTED);
    expect(await login(world.snowflake, subject.user, second)).toBe('ok');
    expect(await login(world.snowflake, subject.user, third)).toBe('ok');

    // Each step logged its outcome with fingerprints, and its duration as a metric.
    expect(fn.output()).toContain('setSecret: pending key registered');
    expect(fn.output()).toContain(third.fingerprint);
    expect(metrics(fn.output())).toEqual({ RotationStepMs: 12 });
  });

  test('RetireOldKey.immediately(): the old key signs in until finishSecret, and not after', async () => {
    const subject = await rotationSubject(world.aws, world.snowflake);
    const fn = await fnFor(subject, { SNOWFLAKE_RETIRE_OLD_KEY: 'immediately' });
    const first = await storedKey(world.aws, subject.secretId, { VersionStage: 'AWSCURRENT' });
    const seen: Record<string, string> = {};
    await rotate(fn, subject.secretId, {
      retries: true,
      between: async (step) => { seen[step] = await login(world.snowflake, subject.user, first); },
    });
    expect(seen).toEqual({ createSecret: 'ok', setSecret: 'ok', testSecret: 'ok', finishSecret: REJECTED });
    const current = await storedKey(world.aws, subject.secretId, { VersionStage: 'AWSCURRENT' });
    expect(slotsOf(world.snowflake, subject.user)).toEqual([undefined, current.fingerprint]);
    expect(await login(world.snowflake, subject.user, current)).toBe('ok');
  });

  describe('RetireOldKey.after(grace), by the scheduled event\'s time', () => {
    /** An hour: far longer than the test, so only the event's time can end it. */
    const GRACE = 3_600;

    /** The function's log lines with this message. */
    function logged(fn: LambdaInstance, message: string): Record<string, unknown>[] {
      return fn.output().split('\n').filter((line) => line.startsWith('{"level"')).map((line) => JSON.parse(line)).filter((entry) => entry.message === message);
    }

    test('within the grace period the check changes nothing; after it, it retires the old key; run again, nothing', async () => {
      const subject = await rotationSubject(world.aws, world.snowflake);
      const fn = await fnFor(subject, { SNOWFLAKE_RETIRE_OLD_KEY: `after:${GRACE}` });
      const first = await storedKey(world.aws, subject.secretId, { VersionStage: 'AWSCURRENT' });
      await rotate(fn, subject.secretId);
      const current = await storedKey(world.aws, subject.secretId, { VersionStage: 'AWSCURRENT' });
      const created = await currentCreated(subject.secretId);

      // A minute before the period ends: nothing changes.
      const early = retireEvent(subject.secretId, created, GRACE - 60);
      expect((await fn.invoke(early)).error).toBeUndefined();
      expect(logged(fn, 'The previous key is still in its grace period')).toContainEqual(expect.objectContaining({ asOf: early.time, graceSeconds: GRACE }));
      expect(slotsOf(world.snowflake, subject.user)).toEqual([first.fingerprint, current.fingerprint]);
      expect(await login(world.snowflake, subject.user, first)).toBe('ok');
      // A direct invoke without a time runs by the function's clock: well within the hour.
      expect((await fn.invoke({ action: 'retirePreviousKey', SecretId: subject.secretId })).error).toBeUndefined();
      expect(await login(world.snowflake, subject.user, first)).toBe('ok');

      // A minute after: the old key is retired, the current one still signs in.
      expect((await fn.invoke(retireEvent(subject.secretId, created, GRACE + 60))).error).toBeUndefined();
      expect(await login(world.snowflake, subject.user, first)).toBe(REJECTED);
      expect(await login(world.snowflake, subject.user, current)).toBe('ok');
      expect(slotsOf(world.snowflake, subject.user)).toEqual([undefined, current.fingerprint]);

      // Run again: nothing left to retire, and no error.
      expect((await fn.invoke(retireEvent(subject.secretId, created, GRACE + 3_660))).error).toBeUndefined();
      expect(logged(fn, 'No earlier key is registered; nothing to retire')).toHaveLength(1);
      expect(slotsOf(world.snowflake, subject.user)).toEqual([undefined, current.fingerprint]);
    });

    test('(failing case) an event whose time is not an ISO 8601 date-time is refused, naming the field and the fix; nothing is retired', async () => {
      const subject = await rotationSubject(world.aws, world.snowflake);
      const fn = await fnFor(subject, { SNOWFLAKE_RETIRE_OLD_KEY: `after:${GRACE}` });
      const first = await storedKey(world.aws, subject.secretId, { VersionStage: 'AWSCURRENT' });
      await rotate(fn, subject.secretId);

      const invocation = await fn.invoke({ action: 'retirePreviousKey', SecretId: subject.secretId, time: '<aws.events.event.time>' });
      expect(invocation.error?.code).toBe('INVALID_EVENT');
      expect(invocation.error?.errorMessage).toMatch(/^The retirePreviousKey event's time is "<aws\.events\.event\.time>"; expected an ISO 8601 date-time/);
      expect(invocation.error?.errorMessage).toContain('Fix the schedule\'s input, or leave time out to use the function\'s clock');
      expect(await login(world.snowflake, subject.user, first)).toBe('ok');
    });
  });

  test('an encrypted key is replaced by an encrypted key with a new passphrase', async () => {
    const key = rsaKey();
    const passphrase = `pass-${randomUUID()}`;
    world.aws.remember(encryptedPem(key, passphrase), passphrase);
    const subject = await rotationSubject(world.aws, world.snowflake);
    // Replace the first value by an encrypted key, registered in place of the first one.
    world.snowflake.setPublicKey(subject.user, 1, key.publicPem);
    const encrypted = { account: world.snowflake.account, user: subject.user, privateKey: encryptedPem(key, passphrase), passphrase };
    await world.aws.putSecret(subject.secretId, encrypted);
    const fn = await fnFor(subject);
    await rotate(fn, subject.secretId);
    const current = await storedKey(world.aws, subject.secretId, { VersionStage: 'AWSCURRENT' });
    expect(current.privateKeyPem).toContain('ENCRYPTED PRIVATE KEY');
    expect(current.passphrase).toBeDefined();
    expect(current.passphrase).not.toBe(passphrase);
    expect(await login(world.snowflake, subject.user, current)).toBe('ok');
  });
});

describe('writes to the secret between rotations', () => {
  /**
   * What the key-material custom resource writes on a settings-only update: a new AWSCURRENT
   * version with the same key, other fields kept. (A plain PutSecretValue after a rotation leaves
   * moto with two AWSCURRENT versions, so the labels are moved as Secrets Manager moves them.)
   */
  async function settingsUpdate(subject: RotationSubject, patch: Record<string, unknown>): Promise<void> {
    const current = await storedKey(world.aws, subject.secretId, { VersionStage: 'AWSCURRENT' });
    const token = randomUUID();
    await world.aws.sm.send(new PutSecretValueCommand({
      SecretId: subject.secretId, ClientRequestToken: token, SecretString: JSON.stringify({ ...current.value, ...patch }), VersionStages: ['UPDATE'],
    }));
    await world.aws.sm.send(new UpdateSecretVersionStageCommand({
      SecretId: subject.secretId, VersionStage: 'AWSCURRENT', MoveToVersionId: token, RemoveFromVersionId: current.versionId,
    }));
    await world.aws.sm.send(new UpdateSecretVersionStageCommand({ SecretId: subject.secretId, VersionStage: 'UPDATE', RemoveFromVersionId: token }));
  }

  test('a settings update moves AWSPREVIOUS onto the current key: the next rotation still reuses the old key\'s slot', async () => {
    const subject = await rotationSubject(world.aws, world.snowflake);
    const fn = await fnFor(subject);
    const first = await storedKey(world.aws, subject.secretId, { VersionStage: 'AWSCURRENT' });
    await rotate(fn, subject.secretId);
    const second = await storedKey(world.aws, subject.secretId, { VersionStage: 'AWSCURRENT' });
    expect(second.value.previousKeyFingerprints).toEqual([first.fingerprint]);
    await settingsUpdate(subject, { warehouse: 'OTHER_WH' });
    // AWSPREVIOUS now holds the current key; the secret's own record still names the first key.
    expect((await storedKey(world.aws, subject.secretId, { VersionStage: 'AWSPREVIOUS' })).fingerprint).toBe(second.fingerprint);

    await rotate(fn, subject.secretId);
    const third = await storedKey(world.aws, subject.secretId, { VersionStage: 'AWSCURRENT' });
    expect(slotsOf(world.snowflake, subject.user)).toEqual([third.fingerprint, second.fingerprint]);
    expect(third.value.warehouse).toBe('OTHER_WH');
    expect(third.value.previousKeyFingerprints).toEqual([second.fingerprint, first.fingerprint]);
  });

  test('(failing case) without the record, the same slot is refused as someone else\'s key', async () => {
    const subject = await rotationSubject(world.aws, world.snowflake);
    const fn = await fnFor(subject);
    await rotate(fn, subject.secretId);
    await settingsUpdate(subject, { previousKeyFingerprints: [] });
    const token = randomUUID();
    await runStep(fn, 'createSecret', subject.secretId, token);
    const error = await failingStep(fn, 'setSecret', subject.secretId, token);
    expect(error.code).toBe('ROTATION_REFUSED');
  });

  test('RetireOldKey.after: a settings update does not hide the old key from the retirement check', async () => {
    const subject = await rotationSubject(world.aws, world.snowflake);
    const fn = await fnFor(subject, { SNOWFLAKE_RETIRE_OLD_KEY: 'after:3600' });
    const first = await storedKey(world.aws, subject.secretId, { VersionStage: 'AWSCURRENT' });
    await rotate(fn, subject.secretId);
    await settingsUpdate(subject, { warehouse: 'OTHER_WH' });
    // The schedule fires past the hour, by the settings update's AWSCURRENT (the later of the two).
    expect((await fn.invoke(retireEvent(subject.secretId, await currentCreated(subject.secretId), 3_660))).error).toBeUndefined();
    expect(await login(world.snowflake, subject.user, first)).toBe(REJECTED);
    const current = await storedKey(world.aws, subject.secretId, { VersionStage: 'AWSCURRENT' });
    expect(slotsOf(world.snowflake, subject.user)).toEqual([undefined, current.fingerprint]);
  });

  test('the retirement check waits while a rotation is under way', async () => {
    const subject = await rotationSubject(world.aws, world.snowflake);
    const fn = await fnFor(subject, { SNOWFLAKE_RETIRE_OLD_KEY: 'after:3600' });
    const first = await storedKey(world.aws, subject.secretId, { VersionStage: 'AWSCURRENT' });
    await rotate(fn, subject.secretId);
    const created = await currentCreated(subject.secretId);
    const token = randomUUID();
    await runStep(fn, 'createSecret', subject.secretId, token);
    // Past the grace period by the schedule's clock, so only the rotation under way holds it back.
    expect((await fn.invoke(retireEvent(subject.secretId, created, 3_660))).error).toBeUndefined();
    expect(fn.output()).toContain('A rotation is under way; the previous key is retired after it');
    expect(await login(world.snowflake, subject.user, first)).toBe('ok');
  });
});

describe('Secrets Manager testing the configuration (a schedule deployed without rotating)', () => {
  test('a pending version that copies AWSCURRENT: testSecret checks both secrets read, signs in nowhere, and moves nothing', async () => {
    const subject = await rotationSubject(world.aws, world.snowflake);
    const fn = await fnFor(subject);
    const first = await storedKey(world.aws, subject.secretId, { VersionStage: 'AWSCURRENT' });
    const token = randomUUID();
    await world.aws.sm.send(new PutSecretValueCommand({
      SecretId: subject.secretId, ClientRequestToken: token, SecretString: JSON.stringify(first.value), VersionStages: ['AWSPENDING'],
    }));
    const logins = world.snowflake.counters.logins;
    await runStep(fn, 'testSecret', subject.secretId, token);
    expect(world.snowflake.counters.logins).toBe(logins);
    expect(await versionWith(world.aws, subject.secretId, 'AWSCURRENT')).toBe(first.versionId);
    // A createSecret under that token cannot write a new key there, and says so.
    const error = await failingStep(fn, 'createSecret', subject.secretId, token);
    expect(error.code).toBe('ROTATION_STATE');
    expect(error.errorMessage).toContain('already holds the current key');
  });

  test('(failing case) the rotator\'s secret cannot be read: the configuration test fails', async () => {
    const subject = await rotationSubject(world.aws, world.snowflake);
    const fn = await fnFor(subject, { SNOWFLAKE_ADMIN_SECRET_ID: 'snowflake/no-such-rotator' });
    const first = await storedKey(world.aws, subject.secretId, { VersionStage: 'AWSCURRENT' });
    const token = randomUUID();
    await world.aws.sm.send(new PutSecretValueCommand({
      SecretId: subject.secretId, ClientRequestToken: token, SecretString: JSON.stringify(first.value), VersionStages: ['AWSPENDING'],
    }));
    const error = await failingStep(fn, 'testSecret', subject.secretId, token);
    expect(error.errorType).toBe('ResourceNotFoundException');
  });
});

describe('fault cases: each ends with AWSCURRENT still working and a clear error', () => {
  /** AWSCURRENT is still the first version, and it signs in. */
  async function currentStillWorks(subject: RotationSubject, firstVersion: string): Promise<void> {
    expect(await versionWith(world.aws, subject.secretId, 'AWSCURRENT')).toBe(firstVersion);
    const current = await storedKey(world.aws, subject.secretId, { VersionStage: 'AWSCURRENT' });
    expect(await login(world.snowflake, subject.user, current)).toBe('ok');
  }

  test('the rotator lacks the privilege: setSecret fails and changes nothing; granted, the retry succeeds', async () => {
    const subject = await rotationSubject(world.aws, world.snowflake, { grant: false });
    const fn = await fnFor(subject);
    const first = await storedKey(world.aws, subject.secretId, { VersionStage: 'AWSCURRENT' });
    const token = randomUUID();
    await runStep(fn, 'createSecret', subject.secretId, token);
    const error = await failingStep(fn, 'setSecret', subject.secretId, token);
    expect(error.errorMessage).toMatch(/Insufficient privileges to operate on user 'SVC_ROT_\d+'/);
    expect(metrics(fn.output())).toEqual({ RotationStepMs: 1, RotationFailures: 1 });
    expect(slotsOf(world.snowflake, subject.user)).toEqual([first.fingerprint, undefined]);
    await currentStillWorks(subject, first.versionId);

    // (passing case) with the grant, Secrets Manager's retry of the same rotation goes through.
    await world.snowflake.sql(`GRANT MODIFY PROGRAMMATIC AUTHENTICATION METHODS ON USER "${subject.user}" TO ROLE "${subject.rotatorRole}"`);
    for (const step of ['setSecret', 'testSecret', 'finishSecret'] as const) await runStep(fn, step, subject.secretId, token);
    expect(await versionWith(world.aws, subject.secretId, 'AWSCURRENT')).toBe(token);
  });

  test('the rotator may change this user only: a rotation of another user\'s secret fails', async () => {
    const subject = await rotationSubject(world.aws, world.snowflake);
    const other = await rotationSubject(world.aws, world.snowflake);
    // The first subject's rotator, in a function pinned to the other subject's secret and user.
    const fn = await fnFor({ ...other, adminSecretId: subject.adminSecretId });
    const first = await storedKey(world.aws, other.secretId, { VersionStage: 'AWSCURRENT' });
    const token = randomUUID();
    await runStep(fn, 'createSecret', other.secretId, token);
    const error = await failingStep(fn, 'setSecret', other.secretId, token);
    expect(error.errorMessage).toMatch(/Insufficient privileges/);
    expect(slotsOf(world.snowflake, other.user)).toEqual([first.fingerprint, undefined]);
    await currentStillWorks(other, first.versionId);
  });

  test('an unknown key in the free slot: setSecret refuses, naming the slot and fingerprint; overwriteUnknownKeys lets it through', async () => {
    const subject = await rotationSubject(world.aws, world.snowflake);
    const stranger = rsaKey();
    world.snowflake.setPublicKey(subject.user, 2, stranger.publicPem);
    const strangerFp = fingerprintOf(stranger.publicPem);
    const fn = await fnFor(subject);
    const first = await storedKey(world.aws, subject.secretId, { VersionStage: 'AWSCURRENT' });
    const token = randomUUID();
    await runStep(fn, 'createSecret', subject.secretId, token);
    const error = await failingStep(fn, 'setSecret', subject.secretId, token);
    expect(error.code).toBe('ROTATION_REFUSED');
    expect(error.errorMessage).toContain(`RSA_PUBLIC_KEY_2 of user "${subject.user}" holds ${strangerFp}`);
    expect(error.errorMessage).toMatch(/overwriteUnknownKeys/);
    expect(slotsOf(world.snowflake, subject.user)).toEqual([first.fingerprint, strangerFp]);
    await currentStillWorks(subject, first.versionId);

    // (passing case) opted in, the same rotation overwrites the slot.
    const overwriting = await fnFor(subject, { SNOWFLAKE_OVERWRITE_UNKNOWN_KEYS: 'true' });
    for (const step of ['setSecret', 'testSecret', 'finishSecret'] as const) await runStep(overwriting, step, subject.secretId, token);
    const current = await storedKey(world.aws, subject.secretId, { VersionStage: 'AWSCURRENT' });
    expect(slotsOf(world.snowflake, subject.user)).toEqual([first.fingerprint, current.fingerprint]);
  });

  test('the test step fails (the pending key is refused at login): AWSCURRENT stays; the retry succeeds once it is accepted', async () => {
    const subject = await rotationSubject(world.aws, world.snowflake);
    const fn = await fnFor(subject);
    const first = await storedKey(world.aws, subject.secretId, { VersionStage: 'AWSCURRENT' });
    const token = randomUUID();
    await runStep(fn, 'createSecret', subject.secretId, token);
    await runStep(fn, 'setSecret', subject.secretId, token);
    const pending = await storedKey(world.aws, subject.secretId, { VersionId: token, VersionStage: 'AWSPENDING' });
    world.snowflake.faults.rejectKey(pending.fingerprint);
    const error = await failingStep(fn, 'testSecret', subject.secretId, token);
    expect(error.code).toBe('ROTATION_TEST_FAILED');
    expect(error.errorMessage).toContain(`The pending key (${pending.fingerprint}) could not sign in as ${subject.user}`);
    await currentStillWorks(subject, first.versionId);

    world.snowflake.faults.allowKey(pending.fingerprint);
    await runStep(fn, 'testSecret', subject.secretId, token);
    await runStep(fn, 'finishSecret', subject.secretId, token);
    expect(await versionWith(world.aws, subject.secretId, 'AWSCURRENT')).toBe(token);
  });

  test('a crash between steps: a new instance takes the rotation up again, with no second key', async () => {
    const subject = await rotationSubject(world.aws, world.snowflake);
    const first = await storedKey(world.aws, subject.secretId, { VersionStage: 'AWSCURRENT' });
    const versionsBefore = Object.keys(await stagesOf(world.aws, subject.secretId)).length;
    const token = randomUUID();
    let fn = await fnFor(subject);
    await runStep(fn, 'createSecret', subject.secretId, token);
    const pending = await storedKey(world.aws, subject.secretId, { VersionId: token, VersionStage: 'AWSPENDING' });

    await fn.stop();
    fn = await fnFor(subject);
    await currentStillWorks(subject, first.versionId);
    await runStep(fn, 'createSecret', subject.secretId, token);
    expect((await storedKey(world.aws, subject.secretId, { VersionId: token, VersionStage: 'AWSPENDING' })).fingerprint).toBe(pending.fingerprint);
    await runStep(fn, 'setSecret', subject.secretId, token);

    await fn.stop();
    fn = await fnFor(subject);
    await currentStillWorks(subject, first.versionId);
    await runStep(fn, 'setSecret', subject.secretId, token);
    expect(fn.output()).toContain('the pending key is registered already; nothing to do');
    await runStep(fn, 'testSecret', subject.secretId, token);
    await runStep(fn, 'finishSecret', subject.secretId, token);

    expect(await versionWith(world.aws, subject.secretId, 'AWSCURRENT')).toBe(token);
    expect(slotsOf(world.snowflake, subject.user)).toEqual([first.fingerprint, pending.fingerprint]);
    expect(Object.keys(await stagesOf(world.aws, subject.secretId))).toHaveLength(versionsBefore + 1);
  });

  test('the key change does not take (another writer): setSecret fails its DESC USER check; the retry succeeds', async () => {
    const subject = await rotationSubject(world.aws, world.snowflake);
    const fn = await fnFor(subject);
    const first = await storedKey(world.aws, subject.secretId, { VersionStage: 'AWSCURRENT' });
    const token = randomUUID();
    await runStep(fn, 'createSecret', subject.secretId, token);
    world.snowflake.faults.dropKeyChanges(1);
    const error = await failingStep(fn, 'setSecret', subject.secretId, token);
    expect(error.code).toBe('ROTATION_VERIFY_FAILED');
    expect(error.errorMessage).toMatch(/DESC USER shows an empty slot instead of SHA256:/);
    await currentStillWorks(subject, first.versionId);
    await runStep(fn, 'setSecret', subject.secretId, token);
    expect(slotsOf(world.snowflake, subject.user)[1]).toBeDefined();
  });

  test('the pending key is unset after testSecret: finishSecret refuses to make it current', async () => {
    const subject = await rotationSubject(world.aws, world.snowflake);
    const fn = await fnFor(subject);
    const first = await storedKey(world.aws, subject.secretId, { VersionStage: 'AWSCURRENT' });
    const token = randomUUID();
    for (const step of ['createSecret', 'setSecret', 'testSecret'] as const) await runStep(fn, step, subject.secretId, token);
    world.snowflake.setPublicKey(subject.user, 2, undefined);
    const error = await failingStep(fn, 'finishSecret', subject.secretId, token);
    expect(error.code).toBe('ROTATION_STATE');
    expect(error.errorMessage).toMatch(/is no longer registered for user SVC_ROT_\d+, so it cannot become current/);
    await currentStillWorks(subject, first.versionId);
  });

  test('a step with a token that is not this rotation\'s is refused', async () => {
    const subject = await rotationSubject(world.aws, world.snowflake);
    const fn = await fnFor(subject);
    const error = await failingStep(fn, 'setSecret', subject.secretId, randomUUID());
    expect(error.code).toBe('ROTATION_STATE');
    expect(error.errorMessage).toMatch(/has no staging label: it is not this rotation's/);
  });
});

describe('who is asking: the function rotates its own secret and user, when rotation is on, as a rotator without account roles', () => {
  async function unchanged(subject: RotationSubject, firstVersion: string, firstFingerprint: string): Promise<void> {
    expect(await versionWith(world.aws, subject.secretId, 'AWSCURRENT')).toBe(firstVersion);
    expect(Object.values(await stagesOf(world.aws, subject.secretId)).flat()).not.toContain('AWSPENDING');
    expect(slotsOf(world.snowflake, subject.user)).toEqual([firstFingerprint, undefined]);
  }

  test('another secret (a direct invoke naming it) is refused before anything is read or written; (control) its own rotates', async () => {
    const subject = await rotationSubject(world.aws, world.snowflake);
    const other = await rotationSubject(world.aws, world.snowflake);
    const fn = await fnFor(subject);
    const first = await storedKey(world.aws, other.secretId, { VersionStage: 'AWSCURRENT' });
    for (const step of ['createSecret', 'setSecret'] as const) {
      const error = await failingStep(fn, step, other.secretId, randomUUID());
      expect(error.code).toBe('ROTATION_REFUSED');
      expect(error.errorMessage).toContain(`This function rotates ${subject.secretId} only, and was asked about "${other.secretId}"`);
    }
    const retire = await fn.invoke({ action: 'retirePreviousKey', SecretId: other.secretId });
    expect(retire.error?.errorMessage).toContain(`This function rotates ${subject.secretId} only`);
    await unchanged(other, first.versionId, first.fingerprint);
    // (control) its own secret rotates.
    const token = await rotate(fn, subject.secretId);
    expect(await versionWith(world.aws, subject.secretId, 'AWSCURRENT')).toBe(token);
  });

  test('a secret whose "user" was changed to another user is refused: the rotator never touches that user', async () => {
    const subject = await rotationSubject(world.aws, world.snowflake);
    const victim = await rotationSubject(world.aws, world.snowflake);
    // The rotator may change the victim's keys too: only the pin stands in the way.
    await world.snowflake.sql(`GRANT MODIFY PROGRAMMATIC AUTHENTICATION METHODS ON USER "${victim.user}" TO ROLE "${subject.rotatorRole}"`);
    const fn = await fnFor(subject);
    const victimKeys = slotsOf(world.snowflake, victim.user);
    const current = await storedKey(world.aws, subject.secretId, { VersionStage: 'AWSCURRENT' });
    await world.aws.putSecret(subject.secretId, { ...current.value, user: victim.user });
    const error = await failingStep(fn, 'createSecret', subject.secretId, randomUUID());
    expect(error.code).toBe('ROTATION_REFUSED');
    expect(error.errorMessage).toContain(`names user "${victim.user}", and this rotation rotates "${subject.user}" only`);
    expect(slotsOf(world.snowflake, victim.user)).toEqual(victimKeys);
    expect(Object.values(await stagesOf(world.aws, subject.secretId)).flat()).not.toContain('AWSPENDING');
  });

  test('a secret with rotation off is not rotated (DescribeSecret\'s RotationEnabled), as AWS\'s rotation templates check', async () => {
    const subject = await rotationSubject(world.aws, world.snowflake, { rotationEnabled: false });
    const fn = await fnFor(subject);
    const first = await storedKey(world.aws, subject.secretId, { VersionStage: 'AWSCURRENT' });
    const error = await failingStep(fn, 'createSecret', subject.secretId, randomUUID());
    expect(error.code).toBe('ROTATION_REFUSED');
    expect(error.errorMessage).toMatch(/Rotation is not enabled on .* \(DescribeSecret's RotationEnabled is (false|absent)\), so this createSecret was not run/);
    await unchanged(subject, first.versionId, first.fingerprint);
  });

  test.each(['ACCOUNTADMIN', 'SECURITYADMIN'])('a rotator signing in as %s is refused, with the least-privileged grant in the message', async (role) => {
    const subject = await rotationSubject(world.aws, world.snowflake);
    // The same rotator user, its secret naming the account role.
    world.snowflake.grantRole(role, subject.rotator);
    const rotatorSecret = JSON.parse((await world.aws.sm.send(new GetSecretValueCommand({ SecretId: subject.adminSecretId }))).SecretString!);
    await world.aws.putSecret(subject.adminSecretId, { ...rotatorSecret, role });
    const fn = await fnFor(subject);
    const first = await storedKey(world.aws, subject.secretId, { VersionStage: 'AWSCURRENT' });
    const token = randomUUID();
    await runStep(fn, 'createSecret', subject.secretId, token);
    const error = await failingStep(fn, 'setSecret', subject.secretId, token);
    expect(error.code).toBe('ROTATION_REFUSED');
    expect(error.errorMessage).toContain(`The rotator signs in with role ${role}, which administers the whole account; this function refuses to act with it`);
    expect(error.errorMessage).toContain(`a role of its own that holds only GRANT MODIFY PROGRAMMATIC AUTHENTICATION METHODS ON USER "${subject.user}"`);
    expect(slotsOf(world.snowflake, subject.user)).toEqual([first.fingerprint, undefined]);
    expect(await versionWith(world.aws, subject.secretId, 'AWSCURRENT')).toBe(first.versionId);
  });
});
