/**
 * The `sql-api-executor` bundle (the SQL executor on the SQL API) holds no driver and no AWS SDK:
 * neither esbuild's account of what its entry reads (a fresh metafile, and the one bundle:runtime
 * wrote for the shipped asset, .tmp/metafiles/sql-api-executor.json) nor the SBOM shipped beside
 * the asset (assets/sql-api-executor/sbom.cdx.json, see test/supply-chain) names snowflake-sdk,
 * an @aws-sdk/ or an @smithy/ package: its one AWS call is signed by src/runtime/shared/sigv4.ts.
 * The control: the driver bundle (`sql-executor`), checked the same way, holds them, so each check can fail.
 * (This also covers the SQL API client, src/runtime/sql-api/client.ts, which the entry reads.)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { build } from 'esbuild';
import { assetDir, REPO } from '../../support/lambda-process';

/** npm packages among a metafile's inputs. */
function packagesIn(inputs: string[]): string[] {
  const names = new Set<string>();
  for (const input of inputs) {
    const m = /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(input);
    if (m) names.add(m[1].replace(/\\/g, '/'));
  }
  return [...names].sort();
}

/** What the shipped bundle was built from: the metafile bundle:runtime wrote beside it. */
function packagesShipped(bundle: string): string[] {
  const metafile = path.join(REPO, '.tmp', 'metafiles', `${bundle}.json`);
  return packagesIn(Object.keys(JSON.parse(fs.readFileSync(metafile, 'utf8')).inputs));
}

/** The packages no byte of the SQL API executor may come from. */
const forbidden = (packages: string[]) => packages.filter((p) => p === 'snowflake-sdk' || p.startsWith('@aws-sdk/') || p.startsWith('@smithy/'));

/** The files esbuild reads for `entry`, bundled as bundle:runtime does. */
async function inputsRead(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [path.join(REPO, entry)],
    bundle: true,
    platform: 'node',
    target: 'node20',
    write: false,
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: REPO,
    // As bundle:runtime: the Azure and Google clients snowflake-sdk requires are stubbed (.projenrc.ts NOT_BUNDLED).
    alias: Object.fromEntries(['@azure/storage-blob', '@azure/identity', 'google-auth-library'].map((p) => [p, './src/runtime/stubs/not-bundled.ts'])),
  });
  return Object.keys(result.metafile!.inputs);
}

const packagesRead = async (entry: string) => packagesIn(await inputsRead(entry));

function sbomPackages(bundle: string): string[] {
  const sbom = JSON.parse(fs.readFileSync(path.join(assetDir(bundle), 'sbom.cdx.json'), 'utf8'));
  return (sbom.components as { group?: string; name: string }[]).map((c) => (c.group ? `${c.group}/${c.name}` : c.name)).sort();
}

const bytes = (bundle: string) => fs.statSync(path.join(assetDir(bundle), 'index.js')).size;

describe('the SQL executor on the SQL API bundles without snowflake-sdk and without the AWS SDK', () => {
  test('its entry reads neither (esbuild metafile), only runtime and shared code; the driver entry reads both (the control)', async () => {
    const [inputs, driver] = await Promise.all([inputsRead('src/runtime/sql-api-executor/index.ts'), packagesRead('src/runtime/sql-executor/index.ts')]);
    const sqlApi = packagesIn(inputs);
    expect(forbidden(sqlApi)).toEqual([]);
    // The SQL API client and the SigV4 client are among what it reads, and nothing outside src/runtime and src/shared is.
    expect(inputs).toEqual(expect.arrayContaining(['src/runtime/sql-api/client.ts', 'src/runtime/shared/secrets-manager.ts', 'src/runtime/shared/https.ts']));
    expect(inputs.filter((file) => !/^src[\\/](runtime|shared)[\\/]/.test(file))).toEqual([]);
    // Nothing of npm at all: the SQL API client, the JWT and the SigV4 signer are Node's https and node:crypto.
    expect(sqlApi).toEqual([]);
    expect(driver).toContain('snowflake-sdk');
    expect(driver).toContain('@aws-sdk/client-secrets-manager');
    expect(driver.some((p) => p.startsWith('@smithy/'))).toBe(true);
  }, 60_000);

  test('the metafile the shipped asset was built from names none of them; the driver bundle\'s names them (the control)', () => {
    expect(forbidden(packagesShipped('sql-api-executor'))).toEqual([]);
    expect(forbidden(packagesShipped('sql-executor'))).toEqual(expect.arrayContaining(['snowflake-sdk', '@aws-sdk/client-secrets-manager']));
  });

  test('the shipped SBOM names no third-party package; the driver bundle\'s names snowflake-sdk and the AWS SDK (the control)', () => {
    expect(sbomPackages('sql-api-executor')).toEqual([]);
    expect(sbomPackages('sql-executor')).toEqual(expect.arrayContaining(['snowflake-sdk', '@aws-sdk/client-secrets-manager']));
  });

  test('the bundle is far smaller than the driver bundle: under a twentieth of it, and under 128 KiB', () => {
    const sqlApi = bytes('sql-api-executor');
    const driver = bytes('sql-executor');
    // With the AWS SDK it was 535 KB (about 0.18 of the driver bundle); without, about 64 KB.
    expect({ sqlApi, driver, underATwentieth: sqlApi * 20 < driver, under128KiB: sqlApi < 128 * 1024 })
      .toEqual({ sqlApi, driver, underATwentieth: true, under128KiB: true });
  });
});
