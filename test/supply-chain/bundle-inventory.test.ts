/**
 * Each bundle's THIRD-PARTY-NOTICES.txt and sbom.cdx.json (scripts/supply-chain/bundle-inventory.ts)
 * against esbuild's own account of what it bundled: every bundle is built again here with the
 * exact command of `bundle:runtime` and a fresh metafile, and every npm package esbuild read must
 * be in the shipped SBOM and notices. Both files are deterministic: rebuilt from another working
 * directory (a symlinked node_modules, as esbuild reports real paths), they are byte-identical.
 */
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  bundledPackages, cycloneDx, installPathOf, licenseChoice, Metafile, notices, NOTICES_FILE,
  purlOf, readmeLicenseSection, SBOM_FILE, uuidV5, writeInventory,
} from '../../scripts/supply-chain/bundle-inventory';

const REPO = path.join(__dirname, '..', '..');
const ASSETS = path.join(REPO, 'assets');
const LAYER_MODULE = path.join(ASSETS, 'connector-layer', 'nodejs', 'node_modules', '@cdk-snowflake-keypair', 'connector');

/** bundle:runtime's esbuild commands, by bundle. */
const COMMANDS: Map<string, string[]> = new Map(
  JSON.parse(fs.readFileSync(path.join(REPO, '.projen', 'tasks.json'), 'utf8')).tasks['bundle:runtime'].steps
    .map((s: { exec?: string }) => s.exec ?? '')
    .filter((c: string) => c.startsWith('esbuild '))
    .map((c: string) => [/--outfile=assets\/([^/\s]+)\/index\.js/.exec(c)![1], c.split(' ').slice(1)]),
);

let work: string;
/** Fresh metafiles, one per bundle, from esbuild run here with bundle:runtime's arguments. */
const metafiles = new Map<string, Metafile>();

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-inventory-'));
  for (const [bundle, args] of COMMANDS) {
    const metafile = path.join(work, `${bundle}.meta.json`);
    const rewritten = args.map((a) => (a.startsWith('--outfile=') ? `--outfile=${path.join(work, bundle, 'index.js')}` : a.startsWith('--metafile=') ? `--metafile=${metafile}` : a));
    execFileSync(path.join(REPO, 'node_modules', '.bin', 'esbuild'), rewritten, { cwd: REPO, stdio: 'pipe' });
    metafiles.set(bundle, JSON.parse(fs.readFileSync(metafile, 'utf8')));
  }
}, 120_000);
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/**
 * The packages in a metafile, worked out independently of the script: for each input under
 * node_modules, the innermost package directory's package.json.
 */
function metafilePackages(metafile: Metafile): string[] {
  const ids = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/@][^/]*)\//.exec(input);
    if (!m) continue;
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, m[1], 'package.json'), 'utf8'));
    ids.add(`${pkg.name}@${pkg.version}`);
  }
  return [...ids].sort();
}

const readSbom = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, SBOM_FILE), 'utf8'));
const readNotices = (dir: string) => fs.readFileSync(path.join(dir, NOTICES_FILE), 'utf8');

/** The metafile packages the SBOM or the notices leave out. */
function missing(expected: readonly string[], sbom: any, noticesText: string): string[] {
  const inSbom = new Set<string>(sbom.components.map((c: any) => `${c.group ? `${c.group}/` : ''}${c.name}@${c.version}`));
  const headers = new Set(noticesText.split('\n'));
  return expected.filter((id) => {
    const at = id.lastIndexOf('@');
    return !inSbom.has(id) || !headers.has(`${id.slice(0, at)} ${id.slice(at + 1)}`);
  });
}

/** The CycloneDX 1.6 fields this library relies on, each checked (a shape check, as the JSON schema is not shipped offline). */
function shapeErrors(sbom: any, emptyAllowed = false): string[] {
  const errors: string[] = [];
  if (sbom.bomFormat !== 'CycloneDX') errors.push('bomFormat');
  if (sbom.specVersion !== '1.6') errors.push('specVersion');
  // bom-1.6.schema.json: "pattern": "^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
  if (!/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(sbom.serialNumber ?? '')) errors.push('serialNumber');
  if (sbom.version !== 1) errors.push('version');
  if (sbom.metadata?.component?.type !== 'application' || !sbom.metadata?.component?.name) errors.push('metadata.component');
  if (!/^[0-9a-f]{64}$/.test(sbom.metadata?.component?.hashes?.[0]?.content ?? '')) errors.push('metadata.component.hashes');
  if ('timestamp' in (sbom.metadata ?? {})) errors.push('metadata.timestamp (not deterministic)');
  if (!Array.isArray(sbom.components) || (sbom.components.length === 0 && !emptyAllowed)) errors.push('components');
  const refs = new Set<string>();
  for (const c of sbom.components ?? []) {
    const where = `components[${c?.purl}]`;
    if (c.type !== 'library' || !c.name || !c.version) errors.push(`${where}: type, name, version`);
    if (c.purl !== purlOf(c.group ? `${c.group}/${c.name}` : c.name, c.version)) errors.push(`${where}: purl`);
    if (c['bom-ref'] !== c.purl || refs.has(c['bom-ref'])) errors.push(`${where}: bom-ref`);
    refs.add(c['bom-ref']);
    const lic = c.licenses;
    if (!Array.isArray(lic) || lic.length !== 1 || !(lic[0].license?.id || lic[0].license?.name || lic[0].expression)) errors.push(`${where}: licenses`);
    for (const h of c.hashes ?? []) if (h.alg !== 'SHA-512' || !/^[0-9a-f]{128}$/.test(h.content)) errors.push(`${where}: hashes`);
  }
  return errors;
}

/** Bundles built from no npm package: the SQL API executor (fetch, node:crypto; docs/design/sql-api-executor.md). */
const NO_PACKAGES = new Set(['sql-api-executor']);

describe.each([...COMMANDS.keys()])('the %s bundle', (bundle) => {
  const dir = path.join(ASSETS, bundle);

  test('every package esbuild read is in its SBOM and its notices, and nothing else is', () => {
    const expected = metafilePackages(metafiles.get(bundle)!);
    if (NO_PACKAGES.has(bundle)) expect(expected).toEqual([]);
    else expect(expected.length).toBeGreaterThan(10);
    const sbom = readSbom(dir);
    expect(missing(expected, sbom, readNotices(dir))).toEqual([]);
    expect(sbom.components.map((c: any) => `${c.group ? `${c.group}/` : ''}${c.name}@${c.version}`).sort()).toEqual(expected);
  });

  test('(failing case) a package dropped from the SBOM or the notices is caught', () => {
    const expected = metafilePackages(metafiles.get(bundle)!);
    const sbom = readSbom(dir);
    if (NO_PACKAGES.has(bundle)) {
      // Nothing to drop: a package the bundle read but its (empty) SBOM and notices lack is caught.
      expect(missing([...expected, 'left-pad@1.3.0'], sbom, readNotices(dir))).toEqual(['left-pad@1.3.0']);
      return;
    }
    const dropped = sbom.components.pop();
    const droppedId = `${dropped.group ? `${dropped.group}/` : ''}${dropped.name}@${dropped.version}`;
    expect(missing(expected, sbom, readNotices(dir))).toEqual([droppedId]);
    const text = readNotices(dir).replace(`\n${dropped.group ? `${dropped.group}/` : ''}${dropped.name} ${dropped.version}\n`, '\n');
    expect(missing(expected, readSbom(dir), text)).toEqual([droppedId]);
  });

  test('its SBOM has the CycloneDX 1.6 shape: format, version, serial number, purls, licenses, hashes', () => {
    const sbom = readSbom(dir);
    expect(shapeErrors(sbom, NO_PACKAGES.has(bundle))).toEqual([]);
    expect(sbom.metadata.component.hashes[0].content).toEqual(crypto.createHash('sha256').update(fs.readFileSync(path.join(dir, 'index.js'))).digest('hex'));
    // Every component carries the tarball hash package-lock.json records.
    expect(sbom.components.filter((c: any) => !c.hashes)).toEqual([]);
  });

  test('its notices say how many packages it holds, and a bundle with none says so (not "the 0 npm packages")', () => {
    const text = readNotices(dir);
    if (NO_PACKAGES.has(bundle)) expect(text).toContain('The bundle contains no code from npm packages');
    else expect(text).toMatch(new RegExp(`contains code from the ${metafilePackages(metafiles.get(bundle)!).length} npm packages listed below`));
    expect(text).not.toContain('the 0 npm packages');
  });

  test('its notices carry a license text, or say there is none, for every package', () => {
    const text = readNotices(dir);
    const sections = text.split(`\n${'-'.repeat(80)}\n`).slice(1);
    expect(sections.length).toEqual(readSbom(dir).components.length);
    for (const section of sections) {
      const body = section.split('\n').slice(2).join('\n');
      expect({ section: section.split('\n')[0], ok: /\n\[[^\]]+\]\n\n\S|is identical to the text reproduced above|ships no license file/.test(body) })
        .toEqual({ section: section.split('\n')[0], ok: true });
    }
  });

  test('rebuilt from the fresh metafile, in another working directory, both files are byte-identical', () => {
    // esbuild reports real paths relative to its working directory: a node_modules reached through
    // a symlink shows as ../<elsewhere>/node_modules/... The inventory must not depend on that.
    const elsewhere = fs.mkdtempSync(path.join(work, 'elsewhere-'));
    fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(elsewhere, 'node_modules'), 'dir');
    const cwd = path.join(work, `cwd-${bundle}`);
    fs.mkdirSync(cwd);
    fs.copyFileSync(path.join(REPO, 'package-lock.json'), path.join(cwd, 'package-lock.json'));
    fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(cwd, 'node_modules'), 'dir');
    const inputs = Object.fromEntries(Object.entries(metafiles.get(bundle)!.inputs).map(([input, v]) => {
      const found = installPathOf(input);
      return [found ? `../${path.basename(elsewhere)}/${input.slice(input.indexOf(found.installPath))}` : input, v];
    }));
    expect(Object.keys(inputs).some((i) => i.startsWith('../elsewhere-'))).toBe(!NO_PACKAGES.has(bundle));
    const metafile = path.join(cwd, 'meta.json');
    fs.writeFileSync(metafile, JSON.stringify({ inputs }));
    const out = path.join(cwd, 'out');
    fs.mkdirSync(out);
    fs.copyFileSync(path.join(dir, 'index.js'), path.join(out, 'index.js'));
    writeInventory({ metafile, bundleDir: out, bundle, workingDir: cwd });
    for (const file of [SBOM_FILE, NOTICES_FILE]) {
      expect({ file, same: fs.readFileSync(path.join(out, file)).equals(fs.readFileSync(path.join(dir, file))) }).toEqual({ file, same: true });
    }
  });

  test('no checkout path, temp path or home directory is in either file', () => {
    for (const file of [SBOM_FILE, NOTICES_FILE]) {
      const text = fs.readFileSync(path.join(dir, file), 'utf8');
      for (const leak of [REPO, os.tmpdir(), os.homedir(), '../']) {
        expect({ file, leak, found: text.includes(leak) }).toEqual({ file, leak, found: false });
      }
    }
  });
});

test('the connector layer ships the connector bundle with the same notices and SBOM', () => {
  for (const file of ['index.js', NOTICES_FILE, SBOM_FILE]) {
    expect({ file, same: fs.readFileSync(path.join(LAYER_MODULE, file)).equals(fs.readFileSync(path.join(ASSETS, 'connector', file))) }).toEqual({ file, same: true });
  }
});

test('the serial number follows the content: the same content gives the same one, other code another', () => {
  const packages = bundledPackages(metafiles.get('key-material')!, REPO);
  const one = JSON.parse(cycloneDx({ bundle: 'key-material', code: Buffer.from('a'), esbuildVersion: '1.0.0' }, packages));
  const again = JSON.parse(cycloneDx({ bundle: 'key-material', code: Buffer.from('a'), esbuildVersion: '1.0.0' }, packages));
  const other = JSON.parse(cycloneDx({ bundle: 'key-material', code: Buffer.from('b'), esbuildVersion: '1.0.0' }, packages));
  const fewer = JSON.parse(cycloneDx({ bundle: 'key-material', code: Buffer.from('a'), esbuildVersion: '1.0.0' }, packages.slice(1)));
  expect(again.serialNumber).toEqual(one.serialNumber);
  expect(other.serialNumber).not.toEqual(one.serialNumber);
  expect(fewer.serialNumber).not.toEqual(one.serialNumber);
  expect(shapeErrors(one)).toEqual([]);
});

test('(failing case) the shape check catches a broken SBOM', () => {
  const sbom = readSbom(path.join(ASSETS, 'connector'));
  const broken = JSON.parse(JSON.stringify(sbom));
  broken.serialNumber = 'urn:uuid:not-a-uuid';
  broken.metadata.timestamp = '2026-01-01T00:00:00Z';
  broken.components[0].purl = `pkg:npm/${broken.components[0].name}`;
  broken.components[1].licenses = [];
  expect(shapeErrors(broken)).toEqual([
    'serialNumber',
    'metadata.timestamp (not deterministic)',
    `components[pkg:npm/${broken.components[0].name}]: purl`,
    `components[pkg:npm/${broken.components[0].name}]: bom-ref`,
    `components[${broken.components[1].purl}]: licenses`,
  ]);
});

describe('the pieces', () => {
  test('install paths are normalised from the first node_modules, nested installs kept apart', () => {
    expect(installPathOf('node_modules/axios/lib/axios.js')).toEqual({ dir: 'node_modules/axios', installPath: 'node_modules/axios' });
    expect(installPathOf('../main/node_modules/axios/node_modules/agent-base/dist/index.js'))
      .toEqual({ dir: '../main/node_modules/axios/node_modules/agent-base', installPath: 'node_modules/axios/node_modules/agent-base' });
    expect(installPathOf('node_modules/@aws-sdk/core/dist-cjs/index.js')?.installPath).toEqual('node_modules/@aws-sdk/core');
    expect(installPathOf('src/runtime/connector/index.ts')).toBeUndefined();
  });

  test('purls percent-encode the scope, as the purl spec\'s npm type says', () => {
    expect(purlOf('@aws-sdk/core', '3.1.0')).toEqual('pkg:npm/%40aws-sdk/core@3.1.0');
    expect(purlOf('axios', '1.13.2')).toEqual('pkg:npm/axios@1.13.2');
  });

  test('licenses: an SPDX id, an expression, or a name', () => {
    expect(licenseChoice('MIT')).toEqual([{ license: { id: 'MIT' } }]);
    expect(licenseChoice('(MIT OR Apache-2.0)')).toEqual([{ expression: '(MIT OR Apache-2.0)' }]);
    expect(licenseChoice('SEE LICENSE IN LICENSE.md')).toEqual([{ license: { name: 'SEE LICENSE IN LICENSE.md' } }]);
  });

  test('a README\'s License section, in either heading style, up to the next heading', () => {
    expect(readmeLicenseSection('# x\n\nLicense\n-------\n\n(The MIT License)\n\nCopyright\n\nOther\n-----\nno')).toEqual('(The MIT License)\n\nCopyright');
    expect(readmeLicenseSection('## License\n\nMIT, see below.\n## Next\n')).toEqual('MIT, see below.');
    expect(readmeLicenseSection('# Usage\n\nnothing here')).toBeUndefined();
  });

  test('version-5 UUIDs in the URL namespace agree with another implementation', () => {
    // Python's uuid.uuid5(uuid.NAMESPACE_URL, 'http://python.org/').
    expect(uuidV5('http://python.org/')).toEqual('4c565f0d-3f5a-5890-b41b-20cf47701c5e');
  });

  test('notices list packages in order and reproduce a repeated license text once', () => {
    const pkg = (name: string, text: string) => ({ name, version: '1.0.0', license: 'MIT', installPaths: [`node_modules/${name}`], licenseTexts: [{ source: 'LICENSE', text }] });
    const text = notices('demo', [pkg('a', 'MIT text'), pkg('b', 'MIT text'), { ...pkg('c', ''), licenseTexts: [] }]);
    expect(text.split('MIT text').length - 1).toEqual(1);
    expect(text).toContain('[LICENSE] is identical to the text reproduced above for a 1.0.0 [LICENSE].');
    expect(text).toContain('The package ships no license file; it declares the license MIT in its package.json.');
  });
});
