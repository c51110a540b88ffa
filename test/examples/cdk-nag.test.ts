import * as fs from 'node:fs';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { exampleReasons } from '../../examples/typescript/acknowledgements';
import { SnowflakePortableStack } from '../../examples/typescript/portable-stack';
import { SnowflakeExampleStack } from '../../examples/typescript/snowflake-stack';
import { ACKNOWLEDGED_RULES } from '../../src/private/acknowledgements';
import { nagApp, runNag } from '../support/nag';

/** `Pack::Rule[finding]` → `Rule[finding]` (the finding may hold '::' itself). */
function ruleName(id: string): string {
  return id.slice(id.indexOf('::') + 2);
}

const PACKS = ['AwsSolutions', 'NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321', 'Serverless'];

describe('cdk-nag, all five packs, on the example stack', () => {
  const app = nagApp();
  new SnowflakeExampleStack(app, 'Example', { env: { account: '123456789012', region: 'us-east-1' } });
  const result = runNag(app);

  test('every pack ran without crashing', () => {
    // aws-cdk-lib's own template validation ("CloudFormation Validate") may report alongside.
    expect(result.plugins.filter((p) => p !== 'CloudFormation Validate').sort()).toEqual([...PACKS].sort());
    expect(result.pluginErrors).toEqual([]);
  });

  test('leaves no finding unacknowledged', () => {
    expect(result.findings).toEqual([]);
  });

  test('every acknowledgement carries a reason, and only ours are used (plus the example\'s own, on its own resources)', () => {
    expect(result.acknowledged.length).toBeGreaterThan(0);
    const known = new Set(Object.values(ACKNOWLEDGED_RULES).flatMap((group) => group.rules.map((rule) => ruleName(rule))));
    const exampleOwn = new Set(exampleReasons());
    for (const ack of result.acknowledged) {
      expect(ack.reason.length).toBeGreaterThan(40);
      if (/^[EW]\d{4}$/.test(ack.rule)) {
        // aws-cdk-lib's own acknowledgement of its template validation, on the example's VPC
        // (availability zones named by the stack).
        expect(ack.path).toMatch(/^Example\/Vpc\//);
        continue;
      }
      if (exampleOwn.has(ack.reason)) {
        // The example's acknowledgements sit on the example's resources, never on a library construct.
        expect(ack.path).toMatch(/^Example\/(Vpc|EventDrivenLoad\/FailedOrders|WarehouseOps\/FailedSchedules|SqlAfterEtl\/Workflow\/Role)\//);
        continue;
      }
      // Granular acknowledgements name the finding (`AwsSolutions-IAM5[Resource::*]`); the others the rule.
      const rule = known.has(ack.rule) ? ack.rule : ack.rule.replace(/\[.*$/, '');
      expect(known).toContain(rule);
    }
  });

  test('every acknowledgement in the library is needed: each one suppresses a finding on the example', () => {
    const used = new Set(result.acknowledged.flatMap((ack) => [ack.rule, ack.rule.replace(/\[.*$/, '')]));
    for (const group of Object.values(ACKNOWLEDGED_RULES)) {
      for (const rule of group.rules) {
        expect({ rule, used: used.has(ruleName(rule)) }).toEqual({ rule, used: true });
      }
    }
  });

  test('every acknowledged rule is listed in docs/security.md with its reason', () => {
    const doc = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'security.md'), 'utf8');
    for (const group of Object.values(ACKNOWLEDGED_RULES)) {
      for (const rule of group.rules) {
        expect(doc).toContain(ruleName(rule));
      }
      expect(doc).toContain(group.reason.slice(0, 60));
    }
  });
});

describe('cdk-nag, all five packs, on the portable example stack (every construct, environment-agnostic)', () => {
  const app = nagApp();
  new SnowflakePortableStack(app, 'Portable');
  const result = runNag(app);

  test('every pack ran, and no finding is left unacknowledged', () => {
    expect(result.plugins.filter((p) => p !== 'CloudFormation Validate').sort()).toEqual([...PACKS].sort());
    expect(result.pluginErrors).toEqual([]);
    expect(result.findings).toEqual([]);
  });

  test('the example\'s own acknowledgements sit on its own resources only; the rest are the library\'s', () => {
    const known = new Set(Object.values(ACKNOWLEDGED_RULES).flatMap((group) => group.rules.map((rule) => ruleName(rule))));
    const exampleOwn = new Set(exampleReasons());
    expect(result.acknowledged.length).toBeGreaterThan(0);
    for (const ack of result.acknowledged) {
      if (exampleOwn.has(ack.reason)) {
        expect(ack.path).toMatch(/^Portable\/(Vpc|CustomHandler)\//);
      } else {
        expect(known).toContain(known.has(ack.rule) ? ack.rule : ack.rule.replace(/\[.*$/, ''));
      }
    }
  });
});

test('the check can fail: an unacknowledged plain secret is reported', () => {
  const app = nagApp();
  const stack = new Stack(app, 'Plain', { env: { account: '123456789012', region: 'us-east-1' } });
  new secretsmanager.Secret(stack, 'Plain');
  const result = runNag(app);
  const rules = result.findings.map((f) => f.rule);
  expect(rules).toEqual(expect.arrayContaining(['AwsSolutions-SMG4', 'NIST.800.53.R5-SecretsManagerUsingKMSKey']));
});
