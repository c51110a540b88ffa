/**
 * What the runtime bundles leave out of snowflake-sdk, and what stands in for it.
 */
import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';
import { assetDir } from '../support/lambda-process';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const stub = require('../../src/runtime/stubs/not-bundled');

test.each(['connector', 'sql-executor'])('assets/%s carries neither the Azure nor the Google Cloud clients, and carries the stub', (name) => {
  const bundle = fs.readFileSync(path.join(assetDir(name), 'index.js'), 'utf8');
  // Strings of the clients' own code (snowflake-sdk's calls into them, such as
  // AZURE.BlobServiceClient, stay: they now reach the stub).
  expect(bundle).not.toContain('x-ms-blob-type'); // @azure/storage-blob's upload header
  expect(bundle).not.toContain('@azure/msal-node'); // @azure/identity's authentication library
  expect(bundle).not.toContain('GCE_METADATA_HOST'); // google-auth-library's metadata lookup
  expect(bundle).toContain('is not in the cdk-snowflake-keypair connector bundle');
});

test('the stub throws, naming what was called, if anything ever calls into it', () => {
  expect(() => stub.BlobServiceClient('x')).toThrow(/^BlobServiceClient is not in the cdk-snowflake-keypair connector bundle: Azure and GCS stages/);
  expect(() => new stub.GoogleAuth()).toThrow(/GoogleAuth is not in the cdk-snowflake-keypair connector bundle/);
  expect(stub.__esModule).toBe(false);
});

test.each(['key-material', 'connector', 'sql-executor', 'sql-api-executor'])('assets/%s requires only Node built-ins: the AWS SDK (snowflake-sdk\'s S3 and STS clients too) is inside it', (name) => {
  const bundle = fs.readFileSync(path.join(assetDir(name), 'index.js'), 'utf8');
  // `[require("@aws-sdk/signature-v4-crt");]` appears only inside an SDK error message's text.
  const required = new Set([...bundle.matchAll(/(?<!\[)\brequire\("([^"]+)"\)/g)].map((m) => m[1]));
  const notBuiltin = [...required].filter((id) => !builtinModules.includes(id.replace(/^node:/, '')));
  expect(notBuiltin).toEqual([]);
  // The scan reads what it should: the bundle does require built-ins, by this exact form.
  expect([...required].some((id) => /^(node:)?(crypto|https?)$/.test(id))).toBe(true);
  // snowflake-sdk's own AWS clients are in the bundle, not taken from the Lambda runtime.
  if (name !== 'key-material') expect(bundle).toMatch(/AssumeRoleWithWebIdentity|ec2-metadata|IMDS/);
});

test('(failing case) the scan catches a bundle that leaves the AWS SDK to the runtime', () => {
  const external = 'const s=require("@aws-sdk/client-sts"),c=require("node:crypto");';
  const required = [...external.matchAll(/(?<!\[)\brequire\("([^"]+)"\)/g)].map((m) => m[1]);
  expect(required.filter((id) => !builtinModules.includes(id.replace(/^node:/, '')))).toEqual(['@aws-sdk/client-sts']);
});
