/**
 * The Python package, for real: the wheel jsii-pacmak built (dist/python) is installed into a fresh
 * virtualenv together with aws-cdk-lib and constructs from PyPI (the versions the TypeScript side
 * builds with), and examples/python/app.py synthesizes the portable stack.
 */
import * as path from 'node:path';
import { REPO } from '../support/lambda-process';
import { builtPackage, describeParity, installedVersion, readPortable, run } from '../support/portable-assembly';

/** What examples/python/app.py printed. */
let output = '';

describeParity('Python', (work) => {
  const wheel = builtPackage(path.join(REPO, 'dist', 'python'), /^cdk_snowflake_keypair-.*\.whl$/, 'package:languages');
  const venv = path.join(work, 'venv');
  run('python3', ['-m', 'venv', venv]);
  run(path.join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', wheel,
    `aws-cdk-lib==${installedVersion('aws-cdk-lib')}`, `constructs==${installedVersion('constructs')}`]);
  const outdir = path.join(work, 'python.out');
  output = run(path.join(venv, 'bin', 'python'), [path.join(REPO, 'examples', 'python', 'app.py')], { cwd: work, env: { CDK_OUTDIR: outdir } });
  return readPortable(outdir);
});

test('the rest of the public API works from Python: importers, PrivateLinkConfig.from_json, SnapshotTesting', () => {
  expect(output).toContain('api check: ok');
});
