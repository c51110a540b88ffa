/**
 * Benchmarks of SnowflakeConnectorFunction's handler against a named baseline, measured side by
 * side in one run and printed as ratios:
 *
 * - baseline: the same SQL handler written the usual way (bench/baseline/handler.ts): it reads the
 *   secret and connects on every invocation, bundled as a NodejsFunction does by default (esbuild,
 *   not minified, the @aws-sdk packages left to the Lambda runtime);
 * - ours: assets/sql-executor/index.js, as the library ships it.
 *
 * 1. bundle size; 2. cold start (a fresh process, loading the bundle, plus the first invocation);
 * 3. warm invocations with injected latency (Secrets Manager 20 ms, Snowflake login 150 ms):
 *    latency, throughput, and Secrets Manager reads and logins per 1,000 invocations.
 *
 * Run: `npx projen bench` (after `npx projen bundle:runtime`). docs/benchmarks.md records a run.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalSnowflake, startLocalSnowflake } from '@cdk-snowflake-keypair/local-snowflake';
import { serializeSqlExecutorConfig } from '../src/shared/sql-executor-config';
import { AwsSide } from '../test/support/connector-fixture';
import { rsaKey } from '../test/support/keys';
import { assetDir, REPO } from '../test/support/lambda-process';
import { LambdaInstance, startLambdaInstance } from '../test/support/lambda-runtime';

const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 11);
const WARM_OURS = Number(process.env.BENCH_WARM_OURS ?? 1_000);
const WARM_BASELINE = Number(process.env.BENCH_WARM_BASELINE ?? 100);
const QUERY = 'SELECT ID, NAME FROM CUSTOMERS WHERE ID <= ? ORDER BY ID';
/** Ours runs a statement declared at synth, by name (ConnectorHandler.sqlExecutor({ statements })); the baseline takes the SQL. */
const OUR_EVENT = { run: 'customers', binds: [3] };
const BASELINE_EVENT = { statements: [{ sql: QUERY, binds: [3] }] };
const DECLARATION = serializeSqlExecutorConfig({ statements: { customers: { sql: QUERY, binds: ['NUMBER'] } } });

interface Subject {
  readonly name: string;
  readonly dir: string;
  readonly env: Record<string, string>;
  readonly event: unknown;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function ratio(ours: number, baseline: number): string {
  return `${(ours / baseline).toFixed(3)}x`;
}

function buildBaseline(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-baseline-'));
  execFileSync(path.join(REPO, 'node_modules', '.bin', 'esbuild'), [
    path.join(REPO, 'bench', 'baseline', 'handler.ts'),
    '--bundle', '--platform=node', '--target=node24', '--format=cjs',
    '--external:@aws-sdk/*', '--log-level=error',
    `--outfile=${path.join(dir, 'index.js')}`,
  ], { stdio: 'pipe' });
  return dir;
}

async function invokeOnce(subject: Subject): Promise<number> {
  const started = process.hrtime.bigint();
  const instance = await startLambdaInstance('index.js', subject.dir, subject.env);
  try {
    const invocation = await instance.invoke(subject.event);
    if (invocation.error) throw new Error(`${subject.name}: ${JSON.stringify(invocation.error)}\n${instance.output().slice(-2000)}`);
    return Number(process.hrtime.bigint() - started) / 1e6;
  } finally {
    await instance.stop();
  }
}

async function warm(subject: Subject, count: number, aws: AwsSide, snowflake: LocalSnowflake) {
  const instance: LambdaInstance = await startLambdaInstance('index.js', subject.dir, subject.env);
  try {
    // Reads and logins are counted over all `count` invocations, the first (cold) one included;
    // latency and throughput over the warm ones only.
    const reads = aws.reads();
    const logins = snowflake.counters.logins;
    const first = await instance.invoke(subject.event);
    if (first.error) throw new Error(`${subject.name}: ${JSON.stringify(first.error)}`);
    const latencies: number[] = [];
    const started = process.hrtime.bigint();
    for (let i = 1; i < count; i++) {
      const t = process.hrtime.bigint();
      const invocation = await instance.invoke(subject.event);
      if (invocation.error) throw new Error(`${subject.name}: ${JSON.stringify(invocation.error)}`);
      latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return {
      p50: median(latencies),
      p95: percentile(latencies, 95),
      throughput: (count - 1) / seconds,
      readsPer1000: ((aws.reads() - reads) * 1000) / count,
      loginsPer1000: ((snowflake.counters.logins - logins) * 1000) / count,
    };
  } finally {
    await instance.stop();
  }
}

async function main(): Promise<void> {
  const [aws, snowflake] = await Promise.all([AwsSide.start(), startLocalSnowflake()]);
  const baselineDir = buildBaseline();
  try {
    const key = rsaKey();
    snowflake.addUser({ name: 'SVC_BENCH', publicKeys: [key.publicPem], defaultWarehouse: 'BENCH_WH' });
    await snowflake.sql("CREATE TABLE CUSTOMERS (ID INTEGER, NAME VARCHAR); INSERT INTO CUSTOMERS VALUES (1, 'Ada'), (2, 'Grace'), (3, 'Linus'), (4, 'Barbara')");
    const secretId = await aws.createSecret({ account: snowflake.account, user: 'SVC_BENCH', privateKey: key.pkcs8Pem });
    const common = { ...aws.env(), SNOWFLAKE_SECRET_ID: secretId, SNOWFLAKE_ENDPOINT_URL: snowflake.url };
    const ours: Subject = { name: 'ours', dir: assetDir('sql-executor'), env: { ...common, SNOWFLAKE_METRICS: 'off', SNOWFLAKE_SQL_EXECUTOR: DECLARATION }, event: OUR_EVENT };
    // The Lambda runtime provides @aws-sdk/* to the baseline; here, the repository's copy does.
    const baseline: Subject = { name: 'baseline', dir: baselineDir, env: { ...common, NODE_PATH: path.join(REPO, 'node_modules') }, event: BASELINE_EVENT };

    const lines: string[] = [];
    const row = (what: string, o: string, b: string, r: string) => lines.push(`| ${what} | ${o} | ${b} | ${r} |`);
    lines.push('| measure | ours (assets/sql-executor) | baseline (usual handler, NodejsFunction defaults) | ours / baseline |', '|---|---|---|---|');

    // 1. Bundle size.
    const oursSize = fs.statSync(path.join(ours.dir, 'index.js')).size;
    const baseSize = fs.statSync(path.join(baseline.dir, 'index.js')).size;
    row('bundle size (bytes)', String(oursSize), String(baseSize), ratio(oursSize, baseSize));

    // 2. Cold start, alternating the two so that the machine's state affects both alike.
    const coldOurs: number[] = [];
    const coldBase: number[] = [];
    for (let i = 0; i < COLD_RUNS; i++) {
      coldOurs.push(await invokeOnce(ours));
      coldBase.push(await invokeOnce(baseline));
    }
    row(`cold start: process + first invocation, median of ${COLD_RUNS} (ms)`, median(coldOurs).toFixed(0), median(coldBase).toFixed(0), ratio(median(coldOurs), median(coldBase)));

    // 3. Warm invocations with latency injected at the endpoints.
    aws.proxy.setLatency('secretsmanager.GetSecretValue', 20);
    snowflake.faults.setLatency(150, { kind: 'login' });
    const w1 = await warm(ours, WARM_OURS, aws, snowflake);
    const w2 = await warm(baseline, WARM_BASELINE, aws, snowflake);
    row(`warm latency p50 (ms; ours over ${WARM_OURS}, baseline over ${WARM_BASELINE} invocations)`, w1.p50.toFixed(1), w2.p50.toFixed(1), ratio(w1.p50, w2.p50));
    row('warm latency p95 (ms)', w1.p95.toFixed(1), w2.p95.toFixed(1), ratio(w1.p95, w2.p95));
    row('warm throughput, sequential (invocations/s)', w1.throughput.toFixed(1), w2.throughput.toFixed(1), ratio(w1.throughput, w2.throughput));
    row('Secrets Manager reads per 1,000 invocations of one instance (the cold one included)', w1.readsPer1000.toFixed(0), w2.readsPer1000.toFixed(0), '');
    row('Snowflake logins per 1,000 invocations of one instance (the cold one included)', w1.loginsPer1000.toFixed(0), w2.loginsPer1000.toFixed(0), '');

    console.log(`\nbench/run.ts on ${os.cpus().length} CPUs, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n`);
    console.log(lines.join('\n'));
  } finally {
    fs.rmSync(baselineDir, { recursive: true, force: true });
    await Promise.all([aws.stop(), snowflake.stop()]);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
