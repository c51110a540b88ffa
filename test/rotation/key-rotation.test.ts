/**
 * `rotation` on SnowflakeKeyPairSecret: the schedule, the rotation function's least-privilege
 * role (evaluated offline), Secrets Manager's permission to invoke it, cdk-nag, validation.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { PrivateLinkConfig, PrivateLinkEndpoint, RetireOldKey, SnowflakeKeyPairSecret, SnowflakeKeyPairSecretProps } from '../../src';
import { ACKNOWLEDGED_RULES } from '../../src/private/acknowledgements';
import { keyArn, logicalIdOf, REGION, requestsOf, rolePolicies, secretArnInTemplate, synth } from '../support/iam-simulate';
import { acknowledgeTestVpc, nagApp, runNag } from '../support/nag';
import { CONFIG_JSON } from '../support/privatelink';
import { testStack } from '../support/stacks';

function setup(rotation: Partial<NonNullable<SnowflakeKeyPairSecretProps['rotation']>> = {}, props: Partial<SnowflakeKeyPairSecretProps> = {}) {
  const stack = testStack();
  const admin = new SnowflakeKeyPairSecret(stack, 'Rotator', { account: 'myorg-myaccount', user: 'SVC_ROTATOR' });
  const secret = new SnowflakeKeyPairSecret(stack, 'Loader', {
    account: 'myorg-myaccount', user: 'SVC_LOADER', rotation: { adminSecret: admin, ...rotation }, ...props,
  });
  new SnowflakeKeyPairSecret(stack, 'Other', { account: 'myorg-myaccount', user: 'SVC_OTHER' });
  return { stack, admin, secret };
}

describe('the schedule and the function', () => {
  test('a rotation schedule on the secret, every 30 days, not rotating at deploy, with the pre-bundled function', () => {
    const { stack } = setup();
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::SecretsManager::RotationSchedule', 1);
    t.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: { Ref: Match.stringLikeRegexp('^Loader') },
      RotationLambdaARN: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LoaderRotationFunction'), 'Arn'] },
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
      RotateImmediatelyOnUpdate: false,
    });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      LoggingConfig: Match.objectLike({ LogFormat: 'JSON' }),
      Environment: {
        Variables: {
          SNOWFLAKE_ADMIN_SECRET_ID: { Ref: Match.stringLikeRegexp('^Rotator') },
          SNOWFLAKE_RETIRE_OLD_KEY: 'next-rotation',
          // Pinned: this secret and this user only.
          SNOWFLAKE_ROTATION_SECRET_ARN: { Ref: Match.stringLikeRegexp('^Loader') },
          SNOWFLAKE_ROTATION_USER: 'SVC_LOADER',
        },
      },
    });
  });

  test('Secrets Manager may invoke it for this secret only (SourceArn)', () => {
    const t = Template.fromStack(setup().stack);
    const permissions = Object.values<any>(t.findResources('AWS::Lambda::Permission')).map((p) => p.Properties);
    expect(permissions).toEqual([{
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [expect.stringMatching(/^LoaderRotationFunction/), 'Arn'] },
      Principal: 'secretsmanager.amazonaws.com',
      SourceArn: { Ref: expect.stringMatching(/^Loader/) },
    }]);
  });

  test('options: schedule, immediate rotation, retirement, overwriting unknown keys', () => {
    const { stack } = setup({
      schedule: Duration.days(7), rotateImmediately: true, retireOldKey: RetireOldKey.immediately(), overwriteUnknownKeys: true,
    });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::SecretsManager::RotationSchedule', { RotationRules: { ScheduleExpression: 'rate(7 days)' }, RotateImmediatelyOnUpdate: true });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SNOWFLAKE_RETIRE_OLD_KEY: 'immediately', SNOWFLAKE_OVERWRITE_UNKNOWN_KEYS: 'true' }) },
    });
    t.resourceCountIs('AWS::Events::Rule', 0);
  });

  test('a grace period: an hourly schedule asks the function to retire the previous key', () => {
    const { stack } = setup({ retireOldKey: RetireOldKey.after(Duration.days(2)) });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ SNOWFLAKE_RETIRE_OLD_KEY: 'after:172800' }) } });
    t.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 hour)',
      // The check's clock is the scheduled event's time (an injected clock, not the function's own).
      Targets: [Match.objectLike({ InputTransformer: { InputPathsMap: { time: '$.time' }, InputTemplate: Match.anyValue() } })],
    });
    const template = JSON.stringify(Object.values<any>(t.findResources('AWS::Events::Rule'))[0].Properties.Targets[0].InputTransformer.InputTemplate);
    expect(template).toContain('\\"action\\":\\"retirePreviousKey\\"');
    expect(template).toContain('\\"time\\":<time>');
    t.hasResourceProperties('AWS::Lambda::Permission', { Principal: 'events.amazonaws.com', SourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('RetireOldKey'), 'Arn'] } });
  });

  test('with restrictReadToGrantees, the rotation function is one of the readers', () => {
    const { stack } = setup({}, { restrictReadToGrantees: true });
    const t = Template.fromStack(stack);
    const policy = Object.values<any>(t.findResources('AWS::SecretsManager::ResourcePolicy'))[0].Properties.ResourcePolicy;
    const allowed = JSON.stringify(policy.Statement[0].Condition.ArnNotEquals['aws:PrincipalArn']);
    expect(allowed).toMatch(/LoaderRotationRole/);
  });
});

describe('least privilege, evaluated offline', () => {
  const stack = testStack();
  const key = new kms.Key(stack, 'Key');
  const admin = new SnowflakeKeyPairSecret(stack, 'Rotator', { account: 'myorg-myaccount', user: 'SVC_ROTATOR' });
  new SnowflakeKeyPairSecret(stack, 'Loader', { account: 'myorg-myaccount', user: 'SVC_LOADER', encryptionKey: key, rotation: { adminSecret: admin } });
  new SnowflakeKeyPairSecret(stack, 'Other', { account: 'myorg-myaccount', user: 'SVC_OTHER' });
  const template = synth(stack);
  const role = rolePolicies(template, logicalIdOf(template, 'AWS::IAM::Role', 'LoaderRotationRole'));
  const own = secretArnInTemplate(template, logicalIdOf(template, 'AWS::SecretsManager::Secret', 'Loader'));
  const adminArn = secretArnInTemplate(template, logicalIdOf(template, 'AWS::SecretsManager::Secret', 'Rotator'));
  const other = secretArnInTemplate(template, logicalIdOf(template, 'AWS::SecretsManager::Secret', 'Other'));
  const keyId = logicalIdOf(template, 'AWS::KMS::Key', 'Key');
  const ownKey = keyArn(keyId);
  const request = requestsOf(template, logicalIdOf(template, 'AWS::IAM::Role', 'LoaderRotationRole'), keyId);
  const FOUR = ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'];

  test.each(FOUR)('%s on the secret it rotates: allowed', async (action) => {
    expect(await request(action, own)).toBe('Allowed');
  });

  test.each(FOUR)('%s on another secret: denied', async (action) => {
    expect(await request(action, other)).toBe('ImplicitlyDenied');
  });

  test.each([
    'secretsmanager:DeleteSecret', 'secretsmanager:PutResourcePolicy', 'secretsmanager:RotateSecret', 'secretsmanager:GetRandomPassword',
    'secretsmanager:UpdateSecret', 'secretsmanager:ListSecretVersionIds',
  ])('%s on the secret it rotates: denied (not one of the four)', async (action) => {
    expect(await request(action, action.endsWith('GetRandomPassword') ? '*' : own)).toBe('ImplicitlyDenied');
  });

  test('the admin secret: GetSecretValue at AWSCURRENT only; nothing else on it', async () => {
    expect(await request('secretsmanager:GetSecretValue', adminArn, { 'secretsmanager:VersionStage': 'AWSCURRENT' })).toBe('Allowed');
    expect(await request('secretsmanager:GetSecretValue', adminArn, { 'secretsmanager:VersionStage': 'AWSPENDING' })).toBe('ImplicitlyDenied');
    expect(await request('secretsmanager:PutSecretValue', adminArn)).toBe('ImplicitlyDenied');
    expect(await request('secretsmanager:UpdateSecretVersionStage', adminArn)).toBe('ImplicitlyDenied');
  });

  test('KMS through Secrets Manager only', async () => {
    // As Secrets Manager calls KMS for this secret: its ARN is the encryption context.
    const via = { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com`, 'kms:EncryptionContext:SecretARN': own };
    expect(await request('kms:Decrypt', ownKey, via)).toBe('Allowed');
    expect(await request('kms:GenerateDataKey', ownKey, via)).toBe('Allowed');
    expect(await request('kms:Decrypt', ownKey)).toBe('ImplicitlyDenied');
    expect(await request('kms:Decrypt', ownKey, { 'kms:ViaService': `s3.${REGION}.amazonaws.com` })).toBe('ImplicitlyDenied');
  });

  test('no statement of the role names * for a Secrets Manager action', () => {
    for (const policy of role.identityPolicies) {
      for (const statement of (policy.policy as any).Statement) {
        const actions: string[] = [].concat(statement.Action);
        if (actions.some((a) => a.startsWith('secretsmanager:'))) expect([].concat(statement.Resource)).not.toContain('*');
      }
    }
  });
});

describe('cdk-nag', () => {
  test('with rotation, the rotation rules are satisfied, not acknowledged, and nothing is found', () => {
    const app = nagApp();
    const stack = new Stack(app, 'Rotating', { env: { account: '123456789012', region: 'us-east-1' } });
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const admin = new SnowflakeKeyPairSecret(stack, 'Rotator', { account: 'myorg-myaccount', user: 'SVC_ROTATOR', encryptionKey: key });
    new SnowflakeKeyPairSecret(stack, 'Loader', { account: 'myorg-myaccount', user: 'SVC_LOADER', encryptionKey: key, rotation: { adminSecret: admin } });
    const result = runNag(app);
    const onLoader = (path: string) => path.startsWith('Rotating/Loader/');
    const rotationRules = ACKNOWLEDGED_RULES.rotation.rules.map((r) => r.slice(r.indexOf('::') + 2));
    expect(result.acknowledged.filter((a) => onLoader(a.path) && rotationRules.includes(a.rule))).toEqual([]);
    expect(result.findings).toEqual([]);
    // (control) the rotator's own secret, without rotation, has them acknowledged.
    expect(rotationRules.length).toBeGreaterThan(0);
    expect(result.acknowledged.filter((a) => a.path.startsWith('Rotating/Rotator/') && rotationRules.includes(a.rule)).length).toBe(rotationRules.length);
  });
});

describe('validation', () => {
  test.each([
    [{ schedule: Duration.hours(2) }, /rotation\.schedule is 2 hours; Secrets Manager rotates at most every 4 hours/],
    [{ schedule: Duration.days(1001) }, /rotation\.schedule is 1001 days; Secrets Manager rotates at least every 1,000 days/],
    [{ schedule: Duration.minutes(250) }, /rotation\.schedule is 4 hours 10 minutes; Secrets Manager's rate\(\) takes whole hours or days/],
    [{ retireOldKey: RetireOldKey.after(Duration.minutes(30)) }, /grace period is 30 minutes; it is checked hourly/],
    [{ retireOldKey: RetireOldKey.after(Duration.days(30)) }, /grace period \(30 days\) is not shorter than rotation\.schedule \(30 days\)/],
  ])('(failing case) %j', (rotation, message) => {
    expect(() => setup(rotation as never)).toThrow(message);
  });

  test('(passing case) the limits themselves are accepted', () => {
    expect(() => setup({ schedule: Duration.hours(4), retireOldKey: RetireOldKey.after(Duration.hours(1)) })).not.toThrow();
    expect(() => setup({ schedule: Duration.days(1000) })).not.toThrow();
    expect(() => setup({ schedule: Duration.minutes(300) })).not.toThrow();
  });
});

describe('through PrivateLink', () => {
  function privateLinkSetup(rotation: Partial<NonNullable<SnowflakeKeyPairSecretProps['rotation']>> = {}) {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'i', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const privateLink = new PrivateLinkEndpoint(stack, 'Snowflake', { vpc, config: PrivateLinkConfig.fromJson(CONFIG_JSON) });
    const admin = new SnowflakeKeyPairSecret(stack, 'Rotator', { account: 'myorg-myaccount', user: 'SVC_ROTATOR' });
    new SnowflakeKeyPairSecret(stack, 'Loader', {
      account: 'myorg-myaccount', user: 'SVC_LOADER', rotation: { adminSecret: admin, privateLink, ...rotation },
    });
    return { stack, privateLink, template: Template.fromStack(stack) };
  }

  const rotationFunction = (t: Template) => Object.entries<any>(t.findResources('AWS::Lambda::Function'))
    .find(([id]) => id.startsWith('LoaderRotationFunction'))!;

  test('the function runs in the endpoint\'s VPC, connects by the PrivateLink host, and egresses to 443 only (80 to the endpoint only)', () => {
    const { template, privateLink } = privateLinkSetup();
    const [, fn] = rotationFunction(template);
    expect(fn.Properties.VpcConfig.SubnetIds.length).toBeGreaterThan(0);
    expect(fn.Properties.Environment.Variables.SNOWFLAKE_HOST).toBe(privateLink.accountHost);
    const [sgId] = fn.Properties.VpcConfig.SecurityGroupIds[0]['Fn::GetAtt'];
    const sg = template.toJSON().Resources[sgId];
    // Secrets Manager through NAT or the VPC's own endpoint (no addAwsServiceEndpoints); OCSP through PrivateLink only (test/network/client-egress.test.ts).
    expect(sg.Properties.SecurityGroupEgress.map((r: any) => [r.FromPort, r.ToPort, r.CidrIp]).sort()).toEqual([[443, 443, '0.0.0.0/0']]);
    // The endpoint lets it in on both ports.
    const ingress = Object.values<any>(template.findResources('AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties)
      .filter((p) => p.SourceSecurityGroupId?.['Fn::GetAtt']?.[0] === sgId).map((p) => p.FromPort).sort();
    expect(ingress).toEqual([443, 80]);
  });

  describe('Lambda can create the function in the VPC (it checks the role\'s EC2 permissions at CreateFunction)', () => {
    const ENI = ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DeleteNetworkInterface',
      'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'];
    const eniRequests = (stack: Stack) => {
      const template = synth(stack);
      const roleId = logicalIdOf(template, 'AWS::IAM::Role', 'LoaderRotationRole');
      return { template, request: requestsOf(template, roleId) };
    };

    test.each(ENI)('%s on *: allowed, by a policy the function depends on', async (action) => {
      const { stack } = privateLinkSetup();
      const { template, request } = eniRequests(stack);
      expect(await request(action, '*')).toBe('Allowed');
      const [fnId] = rotationFunction(Template.fromStack(stack));
      const granting = Object.entries(template.Resources)
        .filter(([, r]) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties?.PolicyDocument).includes('ec2:CreateNetworkInterface'))
        .map(([id]) => id);
      expect(granting).toHaveLength(1);
      expect((template.Resources[fnId] as any).DependsOn).toContain(granting[0]);
    });

    test.each(ENI)('(failing case) %s: without privateLink (no VPC) the role is not given it', async (action) => {
      const { stack } = setup();
      expect(await eniRequests(stack).request(action, '*')).toBe('ImplicitlyDenied');
    });

    test('no AWS managed policy: its logs:* on * is more than the function needs', () => {
      const { template } = privateLinkSetup();
      expect(JSON.stringify(template.toJSON())).not.toContain('AWSLambdaVPCAccessExecutionRole');
    });
  });

  test('addAwsServiceEndpoints: a Secrets Manager endpoint that lets the function in', () => {
    const { template } = privateLinkSetup({ addAwsServiceEndpoints: true });
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', { ServiceName: 'com.amazonaws.us-east-1.secretsmanager', PrivateDnsEnabled: true });
    const [, fn] = rotationFunction(template);
    const [sgId] = fn.Properties.VpcConfig.SecurityGroupIds[0]['Fn::GetAtt'];
    const fromFunction = Object.values<any>(template.findResources('AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties)
      .filter((p) => p.SourceSecurityGroupId?.['Fn::GetAtt']?.[0] === sgId && p.FromPort === 443);
    expect(fromFunction.length).toBe(2); // the Snowflake endpoint and the Secrets Manager endpoint
  });

  test('(control) without privateLink the function is not in a VPC', () => {
    const { stack } = setup();
    const [, fn] = rotationFunction(Template.fromStack(stack));
    expect(fn.Properties.VpcConfig).toBeUndefined();
    expect(fn.Properties.Environment.Variables.SNOWFLAKE_HOST).toBeUndefined();
  });

  test('cdk-nag: nothing unacknowledged, and LambdaInsideVPC is not acknowledged (it holds)', () => {
    const app = nagApp();
    const stack = new Stack(app, 'Linked', { env: { account: '123456789012', region: 'us-east-1' } });
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'i', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    acknowledgeTestVpc(vpc);
    const privateLink = new PrivateLinkEndpoint(stack, 'Snowflake', { vpc, config: PrivateLinkConfig.fromJson(CONFIG_JSON) });
    const admin = new SnowflakeKeyPairSecret(stack, 'Rotator', { account: 'myorg-myaccount', user: 'SVC_ROTATOR', encryptionKey: key });
    new SnowflakeKeyPairSecret(stack, 'Loader', {
      account: 'myorg-myaccount', user: 'SVC_LOADER', encryptionKey: key, rotation: { adminSecret: admin, privateLink, addAwsServiceEndpoints: true },
    });
    const result = runNag(app);
    expect(result.findings).toEqual([]);
    expect(result.acknowledged.filter((a) => a.path.startsWith('Linked/Loader/') && /LambdaInsideVPC/.test(a.rule))).toEqual([]);
  });

  test.each([
    [{ vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } }, /rotation\.vpcSubnets is set without rotation\.privateLink/],
    [{ addAwsServiceEndpoints: true }, /rotation\.addAwsServiceEndpoints is set without rotation\.privateLink/],
  ])('(failing case) %j without privateLink', (rotation, message) => {
    expect(() => setup(rotation as never)).toThrow(message);
  });
});
