/**
 * test/ follows src/ folder for folder (docs/architecture.md, "Tests"). The rules run on the
 * repository, and on small trees that break each one, so that the check is shown to fail.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROJECT_TEST_FOLDERS, reachedSrcFolders, TestTree, testLayoutViolations, UNMIRRORED_SRC_FOLDERS } from './test-layout';

const REPO = path.join(__dirname, '..', '..');

function filesUnder(root: string, keep: (name: string) => boolean): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== '__snapshots__' && entry.name !== 'node_modules') walk(full);
      } else if (keep(entry.name)) {files.push(path.relative(root, full).split(path.sep).join('/'));}
    }
  };
  walk(root);
  return files;
}

function repositoryTree(): TestTree {
  const src = path.join(REPO, 'src');
  const srcFolders = [...new Set(filesUnder(src, (n) => n.endsWith('.ts')).map((f) => path.posix.dirname(f)))].filter((f) => f !== '.').sort();
  const test = path.join(REPO, 'test');
  const testFiles = new Map(filesUnder(test, (n) => n.endsWith('.ts') || n === 'tsconfig.json').map((f) => [f, fs.readFileSync(path.join(test, f), 'utf8')]));
  return { srcFolders, testFiles };
}

const tree = repositoryTree();

describe('the repository', () => {
  test('is read: the folders of src/ and the test files (enough that an empty read cannot pass)', () => {
    expect(tree.srcFolders).toEqual(expect.arrayContaining(['function', 'network', 'private', 'rotation', 'runtime/connector', 'runtime/key-material', 'runtime/rotation', 'secret', 'shared']));
    expect([...tree.testFiles.keys()].filter((f) => f.endsWith('.test.ts')).length).toBeGreaterThan(60);
  });

  test('test/ follows src/ folder for folder, and each test reaches the code of its folder', () => {
    expect(testLayoutViolations(tree)).toEqual([]);
  });

  test('every project test folder and every exemption exists', () => {
    const top = new Set(fs.readdirSync(path.join(REPO, 'test')));
    for (const folder of Object.keys(PROJECT_TEST_FOLDERS)) expect(top).toContain(folder);
    for (const folder of Object.keys(UNMIRRORED_SRC_FOLDERS)) expect(tree.srcFolders).toContain(folder);
  });

  test('the local Snowflake endpoint is a package of its own, with its tests beside it, not under test/', () => {
    const pkg = path.join(REPO, 'packages', 'local-snowflake');
    expect(JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8'))).toMatchObject({ name: '@cdk-snowflake-keypair/local-snowflake', private: true });
    expect(filesUnder(path.join(pkg, 'test'), (n) => n.endsWith('.test.ts')).length).toBeGreaterThan(5);
    const intoPackage = [...tree.testFiles].filter(([, text]) => /'(\.\.\/)+(packages|support\/local-snowflake)/.test(text)).map(([f]) => f);
    expect(intoPackage).toEqual([]); // the library's tests import it by its name, as a dependency
    expect(fs.realpathSync(path.join(REPO, 'node_modules', '@cdk-snowflake-keypair', 'local-snowflake'))).toBe(fs.realpathSync(pkg));
  });
});

describe('the rules, on trees that break them', () => {
  const base = (files: Record<string, string>): TestTree => ({
    srcFolders: ['function', 'runtime/connector', 'runtime/key-material', 'runtime/stubs', 'secret'],
    testFiles: new Map(Object.entries({
      'function/f.test.ts': "import { X } from '../../src';",
      'runtime/connector/c.test.ts': "import { retry } from '../../../src/runtime/connector/retry';",
      'runtime/key-material/k.e2e.test.ts': "const asset = path.join(REPO, 'assets/key-material');",
      'secret/s.test.ts': "import { S } from '../../src';",
      ...files,
    })),
  });

  test('the well-formed tree passes (the control)', () => {
    expect(testLayoutViolations(base({}))).toEqual([]);
  });

  test('a test at the top of test/ fails', () => {
    expect(testLayoutViolations(base({ 'loose.test.ts': "import '../src';" }))).toEqual([expect.stringContaining('test/loose.test.ts: at the top of test/')]);
  });

  test('a folder that is neither in src/ nor a project folder fails', () => {
    expect(testLayoutViolations(base({ 'local-snowflake/login.test.ts': '' }))).toEqual([expect.stringContaining('test/local-snowflake is neither')]);
  });

  test('a mirrored folder with no src/ counterpart fails', () => {
    expect(testLayoutViolations(base({ 'runtime/rotation/r.test.ts': "import '../../../src/runtime/rotation/rotation';" })))
      .toEqual([expect.stringContaining('src/runtime/rotation does not exist')]);
  });

  test('a test in the folder of other code fails: a key-material test left in test/runtime/connector', () => {
    const violations = testLayoutViolations(base({ 'runtime/connector/key.test.ts': "import { k } from '../../../src/runtime/key-material/key-material';" }));
    expect(violations).toEqual([expect.stringContaining('reaches src/runtime/key-material, not src/runtime/connector')]);
  });

  test('a src/ folder without tests fails, unless exempted with a reason', () => {
    const tree2 = base({});
    const withoutSecret: TestTree = { ...tree2, testFiles: new Map([...tree2.testFiles].filter(([f]) => !f.startsWith('secret/'))) };
    expect(testLayoutViolations(withoutSecret)).toEqual(['src/secret: no test/secret with tests (or a reason in UNMIRRORED_SRC_FOLDERS)']);
  });

  test('a bundle run through a helper of test/support counts: the e2e tests of the connector', () => {
    const tree2 = base({
      'support/connector-fixture.ts': '/** running the bundled connector (assets/connector) */',
      'runtime/connector/e2e.test.ts': "import { startConnectorInstance } from '../../support/connector-fixture';",
    });
    expect(reachedSrcFolders('runtime/connector/e2e.test.ts', tree2)).toEqual(new Set(['runtime/connector']));
    expect(testLayoutViolations(tree2)).toEqual([]);
  });
});
