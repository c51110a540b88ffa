/**
 * No secrets in what users synthesize: every example template and asset manifest in the cloud
 * assembly is scanned for PEM armour, base64 key material (private or public: public keys reach
 * stacks only at deploy time, through the custom resource) and literal passphrase, password or
 * private-key values.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ExampleAssembly, synthesizeExample } from '../support/example-assembly';
import { encryptedPem, rsaKey } from '../support/keys';
import { scanJson } from '../support/secret-scan';

let assembly: ExampleAssembly;
beforeAll(() => {
  assembly = synthesizeExample();
});
afterAll(() => assembly?.remove());

function read(file: string): unknown {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

test('every template and asset manifest of the examples is clean', () => {
  const files = [...assembly.templateFiles, ...assembly.assetManifests];
  expect(files.map((f) => path.basename(f)).sort()).toEqual([
    'Example.assets.json', 'Example.template.json', 'SnowflakeKeyPairPortable.assets.json', 'SnowflakeKeyPairPortable.template.json',
  ]);
  for (const file of files) expect(scanJson(read(file), path.basename(file))).toEqual([]);
});

test.each([
  ['a PEM private key', (t: any) => { t.Outputs = { Leak: { Value: rsaKey().pkcs8Pem } }; }, 'PEM armour'],
  ['base64 key material', (t: any) => { t.Outputs = { Leak: { Value: rsaKey().pkcs8Pem.replace(/-----[^-]+-----|\n/g, '') } }; }, 'base64 private key'],
  ['an encrypted key, base64', (t: any) => {
    t.Outputs = { Leak: { Value: encryptedPem(rsaKey(), 'pass-phrase-1').replace(/-----[^-]+-----|\n/g, '') } };
  }, 'base64 private key'],
  ['a public key', (t: any) => { t.Outputs = { Leak: { Value: rsaKey().publicPem.replace(/-----[^-]+-----|\n/g, '') } }; }, 'base64 public key'],
  ['a literal passphrase', (t: any) => { t.Parameters = { Settings: { Default: '{}', passphrase: 'correct horse battery' } }; }, 'a literal passphrase value'],
  ['a passphrase inside a serialized SecretString', (t: any) => {
    t.Resources.Leak = { Type: 'AWS::SecretsManager::Secret', Properties: { SecretString: JSON.stringify({ user: 'U', passphrase: 'correct horse battery' }) } };
  }, 'a literal passphrase value'],
  ['key material split across Fn::Join parts', (t: any) => {
    const body = rsaKey().pkcs8Pem.replace(/-----[^-]+-----|\n/g, '');
    const parts = body.match(/.{1,80}/g)!;
    t.Outputs = { Leak: { Value: { 'Fn::Join': ['', [parts[0], { Ref: 'AWS::Region' }, ...parts.slice(1)]] } } };
  }, 'base64 private key'],
])('(failing case) the scan finds %s', (_, plant, what) => {
  const template = read(assembly.templateFiles[0]) as any;
  plant(template);
  expect(scanJson(template, 'planted').map((f) => f.what)).toContain(what);
});
