/**
 * The import graph of src/, read from the source text (TypeScript's own pre-processor, so `import`,
 * `import type`, `export ... from` and `require(...)` all count), and the rules the layout keeps
 * (docs/architecture.md, "Layout"). Pure functions over a map of file → text, so that the test can
 * run them on the repository and on a synthetic tree that breaks each rule.
 */
import * as path from 'node:path';
import * as ts from 'typescript';

/** src/ files: path relative to src/ with forward slashes → source text. */
export type SourceTree = ReadonlyMap<string, string>;

/** One import of one file: the specifier as written, and the src/ file it resolves to (relative ones). */
export interface Import {
  readonly from: string;
  readonly specifier: string;
  readonly target?: string;
}

/**
 * The order of the construct folders: each may import only the folders before it. `shared` is the
 * contract with the runtime, `private` the helpers several folders share; `network` needs neither
 * a secret nor a function; `rotation` holds the internal functions the secret composes; the secret
 * is what functions read; `testing` reads the bundled assets only.
 */
export const CONSTRUCT_LAYERS = ['shared', 'private', 'network', 'rotation', 'secret', 'function', 'testing'] as const;

/** Packages that only runtime code may use: they are bundled into assets/, never dependencies of the library. */
export const RUNTIME_ONLY_PACKAGES = [/^snowflake-sdk$/, /^@aws-sdk\//, /^@smithy\//, /^aws-lambda$/];

export function importsOf(tree: SourceTree): Import[] {
  const result: Import[] = [];
  for (const [file, text] of tree) {
    for (const ref of ts.preProcessFile(text, true, true).importedFiles) {
      const specifier = ref.fileName;
      result.push({ from: file, specifier, target: specifier.startsWith('.') ? resolve(tree, file, specifier) : undefined });
    }
  }
  return result;
}

function resolve(tree: SourceTree, from: string, specifier: string): string | undefined {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  return [base, `${base}.ts`, `${base}/index.ts`].find((candidate) => tree.has(candidate));
}

/** The folder a file is in, relative to src/ (`.` for src/ itself), at `depth` segments at most. */
export function folderOf(file: string, depth = Infinity): string {
  const parts = path.posix.dirname(file).split('/').filter((p) => p !== '.');
  return parts.length === 0 ? '.' : parts.slice(0, depth).join('/');
}

/** Folder → the folders it imports, with one import that makes each edge (for the message). */
export function folderGraph(imports: Import[], depth = Infinity): Map<string, Map<string, Import>> {
  const graph = new Map<string, Map<string, Import>>();
  for (const imp of imports) {
    if (!imp.target) continue;
    const from = folderOf(imp.from, depth);
    const to = folderOf(imp.target, depth);
    if (from === to) continue;
    if (!graph.has(from)) graph.set(from, new Map());
    if (!graph.get(from)!.has(to)) graph.get(from)!.set(to, imp);
  }
  return graph;
}

/** Every cycle of folders, each once, as `a → b → a` with the imports that close it. */
export function folderCycles(graph: Map<string, Map<string, Import>>): string[] {
  const cycles = new Set<string>();
  const visit = (node: string, stack: string[]) => {
    const at = stack.indexOf(node);
    if (at >= 0) {
      const cycle = stack.slice(at);
      // One name per cycle, whichever folder it is entered from.
      const start = cycle.indexOf([...cycle].sort()[0]);
      const rotated = [...cycle.slice(start), ...cycle.slice(0, start)];
      const steps = rotated.map((f, i) => {
        const next = rotated[(i + 1) % rotated.length];
        const imp = graph.get(f)!.get(next)!;
        return `${f} → ${next} (src/${imp.from} imports '${imp.specifier}')`;
      });
      cycles.add(steps.join('; '));
      return;
    }
    for (const next of graph.get(node)?.keys() ?? []) visit(next, [...stack, node]);
  };
  for (const node of graph.keys()) visit(node, []);
  return [...cycles].sort();
}

/** Imports against the layer order, the runtime's boundary and the contract's purity. */
export function layoutViolations(tree: SourceTree): string[] {
  const problems: string[] = [];
  const imports = importsOf(tree);
  for (const imp of imports) {
    const where = `src/${imp.from} imports '${imp.specifier}'`;
    const fromTop = folderOf(imp.from, 1);
    if (imp.specifier.startsWith('.') && !imp.target) {
      problems.push(`${where}, which is not a file of src/`);
      continue;
    }
    const toTop = imp.target ? folderOf(imp.target, 1) : undefined;
    if (fromTop === 'runtime') {
      // Runtime code is bundled on its own: it may use its own folder and the shared contract only.
      if (toTop && toTop !== 'runtime' && toTop !== 'shared') problems.push(`${where}: runtime code imports construct code (src/${toTop}/)`);
      if (!toTop && /^(aws-cdk-lib|constructs)(\/|$)/.test(imp.specifier)) problems.push(`${where}: runtime code imports the construct library`);
      continue;
    }
    if (fromTop === 'shared') {
      // Both the jsii build and the esbuild bundles take it: no packages, only node: built-ins.
      if (toTop && toTop !== 'shared') problems.push(`${where}: the shared contract imports src/${toTop}/`);
      if (!toTop && !imp.specifier.startsWith('node:')) problems.push(`${where}: the shared contract imports a package`);
      continue;
    }
    if (!toTop && RUNTIME_ONLY_PACKAGES.some((p) => p.test(imp.specifier))) {
      problems.push(`${where}: a runtime-only package in construct code`);
    }
    if (toTop === 'runtime') {
      problems.push(`${where}: construct code imports runtime code (src/runtime/ is bundled, never imported)`);
      continue;
    }
    const fromLayer = (CONSTRUCT_LAYERS as readonly string[]).indexOf(fromTop);
    const toLayer = toTop ? (CONSTRUCT_LAYERS as readonly string[]).indexOf(toTop) : -1;
    if (fromTop === '.' || !toTop || fromTop === toTop) continue;
    if (fromLayer < 0) {problems.push(`${where}: src/${fromTop}/ is not a folder of the layout (${CONSTRUCT_LAYERS.join(', ')}, runtime)`);} else if (toLayer < 0) {problems.push(`${where}: src/${toTop}/ is not a folder of the layout (${CONSTRUCT_LAYERS.join(', ')}, runtime)`);} else if (toLayer > fromLayer) {
      problems.push(`${where}: src/${fromTop}/ may import only ${CONSTRUCT_LAYERS.slice(0, fromLayer).join(', ') || 'nothing'} `
        + `(the order is ${CONSTRUCT_LAYERS.join(' → ')})`);
    }
  }
  return problems;
}

/** Every src/ file index.ts reaches through its imports and exports. */
export function reachableFromIndex(tree: SourceTree, entry = 'index.ts'): Set<string> {
  const byFile = new Map<string, Import[]>();
  for (const imp of importsOf(tree)) byFile.set(imp.from, [...(byFile.get(imp.from) ?? []), imp]);
  const seen = new Set<string>();
  const walk = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const imp of byFile.get(file) ?? []) if (imp.target) walk(imp.target);
  };
  walk(entry);
  return seen;
}

/** What the public API must never reach: runtime code, and the packages only runtime code may use. */
export function publicApiViolations(tree: SourceTree): string[] {
  const reached = reachableFromIndex(tree);
  const problems = [...reached].filter((f) => folderOf(f, 1) === 'runtime').map((f) => `index.ts reaches runtime code: src/${f}`);
  for (const imp of importsOf(tree)) {
    if (reached.has(imp.from) && !imp.target && RUNTIME_ONLY_PACKAGES.some((p) => p.test(imp.specifier))) {
      problems.push(`index.ts reaches '${imp.specifier}' through src/${imp.from}`);
    }
  }
  return problems;
}
