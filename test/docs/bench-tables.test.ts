/**
 * Numbers in docs are written by the bench (bench/doc-table.ts), and re-measured when the code they
 * measure changes: every `<!-- bench:NAME -->` block names the commit it measured, and this test
 * fails when a later commit changed src/runtime/ (the bundles the benches run) or the bench itself.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { measuredPaths } from '../../bench/measured-paths';

const REPO = path.join(__dirname, '..', '..');

interface BenchBlock {
  readonly doc: string;
  readonly name: string;
  readonly commit: string | undefined;
}

/** Every bench block of a doc's text, with the commit it names. */
function benchBlocks(doc: string, text: string): BenchBlock[] {
  const blocks: BenchBlock[] = [];
  for (const m of text.matchAll(/<!-- bench:([a-z0-9-]+) -->([\s\S]*?)<!-- \/bench:\1 -->/g)) {
    blocks.push({ doc, name: m[1], commit: /commit `([0-9a-f]{7,40})`/.exec(m[2])?.[1] });
  }
  return blocks;
}

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** Why a block's numbers are stale, or undefined when they measure the code as it is. */
function staleness(block: BenchBlock): string | undefined {
  if (!block.commit) return `${block.doc} (${block.name}) names no commit: run the bench, which writes it`;
  try {
    git('merge-base', '--is-ancestor', block.commit, 'HEAD');
  } catch {
    return `${block.doc} (${block.name}) names commit ${block.commit}, which is not in this branch's history: run the bench again`;
  }
  const measured = measuredPaths(block.name);
  const later = git('log', '--format=%h %s', `${block.commit}..HEAD`, '--', ...measured);
  return later === '' ? undefined
    : `${block.doc} (${block.name}) measured ${block.commit}; later commits changed ${measured.join(' or ')}:\n${later}\nRun the bench again (it rewrites the table).`;
}

function docs(): string[] {
  return ['README.md', ...fs.readdirSync(path.join(REPO, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
}

const blocks = docs().flatMap((doc) => benchBlocks(doc, fs.readFileSync(path.join(REPO, doc), 'utf8')));

test('the docs hold bench tables (an empty scan cannot pass)', () => {
  expect(blocks.map((b) => `${b.doc}#${b.name}`).sort()).toEqual(expect.arrayContaining([
    'README.md#summary', 'docs/benchmarks.md#executor', 'docs/benchmarks.md#synth', 'docs/workload-identity.md#workload-identity',
  ]));
});

test('every bench table measured the code as it is: no later commit changed src/runtime/ or bench/', () => {
  expect(blocks.map(staleness).filter((s) => s !== undefined)).toEqual([]);
});

describe('the check, on blocks that break it', () => {
  test('a block without a commit is stale', () => {
    const [block] = benchBlocks('x.md', '<!-- bench:x -->\n| a | b |\n<!-- /bench:x -->');
    expect(staleness(block)).toMatch(/names no commit/);
  });

  test('a block naming a commit before a change to src/runtime/ is stale', () => {
    // The last commit that changed src/runtime/, and its parent: measured before that change.
    const changed = git('log', '-1', '--format=%h', '--', 'src/runtime');
    const [block] = benchBlocks('x.md', `<!-- bench:x -->\nMeasured on commit \`${git('rev-parse', '--short=12', `${changed}^`)}\`.\n<!-- /bench:x -->`);
    expect(staleness(block)).toMatch(/later commits changed/);
  });

  test('synth time measures the constructs too: a change under src/ outside src/runtime/ makes the synth block stale, not the others', () => {
    // The last commit that changed src/ but not src/runtime/ or bench/, and its parent.
    const constructsOnly = git('log', '--format=%h', '--', 'src').split('\n').find((c) => {
      const files = git('show', '--name-only', '--format=', c).split('\n');
      return files.some((f) => f.startsWith('src/')) && !files.some((f) => f.startsWith('src/runtime/') || f.startsWith('bench/') || f.startsWith('packages/'));
    })!;
    const before = git('rev-parse', '--short=12', `${constructsOnly}^`);
    const [synth] = benchBlocks('x.md', `<!-- bench:synth -->\ncommit \`${before}\`\n<!-- /bench:synth -->`);
    expect(staleness(synth)).toMatch(/later commits changed src or bench\/synth.ts/);
    // The runtime benches measure the bundles, their script and baselines, the harness and the endpoint, not the constructs.
    expect(measuredPaths('executor')).not.toContain('src');
    expect(measuredPaths('executor')).toEqual(expect.arrayContaining(['src/runtime', 'bench/run.ts', 'bench/baseline', 'packages/local-snowflake/src']));
    expect(measuredPaths('workload-identity')).not.toContain('bench/run.ts');
  });

  test('a block naming HEAD is current (the control)', () => {
    const [block] = benchBlocks('x.md', `<!-- bench:x -->\ncommit \`${git('rev-parse', '--short=12', 'HEAD')}\`\n<!-- /bench:x -->`);
    expect(staleness(block)).toBeUndefined();
  });

  test('a commit outside the history is refused', () => {
    const [block] = benchBlocks('x.md', '<!-- bench:x -->\ncommit `0123456789ab`\n<!-- /bench:x -->');
    expect(staleness(block)).toMatch(/not in this branch's history/);
  });
});
