/**
 * AWS's Guard Rules Registry (github.com/aws-cloudformation/aws-guard-rules-registry, `rules/aws`,
 * about 200 rules) on every example template, with the cfn-guard binary that
 * `@cdklabs/cdk-validator-cfnguard` ships. No violation unless docs/security.md ("## AWS Guard
 * Rules Registry") acknowledges the rule for that resource, with a reason; no acknowledgement
 * that matches nothing.
 *
 * The registry is a GitHub repository, not a package, and its rules are not ours to commit: the
 * run reads a checkout (or `git archive HEAD rules` of one) named by `GUARD_RULES_REGISTRY`.
 * `.ci/run` provides one where the machine has a copy. Without it, only the table's own checks
 * run, and the suite says, once, that the registry run was not made.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ExampleAssembly, synthesizeExample } from '../support/example-assembly';
import { acknowledgementRows, Finding, guardRuleFiles, staleOrUnreasoned, unacknowledged } from '../support/scanner-acknowledgements';

const SECTION = 'AWS Guard Rules Registry';
const registry = process.env.GUARD_RULES_REGISTRY;
const rulesDir = registry ? path.join(registry, 'rules', 'aws') : undefined;

/** The cfn-guard binary the cdklabs plugin ships for this platform (the plugin's own layout). */
function cfnGuardBinary(): string {
  const pkg = path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json'));
  const system = process.platform === 'darwin' ? 'macos' : 'ubuntu';
  const arch = process.arch === 'arm64' ? 'aarch64' : 'x86_64';
  return path.join(pkg, 'bin', system, arch, 'cfn-guard');
}

/** Every logical id a cfn-guard report names under `/Resources/<id>`. */
function resourcesIn(node: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(node)) {node.forEach((n) => resourcesIn(n, into));} else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'path' && typeof value === 'string' && value.startsWith('/Resources/')) into.add(value.split('/')[2]);
      else resourcesIn(value, into);
    }
  }
  return into;
}

/** cfn-guard's JSON output: one object per rule file and template, written one after another. */
function concatenatedJson(text: string): any[] {
  const objects: any[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') {inString = true;} else if (c === '{') {
      if (depth++ === 0) start = i;
    } else if (c === '}' && --depth === 0) {objects.push(JSON.parse(text.slice(start, i + 1)));}
  }
  if (depth !== 0 || inString) throw new Error('cfn-guard\'s output ends inside a JSON object');
  return objects;
}

/** One row per rule and violating resource, from cfn-guard's JSON reports (one object per rule file and template). */
function registryFindings(rules: string, templates: string[]): Finding[] {
  const run = spawnSync(cfnGuardBinary(), [
    'validate', '--rules', rules, ...templates.flatMap((t) => ['--data', t]), '--show-summary', 'none', '--output-format', 'json',
  ], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  // 0: all compliant; 19: a rule failed. Anything else (a rule that does not parse, no binary) is an error.
  if (run.error || (run.status !== 0 && run.status !== 19)) {
    throw new Error(`cfn-guard could not run the registry's rules (${run.error?.message ?? `exit ${run.status}`}): ${run.stderr.slice(0, 500)}`);
  }
  const findings: Finding[] = [];
  for (const report of concatenatedJson(run.stdout)) {
    for (const failed of report.not_compliant ?? []) {
      const rule = failed.Rule?.name;
      for (const resource of resourcesIn(failed)) findings.push({ id: rule, resource, template: path.basename(report.name) });
    }
  }
  return findings;
}

const acks = acknowledgementRows(SECTION, '');

test('the acknowledgement table names registry rules, each with a reason', () => {
  expect(acks.length).toBeGreaterThan(5);
  for (const ack of acks) {
    expect(ack.ids.every((id) => /^[A-Z0-9_]+$/.test(id))).toBe(true);
    expect(ack.reason.length).toBeGreaterThan(60);
  }
});

if (!rulesDir || !fs.existsSync(rulesDir)) {
  // Said plainly, so that a green run without the registry is not read as a registry pass.
  process.stderr.write(`${SECTION}: GUARD_RULES_REGISTRY ${registry ? `(${registry}) has no rules/aws` : 'is not set'}; the registry's rules were not run.\n`);
  test.todo('the registry run: set GUARD_RULES_REGISTRY to a checkout of aws-cloudformation/aws-guard-rules-registry');
} else {
  describe('with the registry', () => {
    let assembly: ExampleAssembly;
    let findings: Finding[];

    beforeAll(() => {
      assembly = synthesizeExample();
      findings = registryFindings(rulesDir, assembly.templateFiles);
    }, 300_000);
    afterAll(() => assembly?.remove());

    test('the checkout holds the registry\'s rules', () => {
      expect(guardRuleFiles(rulesDir)).toBeGreaterThanOrEqual(150);
    });

    test('every violation on every example template is acknowledged for its resource', () => {
      expect(assembly.templateFiles).toHaveLength(2);
      expect(unacknowledged(findings, acks)).toEqual([]);
    });

    test('every acknowledgement still matches a violation', () => {
      expect(staleOrUnreasoned(findings, acks)).toEqual([]);
    });

    test('(failing case) a function security group open to the world on every port is a violation no row acknowledges', () => {
      const template = JSON.parse(fs.readFileSync(assembly.templateFiles[0], 'utf8'));
      template.Resources.WideOpenGroup = {
        Type: 'AWS::EC2::SecurityGroup',
        Properties: {
          GroupDescription: 'open',
          VpcId: 'vpc-12345678',
          SecurityGroupIngress: [{ IpProtocol: '-1', CidrIp: '0.0.0.0/0' }],
          SecurityGroupEgress: [{ IpProtocol: '-1', CidrIp: '0.0.0.0/0' }],
        },
      };
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'guard-registry-')), 'broken.template.json');
      fs.writeFileSync(file, JSON.stringify(template));
      const found = registryFindings(rulesDir, [file]);
      expect(found.filter((f) => f.resource === 'WideOpenGroup').length).toBeGreaterThan(0);
      expect(unacknowledged(found, acks).map((f) => f.resource)).toContain('WideOpenGroup');
    }, 120_000);
  });
}
