/**
 * Synth time of a stack with 50 SnowflakeConnectorFunctions, against 50 NodejsFunctions of the
 * baseline handler (bench/baseline/handler.ts, bundled by NodejsFunction with its defaults and
 * the local esbuild, no Docker), measured side by side, with the number of assets each produces.
 *
 * Run: `npx projen bench` (after bench/run.ts). docs/benchmarks.md records a run.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import { SnowflakeConnectorFunction, SnowflakeKeyPairSecret } from '../src';
import { REPO } from '../test/support/lambda-process';

const FUNCTIONS = Number(process.env.BENCH_SYNTH_FUNCTIONS ?? 50);

interface SynthResult {
  readonly ms: number;
  readonly assets: number;
}

function synth(build: (stack: Stack, secret: SnowflakeKeyPairSecret, i: number) => void): SynthResult {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
  try {
    const started = process.hrtime.bigint();
    const app = new App({ outdir });
    const stack = new Stack(app, 'Bench', { env: { account: '123456789012', region: 'us-east-1' } });
    const secret = new SnowflakeKeyPairSecret(stack, 'Secret', { account: 'myorg-myaccount', user: 'SVC_BENCH' });
    for (let i = 0; i < FUNCTIONS; i++) build(stack, secret, i);
    const assembly = app.synth();
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const manifest = JSON.parse(fs.readFileSync(path.join(assembly.directory, 'Bench.assets.json'), 'utf8'));
    return { ms, assets: Object.keys(manifest.files ?? {}).length - 1 /* the template itself */ };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

function main(): void {
  // Warm-up: loads aws-cdk-lib's modules once, so that neither subject pays for it.
  synth(() => undefined);
  const ours = synth((stack, secret, i) => new SnowflakeConnectorFunction(stack, `Fn${i}`, { secret }));
  const baseline = synth((stack, secret, i) => {
    const fn = new nodejs.NodejsFunction(stack, `Fn${i}`, {
      entry: path.join(REPO, 'bench', 'baseline', 'handler.ts'),
      projectRoot: REPO,
      depsLockFilePath: path.join(REPO, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      environment: { SNOWFLAKE_SECRET_ID: secret.secretArn },
    });
    secret.grantRead(fn);
  });
  console.log(`\nbench/synth.ts: ${FUNCTIONS} functions in one stack, on ${os.cpus().length} CPUs, Node ${process.version}\n`);
  console.log('| measure | ours (SnowflakeConnectorFunction) | baseline (NodejsFunction of the usual handler) | ours / baseline |');
  console.log('|---|---|---|---|');
  console.log(`| synth time (ms) | ${ours.ms.toFixed(0)} | ${baseline.ms.toFixed(0)} | ${(ours.ms / baseline.ms).toFixed(3)}x |`);
  console.log(`| assets (besides the template) | ${ours.assets} | ${baseline.assets} | |`);
}

main();
