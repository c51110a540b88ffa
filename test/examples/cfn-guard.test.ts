/**
 * AWS Control Tower's proactive controls, as regulated teams gate deploys on them: the CDK
 * policy-validation plugin `@cdklabs/cdk-validator-cfnguard` (cfn-guard and the Control Tower
 * rules it ships) on every example template, called as `App({ policyValidationBeta1: [...] })`
 * calls it at synth. No violation unless docs/security.md ("## cfn-guard") acknowledges the control
 * for that resource, with a reason; no acknowledgement that matches nothing.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App } from 'aws-cdk-lib';
import { ExampleAssembly, synthesizeExample } from '../support/example-assembly';
import { REPO } from '../support/lambda-process';

interface Violation {
  readonly control: string;
  readonly resource: string;
  readonly template: string;
}

interface Acknowledgement {
  readonly controls: string[];
  readonly prefixes: string[];
  readonly reason: string;
}

/** The plugin's report on `templates`, one row per violating resource. */
function guard(templates: string[]): Violation[] {
  // What the CDK passes at synth; the plugin reads only the templates.
  const report = new CfnGuardValidator().validate({ templatePaths: templates, appConstruct: new App() });
  // The plugin throws when cfn-guard cannot run (no binary for the platform, unreadable rules).
  expect(report.success).toBe(report.violations.length === 0);
  return report.violations.flatMap((v) => {
    const control = /\[(CT\.[A-Z0-9]+\.PR\.\d+)\]/.exec(v.description)?.[1] ?? v.ruleName;
    return v.violatingResources
      // A key-policy check also reports the policy document itself, without a resource: the
      // resource's own row covers it.
      .filter((r) => r.resourceLogicalId !== undefined)
      .map((r) => ({ control, resource: r.resourceLogicalId, template: path.basename(r.templatePath) }));
  });
}

/** The rows of the "## cfn-guard" table in docs/security.md. */
function acknowledgements(): Acknowledgement[] {
  const doc = fs.readFileSync(path.join(REPO, 'docs', 'security.md'), 'utf8');
  const start = doc.indexOf('## cfn-guard');
  expect(start).toBeGreaterThan(0);
  const section = doc.slice(start, doc.indexOf('\n## ', start + 1));
  return section.split('\n').filter((line) => /^\| `CT\./.test(line)).map((line) => {
    const [controls, resources, reason] = line.split('|').slice(1, 4).map((cell) => cell.trim());
    const ticked = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    return { controls: ticked(controls), prefixes: ticked(resources), reason };
  });
}

/** A row names resources by logical id without CDK's 8-character hash suffix, exactly. */
function covers(ack: Acknowledgement, violation: Violation): boolean {
  const id = violation.resource.replace(/[0-9A-F]{8}$/, '');
  return ack.controls.includes(violation.control) && ack.prefixes.includes(id);
}

let assembly: ExampleAssembly;
let violations: Violation[];
const acks = acknowledgements();

beforeAll(() => {
  assembly = synthesizeExample();
  violations = guard(assembly.templateFiles);
}, 300_000);
afterAll(() => assembly?.remove());

test('the plugin ships and runs Control Tower\'s rules on this platform', () => {
  const rules = path.join(path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json')), 'rules', 'control-tower', 'cfn-guard');
  const count = (dir: string): number => fs.readdirSync(dir, { withFileTypes: true })
    .reduce((n, e) => n + (e.isDirectory() ? count(path.join(dir, e.name)) : e.name.endsWith('.guard') ? 1 : 0), 0);
  expect(count(rules)).toBeGreaterThanOrEqual(200);
});

test('every violation on every example template is acknowledged for its resource', () => {
  expect(assembly.templateFiles).toHaveLength(2);
  expect(violations.filter((v) => !acks.some((ack) => covers(ack, v)))).toEqual([]);
});

test('every acknowledgement has a reason and still matches a violation', () => {
  expect(acks.length).toBeGreaterThan(0);
  for (const ack of acks) {
    expect(ack.reason.length).toBeGreaterThan(60);
    for (const prefix of ack.prefixes) {
      expect({ ack: ack.controls, prefix, used: violations.some((v) => covers({ ...ack, prefixes: [prefix] }, v)) })
        .toEqual({ ack: ack.controls, prefix, used: true });
    }
  }
});

test('(failing case) a log group without a KMS key is a violation no row acknowledges', () => {
  const template = JSON.parse(fs.readFileSync(assembly.templateFiles[0], 'utf8'));
  template.Resources.UnencryptedLogGroup = { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 7 } };
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cfn-guard-')), 'broken.template.json');
  fs.writeFileSync(file, JSON.stringify(template));
  const found = guard([file]);
  expect(found.filter((v) => v.resource === 'UnencryptedLogGroup').map((v) => v.control)).toContain('CT.CLOUDWATCH.PR.3');
  expect(found.filter((v) => !acks.some((ack) => covers(ack, v)))).not.toEqual([]);
}, 120_000);
