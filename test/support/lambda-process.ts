/**
 * Runs a bundled asset's handler in a fresh Node process with a Lambda-like environment:
 * a read-only home directory, a writable /tmp, the working directory set to a copy of the asset
 * directory, and only the environment variables Lambda itself would set (plus the test's).
 *
 * The process runs from copies staged where it can read them, after a preflight
 * (lambda-sandbox.ts): it works from any checkout location, and one that cannot start ends its
 * test at once with the reason.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  endReason, LambdaProcessOptions, pathsIn, spawnLambdaProcess, stageEnvironment, stagedTempDir, stagePath, stagingDir,
} from './lambda-sandbox';

export const REPO = path.resolve(__dirname, '..', '..');

/** The directory of a bundled asset (built by `npx projen bundle:runtime`). */
export function assetDir(name: string): string {
  const dir = path.join(REPO, 'assets', name);
  if (!fs.existsSync(path.join(dir, 'index.js'))) {
    throw new Error(`Bundled asset ${dir}/index.js is missing. Run \`npx projen bundle:runtime\` (the test command does).`);
  }
  return dir;
}

export interface InvokeResult {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** What the handler returned (JSON), if it returned. */
  readonly result?: unknown;
  /**
   * The error it threw, if it threw; or, when the process ended without an answer (it could not
   * start, or the module threw when loaded), why: the exit code and the end of stderr.
   */
  readonly error?: string;
}

const HARNESS = `
const path = require('node:path');
const fs = require('node:fs');
const [assetDir, eventJson, timeoutMs, resultFile] = process.argv.slice(1);
const { handler } = require(path.join(assetDir, 'index.js'));
const started = Date.now();
const context = {
  functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
  awsRequestId: 'test-request',
  getRemainingTimeInMillis: () => Number(timeoutMs) - (Date.now() - started),
};
// Lambda freezes the process after the handler settles; here it exits, like a cold start each time.
Promise.resolve(handler(JSON.parse(eventJson), context)).then(
  (result) => { fs.writeFileSync(resultFile, JSON.stringify({ result: result === undefined ? null : result })); process.exit(0); },
  (error) => { fs.writeFileSync(resultFile, JSON.stringify({ error: String(error && error.message || error) })); process.exit(0); },
);
`;

/** A home directory the handler cannot write to (as uid nobody when the tests run as root), in the stage. */
function lambdaHome(): string {
  const home = path.join(stagingDir(), 'home');
  if (!fs.existsSync(home)) {
    fs.mkdirSync(home);
    fs.chmodSync(home, 0o555);
  }
  return home;
}

/** The variables Lambda itself sets (and nothing from the test runner's environment). */
export function lambdaEnvironment(name: string, taskRoot: string): Record<string, string> {
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: lambdaHome(),
    TMPDIR: '/tmp',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    NODE_OPTIONS: '',
    AWS_LAMBDA_FUNCTION_NAME: `test-${name}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    LAMBDA_TASK_ROOT: taskRoot,
  };
}

/** Invokes `handler(event, context)` from the asset in a fresh Node process. */
export async function invokeAsset(name: string, event: unknown, env: Record<string, string>, timeoutMs = 60_000): Promise<InvokeResult> {
  return invokeTaskRoot(assetDir(name), event, env, timeoutMs);
}

/**
 * Invokes `handler(event, context)` from `taskRoot`'s index.js in a fresh Node process, whose
 * working directory is a read-only copy of `taskRoot`. Resolves with the handler's result or
 * error; when the process ends without one (it could not start, or the module threw when loaded),
 * `error` says why, with the exit code and stderr. Rejects at once when the preflight fails.
 */
export async function invokeTaskRoot(
  taskRoot: string,
  event: unknown,
  env: Record<string, string>,
  timeoutMs = 60_000,
  options: LambdaProcessOptions = {},
): Promise<InvokeResult> {
  const dir = stagePath(taskRoot);
  const resultDir = stagedTempDir('result-');
  fs.chmodSync(resultDir, 0o777);
  const resultFile = path.join(resultDir, 'result.json');
  const testEnv = stageEnvironment(env);
  try {
    const child = spawnLambdaProcess(HARNESS, [dir, JSON.stringify(event), String(timeoutMs), resultFile], dir,
      { ...lambdaEnvironment(path.basename(taskRoot), dir), ...testEnv }, [path.join(dir, 'index.js'), resultDir, ...pathsIn(testEnv)], options);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c) => { stdout += String(c); });
    child.stderr!.on('data', (c) => { stderr += String(c); });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs + 5_000);
    // 'close' follows a failed spawn too (after 'error'), once the pipes are closed.
    let spawnError: Error | undefined;
    child.on('error', (error) => { spawnError = error; });
    const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (code, sig) => resolve([code, sig])));
    clearTimeout(timer);
    const message: { result?: unknown; error?: string } = fs.existsSync(resultFile) ? JSON.parse(fs.readFileSync(resultFile, 'utf8')) : {
      error: `The Lambda-like process ${endReason({ code: exitCode, signal, error: spawnError }, stderr)}`,
    };
    return { exitCode: spawnError ? null : exitCode, stdout, stderr, result: message.result, error: message.error };
  } finally {
    fs.rmSync(resultDir, { recursive: true, force: true });
  }
}
