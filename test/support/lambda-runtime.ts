/**
 * A warm Lambda instance on loopback: a fresh Node process that loads a handler once and then
 * serves invocations through the Lambda Runtime API (GET .../invocation/next, POST .../response
 * or .../error), which this module serves on 127.0.0.1. Module scope survives between
 * invocations, as on Lambda, so tests can see what a warm instance reuses.
 *
 * The process gets a Lambda-like environment (lambda-process.ts): a read-only home (as uid
 * nobody when the tests run as root), a writable /tmp, only Lambda's own variables and the test's.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { lambdaEnvironment } from './lambda-process';

export interface Invocation {
  /** What the handler returned, if it returned. */
  readonly result?: any;
  /** What it threw, as the Runtime API reports it: name, message, and our errors' code. */
  readonly error?: { errorType: string; errorMessage: string; code?: string };
}

export interface LambdaInstance {
  /** The process's working directory (and LAMBDA_TASK_ROOT), a copy of the task root. */
  readonly cwd: string;
  invoke(event: unknown, timeoutMs?: number): Promise<Invocation>;
  /** Everything the process wrote so far (its logs, the driver's included). */
  output(): string;
  stop(): Promise<void>;
}

const BOOTSTRAP = `
const http = require('node:http');
const [handlerFile, handlerExport] = process.argv.slice(1);
const api = process.env.AWS_LAMBDA_RUNTIME_API;
function call(method, path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request('http://' + api + path, { method, headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
(async () => {
  let handler;
  try {
    handler = require(handlerFile)[handlerExport];
  } catch (e) {
    await call('POST', '/2018-06-01/runtime/init/error', JSON.stringify({ errorType: e && e.name, errorMessage: String(e && e.message) }));
    process.exit(1);
  }
  for (;;) {
    const next = await call('GET', '/2018-06-01/runtime/invocation/next');
    const id = next.headers['lambda-runtime-aws-request-id'];
    const deadline = Number(next.headers['lambda-runtime-deadline-ms']);
    const context = {
      awsRequestId: id,
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      getRemainingTimeInMillis: () => deadline - Date.now(),
    };
    try {
      const result = await handler(JSON.parse(next.body), context);
      await call('POST', '/2018-06-01/runtime/invocation/' + id + '/response', JSON.stringify(result === undefined ? null : result));
    } catch (e) {
      await call('POST', '/2018-06-01/runtime/invocation/' + id + '/error',
        JSON.stringify({ errorType: e && e.name || 'Error', errorMessage: String(e && e.message || e), code: e && e.code }));
    }
  }
})();
`;

/**
 * Starts a warm instance of `handlerFile` (a CommonJS file exporting `handlerExport`, `handler` by
 * default, as Lambda's `index.handler`; relative to the task root, or absolute), with
 * LAMBDA_TASK_ROOT and the working directory set to a copy of `taskRoot`.
 */
export async function startLambdaInstance(
  handlerFile: string,
  taskRoot: string,
  env: Record<string, string>,
  handlerExport = 'handler',
): Promise<LambdaInstance> {
  const pending: { id: string; event: string; timeoutMs: number; settle: (i: Invocation) => void }[] = [];
  const waiting: (() => void)[] = [];
  const inFlight = new Map<string, (i: Invocation) => void>();
  let initError: Invocation['error'] | undefined;
  let counter = 0;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = req.url ?? '';
      if (req.method === 'GET' && url.endsWith('/invocation/next')) {
        const serve = (r: http.ServerResponse) => {
          const job = pending.shift()!;
          inFlight.set(job.id, job.settle);
          r.writeHead(200, {
            'content-type': 'application/json',
            'lambda-runtime-aws-request-id': job.id,
            'lambda-runtime-deadline-ms': String(Date.now() + job.timeoutMs),
          });
          r.end(job.event);
        };
        if (pending.length > 0) serve(res); else waiting.push(() => serve(res));
        return;
      }
      const done = /\/invocation\/([^/]+)\/(response|error)$/.exec(url);
      if (req.method === 'POST' && done) {
        const settle = inFlight.get(done[1]);
        inFlight.delete(done[1]);
        res.writeHead(202).end();
        const parsed = body ? JSON.parse(body) : null;
        settle?.(done[2] === 'response' ? { result: parsed } : { error: parsed });
        return;
      }
      if (req.method === 'POST' && url.endsWith('/init/error')) {
        initError = JSON.parse(body);
        res.writeHead(202).end();
        return;
      }
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;

  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'lambda-task-'));
  fs.cpSync(taskRoot, cwd, { recursive: true });
  // Writable by the handler, so that a file the driver should not write (snowflake.log) would show up.
  fs.chmodSync(cwd, 0o777);
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  // A relative handler file is the task root's own (a bundled asset's index.js).
  const handlerPath = path.isAbsolute(handlerFile) ? handlerFile : path.join(cwd, handlerFile);
  const child: ChildProcess = spawn(process.execPath, ['-e', BOOTSTRAP, handlerPath, handlerExport], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    env: {
      ...lambdaEnvironment(path.basename(handlerFile, '.js'), cwd),
      AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}`,
      ...env,
    },
  });
  let output = '';
  child.stdout!.on('data', (c) => { output += String(c); });
  child.stderr!.on('data', (c) => { output += String(c); });
  let exited = false;
  child.on('exit', () => {
    exited = true;
    for (const [, settle] of inFlight) settle({ error: { errorType: 'Runtime.ExitError', errorMessage: `process exited: ${output.slice(-2000)}` } });
    inFlight.clear();
    // Invocations not yet handed out (the process died during init): answer them too.
    for (const queued of pending.splice(0)) {
      queued.settle(initError ? { error: initError } : { error: { errorType: 'Runtime.ExitError', errorMessage: `process exited: ${output.slice(-2000)}` } });
    }
  });

  return {
    cwd,
    output: () => output,
    invoke: (event, timeoutMs = 60_000) => new Promise<Invocation>((resolve) => {
      if (initError) return resolve({ error: initError });
      if (exited) return resolve({ error: { errorType: 'Runtime.ExitError', errorMessage: `process exited: ${output.slice(-2000)}` } });
      const id = `req-${++counter}`;
      const timer = setTimeout(() => resolve({ error: { errorType: 'Sandbox.Timedout', errorMessage: `no answer in ${timeoutMs} ms` } }), timeoutMs + 5_000);
      pending.push({ id, event: JSON.stringify(event), timeoutMs, settle: (i) => { clearTimeout(timer); resolve(i); } });
      waiting.shift()?.();
    }),
    stop: async () => {
      if (!exited) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await gone;
      }
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(cwd, { recursive: true, force: true });
    },
  };
}
