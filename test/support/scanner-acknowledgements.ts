/**
 * The acknowledgement tables of docs/security.md that the scanner tests (checkov, cfn-guard) read:
 * one row per finding id(s), the resources it covers by logical id without CDK's 8-character hash
 * suffix, and the reason.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO } from './lambda-process';

/** A scanner's finding on one resource of one template. */
export interface Finding {
  /** The check or control id (`CKV_AWS_158`, `CT.LAMBDA.PR.3`). */
  readonly id: string;
  /** The resource's logical id. */
  readonly resource: string;
  readonly template: string;
}

export interface Acknowledgement {
  readonly ids: string[];
  readonly prefixes: string[];
  readonly reason: string;
}

/** The rows of the `## <section>` table whose first cell starts with `idPrefix` (`CKV_`, `CT.`). */
export function acknowledgementRows(section: string, idPrefix: string): Acknowledgement[] {
  const doc = fs.readFileSync(path.join(REPO, 'docs', 'security.md'), 'utf8');
  const start = doc.indexOf(`## ${section}\n`);
  if (start < 0) throw new Error(`docs/security.md has no "## ${section}" section`);
  const end = doc.indexOf('\n## ', start + 1);
  const ticked = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
  return doc.slice(start, end < 0 ? undefined : end).split('\n')
    .filter((line) => line.startsWith(`| \`${idPrefix}`))
    .map((line) => {
      const [ids, resources, reason] = line.split('|').slice(1, 4).map((cell) => cell.trim());
      return { ids: ticked(ids), prefixes: ticked(resources), reason };
    });
}

/** Whether a row names the finding's id and its resource's logical id (without the hash suffix), exactly. */
export function covers(ack: Acknowledgement, finding: Finding): boolean {
  return ack.ids.includes(finding.id) && ack.prefixes.includes(finding.resource.replace(/[0-9A-F]{8}$/, ''));
}

/** The findings no row acknowledges. */
export function unacknowledged(findings: readonly Finding[], acks: readonly Acknowledgement[]): Finding[] {
  return findings.filter((f) => !acks.some((ack) => covers(ack, f)));
}

/** Each row's resources that match no finding (a stale row), as `<ids> <prefix>`; and rows with too short a reason. */
export function staleOrUnreasoned(findings: readonly Finding[], acks: readonly Acknowledgement[]): string[] {
  const problems: string[] = [];
  for (const ack of acks) {
    if (ack.reason.length <= 60) problems.push(`${ack.ids.join(',')}: reason too short`);
    for (const prefix of ack.prefixes) {
      if (!findings.some((f) => covers({ ...ack, prefixes: [prefix] }, f))) problems.push(`${ack.ids.join(',')} ${prefix}: matches no finding`);
    }
  }
  return problems;
}

/** How many cfn-guard rule files (`*.guard`) a directory holds, at any depth. */
export function guardRuleFiles(dir: string): number {
  return fs.readdirSync(dir, { withFileTypes: true })
    .reduce((n, e) => n + (e.isDirectory() ? guardRuleFiles(path.join(dir, e.name)) : e.name.endsWith('.guard') ? 1 : 0), 0);
}
