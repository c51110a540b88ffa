/**
 * The portable example stack (examples/typescript/portable-stack.ts), synthesized in TypeScript,
 * and what the language parity tests compare another language's synthesis with: the template, and
 * the asset manifest's files (their hashes, hence the assets' contents).
 */
import { spawnSync, SpawnSyncOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { REPO } from './lambda-process';
import { PORTABLE_STACK_NAME, SnowflakePortableStack } from '../../examples/typescript/portable-stack';

export interface PortableAssembly {
  readonly template: any;
  /** Asset hash → the asset's packaging and its display name. */
  readonly assets: Record<string, { packaging: string; displayName?: string }>;
}

/** Synthesizes the TypeScript portable stack into `outdir`. */
export function synthesizePortableTs(outdir: string): PortableAssembly {
  const app = new App({ outdir });
  new SnowflakePortableStack(app, PORTABLE_STACK_NAME);
  app.synth();
  return readPortable(outdir);
}

/** Reads the portable stack's template and asset manifest from a cloud assembly directory. */
export function readPortable(outdir: string): PortableAssembly {
  const read = (file: string) => JSON.parse(fs.readFileSync(path.join(outdir, file), 'utf8'));
  const manifest = read(`${PORTABLE_STACK_NAME}.assets.json`);
  const assets = Object.fromEntries(Object.entries<any>(manifest.files ?? {}).map(([hash, file]) => [hash, {
    packaging: file.source.packaging,
    ...(file.displayName ? { displayName: file.displayName } : {}),
  }]));
  return { template: read(`${PORTABLE_STACK_NAME}.template.json`), assets };
}

/** The resource types a synthesis of the portable stack must hold: one per construct and feature. */
export const PORTABLE_RESOURCE_TYPES = [
  'Custom::SnowflakeKeyMaterial',
  'Custom::SnowflakeUserRegistration',
  'AWS::SecretsManager::RotationSchedule',
  'AWS::EC2::VPCEndpoint',
  'AWS::Route53::HostedZone',
  'AWS::Route53::RecordSet',
  'AWS::Lambda::LayerVersion',
  'AWS::Lambda::Function',
  'AWS::IAM::Role',
];

/** The set of resource types in a template. */
export function resourceTypes(template: any): Set<string> {
  return new Set(Object.values<any>(template.Resources ?? {}).map((r) => r.Type));
}

/**
 * Runs a command for a language check, with the pinned Node first on PATH (the jsii runtime runs
 * the `node` it finds there). Throws with the command's output when it fails.
 */
export function run(command: string, args: string[], options: SpawnSyncOptions = {}): string {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    ...options,
    env: { ...process.env, PATH: `${path.join(REPO, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH}`, ...options.env },
  });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}:\n${String(result.stdout).slice(-4000)}\n${String(result.stderr).slice(-4000)}`);
  }
  return String(result.stdout);
}

/** The one file in `dir` whose name matches, or an error that says how to build it. */
export function builtPackage(dir: string, pattern: RegExp, task: string): string {
  const found = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => pattern.test(f)) : [];
  if (found.length !== 1) {
    throw new Error(`Expected one ${pattern} in ${dir}, found ${found.length}. Build it with \`npx projen ${task}\` (./scripts/test.sh does).`);
  }
  return path.join(dir, found[0]);
}

/** The version of a package the TypeScript side builds with (installed from package-lock.json). */
export function installedVersion(name: string): string {
  return JSON.parse(fs.readFileSync(path.join(REPO, 'node_modules', name, 'package.json'), 'utf8')).version;
}

/**
 * Registers the parity tests for one language: `synthesize` builds the portable stack in that
 * language into the directory it is given (in beforeAll), and its template and asset hashes must
 * equal the TypeScript synthesis.
 */
export function describeParity(language: string, synthesize: (work: string) => PortableAssembly, timeoutMs = 900_000): void {
  describe(`${language}: the portable stack synthesizes as in TypeScript`, () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), `${language.toLowerCase()}-parity-`));
    let other: PortableAssembly;
    let typescript: PortableAssembly;

    beforeAll(() => {
      other = synthesize(work);
      typescript = synthesizePortableTs(path.join(work, 'typescript.out'));
    }, timeoutMs);
    afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

    test('the same template: logical ids, properties, outputs', () => {
      expect(Object.keys(other.template.Resources).sort()).toEqual(Object.keys(typescript.template.Resources).sort());
      expect(other.template).toEqual(typescript.template);
    });

    test('the same assets, by hash (so the same bundled code)', () => {
      expect(other.assets).toEqual(typescript.assets);
      expect(Object.keys(other.assets).length).toBeGreaterThanOrEqual(5);
    });

    test('the stack holds every construct: the comparison is over something', () => {
      const types = resourceTypes(other.template);
      for (const type of PORTABLE_RESOURCE_TYPES) expect([type, types.has(type)]).toEqual([type, true]);
    });

    test('(failing case) the comparison sees a one-property difference', () => {
      const changed = structuredClone(other.template);
      const [id] = Object.entries<any>(changed.Resources).find(([, r]) => r.Type === 'Custom::SnowflakeUserRegistration')!;
      changed.Resources[id].Properties.OnDelete = 'REMOVE_KEY';
      expect(changed).not.toEqual(typescript.template);
    });
  });
}
