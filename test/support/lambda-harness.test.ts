/**
 * The Lambda-like process harness itself (lambda-process.ts, lambda-runtime.ts, lambda-sandbox.ts):
 * a handler in a directory nobody can read (mode 700, like a checkout in a `mktemp -d` folder)
 * runs, with its layer on NODE_PATH; and a child that cannot start fails its test at once with the
 * reason, not at the jest timeout.
 *
 * Each test has a 15 s guard. The invocations below keep the harness's default 60 s Lambda
 * timeout, so a failure that were detected by a timer instead of by the child's own end would
 * exceed the guard: passing proves the reason came from the child.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { invokeTaskRoot } from './lambda-process';
import { LambdaInstance, startLambdaInstance } from './lambda-runtime';
import { hasModeBits, NOBODY, othersCanRead, preflight, runsAsNobody, stagedNode, stageEnvironment, stagingDir } from './lambda-sandbox';

jest.setTimeout(15_000);

/** What the handlers report about where they run. */
const REPORTER = `
exports.handler = async (event) => ({
  event,
  uid: process.getuid(),
  cwd: process.cwd(),
  taskRoot: process.env.LAMBDA_TASK_ROOT,
  execPath: process.execPath,
  nodePath: process.env.NODE_PATH,
  answer: require('harness-layer').answer,
});
`;

let root: string;
let taskRoot: string;
let layer: string;
const instances: LambdaInstance[] = [];

/** A task root in the private directory holding `index.js` with `source`. */
function taskRootWith(name: string, source: string): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'index.js'), source);
  return dir;
}

async function start(...args: Parameters<typeof startLambdaInstance>): Promise<LambdaInstance> {
  const instance = await startLambdaInstance(...args);
  instances.push(instance);
  return instance;
}

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'harness-private-'));
  taskRoot = taskRootWith('task', REPORTER);
  layer = path.join(root, 'layer', 'nodejs', 'node_modules');
  fs.mkdirSync(path.join(layer, 'harness-layer'), { recursive: true });
  fs.writeFileSync(path.join(layer, 'harness-layer', 'index.js'), 'exports.answer = 42;\n');
});

afterAll(async () => {
  await Promise.all(instances.map((i) => i.stop()));
  fs.rmSync(root, { recursive: true, force: true });
});

test('the private directory is mode 700: others cannot read what is in it', () => {
  expect(fs.statSync(root).mode % 0o1000).toBe(0o700);
  expect(othersCanRead(path.join(taskRoot, 'index.js'))).toBe(false);
  expect(othersCanRead(stagingDir())).toBe(true);
});

describe('a handler in a mode-700 directory runs', () => {
  test('as a warm instance, from staged copies: the node binary, the task root and the layer on NODE_PATH', async () => {
    const instance = await start('index.js', taskRoot, { NODE_PATH: layer });
    const first = await instance.invoke({ n: 1 });
    expect(first.error).toBeUndefined();
    expect(first.result).toEqual(expect.objectContaining({ event: { n: 1 }, answer: 42, cwd: instance.cwd, taskRoot: instance.cwd }));
    expect(first.result.execPath).toBe(stagedNode());
    expect(first.result.nodePath).not.toContain(root);
    expect(first.result.nodePath.startsWith(stagingDir())).toBe(true);
    if (runsAsNobody()) expect(first.result.uid).toBe(NOBODY);
    expect((await instance.invoke({ n: 2 })).result.event).toEqual({ n: 2 });
  });

  test('peak RSS (for the bench) is the process\'s own high-water mark: it grows when the handler holds memory, and is gone with the process', async () => {
    if (!fs.existsSync('/proc/self/status')) return; // Linux only; peakRssBytes() is undefined elsewhere (the bench then refuses to run).
    const dir = taskRootWith('rss', 'let kept; exports.handler = async (mib) => { kept = Buffer.alloc(mib * 1024 * 1024, 1); return kept.length; };\n');
    const instance = await startLambdaInstance('index.js', dir, {});
    try {
      expect((await instance.invoke(0)).result).toBe(0);
      const before = instance.peakRssBytes()!;
      expect(before).toBeGreaterThan(10 * 1024 * 1024);
      expect(instance.spawnedAt).toBeLessThanOrEqual(process.hrtime.bigint());
      expect((await instance.invoke(64)).result).toBe(64 * 1024 * 1024);
      expect(instance.peakRssBytes()! - before).toBeGreaterThanOrEqual(60 * 1024 * 1024);
    } finally {
      await instance.stop();
    }
    expect(instance.peakRssBytes()).toBeUndefined();
  });

  test('with an absolute handler file outside the task root', async () => {
    const outside = path.join(root, 'handlers');
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'probe.js'),
      'exports.handler = async () => require(require("node:path").join(process.env.LAMBDA_TASK_ROOT, "index.js")).handler({ via: "probe" });\n');
    const instance = await start(path.join(outside, 'probe.js'), taskRoot, { NODE_PATH: layer });
    const invocation = await instance.invoke({});
    expect(invocation.error).toBeUndefined();
    expect(invocation.result).toEqual(expect.objectContaining({ event: { via: 'probe' }, answer: 42 }));
  });

  test('in a fresh process per invocation (invokeTaskRoot)', async () => {
    const run = await invokeTaskRoot(taskRoot, { once: true }, { NODE_PATH: layer });
    expect(run.error).toBeUndefined();
    expect(run.exitCode).toBe(0);
    expect(run.result).toEqual(expect.objectContaining({ event: { once: true }, answer: 42 }));
  });

  test('the node binary is staged once per process, as a hard link when the filesystem allows one, else a copy', () => {
    const staged = stagedNode();
    expect(stagedNode()).toBe(staged);
    const [real, copy] = [fs.statSync(process.execPath), fs.statSync(staged)];
    // Links need the same filesystem and (with protected_hardlinks, for a user other than root) a binary of one's own.
    const linkable = real.dev === copy.dev && (process.getuid?.() === 0 || real.uid === process.getuid?.());
    if (linkable) expect(copy.ino).toBe(real.ino); else expect(copy.size).toBe(real.size);
    expect(hasModeBits(copy.mode, 0o005)).toBe(true);
  });

  test('paths others can read are passed as they are; a URL or an ARN is left alone', () => {
    const readable = fs.mkdtempSync(path.join(os.tmpdir(), 'harness-readable-'));
    try {
      fs.chmodSync(readable, 0o755);
      const env = {
        NODE_PATH: `${readable}:${layer}`,
        NODE_OPTIONS: `--require ${path.join(taskRoot, 'index.js')}`,
        SNOWFLAKE_ENDPOINT_URL: 'http://127.0.0.1:8080/path',
        SNOWFLAKE_SECRET_ID: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:snowflake/x-AbCdEf',
      };
      const staged = stageEnvironment(env);
      const [kept, layerCopy] = staged.NODE_PATH.split(':');
      expect(kept).toBe(readable);
      expect(layerCopy.startsWith(stagingDir())).toBe(true);
      expect(fs.readFileSync(path.join(layerCopy, 'harness-layer', 'index.js'), 'utf8')).toContain('answer = 42');
      expect(staged.NODE_OPTIONS).toMatch(new RegExp(`^--require ${stagingDir()}/.*/index\\.js$`));
      expect(staged.SNOWFLAKE_ENDPOINT_URL).toBe(env.SNOWFLAKE_ENDPOINT_URL);
      expect(staged.SNOWFLAKE_SECRET_ID).toBe(env.SNOWFLAKE_SECRET_ID);
    } finally {
      fs.rmSync(readable, { recursive: true, force: true });
    }
  });
});

describe('(failing cases) a child that cannot start fails at once, with the reason', () => {
  test('a handler that throws when loaded: every invocation answers with its error', async () => {
    const instance = await start('index.js', taskRootWith('throws', 'throw new Error("broken at require");\n'), {});
    const [first, second] = await Promise.all([instance.invoke({}), instance.invoke({})]);
    expect(first.error?.errorMessage).toBe('broken at require');
    expect(second.error).toEqual(first.error);
    expect(await instance.invoke({})).toEqual({ error: first.error });
  });

  test('a process that exits before it asks for its first invocation: pending and later invocations get the exit code and stderr', async () => {
    const instance = await start('index.js', taskRootWith('exits', 'console.error("no configuration, giving up"); process.exit(7);\n'), {});
    const pending = await instance.invoke({});
    expect(pending.error?.errorType).toBe('Runtime.ExitError');
    expect(pending.error?.errorMessage).toMatch(/before it asked for its first invocation exited with code 7; stderr:\nno configuration, giving up/);
    expect(await instance.invoke({})).toEqual(pending);
  });

  test('a node binary that does not exist: the preflight refuses to start, naming it', async () => {
    await expect(start('index.js', taskRoot, {}, 'handler', { node: '/nonexistent/bin/node' }))
      .rejects.toThrow(/cannot run the node binary \/nonexistent\/bin\/node: ENOENT/);
    await expect(invokeTaskRoot(taskRoot, {}, {}, 60_000, { node: '/nonexistent/bin/node' }))
      .rejects.toThrow(/cannot run the node binary \/nonexistent\/bin\/node: ENOENT/);
  });

  test('without the preflight, the failed spawn itself settles every invocation', async () => {
    const instance = await start('index.js', taskRoot, {}, 'handler', { node: '/nonexistent/bin/node', preflight: false });
    const invocation = await instance.invoke({});
    expect(invocation.error).toEqual({ errorType: 'Runtime.StartError', errorMessage: expect.stringMatching(/could not start: spawn \/nonexistent\/bin\/node ENOENT/) });
    expect(await instance.invoke({})).toEqual(invocation);
    const run = await invokeTaskRoot(taskRoot, {}, {}, 60_000, { node: '/nonexistent/bin/node', preflight: false });
    expect(run.exitCode).toBeNull();
    expect(run.error).toMatch(/could not start: spawn \/nonexistent\/bin\/node ENOENT/);
  });

  test('a module that throws when loaded, in a fresh process: the error says so, with the exit code and stderr', async () => {
    const run = await invokeTaskRoot(taskRootWith('throws-once', 'throw new Error("broken at require");\n'), {}, {});
    expect(run.exitCode).toBe(1);
    expect(run.error).toMatch(/exited with code 1; stderr:\n[\s\S]*Error: broken at require/);
  });

  (runsAsNobody() ? test : test.skip)('a path nobody can read: the preflight names it and the fix', () => {
    const file = path.join(taskRoot, 'index.js');
    expect(() => preflight(stagedNode(), [file])).toThrow(new RegExp(
      `uid 65534 \\(nobody\\).* cannot read:\\n  ${file} \\(EACCES\\)\\nMake ${file} readable by others \\(chmod o\\+r`));
  });
});
