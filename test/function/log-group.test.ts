/**
 * The log groups of the connector and rotation functions take the secret's customer-managed key
 * (CT.CLOUDWATCH.PR.3, CKV_AWS_158), with the key-policy statement CloudWatch Logs needs; an
 * imported key gets a warning instead. Each property has a passing and a failing case.
 */
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { SnowflakeConnectorFunction, SnowflakeKeyPairSecret } from '../../src';
import { IMPORTED_LOG_KEY_WARNING } from '../../src/private/log-group';
import { testStack } from '../support/stacks';

const LOGS_STATEMENT = {
  Sid: 'CloudWatchLogsMayUseKeyForLogGroups',
  Effect: 'Allow',
  Principal: { Service: 'logs.us-east-1.amazonaws.com' },
  Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
  Resource: '*',
  Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:us-east-1:123456789012:log-group:*']] } } },
};

function connector(encryptionKey?: kms.IKey, extra: Record<string, unknown> = {}) {
  const stack = testStack();
  const key = encryptionKey === undefined ? undefined : encryptionKey;
  const secret = new SnowflakeKeyPairSecret(stack, 'Secret', { account: 'myorg-myaccount', user: 'SVC_LOADER', encryptionKey: key });
  const fn = new SnowflakeConnectorFunction(stack, 'Fn', { secret, ...extra });
  return { stack, fn, template: () => Template.fromStack(stack) };
}

test('the secret\'s customer-managed key encrypts the connector function\'s log group, and the key lets CloudWatch Logs use it', () => {
  const stack = testStack();
  const key = new kms.Key(stack, 'Key');
  const secret = new SnowflakeKeyPairSecret(stack, 'Secret', { account: 'myorg-myaccount', user: 'SVC_LOADER', encryptionKey: key });
  new SnowflakeConnectorFunction(stack, 'Fn', { secret });
  // A second function: one statement per key, however many log groups use it.
  new SnowflakeConnectorFunction(stack, 'Fn2', { secret });
  const template = Template.fromStack(stack);
  const keyId = stack.getLogicalId(key.node.defaultChild as kms.CfnKey);
  const encrypted = Object.entries(template.findResources('AWS::Logs::LogGroup', { Properties: { KmsKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } } }));
  expect(encrypted.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual(['Fn2LogGroup', 'FnLogGroup']);
  template.hasResourceProperties('AWS::KMS::Key', { KeyPolicy: { Statement: Match.arrayWith([LOGS_STATEMENT]) } });
  const statements = template.findResources('AWS::KMS::Key')[keyId].Properties.KeyPolicy.Statement;
  expect(statements.filter((s: { Sid?: string }) => s.Sid === LOGS_STATEMENT.Sid)).toHaveLength(1);
});

test('(failing case) without a key on the secret, the log group has no KmsKeyId', () => {
  const { template } = connector();
  template().hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: Match.absent() });
});

test('logEncryptionKey wins over the secret\'s key', () => {
  const stack = testStack();
  const [secretKey, logKey] = [new kms.Key(stack, 'SecretKey'), new kms.Key(stack, 'LogKey')];
  const secret = new SnowflakeKeyPairSecret(stack, 'Secret', { account: 'myorg-myaccount', user: 'SVC_LOADER', encryptionKey: secretKey });
  new SnowflakeConnectorFunction(stack, 'Fn', { secret, logEncryptionKey: logKey });
  Template.fromStack(stack).hasResourceProperties('AWS::Logs::LogGroup', {
    KmsKeyId: { 'Fn::GetAtt': [stack.getLogicalId(logKey.node.defaultChild as kms.CfnKey), 'Arn'] },
  });
});

test('a log group of your own is used as it is', () => {
  const stack = testStack();
  const key = new kms.Key(stack, 'Key');
  const secret = new SnowflakeKeyPairSecret(stack, 'Secret', { account: 'myorg-myaccount', user: 'SVC_LOADER', encryptionKey: key });
  const own = new logs.LogGroup(stack, 'Own');
  new SnowflakeConnectorFunction(stack, 'Fn', { secret, logGroup: own });
  Template.fromStack(stack).resourceCountIs('AWS::Logs::LogGroup', 2); // the user's, and the key-material provider's
  Template.fromStack(stack).hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: Match.absent() });
});

test('an imported key: the log group uses it, and a warning says what its policy must allow; (control) none with a key of the app', () => {
  const imported = connector(undefined);
  const key = kms.Key.fromKeyArn(imported.stack, 'Imported', 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab');
  const secret = new SnowflakeKeyPairSecret(imported.stack, 'Secret2', { account: 'myorg-myaccount', user: 'SVC_OTHER', encryptionKey: key });
  new SnowflakeConnectorFunction(imported.stack, 'Fn2', { secret });
  const warnings = Annotations.fromStack(imported.stack).findWarning('*', Match.stringLikeRegexp('imported KMS key'));
  expect(warnings.map((w) => w.id)).toEqual(['/Test/Fn2/LogGroup']);
  expect(warnings[0].entry.data).toContain(IMPORTED_LOG_KEY_WARNING);
  expect(warnings[0].entry.data).toContain('kms:EncryptionContext:aws:logs:arn');

  const owned = testStack();
  const ownKey = new kms.Key(owned, 'Key');
  new SnowflakeConnectorFunction(owned, 'Fn', { secret: new SnowflakeKeyPairSecret(owned, 'S', { account: 'myorg-myaccount', user: 'U', encryptionKey: ownKey }) });
  expect(Annotations.fromStack(owned).findWarning('*', Match.stringLikeRegexp('imported KMS key'))).toEqual([]);
});

test('the rotation function\'s log group takes the secret\'s key too; (control) without one, it does not', () => {
  for (const withKey of [true, false]) {
    const stack = testStack();
    const key = withKey ? new kms.Key(stack, 'Key') : undefined;
    const admin = SnowflakeKeyPairSecret.fromSecretName(stack, 'Rotator', 'snowflake/rotator');
    new SnowflakeKeyPairSecret(stack, 'Secret', { account: 'myorg-myaccount', user: 'SVC_LOADER', encryptionKey: key, rotation: { adminSecret: admin } });
    const groups = Template.fromStack(stack).findResources('AWS::Logs::LogGroup');
    const rotation = Object.entries(groups).find(([id]) => id.startsWith('SecretRotationLogGroup'));
    expect(rotation).toBeDefined();
    expect(rotation![1].Properties.KmsKeyId !== undefined).toBe(withKey);
  }
});
