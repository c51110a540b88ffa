/**
 * The rules of test/'s layout (docs/architecture.md, "Tests"), as pure functions over file lists,
 * so that test-layout.test.ts can run them on the repository and on small trees that break them.
 *
 * - test/ follows src/ folder for folder: the tests of `src/<folder>` are in `test/<folder>`.
 * - The other folders of test/ are the project's own (PROJECT_TEST_FOLDERS): tests of the whole
 *   (layout, templates, docs, examples, languages, release, supply chain) and the helpers.
 * - A test file in a mirrored folder reaches the code of that folder: it imports a module under it
 *   (a construct folder's constructs through `src/index.ts` too), or runs a bundle built from it
 *   (`assets/<name>`, directly or through a helper of test/support that runs it).
 */

/** test/'s folders that are not a folder of src/, and what each holds. */
export const PROJECT_TEST_FOLDERS: Record<string, string> = {
  'architecture': 'the layout of src/ and test/, the contract between constructs and runtime, the toolchain',
  'deploy': 'the templates of every configuration against the deploy-time rules (cfn-lint, checkov, cfn-guard)',
  'docs': 'the docs: samples compile, named paths exist, claims hold',
  'examples': 'the example apps: synthesized, scanned (cdk-nag, cfn-lint, checkov, cfn-guard), their handlers run end to end',
  'languages': 'the Python, Java and Go packages synthesize the same templates',
  'release': 'the npm package\'s file list, the release notes and artifacts',
  'supply-chain': 'the bundles\' inventories and the vulnerability check',
  'support': 'helpers of the tests (not tests)',
  'fixtures': 'files the tests read (not tests)',
};

/** src/ folders with no test folder of their own, and where they are tested. */
export const UNMIRRORED_SRC_FOLDERS: Record<string, string> = {
  'runtime/stubs': 'the stub that replaces the packages not bundled: test/runtime/bundle.test.ts checks it is in the bundles',
};

/** Construct folders whose public classes tests reach through `src/index.ts`. */
const PUBLIC_FOLDERS = new Set(['function', 'network', 'rotation', 'secret', 'testing']);

export interface TestTree {
  /** src/ folders that hold .ts files, relative to src/ ('function', 'runtime/connector'...). */
  readonly srcFolders: string[];
  /** test/ files, relative to test/, with their text. */
  readonly testFiles: Map<string, string>;
}

/** The folder of a test file relative to test/, '' at the top. */
function folderOf(file: string): string {
  const at = file.lastIndexOf('/');
  return at < 0 ? '' : file.slice(0, at);
}

/** src/ folders (relative to src/) a test file reaches: through imports and bundles it runs. */
export function reachedSrcFolders(file: string, tree: TestTree): Set<string> {
  const reached = new Set<string>();
  const text = tree.testFiles.get(file) ?? '';
  const addBundles = (source: string) => {
    // `assets/<name>` in a path or a comment, `'assets', '<name>'` in a path.join, `invokeAsset('<name>'`.
    for (const m of source.matchAll(/assets(?:\/|', ')([a-z][a-z-]*|%s|\$\{)|invokeAsset\('([a-z][a-z-]*)'/g)) {
      m[1] = m[1] ?? m[2];
      if (m[1] === '%s' || m[1] === '${') reached.add('runtime');
      else if (tree.srcFolders.includes(`runtime/${m[1]}`)) reached.add(`runtime/${m[1]}`);
    }
  };
  addBundles(text);
  for (const m of text.matchAll(/(?:from |import |jest\.mock\(|require\()'(\.[^']*)'/g)) {
    const target = joinPath(folderOf(file), m[1]);
    if (target === '../src' || target === '../src/index') {
      for (const folder of PUBLIC_FOLDERS) reached.add(folder);
    } else if (target.startsWith('../src/')) {
      const module = target.slice('../src/'.length);
      // A folder's index (`src/runtime/rotation`) or a module in a folder (`src/runtime/rotation/rotation`).
      reached.add(tree.srcFolders.includes(module) ? module : folderOf(module));
    } else if (!target.startsWith('..')) {
      const helper = tree.testFiles.get(`${target}.ts`);
      if (helper !== undefined && target.startsWith('support/')) addBundles(helper);
    }
  }
  return reached;
}

/** A path relative to test/, from a folder relative to test/ and a relative specifier. */
function joinPath(folder: string, specifier: string): string {
  const parts = folder === '' ? [] : folder.split('/');
  for (const part of specifier.split('/')) {
    if (part === '.' || part === '') continue;
    if (part === '..') {
      if (parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
      else parts.push('..');
    } else {parts.push(part);}
  }
  return parts.join('/');
}

/** Every way the tree breaks the rules above, one line each. */
export function testLayoutViolations(tree: TestTree): string[] {
  const violations: string[] = [];
  const srcTop = new Set(tree.srcFolders.map((f) => f.split('/')[0]));
  for (const file of tree.testFiles.keys()) {
    const folder = folderOf(file);
    const top = folder.split('/')[0];
    if (folder === '') {
      if (file.endsWith('.ts') && file !== 'tsconfig.json') violations.push(`test/${file}: at the top of test/; put it in the folder of what it tests`);
      continue;
    }
    if (!srcTop.has(top) && !(top in PROJECT_TEST_FOLDERS)) {
      violations.push(`test/${file}: test/${top} is neither a folder of src/ nor one of the project's test folders (PROJECT_TEST_FOLDERS)`);
      continue;
    }
    if (!srcTop.has(top) || !/\.test\.ts$/.test(file)) continue;
    if (!tree.srcFolders.some((f) => f === folder || f.startsWith(`${folder}/`))) {
      violations.push(`test/${file}: src/${folder} does not exist; test/ follows src/ folder for folder`);
      continue;
    }
    const reached = reachedSrcFolders(file, tree);
    const reachesOwn = [...reached].some((r) => r === folder || r.startsWith(`${folder}/`));
    if (!reachesOwn) {
      violations.push(`test/${file}: reaches ${[...reached].map((r) => `src/${r}`).join(', ') || 'nothing in src/'}, not src/${folder}; move it to the folder of what it tests`);
    }
  }
  for (const folder of tree.srcFolders) {
    if (folder in UNMIRRORED_SRC_FOLDERS) continue;
    const mirrored = [...tree.testFiles.keys()].some((f) => f.endsWith('.test.ts') && folderOf(f) === folder);
    if (!mirrored) violations.push(`src/${folder}: no test/${folder} with tests (or a reason in UNMIRRORED_SRC_FOLDERS)`);
  }
  return violations;
}
