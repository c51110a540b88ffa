/**
 * The README's "Getting started" sample, run as a newcomer would run it: as an app of its own,
 * against the library installed from its packed tarball (with aws-cdk-lib and constructs beside
 * it, as the Install section says), synthesized into a template.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';
import { REPO } from '../support/lambda-process';

const MARKER = '<!-- getting-started -->';

/** The TypeScript block right after the marker in README.md. */
function sample(): string {
  const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const at = readme.indexOf(MARKER);
  expect(at).toBeGreaterThan(0);
  const block = /^```ts\n([\s\S]*?)\n```/m.exec(readme.slice(at + MARKER.length));
  expect(block).not.toBeNull();
  return block![1];
}

let dir: string;

/** Runs `code` as an app in `dir`; returns its template, or throws with the app's stderr. */
function run(code: string): string {
  const js = ts.transpileModule(code, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
  fs.writeFileSync(path.join(dir, 'app.js'), js);
  const outdir = fs.mkdtempSync(path.join(dir, 'cdk.out-'));
  try {
    execFileSync(process.execPath, ['app.js'], { cwd: dir, env: { ...process.env, CDK_OUTDIR: outdir }, stdio: 'pipe', encoding: 'utf8' });
  } catch (error) {
    throw new Error(String((error as { stderr?: string }).stderr ?? error));
  }
  return fs.readFileSync(path.join(outdir, 'SnowflakeLoader.template.json'), 'utf8');
}

let template: { Resources: Record<string, { Type: string; Properties?: any }> };

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'getting-started-'));
  // The library as npm would install it: from the tarball, nothing else of the repository.
  execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: REPO, stdio: 'ignore' });
  const tarball = fs.readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
  const modules = path.join(dir, 'node_modules');
  fs.mkdirSync(modules);
  execFileSync('tar', ['xzf', path.join(dir, tarball)], { cwd: dir });
  fs.renameSync(path.join(dir, 'package'), path.join(modules, 'cdk-snowflake-keypair'));
  for (const dep of ['aws-cdk-lib', 'constructs']) fs.symlinkSync(path.join(REPO, 'node_modules', dep), path.join(modules, dep), 'dir');

  template = JSON.parse(run(sample()));
}, 180_000);

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function ofType(type: string) {
  return Object.values(template.Resources).filter((r) => r.Type === type);
}

test('the sample synthesizes: a secret, its key material and registration, and the function with its statement declared', () => {
  expect(ofType('AWS::SecretsManager::Secret')).toHaveLength(1);
  expect(ofType('Custom::SnowflakeKeyMaterial')).toHaveLength(1);
  expect(ofType('Custom::SnowflakeUserRegistration')).toHaveLength(1);
  const loader = ofType('AWS::Lambda::Function').filter((f) => f.Properties.Environment?.Variables?.SNOWFLAKE_SECRET_ID);
  expect(loader).toHaveLength(1);
  const declared = JSON.parse(loader[0].Properties.Environment.Variables.SNOWFLAKE_SQL_EXECUTOR);
  expect(JSON.stringify(declared)).toContain('INSERT INTO RAW.ORDERS (ID, AMOUNT) VALUES (?, ?)');
});

test('(failing case) the app really runs the installed library: the same sample with an account URL fails with its validation error', () => {
  const broken = sample().replace("account: 'myorg-myaccount'", "account: 'https://myorg-myaccount.snowflakecomputing.com'");
  expect(broken).not.toBe(sample());
  expect(() => run(broken)).toThrow(/account "https:\/\/myorg-myaccount.snowflakecomputing.com" is not valid: it is a URL/);
});
