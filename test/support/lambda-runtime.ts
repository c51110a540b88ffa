/**
 * A warm Lambda instance on loopback: a fresh Node process that loads a handler once and then
 * serves invocations through the Lambda Runtime API (GET .../invocation/next, POST .../response
 * or .../error), which this module serves on 127.0.0.1. Module scope survives between
 * invocations, as on Lambda, so tests can see what a warm instance reuses.
 *
 * The process gets a Lambda-like environment (lambda-process.ts): a read-only home (as uid
 * nobody when the tests run as root), a writable /tmp, only Lambda's own variables and the test's.
 * It runs from copies staged where it can read them, after a preflight (lambda-sandbox.ts). A
 * process that cannot start, or that exits before it asks for its first invocation, settles every
 * pending and later invocation at once with the reason (exit code and stderr).
 */
import { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { lambdaEnvironment } from './lambda-process';
import {
  endReason, LambdaProcessOptions, makeReadable, pathsIn, spawnLambdaProcess, stageEnvironment, stagedTempDir, stagePath,
} from './lambda-sandbox';

export interface Invocation {
  /** What the handler returned, if it returned. */
  readonly result?: any;
  /** What it threw, as the Runtime API reports it: name, message, and our errors' code. */
  readonly error?: { errorType: string; errorMessage: string; code?: string };
}

export interface LambdaInstance {
  /** The process's working directory (and LAMBDA_TASK_ROOT), a copy of the task root. */
  readonly cwd: string;
  /** When the process was spawned (process.hrtime.bigint()), after the staging and the preflight: where a cold start begins. */
  readonly spawnedAt: bigint;
  invoke(event: unknown, timeoutMs?: number): Promise<Invocation>;
  /** Everything the process wrote so far (its logs, the driver's included). */
  output(): string;
  /**
   * The process's peak resident set so far, in bytes (VmHWM in /proc/<pid>/status, Linux's
   * high-water mark); undefined where /proc is not there or the process is gone.
   */
  peakRssBytes(): number | undefined;
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
 * LAMBDA_TASK_ROOT and the working directory set to a copy of `taskRoot`. An absolute handler file
 * is staged alone: it reaches other code through LAMBDA_TASK_ROOT or NODE_PATH, as on Lambda.
 * Rejects at once when the preflight finds that the process could not start.
 */
export async function startLambdaInstance(
  handlerFile: string,
  taskRoot: string,
  env: Record<string, string>,
  handlerExport = 'handler',
  options: LambdaProcessOptions = {},
): Promise<LambdaInstance> {
  const pending: { id: string; event: string; timeoutMs: number; settle: (i: Invocation) => void }[] = [];
  const waiting: (() => void)[] = [];
  const inFlight = new Map<string, (i: Invocation) => void>();
  let initError: Invocation['error'] | undefined;
  /** Why the process is gone (it could not start, or it exited), once it is. */
  let ended: Invocation['error'] | undefined;
  let asked = false;
  let counter = 0;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = req.url ?? '';
      if (req.method === 'GET' && url.endsWith('/invocation/next')) {
        asked = true;
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

  const cwd = stagedTempDir('task-');
  fs.cpSync(taskRoot, cwd, { recursive: true, dereference: true });
  makeReadable(cwd);
  // Writable by the handler, so that a file the driver should not write (snowflake.log) would show up.
  fs.chmodSync(cwd, 0o777);
  // A relative handler file is the task root's own (a bundled asset's index.js).
  const handlerPath = path.isAbsolute(handlerFile) ? stagePath(handlerFile) : path.join(cwd, handlerFile);
  const testEnv = stageEnvironment(env);
  let child: ChildProcess;
  try {
    child = spawnLambdaProcess(BOOTSTRAP, [handlerPath, handlerExport], cwd, {
      ...lambdaEnvironment(path.basename(handlerFile, '.js'), cwd),
      AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}`,
      ...testEnv,
    }, [handlerPath, ...pathsIn(testEnv)], options);
  } catch (error) {
    server.close();
    fs.rmSync(cwd, { recursive: true, force: true });
    throw error;
  }
  // After the preflight (inside spawnLambdaProcess): the new process boots Node from here on.
  const spawnedAt = process.hrtime.bigint();
  let output = '';
  let stderr = '';
  child.stdout!.on('data', (c) => { output += String(c); });
  child.stderr!.on('data', (c) => { output += String(c); stderr += String(c); });
  const gone = new Promise<void>((resolve) => {
    const end = (how: { code?: number | null; signal?: NodeJS.Signals | null; error?: Error }) => {
      if (ended) return;
      const when = how.error ? '' : asked ? ' during an invocation' : ' before it asked for its first invocation';
      ended = { errorType: how.error ? 'Runtime.StartError' : 'Runtime.ExitError', errorMessage: `The Lambda-like process${when} ${endReason(how, stderr)}` };
      settleAll();
      resolve();
    };
    // A process that could not start emits 'error' (then 'close', and no 'exit'). 'close' comes
    // after the pipes are drained, so the reason holds all of stderr.
    child.on('error', (error) => end({ error }));
    child.on('close', (code, signal) => end({ code, signal }));
  });
  /** Answers every invocation handed out or queued, once the process is gone. */
  function settleAll(): void {
    for (const [, settle] of inFlight) settle({ error: ended });
    inFlight.clear();
    for (const queued of pending.splice(0)) queued.settle({ error: initError ?? ended });
  }

  return {
    cwd,
    output: () => output,
    spawnedAt,
    peakRssBytes: () => {
      try {
        const kb = /^VmHWM:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
        return kb === undefined ? undefined : Number(kb) * 1024;
      } catch {
        return undefined;
      }
    },
    invoke: (event, timeoutMs = 60_000) => new Promise<Invocation>((resolve) => {
      if (initError) return resolve({ error: initError });
      if (ended) return resolve({ error: ended });
      const id = `req-${++counter}`;
      const timer = setTimeout(() => resolve({ error: { errorType: 'Sandbox.Timedout', errorMessage: `no answer in ${timeoutMs} ms` } }), timeoutMs + 5_000);
      pending.push({ id, event: JSON.stringify(event), timeoutMs, settle: (i) => { clearTimeout(timer); resolve(i); } });
      waiting.shift()?.();
    }),
    stop: async () => {
      if (!ended) child.kill('SIGKILL');
      await gone;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(cwd, { recursive: true, force: true });
    },
  };
}
