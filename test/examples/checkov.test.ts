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

const CHECKOV = path.join(REPO, '.venv', 'bin', 'checkov');

interface Failure {
  readonly check: string;
  readonly resource: string;
  readonly template: string;
}

interface Acknowledgement {
  readonly checks: string[];
  readonly prefixes: string[];
  readonly reason: string;
}

/** The failed checks of one template, as (check, logical id). */
function checkov(template: string): Failure[] {
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
    check: f.check_id,
    resource: String(f.resource).replace(/^[^.]*\./, ''),
    template: path.basename(template),
  }));
}

/** The rows of the "## checkov" table in docs/security.md. */
function acknowledgements(): Acknowledgement[] {
  const doc = fs.readFileSync(path.join(REPO, 'docs', 'security.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## checkov'), doc.indexOf('\n## ', doc.indexOf('## checkov') + 1));
  return section.split('\n').filter((line) => /^\| `CKV_/.test(line)).map((line) => {
    const [checks, resources, reason] = line.split('|').slice(1, 4).map((cell) => cell.trim());
    const ticked = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    return { checks: ticked(checks), prefixes: ticked(resources), reason };
  });
}

/** A row names resources by logical id without CDK's 8-character hash suffix, exactly. */
function covers(ack: Acknowledgement, failure: Failure): boolean {
  const id = failure.resource.replace(/[0-9A-F]{8}$/, '');
  return ack.checks.includes(failure.check) && ack.prefixes.includes(id);
}

let assembly: ExampleAssembly;
let failures: Failure[];
const acks = acknowledgements();

beforeAll(() => {
  assembly = synthesizeExample();
  failures = assembly.templateFiles.flatMap(checkov);
}, 300_000);
afterAll(() => assembly?.remove());

test('every failed check on every example template is acknowledged for its resource', () => {
  expect(assembly.templateFiles).toHaveLength(2);
  expect(failures.filter((f) => !acks.some((ack) => covers(ack, f)))).toEqual([]);
});

test('every acknowledgement has a reason and still matches a failure', () => {
  expect(acks.length).toBeGreaterThan(0);
  for (const ack of acks) {
    expect(ack.reason.length).toBeGreaterThan(60);
    for (const prefix of ack.prefixes) {
      expect({ ack: ack.checks, prefix, used: failures.some((f) => covers({ ...ack, prefixes: [prefix] }, f)) })
        .toEqual({ ack: ack.checks, prefix, used: true });
    }
  }
});

test('(failing case) checkov fails a template with an unacknowledged finding', () => {
  const template = JSON.parse(fs.readFileSync(assembly.templateFiles[0], 'utf8'));
  template.Resources.UnencryptedQueue = { Type: 'AWS::SQS::Queue', Properties: {} };
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'checkov-')), 'broken.template.json');
  fs.writeFileSync(file, JSON.stringify(template));
  const found = checkov(file);
  expect(found.filter((f) => f.resource === 'UnencryptedQueue').map((f) => f.check)).toContain('CKV_AWS_27');
  expect(found.filter((f) => !acks.some((ack) => covers(ack, f)))).not.toEqual([]);
}, 120_000);
