/**
 * Every deploy rule can fail: each carries templates that break it (a wrong stack of plain
 * aws-cdk-lib constructs, or a good template mutated), and must name the resource AWS would
 * refuse. A rule without a failing case fails here, so a check that can never fire cannot hide
 * in the preflight suite.
 */
import { DEPLOY_RULES } from './rules';

// These stacks are wrong on purpose: aws-cdk-lib's own template validation would print a warning
// for some of them on every run. The rules under test are what judges them here.
process.env.CDK_VALIDATION = 'false';

describe.each(DEPLOY_RULES.map((rule) => [rule.id, rule] as const))('%s', (_id, rule) => {
  test('has a failing case, and an AWS documentation page', () => {
    expect(rule.failingCases.length).toBeGreaterThan(0);
    expect(rule.docs.length).toBeGreaterThan(0);
    for (const url of rule.docs) expect(url).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
  });

  test.each(rule.failingCases.map((c) => [c.name, c] as const))('reports %s', async (_name, failingCase) => {
    const { template, logicalId } = failingCase.build();
    const findings = await rule.check(template);
    expect(findings.every((f) => f.rule === rule.id)).toBe(true);
    expect(findings.filter((f) => f.logicalId === logicalId).map((f) => f.message)).toContainEqual(expect.stringMatching(failingCase.message));
  });
});

test('rule ids are unique and in UPPER_SNAKE_CASE', () => {
  const ids = DEPLOY_RULES.map((r) => r.id);
  expect(new Set(ids).size).toBe(ids.length);
  for (const id of ids) expect(id).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
});
