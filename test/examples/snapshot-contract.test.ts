/**
 * The snapshot contract: users snapshot-test their stacks, so what we add to a template must be
 * byte-identical across machines, checkout paths and runs, and change only when our code does.
 *
 * The example app is synthesized from two copies of the repository at different paths, in
 * fresh processes, and every template, asset manifest and asset file is compared byte for byte.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO } from '../support/lambda-process';

const COPIED = ['src', 'examples', 'assets', 'package.json', 'tsconfig.json', 'test/tsconfig.json'];

function checkout(root: string): string {
  fs.mkdirSync(root, { recursive: true });
  for (const entry of COPIED) {
    fs.cpSync(path.join(REPO, entry), path.join(root, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  return root;
}

function synth(root: string): Map<string, Buffer> {
  const outdir = path.join(root, 'cdk.out');
  execFileSync(process.execPath, [path.join(REPO, 'node_modules', 'ts-node', 'dist', 'bin.js'), '--project', 'test/tsconfig.json', 'examples/typescript/app.ts'], {
    cwd: root,
    env: { ...process.env, CDK_OUTDIR: outdir },
    stdio: 'pipe',
  });
  const files = new Map<string, Buffer>();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(template|assets)\.json$/.test(entry.name) || full.includes(`${path.sep}asset.`)) files.set(path.relative(outdir, full), fs.readFileSync(full));
    }
  };
  walk(outdir);
  return files;
}

let base: string;
let one: Map<string, Buffer>;
let two: Map<string, Buffer>;
let oneRoot: string;
let twoRoot: string;

beforeAll(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'snapshot-contract-'));
  oneRoot = checkout(path.join(base, 'a'));
  twoRoot = checkout(path.join(base, 'somewhere', 'else', 'entirely', 'cdk-snowflake-keypair'));
  one = synth(oneRoot);
  two = synth(twoRoot);
}, 180_000);

afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

test('templates, asset manifests and assets are byte-identical from two checkout paths', () => {
  expect([...one.keys()].sort()).toEqual([...two.keys()].sort());
  expect([...one.keys()].some((f) => f.endsWith('.template.json'))).toBe(true);
  expect([...one.keys()].some((f) => f.includes('asset.'))).toBe(true);
  for (const [file, content] of one) {
    expect({ file, same: content.equals(two.get(file)!) }).toEqual({ file, same: true });
  }
});

test('no checkout path, temp path or home directory leaks into what users snapshot', () => {
  for (const [file, content] of one) {
    if (!/\.json$/.test(file)) continue;
    const text = content.toString('utf8');
    for (const leak of [oneRoot, twoRoot, REPO, os.tmpdir(), os.homedir()]) {
      expect({ file, leak, found: text.includes(leak) }).toEqual({ file, leak, found: false });
    }
  }
});

test('the comparison can fail: a changed asset gets a new hash, and the template follows', () => {
  const changedRoot = checkout(path.join(base, 'changed'));
  fs.appendFileSync(path.join(changedRoot, 'assets', 'key-material', 'index.js'), '\n// changed\n');
  const changed = synth(changedRoot);
  const template = [...one.keys()].find((f) => f.endsWith('.template.json'))!;
  expect(changed.get(template)!.equals(one.get(template)!)).toBe(false);
  const assetDirs = (files: Map<string, Buffer>) => [...files.keys()].filter((f) => f.startsWith('asset.')).map((f) => f.split(path.sep)[0]).sort();
  expect(assetDirs(changed)).not.toEqual(assetDirs(one));
}, 120_000);

test('the runtime bundle is reproducible: built again from another checkout path, it is byte-identical', () => {
  const tasks = JSON.parse(fs.readFileSync(path.join(REPO, '.projen', 'tasks.json'), 'utf8')).tasks;
  const commands: string[] = tasks['bundle:runtime'].steps.map((step: { exec: string }) => step.exec).filter((c: string) => c.startsWith('esbuild '));
  expect(commands.length).toBeGreaterThan(0);
  // The layer is a copy of the connector bundle (and a constant package.json).
  const layerModule = path.join(REPO, 'assets', 'connector-layer', 'nodejs', 'node_modules', '@cdk-snowflake-keypair', 'connector');
  expect(fs.readFileSync(path.join(layerModule, 'index.js')).equals(fs.readFileSync(path.join(REPO, 'assets', 'connector', 'index.js')))).toBe(true);
  for (const command of commands) {
    const outfile = /--outfile=(\S+)/.exec(command)![1];
    const rebuilt = path.join(twoRoot, 'rebuilt', outfile);
    const args = command.split(' ').slice(1).map((arg) => (arg.startsWith('--outfile=') ? `--outfile=${rebuilt}` : arg));
    execFileSync(path.join(REPO, 'node_modules', '.bin', 'esbuild'), args, { cwd: twoRoot, stdio: 'pipe' });
    expect(fs.readFileSync(rebuilt).equals(fs.readFileSync(path.join(REPO, outfile)))).toBe(true);
  }
});
