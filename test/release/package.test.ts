/**
 * What the npm package holds (and so the PyPI, Maven and Go packages, which wrap its tarball):
 * exactly the library as jsii compiled it, the jsii assembly, the pre-bundled assets with their
 * third-party notices and SBOMs, the connector's declarations, the docs and the rosetta fixture.
 * package.json's `files` allowlist decides it (.projenrc.ts); nothing else may slip in.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const REPO = path.join(__dirname, '..', '..');

function packedFiles(cwd: string): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return JSON.parse(out)[0].files.map((f: { path: string }) => f.path).sort();
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}
const rel = (file: string) => path.relative(REPO, file).split(path.sep).join('/');

/** The bundles `bundle:runtime` builds: each esbuild command's output directory under assets/. */
const BUNDLES: string[] = JSON.parse(fs.readFileSync(path.join(REPO, '.projen', 'tasks.json'), 'utf8')).tasks['bundle:runtime'].steps
  .map((s: { exec?: string }) => /^esbuild .*--outfile=assets\/([^/\s]+)\/index\.js/.exec(s.exec ?? '')?.[1])
  .filter(Boolean);
const LAYER_MODULE = 'assets/connector-layer/nodejs/node_modules/@cdk-snowflake-keypair/connector';

/** The exact file list the tarball must have, from the sources it is built from. */
function expectedFiles(): string[] {
  // Every module of src/ except the runtime code (bundled into assets/ instead), as jsii compiles it.
  const library = walk(path.join(REPO, 'src'))
    .map(rel)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.startsWith('src/runtime/'))
    .flatMap((f) => [f.replace(/^src\//, 'lib/').replace(/\.ts$/, '.js'), f.replace(/^src\//, 'lib/').replace(/\.ts$/, '.d.ts')]);
  const bundles = BUNDLES.flatMap((b) => ['index.js', 'THIRD-PARTY-NOTICES.txt', 'sbom.cdx.json'].map((f) => `assets/${b}/${f}`));
  const layer = ['index.js', 'package.json', 'THIRD-PARTY-NOTICES.txt', 'sbom.cdx.json'].map((f) => `${LAYER_MODULE}/${f}`);
  const connectorTypes = walk(path.join(REPO, 'assets', 'connector-types')).map(rel);
  const docs = walk(path.join(REPO, 'docs')).map(rel).filter((f) => f.endsWith('.md'));
  return [
    '.jsii', 'API.md', 'LICENSE', 'README.md', 'package.json', 'rosetta/default.ts-fixture',
    ...library, ...bundles, ...layer, ...connectorTypes, ...docs,
  ].sort();
}

const files = packedFiles(REPO);

test('package.json publishes through a `files` allowlist, not a .npmignore denylist', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
  expect(Array.isArray(pkg.files)).toBe(true);
  expect(fs.existsSync(path.join(REPO, '.npmignore'))).toBe(false);
});

test('the tarball holds exactly the expected files', () => {
  expect(BUNDLES).toEqual(expect.arrayContaining(['key-material', 'connector', 'sql-executor', 'sql-api-executor', 'rotation']));
  expect(files).toEqual(expectedFiles());
});

test('every bundle ships its third-party notices and its CycloneDX SBOM (the connector layer too)', () => {
  for (const dir of [...BUNDLES.map((b) => `assets/${b}`), LAYER_MODULE]) {
    for (const file of ['index.js', 'THIRD-PARTY-NOTICES.txt', 'sbom.cdx.json']) {
      expect({ file: `${dir}/${file}`, shipped: files.includes(`${dir}/${file}`) }).toEqual({ file: `${dir}/${file}`, shipped: true });
    }
  }
  // The connector-types declarations are all the connector-types directory holds.
  expect(files.filter((f) => f.startsWith('assets/connector-types/') && !/\.d\.ts$|\/package\.json$/.test(f))).toEqual([]);
});

test('every relative require of a shipped module resolves to a shipped file (no lib/runtime needed)', () => {
  const shipped = new Set(files);
  const unresolved: string[] = [];
  let requires = 0;
  for (const file of files.filter((f) => f.startsWith('lib/') && f.endsWith('.js'))) {
    const code = fs.readFileSync(path.join(REPO, file), 'utf8');
    for (const [, spec] of code.matchAll(/require\("(\.{1,2}\/[^"]+)"\)/g)) {
      requires++;
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
      if (!['', '.js', '/index.js'].some((ext) => shipped.has(`${target}${ext}`))) unresolved.push(`${file} -> ${spec}`);
    }
  }
  expect(requires).toBeGreaterThan(20);
  expect(unresolved).toEqual([]);
});

test('the packed library loads from its tarball alone (with aws-cdk-lib and constructs beside it)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packed-'));
  try {
    execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: REPO, stdio: 'ignore' });
    const tarball = fs.readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
    execFileSync('tar', ['xzf', tarball], { cwd: dir });
    const pkg = path.join(dir, 'package');
    fs.mkdirSync(path.join(pkg, 'node_modules'));
    for (const dep of ['aws-cdk-lib', 'constructs']) fs.symlinkSync(path.join(REPO, 'node_modules', dep), path.join(pkg, 'node_modules', dep), 'dir');
    const exported = execFileSync(process.execPath, ['-e', 'console.log(Object.keys(require("./lib/index.js")).sort().join(" "))'], { cwd: pkg, encoding: 'utf8' }).trim().split(' ');
    expect(exported).toEqual(expect.arrayContaining(['PrivateLinkEndpoint', 'SecretReaderRole', 'SnowflakeConnectorFunction', 'SnowflakeKeyPairSecret']));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('(failing case) a stray file in the checkout is not published, and a file outside the list would be caught', () => {
  const strays = ['scratch.txt', 'lib/runtime/stray.js', 'assets/connector/debug.log', 'docs/notes.txt', 'security/stray.json'];
  // A copy of the package's own layout: package.json, what the allowlist names, and the strays.
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'pack-allowlist-'));
  try {
    fs.copyFileSync(path.join(REPO, 'package.json'), path.join(copy, 'package.json'));
    for (const file of ['README.md', 'lib/index.js', 'assets/connector/index.js', 'docs/security.md', ...strays]) {
      fs.mkdirSync(path.dirname(path.join(copy, file)), { recursive: true });
      fs.writeFileSync(path.join(copy, file), '');
    }
    const packed = packedFiles(copy);
    expect(packed).toEqual(expect.arrayContaining(['lib/index.js', 'assets/connector/index.js', 'docs/security.md']));
    // assets/** is published whole: a stray there is the one the exact-list test above exists to catch.
    expect(packed.filter((f) => strays.includes(f))).toEqual(['assets/connector/debug.log']);
    expect(packed).not.toEqual(expectedFiles());
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
});
