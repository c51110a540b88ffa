/**
 * The release machinery as .projenrc.ts generates it (docs/releasing.md): every publish target,
 * the build and release workflows with the secrets they need, the Construct Hub keywords, and the
 * tasks the release and its dry run are made of. Each check is a function of the generated files,
 * run on the committed ones and, for its failing case, on a copy with one thing taken away.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const REPO = path.join(__dirname, '..', '..');
const read = (rel: string) => fs.readFileSync(path.join(REPO, rel), 'utf8');
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value));

/** The generated files the checks read. */
interface Generated {
  readonly pkg: any;
  readonly tasks: Record<string, { steps?: Array<Record<string, any>>; env?: Record<string, string> }>;
  readonly releaseWorkflow: string;
  readonly buildWorkflow: string;
  readonly releasingDoc: string;
}

function generated(): Generated {
  const workflow = (name: string) => (fs.existsSync(path.join(REPO, '.github', 'workflows', name)) ? read(`.github/workflows/${name}`) : '');
  return {
    pkg: JSON.parse(read('package.json')),
    tasks: JSON.parse(read('.projen/tasks.json')).tasks,
    releaseWorkflow: workflow('release.yml'),
    buildWorkflow: workflow('build.yml'),
    releasingDoc: fs.existsSync(path.join(REPO, 'docs', 'releasing.md')) ? read('docs/releasing.md') : '',
  };
}

/** A workflow's jobs, by id: the text of each (the lines under `jobs:` indented by two spaces). */
function jobs(workflow: string): Map<string, string> {
  const result = new Map<string, string>();
  const body = workflow.split(/^jobs:\s*$/m)[1] ?? '';
  const parts = body.split(/^ {2}([A-Za-z0-9_-]+):\s*$/m);
  for (let i = 1; i < parts.length; i += 2) result.set(parts[i], parts[i + 1]);
  return result;
}

/** Each publish job of the release workflow: the publib tool it runs and the secrets it needs. */
const PUBLISH_JOBS: Record<string, { tool: string; secrets: string[] }> = {
  release_npm: { tool: 'publib-npm', secrets: ['NPM_TOKEN'] },
  release_pypi: { tool: 'publib-pypi', secrets: ['TWINE_USERNAME', 'TWINE_PASSWORD'] },
  release_maven: {
    tool: 'publib-maven',
    secrets: ['MAVEN_GPG_PRIVATE_KEY', 'MAVEN_GPG_PRIVATE_KEY_PASSPHRASE', 'MAVEN_USERNAME', 'MAVEN_PASSWORD', 'MAVEN_STAGING_PROFILE_ID'],
  },
  release_golang: { tool: 'publib-golang', secrets: ['GO_GITHUB_TOKEN'] },
  release_nuget: { tool: 'publib-nuget', secrets: ['NUGET_API_KEY'] },
};

/** Construct Hub lists jsii packages from npm with a permissive license and one of these keywords (docs/releasing.md). */
const CONSTRUCT_HUB_KEYWORDS = ['awscdk', 'aws-cdk'];
const PERMISSIVE_LICENSES = ['Apache-2.0', 'MIT', 'BSD-2-Clause', 'BSD-3-Clause'];

function packageProblems({ pkg }: Generated): string[] {
  const problems: string[] = [];
  for (const keyword of [...CONSTRUCT_HUB_KEYWORDS, 'cdk']) {
    if (!(pkg.keywords ?? []).includes(keyword)) problems.push(`package.json keywords lack "${keyword}"`);
  }
  if (!PERMISSIVE_LICENSES.includes(pkg.license)) problems.push(`license ${pkg.license} is not one Construct Hub lists`);
  if (pkg.version !== '0.0.0') problems.push(`package.json is committed bumped (version ${pkg.version}); the release bumps and unbumps it`);
  if (!pkg.devDependencies?.['commit-and-tag-version']) problems.push('commit-and-tag-version (what `bump` runs) is not a devDependency');
  const targets = pkg.jsii?.targets ?? {};
  const required: Record<string, string[]> = {
    python: ['distName', 'module'],
    java: ['package', 'maven.groupId', 'maven.artifactId'],
    go: ['moduleName', 'packageName'],
    dotnet: ['namespace', 'packageId'],
  };
  for (const [target, fields] of Object.entries(required)) {
    for (const field of fields) {
      const value = field.split('.').reduce((o: any, k) => o?.[k], targets[target]);
      if (typeof value !== 'string' || value === '') problems.push(`jsii target ${target} has no ${field}`);
    }
  }
  // One GitHub organisation names the repository, the Maven Central namespace and the Go module.
  const org = /github\.com\/([^/]+)\//.exec(pkg.repository?.url ?? '')?.[1];
  if (targets.java?.maven?.groupId !== `io.github.${org}`) problems.push(`Maven groupId ${targets.java?.maven?.groupId} is not io.github.${org}`);
  if (!String(targets.go?.moduleName).startsWith(`github.com/${org}/`)) problems.push(`Go module ${targets.go?.moduleName} is not under github.com/${org}/`);
  return problems;
}

function taskProblems({ tasks }: Generated): string[] {
  const problems: string[] = [];
  const spawns = (name: string) => (tasks[name]?.steps ?? []).map((s) => s.spawn).filter(Boolean);
  const execs = (name: string) => (tasks[name]?.steps ?? []).map((s) => s.exec ?? (s.execArgs ?? []).join(' ')).filter(Boolean);
  const inOrder = (name: string, expected: string[]) => {
    const actual = spawns(name).filter((s) => expected.includes(s));
    if (JSON.stringify(actual) !== JSON.stringify(expected)) problems.push(`task ${name} spawns ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  };
  inOrder('release', ['bump', 'build', 'unbump']);
  inOrder('release:dry-run', ['bump', 'compile', 'package-all', 'unbump', 'compile']);
  if (!execs('release:dry-run').some((e) => e.includes('test/release/release-artifacts.ts dist'))) problems.push('release:dry-run does not check dist/');
  if (!execs('release:dry-run').some((e) => /^diff -u \.tmp\/release-dry-run\.before \.tmp\/release-dry-run\.after$/.test(e))) {
    problems.push('release:dry-run does not check that the working tree is unchanged');
  }
  inOrder('package-all', ['package:js', 'package:java', 'package:python', 'package:dotnet', 'package:go']);
  for (const lang of ['js', 'java', 'python', 'go', 'dotnet']) {
    if (!execs(`package:${lang}`).some((e) => e === `jsii-pacmak -v --no-npmignore --target ${lang}`)) {
      problems.push(`package:${lang} does not run jsii-pacmak with --no-npmignore (a .npmignore would be written)`);
    }
  }
  if (spawns('test')[0] !== 'package:languages') problems.push('test does not build the language packages it tests first');
  if (!tasks.bump?.env?.VERSIONRCOPTIONS?.includes('docs/releasing.md#breaking-changes-before-10')) {
    problems.push('the release notes header does not point at the breaking changes before 1.0');
  }
  return problems;
}

function workflowProblems(files: Generated): string[] {
  const problems: string[] = [];
  const release = jobs(files.releaseWorkflow);
  if (!/^on:\s*\n\s+workflow_dispatch:/m.test(files.releaseWorkflow)) problems.push('release.yml is not started by workflow_dispatch');
  if (!/run: npx projen release$/m.test(release.get('release') ?? '')) problems.push('release.yml has no release job running `npx projen release`');
  if (!release.has('release_github')) problems.push('release.yml does not create the GitHub release (release_github)');
  for (const [job, { tool, secrets }] of Object.entries(PUBLISH_JOBS)) {
    const text = release.get(job);
    if (text === undefined) {
      problems.push(`release.yml has no ${job} job`);
      continue;
    }
    const run = new RegExp(`run: npx '-p' 'publib@([^']+)' '${tool}'`).exec(text);
    if (!run) problems.push(`${job} does not run ${tool}`);
    else if (!/^\d+\.\d+\.\d+$/.test(run[1])) problems.push(`${job} runs publib@${run[1]}, not a pinned version`);
    for (const secret of secrets) {
      if (!text.includes(`\${{ secrets.${secret} }}`)) problems.push(`${job} does not pass the secret ${secret}`);
    }
  }
  const build = jobs(files.buildWorkflow);
  if (!/run: npx projen build$/m.test(build.get('build') ?? '')) problems.push('build.yml has no build job running `npx projen build`');
  for (const lang of ['js', 'java', 'python', 'dotnet', 'go']) {
    if (!build.has(`package-${lang}`)) problems.push(`build.yml has no package-${lang} job`);
  }
  if (!/actions\/setup-dotnet/.test(release.get('release_nuget') ?? '')) problems.push('release_nuget does not set up .NET');
  return problems;
}

/** docs/releasing.md names every secret the release workflow reads, and no other (stale rows fail too). */
function secretsDocProblems({ releaseWorkflow, releasingDoc }: Generated): string[] {
  const used = new Set([...releaseWorkflow.matchAll(/\$\{\{ secrets\.([A-Z0-9_]+) \}\}/g)].map((m) => m[1]).filter((s) => s !== 'GITHUB_TOKEN'));
  const section = releasingDoc.split(/^## Secrets the repository needs\s*$/m)[1]?.split(/^## /m)[0] ?? '';
  const documented = new Set([...section.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]));
  const problems: string[] = [];
  for (const secret of used) if (!documented.has(secret)) problems.push(`docs/releasing.md does not document the secret ${secret}`);
  for (const secret of documented) if (!used.has(secret)) problems.push(`docs/releasing.md documents ${secret}, which the release workflow does not use`);
  return problems;
}

describe('the committed release configuration', () => {
  const files = generated();

  test('package.json: every publish target, the Construct Hub keywords and license, unbumped', () => {
    expect(packageProblems(files)).toEqual([]);
  });

  test('tasks: the release, its dry run and the packaging tasks', () => {
    expect(taskProblems(files)).toEqual([]);
  });

  test('workflows: build and release, each publish job with its publib tool and secrets', () => {
    expect(workflowProblems(files)).toEqual([]);
  });

  test('docs/releasing.md documents exactly the secrets the release workflow reads', () => {
    expect(secretsDocProblems(files)).toEqual([]);
  });
});

describe('(failing cases) each check notices what is taken away', () => {
  const files = generated();

  test('a publish target, a Construct Hub keyword, a permissive license, a consistent namespace', () => {
    const pkg = clone(files.pkg);
    delete pkg.jsii.targets.dotnet;
    pkg.keywords = pkg.keywords.filter((k: string) => k !== 'awscdk');
    pkg.license = 'UNLICENSED';
    pkg.version = '0.3.0';
    pkg.jsii.targets.java.maven.groupId = 'io.github.someone-else';
    expect(packageProblems({ ...files, pkg })).toEqual([
      'package.json keywords lack "awscdk"',
      'license UNLICENSED is not one Construct Hub lists',
      'package.json is committed bumped (version 0.3.0); the release bumps and unbumps it',
      'jsii target dotnet has no namespace',
      'jsii target dotnet has no packageId',
      'Maven groupId io.github.someone-else is not io.github.cdk-snowflake-keypair',
    ]);
  });

  test('a release without bump, a dry run without its checks, pacmak writing .npmignore', () => {
    const tasks = clone(files.tasks);
    tasks.release.steps = tasks.release.steps!.filter((s) => s.spawn !== 'bump');
    tasks['release:dry-run'].steps = tasks['release:dry-run'].steps!.filter((s) => !String(s.exec).startsWith('diff -u') && !String(s.exec).includes('release-artifacts'));
    tasks['package:python'].steps = [{ exec: 'jsii-pacmak -v --target python' }];
    tasks.test.steps = tasks.test.steps!.filter((s) => s.spawn !== 'package:languages');
    expect(taskProblems({ ...files, tasks })).toEqual([
      'task release spawns ["build","unbump"], expected ["bump","build","unbump"]',
      'release:dry-run does not check dist/',
      'release:dry-run does not check that the working tree is unchanged',
      'package:python does not run jsii-pacmak with --no-npmignore (a .npmignore would be written)',
      'test does not build the language packages it tests first',
    ]);
  });

  test('a workflow missing, a publish job missing, publib unpinned, a secret not passed', () => {
    const releaseWorkflow = files.releaseWorkflow
      .replace(/^ {2}release_nuget:\s*$[\s\S]*?(?=^ {2}release_golang:)/m, '')
      .replace(/publib@[0-9.]+' 'publib-pypi'/, "publib@latest' 'publib-pypi'")
      .replace(/\$\{\{ secrets\.NPM_TOKEN \}\}/, '""');
    expect(workflowProblems({ ...files, releaseWorkflow, buildWorkflow: '' })).toEqual([
      'release_npm does not pass the secret NPM_TOKEN',
      'release_pypi runs publib@latest, not a pinned version',
      'release.yml has no release_nuget job',
      'build.yml has no build job running `npx projen build`',
      'build.yml has no package-js job',
      'build.yml has no package-java job',
      'build.yml has no package-python job',
      'build.yml has no package-dotnet job',
      'build.yml has no package-go job',
      'release_nuget does not set up .NET',
    ]);
  });

  test('a secret the docs do not name, and a documented one the workflow no longer reads', () => {
    const releaseWorkflow = files.releaseWorkflow.replace('${{ secrets.NUGET_API_KEY }}', '${{ secrets.NUGET_TOKEN }}');
    expect(secretsDocProblems({ ...files, releaseWorkflow })).toEqual([
      'docs/releasing.md does not document the secret NUGET_TOKEN',
      'docs/releasing.md documents NUGET_API_KEY, which the release workflow does not use',
    ]);
  });
});
