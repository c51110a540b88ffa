/**
 * One validation-failure helper (src/private/validation.ts): every synth-time refusal of the
 * constructs goes through `fail(scope, message)`, which names the construct path. The messages
 * themselves are asserted by each construct's tests; this file checks the helper and that no
 * construct file builds the error by hand again (a local `fail()` or a `[path]` Error of its own).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { fail } from '../../src/private/validation';

const SRC = path.join(__dirname, '..', '..', 'src');
const HELPER = path.join('private', 'validation.ts');

/** Construct-side source files (runtime code runs in Lambda and has its own errors). */
function constructSources(dir = SRC): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'runtime' ? [] : constructSources(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Lines that make a validation error without the helper: `file:line`. */
function handMadeValidationErrors(files: Record<string, string>): string[] {
  const found: string[] = [];
  for (const [file, text] of Object.entries(files)) {
    text.split('\n').forEach((line, i) => {
      if (/\bconst fail\s*=/.test(line) || /new Error\(`\[\$\{[\w.]+\.node\.path\}\]/.test(line)) found.push(`${file}:${i + 1}`);
    });
  }
  return found;
}

describe('fail(scope, message)', () => {
  test('throws the message prefixed with the construct path', () => {
    const stack = new Stack(new App(), 'Stack');
    const scope = new Construct(new Construct(stack, 'Outer'), 'Inner');
    expect(() => fail(scope, 'vpcSubnets is set without vpc: give the VPC too, or remove vpcSubnets.'))
      .toThrow(new Error('[Stack/Outer/Inner] vpcSubnets is set without vpc: give the VPC too, or remove vpcSubnets.'));
  });
});

describe('no construct file makes its own validation error', () => {
  test('src/ (but runtime/) has no local fail() and no `[${x.node.path}]` Error outside the helper', () => {
    const files = Object.fromEntries(constructSources()
      .filter((f) => path.relative(SRC, f) !== HELPER)
      .map((f) => [path.relative(SRC, f), fs.readFileSync(f, 'utf8')]));
    expect(Object.keys(files).length).toBeGreaterThan(10);
    expect(handMadeValidationErrors(files)).toEqual([]);
  });

  test('(failing case) the check finds a local fail() and a hand-made `[path]` Error', () => {
    expect(handMadeValidationErrors({
      'a.ts': 'function validate(scope: Construct) {\n  const fail = (message: string): never => {\n',
      'b.ts': 'if (x) {\n  throw new Error(`[${this.node.path}] x is not valid.`);\n}\n',
      'c.ts': 'fail(scope, `x is not valid.`);\n',
    })).toEqual(['a.ts:2', 'b.ts:2']);
  });
});
