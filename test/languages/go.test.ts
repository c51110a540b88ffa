/**
 * The Go module, for real: examples/go builds against the module jsii-pacmak generated
 * (dist/go, by a replace directive) and aws-cdk-go from the Go module proxy, and synthesizes the
 * portable stack.
 */
import * as path from 'node:path';
import { REPO } from '../support/lambda-process';
import { builtPackage, describeParity, readPortable, run } from '../support/portable-assembly';

describeParity('Go', (work) => {
  builtPackage(path.join(REPO, 'dist', 'go', 'cdksnowflakekeypair'), /^go\.mod$/, 'package:languages');
  const outdir = path.join(work, 'go.out');
  run('go', ['run', '.'], { cwd: path.join(REPO, 'examples', 'go'), env: { CDK_OUTDIR: outdir } });
  return readPortable(outdir);
});
