/**
 * Imports between the folders of src/ run one way (docs/architecture.md, "Layout"): no folder
 * imports a folder that imports it back, construct folders follow one order, runtime code imports
 * only itself and the shared contract, and index.ts never reaches runtime code. Each rule is also
 * run on a small synthetic tree that breaks it, so that the check is shown to fail.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CONSTRUCT_LAYERS,
  folderCycles,
  folderGraph,
  importsOf,
  layoutViolations,
  publicApiViolations,
  SourceTree,
} from './import-graph';

const SRC = path.join(__dirname, '..', '..', 'src');

function readSrc(): SourceTree {
  const tree = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) tree.set(path.relative(SRC, full).split(path.sep).join('/'), fs.readFileSync(full, 'utf8'));
    }
  };
  walk(SRC);
  return tree;
}

const tree = readSrc();

describe('src/', () => {
  test('is read: every construct folder and the runtime hold files, and relative imports resolve', () => {
    const folders = new Set([...tree.keys()].map((f) => f.split('/')[0]));
    for (const folder of [...CONSTRUCT_LAYERS, 'runtime']) expect(folders).toContain(folder);
    const imports = importsOf(tree);
    // Enough imports that an empty parse cannot pass for a clean graph.
    expect(imports.filter((i) => i.target).length).toBeGreaterThan(100);
    expect(imports.filter((i) => i.specifier.startsWith('.') && !i.target)).toEqual([]);
  });

  test('has no folder cycle, at any depth (src/runtime/connector is a folder of its own)', () => {
    expect(folderCycles(folderGraph(importsOf(tree)))).toEqual([]);
  });

  test('has no cycle between its top-level folders', () => {
    expect(folderCycles(folderGraph(importsOf(tree), 1))).toEqual([]);
  });

  test('construct folders import only the folders before them; runtime imports only runtime and shared; shared imports nothing', () => {
    expect(layoutViolations(tree)).toEqual([]);
  });

  test('index.ts never reaches runtime code nor the packages bundled with it', () => {
    expect(publicApiViolations(tree)).toEqual([]);
  });
});

describe('the checks fail on a tree that breaks them', () => {
  const synthetic = (files: Record<string, string>): Map<string, string> => new Map(Object.entries(files));

  test('a cycle between two folders, through `import type` too', () => {
    const cyclic = synthetic({
      'secret/secret.ts': "import { RotationFunction } from '../rotation/rotation-function';",
      'rotation/rotation-function.ts': "import type { ISecret } from '../secret/secret';",
    });
    expect(folderCycles(folderGraph(importsOf(cyclic)))).toEqual([
      "rotation → secret (src/rotation/rotation-function.ts imports '../secret/secret'); "
      + "secret → rotation (src/secret/secret.ts imports '../rotation/rotation-function')",
    ]);
    // The same two files with the type import gone: no cycle.
    cyclic.set('rotation/rotation-function.ts', '');
    expect(folderCycles(folderGraph(importsOf(cyclic)))).toEqual([]);
  });

  test('a cycle through three folders, and one through `export ... from` and require()', () => {
    const three = synthetic({
      'a/x.ts': "export * from '../b/y';",
      'b/y.ts': "const z = require('../c/z');",
      'c/z.ts': "import '../a/x';",
    });
    expect(folderCycles(folderGraph(importsOf(three)))).toHaveLength(1);
    expect(folderCycles(folderGraph(importsOf(three)))[0]).toMatch(/^a → b .*; b → c .*; c → a /);
  });

  test('a cycle between runtime subfolders is found at full depth, not at depth 1', () => {
    const runtime = synthetic({
      'runtime/connector/connector.ts': "import { x } from '../rotation/admin';",
      'runtime/rotation/admin.ts': "import { SnowflakeConnector } from '../connector/connector';",
    });
    expect(folderCycles(folderGraph(importsOf(runtime)))).toHaveLength(1);
    expect(folderCycles(folderGraph(importsOf(runtime), 1))).toEqual([]);
  });

  test('runtime code importing construct code, or aws-cdk-lib', () => {
    const bad = synthetic({
      'runtime/rotation/index.ts': "import { acknowledge } from '../../private/acknowledgements';\nimport { Duration } from 'aws-cdk-lib';",
      'private/acknowledgements.ts': '',
    });
    expect(layoutViolations(bad)).toEqual([
      "src/runtime/rotation/index.ts imports '../../private/acknowledgements': runtime code imports construct code (src/private/)",
      "src/runtime/rotation/index.ts imports 'aws-cdk-lib': runtime code imports the construct library",
    ]);
  });

  test('a construct folder importing a later one, runtime code, or a runtime-only package', () => {
    const bad = synthetic({
      'private/internal-function.ts': "import { acknowledge } from '../secret/acknowledgements';",
      'secret/acknowledgements.ts': '',
      'function/f.ts': "import { getConnector } from '../runtime/connector';\nimport * as sdk from 'snowflake-sdk';",
      'runtime/connector/index.ts': '',
    });
    expect(layoutViolations(bad)).toEqual([
      "src/private/internal-function.ts imports '../secret/acknowledgements': src/private/ may import only shared "
      + `(the order is ${CONSTRUCT_LAYERS.join(' → ')})`,
      "src/function/f.ts imports '../runtime/connector': construct code imports runtime code (src/runtime/ is bundled, never imported)",
      "src/function/f.ts imports 'snowflake-sdk': a runtime-only package in construct code",
    ]);
  });

  test('the shared contract importing a package or a construct folder', () => {
    const bad = synthetic({
      'shared/environment.ts': "import { Duration } from 'aws-cdk-lib';\nimport { x } from '../private/y';\nimport * as url from 'node:url';",
      'private/y.ts': '',
    });
    expect(layoutViolations(bad)).toEqual([
      "src/shared/environment.ts imports 'aws-cdk-lib': the shared contract imports a package",
      "src/shared/environment.ts imports '../private/y': the shared contract imports src/private/",
    ]);
  });

  test('index.ts exporting runtime code, directly or through a construct file', () => {
    const direct = synthetic({
      'index.ts': "export * from './runtime/connector';",
      'runtime/connector/index.ts': "import * as sdk from 'snowflake-sdk';",
    });
    expect(publicApiViolations(direct)).toEqual([
      'index.ts reaches runtime code: src/runtime/connector/index.ts',
      "index.ts reaches 'snowflake-sdk' through src/runtime/connector/index.ts",
    ]);
    const indirect = synthetic({
      'index.ts': "export * from './function/f';",
      'function/f.ts': "import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';",
    });
    expect(publicApiViolations(indirect)).toEqual(["index.ts reaches '@aws-sdk/client-secrets-manager' through src/function/f.ts"]);
  });
});
