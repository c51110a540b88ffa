/**
 * The check release:dry-run runs on dist/ (test/release/release-artifacts.ts): a complete dist/
 * passes, and each missing or mismatched package, tag or release note fails it. The real dist/ is
 * checked by the dry run itself (scripts/test.sh); here the directories are made to measure.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkReleaseArtifacts, packageNames } from './release-artifacts';

const REPO = path.join(__dirname, '..', '..');
const NAMES = packageNames(path.join(REPO, 'package.json'));
const VERSION = '0.4.2';

/** What jsii-pacmak and bump leave in dist/ for VERSION, file by file (the npm tarball is made below). */
function releaseFiles(version: string): Record<string, string> {
  const maven = `java/io/github/cdk-snowflake-keypair/cdk-snowflake-keypair/${version}/cdk-snowflake-keypair-${version}`;
  return {
    'version.txt': version,
    'releasetag.txt': `v${version}`,
    'changelog.md': `\n## [${version}](https://example.invalid/compare) (2026-01-01)\n\n### Bug Fixes\n\n* a fix\n`,
    [`python/cdk_snowflake_keypair-${version}-py3-none-any.whl`]: 'wheel',
    [`python/cdk_snowflake_keypair-${version}.tar.gz`]: 'sdist',
    [`${maven}.jar`]: 'jar',
    [`${maven}-sources.jar`]: 'jar',
    [`${maven}-javadoc.jar`]: 'jar',
    [`${maven}.pom`]: '<project/>',
    'go/cdksnowflakekeypair/go.mod': 'module github.com/cdk-snowflake-keypair/cdk-snowflake-keypair-go/cdksnowflakekeypair\n\ngo 1.25\n',
    'go/cdksnowflakekeypair/version': `${version}\n`,
  };
}

/** dist/ with `files`, and the npm tarball at `tarballVersion` (none when null). */
function makeDist(files: Record<string, string>, tarballVersion: string | null): string {
  const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'release-dist-'));
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dist, rel)), { recursive: true });
    fs.writeFileSync(path.join(dist, rel), content);
  }
  if (tarballVersion !== null) {
    const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'release-tgz-'));
    fs.mkdirSync(path.join(stage, 'package'));
    fs.writeFileSync(path.join(stage, 'package', 'package.json'), JSON.stringify({ name: NAMES.npm, version: tarballVersion }));
    fs.mkdirSync(path.join(dist, 'js'));
    execFileSync('tar', ['-czf', path.join(dist, 'js', `${NAMES.npm}@${VERSION}.jsii.tgz`), '-C', stage, 'package']);
    fs.rmSync(stage, { recursive: true, force: true });
  }
  return dist;
}

const made: string[] = [];
afterAll(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
function check(files: Record<string, string>, options: { dotnet?: boolean; tarballVersion?: string | null } = {}) {
  const dist = makeDist(files, options.tarballVersion === undefined ? VERSION : options.tarballVersion);
  made.push(dist);
  return checkReleaseArtifacts(dist, NAMES, { dotnet: options.dotnet ?? false });
}

test('the names come from package.json (the jsii targets the release publishes)', () => {
  expect(NAMES).toEqual({
    npm: 'cdk-snowflake-keypair',
    pythonDistName: 'cdk-snowflake-keypair',
    mavenGroupId: 'io.github.cdk-snowflake-keypair',
    mavenArtifactId: 'cdk-snowflake-keypair',
    goModuleName: 'github.com/cdk-snowflake-keypair/cdk-snowflake-keypair-go',
    goPackageName: 'cdksnowflakekeypair',
    nugetPackageId: 'CdkSnowflakeKeypair',
  });
});

test('a complete dist/ passes; without a .NET SDK the NuGet package is reported as not built', () => {
  const report = check(releaseFiles(VERSION));
  expect(report.problems).toEqual([]);
  expect(report.version).toBe(VERSION);
  expect(report.packages).toHaveLength(8);
  expect(report.notBuilt).toEqual([expect.stringMatching(/^NuGet \(dist\/dotnet\/CdkSnowflakeKeypair\.0\.4\.2\.nupkg\): no \.NET SDK/)]);
});

test('with a .NET SDK the NuGet package is required, and counted when there', () => {
  expect(check(releaseFiles(VERSION), { dotnet: true }).problems).toEqual(['NuGet: dist/dotnet/CdkSnowflakeKeypair.0.4.2.nupkg is missing']);
  const report = check({ ...releaseFiles(VERSION), 'dotnet/CdkSnowflakeKeypair.0.4.2.nupkg': 'nupkg' }, { dotnet: true });
  expect(report.problems).toEqual([]);
  expect(report.notBuilt).toEqual([]);
});

test('(failing case) each package missing is named', () => {
  const files = releaseFiles(VERSION);
  for (const rel of Object.keys(files).filter((f) => /\.(whl|tar\.gz|jar|pom)$|go\.mod$/.test(f))) {
    const { [rel]: _removed, ...rest } = files;
    const problems = check(rest).problems;
    expect({ rel, problems }).toEqual({ rel, problems: [expect.stringContaining(`dist/${rel} is missing`)] });
  }
  expect(check(files, { tarballVersion: null }).problems).toEqual(['npm: dist/js/cdk-snowflake-keypair@0.4.2.jsii.tgz is missing']);
});

test('(failing case) packages, tag or notes at another version than the one bumped to', () => {
  expect(check(releaseFiles(VERSION), { tarballVersion: '0.0.0' }).problems).toEqual([
    "npm: the tarball's package.json says version 0.0.0, not 0.4.2",
  ]);
  const stale = { ...releaseFiles('0.4.1'), 'version.txt': VERSION };
  expect(check(stale).problems).toEqual([
    'release tag: dist/releasetag.txt holds "v0.4.1", expected "v0.4.2"',
    'release notes: dist/changelog.md has no heading for 0.4.2',
    'PyPI wheel: dist/python/cdk_snowflake_keypair-0.4.2-py3-none-any.whl is missing',
    'PyPI source distribution: dist/python/cdk_snowflake_keypair-0.4.2.tar.gz is missing',
    'Maven: dist/java/io/github/cdk-snowflake-keypair/cdk-snowflake-keypair/0.4.2/cdk-snowflake-keypair-0.4.2.jar is missing',
    'Maven: dist/java/io/github/cdk-snowflake-keypair/cdk-snowflake-keypair/0.4.2/cdk-snowflake-keypair-0.4.2-sources.jar is missing',
    'Maven: dist/java/io/github/cdk-snowflake-keypair/cdk-snowflake-keypair/0.4.2/cdk-snowflake-keypair-0.4.2-javadoc.jar is missing',
    'Maven: dist/java/io/github/cdk-snowflake-keypair/cdk-snowflake-keypair/0.4.2/cdk-snowflake-keypair-0.4.2.pom is missing',
    'Go: dist/go/cdksnowflakekeypair/version holds "0.4.1", not 0.4.2',
  ]);
});

test('(failing case) no bump, no release notes, a Go module under another path', () => {
  const { 'version.txt': _v, ...noVersion } = releaseFiles(VERSION);
  expect(check(noVersion).problems).toEqual(['version: dist/version.txt is missing (did `bump` run?)']);
  const { 'changelog.md': _c, ...noNotes } = releaseFiles(VERSION);
  expect(check(noNotes).problems).toEqual(['release notes: dist/changelog.md is missing']);
  const otherModule = { ...releaseFiles(VERSION), 'go/cdksnowflakekeypair/go.mod': 'module example.com/other\n' };
  expect(check(otherModule).problems).toEqual([
    'Go: dist/go/cdksnowflakekeypair/go.mod does not declare module github.com/cdk-snowflake-keypair/cdk-snowflake-keypair-go/cdksnowflakekeypair',
  ]);
});
