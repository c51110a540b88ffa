/**
 * docs/deploy-rules.md lists exactly the rules in code, each with its AWS documentation pages and
 * the tests that check it, and exactly the configurations the preflight synthesizes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFIGURATIONS } from './configurations';
import { DEPLOY_RULES } from './rules';

const DOC = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'deploy-rules.md'), 'utf8');

/** The rows of the rules table: `| \`ID\` | what | docs | tests |`. */
function ruleRows(): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const line of DOC.split('\n')) {
    const match = /^\| `([A-Z0-9_]+)` \|(.*)\|\s*$/.exec(line);
    if (match) rows.set(match[1], match[2].split(' | ').map((cell) => cell.trim()));
  }
  return rows;
}

test('the table lists exactly the rule ids in code, in the same order', () => {
  expect([...ruleRows().keys()]).toEqual(DEPLOY_RULES.map((r) => r.id));
});

test.each(DEPLOY_RULES.map((r) => [r.id, r] as const))('%s: its row links every AWS page the rule comes from, and names the tests that check it', (id, rule) => {
  const [enforces, docs, tests] = ruleRows().get(id) ?? [];
  expect(enforces).toBeTruthy();
  const links = [...(docs ?? '').matchAll(/\]\((https:[^)]+)\)/g)].map((m) => m[1]);
  expect(links).toEqual([...rule.docs]);
  expect(tests).toBe(`\`preflight.test.ts\` › every configuration › \`${id}\`; \`rules.test.ts\` › \`${id}\``);
});

test('the tests the table names exist', () => {
  for (const file of ['preflight.test.ts', 'rules.test.ts', 'deploy-rules-doc.test.ts']) {
    expect(fs.existsSync(path.join(__dirname, file))).toBe(true);
  }
});

test('it says that a rule added later must come with a failing case', () => {
  expect(DOC).toContain('A rule added later must come with a failing case');
});

test('it lists exactly the configurations the preflight synthesizes', () => {
  const section = DOC.slice(DOC.indexOf('## The configurations'), DOC.indexOf('## What it does not check'));
  const listed = [...section.slice(section.indexOf('):')).matchAll(/`([a-z0-9-]+)`/g)].map((m) => m[1]);
  expect(listed).toEqual(CONFIGURATIONS.map((c) => c.name));
});
