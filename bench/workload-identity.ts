/**
 * Workload identity beside key pair (docs/workload-identity.md, "Cost"): the same SQL executor
 * bundle (assets/sql-executor), the same declared statement and the same endpoints, signing in
 *
 * - with a key pair: it reads its secret (Secrets Manager GetSecretValue, 20 ms injected at the AWS
 *   proxy) and signs a JWT;
 * - with its IAM role: it reads no secret; the driver signs an STS GetCallerIdentity request, which
 *   the local Snowflake endpoint sends to STS (moto, behind the same proxy, 20 ms injected), as
 *   Snowflake sends it to AWS: one STS round trip in place of the secret read.
 *
 * Both logins get the same 150 ms at the endpoint. Cold starts (a fresh process, loading the bundle,
 * the first invocation) alternate between the two, and warm rounds alternate too; every row gives
 * the median and the range. The table is written into docs/workload-identity.md (bench/doc-table.ts).
 *
 * Run: `npx projen bench:workload-identity` (it bundles first). BENCH_COLD_RUNS, BENCH_WARM_ROUNDS
 * and BENCH_WARM_INVOCATIONS change the counts; BENCH_NO_WRITE=1 only prints.
 */
import * as os from 'node:os';
import { LocalSnowflake, startLocalSnowflake } from '@cdk-snowflake-keypair/local-snowflake';
import { markers, measuredCommit, median, percentile, provenance, spread, writeTable } from './doc-table';
import { serializeSqlExecutorConfig } from '../src/shared/sql-executor-config';
import { AUTHENTICATION_ENV, CONNECTION_ENV, serializeWorkloadIdentityConnection, WORKLOAD_IDENTITY_ARN_ENV } from '../src/shared/workload-identity';
import { AwsSide } from '../test/support/connector-fixture';
import { rsaKey } from '../test/support/keys';
import { assetDir } from '../test/support/lambda-process';
import { startLambdaInstance } from '../test/support/lambda-runtime';
import { assumeExecutionRole, lambdaCredentialsEnv } from '../test/support/workload-identity';

const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 11);
const WARM_ROUNDS = Number(process.env.BENCH_WARM_ROUNDS ?? 3);
const WARM_INVOCATIONS = Number(process.env.BENCH_WARM_INVOCATIONS ?? 200);
const SECRET_READ_MS = 20;
const STS_MS = 20;
const LOGIN_MS = 150;
const QUERY = 'SELECT ID, NAME FROM CUSTOMERS WHERE ID <= ? ORDER BY ID';
const EVENT = { run: 'customers', binds: [3] };
const DECLARATION = serializeSqlExecutorConfig({ statements: { customers: { sql: QUERY, binds: ['NUMBER'] } } });
const ROLE_ARN = 'arn:aws:iam::123456789012:role/bench-connector-role';
/** STS's query protocol as the endpoint replays the attestation (the proxy names a query-string call by method and path). */
const STS_CALL = 'POST /?Action=GetCallerIdentity&Version=2011-06-15';

interface Subject {
  readonly name: string;
  readonly env: Record<string, string>;
}

async function cold(subject: Subject): Promise<number> {
  const started = process.hrtime.bigint();
  const instance = await startLambdaInstance('index.js', assetDir('sql-executor'), subject.env);
  try {
    const invocation = await instance.invoke(EVENT);
    if (invocation.error) throw new Error(`${subject.name}: ${JSON.stringify(invocation.error)}\n${instance.output().slice(-2000)}`);
    return Number(process.hrtime.bigint() - started) / 1e6;
  } finally {
    await instance.stop();
  }
}

async function warm(subject: Subject, aws: AwsSide, snowflake: LocalSnowflake) {
  const instance = await startLambdaInstance('index.js', assetDir('sql-executor'), subject.env);
  try {
    const reads = aws.proxy.count('secretsmanager.GetSecretValue');
    const sts = aws.proxy.count(STS_CALL);
    const logins = snowflake.counters.logins;
    const first = await instance.invoke(EVENT);
    if (first.error) throw new Error(`${subject.name}: ${JSON.stringify(first.error)}\n${instance.output().slice(-2000)}`);
    const latencies: number[] = [];
    for (let i = 1; i < WARM_INVOCATIONS; i++) {
      const t = process.hrtime.bigint();
      const invocation = await instance.invoke(EVENT);
      if (invocation.error) throw new Error(`${subject.name}: ${JSON.stringify(invocation.error)}`);
      latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    return {
      p50: median(latencies),
      p95: percentile(latencies, 95),
      reads: aws.proxy.count('secretsmanager.GetSecretValue') - reads,
      sts: aws.proxy.count(STS_CALL) - sts,
      logins: snowflake.counters.logins - logins,
    };
  } finally {
    await instance.stop();
  }
}

async function main(): Promise<void> {
  const commit = process.env.BENCH_NO_WRITE ? 'uncommitted' : measuredCommit('workload-identity');
  const aws = await AwsSide.start();
  // The endpoint asks STS who the caller is through the proxy, where the STS latency is injected.
  const snowflake = await startLocalSnowflake({ sts: { endpointUrl: aws.proxy.endpoint } });
  try {
    const key = rsaKey();
    snowflake.addUser({ name: 'SVC_KEYPAIR', publicKeys: [key.publicPem], defaultWarehouse: 'BENCH_WH' });
    snowflake.addUser({ name: 'SVC_ROLE', workloadIdentity: { arn: ROLE_ARN }, defaultWarehouse: 'BENCH_WH' });
    await snowflake.sql("CREATE TABLE CUSTOMERS (ID INTEGER, NAME VARCHAR); INSERT INTO CUSTOMERS VALUES (1, 'Ada'), (2, 'Grace'), (3, 'Linus'), (4, 'Barbara')");
    const secretId = await aws.createSecret({ account: snowflake.account, user: 'SVC_KEYPAIR', privateKey: key.pkcs8Pem });
    const credentials = await assumeExecutionRole(aws.moto.endpoint, ROLE_ARN);
    const common = { SNOWFLAKE_ENDPOINT_URL: snowflake.url, SNOWFLAKE_METRICS: 'off', SNOWFLAKE_SQL_EXECUTOR: DECLARATION };
    const keyPair: Subject = { name: 'key pair', env: { ...aws.env(), ...common, SNOWFLAKE_SECRET_ID: secretId } };
    const workloadIdentity: Subject = {
      name: 'workload identity',
      env: {
        ...lambdaCredentialsEnv(credentials),
        ...common,
        [AUTHENTICATION_ENV]: 'WORKLOAD_IDENTITY',
        [CONNECTION_ENV]: serializeWorkloadIdentityConnection({ account: snowflake.account, user: 'SVC_ROLE' }),
        [WORKLOAD_IDENTITY_ARN_ENV]: ROLE_ARN,
      },
    };

    aws.proxy.setLatency('secretsmanager.GetSecretValue', SECRET_READ_MS);
    aws.proxy.setLatency(STS_CALL, STS_MS);
    snowflake.faults.setLatency(LOGIN_MS, { kind: 'login' });

    // Cold starts, alternated; the ratio is taken run by run (each pair ran side by side).
    const coldKp: number[] = [];
    const coldWi: number[] = [];
    for (let i = 0; i < COLD_RUNS; i++) {
      const [first, second] = i % 2 === 0 ? [keyPair, workloadIdentity] : [workloadIdentity, keyPair];
      const a = await cold(first);
      const b = await cold(second);
      (first === keyPair ? coldKp : coldWi).push(a);
      (first === keyPair ? coldWi : coldKp).push(b);
    }
    const coldRatios = coldWi.map((w, i) => w / coldKp[i]);

    // Warm rounds, alternated.
    const rounds: Record<string, Awaited<ReturnType<typeof warm>>[]> = { kp: [], wi: [] };
    for (let r = 0; r < WARM_ROUNDS; r++) {
      const order = r % 2 === 0 ? (['kp', 'wi'] as const) : (['wi', 'kp'] as const);
      for (const which of order) rounds[which].push(await warm(which === 'kp' ? keyPair : workloadIdentity, aws, snowflake));
    }
    const p50Ratios = rounds.wi.map((w, i) => w.p50 / rounds.kp[i].p50);
    const p95Ratios = rounds.wi.map((w, i) => w.p95 / rounds.kp[i].p95);
    const per1000 = (n: number) => ((n * 1000) / WARM_INVOCATIONS).toFixed(0);

    const lines = [
      `Injected: ${SECRET_READ_MS} ms per Secrets Manager GetSecretValue, ${STS_MS} ms per STS GetCallerIdentity (sent by the endpoint, `
        + `as Snowflake sends it to AWS), ${LOGIN_MS} ms per Snowflake login. Median (range) of ${COLD_RUNS} alternated cold starts and `
        + `${WARM_ROUNDS} alternated warm rounds of ${WARM_INVOCATIONS} invocations.`,
      '',
      '| measure | key pair | workload identity | workload identity / key pair |',
      '|---|---|---|---|',
      `| cold start: process + first invocation (ms) | ${spread(coldKp)} | ${spread(coldWi)} | ${spread(coldRatios, 3)}x |`,
      `| warm latency p50 (ms) | ${spread(rounds.kp.map((x) => x.p50), 1)} | ${spread(rounds.wi.map((x) => x.p50), 1)} | ${spread(p50Ratios, 3)}x |`,
      `| warm latency p95 (ms) | ${spread(rounds.kp.map((x) => x.p95), 1)} | ${spread(rounds.wi.map((x) => x.p95), 1)} | ${spread(p95Ratios, 3)}x |`,
      `| Secrets Manager reads per 1,000 invocations (cold one included) | ${per1000(median(rounds.kp.map((x) => x.reads)))} | ${per1000(median(rounds.wi.map((x) => x.reads)))} | |`,
      `| STS calls (by Snowflake) per 1,000 invocations | ${per1000(median(rounds.kp.map((x) => x.sts)))} | ${per1000(median(rounds.wi.map((x) => x.sts)))} | |`,
      `| Snowflake logins per 1,000 invocations | ${per1000(median(rounds.kp.map((x) => x.logins)))} | ${per1000(median(rounds.wi.map((x) => x.logins)))} | |`,
      '',
      provenance(commit, 'npx projen bench:workload-identity'),
    ];
    const table = lines.join('\n');
    console.log(`\n${table}\n`);
    if (!process.env.BENCH_NO_WRITE) {
      writeTable('docs/workload-identity.md', 'workload-identity', table);
      console.log(`written to docs/workload-identity.md (${markers('workload-identity').start}) on ${os.hostname()}`);
    }
  } finally {
    await Promise.all([aws.stop(), snowflake.stop()]);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
