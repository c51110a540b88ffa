/**
 * What each bench block measures: the code whose change makes its numbers stale. Used by
 * bench/doc-table.ts (a bench refuses to run with uncommitted changes there) and by
 * test/docs/bench-tables.test.ts (a block is stale once a later commit changed one of them).
 * How a table is written (doc-table.ts, this file) is not measured code.
 */
const RUNTIME = ['src/runtime', 'packages/local-snowflake/src', 'test/support/lambda-runtime.ts', 'test/support/lambda-sandbox.ts'];

export const MEASURED_PATHS: { readonly [block: string]: readonly string[] } = {
  // bench/run.ts writes `executor` (docs/benchmarks.md) and `summary` (README.md).
  'executor': [...RUNTIME, 'bench/run.ts', 'bench/baseline'],
  'summary': [...RUNTIME, 'bench/run.ts', 'bench/baseline'],
  'workload-identity': [...RUNTIME, 'bench/workload-identity.ts'],
  // Synth time measures the constructs: all of src/.
  'synth': ['src', 'bench/synth.ts', 'bench/baseline'],
};

/** The paths the bench block `name` measures; an unknown block, everything a bench may measure. */
export function measuredPaths(name: string): readonly string[] {
  return MEASURED_PATHS[name] ?? ['src', 'bench', 'packages/local-snowflake/src', 'test/support'];
}
