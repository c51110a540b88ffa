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
import { acknowledgementRows, Finding, guardRuleFiles, staleOrUnreasoned, unacknowledged } from '../support/scanner-acknowledgements';

/** The plugin's report on `templates`, one row per violating resource. */
function guard(templates: string[]): Finding[] {
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
      .map((r) => ({ id: control, resource: r.resourceLogicalId, template: path.basename(r.templatePath) }));
  });
}

let assembly: ExampleAssembly;
let violations: Finding[];
const acks = acknowledgementRows('cfn-guard', 'CT.');

beforeAll(() => {
  assembly = synthesizeExample();
  violations = guard(assembly.templateFiles);
}, 300_000);
afterAll(() => assembly?.remove());

test('the plugin ships and runs Control Tower\'s rules on this platform', () => {
  const rules = path.join(path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json')), 'rules', 'control-tower', 'cfn-guard');
  expect(guardRuleFiles(rules)).toBeGreaterThanOrEqual(200);
});

test('every violation on every example template is acknowledged for its resource', () => {
  expect(assembly.templateFiles).toHaveLength(2);
  expect(unacknowledged(violations, acks)).toEqual([]);
});

test('every acknowledgement has a reason and still matches a violation', () => {
  expect(acks.length).toBeGreaterThan(0);
  expect(staleOrUnreasoned(violations, acks)).toEqual([]);
});

test('(failing case) a log group without a KMS key is a violation no row acknowledges', () => {
  const template = JSON.parse(fs.readFileSync(assembly.templateFiles[0], 'utf8'));
  template.Resources.UnencryptedLogGroup = { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 7 } };
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cfn-guard-')), 'broken.template.json');
  fs.writeFileSync(file, JSON.stringify(template));
  const found = guard([file]);
  expect(found.filter((v) => v.resource === 'UnencryptedLogGroup').map((v) => v.id)).toContain('CT.CLOUDWATCH.PR.3');
  expect(unacknowledged(found, acks)).not.toEqual([]);
}, 120_000);
