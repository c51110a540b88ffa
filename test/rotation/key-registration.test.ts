/**
 * `registration` on SnowflakeKeyPairSecret: the custom resource, its shared provider's
 * least-privilege role (evaluated offline), its ordering against the key material and the
 * rotation, cdk-nag, validation.
 */
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { KeySource, PrivateLinkConfig, PrivateLinkEndpoint, RegisteredKeyOnDelete, SnowflakeKeyPairSecret, SnowflakeKeyPairSecretProps } from '../../src';
import { keyArn, logicalIdOf, REGION, requestsOf, secretArnInTemplate, synth } from '../support/iam-simulate';
import { acknowledgeTestVpc, nagApp, runNag } from '../support/nag';
import { CONFIG_JSON } from '../support/privatelink';
import { testStack } from '../support/stacks';

function setup(registration: Partial<NonNullable<SnowflakeKeyPairSecretProps['registration']>> = {}, props: Partial<SnowflakeKeyPairSecretProps> = {}) {
  const stack = testStack();
  const admin = new SnowflakeKeyPairSecret(stack, 'Admin', { account: 'myorg-myaccount', user: 'SVC_ADMIN' });
  const secret = new SnowflakeKeyPairSecret(stack, 'Loader', {
    account: 'myorg-myaccount', user: 'SVC_LOADER', role: 'LOADER', warehouse: 'LOAD_WH', registration: { adminSecret: admin, ...registration }, ...props,
  });
  return { stack, admin, secret };
}

function registrations(stack: Stack): any[] {
  return Object.values<any>(Template.fromStack(stack).findResources('Custom::SnowflakeUserRegistration'));
}

describe('the custom resource', () => {
  test('reads the secret and the admin secret, names the key by its fingerprint, and removes only its key by default', () => {
    const { stack } = setup();
    const [resource, ...more] = registrations(stack);
    expect(more).toEqual([]);
    expect(resource.Properties).toEqual({
      ServiceToken: { 'Fn::GetAtt': [expect.stringMatching(/^SnowflakeUserRegistrationProviderFunction/), 'Arn'] },
      ServiceTimeout: '300',
      SecretId: { Ref: expect.stringMatching(/^Loader/) },
      AdminSecretId: { Ref: expect.stringMatching(/^Admin/) },
      CreateUser: 'true',
      OnDelete: 'REMOVE_KEY',
      Fingerprint: { 'Fn::GetAtt': [expect.stringMatching(/^LoaderKeyMaterial/), 'PublicKeyFingerprint'] },
    });
    // After the key is in the secret, and after the provider's role may read it.
    expect(resource.DependsOn).toEqual(expect.arrayContaining([
      expect.stringMatching(/^LoaderKeyMaterial/), expect.stringMatching(/^SnowflakeUserRegistrationProviderRoleDefaultPolicy/),
    ]));
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.registrationHandler', Runtime: 'nodejs24.x', Architectures: ['arm64'], LoggingConfig: Match.objectLike({ LogFormat: 'JSON' }),
    });
  });

  test('options: createUser off, RETAIN_KEY', () => {
    const [resource] = registrations(setup({ createUser: false, onDelete: RegisteredKeyOnDelete.RETAIN_KEY }).stack);
    expect(resource.Properties).toEqual(expect.objectContaining({ CreateUser: 'false', OnDelete: 'RETAIN_KEY' }));
  });

  test('one provider function per stack, however many secrets register', () => {
    const { stack, admin } = setup();
    new SnowflakeKeyPairSecret(stack, 'Reporter', { account: 'myorg-myaccount', user: 'SVC_REPORTER', registration: { adminSecret: admin } });
    expect(registrations(stack)).toHaveLength(2);
    Template.fromStack(stack).resourcePropertiesCountIs('AWS::Lambda::Function', { Handler: 'index.registrationHandler' }, 1);
  });

  test('without registration, no custom resource and no provider', () => {
    const stack = testStack();
    new SnowflakeKeyPairSecret(stack, 'Loader', { account: 'myorg-myaccount', user: 'SVC_LOADER' });
    expect(registrations(stack)).toEqual([]);
    Template.fromStack(stack).resourcePropertiesCountIs('AWS::Lambda::Function', { Handler: 'index.registrationHandler' }, 0);
  });

  test('with rotation too, the rotation schedule waits for the registration', () => {
    const { stack } = setup({}, {});
    const withRotation = testStack();
    const admin = new SnowflakeKeyPairSecret(withRotation, 'Admin', { account: 'myorg-myaccount', user: 'SVC_ADMIN' });
    const rotator = new SnowflakeKeyPairSecret(withRotation, 'Rotator', { account: 'myorg-myaccount', user: 'SVC_ROTATOR' });
    new SnowflakeKeyPairSecret(withRotation, 'Loader', {
      account: 'myorg-myaccount', user: 'SVC_LOADER', registration: { adminSecret: admin }, rotation: { adminSecret: rotator },
    });
    const schedules = Object.values<any>(Template.fromStack(withRotation).findResources('AWS::SecretsManager::RotationSchedule'));
    expect(schedules).toHaveLength(1);
    expect(schedules[0].DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^LoaderRegistration/)]));
    // (control) without rotation there is no schedule to order.
    expect(Template.fromStack(stack).findResources('AWS::SecretsManager::RotationSchedule')).toEqual({});
  });

  test('with restrictReadToGrantees, the provider is one of the readers', () => {
    const { stack } = setup({}, { restrictReadToGrantees: true });
    const policy = Template.fromStack(stack).findResources('AWS::SecretsManager::ResourcePolicy');
    const deny = Object.values<any>(policy)[0].Properties.ResourcePolicy.Statement.find((s: any) => s.Sid === 'DenyReadExceptGrantees');
    expect(deny.Condition.ArnNotEquals['aws:PrincipalArn']).toEqual(expect.arrayContaining([
      { 'Fn::GetAtt': [expect.stringMatching(/^SnowflakeUserRegistrationProviderRole/), 'Arn'] },
    ]));
  });
});

describe('least privilege, evaluated offline', () => {
  const stack = testStack();
  const key = new kms.Key(stack, 'Key');
  const admin = new SnowflakeKeyPairSecret(stack, 'Admin', { account: 'myorg-myaccount', user: 'SVC_ADMIN' });
  new SnowflakeKeyPairSecret(stack, 'Loader', { account: 'myorg-myaccount', user: 'SVC_LOADER', encryptionKey: key, registration: { adminSecret: admin } });
  new SnowflakeKeyPairSecret(stack, 'Other', { account: 'myorg-myaccount', user: 'SVC_OTHER' });
  const template = synth(stack);
  const own = secretArnInTemplate(template, logicalIdOf(template, 'AWS::SecretsManager::Secret', 'Loader'));
  const adminArn = secretArnInTemplate(template, logicalIdOf(template, 'AWS::SecretsManager::Secret', 'Admin'));
  const other = secretArnInTemplate(template, logicalIdOf(template, 'AWS::SecretsManager::Secret', 'Other'));
  const keyId = logicalIdOf(template, 'AWS::KMS::Key', 'Key');
  const request = requestsOf(template, logicalIdOf(template, 'AWS::IAM::Role', 'SnowflakeUserRegistrationProviderRole'), keyId);
  const current = { 'secretsmanager:VersionStage': 'AWSCURRENT' };

  test('GetSecretValue on the admin secret at AWSCURRENT: allowed; other stages: denied', async () => {
    expect(await request('secretsmanager:GetSecretValue', adminArn, current)).toBe('Allowed');
    expect(await request('secretsmanager:GetSecretValue', adminArn, { 'secretsmanager:VersionStage': 'AWSPREVIOUS' })).toBe('ImplicitlyDenied');
  });

  test('GetSecretValue on its secret at AWSCURRENT and AWSPREVIOUS (the state a Delete checks): allowed; AWSPENDING: denied', async () => {
    expect(await request('secretsmanager:GetSecretValue', own, current)).toBe('Allowed');
    expect(await request('secretsmanager:GetSecretValue', own, { 'secretsmanager:VersionStage': 'AWSPREVIOUS' })).toBe('Allowed');
    expect(await request('secretsmanager:GetSecretValue', own, { 'secretsmanager:VersionStage': 'AWSPENDING' })).toBe('ImplicitlyDenied');
  });

  test('another secret: denied', async () => {
    expect(await request('secretsmanager:GetSecretValue', other, current)).toBe('ImplicitlyDenied');
  });

  test.each(['secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage', 'secretsmanager:DeleteSecret'])('%s on its secret: denied (it only reads)', async (action) => {
    expect(await request(action, own)).toBe('ImplicitlyDenied');
  });

  test('KMS Decrypt through Secrets Manager only', async () => {
    // As Secrets Manager calls KMS for this secret: its ARN is the encryption context.
    const via = { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com`, 'kms:EncryptionContext:SecretARN': own };
    expect(await request('kms:Decrypt', keyArn(keyId), via)).toBe('Allowed');
    expect(await request('kms:Decrypt', keyArn(keyId))).toBe('ImplicitlyDenied');
  });
});

test('cdk-nag: a secret with registration (and rotation) leaves nothing unacknowledged', () => {
  const app = nagApp();
  const stack = new Stack(app, 'Registering', { env: { account: '123456789012', region: 'us-east-1' } });
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const admin = new SnowflakeKeyPairSecret(stack, 'Admin', { account: 'myorg-myaccount', user: 'SVC_ADMIN', encryptionKey: key });
  const rotator = new SnowflakeKeyPairSecret(stack, 'Rotator', { account: 'myorg-myaccount', user: 'SVC_ROTATOR', encryptionKey: key });
  new SnowflakeKeyPairSecret(stack, 'Loader', {
    account: 'myorg-myaccount', user: 'SVC_LOADER', encryptionKey: key, registration: { adminSecret: admin }, rotation: { adminSecret: rotator },
  });
  const result = runNag(app);
  expect(result.findings).toEqual([]);
  // (control) the provider's acknowledgements are there, each with its reason.
  const onProvider = result.acknowledged.filter((a) => a.path.startsWith('Registering/SnowflakeUserRegistrationProvider/'));
  expect(onProvider.length).toBeGreaterThan(0);
  expect(onProvider.every((a) => a.reason.length > 40)).toBe(true);
});

describe('validation', () => {
  test('a key brought by the user cannot be registered at deploy', () => {
    expect(() => setup({}, { keySource: KeySource.bringYourOwn() })).toThrow(/registration needs a key generated at deploy time, and keySource is KeySource\.bringYourOwn\(\)/);
  });

  test('(passing case) a generated key with another secret as admin is accepted', () => {
    expect(() => setup()).not.toThrow();
  });
});

describe('through PrivateLink (an account that allows PrivateLink only)', () => {
  const ENI = ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DeleteNetworkInterface',
    'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'];

  function linked(build: (stack: Stack, admin: SnowflakeKeyPairSecret, privateLink: PrivateLinkEndpoint, vpc: ec2.Vpc) => void) {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'i', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const privateLink = new PrivateLinkEndpoint(stack, 'Snowflake', { vpc, config: PrivateLinkConfig.fromJson(CONFIG_JSON) });
    const admin = new SnowflakeKeyPairSecret(stack, 'Admin', { account: 'myorg-myaccount', user: 'SVC_ADMIN' });
    build(stack, admin, privateLink, vpc);
    return { stack, privateLink, template: Template.fromStack(stack) };
  }
  const registrationFunctions = (t: Template) => Object.entries<any>(t.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.registrationHandler' } }));

  test('registration.privateLink: the function runs in the endpoint\'s VPC, signs in by the PrivateLink host, and the endpoint lets it in', () => {
    const { template, privateLink } = linked((stack, admin, pl) => {
      new SnowflakeKeyPairSecret(stack, 'Loader', { account: 'myorg-myaccount', user: 'SVC_LOADER', registration: { adminSecret: admin, privateLink: pl } });
    });
    const [[fnId, fn]] = registrationFunctions(template);
    expect(fn.Properties.VpcConfig.SubnetIds.length).toBeGreaterThan(0);
    expect(fn.Properties.Environment.Variables.SNOWFLAKE_HOST).toBe(privateLink.accountHost);
    const [sgId] = fn.Properties.VpcConfig.SecurityGroupIds[0]['Fn::GetAtt'];
    const ingress = Object.values<any>(template.findResources('AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties)
      .filter((p) => p.SourceSecurityGroupId?.['Fn::GetAtt']?.[0] === sgId).map((p) => p.FromPort).sort();
    expect(ingress).toEqual([443, 80]);
    expect(fnId).toMatch(/^SnowflakeUserRegistrationProviderViaSnowflakeFunction/);
  });

  test('taken from rotation.privateLink when only the rotation names an endpoint, with its subnets and endpoints', () => {
    const { template, privateLink } = linked((stack, admin, pl) => {
      new SnowflakeKeyPairSecret(stack, 'Loader', {
        account: 'myorg-myaccount',
        user: 'SVC_LOADER',
        registration: { adminSecret: admin },
        rotation: { adminSecret: new SnowflakeKeyPairSecret(stack, 'Rotator', { account: 'myorg-myaccount', user: 'SVC_ROTATOR' }), privateLink: pl, addAwsServiceEndpoints: true },
      });
    });
    const [[, fn]] = registrationFunctions(template);
    expect(fn.Properties.Environment.Variables.SNOWFLAKE_HOST).toBe(privateLink.accountHost);
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway' }); // S3, for CloudFormation's response URL
    const [sgId] = fn.Properties.VpcConfig.SecurityGroupIds[0]['Fn::GetAtt'];
    const toSecretsManager = Object.values<any>(template.findResources('AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties)
      .filter((p) => p.SourceSecurityGroupId?.['Fn::GetAtt']?.[0] === sgId && /SecretsManager/.test(JSON.stringify(p.GroupId)));
    expect(toSecretsManager).toHaveLength(1);
  });

  test.each(ENI)('%s: allowed to the registration role, by a policy the function depends on (Lambda checks it at CreateFunction)', async (action) => {
    const { stack } = linked((s, admin, pl) => {
      new SnowflakeKeyPairSecret(s, 'Loader', { account: 'myorg-myaccount', user: 'SVC_LOADER', registration: { adminSecret: admin, privateLink: pl } });
    });
    const template = synth(stack);
    const fnId = Object.keys(template.Resources).find((id) => (template.Resources[id].Properties as any)?.Handler === 'index.registrationHandler')!;
    const roleId = ((template.Resources[fnId].Properties as any).Role['Fn::GetAtt'] as string[])[0];
    expect(await requestsOf(template, roleId)(action, '*')).toBe('Allowed');
    const granting = Object.keys(template.Resources).filter((id) => template.Resources[id].Type === 'AWS::IAM::Policy'
      && JSON.stringify(template.Resources[id].Properties?.PolicyDocument).includes('ec2:CreateNetworkInterface'));
    expect((template.Resources[fnId] as any).DependsOn).toContain(granting[0]);
  });

  test('(control) without privateLink anywhere, the registration function is not in a VPC and signs in by the public host', () => {
    const [[, fn]] = registrationFunctions(Template.fromStack(setup().stack));
    expect(fn.Properties.VpcConfig).toBeUndefined();
    // Only the stack it answers for: no Snowflake host.
    expect(fn.Properties.Environment).toEqual({ Variables: { SNOWFLAKE_CFN_STACK_ID: { Ref: 'AWS::StackId' } } });
  });

  test('secrets through the same endpoint share one function; the public path keeps its own', () => {
    const { template } = linked((stack, admin, pl) => {
      new SnowflakeKeyPairSecret(stack, 'Loader', { account: 'myorg-myaccount', user: 'SVC_LOADER', registration: { adminSecret: admin, privateLink: pl } });
      new SnowflakeKeyPairSecret(stack, 'Reporter', { account: 'myorg-myaccount', user: 'SVC_REPORTER', registration: { adminSecret: admin, privateLink: pl } });
      new SnowflakeKeyPairSecret(stack, 'Public', { account: 'myorg-myaccount', user: 'SVC_PUBLIC', registration: { adminSecret: admin } });
    });
    const fns = registrationFunctions(template);
    expect(fns.map(([, fn]) => Boolean(fn.Properties.VpcConfig)).sort()).toEqual([false, true]);
  });

  test('cdk-nag: nothing unacknowledged, and LambdaInsideVPC is not acknowledged on the registration function (it holds)', () => {
    const app = nagApp();
    const stack = new Stack(app, 'Linked', { env: { account: '123456789012', region: 'us-east-1' } });
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'i', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    acknowledgeTestVpc(vpc);
    const privateLink = new PrivateLinkEndpoint(stack, 'Snowflake', { vpc, config: PrivateLinkConfig.fromJson(CONFIG_JSON) });
    const admin = new SnowflakeKeyPairSecret(stack, 'Admin', { account: 'myorg-myaccount', user: 'SVC_ADMIN', encryptionKey: key });
    new SnowflakeKeyPairSecret(stack, 'Loader', {
      account: 'myorg-myaccount', user: 'SVC_LOADER', encryptionKey: key, registration: { adminSecret: admin, privateLink, addAwsServiceEndpoints: true },
    });
    const result = runNag(app);
    expect(result.findings).toEqual([]);
    expect(result.acknowledged.filter((a) => a.path.startsWith('Linked/SnowflakeUserRegistrationProvider') && /LambdaInsideVPC/.test(a.rule))).toEqual([]);
  });

  test.each([
    [{ vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } }, /registration\.vpcSubnets is set without registration\.privateLink/],
    [{ addAwsServiceEndpoints: true }, /registration\.addAwsServiceEndpoints is set without registration\.privateLink/],
  ])('(failing case) %j without privateLink', (registration, message) => {
    expect(() => setup(registration as never)).toThrow(message);
  });

  test('(failing case) two registrations through one endpoint with different subnets', () => {
    expect(() => linked((stack, admin, pl, vpc) => {
      const [a, b] = vpc.isolatedSubnets;
      new SnowflakeKeyPairSecret(stack, 'Loader', { account: 'myorg-myaccount', user: 'SVC_LOADER', registration: { adminSecret: admin, privateLink: pl, vpcSubnets: { subnets: [a] } } });
      new SnowflakeKeyPairSecret(stack, 'Reporter', { account: 'myorg-myaccount', user: 'SVC_REPORTER', registration: { adminSecret: admin, privateLink: pl, vpcSubnets: { subnets: [b] } } });
    })).toThrow(/\[Test\/Reporter\] registration\.vpcSubnets differs from another registration through the same PrivateLink endpoint \(Test\/Snowflake\)/);
  });
});

describe('the administrators: registration\'s and the rotator are different users', () => {
  test('the same secret for rotation.adminSecret and registration.adminSecret is refused, naming both props and the fix', () => {
    const stack = testStack();
    const admin = new SnowflakeKeyPairSecret(stack, 'Admin', { account: 'myorg-myaccount', user: 'SVC_ADMIN' });
    expect(() => new SnowflakeKeyPairSecret(stack, 'Loader', {
      account: 'myorg-myaccount', user: 'SVC_LOADER', registration: { adminSecret: admin }, rotation: { adminSecret: admin },
    })).toThrow('[Test/Loader] rotation.adminSecret and registration.adminSecret are the same secret (Test/Admin): registration\'s administrator '
      + 'may create users, and the rotator, which the rotation signs in as every period, must only change this user\'s keys. Give the rotation a rotator of its own');
  });

  test('also when imported twice by the same name', () => {
    const stack = testStack();
    const a = SnowflakeKeyPairSecret.fromSecretName(stack, 'AdminA', 'snowflake/admin');
    const b = SnowflakeKeyPairSecret.fromSecretName(stack, 'AdminB', 'snowflake/admin');
    expect(() => new SnowflakeKeyPairSecret(stack, 'Loader', {
      account: 'myorg-myaccount', user: 'SVC_LOADER', registration: { adminSecret: a }, rotation: { adminSecret: b },
    })).toThrow(/rotation\.adminSecret and registration\.adminSecret are the same secret \(Test\/AdminB\)/);
  });

  test('(control) two different secrets synthesize', () => {
    const stack = testStack();
    const admin = SnowflakeKeyPairSecret.fromSecretName(stack, 'Admin', 'snowflake/admin');
    const rotator = SnowflakeKeyPairSecret.fromSecretName(stack, 'Rotator', 'snowflake/rotator');
    new SnowflakeKeyPairSecret(stack, 'Loader', {
      account: 'myorg-myaccount', user: 'SVC_LOADER', registration: { adminSecret: admin }, rotation: { adminSecret: rotator },
    });
    expect(registrations(stack)).toHaveLength(1);
  });
});
