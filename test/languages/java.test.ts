/**
 * The Java package, for real: examples/java (a Maven project) compiles against the jar jsii-pacmak
 * built (dist/java) and aws-cdk-lib from Maven Central, and synthesizes the portable stack.
 * Maven Central serves aws-cdk-lib up to 2.263.0 here (our peer floor), older than the TypeScript
 * side's; the template must be the same all the same.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO } from '../support/lambda-process';
import { builtPackage, describeParity, readPortable, run } from '../support/portable-assembly';

/** The version jsii-pacmak built: 0.0.0 in development, the bumped one inside a release (docs/releasing.md). */
const VERSION: string = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')).version;

describeParity('Java', (work) => {
  builtPackage(path.join(REPO, 'dist', 'java', 'io', 'github', 'cdk-snowflake-keypair', 'cdk-snowflake-keypair', VERSION),
    new RegExp(`^cdk-snowflake-keypair-${VERSION.replace(/\./g, '\\.')}\\.jar$`), 'package:languages');
  // Maven copies a jar of a version into its local repository once: drop ours so the new build is used.
  const localRepo = path.join(REPO, '.m2', 'repository');
  fs.rmSync(path.join(localRepo, 'io', 'github', 'cdk-snowflake-keypair'), { recursive: true, force: true });
  const outdir = path.join(work, 'java.out');
  run('mvn', ['-q', '-B', `-Dmaven.repo.local=${localRepo}`, `-Dsnowflake.version=${VERSION}`, 'compile', 'exec:java'], {
    cwd: path.join(REPO, 'examples', 'java'),
    env: { CDK_OUTDIR: outdir },
  });
  return readPortable(outdir);
});
