/**
 * The SQL API client never loads snowflake-sdk, directly or through another runtime module: it is
 * bundled here with esbuild, and the metafile lists every file the bundle read. The control
 * bundles the driver session (session.ts), which does reach snowflake-sdk, so the check can fail.
 */
import * as path from 'node:path';
import { build } from 'esbuild';
import { SqlApiClient } from '../../../src/runtime/sql-api/client';

const REPO = path.resolve(__dirname, '..', '..', '..');

async function inputsOf(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [path.join(REPO, entry)],
    bundle: true,
    platform: 'node',
    target: 'node20',
    write: false,
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: REPO,
  });
  return Object.keys(result.metafile!.inputs);
}

describe('src/runtime/sql-api bundles without the driver', () => {
  test('client.ts: no snowflake-sdk, no AWS SDK (the secret reader is passed in), only runtime and shared code', async () => {
    const inputs = await inputsOf('src/runtime/sql-api/client.ts');
    expect(inputs.filter((file) => /node_modules[\\/]snowflake-sdk[\\/]/.test(file))).toEqual([]);
    expect(inputs.filter((file) => /node_modules/.test(file))).toEqual([]);
    expect(inputs.every((file) => /^src[\\/](runtime|shared)[\\/]/.test(file))).toBe(true);
    expect(inputs).toContain('src/runtime/sql-api/client.ts');
    expect(SqlApiClient.name).toBe('SqlApiClient');
  });

  test('the control: the driver session does reach snowflake-sdk, so the check above can fail', async () => {
    const inputs = await inputsOf('src/runtime/connector/session.ts');
    expect(inputs.some((file) => /node_modules[\\/]snowflake-sdk[\\/]/.test(file))).toBe(true);
  });
});
