/**
 * What the runtime bundles leave out of snowflake-sdk, and what stands in for it.
 */
import * as fs from 'node:fs';
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
