/**
 * Least privilege of a workload-identity function's role, evaluated: its synthesized policies,
 * resolved to concrete ARNs, run through the IAM policy simulator (@cloud-copilot/iam-simulate,
 * test-only), as test/secret/least-privilege.test.ts does for secret readers. The role may write its
 * own logs and (with OUTBOUND_TOKEN) get a token for Snowflake's audience; nothing else. Every
 * denial has a control that is allowed, so a denial proves the policy, not a broken simulation.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { SnowflakeAuthentication, SnowflakeConnectorFunction, SnowflakeKeyPairSecret, WorkloadIdentityAttestation } from '../../src';
import { ACCOUNT, keyPolicy, logicalIdOf, REGION, resolve, rolePolicies, RolePolicies, secretArnInTemplate, simulate, synth } from '../support/iam-simulate';
import { testStack } from '../support/stacks';

const ISSUER = 'https://0a1b2c3d-4e5f-6789-abcd-ef0123456789.tokens.sts.global.api.aws';

/**
 * A workload-identity function (with `attestation`), a key-pair function beside it (the control
 * for Secrets Manager and KMS), both on one customer-managed key, and an administrator.
 */
function fixture(attestation?: WorkloadIdentityAttestation) {
  const stack = testStack();
  const key = new kms.Key(stack, 'Key');
  const secret = new SnowflakeKeyPairSecret(stack, 'Secret', { account: 'myorg-myaccount', user: 'SVC_KEYPAIR', encryptionKey: key });
  new SnowflakeConnectorFunction(stack, 'Wif', {
    authentication: SnowflakeAuthentication.workloadIdentity({
      account: 'myorg-myaccount', user: 'SVC_WIF', attestation, issuer: attestation === WorkloadIdentityAttestation.OUTBOUND_TOKEN ? ISSUER : undefined,
    }),
  });
  new SnowflakeConnectorFunction(stack, 'KeyPair', { secret });
  const admin = new iam.Role(stack, 'Admin', { assumedBy: new iam.AccountRootPrincipal() });
  admin.addToPolicy(new iam.PolicyStatement({ actions: ['sts:GetWebIdentityToken'], resources: ['*'] }));
  const template = synth(stack);
  const logGroupArn = (prefix: string) => resolve(template, { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::Logs::LogGroup', prefix), 'Arn'] }) as string;
  return {
    wif: rolePolicies(template, logicalIdOf(template, 'AWS::IAM::Role', 'WifRole')),
    keyPair: rolePolicies(template, logicalIdOf(template, 'AWS::IAM::Role', 'KeyPairRole')),
    admin: rolePolicies(template, logicalIdOf(template, 'AWS::IAM::Role', 'Admin')),
    secretArn: secretArnInTemplate(template, logicalIdOf(template, 'AWS::SecretsManager::Secret', 'Secret')),
    keyArn: resolve(template, { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::KMS::Key', 'Key'), 'Arn'] }) as string,
    keyPolicy: keyPolicy(template, logicalIdOf(template, 'AWS::KMS::Key', 'Key')),
    wifLogStream: `${logGroupArn('WifLogGroup').replace(/:\*$/, '')}:log-stream:2026/12/03/[$LATEST]abc`,
    keyPairLogStream: `${logGroupArn('KeyPairLogGroup').replace(/:\*$/, '')}:log-stream:2026/12/03/[$LATEST]abc`,
  };
}

function request(who: RolePolicies, action: string, resourceArn: string, context?: Record<string, string | string[]>, resourcePolicy?: unknown) {
  return simulate({
    principalArn: who.principalArn, identityPolicies: who.identityPolicies, action, resourceArn, resourceAccount: ACCOUNT, context, resourcePolicy,
  });
}

const SNOWFLAKE_TOKEN = { 'sts:IdentityTokenAudience': ['snowflakecomputing.com'], 'sts:SigningAlgorithm': 'ES384' };

describe('a workload-identity function\'s role (SIGNED_CALLER_IDENTITY, the default)', () => {
  const f = fixture();

  test('writes its own log group', async () => {
    expect(await request(f.wif, 'logs:PutLogEvents', f.wifLogStream)).toBe('Allowed');
    expect(await request(f.wif, 'logs:CreateLogStream', f.wifLogStream)).toBe('Allowed');
  });

  test('(denied) another function\'s log group; the control, that function\'s role, is allowed', async () => {
    expect(await request(f.wif, 'logs:PutLogEvents', f.keyPairLogStream)).toBe('ImplicitlyDenied');
    expect(await request(f.keyPair, 'logs:PutLogEvents', f.keyPairLogStream)).toBe('Allowed');
  });

  test('(denied) reads no secret and decrypts nothing; the key-pair function\'s role, the control, reads its secret through Secrets Manager', async () => {
    expect(await request(f.wif, 'secretsmanager:GetSecretValue', f.secretArn, { 'secretsmanager:VersionStage': 'AWSCURRENT' })).toBe('ImplicitlyDenied');
    expect(await request(f.keyPair, 'secretsmanager:GetSecretValue', f.secretArn, { 'secretsmanager:VersionStage': 'AWSCURRENT' })).toBe('Allowed');
    const viaSecretsManager = { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com`, 'kms:EncryptionContext:SecretARN': f.secretArn };
    expect(await request(f.wif, 'kms:Decrypt', f.keyArn, viaSecretsManager, f.keyPolicy)).toBe('ImplicitlyDenied');
    expect(await request(f.keyPair, 'kms:Decrypt', f.keyArn, viaSecretsManager, f.keyPolicy)).toBe('Allowed');
  });

  test('(denied) gets no web identity token (the driver only signs a GetCallerIdentity request); the administrator, the control, may', async () => {
    expect(await request(f.wif, 'sts:GetWebIdentityToken', '*', SNOWFLAKE_TOKEN)).toBe('ImplicitlyDenied');
    expect(await request(f.admin, 'sts:GetWebIdentityToken', '*', SNOWFLAKE_TOKEN)).toBe('Allowed');
  });

  test('its policies hold no other action', () => {
    const actions = f.wif.identityPolicies.flatMap((p: any) => p.policy.Statement.flatMap((s: any) => [s.Action].flat()));
    expect(actions.sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
  });
});

describe('with OUTBOUND_TOKEN', () => {
  const f = fixture(WorkloadIdentityAttestation.OUTBOUND_TOKEN);

  test('gets a token for Snowflake\'s audience, signed ES384', async () => {
    expect(await request(f.wif, 'sts:GetWebIdentityToken', '*', SNOWFLAKE_TOKEN)).toBe('Allowed');
  });

  test('(denied) a token for another audience, or with it, or with another algorithm, or with no audience; the administrator is allowed each', async () => {
    const others: Array<Record<string, string | string[]>> = [
      { 'sts:IdentityTokenAudience': ['https://example.com'], 'sts:SigningAlgorithm': 'ES384' },
      { 'sts:IdentityTokenAudience': ['snowflakecomputing.com', 'https://example.com'], 'sts:SigningAlgorithm': 'ES384' },
      { 'sts:IdentityTokenAudience': ['snowflakecomputing.com'], 'sts:SigningAlgorithm': 'RS256' },
      { 'sts:SigningAlgorithm': 'ES384' },
    ];
    for (const context of others) {
      expect({ context, result: await request(f.wif, 'sts:GetWebIdentityToken', '*', context) }).toEqual({ context, result: 'ImplicitlyDenied' });
      expect(await request(f.admin, 'sts:GetWebIdentityToken', '*', context)).toBe('Allowed');
    }
  });

  test('(denied) still no secret', async () => {
    expect(await request(f.wif, 'secretsmanager:GetSecretValue', f.secretArn, { 'secretsmanager:VersionStage': 'AWSCURRENT' })).toBe('ImplicitlyDenied');
  });
});
