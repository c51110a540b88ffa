/**
 * The code samples in README.md and in the API docs' `@example` tags compile against the library
 * and translate to Python, Java, Go and C# (jsii-rosetta in strict mode), so every language's docs
 * show code that works. Runs the `rosetta` task's command on the assembly `npx projen compile` made
 * (scripts/test.sh compiles before jest), and proves on a broken copy that the check can fail.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const REPO = path.join(__dirname, '..', '..');
/** The pinned Node 24 and jsii-rosetta come first, as in every projen task. */
const ENV = { ...process.env, PATH: `${path.join(REPO, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH}` };

/** The `rosetta` task's command, exactly as .projenrc.ts defines it. */
const COMMAND: string = (() => {
  const task = JSON.parse(fs.readFileSync(path.join(REPO, '.projen', 'tasks.json'), 'utf8')).tasks.rosetta;
  if (task?.steps?.length !== 1 || !task.steps[0].exec) throw new Error('the rosetta task must be one exec step (.projenrc.ts)');
  return task.steps[0].exec;
})();

function rosetta(cwd: string): { status: number | null; output: string } {
  const run = spawnSync(COMMAND, { cwd, env: ENV, shell: true, encoding: 'utf8', timeout: 240_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

interface Tablet {
  snippets: Record<string, {
    didCompile?: boolean;
    location: { api: { api: string } };
    translations: Record<string, { source: string }>;
  }>;
}

/** Blocks that jsii-rosetta translates: fenced as `ts` or `typescript` (the info string's first word). */
function typescriptBlocks(markdown: string): number {
  return [...markdown.matchAll(/^```(ts|typescript)(\s|$)/gm)].length;
}

describe('every code sample in README.md and the @example tags', () => {
  let result: { status: number | null; output: string };
  beforeAll(() => {
    fs.rmSync(path.join(REPO, '.jsii.tabl.json'), { force: true });
    result = rosetta(REPO);
  });

  // A sample imports what it uses from the library (rosetta/default.ts-fixture adds only the stack
  // it runs in), so "Cannot find name 'X'" usually means a missing import in the sample.
  test('compiles and translates under --strict, with no diagnostics', () => {
    expect(COMMAND).toMatch(/^jsii-rosetta extract --strict /);
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });

  test('the one README block kept from rosetta is the Node-only Lambda handler (fenced `TypeScript`), and no other', () => {
    const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
    const kept = [...readme.matchAll(/^```(?!ts\b|typescript\b)(TypeScript|TS|Ts|Typescript)\b[^\n]*\n([\s\S]*?)^```/gm)].map((m) => m[2]);
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatch(/from '@cdk-snowflake-keypair\/connector'/);
  });

  test('each README TypeScript block and @example is in the tablet, compiled, in every language', () => {
    const assembly = JSON.parse(fs.readFileSync(path.join(REPO, '.jsii'), 'utf8'));
    const examples = Object.values<{ docs?: { example?: string } }>(assembly.types).filter((t) => t.docs?.example).length
      + Object.values<{ methods?: { docs?: { example?: string } }[]; properties?: { docs?: { example?: string } }[] }>(assembly.types)
        .flatMap((t) => [...(t.methods ?? []), ...(t.properties ?? [])]).filter((m) => m.docs?.example).length;
    const readme = typescriptBlocks(fs.readFileSync(path.join(REPO, 'README.md'), 'utf8'));
    expect(examples).toBeGreaterThanOrEqual(2);
    expect(readme).toBeGreaterThanOrEqual(10);

    const tablet: Tablet = JSON.parse(fs.readFileSync(path.join(REPO, '.jsii.tabl.json'), 'utf8'));
    const snippets = Object.values(tablet.snippets);
    expect(snippets.filter((s) => s.location.api.api === 'moduleReadme')).toHaveLength(readme);
    expect(snippets.filter((s) => s.location.api.api !== 'moduleReadme')).toHaveLength(examples);
    for (const snippet of snippets) {
      expect(snippet.didCompile).toBe(true);
      expect(Object.keys(snippet.translations)).toEqual(expect.arrayContaining(['python', 'java', 'go', 'csharp']));
    }
  });
});

test('fails on a sample that does not compile and on one that cannot be translated', () => {
  // A copy of the assembly in .tmp/ (ignored by git), whose README holds one good sample, one with
  // a misspelt prop and one that compiles but uses a feature rosetta cannot translate. The library
  // (lib/), its package.json and the fixture are the real ones, so only the samples differ.
  fs.mkdirSync(path.join(REPO, '.tmp'), { recursive: true });
  const dir = fs.mkdtempSync(path.join(REPO, '.tmp', 'rosetta-'));
  try {
    const assembly = JSON.parse(fs.readFileSync(path.join(REPO, '.jsii'), 'utf8'));
    assembly.readme = {
      markdown: [
        '```ts', "import { SnowflakeKeyPairSecret } from 'cdk-snowflake-keypair';",
        "new SnowflakeKeyPairSecret(this, 'Good', { account: 'myorg-myaccount', user: 'SVC_GOOD' });", '```',
        '```ts', "import { SnowflakeKeyPairSecret } from 'cdk-snowflake-keypair';",
        "new SnowflakeKeyPairSecret(this, 'Misspelt', { acount: 'myorg-myaccount', user: 'SVC_BAD' });", '```',
        '```ts', "const users = ['SVC_A', 'SVC_B'].map((user) => user.toLowerCase());", '```',
      ].join('\n'),
    };
    // Only the README's samples: the @examples are checked above.
    for (const type of Object.values<{ docs?: { example?: string } }>(assembly.types)) delete type.docs?.example;
    fs.writeFileSync(path.join(dir, '.jsii'), JSON.stringify(assembly));
    fs.copyFileSync(path.join(REPO, 'package.json'), path.join(dir, 'package.json'));
    fs.symlinkSync(path.join(REPO, 'lib'), path.join(dir, 'lib'));
    fs.symlinkSync(path.join(REPO, 'rosetta'), path.join(dir, 'rosetta'));

    const { status, output } = rosetta(dir);
    expect(status).not.toBe(0);
    expect(output).toMatch(/'acount' does not exist/);
    expect(output).toMatch(/ArrowFunction\) is not supported in examples/);
    expect(output).toMatch(/2 diagnostics encountered in 3 snippets/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
