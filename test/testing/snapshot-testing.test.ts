/**
 * SnapshotTesting.maskLibraryAssets: the library's own asset hashes become stable names, the
 * user's own asset hashes stay, and nothing else in the template changes.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SnapshotTesting, SnowflakeConnectorFunction, SnowflakeKeyPairSecret } from '../../src';
import { REPO } from '../support/lambda-process';

function userStack(userCode: string): any {
  const stack = new Stack(new App(), 'User');
  const secret = new SnowflakeKeyPairSecret(stack, 'Secret', { account: 'myorg-myaccount', user: 'SVC' });
  new SnowflakeConnectorFunction(stack, 'Sql', { secret });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'user-code-'));
  fs.writeFileSync(path.join(dir, 'index.js'), userCode);
  new lambda.Function(stack, 'Mine', { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromAsset(dir) });
  return Template.fromStack(stack).toJSON();
}

const HEX64 = /[0-9a-f]{64}/g;

test('the library\'s asset hashes become names; the user\'s stays', () => {
  const template = userStack('exports.handler = async () => 1;');
  const masked = SnapshotTesting.maskLibraryAssets(template);
  const ours = Object.keys(SnapshotTesting.libraryAssetHashes());
  const text = JSON.stringify(masked);
  expect(text).toContain('[cdk-snowflake-keypair asset: sql-api-executor].zip');
  expect(text).toContain('[cdk-snowflake-keypair asset: key-material].zip');
  expect((text.match(HEX64) ?? []).filter((h) => ours.includes(h))).toEqual([]);
  // The user's function keeps its hash: a change to the user's code still shows in the snapshot.
  expect(text.match(HEX64)).toHaveLength(1);
  expect(JSON.stringify(SnapshotTesting.maskLibraryAssets(userStack('exports.handler = async () => 2;')))).not.toEqual(text);
});

test('nothing else changes, and the input is left as it was', () => {
  const template = userStack('exports.handler = async () => 1;');
  const before = JSON.stringify(template);
  const masked = SnapshotTesting.maskLibraryAssets(template);
  expect(JSON.stringify(template)).toEqual(before);
  const unmask = JSON.stringify(masked).replace(/\[cdk-snowflake-keypair asset: ([a-z-]+)\]/g, (_, name) => {
    return Object.entries(SnapshotTesting.libraryAssetHashes()).find(([, n]) => n === name)![0];
  });
  expect(JSON.parse(unmask)).toEqual(template);
});

test('(failing case) a hash that is not the library\'s is not masked', () => {
  const template = { Resources: { F: { Properties: { Code: { S3Key: `${'ab'.repeat(32)}.zip` } } } } };
  expect(SnapshotTesting.maskLibraryAssets(template)).toEqual(template);
});

describe('across a release of the library', () => {
  /** A copy of the built library (lib/, assets/), as an installed package would be. */
  function release(root: string, changeAsset?: string): string {
    fs.mkdirSync(root, { recursive: true });
    for (const entry of ['lib', 'assets', 'package.json']) fs.cpSync(path.join(REPO, entry), path.join(root, entry), { recursive: true });
    fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'), 'dir');
    if (changeAsset) fs.appendFileSync(path.join(root, 'assets', changeAsset, 'index.js'), '\n// the next release\n');
    fs.writeFileSync(path.join(root, 'user-app.js'), USER_APP);
    return root;
  }

  /** The user's stack synthesized with one release: the raw template and the masked one. */
  function synthWith(root: string): { raw: any; masked: any } {
    return JSON.parse(execFileSync(process.execPath, [path.join(root, 'user-app.js')], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }));
  }

  const USER_APP = `
    const lib = require('./lib');
    const { App, Stack } = require('aws-cdk-lib');
    const { Template } = require('aws-cdk-lib/assertions');
    const stack = new Stack(new App(), 'User');
    const secret = new lib.SnowflakeKeyPairSecret(stack, 'Secret', { account: 'myorg-myaccount', user: 'SVC' });
    new lib.SnowflakeConnectorFunction(stack, 'Sql', { secret });
    const raw = Template.fromStack(stack).toJSON();
    process.stdout.write(JSON.stringify({ raw, masked: lib.SnapshotTesting.maskLibraryAssets(raw) }));
  `;

  test('a new bundle changes the raw template, and the masked one not at all', () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'snapshot-release-'));
    try {
      const before = synthWith(release(path.join(base, 'v1')));
      const after = synthWith(release(path.join(base, 'v2'), 'sql-api-executor'));
      expect(after.raw).not.toEqual(before.raw);
      expect(after.masked).toEqual(before.masked);
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  }, 120_000);
});
