/**
 * Synth time of a stack with 50 SnowflakeConnectorFunctions (the SQL executor with one declared
 * statement, the default transport), against the same stack with 50 NodejsFunctions of the caching
 * handler (bench/baseline/caching-handler.ts, bundled by NodejsFunction with the local esbuild,
/* external: the baseline of bench/run.ts), each with the secret's read grant.
 *
 * Each synthesis runs in this process after a warm-up (aws-cdk-lib's modules loaded once), with
 * the asset cache cleared before it (AssetStaging.clearAssetHashCache()), so that each subject
 * hashes and bundles as a fresh `cdk synth` does. The subjects alternate, the runs repeat, and
 * the table gives the median and the range, and the ratio pair by pair. It is written into
 * docs/benchmarks.md (bench/doc-table.ts).
 *
 * Run: `npx projen bench` (after bench/run.ts). BENCH_SYNTH_FUNCTIONS and BENCH_SYNTH_RUNS change
 * the run; BENCH_NO_WRITE=1 only prints.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, AssetStaging, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import { measuredCommit, provenance, spread, verdict, writeTable } from './doc-table';
import { BindType, ConnectorHandler, SnowflakeConnectorFunction, SnowflakeKeyPairSecret, SqlStatement } from '../src';
import { REPO } from '../test/support/lambda-process';

const FUNCTIONS = Number(process.env.BENCH_SYNTH_FUNCTIONS ?? 50);
const RUNS = Number(process.env.BENCH_SYNTH_RUNS ?? 7);
const QUERY = 'SELECT ID, NAME FROM CUSTOMERS WHERE ID <= ? ORDER BY ID';

interface SynthResult {
  readonly ms: number;
  readonly assets: number;
  readonly resources: number;
}

function synth(build: (stack: Stack, secret: SnowflakeKeyPairSecret, i: number) => void): SynthResult {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
  try {
    AssetStaging.clearAssetHashCache();
    const started = process.hrtime.bigint();
    const app = new App({ outdir });
    const stack = new Stack(app, 'Bench', { env: { account: '123456789012', region: 'us-east-1' } });
    const secret = new SnowflakeKeyPairSecret(stack, 'Secret', { account: 'myorg-myaccount', user: 'SVC_BENCH' });
    for (let i = 0; i < FUNCTIONS; i++) build(stack, secret, i);
    const assembly = app.synth();
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const manifest = JSON.parse(fs.readFileSync(path.join(assembly.directory, 'Bench.assets.json'), 'utf8'));
    const template = JSON.parse(fs.readFileSync(path.join(assembly.directory, 'Bench.template.json'), 'utf8'));
    return {
      ms,
      assets: Object.keys(manifest.files ?? {}).length - 1 /* the template itself */,
      resources: Object.keys(template.Resources ?? {}).length,
    };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

const subjects = {
  ours: (stack: Stack, secret: SnowflakeKeyPairSecret, i: number) => new SnowflakeConnectorFunction(stack, `Fn${i}`, {
    secret,
    handler: ConnectorHandler.sqlExecutor({ statements: { customers: SqlStatement.of(QUERY, { binds: [BindType.NUMBER] }) } }),
  }),
  nodejsFunction: (stack: Stack, secret: SnowflakeKeyPairSecret, i: number) => {
    const fn = new nodejs.NodejsFunction(stack, `Fn${i}`, {
      entry: path.join(REPO, 'bench', 'baseline', 'caching-handler.ts'),
      projectRoot: REPO,
      depsLockFilePath: path.join(REPO, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      bundling: { minify: true, externalModules: ['@aws-sdk/*'], forceDockerBundling: false },
      environment: { SNOWFLAKE_SECRET_ID: secret.secretArn, SNOWFLAKE_DISABLE_PLATFORM_DETECTION: 'true', SNOWFLAKE_DISABLE_MINICORE: 'true' },
    });
    secret.grantRead(fn);
  },
};

function main(): void {
  const commit = process.env.BENCH_NO_WRITE ? 'uncommitted' : measuredCommit('synth');
  // Warm-up: loads aws-cdk-lib's modules and esbuild once, so that neither subject pays for it.
  synth(subjects.ours);
  synth(subjects.nodejsFunction);
  const runs: Record<keyof typeof subjects, SynthResult[]> = { ours: [], nodejsFunction: [] };
  for (let i = 0; i < RUNS; i++) {
    const order = i % 2 === 0 ? (['ours', 'nodejsFunction'] as const) : (['nodejsFunction', 'ours'] as const);
    for (const which of order) runs[which].push(synth(subjects[which]));
    process.stderr.write(`synth run ${i + 1}/${RUNS}\n`);
  }
  const ms = (which: keyof typeof subjects) => runs[which].map((r) => r.ms);
  const ratios = runs.ours.map((r, i) => r.ms / runs.nodejsFunction[i].ms);
  const table = [
    `${FUNCTIONS} functions in one stack with one secret; median (range) of ${RUNS} alternated runs per subject, the asset cache cleared before each. `
      + 'Ratio: ours to NodejsFunction, run by run (lower is faster).',
    '',
    '| measure | ours (SnowflakeConnectorFunction, SQL executor) | NodejsFunction of the caching handler | ours / NodejsFunction | goal (issue 18) |',
    '|---|---|---|---|---|',
    `| synth time (ms) | ${spread(ms('ours'))} | ${spread(ms('nodejsFunction'))} | ${spread(ratios, 3)}x | ${verdict(ratios, 1.0)} |`,
    `| code assets (besides the template) | ${runs.ours[0].assets} | ${runs.nodejsFunction[0].assets} | | |`,
    `| resources in the template | ${runs.ours[0].resources} | ${runs.nodejsFunction[0].resources} | | |`,
    '',
    provenance(commit, 'npx projen bench'),
  ].join('\n');
  console.log(`\n${table}\n`);
  if (!process.env.BENCH_NO_WRITE) {
    writeTable('docs/benchmarks.md', 'synth', table);
    console.log('written to docs/benchmarks.md (bench:synth)');
  }
}

main();
