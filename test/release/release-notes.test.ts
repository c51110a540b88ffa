/**
 * Versions and release notes come from conventional commits (docs/releasing.md): the repository's
 * own `bump` task (.projen/tasks.json, commit-and-tag-version) runs on real git histories, in a
 * scratch repository and on a clone of this one. Nothing is published, pushed or tagged.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const REPO = path.join(__dirname, '..', '..');
const PROJEN = path.join(REPO, 'node_modules', 'projen', 'bin', 'projen');

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=release-test', '-c', 'user.email=release-test@example.invalid', '-c', 'commit.gpgsign=false', ...args], {
    cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs a projen task of the repository's tasks.json in `cwd`, on the repository's node_modules. */
function projen(cwd: string, task: string): void {
  execFileSync(process.execPath, [PROJEN, task], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PATH: `${path.join(REPO, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH}` },
  });
}

/** A repository with this project's package.json and tasks, and the given history. */
function scratchRepository(history: (dir: string) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'release-notes-'));
  git(dir, 'init', '-q', '-b', 'main');
  fs.copyFileSync(path.join(REPO, 'package.json'), path.join(dir, 'package.json'));
  fs.mkdirSync(path.join(dir, '.projen'));
  fs.copyFileSync(path.join(REPO, '.projen', 'tasks.json'), path.join(dir, '.projen', 'tasks.json'));
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  fs.writeFileSync(path.join(dir, '.gitignore'), 'node_modules\ndist\n');
  git(dir, 'add', '-A');
  history(dir);
  return dir;
}

const commit = (dir: string, message: string) => git(dir, 'commit', '-q', '--allow-empty', '-m', message);
const readDist = (dir: string, file: string) => fs.readFileSync(path.join(dir, 'dist', file), 'utf8');
const versionIn = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
/** The bullets under a `### <title>` heading of release notes. */
function section(notes: string, title: string): string[] {
  const body = notes.split(new RegExp(`^### ${title}\\s*$`, 'm'))[1]?.split(/^#{2,3} /m)[0] ?? '';
  return [...body.matchAll(/^\* (.+(?:\n {2}.+)*)/gm)].map((m) => m[1].replace(/\s+/g, ' ').trim());
}

describe('bump: the version and the release notes from conventional commits', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  test('after v0.1.0, a fix and a breaking feature: 0.2.0, with the breaking change, the fix and the pointer to the list before 1.0', () => {
    const dir = scratchRepository((d) => {
      commit(d, 'feat: first');
      git(d, 'tag', 'v0.1.0');
      commit(d, 'fix: a fix');
      commit(d, 'lint');
      commit(d, 'feat!: drop the old events\n\nBREAKING CHANGE: events in the old form are refused.');
    });
    dirs.push(dir);
    projen(dir, 'bump');
    expect(readDist(dir, 'version.txt')).toBe('0.2.0');
    expect(readDist(dir, 'releasetag.txt')).toBe('v0.2.0');
    expect(versionIn(dir)).toBe('0.2.0');
    const notes = readDist(dir, 'changelog.md');
    expect(notes).toMatch(/^> Before 1\.0 a minor version may break\./);
    expect(notes).toContain('docs/releasing.md#breaking-changes-before-10');
    expect(notes).toMatch(/^## \[0\.2\.0\]\(.*\) \(\d{4}-\d{2}-\d{2}\)$/m);
    expect(section(notes, '⚠ BREAKING CHANGES')).toEqual(['events in the old form are refused.']);
    expect(section(notes, 'Bug Fixes')).toEqual([expect.stringMatching(/^a fix \(/)]);
    expect(notes).not.toMatch(/^\* lint/m);
    projen(dir, 'unbump');
    expect(versionIn(dir)).toBe('0.0.0');
  });

  test('(failing case) a breaking change written without `!` or a BREAKING CHANGE footer is a patch release that lists none', () => {
    const dir = scratchRepository((d) => {
      commit(d, 'feat: first');
      git(d, 'tag', 'v0.1.0');
      commit(d, 'feat: drop the old events\n\nBREAKING: events in the old form are refused.');
    });
    dirs.push(dir);
    projen(dir, 'bump');
    expect(readDist(dir, 'version.txt')).toBe('0.1.1');
    expect(section(readDist(dir, 'changelog.md'), '⚠ BREAKING CHANGES')).toEqual([]);
  });
});

/** The hand-written list in docs/releasing.md, one entry per bullet, whitespace collapsed. */
function breakingChangesBefore1(): string[] {
  const doc = fs.readFileSync(path.join(REPO, 'docs', 'releasing.md'), 'utf8');
  const body = doc.split(/^## Breaking changes before 1\.0\s*$/m)[1]?.split(/^## /m)[0] ?? '';
  return [...body.matchAll(/^- (.+(?:\n {2}.+)*)/gm)].map((m) => m[1].replace(/\s+/g, ' ').trim());
}

const released = execFileSync('git', ['tag', '--list', 'v*'], { cwd: REPO, encoding: 'utf8' }).trim() !== '';

describe('the first release of this repository', () => {
  // Once the first release is tagged its notes are published and fixed; later releases list only
  // what changed since their previous tag (the scratch repositories above).
  (released ? test.skip : test)('lists every breaking change made before 1.0 (docs/releasing.md) under ⚠ BREAKING CHANGES', () => {
    const expected = breakingChangesBefore1();
    expect(expected.length).toBeGreaterThanOrEqual(5);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'first-release-'));
    try {
      execFileSync('git', ['clone', '--quiet', '--shared', REPO, dir], { stdio: 'ignore' });
      fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
      projen(dir, 'bump');
      expect(readDist(dir, 'version.txt')).toBe('0.0.0');
      const listed = section(readDist(dir, 'changelog.md'), '⚠ BREAKING CHANGES');
      for (const change of expected) expect(listed).toContain(change);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('(failing case) a breaking change missing from the history is noticed', () => {
    const notes = '## 0.0.0 (2026-01-01)\n\n### ⚠ BREAKING CHANGES\n\n* one that was written down\n';
    const listed = section(notes, '⚠ BREAKING CHANGES');
    expect(listed).toEqual(['one that was written down']);
    expect(breakingChangesBefore1().filter((c) => !listed.includes(c)).length).toBe(breakingChangesBefore1().length);
  });
});
