/**
 * Numbers in docs are written by the bench, never by hand: a bench writes its table between two
 * markers in a doc, with the date, the commit it measured and the machine. test/docs/bench-tables.test.ts
 * fails when a table names a commit older than the last change to the code it measures
 * (bench/measured-paths.ts: the runtime, the bench script, its baselines and the local endpoint; all of src/ for synth time).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { measuredPaths } from './measured-paths';

export const REPO = path.join(__dirname, '..');

/** `<!-- bench:<name> -->` ... `<!-- /bench:<name> -->`. */
export function markers(name: string): { start: string; end: string } {
  return { start: `<!-- bench:${name} -->`, end: `<!-- /bench:${name} -->` };
}

/** The commit measured: HEAD, refused when the code block `name` measures has uncommitted changes. */
export function measuredCommit(name: string): string {
  const dirty = execFileSync('git', ['status', '--porcelain', '--', ...measuredPaths(name)], { cwd: REPO, encoding: 'utf8' }).trim();
  if (dirty !== '') {
    throw new Error(`The code the bench measures has uncommitted changes; commit them first, so that the table names the code it measured:\n${dirty}`);
  }
  return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).trim();
}

/** One line about where the numbers come from. */
export function provenance(commit: string, command: string): string {
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `Measured by \`${command}\` on ${new Date().toISOString().slice(0, 10)}, commit \`${commit}\`, `
    + `${os.cpus().length} CPUs (${cpu}), ${os.platform()} ${os.arch()}, Node ${process.version}.`;
}

/** Replaces the block between the markers of `name` in `doc` (relative to the repository) with `body`. */
export function writeTable(doc: string, name: string, body: string): void {
  const file = path.join(REPO, doc);
  const text = fs.readFileSync(file, 'utf8');
  const { start, end } = markers(name);
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${doc} has no ${start} ... ${end} block for the bench to write`);
  fs.writeFileSync(file, `${text.slice(0, from + start.length)}\n${body.trim()}\n${text.slice(to)}`);
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** `median (min–max)`, each with `digits` decimals. */
export function spread(values: number[], digits = 0): string {
  return `${median(values).toFixed(digits)} (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`;
}

/**
 * A goal's verdict on ratios (lower is better): met only when the whole range is within it; a
 * median within it and a range beyond it is said so, not rounded into a win.
 */
export function verdict(ratios: number[], max: number): string {
  if (Math.max(...ratios) <= max) return `≤ ${max}x: met`;
  if (median(ratios) <= max) return `≤ ${max}x: met at the median, not over the whole range`;
  return `≤ ${max}x: **not met**`;
}
