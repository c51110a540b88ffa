/**
 * Every file path a doc names exists: README.md, docs/*.md and the examples' READMEs, in links
 * (relative to the doc) and wherever a path starts with a top-level folder (relative to the
 * repository; code spans, prose and diagrams). Paths under what the build
 * writes (assets/, lib/, ...) and paths with placeholders (`<name>`, `*`) are left out.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const REPO = path.join(__dirname, '..', '..');

/** The repository's top-level folders a code span may name a path in. */
const TOP_LEVEL = ['src', 'test', 'docs', 'examples', 'scripts', 'bench', 'security', 'projenrc', 'rosetta'];
/** Paths in another project's repository that a doc cites as a source, with that project. */
const OTHER_REPOSITORIES: Record<string, string> = {
  'src/snowflake/connector/auth/keypair.py': 'snowflake-connector-python',
};
/** A path that starts with a top-level folder, not inside a URL, a package name or another path. */
const BARE_PATH = new RegExp(`(^|[^A-Za-z0-9_./@:-])((?:${TOP_LEVEL.join('|')})/[A-Za-z0-9_./-]*[A-Za-z0-9_/])`, 'g');
/** Written by the build or a run, not kept in the repository. */
const GENERATED = /^(assets|lib|dist|cdk\.out|coverage|node_modules|\.tmp|test-reports)(\/|$)/;

export interface NamedPath {
  readonly doc: string;
  readonly line: number;
  /** Relative to the repository. */
  readonly path: string;
}

/** The repository paths a markdown text names. `doc` is its path relative to the repository. */
export function pathsNamedIn(doc: string, text: string): NamedPath[] {
  const found: NamedPath[] = [];
  const lines = text.split('\n');
  let fenced = false;
  lines.forEach((lineText, index) => {
    const add = (p: string) => found.push({ doc, line: index + 1, path: p });
    if (/^\s*(```|~~~)/.test(lineText)) {
      fenced = !fenced;
      return;
    }
    // Anywhere, fenced diagrams included: a path in a top-level folder, relative to the repository.
    for (const match of lineText.matchAll(BARE_PATH)) add(match[2].replace(/[.]$/, '').replace(/\/$/, ''));
    if (fenced) return;
    // Links: [text](target), relative to the doc.
    for (const match of lineText.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = match[1].split('#')[0];
      if (target === '' || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      add(path.posix.normalize(path.posix.join(path.posix.dirname(doc), target)));
    }
  });
  // One entry per path and line.
  const unique = new Map(found.map((p) => [`${p.line} ${p.path}`, p]));
  found.splice(0, found.length, ...unique.values());
  return found.filter((p) => !GENERATED.test(p.path) && !(p.path in OTHER_REPOSITORIES) && !/[<>*{}$]|\.\.\./.test(p.path));
}

/** The named paths that do not exist under `root`. */
export function missingPaths(root: string, named: NamedPath[]): string[] {
  return named.filter((p) => !fs.existsSync(path.join(root, p.path))).map((p) => `${p.doc}:${p.line} names ${p.path}, which does not exist`);
}

function docs(): string[] {
  const result = ['README.md'];
  for (const name of fs.readdirSync(path.join(REPO, 'docs'))) if (name.endsWith('.md')) result.push(`docs/${name}`);
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(REPO, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory() && entry.name !== 'node_modules' && entry.name !== 'cdk.out') walk(rel);
      else if (/^README/i.test(entry.name)) result.push(rel);
    }
  };
  walk('examples');
  return result;
}

test('every file path README.md, docs/*.md and the examples\' READMEs name exists', () => {
  const named = docs().flatMap((doc) => pathsNamedIn(doc, fs.readFileSync(path.join(REPO, doc), 'utf8')));
  // Enough paths that a parser finding none cannot pass.
  expect(named.length).toBeGreaterThan(50);
  expect(named.map((p) => p.path)).toContain('docs/architecture.md');
  expect(missingPaths(REPO, named)).toEqual([]);
});

test('the check fails on a doc naming a file that does not exist, in a link, a code span or a diagram', () => {
  const text = [
    'See [the architecture](architecture.md) and [rotation](rotation.md#the-rotator) and [AWS](https://aws.amazon.com/x.md).',
    'The helper is in `src/secret/acknowledgements.ts`, the tests in `test/secret/`.',
    '```',
    'src/private/                 a diagram names folders too',
    '```',
    'Built: `assets/connector/index.js`; a pattern: `assets/<name>/index.js`; not a path: `npx projen`.',
  ].join('\n');
  const named = pathsNamedIn('docs/example.md', text);
  expect(named.map((p) => p.path)).toEqual(['docs/architecture.md', 'docs/rotation.md', 'src/secret/acknowledgements.ts', 'test/secret', 'src/private']);
  expect(missingPaths(REPO, named)).toEqual(['docs/example.md:2 names src/secret/acknowledgements.ts, which does not exist']);
});
