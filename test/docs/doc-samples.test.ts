/**
 * The TypeScript samples in docs/*.md compile against the library's source, as README.md's do
 * under jsii-rosetta (test/docs/rosetta.test.ts): a page that shows code shows code that works.
 *
 * Each ```ts (or ```typescript) block is put into rosetta/default.ts-fixture, the fixture of the
 * README samples, the way jsii-rosetta does it (jsii-rosetta lib/fixtures.js, `sidelineImports`):
 * the sample's imports and `declare const` statements are hoisted to the top, the rest replaces
 * `/// here` (inside a stack's constructor, so `this` is the stack). So a sample is written as a
 * README sample is: it imports what it uses and declares what it takes as given. Every sample,
 * and the broken ones of the failing cases, go into one TypeScript program, checked once.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const REPO = path.join(__dirname, '..', '..');
const DOCS = path.join(REPO, 'docs');
const FIXTURE = fs.readFileSync(path.join(REPO, 'rosetta', 'default.ts-fixture'), 'utf8');
/** The marker jsii-rosetta replaces with the sample (its `subRegex`). */
const HERE = /[/]{3}[ \t]*here[ \t]*$/im;

interface Sample {
  /** `docs/<page>.md:<line of the opening fence>` */
  readonly name: string;
  readonly code: string;
}

/**
 * The blocks fenced as `ts` or `typescript` (the info string's first word, case-sensitive, as
 * jsii-rosetta reads README.md), also when indented in a list item; the indent is removed.
 */
function samplesOf(markdown: string, page: string): Sample[] {
  const samples: Sample[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^( *)(`{3,})(\S*)/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, info] = open;
    let end = i + 1;
    while (end < lines.length && !new RegExp(`^ *${fence}\\s*$`).test(lines[end])) end++;
    if (info === 'ts' || info === 'typescript') {
      const code = lines.slice(i + 1, end).map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l.trimStart())).join('\n');
      samples.push({ name: `docs/${page}:${i + 1}`, code });
    }
    i = end;
  }
  return samples;
}

/** The sample inside the fixture, as jsii-rosetta assembles it. */
function fixturize(code: string): string {
  const source = ts.createSourceFile('sample.ts', code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  let hoisted = '';
  let statements = '';
  for (const statement of source.statements) {
    const hoist = ts.isImportDeclaration(statement) || ts.isImportEqualsDeclaration(statement)
      || (ts.isVariableStatement(statement) && (statement.modifiers ?? []).some((m) => m.kind === ts.SyntaxKind.DeclareKeyword));
    if (hoist) hoisted += statement.getFullText(source);
    else statements += statement.getFullText(source);
  }
  return `${hoisted}\n${FIXTURE.replace(HERE, () => statements)}`;
}

const PAGES = fs.readdirSync(DOCS).filter((f) => f.endsWith('.md')).sort();
const SAMPLES = PAGES.flatMap((page) => samplesOf(fs.readFileSync(path.join(DOCS, page), 'utf8'), page));

/** Broken samples, compiled in the same program as the real ones: each must fail. */
const BROKEN: Record<string, string> = {
  misspeltProp: [
    "import { SnowflakeKeyPairSecret } from 'cdk-snowflake-keypair';",
    "new SnowflakeKeyPairSecret(this, 'Secret', { acount: 'myorg-myaccount', user: 'SVC_LOADER' });",
  ].join('\n'),
  undeclared: [
    "import { SecretReaderRole } from 'cdk-snowflake-keypair';",
    "new SecretReaderRole(this, 'Reader', { secret: loaderSecret });",
  ].join('\n'),
  wrongType: [
    "import { Duration } from 'aws-cdk-lib';",
    "import { SnowflakeKeyPairSecret } from 'cdk-snowflake-keypair';",
    'declare const rotator: SnowflakeKeyPairSecret;',
    "new SnowflakeKeyPairSecret(this, 'Loader', { account: 'a-b', user: 'U', rotation: { adminSecret: rotator, schedule: Duration.days('30') } });",
  ].join('\n'),
  notExported: "import { KeyMaterialProvider } from 'cdk-snowflake-keypair';\nKeyMaterialProvider;",
};

/** Diagnostics of each file, by sample name, from one program over every sample. */
function check(files: Record<string, string>): Record<string, string[]> {
  const dir = path.join(REPO, '.tmp', 'doc-samples');
  const byPath = new Map(Object.entries(files).map(([name, code], i) => [path.join(dir, `sample-${i}.ts`), { name, code: fixturize(code) }]));
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    esModuleInterop: true,
    experimentalDecorators: true,
    types: ['node'],
    // The library's source, not its compiled output: no `npx projen compile` needed first.
    paths: { 'cdk-snowflake-keypair': [path.join(REPO, 'src', 'index.ts')] },
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, language, ...rest) => {
    const sample = byPath.get(path.resolve(fileName));
    return sample ? ts.createSourceFile(fileName, sample.code, language, true, ts.ScriptKind.TS) : getSourceFile(fileName, language, ...rest);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (fileName) => byPath.has(path.resolve(fileName)) || fileExists(fileName);
  const readFile = host.readFile.bind(host);
  host.readFile = (fileName) => byPath.get(path.resolve(fileName))?.code ?? readFile(fileName);

  const program = ts.createProgram([...byPath.keys()], options, host);
  const result: Record<string, string[]> = {};
  for (const [file, { name }] of byPath) {
    const source = program.getSourceFile(file)!;
    result[name] = ts.getPreEmitDiagnostics(program, source).map((d) => {
      const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      if (d.file === undefined || d.start === undefined) return text;
      const { line } = d.file.getLineAndCharacterOfPosition(d.start);
      return `${text}\n    at: ${d.file.text.split('\n')[line].trim()}`;
    });
  }
  return result;
}

let diagnostics: Record<string, string[]>;

beforeAll(() => {
  diagnostics = check({
    ...Object.fromEntries(SAMPLES.map((s) => [s.name, s.code])),
    ...Object.fromEntries(Object.entries(BROKEN).map(([name, code]) => [`broken:${name}`, code])),
  });
}, 120_000);

test('the docs hold TypeScript samples, and each page that has one is checked', () => {
  expect(SAMPLES.length).toBeGreaterThanOrEqual(10);
  const pages = new Set(SAMPLES.map((s) => s.name.replace(/:\d+$/, '')));
  for (const page of ['docs/secret.md', 'docs/connector-function.md', 'docs/rotation.md']) expect(pages).toContain(page);
});

// A sample imports what it uses and declares what it is given (`declare const secret:
// SnowflakeKeyPairSecret;`); the fixture adds only the stack. "Cannot find name 'X'" usually
// means a missing import or declaration in the sample.
test.each(SAMPLES.map((s) => [s.name, s]))('%s compiles against the library', (_name, sample) => {
  expect(diagnostics[(sample as Sample).name]).toEqual([]);
});

describe('(failing cases) a broken sample fails', () => {
  test('a misspelt prop', () => {
    expect(diagnostics['broken:misspeltProp'].join('\n')).toMatch(/'acount' does not exist/);
  });
  test('a name the sample neither imports nor declares', () => {
    expect(diagnostics['broken:undeclared'].join('\n')).toMatch(/Cannot find name 'loaderSecret'/);
  });
  test('a value of the wrong type', () => {
    expect(diagnostics['broken:wrongType'].join('\n')).toMatch(/'string' is not assignable to parameter of type 'number'/);
  });
  test('a name the library does not export', () => {
    expect(diagnostics['broken:notExported'].join('\n')).toMatch(/has no exported member 'KeyMaterialProvider'/);
  });
});

describe('which blocks are samples', () => {
  const markdown = [
    '```ts', 'a;', '```',
    '- item:', '', '  ```typescript', '  b;', '  ```',
    '```TypeScript', 'nodeOnly;', '```',
    '```json', '{}', '```',
    '````md', '```ts', 'quoted;', '```', '````',
  ].join('\n');
  test('ts and typescript fences, indented ones too; not TypeScript (Node-only code), json, or a fence quoted in a longer one', () => {
    expect(samplesOf(markdown, 'x.md')).toEqual([
      { name: 'docs/x.md:1', code: 'a;' },
      { name: 'docs/x.md:6', code: 'b;' },
    ]);
  });
  test('imports and declarations are hoisted above the fixture; the rest goes inside the stack', () => {
    const code = fixturize("import { X } from 'y';\ndeclare const z: X;\nnew X(this, z);");
    expect(code.indexOf("import { X } from 'y';")).toBeLessThan(code.indexOf('class MyStack'));
    expect(code.indexOf('declare const z: X;')).toBeLessThan(code.indexOf('class MyStack'));
    expect(code.indexOf('new X(this, z);')).toBeGreaterThan(code.indexOf('super(scope, id);'));
  });
});
