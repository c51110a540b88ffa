/**
 * Runs a bundled asset's handler in a fresh Node process with a Lambda-like environment:
 * a read-only home directory, a writable /tmp, the working directory set to the asset
 * directory, and only the environment variables Lambda itself would set (plus the test's).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

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
  /** The error it threw, if it threw. */
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

let readOnlyHome: string | undefined;

/** A home directory the handler cannot write to (as uid nobody when the tests run as root). */
function lambdaHome(): string {
  if (!readOnlyHome) {
    readOnlyHome = fs.mkdtempSync(path.join(os.tmpdir(), 'lambda-home-'));
    fs.chmodSync(readOnlyHome, 0o555);
  }
  return readOnlyHome;
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
  const dir = assetDir(name);
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const resultDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lambda-result-'));
  fs.chmodSync(resultDir, 0o777);
  const resultFile = path.join(resultDir, 'result.json');
  const child = spawn(process.execPath, ['-e', HARNESS, dir, JSON.stringify(event), String(timeoutMs), resultFile], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Root ignores file modes; run as nobody so the read-only home really is read-only.
    ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    env: { ...lambdaEnvironment(name, dir), ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c) => { stdout += String(c); });
  child.stderr!.on('data', (c) => { stderr += String(c); });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs + 5_000);
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  clearTimeout(timer);
  const message: { result?: unknown; error?: string } = fs.existsSync(resultFile) ? JSON.parse(fs.readFileSync(resultFile, 'utf8')) : {};
  fs.rmSync(resultDir, { recursive: true, force: true });
  return { exitCode, stdout, stderr, result: message.result, error: message.error };
}
