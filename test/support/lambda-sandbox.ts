/**
 * Where a Lambda-like child process (lambda-process.ts, lambda-runtime.ts) runs from, and the check
 * that it can start.
 *
 * When the tests run as root, the child runs as uid nobody (65534), so that its read-only home
 * really is read-only. Nobody cannot read a checkout inside a mode-700 directory (a clone in a
 * `mktemp -d` folder, anything under /root): not the node binary (process.execPath is
 * node_modules/node/... in the checkout), not the assets, fixtures or layers. So the child runs
 * nothing from the checkout. Each test process keeps one staging directory under os.tmpdir()
 * (mode 755) with:
 *
 * - the node binary: a hard link when on the same filesystem, else a copy, made once per process;
 * - copies of what the child loads: task roots, handler files, and every path in the test's
 *   environment values (NODE_PATH's layers, NODE_OPTIONS' --require files) that others cannot read.
 *
 * Before each spawn, one preflight runs the staged node as the child's user and checks that every
 * path the child uses is readable: a child that cannot start fails its test at once, naming the
 * path and the fix, instead of at the jest timeout.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The uid and gid the child runs as when the tests run as root (nobody, nogroup). */
export const NOBODY = 65534;

/** Whether the child runs as another user (nobody): the tests run as root. */
export function runsAsNobody(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** The uid/gid options for spawning the child: nobody when the tests run as root. */
function childIdentity(): { uid?: number; gid?: number } {
  return runsAsNobody() ? { uid: NOBODY, gid: NOBODY } : {};
}

const STAGE_PREFIX = 'lambda-stage-';
let stage: string | undefined;

/**
 * This process's staging directory, mode 755, under os.tmpdir(). Named after the process id, so the
 * test files a jest worker runs one after another share it (and its node binary). Jest gives each
 * test file a copy of `process` whose exit event never fires, so the directory is removed by the
 * next process that creates one, once this process is gone.
 */
export function stagingDir(): string {
  if (stage && fs.existsSync(stage)) return stage;
  const prefix = `${STAGE_PREFIX}${process.pid}-`;
  stage = ownStages().find((dir) => path.basename(dir).startsWith(prefix));
  if (!stage) {
    removeStaleStages();
    stage = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    fs.chmodSync(stage, 0o755);
  }
  return stage;
}

/** Staging directories under os.tmpdir() that this user created (not links, not someone else's). */
function ownStages(): string[] {
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  return fs.readdirSync(os.tmpdir())
    .filter((name) => name.startsWith(STAGE_PREFIX))
    .map((name) => path.join(os.tmpdir(), name))
    .filter((dir) => {
      const stat = fs.lstatSync(dir, { throwIfNoEntry: false });
      return stat?.isDirectory() && (uid === undefined || stat.uid === uid);
    });
}

/** Removes the staging directories of processes that are gone. */
function removeStaleStages(): void {
  for (const dir of ownStages()) {
    const pid = Number(/^lambda-stage-(\d+)-/.exec(path.basename(dir))?.[1]);
    if (pid && !isAlive(pid)) fs.rmSync(dir, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A new, empty directory in the stage (for a task root or a result file); the caller sets its mode. */
export function stagedTempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(stagingDir(), prefix));
}

/**
 * The node binary this process runs, in the stage: a hard link when on the same filesystem (and
 * the binary is readable by others), else a copy. Made once per process and reused.
 */
export function stagedNode(): string {
  const target = path.join(stagingDir(), 'node');
  if (!fs.existsSync(target)) linkOrCopyExecutable(process.execPath, target);
  return target;
}

function linkOrCopyExecutable(source: string, target: string): void {
  try {
    fs.linkSync(source, target);
    // A link shares the file's mode: keep it only if others may run it.
    if (hasModeBits(fs.statSync(target).mode, 0o005)) return;
    fs.rmSync(target);
  } catch (error) {
    // EXDEV: another filesystem; EPERM/EACCES: links to files we do not own are refused.
    if (!['EXDEV', 'EPERM', 'EACCES', 'EMLINK'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
  }
  const partial = `${target}.partial`;
  fs.copyFileSync(source, partial);
  fs.chmodSync(partial, 0o755);
  fs.renameSync(partial, target);
}

/**
 * A copy of a file or directory in the stage that others can read (and not write), as Lambda's
 * /var/task and /opt are. Copied once per process for each path and version (its modification
 * time and size); symbolic links are followed.
 */
export function stagePath(source: string): string {
  const real = fs.realpathSync(source);
  const stat = fs.statSync(real);
  const key = createHash('sha256').update(`${real}\0${stat.mtimeMs}\0${stat.size}`).digest('hex').slice(0, 16);
  const parent = path.join(stagingDir(), 'paths', key);
  const target = path.join(parent, path.basename(real));
  if (fs.existsSync(target)) return target;
  fs.mkdirSync(parent, { recursive: true });
  fs.chmodSync(path.dirname(parent), 0o755);
  fs.chmodSync(parent, 0o755);
  copyReadable(real, target);
  return target;
}

/** Copies `source` to `target` (through a partial copy renamed into place), readable by others. */
export function copyReadable(source: string, target: string): void {
  const partial = `${target}.partial-${process.pid}`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.cpSync(source, partial, { recursive: true, dereference: true });
  makeReadable(partial);
  fs.renameSync(partial, target);
}

/** Directories 755, files 644 (755 when executable), whatever modes the originals had. */
export function makeReadable(file: string): void {
  const stat = fs.statSync(file);
  if (stat.isDirectory()) {
    fs.chmodSync(file, 0o755);
    for (const entry of fs.readdirSync(file)) makeReadable(path.join(file, entry));
  } else {
    fs.chmodSync(file, hasModeBits(stat.mode, 0o100) ? 0o755 : 0o644);
  }
}

/** Absolute paths in an environment value: after its start, a space, `:`, `=`, `,` or `;`. */
const PATH_IN_VALUE = /(?<=^|[\s:=,;])\/[^\s:=,;]+/g;

/** The absolute paths that exist, in every value of `env`. */
export function pathsIn(env: Record<string, string>): string[] {
  return Object.values(env).flatMap((value) => value.match(PATH_IN_VALUE) ?? []).filter((p) => fs.existsSync(p));
}

/**
 * The test's environment for the child, with every existing path that others cannot read (a
 * layer on NODE_PATH, a file for NODE_OPTIONS' --require, in a checkout nobody can read)
 * replaced by its staged copy. Paths others can read are kept as they are.
 */
export function stageEnvironment(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([name, value]) => [
    name,
    value.replace(PATH_IN_VALUE, (p) => fs.existsSync(p) && !othersCanRead(p) ? stagePath(p) : p),
  ]));
}

/**
 * Whether a user other than the owner (and outside its group) can read `file`, by its mode bits:
 * every parent directory searchable, the file readable (a directory also searchable).
 */
export function othersCanRead(file: string): boolean {
  const real = fs.realpathSync(file);
  for (let dir = path.dirname(real); ; dir = path.dirname(dir)) {
    if (!hasModeBits(fs.statSync(dir).mode, 0o001)) return false;
    if (dir === path.dirname(dir)) break;
  }
  const stat = fs.statSync(real);
  return hasModeBits(stat.mode, stat.isDirectory() ? 0o005 : 0o004);
}

/** Whether every permission bit in `bits` (0o005: others may read and search) is set in `mode`. */
export function hasModeBits(mode: number, bits: number): boolean {
  for (let bit = 1; bit <= 0o777; bit *= 2) {
    if (Math.floor(bits / bit) % 2 === 1 && Math.floor(mode / bit) % 2 === 0) return false;
  }
  return true;
}

/** How to start a Lambda-like child: the node binary, and whether to check first that it can start. */
export interface LambdaProcessOptions {
  /**
   * The node binary to run (used as given, not staged).
   * @default this process's node, staged (stagedNode())
   */
  readonly node?: string;
  /**
   * Run the preflight before spawning. Turn it off only to test how the harness handles a child
   * that cannot start.
   * @default true
   */
  readonly preflight?: boolean;
}

/** What the preflight runs, as the child's user: exit 3 and one line per path it cannot read. */
const PREFLIGHT = `
const fs = require('node:fs');
const unreadable = [];
for (const file of process.argv.slice(1)) {
  try {
    const mode = fs.statSync(file).isDirectory() ? fs.constants.R_OK | fs.constants.X_OK : fs.constants.R_OK;
    fs.accessSync(file, mode);
  } catch (error) {
    unreadable.push(file + ' (' + (error.code || error.message) + ')');
  }
}
if (unreadable.length > 0) {
  process.stdout.write(unreadable.join('\\n'));
  process.exit(3);
}
`;

/**
 * One fast check, as the user the child runs as: the node binary runs, and every path in
 * `readable` can be read. Throws an error naming what failed and how to fix it.
 */
export function preflight(node: string, readable: string[]): void {
  const who = runsAsNobody() ? `uid ${NOBODY} (nobody), which the Lambda-like process runs as,` : 'the Lambda-like process';
  // The timeout only guards against a hung check; a check that works answers in well under a second.
  const run = spawnSync(node, ['-e', PREFLIGHT, ...readable], { ...childIdentity(), cwd: '/', env: {}, encoding: 'utf8', timeout: 30_000 });
  if (run.error) {
    throw new Error(`${who} cannot run the node binary ${node}: ${(run.error as NodeJS.ErrnoException).code ?? run.error.message}. `
      + `${fixFor(node)}`);
  }
  if (run.status === 3) {
    const lines = run.stdout.trim().split('\n');
    const paths = lines.map((line) => line.replace(/ \([^)]*\)$/, ''));
    throw new Error(`${who} cannot read:\n  ${lines.join('\n  ')}\n${[...new Set(paths.map(fixFor))].join('\n')}`);
  }
  if (run.status !== 0) {
    throw new Error(`${who} cannot start ${node} (exit ${run.status ?? run.signal}): ${run.stderr.trim().slice(-2_000)}`);
  }
}

/** How to make a path the child needs readable. */
function fixFor(file: string): string {
  const dir = stagingDir();
  if (file === dir || file.startsWith(`${dir}${path.sep}`)) {
    return `It is in the harness's staging directory ${dir}, under os.tmpdir(): point TMPDIR at a directory others can read and search, such as /tmp.`;
  }
  return `Make ${file} readable by others (chmod o+r, and o+x on it if a directory and on every parent directory), `
    + 'or pass it in the test\'s environment (NODE_PATH, NODE_OPTIONS) so the harness stages a copy.';
}

/**
 * Spawns `node -e script ...args` as the Lambda-like child: as nobody when the tests run as root,
 * in `cwd`, with exactly `env`. Runs the preflight first (over the node binary, `cwd`, the home
 * directory and `readable`), so a child that cannot start throws here with the reason.
 */
export function spawnLambdaProcess(
  script: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
  readable: string[],
  options: LambdaProcessOptions = {},
): ChildProcess {
  const node = options.node ?? stagedNode();
  if (options.preflight ?? true) preflight(node, [cwd, ...(env.HOME ? [env.HOME] : []), ...readable]);
  return spawn(node, ['-e', script, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], ...childIdentity(), env });
}

/** Why a child ended: its exit code or signal, or why it could not start, and the end of its stderr. */
export function endReason(how: { code?: number | null; signal?: NodeJS.Signals | null; error?: Error }, stderr: string): string {
  const what = how.error
    ? `could not start: ${how.error.message}`
    : `exited with ${how.signal ? `signal ${how.signal}` : `code ${how.code}`}`;
  const tail = stderr.trim().slice(-2_000);
  return tail ? `${what}; stderr:\n${tail}` : `${what} (no stderr)`;
}
