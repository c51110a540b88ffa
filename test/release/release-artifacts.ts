/**
 * What a release leaves in dist/ before the release workflow publishes it, checked (docs/releasing.md).
 *
 * projen's `bump` writes dist/version.txt, dist/releasetag.txt and dist/changelog.md (the release
 * notes); jsii-pacmak writes one package per language. Each must be there, at the version that
 * was bumped to, under the names package.json gives (its `jsii.targets`), so that what publib
 * uploads is what the release says. The .NET package is required only where a .NET SDK is
 * (`dotnet` on PATH): elsewhere it is reported as not built, never as built.
 *
 *   ts-node test/release/release-artifacts.ts [DIST]     exits 1 and lists what is wrong
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The package names the release publishes, as package.json's `name` and `jsii.targets` give them. */
export interface PackageNames {
  readonly npm: string;
  readonly pythonDistName: string;
  readonly mavenGroupId: string;
  readonly mavenArtifactId: string;
  readonly goModuleName: string;
  readonly goPackageName: string;
  readonly nugetPackageId: string;
}

export interface ReleaseArtifactsReport {
  /** The version bumped to (dist/version.txt), or undefined when it is missing. */
  readonly version?: string;
  /** Each package found, as a path relative to dist/. */
  readonly packages: string[];
  /** What is missing or wrong; empty when dist/ is ready to publish. */
  readonly problems: string[];
  /** What was not built on this machine, and why. */
  readonly notBuilt: string[];
}

/** Reads the names from a package.json (the repository's by default). */
export function packageNames(packageJsonFile: string): PackageNames {
  const pkg = JSON.parse(fs.readFileSync(packageJsonFile, 'utf8'));
  const targets = pkg.jsii?.targets ?? {};
  return {
    npm: pkg.name,
    pythonDistName: targets.python?.distName,
    mavenGroupId: targets.java?.maven?.groupId,
    mavenArtifactId: targets.java?.maven?.artifactId,
    goModuleName: targets.go?.moduleName,
    goPackageName: targets.go?.packageName,
    nugetPackageId: targets.dotnet?.packageId,
  };
}

/** Whether a .NET SDK is on PATH (the NuGet package needs one). */
export function dotnetAvailable(): boolean {
  try {
    execFileSync('dotnet', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

/** Checks dist/; pure but for reading the directory. */
export function checkReleaseArtifacts(dist: string, names: PackageNames, options: { readonly dotnet: boolean }): ReleaseArtifactsReport {
  const problems: string[] = [];
  const packages: string[] = [];
  const notBuilt: string[] = [];
  const read = (rel: string): string | undefined => {
    const file = path.join(dist, rel);
    return fs.existsSync(file) && fs.statSync(file).isFile() ? fs.readFileSync(file, 'utf8') : undefined;
  };
  const requireFile = (rel: string, what: string): boolean => {
    if (read(rel) === undefined) {
      problems.push(`${what}: dist/${rel} is missing`);
      return false;
    }
    packages.push(rel);
    return true;
  };

  const version = read('version.txt')?.trim();
  if (version === undefined) {
    problems.push('version: dist/version.txt is missing (did `bump` run?)');
    return { version, packages, problems, notBuilt };
  }
  if (!SEMVER.test(version)) problems.push(`version: dist/version.txt holds ${JSON.stringify(version)}, not a semantic version`);

  const tag = read('releasetag.txt')?.trim();
  if (tag !== `v${version}`) problems.push(`release tag: dist/releasetag.txt holds ${JSON.stringify(tag)}, expected "v${version}"`);

  const changelog = read('changelog.md');
  if (changelog === undefined) {
    problems.push('release notes: dist/changelog.md is missing');
  } else if (!new RegExp(`^#+ \\[?${version.replace(/\./g, '\\.')}\\]?[ (]`, 'm').test(changelog)) {
    problems.push(`release notes: dist/changelog.md has no heading for ${version}`);
  }

  // npm: jsii-pacmak's js target packs the tarball npm publishes.
  const tarball = `js/${names.npm}@${version}.jsii.tgz`;
  if (requireFile(tarball, 'npm')) {
    const manifest = execFileSync('tar', ['-xzOf', path.join(dist, tarball), 'package/package.json'], { encoding: 'utf8' });
    const packed = JSON.parse(manifest);
    if (packed.version !== version) problems.push(`npm: the tarball's package.json says version ${packed.version}, not ${version}`);
  }

  // PyPI: a wheel and a source distribution (PEP 427 / PEP 625 names: the dist name with - as _).
  const python = names.pythonDistName.replace(/-/g, '_');
  requireFile(`python/${python}-${version}-py3-none-any.whl`, 'PyPI wheel');
  requireFile(`python/${python}-${version}.tar.gz`, 'PyPI source distribution');

  // Maven Central: a local repository layout, jar, sources, javadoc and pom (what Central requires).
  const mavenDir = `java/${names.mavenGroupId.replace(/\./g, '/')}/${names.mavenArtifactId}/${version}`;
  for (const suffix of ['.jar', '-sources.jar', '-javadoc.jar', '.pom']) {
    requireFile(`${mavenDir}/${names.mavenArtifactId}-${version}${suffix}`, 'Maven');
  }

  // Go: the module source publib-golang pushes to the module repository, with its version.
  const goDir = `go/${names.goPackageName}`;
  const goMod = read(`${goDir}/go.mod`);
  if (goMod === undefined) {
    problems.push(`Go: dist/${goDir}/go.mod is missing`);
  } else {
    packages.push(`${goDir}/go.mod`);
    const expectedModule = `${names.goModuleName}/${names.goPackageName}`;
    if (!goMod.split('\n').some((line) => line.trim() === `module ${expectedModule}`)) {
      problems.push(`Go: dist/${goDir}/go.mod does not declare module ${expectedModule}`);
    }
    const goVersion = read(`${goDir}/version`)?.trim();
    if (goVersion !== version) problems.push(`Go: dist/${goDir}/version holds ${JSON.stringify(goVersion)}, not ${version}`);
  }

  // NuGet: only where a .NET SDK can build it.
  const nupkg = `dotnet/${names.nugetPackageId}.${version}.nupkg`;
  if (options.dotnet) {
    requireFile(nupkg, 'NuGet');
  } else if (read(nupkg) !== undefined) {
    packages.push(nupkg);
  } else {
    notBuilt.push(`NuGet (dist/${nupkg}): no .NET SDK on this machine; the release workflow's release_nuget job builds it`);
  }

  return { version, packages, problems, notBuilt };
}

if (require.main === module) {
  const repo = path.join(__dirname, '..', '..');
  const dist = path.resolve(process.argv[2] ?? path.join(repo, 'dist'));
  const report = checkReleaseArtifacts(dist, packageNames(path.join(repo, 'package.json')), { dotnet: dotnetAvailable() });
  console.log(`release artifacts in ${path.relative(process.cwd(), dist) || '.'} (version ${report.version ?? 'unknown'}):`);
  for (const p of report.packages) console.log(`  ok           ${p}`);
  for (const n of report.notBuilt) console.log(`  NOT BUILT    ${n}`);
  for (const p of report.problems) console.log(`  PROBLEM      ${p}`);
  if (report.problems.length > 0) {
    console.error(`release-artifacts: ${report.problems.length} problem(s); dist/ is not ready to publish`);
    process.exit(1);
  }
}
