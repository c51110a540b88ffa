/**
 * What the npm package holds (and so the PyPI, Maven and Go packages, which wrap it): the
 * library, the pre-bundled assets, the connector's declarations and the docs; nothing a local run
 * or the test tools leave in the checkout.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const REPO = path.join(__dirname, '..');

const files: string[] = (() => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return JSON.parse(out)[0].files.map((f: { path: string }) => f.path).sort();
})();

test('ships the library, every runtime asset, the connector layer and its declarations', () => {
  expect(files).toEqual(expect.arrayContaining([
    '.jsii', 'API.md', 'LICENSE', 'README.md', 'lib/index.js', 'lib/index.d.ts',
    'assets/key-material/index.js', 'assets/connector/index.js', 'assets/sql-executor/index.js',
    'assets/connector-layer/nodejs/node_modules/@cdk-snowflake-keypair/connector/index.js',
    'assets/connector-types/package.json', 'assets/connector-types/runtime/connector/index.d.ts',
    'docs/connector.md',
  ]));
});

test('ships nothing from the test tools, the examples, the benchmarks or a local run', () => {
  const stray = files.filter((f) => /^(\.venv|cdk\.out|\.tmp|test|src|bench|examples|scripts|\.ci|coverage|node_modules)\//.test(f)
    || ['requirements-dev.txt', '.nvmrc', 'tsconfig.dev.json'].includes(f));
  expect(stray).toEqual([]);
  expect(files.length).toBeLessThan(150);
});
