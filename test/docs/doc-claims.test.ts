/**
 * Two claims the docs make about the code, checked against the code (issue 16, "The docs match
 * the code"):
 * - the connector samples import the module a handler can import in Lambda: the name
 *   SnowflakeConnectorLayer ships (`SnowflakeConnectorLayer.MODULE_NAME`), resolved the way Lambda
 *   resolves it, from the layer's `nodejs/node_modules` on NODE_PATH, in a fresh Node process;
 * - what the docs say the rotation does with a key slot holding a key it did not issue names
 *   `overwriteUnknownKeys`, the option that lets it overwrite that key (src/secret/key-rotation.ts).
 * Each has a failing case: the README's sentences before issue 16.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SnowflakeConnectorLayer } from '../../src/function/snowflake-connector-layer';
import { REPO } from '../support/lambda-process';

/** Where the layer puts its modules, as Lambda mounts it at /opt (on NODE_PATH). */
const LAYER_MODULES = path.join(REPO, 'assets', 'connector-layer', 'nodejs', 'node_modules');
/** The option that lets the rotation overwrite a key it did not issue. */
const OVERWRITE_OPTION = 'overwriteUnknownKeys';

function docs(): Array<{ name: string; text: string }> {
  const names = ['README.md', ...fs.readdirSync(path.join(REPO, 'docs')).filter((n) => n.endsWith('.md')).map((n) => `docs/${n}`)];
  return names.map((name) => ({ name, text: fs.readFileSync(path.join(REPO, name), 'utf8') }));
}

/** The code blocks of a markdown text that call getConnector, with the module each takes it from. */
export function connectorSamples(doc: string, text: string): Array<{ where: string; modules: string[] }> {
  const samples: Array<{ where: string; modules: string[] }> = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^\s*(`{3,}|~{3,})/.exec(lines[i]);
    if (!open) continue;
    let end = i + 1;
    while (end < lines.length && !lines[end].trim().startsWith(open[1])) end++;
    const code = lines.slice(i + 1, end).join('\n');
    if (/\bgetConnector\s*\(/.test(code)) {
      const modules = [...code.matchAll(/\{[^}]*\bgetConnector\b[^}]*\}\s*(?:from\s*|=\s*require\(\s*)['"]([^'"]+)['"]/g)].map((m) => m[1]);
      samples.push({ where: `${doc}:${i + 1}`, modules });
    }
    i = end;
  }
  return samples;
}

/** Whether `specifier`, required from a handler's directory with the layer on NODE_PATH, exports getConnector. */
function resolvesInLambda(specifier: string): string {
  const taskRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'handler-'));
  try {
    const run = spawnSync(process.execPath, ['-e', `process.stdout.write(typeof require(${JSON.stringify(specifier)}).getConnector)`], {
      cwd: taskRoot,
      env: { PATH: process.env.PATH, HOME: taskRoot, NODE_PATH: LAYER_MODULES },
      encoding: 'utf8',
    });
    return run.status === 0 ? run.stdout : (/Cannot find module/.exec(run.stderr)?.[0] ?? `exit ${run.status}`);
  } finally {
    fs.rmSync(taskRoot, { recursive: true, force: true });
  }
}

/** Paragraphs about the rotation that say what it does with a key it did not issue, and do not name the option. */
export function rotationClaimsWithoutOption(doc: string, text: string): string[] {
  const problems: string[] = [];
  let heading = '';
  let fenced = false;
  let paragraph: string[] = [];
  let start = 0;
  const flush = () => {
    const p = paragraph.join(' ');
    if (/rotation/i.test(heading) && !/registration/i.test(p) && /never overwrit|did not issue/i.test(p) && !p.includes(OVERWRITE_OPTION)) {
      problems.push(`${doc}:${start} (${heading.replace(/^#+\s*/, '')}) says what the rotation does with a key it did not issue, `
        + `without naming ${OVERWRITE_OPTION}`);
    }
    paragraph = [];
  };
  text.split('\n').forEach((line, index) => {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    if (fenced || /^\s*(```|~~~)/.test(line)) return flush();
    if (/^#+\s/.test(line)) {
      flush();
      heading = line;
    } else if (line.trim() === '') {
      flush();
    } else {
      if (paragraph.length === 0) start = index + 1;
      paragraph.push(line.trim());
    }
  });
  flush();
  return problems;
}

describe('connector samples', () => {
  const samples = docs().flatMap((d) => connectorSamples(d.name, d.text));

  test('every sample that calls getConnector takes it from SnowflakeConnectorLayer.MODULE_NAME', () => {
    // README's two samples and docs/connector.md's, at least: a parser finding none cannot pass.
    expect(samples.length).toBeGreaterThanOrEqual(3);
    expect(samples.filter((s) => s.modules.length !== 1 || s.modules[0] !== SnowflakeConnectorLayer.MODULE_NAME)).toEqual([]);
  });

  test('that name resolves in Lambda: from a handler\'s directory, with the built layer on NODE_PATH, it exports getConnector', () => {
    expect(fs.existsSync(LAYER_MODULES)).toBe(true); // built by `npx projen bundle:runtime`
    const modules = [...new Set(samples.flatMap((s) => s.modules))];
    expect(modules.map((m) => [m, resolvesInLambda(m)])).toEqual(modules.map((m) => [m, 'function']));
  }, 60_000);

  test('(failing case) the README sample before issue 16, require(\'./connector\'), names a module Lambda cannot find', () => {
    const before = "```js\nconst { getConnector } = require('./connector'); // reads SNOWFLAKE_SECRET_ID\n"
      + 'exports.handler = async () => getConnector().fetchOne(\'SELECT 1\');\n```\n';
    expect(connectorSamples('README.md', before)).toEqual([{ where: 'README.md:1', modules: ['./connector'] }]);
    expect(resolvesInLambda('./connector')).toBe('Cannot find module');
  }, 60_000);
});

describe('what the rotation does with a key it did not issue', () => {
  test('every paragraph of README.md and docs/*.md that says it names overwriteUnknownKeys', () => {
    const all = docs();
    expect(all.flatMap((d) => rotationClaimsWithoutOption(d.name, d.text))).toEqual([]);
    // The README's rotation section does say it (so the check above has something to check).
    const readme = all.find((d) => d.name === 'README.md')!.text;
    const section = readme.slice(readme.indexOf('### Key rotation with no downtime'));
    expect(section.slice(0, section.indexOf('\n### ', 1))).toMatch(/did not issue[\s\S]*overwriteUnknownKeys/);
  });

  test('the option is the one the rotation props declare', () => {
    expect(fs.readFileSync(path.join(REPO, 'src', 'secret', 'key-rotation.ts'), 'utf8')).toMatch(new RegExp(`readonly ${OVERWRITE_OPTION}\\?: boolean`));
  });

  test('(failing case) the README sentence before issue 16 is reported; a registration paragraph is not', () => {
    const before = [
      '### Key rotation with no downtime',
      '',
      'Secrets Manager runs a pre-bundled rotation function on the schedule. It never',
      'overwrites a slot holding a key it did not issue.',
      '',
      'With `registration`, it never overwrites a key slot it did not fill.',
    ].join('\n');
    expect(rotationClaimsWithoutOption('README.md', before)).toEqual([
      'README.md:3 (Key rotation with no downtime) says what the rotation does with a key it did not issue, without naming overwriteUnknownKeys',
    ]);
  });
});
