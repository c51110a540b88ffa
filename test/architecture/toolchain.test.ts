/** The build and tests run on the pinned, supported Node version (docs/development.md). */
import * as fs from 'node:fs';
import * as path from 'node:path';

test('tests run on the Node version pinned in .nvmrc and package.json', () => {
  const pinned = fs.readFileSync(path.join(__dirname, '..', '..', '.nvmrc'), 'utf8').trim();
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
  expect(pkg.devDependencies.node).toBe(pinned);
  expect(process.version).toBe(`v${pinned}`);
  expect(Number(pinned.split('.')[0])).toBeGreaterThanOrEqual(24);
});
