/**
 * cfn-lint (pip, installed into .venv by scripts/ensure-deps.sh) over synthesized templates.
 * The checks we acknowledge are listed here with their reasons, and in docs/security.md.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const CFN_LINT = path.join(__dirname, '..', '..', '.venv', 'bin', 'cfn-lint');

/** Checks ignored everywhere, each with its reason (docs/security.md lists them). */
export const CFN_LINT_ACKNOWLEDGED: Record<string, string> = {
  W3005: 'aws-cdk-lib adds an explicit DependsOn from a function to its role (and the role\'s policy) next to the GetAtt; '
    + 'the dependency is redundant and harmless, and it is aws-cdk-lib\'s, not ours.',
};

export interface LintResult {
  readonly status: number | null;
  readonly findings: { Rule: { Id: string }; Message: string; Location: { Path: unknown[] } }[];
}

/** Runs cfn-lint on `templates`, ignoring the acknowledged checks; findings as JSON. */
export function cfnLint(templates: string[]): LintResult {
  const run = spawnSync(CFN_LINT, ['--format', 'json', '--ignore-checks', ...Object.keys(CFN_LINT_ACKNOWLEDGED), '--', ...templates], { encoding: 'utf8' });
  if (run.error) throw run.error;
  return { status: run.status, findings: run.stdout.trim() ? JSON.parse(run.stdout) : [] };
}
