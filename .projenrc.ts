import { awscdk, github, javascript, JsonFile, release, TextFile } from 'projen';
import { JobStep } from 'projen/lib/github/workflows-model';
import { UpdateSnapshot } from 'projen/lib/javascript';

/**
 * The Node.js version every build, test and synth of this repository runs on.
 *
 * The machine's own Node (20) is end-of-life, so the toolchain comes from the
 * npm package `node`, pinned here and in package-lock.json. `npm ci` installs
 * it into node_modules/.bin, and every npm script, `npx` call and projen task
 * puts node_modules/.bin first on PATH, so jsii, jest and ts-node run on it.
 * See docs/development.md.
 */
const TOOLCHAIN_NODE = '24.9.0';

/**
 * The local Snowflake endpoint the tests sign in to (no emulator serves Snowflake's drivers): its
 * own package in this repository, with its README and tests beside its code, used by the
 * library's tests and benchmarks as a devDependency. Private: it is never published.
 */
const LOCAL_SNOWFLAKE = { name: '@cdk-snowflake-keypair/local-snowflake', dir: 'packages/local-snowflake' };

/**
 * What the test suite needs beside Node on a GitHub runner, as on a developer's machine and CI's
 * (scripts/test.sh checks for them): Python (moto's server, cfn-lint and checkov, in .venv), a JDK 17
 * with Maven and Go (the language parity tests). The build and release workflows run the whole suite.
 */
const TEST_TOOLCHAIN_STEPS: JobStep[] = [
  { name: 'Set up Python', uses: github.ActionRefs.ACTIONS_SETUP_PYTHON, with: { 'python-version': '3.11' } },
  { name: 'Set up Java', uses: github.ActionRefs.ACTIONS_SETUP_JAVA, with: { 'distribution': 'temurin', 'java-version': '17' } },
  { name: 'Set up Go', uses: github.ActionRefs.ACTIONS_SETUP_GO, with: { 'go-version': 'stable' } },
  { name: 'Install the test tools', run: './scripts/ensure-deps.sh' },
];

/** The first lines of every release's notes before 1.0 (commit-and-tag-version's `header`). */
const RELEASE_NOTES_HEADER = [
  '> Before 1.0 a minor version may break. Each release lists its own breaking changes under ⚠ BREAKING CHANGES;',
  '> those made before the first release are listed in [docs/releasing.md](https://github.com/cdk-snowflake-keypair/cdk-snowflake-keypair/blob/main/docs/releasing.md#breaking-changes-before-10).',
  '',
].join('\n');

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-snowflake-keypair',
  description:
    'AWS CDK constructs for Snowflake key-pair authentication: a Secrets Manager secret holding a key pair generated inside AWS, least-privilege readers, a pre-bundled connector Lambda and PrivateLink.',
  author: 'cdk-snowflake-keypair maintainers',
  authorAddress: 'maintainers@cdk-snowflake-keypair.dev',
  repositoryUrl: 'https://github.com/cdk-snowflake-keypair/cdk-snowflake-keypair.git',
  // Construct Hub lists a jsii package from npm with a permissive license and one of its keywords:
  // "awscdk" (its FAQ, "How can I add my construct to the Construct Hub?") or "aws-cdk" ("Why isn't
  // my package displayed?"), https://github.com/cdklabs/construct-hub-webapp/blob/main/src/views/FAQ/FAQ.tsx.
  // Both are here; "cdk" is projen's ConstructLibrary convention, "cdk-construct" the community's.
  keywords: ['cdk', 'awscdk', 'aws-cdk', 'cdk-construct', 'snowflake', 'secrets-manager', 'key-pair', 'jwt', 'lambda', 'privatelink'],
  license: 'Apache-2.0',
  stability: 'experimental',

  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,

  // aws-cdk-lib and constructs are peer dependencies. The floor is the newest aws-cdk-lib every
  // registry serves: Maven Central's (2.263.0) is the lowest of npm, PyPI, Maven Central and the Go
  // proxy, and a higher floor makes Java users' Maven refuse the package. We build and test with
  // the newest that npm, PyPI and the Go proxy all serve (2.275.0, below), so the Python and Go
  // parity tests synthesize with the same aws-cdk-lib as TypeScript.
  cdkVersion: '2.263.0',
  peerDependencyOptions: { pinnedDevDependency: false },
  constructsVersion: '10.5.1',
  jsiiVersion: '~6.0.0',

  // CI is .ci/run on a fresh clone (see README). GitHub runs the same build (build.yml) on pull
  // requests, and releases from the release workflow (release.yml), started by a maintainer: it
  // bumps the version from the conventional commits since the last tag, builds and tests, and
  // publishes to npm, PyPI, Maven Central, the Go module repository and NuGet (docs/releasing.md).
  github: true,
  githubOptions: {
    // Pull request titles become the squash-merge commits, which decide the version and the changelog.
    pullRequestLint: true,
    mergify: false,
  },
  buildWorkflow: true,
  // A build that changes a committed file fails, as .ci/run does, instead of pushing a commit to the PR.
  buildWorkflowOptions: { mutableBuild: false, preBuildSteps: TEST_TOOLCHAIN_STEPS },
  release: true,
  // A maintainer starts a release (Actions, "release", Run workflow; "dry run" publishes nothing):
  // before 1.0 each release is a decision, not a side effect of every merge.
  releaseTrigger: release.ReleaseTrigger.workflowDispatch(),
  // The release notes (dist/changelog.md, the GitHub release's text) are generated from the
  // conventional commits since the last tag. Before 1.0 each one opens with where the breaking
  // changes made before the first release are listed by hand.
  versionrcOptions: { header: RELEASE_NOTES_HEADER },
  releaseWorkflowSetupSteps: TEST_TOOLCHAIN_STEPS,
  releaseToNpm: true,
  // publib (the publishing tools the release workflow runs), pinned rather than "latest".
  jsiiReleaseVersion: '0.2.1061',
  // After `build` in the build workflow and `release` in the release workflow, as scripts/test.sh does.
  postBuildSteps: [{ name: 'Check the bundled packages against known vulnerabilities', run: 'npx projen supply-chain:vulnerabilities' }],
  workflowNodeVersion: TOOLCHAIN_NODE,
  depsUpgrade: false,
  pullRequestTemplate: false,

  docgen: true,
  eslint: true,
  // package.json's `files` allowlist decides what is published (below), not a .npmignore denylist.
  npmignoreEnabled: false,
  prettier: false,

  jestOptions: {
    // Jest 30 and eslint-import-resolver-typescript 4 need unrs-resolver, whose other-platform
    // binaries our registry does not serve, which leaves package-lock.json unusable for `npm ci`.
    jestVersion: '^29',
    // A snapshot that does not match must fail the run, never be rewritten.
    updateSnapshot: UpdateSnapshot.NEVER,
    passWithNoTests: false,
    jestConfig: {
      testTimeout: 120_000,
      // End-to-end tests start moto and child processes; keep them from competing for 2 cores.
      maxWorkers: 2,
      coveragePathIgnorePatterns: ['/node_modules/', '/test/', `/${LOCAL_SNOWFLAKE.dir}/`],
      // projen's defaults (src/ and test/) and the repository's packages' own tests.
      testMatch: [
        '<rootDir>/@(src|test)/**/*(*.)@(spec|test).ts?(x)',
        '<rootDir>/@(src|test)/**/__tests__/**/*.ts?(x)',
        `<rootDir>/${LOCAL_SNOWFLAKE.dir}/test/**/*.test.ts`,
      ],
    },
  },

  publishToPypi: {
    distName: 'cdk-snowflake-keypair',
    module: 'cdk_snowflake_keypair',
  },
  publishToMaven: {
    javaPackage: 'io.github.cdksnowflakekeypair',
    mavenGroupId: 'io.github.cdk-snowflake-keypair',
    mavenArtifactId: 'cdk-snowflake-keypair',
    // Maven Central through the Central Publisher Portal's OSSRH staging API, as publib documents
    // (https://github.com/cdklabs/publib/blob/main/README.md#maven); also projen's default.
    mavenServerId: 'central-ossrh',
  },
  publishToGo: {
    moduleName: 'github.com/cdk-snowflake-keypair/cdk-snowflake-keypair-go',
    packageName: 'cdksnowflakekeypair',
  },
  // Built where a .NET SDK is: the release workflow's NuGet job installs one; a machine without
  // `dotnet` skips the package and says so (package:dotnet below, docs/releasing.md).
  publishToNuget: {
    dotNetNamespace: 'CdkSnowflakeKeypair',
    packageId: 'CdkSnowflakeKeypair',
  },

  devDeps: [
    `node@${TOOLCHAIN_NODE}`,
    'aws-cdk-lib@2.275.0',
    'constructs@10.5.1',
    'typescript@~6.0.0',
    'eslint-import-resolver-typescript@3.7.0',
    '@types/node@^24',
    'esbuild@0.28.2',
    // Runtime code only: bundled into assets/, never a dependency of the library.
    '@aws-sdk/client-secrets-manager@3.1162.0',
    // 3.x: its JWT carries the account, not the host's first label, when a PrivateLink host is given.
    'snowflake-sdk@3.3.0',
    '@types/aws-lambda',
    // Tests only.
    'cdk-nag@3.0.2',
    // AWS Control Tower's proactive controls (cfn-guard), as the CDK policy-validation plugin users add.
    '@cdklabs/cdk-validator-cfnguard@0.0.62',
    'aws-sdk-client-mock@4.1.0',
    // The local Snowflake endpoint: a package of this repository (packages/local-snowflake, below),
    // linked into node_modules by npm; never published.
    `${LOCAL_SNOWFLAKE.name}@file:./${LOCAL_SNOWFLAKE.dir}`,
    // AGPL: used in tests to evaluate policies offline, never bundled or shipped.
    '@cloud-copilot/iam-simulate@0.1.173',
  ],

  gitignore: ['.venv/', 'cdk.out/', '/examples/**/cdk.out/', '.tmp/', '/.m2/', '/examples/java/target/'],
});

// Runtime code runs inside Lambda. It is bundled here, when the library is built, so that
// users (Python, Java and Go included) need neither esbuild nor Docker when they synthesize.
// The AWS SDK is bundled too: see docs/architecture.md ("What the assets contain").
const RUNTIME_BUNDLES = ['key-material', 'connector', 'sql-executor', 'sql-api-executor', 'rotation'];
/**
 * Packages snowflake-sdk requires when it loads, which a Lambda connecting with a key pair never
 * uses: the Azure and Google Cloud clients (stages on Azure or GCS, Azure/GCP workload identity).
 * They are replaced in the bundles by a stub that throws if called (src/runtime/stubs).
 */
const NOT_BUNDLED = ['@azure/storage-blob', '@azure/identity', 'google-auth-library'];
const METAFILE_DIR = '.tmp/metafiles';
const bundleTask = project.addTask('bundle:runtime', {
  description: 'Bundle the Lambda runtime code under src/runtime/ into assets/ (minified, deterministic)',
});
for (const name of RUNTIME_BUNDLES) {
  bundleTask.exec([
    'esbuild',
    `src/runtime/${name}/index.ts`,
    '--bundle',
    '--platform=node',
    '--target=node24',
    '--format=cjs',
    '--minify',
    // Error class names (SecretFormatError, QueryError...) are part of the connector's contract.
    '--keep-names',
    '--legal-comments=none',
    '--log-level=warning',
    ...NOT_BUNDLED.map((pkg) => `--alias:${pkg}=./src/runtime/stubs/not-bundled.ts`),
    // What esbuild read, for the bundle's notices and SBOM (below); a build intermediate, not shipped.
    `--metafile=${METAFILE_DIR}/${name}.json`,
    `--outfile=assets/${name}/index.js`,
  ].join(' '));
}
// Each bundle ships THIRD-PARTY-NOTICES.txt and sbom.cdx.json (CycloneDX), made from esbuild's
// metafile: every npm package it read, its version, license and license texts (docs/security.md,
// "Supply chain"). They sit beside index.js, so they travel in the npm package, every language
// package and the Lambda assets.
bundleTask.exec(`ts-node --transpile-only --project scripts/tsconfig.json scripts/supply-chain/bundle-inventory.ts ${METAFILE_DIR} assets ${RUNTIME_BUNDLES.join(' ')}`);
// The connector again, as a Lambda layer for users' own handlers (SnowflakeConnectorLayer):
// /opt/nodejs/node_modules/@cdk-snowflake-keypair/connector. The package.json is constant, so the
// layer's asset hash changes only with the code.
const LAYER_MODULE_DIR = 'assets/connector-layer/nodejs/node_modules/@cdk-snowflake-keypair/connector';
bundleTask.exec(`mkdir -p ${LAYER_MODULE_DIR}`);
bundleTask.exec(`cp assets/connector/index.js assets/connector/THIRD-PARTY-NOTICES.txt assets/connector/sbom.cdx.json ${LAYER_MODULE_DIR}/`);
bundleTask.exec(`node -e "require('fs').writeFileSync('${LAYER_MODULE_DIR}/package.json', JSON.stringify({ name: '@cdk-snowflake-keypair/connector', version: '0.0.0', private: true, main: 'index.js' }, null, 2) + '\\n')"`);
// The connector's TypeScript declarations, for users' handlers that import it from the layer: a
// tsconfig `paths` entry maps the module name to this directory (docs/connector.md). Shipped in
// the npm package, not in the layer.
const TYPES_DIR = 'assets/connector-types';
bundleTask.exec(`rm -rf ${TYPES_DIR}`);
bundleTask.exec([
  'tsc',
  '--ignoreConfig',
  '--declaration',
  '--emitDeclarationOnly',
  '--stripInternal',
  '--skipLibCheck',
  '--target ES2022',
  '--module node16',
  '--moduleResolution node16',
  '--types node',
  '--rootDir src',
  `--outDir ${TYPES_DIR}`,
  'src/runtime/connector/index.ts',
].join(' '));
bundleTask.exec(`node -e "require('fs').writeFileSync('${TYPES_DIR}/package.json', JSON.stringify({ name: '@cdk-snowflake-keypair/connector', version: '0.0.0', private: true, types: 'runtime/connector/index.d.ts' }, null, 2) + '\\n')"`);
project.preCompileTask.spawn(bundleTask);
project.gitignore.exclude('/assets/');

// The npm packages inside the bundles (their SBOMs) against the npm registry's advisories: fails
// on a high or critical one unless acknowledged in security/vulnerability-acknowledgements.json,
// and on a stale or expired acknowledgement (docs/security.md, "Supply chain"). scripts/test.sh runs it.
project.addTask('supply-chain:vulnerabilities', {
  description: 'Check the npm packages bundled into assets/ (their SBOMs) against known vulnerabilities; fail on high or critical',
  exec: 'ts-node --transpile-only --project scripts/tsconfig.json scripts/supply-chain/vulnerability-check.ts',
});

// Runtime code's dependencies (the AWS SDK) are bundled into assets/, so they are devDependencies;
// the benchmarks use them the same way.
project.eslint?.addOverride({
  files: ['src/runtime/**/*.ts', 'bench/**/*.ts', 'examples/**/*.ts'],
  rules: { 'import/no-extraneous-dependencies': ['error', { devDependencies: true, optionalDependencies: false, peerDependencies: true }] },
});
// The example's own handler imports the connector from the Lambda layer: the module exists at
// run time (/opt/nodejs/node_modules) and for tsc (a `paths` entry), not in node_modules.
project.eslint?.addOverride({
  files: ['examples/**/*.ts'],
  rules: { 'import/no-unresolved': ['error', { ignore: ['^@cdk-snowflake-keypair/connector$'] }] },
});
// packages/local-snowflake's manifest. Its code is TypeScript, run as is by ts-jest and ts-node
// (never built): `exports` names the three modules other code imports.
new JsonFile(project, `${LOCAL_SNOWFLAKE.dir}/package.json`, {
  obj: {
    name: LOCAL_SNOWFLAKE.name,
    version: '0.0.0',
    private: true,
    description: "A local Snowflake endpoint for tests: the REST login and query protocol of Snowflake's drivers, key-pair JWT verification, users and grants, SQL on PGlite",
    license: 'Apache-2.0',
    main: 'src/index.ts',
    types: 'src/index.ts',
    exports: {
      '.': './src/index.ts',
      './driver-env': './src/driver-env.ts',
      './promisified': './src/promisified.ts',
      './package.json': './package.json',
    },
    // PostgreSQL in WebAssembly, for the SQL the endpoint does not answer itself.
    dependencies: { '@electric-sql/pglite': '0.5.16' },
    // The driver its tests run, and whose option types its helpers return.
    peerDependencies: { 'snowflake-sdk': '3.3.0' },
  },
});
project.eslint?.addLintPattern(LOCAL_SNOWFLAKE.dir);
new JsonFile(project, `${LOCAL_SNOWFLAKE.dir}/tsconfig.json`, {
  obj: { extends: '../../test/tsconfig.json', include: ['**/*.ts'] },
});

for (const dir of ['examples', 'scripts', 'bench']) {
  project.eslint?.addLintPattern(dir);
  // Type-checked like the tests (ts-node also compiles them with this config when they run).
  new JsonFile(project, `${dir}/tsconfig.json`, {
    obj: {
      extends: '../test/tsconfig.json',
      include: ['**/*.ts'],
      // examples/ hold a user's own handler that imports the connector from the layer; it is
      // type-checked against the declarations the library ships, as a user's would be.
      ...(dir === 'examples' ? { compilerOptions: { paths: { '@cdk-snowflake-keypair/connector': ['../assets/connector-types'] } } } : {}),
    },
  });
}

new TextFile(project, '.nvmrc', { lines: [TOOLCHAIN_NODE] });

// The npm package (and so every jsii package, which wraps its tarball) holds what is listed
// here and nothing else: an allowlist, so that nothing a local run, a test tool or a new folder
// leaves in the checkout can be published by accident. npm adds package.json, README.md and
// LICENSE itself (https://docs.npmjs.com/cli/v11/configuring-npm/package-json#files).
// test/release/package.test.ts packs the tarball and compares its exact file list.
project.package.addField('files', [
  // The library, as jsii compiled it. The runtime code is in the bundles under assets/: its
  // compiled modules (lib/runtime) are imported by nothing the library exports.
  'lib/**/*.js',
  'lib/**/*.d.ts',
  '!lib/runtime',
  // The jsii assembly, which the Python, Java, Go and .NET packages are generated from.
  '.jsii',
  'API.md',
  // The pre-bundled Lambda code, with each bundle's THIRD-PARTY-NOTICES.txt and sbom.cdx.json,
  // the connector layer and the connector's declarations.
  'assets/**',
  'docs/**/*.md',
  // The fixture for the samples in README.md and the @example tags (for tools such as Construct Hub).
  'rosetta/default.ts-fixture',
]);

// Benchmarks: the SQL executor against the handlers a team would write, and synth time, measured
// side by side; the bench writes its tables into docs/benchmarks.md and README.md (bench/doc-table.ts).
const benchTask = project.addTask('bench', {
  description: 'Run bench/run.ts and bench/synth.ts against the local endpoints and rewrite their tables in docs/benchmarks.md and README.md',
});
benchTask.spawn(bundleTask);
benchTask.exec('ts-node --project test/tsconfig.json bench/run.ts');
benchTask.exec('ts-node --project test/tsconfig.json bench/synth.ts');
// Workload identity beside key pair; writes its table into docs/workload-identity.md (bench/doc-table.ts).
const benchWorkloadIdentity = project.addTask('bench:workload-identity', {
  description: 'Benchmark signing in with workload identity beside key pair, and write the table into docs/workload-identity.md',
});
benchWorkloadIdentity.spawn(bundleTask);
benchWorkloadIdentity.exec('ts-node --project test/tsconfig.json bench/workload-identity.ts');

// The Python, Java and Go packages, which test/languages installs and runs (the .NET package
// stays configured, and is not built where there is no .NET). Maven's downloads stay in .m2/.
project.addTask('package:languages', {
  description: 'Build the Python, Java and Go packages into dist/ (what test/languages runs)',
  // --no-npmignore: the `files` allowlist decides what is packed; pacmak would otherwise write a .npmignore.
  exec: 'jsii-pacmak -v --no-npmignore --targets python,java,go --maven-local-repository .m2/repository',
});

// Every TypeScript sample in README.md and in the API docs' @example tags must compile against the
// library and translate to Python, Java, Go and C# (test/docs/rosetta.test.ts runs this task's
// command). Samples get the fixture rosetta/default.ts-fixture; the translations go to .jsii.tabl.json.
project.addTask('rosetta', {
  description: 'Compile and translate every code sample in README.md and the @example tags (needs `compile` first)',
  exec: 'jsii-rosetta extract --strict .jsii',
});
// The translations are a build output: neither committed nor shipped (rosetta/, the fixture, is
// shipped, so that tools which translate the package's samples, such as Construct Hub, can use it).
project.gitignore.exclude('/.jsii.tabl.json');

// The README's two commands. Both install what they need (scripts/ensure-deps).
project.addTask('synth:example', {
  description: 'Synthesize examples/ into cdk.out/ and print a summary of what was made',
  exec: 'ts-node --project test/tsconfig.json scripts/synth-example.ts',
});

// Releases (docs/releasing.md). projen's `release` task: rm -fr dist, `bump` (the version and
// dist/changelog.md from the conventional commits since the last tag), `build`, `unbump`, and a
// check that no committed file changed. The release workflow then publishes dist/ with publib.
//
// jsii-pacmak writes a .npmignore unless told not to; the `files` allowlist decides what is packed
// (as package:languages does), so the release's packaging tasks pass --no-npmignore too.
for (const lang of ['js', 'java', 'python', 'go']) {
  project.tasks.tryFind(`package:${lang}`)!.reset(`jsii-pacmak -v --no-npmignore --target ${lang}`);
}
// NuGet needs a .NET SDK, which this project's machines do not have: there the package is skipped,
// visibly. The release workflow's release_nuget job sets up .NET, builds it and publishes it.
const packageDotnet = project.tasks.tryFind('package:dotnet')!;
packageDotnet.reset();
// (Conditions run in projen's shell, dax, which has no `command -v`: node looks for dotnet instead.)
const dotnetOnPath = (found: boolean) => `node -e "process.exit(require('child_process').spawnSync('dotnet', ['--version']).error ? ${found ? 1 : 0} : ${found ? 0 : 1})"`;
packageDotnet.exec(
  'echo "package:dotnet: skipped: no .NET SDK (dotnet) on PATH. The release workflow\'s release_nuget job installs one and builds the NuGet package (docs/releasing.md)."',
  { condition: dotnetOnPath(false) },
);
packageDotnet.exec('jsii-pacmak -v --no-npmignore --target dotnet', { condition: dotnetOnPath(true) });

// `test` runs the language parity tests (test/languages) on the packages in dist/, so it builds them
// first: `build` (the build workflow, the release) runs on a clean checkout, and the release starts
// by emptying dist/.
project.testTask.prependSpawn(project.tasks.tryFind('package:languages')!);

// The release, up to publishing, without the test suite (scripts/test.sh runs it once already):
// bump, write the changelog, build every package, check dist/ (test/release/release-artifacts.ts),
// unbump, check that the working tree is as it was, and compile again at the unbumped version so
// that lib/ and .jsii are what the rest of the suite expects. projen's own check (`git diff
// --exit-code`) would fail in a working tree with uncommitted changes, so this one compares the
// tree before and after instead.
const releaseTask = project.tasks.tryFind('release')!;
const dryRun = project.addTask('release:dry-run', {
  description: 'Prepare a release as the release workflow does (bump, changelog, every package into dist/), check dist/, then unbump; publishes nothing',
  env: releaseTask.envVars,
});
// (projen runs task steps with its own shell, dax: no brace groups, so one redirection at a time.)
const treeState = (file: string) => `git status --porcelain > ${file} && git diff --ignore-space-at-eol >> ${file}`;
dryRun.exec(`mkdir -p .tmp && ${treeState('.tmp/release-dry-run.before')}`);
dryRun.exec('rm -fr dist');
dryRun.spawn(project.tasks.tryFind('bump')!);
dryRun.spawn(project.defaultTask!);
dryRun.spawn(project.preCompileTask);
dryRun.spawn(project.compileTask);
dryRun.spawn(project.postCompileTask);
dryRun.spawn(project.tasks.tryFind('package-all')!);
dryRun.exec('ts-node --transpile-only --project test/tsconfig.json test/release/release-artifacts.ts dist');
dryRun.spawn(project.tasks.tryFind('unbump')!);
dryRun.exec(treeState('.tmp/release-dry-run.after'));
dryRun.exec('diff -u .tmp/release-dry-run.before .tmp/release-dry-run.after', { name: 'The working tree is as it was before the release (a difference is printed and fails)' });
dryRun.spawn(project.compileTask);

project.synth();
