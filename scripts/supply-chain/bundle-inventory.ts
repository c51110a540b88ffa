/**
 * What each runtime bundle contains from third parties, from esbuild's own account of it.
 *
 * `npx projen bundle:runtime` has esbuild write a metafile for each bundle (every input file it
 * read, relative to its working directory). This script turns the inputs under node_modules into
 * the list of bundled npm packages, and writes beside each bundle:
 *
 *   - THIRD-PARTY-NOTICES.txt: each package, its version, its declared license and the text of
 *     its license and notice files;
 *   - sbom.cdx.json: a CycloneDX 1.6 SBOM of the same packages.
 *
 * Both are deterministic: no timestamp, no path of the checkout, components sorted, and a serial
 * number derived from the content, so that building twice, anywhere, gives the same bytes (the
 * files sit in the Lambda assets, whose hashes users snapshot).
 *
 *   ts-node scripts/supply-chain/bundle-inventory.ts <metafile-dir> <assets-dir> <bundle>...
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const NOTICES_FILE = 'THIRD-PARTY-NOTICES.txt';
export const SBOM_FILE = 'sbom.cdx.json';
const LIBRARY = 'cdk-snowflake-keypair';
const LIBRARY_URL = 'https://github.com/cdk-snowflake-keypair/cdk-snowflake-keypair';

/** The part of esbuild's metafile this script reads (https://esbuild.github.io/api/#metafile). */
export interface Metafile {
  readonly inputs: Record<string, unknown>;
}

/** One npm package that esbuild read into a bundle (one name and version, wherever installed). */
export interface BundledPackage {
  readonly name: string;
  readonly version: string;
  /** The license as the package declares it in package.json (an SPDX expression, as a rule). */
  readonly license: string;
  /** Where npm installed it, e.g. `node_modules/axios/node_modules/agent-base` (sorted). */
  readonly installPaths: string[];
  /** Its license and notice texts, by file name (a README's license section if it has no file). */
  readonly licenseTexts: Array<{ readonly source: string; readonly text: string }>;
  readonly homepage?: string;
  /** package-lock.json's integrity of the package's tarball (`sha512-<base64>`), when known. */
  readonly integrity?: string;
}

/**
 * The install directory of the package an input belongs to, normalised to start at the first
 * `node_modules/` (esbuild reports real paths relative to its working directory, so a symlinked
 * node_modules shows as `../elsewhere/node_modules/...`), or undefined for the library's own code.
 */
export function installPathOf(input: string): { readonly dir: string; readonly installPath: string } | undefined {
  const posix = input.split(path.sep).join('/');
  const match = /^(.*?)(node_modules\/(?:@[^/]+\/)?[^/]+(?:\/node_modules\/(?:@[^/]+\/)?[^/]+)*)\//.exec(posix);
  if (!match) return undefined;
  return { dir: match[1] + match[2], installPath: match[2] };
}

/** The license and notice files at the top of a package directory, in a stable order. */
function licenseFiles(dir: string): string[] {
  return fs.readdirSync(dir)
    .filter((f) => /^(licen[cs]e|copying|notice)([.-].*)?$/i.test(f) && fs.statSync(path.join(dir, f)).isFile())
    .sort((a, b) => (/^notice/i.test(a) ? 1 : 0) - (/^notice/i.test(b) ? 1 : 0) || a.localeCompare(b, 'en'));
}

/** The "License" section of a README (for the few packages that ship no license file). */
export function readmeLicenseSection(readme: string): string | undefined {
  const lines = readme.replace(/\r\n?/g, '\n').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const atx = /^#{1,6}\s*licen[cs]e\s*#*\s*$/i.test(lines[i]);
    const setext = /^licen[cs]e\s*$/i.test(lines[i]) && /^(-{3,}|={3,})\s*$/.test(lines[i + 1] ?? '');
    if (!atx && !setext) continue;
    const body: string[] = [];
    for (let j = i + (setext ? 2 : 1); j < lines.length; j++) {
      const nextSetext = lines[j].trim() !== '' && /^(-{3,}|={3,})\s*$/.test(lines[j + 1] ?? '');
      if (/^#{1,6}\s/.test(lines[j]) || nextSetext) break;
      body.push(lines[j]);
    }
    const text = body.join('\n').trim();
    if (text) return text;
  }
  return undefined;
}

function normaliseText(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').split('\n').map((l) => l.trimEnd()).join('\n').trim();
}

function declaredLicense(pkg: any): string {
  if (typeof pkg.license === 'string') return pkg.license;
  if (pkg.license && typeof pkg.license.type === 'string') return pkg.license.type;
  // The deprecated `licenses` array (https://docs.npmjs.com/cli/v11/configuring-npm/package-json#license).
  if (Array.isArray(pkg.licenses) && pkg.licenses.length > 0) {
    const types = pkg.licenses.map((l: any) => (typeof l === 'string' ? l : l?.type)).filter(Boolean);
    if (types.length > 0) return types.length === 1 ? types[0] : `(${types.join(' OR ')})`;
  }
  return 'UNKNOWN';
}

function homepageOf(pkg: any): string | undefined {
  if (typeof pkg.homepage === 'string') return pkg.homepage;
  const repo = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  return typeof repo === 'string' ? repo : undefined;
}

/** The part of package-lock.json (lockfileVersion 2 or 3) this script reads. */
export interface PackageLock {
  readonly packages?: Record<string, { readonly integrity?: string }>;
}

/**
 * The npm packages a metafile's inputs come from, one per name and version, sorted.
 *
 * @param metafile esbuild's metafile for one bundle
 * @param workingDir the directory esbuild ran in (its inputs are relative to it)
 * @param lock package-lock.json (lockfileVersion 2 or 3), for each install path's integrity
 */
export function bundledPackages(metafile: Metafile, workingDir: string, lock?: PackageLock): BundledPackage[] {
  const dirs = new Map<string, string>();
  for (const input of Object.keys(metafile.inputs)) {
    const found = installPathOf(input);
    if (found) dirs.set(found.installPath, path.resolve(workingDir, found.dir));
  }
  const byId = new Map<string, { pkg: any; dir: string; installPaths: string[]; integrity?: string }>();
  for (const [installPath, dir] of [...dirs].sort(([a], [b]) => a.localeCompare(b, 'en'))) {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    if (typeof pkg.name !== 'string' || typeof pkg.version !== 'string') {
      throw new Error(`bundle-inventory: ${installPath}/package.json has no name or version`);
    }
    const id = `${pkg.name}@${pkg.version}`;
    const entry = byId.get(id) ?? { pkg, dir, installPaths: [], integrity: lock?.packages?.[installPath]?.integrity };
    entry.installPaths.push(installPath);
    byId.set(id, entry);
  }
  return [...byId.values()].map(({ pkg, dir, installPaths, integrity }) => {
    const files = licenseFiles(dir);
    const licenseTexts = files.map((f) => ({ source: f, text: normaliseText(fs.readFileSync(path.join(dir, f), 'utf8')) }));
    if (!files.some((f) => !/^notice/i.test(f))) {
      const readme = fs.readdirSync(dir).sort().find((f) => /^readme(\.md|\.markdown|\.txt)?$/i.test(f));
      const section = readme ? readmeLicenseSection(fs.readFileSync(path.join(dir, readme), 'utf8')) : undefined;
      if (section) licenseTexts.unshift({ source: `${readme} (License section)`, text: normaliseText(section) });
    }
    return {
      name: pkg.name,
      version: pkg.version,
      license: declaredLicense(pkg),
      installPaths: installPaths.sort(),
      licenseTexts,
      homepage: homepageOf(pkg),
      integrity,
    };
  }).sort((a, b) => a.name.localeCompare(b.name, 'en') || a.version.localeCompare(b.version, 'en'));
}

/**
 * The package URL of an npm package. The purl spec's npm type: the scope is the namespace, and
 * its `@` is percent-encoded, e.g. `pkg:npm/%40angular/animation@12.3.1`
 * (https://github.com/package-url/purl-spec/blob/main/PURL-TYPES.rst#npm).
 */
export function purlOf(name: string, version: string): string {
  const [scope, bare] = name.startsWith('@') ? name.split('/', 2) : [undefined, name];
  const namespace = scope ? `${encodeURIComponent(scope)}/` : '';
  return `pkg:npm/${namespace}${encodeURIComponent(bare)}@${encodeURIComponent(version)}`;
}

/**
 * A CycloneDX license choice for a declared license: one SPDX id as `license.id`, an SPDX
 * expression as `expression`, anything else as `license.name`
 * (https://cyclonedx.org/docs/1.6/json/#components_items_licenses).
 */
export function licenseChoice(license: string): object[] {
  if (/^[A-Za-z0-9.+-]+$/.test(license) && license !== 'UNKNOWN') return [{ license: { id: license } }];
  if (/\s(OR|AND|WITH)\s/.test(license)) return [{ expression: license }];
  return [{ license: { name: license } }];
}

/** The hex digest of an npm integrity string (`sha512-<base64>`), as a CycloneDX hash. */
function hashOf(integrity: string | undefined): object[] {
  const match = /^sha512-([A-Za-z0-9+/=]+)$/.exec(integrity?.split(/\s+/)[0] ?? '');
  return match ? [{ alg: 'SHA-512', content: Buffer.from(match[1], 'base64').toString('hex') }] : [];
}

/**
 * An RFC 4122 version-5 (name-based, SHA-1) UUID. CycloneDX recommends a serial number per BOM
 * (https://cyclonedx.org/docs/1.6/json/#serialNumber); ours is derived from the BOM's content, so
 * the same bundle always gets the same serial number and a changed one gets another.
 */
export function uuidV5(name: string): string {
  // The RFC 4122 URL namespace (https://www.rfc-editor.org/rfc/rfc4122#appendix-C).
  const namespace = Buffer.from('6ba7b8119dad11d180b400c04fd430c8', 'hex');
  const hash = crypto.createHash('sha1').update(namespace).update(name, 'utf8').digest();
  // The version (5) in the high nibble of octet 6, the RFC 4122 variant (10xx) in octet 8.
  // eslint-disable-next-line no-bitwise
  hash[6] = (hash[6] & 0x0f) | 0x50;
  // eslint-disable-next-line no-bitwise
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface BundleDescription {
  /** The bundle's name: its directory under assets/. */
  readonly bundle: string;
  /** The bundle's code (assets/<bundle>/index.js), hashed into the SBOM's metadata. */
  readonly code: Buffer;
  /** The esbuild that built it. */
  readonly esbuildVersion: string;
}

/** The CycloneDX 1.6 JSON SBOM of one bundle (https://cyclonedx.org/docs/1.6/json/). */
export function cycloneDx(description: BundleDescription, packages: readonly BundledPackage[]): string {
  const components = packages.map((p) => {
    const purl = purlOf(p.name, p.version);
    const scope = p.name.startsWith('@') ? p.name.split('/')[0] : undefined;
    return {
      'type': 'library',
      'bom-ref': purl,
      ...(scope ? { group: scope } : {}),
      'name': scope ? p.name.slice(scope.length + 1) : p.name,
      'version': p.version,
      'licenses': licenseChoice(p.license),
      'purl': purl,
      ...(hashOf(p.integrity).length > 0 ? { hashes: hashOf(p.integrity) } : {}),
      ...(p.homepage ? { externalReferences: [{ type: 'website', url: p.homepage }] } : {}),
    };
  });
  const body = {
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    version: 1,
    metadata: {
      tools: { components: [{ type: 'application', name: 'esbuild', version: description.esbuildVersion, purl: purlOf('esbuild', description.esbuildVersion) }] },
      component: {
        'type': 'application',
        'bom-ref': `${LIBRARY}/assets/${description.bundle}`,
        'group': LIBRARY,
        'name': description.bundle,
        'description': `The ${description.bundle} Lambda bundle of ${LIBRARY} (assets/${description.bundle}/index.js)`,
        'hashes': [{ alg: 'SHA-256', content: crypto.createHash('sha256').update(description.code).digest('hex') }],
        'externalReferences': [{ type: 'vcs', url: LIBRARY_URL }],
      },
    },
    components,
  };
  const digest = crypto.createHash('sha256').update(JSON.stringify(body)).digest('hex');
  const { bomFormat, specVersion, ...rest } = body;
  const serialNumber = `urn:uuid:${uuidV5(`${LIBRARY_URL}/sbom/${description.bundle}/${digest}`)}`;
  const bom = { bomFormat, specVersion, serialNumber, ...rest };
  return JSON.stringify(bom, null, 2) + '\n';
}

/** THIRD-PARTY-NOTICES.txt of one bundle. */
export function notices(bundle: string, packages: readonly BundledPackage[]): string {
  const rule = '-'.repeat(80);
  const printed = new Map<string, string>();
  const out: string[] = [
    `Third-party software in the "${bundle}" bundle of ${LIBRARY} (assets/${bundle}/index.js)`,
    '',
    ...(packages.length === 0 ? [
      'The bundle contains no code from npm packages: esbuild read none when it built the bundle, and',
      'sbom.cdx.json beside this file, a CycloneDX SBOM, lists no component.',
    ] : [
      `The bundle contains code from the ${packages.length} npm package${packages.length === 1 ? '' : 's'} listed below, each under its own`,
      'license, as esbuild reported them when it built the bundle. sbom.cdx.json beside this file lists',
      'the same packages as a CycloneDX SBOM.',
    ]),
  ];
  for (const p of packages) {
    out.push('', rule, `${p.name} ${p.version}`, `License: ${p.license}`);
    if (p.homepage) out.push(`Source: ${p.homepage}`);
    if (p.licenseTexts.length === 0) {
      out.push('', `The package ships no license file; it declares the license ${p.license} in its package.json.`);
    }
    for (const { source, text } of p.licenseTexts) {
      // Many packages ship the same text (the Apache License 2.0 alone, some thirty times): each
      // distinct text is reproduced once, and later packages name where.
      const first = printed.get(text);
      if (first) {
        out.push('', `[${source}] is identical to the text reproduced above for ${first}.`);
      } else {
        printed.set(text, `${p.name} ${p.version} [${source}]`);
        out.push('', `[${source}]`, '', text);
      }
    }
  }
  out.push('');
  return out.join('\n');
}

export interface InventoryOptions {
  /** esbuild's metafile for the bundle. */
  readonly metafile: string;
  /** The bundle's directory (its index.js), where the two files are written. */
  readonly bundleDir: string;
  readonly bundle: string;
  /** The directory esbuild ran in, with package-lock.json and node_modules. */
  readonly workingDir: string;
}

/** Reads one bundle's metafile and writes its notices and SBOM next to its code. */
export function writeInventory(options: InventoryOptions): BundledPackage[] {
  const { metafile, bundleDir, bundle, workingDir } = options;
  const lockFile = path.join(workingDir, 'package-lock.json');
  const lock = fs.existsSync(lockFile) ? JSON.parse(fs.readFileSync(lockFile, 'utf8')) : undefined;
  const packages = bundledPackages(JSON.parse(fs.readFileSync(metafile, 'utf8')), workingDir, lock);
  const esbuildVersion = JSON.parse(fs.readFileSync(require.resolve('esbuild/package.json', { paths: [workingDir] }), 'utf8')).version;
  const code = fs.readFileSync(path.join(bundleDir, 'index.js'));
  fs.writeFileSync(path.join(bundleDir, NOTICES_FILE), notices(bundle, packages));
  fs.writeFileSync(path.join(bundleDir, SBOM_FILE), cycloneDx({ bundle, code, esbuildVersion }, packages));
  return packages;
}

if (require.main === module) {
  const [metafileDir, assetsDir, ...bundles] = process.argv.slice(2);
  if (!metafileDir || !assetsDir || bundles.length === 0) {
    console.error('usage: bundle-inventory.ts <metafile-dir> <assets-dir> <bundle>...');
    process.exit(2);
  }
  for (const bundle of bundles) {
    const packages = writeInventory({ metafile: path.join(metafileDir, `${bundle}.json`), bundleDir: path.join(assetsDir, bundle), bundle, workingDir: process.cwd() });
    console.log(`bundle-inventory: ${bundle}: ${packages.length} third-party packages -> ${NOTICES_FILE}, ${SBOM_FILE}`);
  }
}
