/**
 * checkov (pip, framework cloudformation) on every example template: no failed check unless
 * docs/security.md ("## checkov") acknowledges it for that resource, with a reason; and no
 * acknowledgement that matches nothing.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ExampleAssembly, synthesizeExample } from '../support/example-assembly';
import { REPO } from '../support/lambda-process';
import { acknowledgementRows, Finding, staleOrUnreasoned, unacknowledged } from '../support/scanner-acknowledgements';

const CHECKOV = path.join(REPO, '.venv', 'bin', 'checkov');

/** The failed checks of one template, as (check, logical id). */
function checkov(template: string): Finding[] {
  const run = spawnSync(CHECKOV, ['-f', template, '--framework', 'cloudformation', '-o', 'json', '--quiet', '--compact'], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.error) throw run.error;
  const report = JSON.parse(run.stdout);
  const { results, summary } = Array.isArray(report) ? report[0] : report;
  // A template checkov cannot read must not pass as one with no failures.
  if (!summary || summary.parsing_errors !== 0 || summary.resource_count < 10 || !results) {
    throw new Error(`checkov did not scan ${template}: ${JSON.stringify(summary)} ${run.stderr.slice(-2000)}`);
  }
  return (results.failed_checks ?? []).map((f: any) => ({
    id: f.check_id,
    resource: String(f.resource).replace(/^[^.]*\./, ''),
    template: path.basename(template),
  }));
}

let assembly: ExampleAssembly;
let failures: Finding[];
const acks = acknowledgementRows('checkov', 'CKV_');

beforeAll(() => {
  assembly = synthesizeExample();
  failures = assembly.templateFiles.flatMap(checkov);
}, 300_000);
afterAll(() => assembly?.remove());

test('every failed check on every example template is acknowledged for its resource', () => {
  expect(assembly.templateFiles).toHaveLength(2);
  expect(unacknowledged(failures, acks)).toEqual([]);
});

test('every acknowledgement has a reason and still matches a failure', () => {
  expect(acks.length).toBeGreaterThan(0);
  expect(staleOrUnreasoned(failures, acks)).toEqual([]);
});

test('(failing case) checkov fails a template with an unacknowledged finding', () => {
  const template = JSON.parse(fs.readFileSync(assembly.templateFiles[0], 'utf8'));
  template.Resources.UnencryptedQueue = { Type: 'AWS::SQS::Queue', Properties: {} };
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'checkov-')), 'broken.template.json');
  fs.writeFileSync(file, JSON.stringify(template));
  const found = checkov(file);
  expect(found.filter((f) => f.resource === 'UnencryptedQueue').map((f) => f.id)).toContain('CKV_AWS_27');
  expect(unacknowledged(found, acks)).not.toEqual([]);
  // (and a row for a resource that is not there is stale)
  expect(staleOrUnreasoned(found, [{ ids: ['CKV_AWS_27'], prefixes: ['NoSuchQueue'], reason: 'x'.repeat(61) }])).toEqual(['CKV_AWS_27 NoSuchQueue: matches no finding']);
}, 120_000);
