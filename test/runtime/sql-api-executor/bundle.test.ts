/**
 * The `sql-api-executor` bundle (the SQL executor on the SQL API) holds no driver: neither
 * esbuild's account of what its entry reads (a fresh metafile) nor the SBOM shipped beside the
 * asset (assets/sql-api-executor/sbom.cdx.json, see test/supply-chain) names snowflake-sdk.
 * The control: the driver bundle (`sql-executor`), checked the same way, does, so both checks can fail.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { build } from 'esbuild';
import { assetDir, REPO } from '../../support/lambda-process';

async function packagesRead(entry: string): Promise<string[]> {
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
  const names = new Set<string>();
  for (const input of Object.keys(result.metafile!.inputs)) {
    const m = /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(input);
    if (m) names.add(m[1].replace(/\\/g, '/'));
  }
  return [...names].sort();
}

function sbomPackages(bundle: string): string[] {
  const sbom = JSON.parse(fs.readFileSync(path.join(assetDir(bundle), 'sbom.cdx.json'), 'utf8'));
  return (sbom.components as { group?: string; name: string }[]).map((c) => (c.group ? `${c.group}/${c.name}` : c.name)).sort();
}

const bytes = (bundle: string) => fs.statSync(path.join(assetDir(bundle), 'index.js')).size;

describe('the SQL executor on the SQL API bundles without snowflake-sdk', () => {
  test('its entry reads no snowflake-sdk (esbuild metafile); the driver entry does (the control)', async () => {
    const [sqlApi, driver] = await Promise.all([packagesRead('src/runtime/sql-api-executor/index.ts'), packagesRead('src/runtime/sql-executor/index.ts')]);
    expect(sqlApi).not.toContain('snowflake-sdk');
    // What it does read: the AWS SDK for the secret, nothing of the driver's.
    expect(sqlApi).toContain('@aws-sdk/client-secrets-manager');
    expect(driver).toContain('snowflake-sdk');
  }, 60_000);

  test('the shipped SBOM names no snowflake-sdk; the driver bundle\'s does (the control)', () => {
    expect(sbomPackages('sql-api-executor')).not.toContain('snowflake-sdk');
    expect(sbomPackages('sql-api-executor').length).toBeGreaterThan(0);
    expect(sbomPackages('sql-executor')).toContain('snowflake-sdk');
  });

  test('the bundle is far smaller than the driver bundle: under a quarter of it', () => {
    const sqlApi = bytes('sql-api-executor');
    const driver = bytes('sql-executor');
    expect({ sqlApi, driver, underAQuarter: sqlApi * 4 < driver }).toEqual({ sqlApi, driver, underAQuarter: true });
  });
});
