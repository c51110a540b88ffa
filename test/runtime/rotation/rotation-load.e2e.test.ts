/**
 * A rotation under load: N invocations of the bundled connector function (assets/sql-executor, the
 * default handler) at concurrency C (C warm Lambda-like instances, one invocation at a time each,
 * as Lambda runs them) run across a whole rotation by the bundled rotation function. The old key is
 * retired at finishSecret and every session is ended right after, so each instance must sign in
 * again mid-stream: its login with the old key is rejected, it re-reads AWSCURRENT and signs in with
 * the new key. None of the N invocations may fail.
 */
import '@cdk-snowflake-keypair/local-snowflake/driver-env';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { serializeSqlExecutorConfig } from '../../../src/shared/sql-executor-config';
import { assetDir, REPO } from '../../support/lambda-process';
import { startLambdaInstance } from '../../support/lambda-runtime';
import { awsEnvFor } from '../../support/moto';
import { rotate, rotationInstance, rotationSubject, storedKey, useRotationWorld } from '../../support/rotation-fixture';

/** Invocations, concurrency, and how many complete before the rotation starts. */
const N = 1200;
const C = 4;
const START_AFTER = 150;

const world = useRotationWorld();

test(`${N} invocations at concurrency ${C} across a rotation that retires the old key: none fails`, async () => {
  const subject = await rotationSubject(world.aws, world.snowflake);
  const first = await storedKey(world.aws, subject.secretId, { VersionStage: 'AWSCURRENT' });
  // The rotation function talks to moto directly, so the proxy counts the connector's reads only.
  const rotator = await rotationInstance(world.aws, world.snowflake, subject, { ...awsEnvFor(world.aws.moto), SNOWFLAKE_RETIRE_OLD_KEY: 'immediately' });
  world.instances.push(rotator);
  for (let i = 0; i < C; i++) {
    world.instances.push(await startLambdaInstance('index.js', assetDir('sql-executor'), {
      ...world.aws.env(),
      SNOWFLAKE_SECRET_ID: subject.secretId,
      SNOWFLAKE_ENDPOINT_URL: world.snowflake.url,
      SNOWFLAKE_SQL_EXECUTOR: serializeSqlExecutorConfig({ statements: { echo: { sql: 'SELECT ? AS I', binds: ['NUMBER'] } } }),
    }));
  }
  const workers = world.instances.slice(1);
  const readsBefore = world.aws.reads();
  const loginsBefore = world.snowflake.counters.logins;

  let next = 0;
  let done = 0;
  const failures: string[] = [];
  const marks: Record<string, number> = {};
  let rotation: Promise<void> | undefined;
  const startRotation = () => {
    marks.rotationStarted = done;
    rotation = rotate(rotator, subject.secretId).then(() => {
      marks.rotationFinished = done;
      // Sessions end (as they do after hours): every instance must sign in again, with the new key.
      world.snowflake.expireSessions({ master: true });
    });
  };

  await Promise.all(workers.map(async (worker) => {
    while (next < N) {
      const i = next++;
      const invocation = await worker.invoke({ run: 'echo', binds: [i] });
      const rows = invocation.result?.results?.[0]?.rows;
      if (invocation.error || rows?.[0]?.I !== String(i) && rows?.[0]?.I !== i) {
        failures.push(`#${i}: ${JSON.stringify(invocation.error ?? invocation.result)}`);
      }
      done++;
      if (done === START_AFTER) startRotation();
    }
  }));
  await rotation;

  const current = await storedKey(world.aws, subject.secretId, { VersionStage: 'AWSCURRENT' });
  const reReads = world.aws.reads() - readsBefore - C;
  const report = {
    N,
    C,
    failed: failures.length,
    rotationStartedAfter: marks.rotationStarted,
    rotationFinishedAfter: marks.rotationFinished,
    reReads,
    logins: world.snowflake.counters.logins - loginsBefore,
  };
  fs.mkdirSync(path.join(REPO, 'test-reports'), { recursive: true });
  fs.writeFileSync(path.join(REPO, 'test-reports', 'rotation-load.json'), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`rotation under load: ${JSON.stringify(report)}\n`);

  expect(failures).toEqual([]);
  // The rotation landed mid-stream: invocations ran before it, during it and after the old key went.
  expect(marks.rotationStarted).toBe(START_AFTER);
  expect(marks.rotationFinished).toBeLessThan(N - 100);
  expect(current.fingerprint).not.toBe(first.fingerprint);
  // Every instance re-read the secret once it had to sign in again, and no more.
  expect(reReads).toBe(C);
  for (const worker of workers) expect(worker.output()).toContain(current.fingerprint);
}, 180_000);
