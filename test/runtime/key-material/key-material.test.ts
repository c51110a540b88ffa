/**
 * Fault injection for the key-material handler with aws-sdk-client-mock. The happy paths run
 * for real in key-material.e2e.test.ts; here the SDK fails in ways moto cannot.
 */
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { handleKeyMaterialEvent } from '../../../src/runtime/key-material/key-material';
import { parseProperties } from '../../../src/runtime/key-material/properties';
import { responseBody } from '../../../src/runtime/shared/cfn-response';
import { redact } from '../../../src/runtime/shared/redact';
import { PEM_IN_AN_ERROR } from '../../fixtures/fake-keys';

const sm = mockClient(SecretsManagerClient);
const client = new SecretsManagerClient({ region: 'us-east-1' });
const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:s-AbCdEf';

function event(requestType: 'Create' | 'Update', props: Record<string, unknown> = {}): CloudFormationCustomResourceEvent {
  const ResourceProperties = {
    ServiceToken: 'x',
    SecretId: SECRET,
    Mode: 'GENERATE',
    KeySize: '2048',
    EncryptPrivateKey: 'false',
    KeyGeneration: '1',
    RemovalPolicy: 'retain',
    Connection: { account: 'myorg-myaccount', user: 'SVC' },
    ...props,
  };
  return {
    RequestType: requestType,
    ServiceToken: 'x',
    ResponseURL: 'https://example.invalid',
    StackId: 'stack',
    RequestId: 'req-1',
    LogicalResourceId: 'KeyMaterial',
    ResourceType: 'Custom::SnowflakeKeyMaterial',
    ResourceProperties,
    ...(requestType === 'Update' ? { PhysicalResourceId: SECRET, OldResourceProperties: ResourceProperties } : {}),
  } as CloudFormationCustomResourceEvent;
}

beforeEach(() => {
  sm.reset();
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
});

test('a throttled write fails the request with the SDK error, after one attempt to write the whole value', async () => {
  sm.on(GetSecretValueCommand).resolves({ SecretString: '{}', VersionId: 'v1' });
  sm.on(PutSecretValueCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
  await expect(handleKeyMaterialEvent(event('Create'), client)).rejects.toThrow('Rate exceeded');
  expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(1);
});

test('access denied on read stops before any write', async () => {
  sm.on(GetSecretValueCommand).rejects(Object.assign(new Error('not authorized to perform: secretsmanager:GetSecretValue'), { name: 'AccessDeniedException' }));
  await expect(handleKeyMaterialEvent(event('Create'), client)).rejects.toThrow(/not authorized/);
  expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
});

test('a secret with no value yet is filled', async () => {
  sm.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({
    message: "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT", $metadata: {},
  }));
  sm.on(PutSecretValueCommand).resolves({});
  const result = await handleKeyMaterialEvent(event('Create'), client);
  expect(result.data?.PublicKeyFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}=$/);
  expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(1);
});

test('a retried request whose write already landed writes nothing again', async () => {
  sm.on(GetSecretValueCommand).resolves({ SecretString: '{}', VersionId: 'v1' });
  sm.on(PutSecretValueCommand).resolves({});
  await handleKeyMaterialEvent(event('Create'), client);
  const written = sm.commandCalls(PutSecretValueCommand)[0].args[0].input;
  expect(written.ClientRequestToken).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

  sm.reset();
  sm.on(GetSecretValueCommand).resolves({ SecretString: written.SecretString, VersionId: written.ClientRequestToken });
  const retried = await handleKeyMaterialEvent(event('Create'), client);
  expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  expect(retried.data?.PublicKey).toMatch(/^MII/);
});

test('unknown fields in the stored value are kept', async () => {
  sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ note: 'kept', warehouse: 'OLD' }), VersionId: 'v1' });
  sm.on(PutSecretValueCommand).resolves({});
  await handleKeyMaterialEvent(event('Create'), client);
  const value = JSON.parse(sm.commandCalls(PutSecretValueCommand)[0].args[0].input.SecretString!);
  expect(value.note).toBe('kept');
  expect(value.warehouse).toBeUndefined();
});

test.each([
  [{ SecretId: undefined }, /Property SecretId is required/],
  [{ Mode: 'PASTE' }, /Property Mode must be GENERATE or BRING_YOUR_OWN/],
  [{ KeySize: '1024' }, /Property KeySize must be 2048 or 4096/],
  [{ KeyGeneration: '0' }, /Property KeyGeneration must be a positive integer/],
  [{ Connection: { user: 'SVC' } }, /Property Connection must include account and user/],
])('bad property %j is named in the error', (override, message) => {
  expect(() => parseProperties({ SecretId: SECRET, Mode: 'GENERATE', Connection: { account: 'a-b', user: 'SVC' }, ...override })).toThrow(message);
});

test('failure reasons are redacted before they reach CloudFormation', () => {
  const pem = PEM_IN_AN_ERROR;
  const body = responseBody(event('Create'), { status: 'FAILED', reason: `could not parse ${pem}`, physicalResourceId: SECRET });
  expect(body).not.toContain('MIIEvQ');
  expect(JSON.parse(body).Reason).toBe('could not parse [REDACTED PEM]');
  expect(redact('token MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u end'))
    .toBe('token [REDACTED] end');
});
