import * as path from 'node:path';

/** The code directory of an asset bundled into this package (assets/<name>). Not exported from index.ts. */
export function bundledAsset(name: string): string {
  return path.join(__dirname, '..', '..', 'assets', name);
}
