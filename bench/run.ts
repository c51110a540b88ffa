/**
 * The SQL executor against the handlers a team would write instead (issue 18), four subjects side
 * by side in one run (and a control), alternated, repeated, every row a median with its range:
 *
 * - per-call handler (straw man): bench/baseline/per-call-handler.ts, reads the secret and signs
/*
 *   left to the runtime);
 * - caching handler (the baseline): bench/baseline/caching-handler.ts, client and connection in
/* left to the runtime, snowflake-sdk's
 *   platform detection off;
 * - the executor on the driver: assets/sql-executor, as the library ships it;
 * - the executor on the SQL API: assets/sql-api-executor, as the library ships it (the default);
 * - and, as a control, an empty handler (bench/baseline/empty-handler.ts): what the Lambda-like
 *   process costs by itself, the floor under every cold start and every peak RSS.
 *
 * Every subject runs the same SELECT with one bind, as a warm Lambda-like instance
 * (test/support/lambda-runtime.ts) against moto's Secrets Manager (behind the counting proxy) and
 * the local Snowflake endpoint, with the same injected latencies for cold starts and warm runs:
 * GetSecretValue 20 ms, a login 150 ms, a statement 50 ms (a driver query request and a SQL API
/* to the two handlers; here the
 * repository's node_modules does (NODE_PATH), loaded from disk at every cold start as on Lambda.
 *
 * Measures: bundle bytes (and gzipped), cold start (process spawned to first answer), peak RSS
 * (VmHWM over a warm round), warm latency p50 and p95, sequential throughput, Secrets Manager
 * reads and Snowflake logins per 1,000 invocations. The table, with the ratios of the SQL API
 * executor to the caching handler and the issue's goals, is written into docs/benchmarks.md and a
 * summary into README.md (bench/doc-table.ts).
 *
 * Run: `npx projen bench` (it bundles first). BENCH_COLD_RUNS, BENCH_WARM_ROUNDS,
 * BENCH_WARM_INVOCATIONS, BENCH_PER_CALL_INVOCATIONS and BENCH_STATEMENT_MS change the run;
 * BENCH_NO_WRITE=1 only prints.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { LocalSnowflake, startLocalSnowflake } from '@cdk-snowflake-keypair/local-snowflake';
import { measuredCommit, median, percentile, provenance, spread, verdict, writeTable } from './doc-table';
import { serializeSqlExecutorConfig } from '../src/shared/sql-executor-config';
import { AwsSide } from '../test/support/connector-fixture';
import { rsaKey } from '../test/support/keys';
import { assetDir, REPO } from '../test/support/lambda-process';
import { LambdaInstance, startLambdaInstance } from '../test/support/lambda-runtime';

const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 11);
const WARM_ROUNDS = Number(process.env.BENCH_WARM_ROUNDS ?? 3);
const WARM_INVOCATIONS = Number(process.env.BENCH_WARM_INVOCATIONS ?? 200);
/** The straw man pays a read and a login per call (about 250 ms): fewer invocations per round. */
const PER_CALL_INVOCATIONS = Number(process.env.BENCH_PER_CALL_INVOCATIONS ?? 40);
const SECRET_READ_MS = 20;
const LOGIN_MS = 150;
const STATEMENT_MS = Number(process.env.BENCH_STATEMENT_MS ?? 50);
const QUERY = 'SELECT ID, NAME FROM CUSTOMERS WHERE ID <= ? ORDER BY ID';
/** The executors run a statement declared at synth, by name; the handlers take the SQL. */
const EXECUTOR_EVENT = { run: 'customers', binds: [3] };
const HANDLER_EVENT = { statements: [{ sql: QUERY, binds: [3] }] };
const DECLARATION = serializeSqlExecutorConfig({ statements: { customers: { sql: QUERY, binds: ['NUMBER'] } } });
const MIB = 1024 * 1024;

type Key = 'floor' | 'perCall' | 'caching' | 'driver' | 'sqlApi';
const KEYS: readonly Key[] = ['floor', 'perCall', 'caching', 'driver', 'sqlApi'];
const LABELS: Record<Key, string> = {
  floor: 'empty handler (the floor)',
  perCall: 'per-call handler (straw man)',
  caching: 'caching handler (baseline)',
  driver: 'executor on the driver',
  sqlApi: 'executor on the SQL API (default)',
};

interface Subject {
  readonly key: Key;
  readonly dir: string;
  readonly env: Record<string, string>;
  readonly event: unknown;
  readonly warmInvocations: number;
}

interface WarmRound {
  readonly p50: number;
  readonly p95: number;
  readonly throughput: number;
  readonly peakRssMiB: number;
  readonly readsPer1000: number;
  readonly loginsPer1000: number;
}

/** esbuild with the flags a team would use: `minify` for the caching handler, NodejsFunction's defaults otherwise. */
function bundleHandler(file: string, minify: boolean): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-handler-'));
  execFileSync(path.join(REPO, 'node_modules', '.bin', 'esbuild'), [
    path.join(REPO, 'bench', 'baseline', file),
    '--bundle', '--platform=node', '--target=node24', '--format=cjs',
    '--external:@aws-sdk/*', '--log-level=error',
    ...(minify ? ['--minify'] : []),
    `--outfile=${path.join(dir, 'index.js')}`,
  ], { stdio: 'pipe' });
  return dir;
}

/** The answer must hold the three rows the SELECT returns, so that no subject wins by doing less. */
function checkAnswer(subject: Subject, invocation: { result?: unknown; error?: unknown }, output: () => string): void {
  if (subject.key === 'floor' && !invocation.error) return;
  const text = JSON.stringify(invocation.result ?? null);
  if (invocation.error || !text.includes('Linus') || text.includes('Barbara')) {
    throw new Error(`${LABELS[subject.key]} answered ${JSON.stringify(invocation.error ?? invocation.result)}\n${output().slice(-2000)}`);
  }
}

async function cold(subject: Subject): Promise<{ ms: number; peakRssMiB: number }> {
  const instance = await startLambdaInstance('index.js', subject.dir, subject.env);
  try {
    const invocation = await instance.invoke(subject.event);
    const ms = Number(process.hrtime.bigint() - instance.spawnedAt) / 1e6;
    checkAnswer(subject, invocation, instance.output);
    return { ms, peakRssMiB: peakRss(instance) / MIB };
  } finally {
    await instance.stop();
  }
}

async function warm(subject: Subject, aws: AwsSide, snowflake: LocalSnowflake): Promise<WarmRound> {
  const instance = await startLambdaInstance('index.js', subject.dir, subject.env);
  try {
    // Reads and logins over all the invocations, the first (cold) one included; latency and
    // throughput over the warm ones.
    const reads = aws.reads();
    const logins = snowflake.counters.logins;
    checkAnswer(subject, await instance.invoke(subject.event), instance.output);
    const latencies: number[] = [];
    const started = process.hrtime.bigint();
    for (let i = 1; i < subject.warmInvocations; i++) {
      const t = process.hrtime.bigint();
      const invocation = await instance.invoke(subject.event);
      latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
      if (invocation.error) checkAnswer(subject, invocation, instance.output);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const peak = peakRss(instance);
    return {
      p50: median(latencies),
      p95: percentile(latencies, 95),
      throughput: (subject.warmInvocations - 1) / seconds,
      peakRssMiB: peak / MIB,
      readsPer1000: ((aws.reads() - reads) * 1000) / subject.warmInvocations,
      loginsPer1000: ((snowflake.counters.logins - logins) * 1000) / subject.warmInvocations,
    };
  } finally {
    await instance.stop();
  }
}

function peakRss(instance: LambdaInstance): number {
  const peak = instance.peakRssBytes();
  if (peak === undefined) throw new Error('peak RSS is read from /proc/<pid>/status (Linux); this machine has none');
  return peak;
}

/** The subjects in run `i`'s order: each one first as often as the others. */
function rotated(i: number): Key[] {
  return KEYS.map((_, j) => KEYS[(i + j) % KEYS.length]);
}

function fileBytes(dir: string): { raw: number; gzip: number } {
  const code = fs.readFileSync(path.join(dir, 'index.js'));
  return { raw: code.length, gzip: zlib.gzipSync(code, { level: 9 }).length };
}

async function main(): Promise<void> {
  const commit = process.env.BENCH_NO_WRITE ? 'uncommitted' : measuredCommit('executor');
  const [aws, snowflake] = await Promise.all([AwsSide.start(), startLocalSnowflake()]);
  const floorDir = bundleHandler('empty-handler.ts', true);
  const perCallDir = bundleHandler('per-call-handler.ts', false);
  const cachingDir = bundleHandler('caching-handler.ts', true);
  try {
    const key = rsaKey();
    snowflake.addUser({ name: 'SVC_BENCH', publicKeys: [key.publicPem], defaultWarehouse: 'BENCH_WH' });
    await snowflake.sql("CREATE TABLE CUSTOMERS (ID INTEGER, NAME VARCHAR); INSERT INTO CUSTOMERS VALUES (1, 'Ada'), (2, 'Grace'), (3, 'Linus'), (4, 'Barbara')");
    const secretId = await aws.createSecret({ account: snowflake.account, user: 'SVC_BENCH', privateKey: key.pkcs8Pem });
    const common = { ...aws.env(), SNOWFLAKE_SECRET_ID: secretId, SNOWFLAKE_ENDPOINT_URL: snowflake.url };
    // The Lambda runtime provides @aws-sdk/* to the handlers; here, the repository's copy does.
    const handlerEnv = { ...common, NODE_PATH: path.join(REPO, 'node_modules') };
    const subjects: Record<Key, Subject> = {
      floor: { key: 'floor', dir: floorDir, env: handlerEnv, event: HANDLER_EVENT, warmInvocations: WARM_INVOCATIONS },
      perCall: { key: 'perCall', dir: perCallDir, env: handlerEnv, event: HANDLER_EVENT, warmInvocations: PER_CALL_INVOCATIONS },
      caching: {
        key: 'caching',
        dir: cachingDir,
        env: { ...handlerEnv, SNOWFLAKE_DISABLE_PLATFORM_DETECTION: 'true', SNOWFLAKE_DISABLE_MINICORE: 'true' },
        event: HANDLER_EVENT,
        warmInvocations: WARM_INVOCATIONS,
      },
      // The executors as SnowflakeConnectorFunction configures them (metrics on, its default).
      driver: { key: 'driver', dir: assetDir('sql-executor'), env: { ...common, SNOWFLAKE_SQL_EXECUTOR: DECLARATION }, event: EXECUTOR_EVENT, warmInvocations: WARM_INVOCATIONS },
      sqlApi: { key: 'sqlApi', dir: assetDir('sql-api-executor'), env: { ...common, SNOWFLAKE_SQL_EXECUTOR: DECLARATION }, event: EXECUTOR_EVENT, warmInvocations: WARM_INVOCATIONS },
    };

    aws.proxy.setLatency('secretsmanager.GetSecretValue', SECRET_READ_MS);
    snowflake.faults.setLatency(LOGIN_MS, { kind: 'login' });
    // One statement, one latency, whichever protocol carries it (the endpoint's `query` kind covers SQL API statements).
    snowflake.faults.setLatency(STATEMENT_MS, { kind: 'query' });

    const coldMs: Record<Key, number[]> = { floor: [], perCall: [], caching: [], driver: [], sqlApi: [] };
    const coldRss: Record<Key, number[]> = { floor: [], perCall: [], caching: [], driver: [], sqlApi: [] };
    for (let i = 0; i < COLD_RUNS; i++) {
      for (const k of rotated(i)) {
        const run = await cold(subjects[k]);
        coldMs[k].push(run.ms);
        coldRss[k].push(run.peakRssMiB);
      }
      process.stderr.write(`cold run ${i + 1}/${COLD_RUNS}\n`);
    }
    const rounds: Record<Key, WarmRound[]> = { floor: [], perCall: [], caching: [], driver: [], sqlApi: [] };
    for (let r = 0; r < WARM_ROUNDS; r++) {
      for (const k of rotated(r)) rounds[k].push(await warm(subjects[k], aws, snowflake));
      process.stderr.write(`warm round ${r + 1}/${WARM_ROUNDS}\n`);
    }

    const bytes = Object.fromEntries(KEYS.map((k) => [k, fileBytes(subjects[k].dir)])) as Record<Key, { raw: number; gzip: number }>;
    const table = render({ coldMs, coldRss, rounds, bytes, commit });
    console.log(`\n${table.executor}\n\n${table.summary}\n`);
    if (!process.env.BENCH_NO_WRITE) {
      writeTable('docs/benchmarks.md', 'executor', table.executor);
      writeTable('README.md', 'summary', table.summary);
      console.log('written to docs/benchmarks.md (bench:executor) and README.md (bench:summary)');
    }
  } finally {
    fs.rmSync(floorDir, { recursive: true, force: true });
    fs.rmSync(perCallDir, { recursive: true, force: true });
    fs.rmSync(cachingDir, { recursive: true, force: true });
    await Promise.all([aws.stop(), snowflake.stop()]);
  }
}

interface Goal {
  /** The ratio of the SQL API executor to the caching handler must be at most this. */
  readonly max: number;
}

/** Ratios of the SQL API executor to the caching handler, pair by pair (each pair ran side by side). */
function ratios(ours: number[], baseline: number[]): number[] {
  return ours.map((o, i) => o / baseline[i]);
}

function render(run: {
  coldMs: Record<Key, number[]>;
  coldRss: Record<Key, number[]>;
  rounds: Record<Key, WarmRound[]>;
  bytes: Record<Key, { raw: number; gzip: number }>;
  commit: string;
}): { executor: string; summary: string } {
  const { coldMs, coldRss, rounds, bytes, commit } = run;
  const of = (k: Key, f: (w: WarmRound) => number) => rounds[k].map(f);
  const row = (what: string, cells: Record<Key, string>, ratio?: number[], goal?: Goal) => {
    const ratioCell = ratio ? `${spread(ratio, 3)}x` : '';
    const goalCell = ratio && goal ? verdict(ratio, goal.max) : '';
    return `| ${what} | ${KEYS.map((k) => cells[k]).join(' | ')} | ${ratioCell} | ${goalCell} |`;
  };
  const each = (f: (k: Key) => string) => Object.fromEntries(KEYS.map((k) => [k, f(k)])) as Record<Key, string>;
  /** What a subject's warm round held beyond the empty handler's round beside it: its code and data, not Node's. */
  const aboveFloor = (k: Key) => of(k, (w) => w.peakRssMiB).map((v, i) => v - rounds.floor[i].peakRssMiB);
  const per1000 = (k: Key, f: (w: WarmRound) => number) => median(of(k, f)).toFixed(0);

  const goals = { cold: { max: 0.35 }, bundle: { max: 0.1 }, rss: { max: 0.5 }, p50: { max: 1.0 } };
  const ratio = {
    bundle: [bytes.sqlApi.raw / bytes.caching.raw],
    gzip: [bytes.sqlApi.gzip / bytes.caching.gzip],
    cold: ratios(coldMs.sqlApi, coldMs.caching),
    coldRss: ratios(coldRss.sqlApi, coldRss.caching),
    rss: ratios(of('sqlApi', (w) => w.peakRssMiB), of('caching', (w) => w.peakRssMiB)),
    p50: ratios(of('sqlApi', (w) => w.p50), of('caching', (w) => w.p50)),
    p95: ratios(of('sqlApi', (w) => w.p95), of('caching', (w) => w.p95)),
    throughput: ratios(of('sqlApi', (w) => w.throughput), of('caching', (w) => w.throughput)),
  };
  const lines = [
    `Injected at the endpoints, for cold starts and warm rounds alike: ${SECRET_READ_MS} ms per Secrets Manager GetSecretValue, `
      + `${LOGIN_MS} ms per Snowflake login, ${STATEMENT_MS} ms per statement (a driver query request or a SQL API statement request). `
      + `Median (range) of ${COLD_RUNS} cold starts per subject and ${WARM_ROUNDS} warm rounds of ${WARM_INVOCATIONS} invocations `
      + `(the straw man: ${PER_CALL_INVOCATIONS}), the subjects alternated. Ratios: the SQL API executor to the caching handler, `
      + 'taken pair by pair (a cold start or round of each, side by side).',
    '',
    `| measure | ${KEYS.map((k) => LABELS[k]).join(' | ')} | SQL API executor / caching handler | goal (issue 18) |`,
    `|---|${KEYS.map(() => '---').join('|')}|---|---|`,
    row('bundle (bytes)', each((k) => String(bytes[k].raw)), ratio.bundle, goals.bundle),
    row('bundle, gzip -9 (bytes)', each((k) => String(bytes[k].gzip)), ratio.gzip),
    row('cold start: process spawned to first answer (ms)', each((k) => spread(coldMs[k])), ratio.cold, goals.cold),
    row('peak RSS after the cold start (MiB)', each((k) => spread(coldRss[k], 1)), ratio.coldRss),
    row('peak RSS over a warm round (MiB)', each((k) => spread(of(k, (w) => w.peakRssMiB), 1)), ratio.rss, goals.rss),
    row('peak RSS over a warm round, above the floor\'s in the same round (MiB)', each((k) => spread(aboveFloor(k), 1)), ratios(aboveFloor('sqlApi'), aboveFloor('caching'))),
    row('warm latency p50 (ms)', each((k) => spread(of(k, (w) => w.p50), 1)), ratio.p50, goals.p50),
    row('warm latency p95 (ms)', each((k) => spread(of(k, (w) => w.p95), 1)), ratio.p95),
    row('warm throughput, sequential (invocations/s)', each((k) => spread(of(k, (w) => w.throughput), 1)), ratio.throughput),
    row('Secrets Manager reads per 1,000 invocations (the cold one included)', each((k) => per1000(k, (w) => w.readsPer1000))),
    row('Snowflake logins per 1,000 invocations (the cold one included)', each((k) => per1000(k, (w) => w.loginsPer1000))),
    '',
    provenance(commit, 'npx projen bench'),
  ];
  const m = (values: number[], goal?: Goal) => `${median(values).toFixed(2)}x${goal ? ` (goal ${verdict(values, goal.max)})` : ''}`;
  const summary = [
    'Against the caching handler a competent team writes with snowflake-sdk (client and connection in module scope, '
      + 'minified, platform detection off), the default SQL executor (on the SQL API) measured, as medians of ratios taken side by side: '
      + `cold start ${m(ratio.cold, goals.cold)}, bundle ${m(ratio.bundle, goals.bundle)}, peak RSS ${m(ratio.rss, goals.rss)}, `
      + `warm p50 ${m(ratio.p50, goals.p50)}, throughput ${m(ratio.throughput)}. `
      + 'Ranges, the other subjects (the straw man, the executor on the driver, the empty-handler floor), the injected latencies '
      + 'and synth time are in [docs/benchmarks.md](docs/benchmarks.md).',
    '',
    provenance(commit, 'npx projen bench'),
  ];
  return { executor: lines.join('\n'), summary: summary.join('\n') };
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
