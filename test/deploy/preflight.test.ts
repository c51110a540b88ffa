/**
 * Deploy preflight: every configuration the README and docs/ show, synthesized once, checked
 * against every rule of what AWS enforces when CloudFormation creates the resources
 * (docs/deploy-rules.md). A failure names the configuration, the rule, the resource and what AWS
 * would refuse.
 */
import { CONFIGURATIONS } from './configurations';
import { DEPLOY_RULES } from './rules';
import { DeployTemplate, Finding, templateOf } from '../support/deploy-rules';

const templates = new Map<string, DeployTemplate>();

function templateFor(name: string): DeployTemplate {
  let template = templates.get(name);
  if (template === undefined) {
    template = templateOf(CONFIGURATIONS.find((c) => c.name === name)!.build());
    templates.set(name, template);
  }
  return template;
}

function describeFindings(findings: Finding[]): string[] {
  return findings.map((f) => `${f.logicalId}: ${f.message}`);
}

describe.each(CONFIGURATIONS.map((c) => [c.name, c] as const))('%s', (name, configuration) => {
  test('synthesizes, and is what its name says', () => {
    const template = templateFor(name);
    expect(configuration.verify?.(template) ?? []).toEqual([]);
  });

  test.each(DEPLOY_RULES.map((r) => [r.id, r] as const))('%s', async (_id, rule) => {
    expect(describeFindings(await rule.check(templateFor(name)))).toEqual([]);
  });
});

test.each(DEPLOY_RULES.map((r) => [r.id, r] as const))('%s applies to some configuration (a rule that checks nothing proves nothing)', (_id, rule) => {
  expect(CONFIGURATIONS.filter((c) => rule.appliesTo(templateFor(c.name))).map((c) => c.name)).not.toEqual([]);
});

test('configuration names are unique', () => {
  const names = CONFIGURATIONS.map((c) => c.name);
  expect(new Set(names).size).toBe(names.length);
});
