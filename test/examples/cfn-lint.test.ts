/**
 * cfn-lint finds nothing in the example stacks (the endpoint, the connector functions in isolated
 * subnets, the use cases; the portable stack), beyond the checks acknowledged in docs/security.md.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CFN_LINT_ACKNOWLEDGED, cfnLint } from '../support/cfn-lint';
import { ExampleAssembly, synthesizeExample } from '../support/example-assembly';

let assembly: ExampleAssembly;
beforeAll(() => {
  assembly = synthesizeExample();
});
afterAll(() => assembly?.remove());

test('no errors and no warnings in the example templates', () => {
  expect(assembly.templateFiles.map((f) => path.basename(f)).sort()).toEqual(['Example.template.json', 'SnowflakeKeyPairPortable.template.json']);
  const result = cfnLint(assembly.templateFiles);
  expect(result.findings.map((f) => `${f.Rule.Id} ${f.Message}`)).toEqual([]);
  expect(result.status).toBe(0);
}, 120_000);

test('(failing case) the same run reports a broken template', () => {
  const template = JSON.parse(fs.readFileSync(path.join(assembly.outdir, 'Example.template.json'), 'utf8'));
  const fn = Object.values<any>(template.Resources).find((r) => r.Type === 'AWS::Lambda::Function');
  fn.Properties.MemorySize = 'lots';
  const broken = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cfn-lint-')), 'broken.template.json');
  fs.writeFileSync(broken, JSON.stringify(template));
  const result = cfnLint([broken]);
  expect(result.status).not.toBe(0);
  expect(result.findings.filter((f) => f.Rule.Id.startsWith('E')).map((f) => f.Message)).toEqual([expect.stringContaining("'lots'")]);
}, 120_000);

test('every acknowledged check is listed in docs/security.md with its reason', () => {
  const doc = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'security.md'), 'utf8');
  for (const [check, reason] of Object.entries(CFN_LINT_ACKNOWLEDGED)) {
    expect(doc).toContain(check);
    expect(doc).toContain(reason.slice(0, 60));
  }
});
