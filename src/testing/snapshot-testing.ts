import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileSystem } from 'aws-cdk-lib';
import { bundledAsset } from '../private/assets';

/**
 * Helpers for snapshot tests of stacks that use this library.
 *
 * The functions this library creates run code it bundles when it is built. That code's asset
 * hash is in your template, so a new release of the library would change your snapshots even
 * where nothing of yours changed. Mask those hashes, and only those: your own assets' hashes stay,
 * so your snapshots still catch changes to your code.
 *
 * @example
 *
 * import { SnapshotTesting } from 'cdk-snowflake-keypair';
 *
 * // The synthesized template, for example Template.fromStack(stack).toJSON() in a Jest test.
 * declare const template: any;
 * // expect(masked).toMatchSnapshot();
 * const masked = SnapshotTesting.maskLibraryAssets(template);
 */
export class SnapshotTesting {
  /**
   * A copy of `json` (a synthesized template, an asset manifest, any JSON value) in which every
   * hash of this library's own assets is replaced by `[cdk-snowflake-keypair asset: <name>]`.
   *
   * @param json the value to mask; it is not changed
   */
  public static maskLibraryAssets(json: any): any {
    const hashes = SnapshotTesting.libraryAssetHashes();
    const mask = (value: any): any => {
      if (typeof value === 'string') {
        return value.replace(/[0-9a-f]{64}/g, (hash) => (hashes[hash] ? `[cdk-snowflake-keypair asset: ${hashes[hash]}]` : hash));
      }
      if (Array.isArray(value)) return value.map(mask);
      if (value && typeof value === 'object') {
        return Object.fromEntries(Object.entries(value).map(([key, v]) => [mask(key), mask(v)]));
      }
      return value;
    };
    return mask(json);
  }

  /**
   * The hashes of this library's own assets (the code of the functions and the layer it
   * creates), each with the asset's name. They change with the library's version only.
   */
  public static libraryAssetHashes(): Record<string, string> {
    if (!SnapshotTesting.cache) {
      const root = bundledAsset('');
      const names = fs.readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
      SnapshotTesting.cache = Object.fromEntries(names.map((name) => [FileSystem.fingerprint(path.join(root, name)), name]));
    }
    return { ...SnapshotTesting.cache };
  }

  private static cache?: Record<string, string>;

  private constructor() {}
}
