import * as path from 'node:path';
import { Annotations as CdkAnnotations, CfnElement, Duration, Lazy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import {
  BindType, ConnectorHandler, PrivateLinkConfig, PrivateLinkEndpoint, SnowflakeConnectorFunction, SnowflakeConnectorFunctionProps,
  SnowflakeKeyPairSecret, SqlExecutorTransport, SqlStatement,
} from '../../src';
import { ACKNOWLEDGED_RULES } from '../../src/private/acknowledgements';
import { logicalIdOf, requestsOf, synth } from '../support/iam-simulate';
import { REPO } from '../support/lambda-process';
import { nagApp, runNag } from '../support/nag';
import { CONFIG_JSON } from '../support/privatelink';
import { testStack } from '../support/stacks';

const USER_HANDLER = path.join(REPO, 'test', 'fixtures', 'handlers');

function setup() {
  const stack = testStack();
  const secret = new SnowflakeKeyPairSecret(stack, 'Secret', { account: 'myorg-myaccount', user: 'SVC_LOADER' });
  return { stack, secret };
}

function functionOf(template: Template): any {
  const functions = template.findResources('AWS::Lambda::Function', { Properties: { Handler: Match.anyValue(), Environment: { Variables: { SNOWFLAKE_SECRET_ID: Match.anyValue() } } } });
  expect(Object.keys(functions)).toHaveLength(1);
  return Object.values(functions)[0].Properties;
}

test('defaults: the SQL executor on Node.js 24 / ARM64, the secret ARN as the only environment variable, JSON logs kept a year', () => {
  const { stack, secret } = setup();
  new SnowflakeConnectorFunction(stack, 'Loader', { secret });
  const template = Template.fromStack(stack);
  const fn = functionOf(template);
  expect(fn).toEqual(expect.objectContaining({
    Runtime: 'nodejs24.x',
    Architectures: ['arm64'],
    Handler: 'index.handler',
    MemorySize: 512,
    Timeout: 300,
    Environment: { Variables: { SNOWFLAKE_SECRET_ID: { Ref: expect.stringMatching(/^Secret/) } } },
    LoggingConfig: expect.objectContaining({ LogFormat: 'JSON', ApplicationLogLevel: 'INFO', LogGroup: { Ref: expect.stringMatching(/^LoaderLogGroup/) } }),
  }));
  expect(fn.Layers).toBeUndefined();
  expect(fn.VpcConfig).toBeUndefined();
  template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
});

test('the default role reads the secret at AWSCURRENT only, writes its own log group, and has no managed policy', () => {
  const { stack, secret } = setup();
  new SnowflakeConnectorFunction(stack, 'Loader', { secret });
  const template = Template.fromStack(stack);
  const roleId = functionOf(template).Role['Fn::GetAtt'][0];
  expect(template.toJSON().Resources[roleId].Properties.ManagedPolicyArns).toBeUndefined();
  const policies = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }));
  const statements = policies.flatMap((p: any) => p.Properties.PolicyDocument.Statement);
  expect(statements).toEqual(expect.arrayContaining([
    expect.objectContaining({
      Action: 'secretsmanager:GetSecretValue',
      Resource: { Ref: expect.stringMatching(/^Secret/) },
      Condition: { StringEquals: { 'secretsmanager:VersionStage': ['AWSCURRENT'] } },
    }),
    expect.objectContaining({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [expect.stringMatching(/^LoaderLogGroup/), 'Arn'] } }),
  ]));
  expect(JSON.stringify(statements)).not.toContain('"*"');
});

test('a role of yours is granted read on the secret instead', () => {
  const { stack, secret } = setup();
  const role = new iam.Role(stack, 'Mine', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  const fn = new SnowflakeConnectorFunction(stack, 'Loader', { secret, role });
  expect(fn.role).toBe(role);
  const template = Template.fromStack(stack);
  expect(functionOf(template).Role).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Mine/), 'Arn'] });
  template.hasResourceProperties('AWS::IAM::Policy', {
    Roles: [{ Ref: Match.stringLikeRegexp('^Mine') }],
    PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'secretsmanager:GetSecretValue' })]) },
  });
  template.resourceCountIs('AWS::IAM::Role', 2); // yours, and the key-material function's
});

test('your own handler gets the connector layer, one per stack', () => {
  const { stack, secret } = setup();
  new SnowflakeConnectorFunction(stack, 'A', { secret, handler: ConnectorHandler.fromAsset(USER_HANDLER, 'connector-probe.handler') });
  new SnowflakeConnectorFunction(stack, 'B', { secret, handler: ConnectorHandler.fromCode(lambda.Code.fromAsset(USER_HANDLER), 'connector-probe.handler') });
  const template = Template.fromStack(stack);
  template.resourceCountIs('AWS::Lambda::LayerVersion', 1);
  template.hasResourceProperties('AWS::Lambda::LayerVersion', { CompatibleRuntimes: ['nodejs24.x'], CompatibleArchitectures: ['arm64'] });
  const functions = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'connector-probe.handler' } }));
  expect(functions).toHaveLength(2);
  for (const f of functions) expect((f as any).Properties.Layers).toEqual([{ Ref: expect.stringMatching(/^SnowflakeConnectorLayer/) }]);
});

test('options: memory, timeout, statement timeout, environment, concurrency, tracing, DLQ and failure destination', () => {
  const { stack, secret } = setup();
  const dlq = new sqs.Queue(stack, 'Dlq');
  const failures = new sqs.Queue(stack, 'Failures');
  new SnowflakeConnectorFunction(stack, 'Loader', {
    secret,
    memorySize: 1024,
    timeout: Duration.minutes(10),
    statementTimeout: Duration.minutes(8),
    environment: { TARGET_TABLE: 'RAW.EVENTS' },
    reservedConcurrentExecutions: 5,
    tracing: lambda.Tracing.ACTIVE,
    deadLetterQueue: dlq,
    onFailure: { bind: () => ({ destination: failures.queueArn }) },
    retryAttempts: 0,
    functionName: 'snowflake-loader',
    logRetention: logs.RetentionDays.ONE_MONTH,
  });
  const template = Template.fromStack(stack);
  expect(functionOf(template)).toEqual(expect.objectContaining({
    FunctionName: 'snowflake-loader',
    MemorySize: 1024,
    Timeout: 600,
    ReservedConcurrentExecutions: 5,
    TracingConfig: { Mode: 'Active' },
    DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [expect.stringMatching(/^Dlq/), 'Arn'] } },
    Environment: { Variables: { TARGET_TABLE: 'RAW.EVENTS', SNOWFLAKE_SECRET_ID: expect.anything(), SNOWFLAKE_STATEMENT_TIMEOUT_SECONDS: '480' } },
  }));
  template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
    MaximumRetryAttempts: 0,
    DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Failures'), 'Arn'] } } },
  });
  template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
});

describe('in a VPC', () => {
  function vpcSetup(subnetConfiguration?: ec2.SubnetConfiguration[]) {
    const { stack, secret } = setup();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: subnetConfiguration ?? [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    return { stack, secret, vpc };
  }

  // OCSP (port 80) is the driver's: the SQL executor on the SQL API sends with Node's fetch, which asks no OCSP responder (docs/security.md).
  test.each<[string, Partial<SnowflakeConnectorFunctionProps>, number[]]>([
    ['the SQL executor on the SQL API (the default): 443 only', {}, [443]],
    ['the SQL executor on the driver: 443 and 80 (OCSP)', { handler: ConnectorHandler.sqlExecutor({ transport: SqlExecutorTransport.DRIVER }) }, [443, 80]],
    ['your own handler (the driver in its layer): 443 and 80', { handler: ConnectorHandler.fromAsset(path.join(REPO, 'test', 'fixtures', 'handlers')) }, [443, 80]],
    ['the SQL API with allowOcspEgress: true: 443 and 80', { allowOcspEgress: true }, [443, 80]],
    ['the driver with allowOcspEgress: false: 443 only', { handler: ConnectorHandler.sqlExecutor({ transport: SqlExecutorTransport.DRIVER }), allowOcspEgress: false }, [443]],
  ])('the default security group: %s; connections are exposed', (_what, props, ports) => {
    const { stack, secret, vpc } = vpcSetup();
    const fn = new SnowflakeConnectorFunction(stack, 'Loader', { secret, vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }, ...props });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('SnowflakeConnectorFunction'),
      SecurityGroupEgress: ports.map((port) => Match.objectLike({ CidrIp: '0.0.0.0/0', FromPort: port, ToPort: port, IpProtocol: 'tcp' })),
    });
    expect(functionOf(template).VpcConfig.SubnetIds).toHaveLength(2);
    expect(fn.connections.securityGroups).toHaveLength(1);
  });

  describe('Lambda can create the function (it checks the role\'s EC2 permissions at CreateFunction)', () => {
    const ENI = ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DeleteNetworkInterface',
      'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'];
    /** The function's role's requests, and whether the function depends on the policy granting the EC2 actions. */
    function eni(build: (stack: Stack, secret: SnowflakeKeyPairSecret, vpc: ec2.IVpc) => void) {
      const { stack, secret, vpc } = vpcSetup();
      build(stack, secret, vpc);
      const template = synth(stack);
      const fnId = Object.keys(template.Resources).find((id) => template.Resources[id].Type === 'AWS::Lambda::Function'
        && (template.Resources[id].Properties as any)?.Environment?.Variables?.SNOWFLAKE_SECRET_ID)!;
      const roleId = ((template.Resources[fnId].Properties as any).Role['Fn::GetAtt'] as string[])[0];
      const granting = Object.keys(template.Resources).filter((id) => template.Resources[id].Type === 'AWS::IAM::Policy'
        && JSON.stringify(template.Resources[id].Properties?.PolicyDocument).includes('ec2:CreateNetworkInterface'));
      const dependsOn = ((template.Resources[fnId] as any).DependsOn ?? []) as string[];
      return { request: requestsOf(template, roleId), dependsOn, granting, template };
    }
    const inVpc = (role?: iam.IRole) => (stack: Stack, secret: SnowflakeKeyPairSecret, vpc: ec2.IVpc) => {
      new SnowflakeConnectorFunction(stack, 'Loader', { secret, vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }, role });
    };

    test.each(ENI)('%s on *: allowed to the default role, by an inline policy the function depends on', async (action) => {
      const { request, dependsOn, granting, template } = eni(inVpc());
      expect(await request(action, '*')).toBe('Allowed');
      expect(granting).toHaveLength(1);
      expect(dependsOn).toContain(granting[0]);
      expect(JSON.stringify(template)).not.toContain('AWSLambdaVPCAccessExecutionRole');
    });

    test.each(ENI)('%s on *: allowed to a role of yours as well', async (action) => {
      const { request, dependsOn, granting } = eni((stack, secret, vpc) => {
        inVpc(new iam.Role(stack, 'Mine', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }))(stack, secret, vpc);
      });
      expect(await request(action, '*')).toBe('Allowed');
      expect(dependsOn).toContain(granting[0]);
    });

    test('an imported role gets the inline policy too (aws-cdk-lib adds nothing to roles it did not create)', () => {
      const { stack, secret, vpc } = vpcSetup();
      inVpc(iam.Role.fromRoleArn(stack, 'Imported', 'arn:aws:iam::123456789012:role/loader'))(stack, secret, vpc);
      Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
        Roles: ['loader'],
        PolicyDocument: { Statement: [Match.objectLike({ Action: Match.arrayWith(ENI), Resource: '*' })] },
      });
    });

    test.each(ENI)('(failing case) %s: outside a VPC the role is not given it', async (action) => {
      const { stack, secret } = setup();
      new SnowflakeConnectorFunction(stack, 'Loader', { secret });
      const template = synth(stack);
      expect(await requestsOf(template, logicalIdOf(template, 'AWS::IAM::Role', 'LoaderRole'))(action, '*')).toBe('ImplicitlyDenied');
    });
  });

  test('allowOcspEgress: false leaves 443 only', () => {
    const { stack, secret, vpc } = vpcSetup();
    new SnowflakeConnectorFunction(stack, 'Loader', { secret, vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }, allowOcspEgress: false });
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupEgress: [Match.objectLike({ FromPort: 443, ToPort: 443 })],
    });
  });

  test.each<[string, SqlExecutorTransport, boolean]>([
    ['the driver: a Secrets Manager interface endpoint open to the function, and an S3 gateway endpoint (large results)', SqlExecutorTransport.DRIVER, true],
    ['the SQL API: the Secrets Manager interface endpoint only (every partition comes from Snowflake\'s host)', SqlExecutorTransport.SQL_API, false],
  ])('addAwsServiceEndpoints, the SQL executor on %s', (_what, transport, s3) => {
    const { stack, secret, vpc } = vpcSetup();
    new SnowflakeConnectorFunction(stack, 'Loader', {
      secret,
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      addAwsServiceEndpoints: true,
      handler: ConnectorHandler.sqlExecutor({ transport }),
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', { ServiceName: 'com.amazonaws.us-east-1.secretsmanager', VpcEndpointType: 'Interface', PrivateDnsEnabled: true });
    template.resourcePropertiesCountIs('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway', ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.s3']] } }, s3 ? 1 : 0);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 443,
      ToPort: 443,
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LoaderSecurityGroup'), 'GroupId'] },
    });
  });
});

test('metrics name the function', () => {
  const { stack, secret } = setup();
  const fn = new SnowflakeConnectorFunction(stack, 'Loader', { secret });
  expect(fn.metricErrors().metricName).toBe('Errors');
  expect(fn.metricDuration().metricName).toBe('Duration');
  expect(stack.resolve(fn.metricErrors().dimensions)).toEqual({ FunctionName: stack.resolve(fn.functionName) });
});

describe('validation', () => {
  const isolated: ec2.SubnetConfiguration[] = [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }];
  test.each<[string, (s: ReturnType<typeof setup>) => Partial<SnowflakeConnectorFunctionProps>, RegExp]>([
    ['vpcSubnets without vpc', () => ({ vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } }), /\[Test\/Loader\] vpcSubnets is set without vpc: give the VPC too/],
    ['securityGroups without vpc', ({ stack }) => ({ securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-12345678')] }), /securityGroups is set without vpc/],
    ['addAwsServiceEndpoints without vpc', () => ({ addAwsServiceEndpoints: true }), /addAwsServiceEndpoints is true without vpc/],
    ['a VPC with no subnet selected', ({ stack }) => ({ vpc: new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: isolated }), vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } }), /vpcSubnets selects no subnets of the VPC/],
    ['a VPC with subnets filtered to none', ({ stack }) => ({ vpc: new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: isolated }), vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC, availabilityZones: ['eu-west-1a'] } }), /vpcSubnets selects no subnets/],
    ['reserved concurrency 0', () => ({ reservedConcurrentExecutions: 0 }), /reservedConcurrentExecutions is 0; it must be a whole number of at least 1/],
    ['memory below Lambda\'s minimum', () => ({ memorySize: 64 }), /memorySize is 64; Lambda allows 128 to 10240 MiB/],
    ['retryAttempts 3', () => ({ retryAttempts: 3 }), /retryAttempts is 3; Lambda allows 0, 1 or 2/],
    ['the secret id in environment', () => ({ environment: { SNOWFLAKE_SECRET_ID: 'x' } }),
      /^\[Test\/Loader\] environment sets SNOWFLAKE_SECRET_ID: names starting with SNOWFLAKE_ are reserved for cdk-snowflake-keypair's runtime, and the construct sets it itself from secret\. Remove it\.$/],
    ['the statement timeout in environment', () => ({ environment: { SNOWFLAKE_STATEMENT_TIMEOUT_SECONDS: '60' } }), /sets SNOWFLAKE_STATEMENT_TIMEOUT_SECONDS: .* from statementTimeout\. Remove it\./],
    ['the executor\'s declaration in environment', () => ({ environment: { SNOWFLAKE_SQL_EXECUTOR: '{"anySql":true}' } }),
      /sets SNOWFLAKE_SQL_EXECUTOR: .* from ConnectorHandler\.sqlExecutor\(\{ statements \}\)\. Remove it\./],
    ['an endpoint override in environment', () => ({ environment: { SNOWFLAKE_ENDPOINT_URL: 'http://proxy.example.com' } }),
      /sets SNOWFLAKE_ENDPOINT_URL: .*it sends every Snowflake request, with the login JWT, to another address.*fn\.function\.addEnvironment\(\) \(https:\/\/ only\)/],
    ['another name under the reserved prefix', () => ({ environment: { SNOWFLAKE_TABLE: 'RAW.EVENTS' } }),
      /environment sets SNOWFLAKE_TABLE: names starting with SNOWFLAKE_ are reserved .*could collide with one of ours\. Rename it \(for example APP_TABLE\)\./],
    ['a lower-case name under the prefix', () => ({ environment: { snowflake_metrics: 'off' } }), /environment sets snowflake_metrics: names starting with SNOWFLAKE_ are reserved/],
    ['key material in environment', () => ({ environment: { PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----' } }), /environment\.PRIVATE_KEY looks like key material/],
    ['allowOcspEgress with your own security groups', ({ stack }) => {
      const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'i', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
      return { vpc, securityGroups: [new ec2.SecurityGroup(stack, 'Sg', { vpc })], allowOcspEgress: false };
    }, /allowOcspEgress applies to the default security group only/],
  ])('%s is refused with a message naming the prop', (_what, props, message) => {
    const s = setup();
    expect(() => new SnowflakeConnectorFunction(s.stack, 'Loader', { secret: s.secret, ...props(s) })).toThrow(message);
  });

  test('(passing cases) the same props, set right, are accepted', () => {
    const s = setup();
    const vpc = new ec2.Vpc(s.stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'i', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    expect(() => new SnowflakeConnectorFunction(s.stack, 'Loader', {
      secret: s.secret,
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      addAwsServiceEndpoints: true,
      reservedConcurrentExecutions: 1,
      memorySize: 128,
      retryAttempts: 2,
      environment: { TABLE: 'RAW.EVENTS', APP_SNOWFLAKE_TABLE: 'RAW.EVENTS', SNOWFLAKETABLE: 'x' },
    })).not.toThrow();
  });
});

describe('through PrivateLink', () => {
  const plSetup = () => {
    const s = setup();
    const vpc = new ec2.Vpc(s.stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'i', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const privateLink = new PrivateLinkEndpoint(s.stack, 'PrivateLink', { vpc, config: PrivateLinkConfig.fromJson(CONFIG_JSON), addAwsServiceEndpoints: true });
    return { ...s, vpc, privateLink };
  };

  // The endpoint lets in on 80 (OCSP) only a function that asks OCSP responders: the driver, in the SQL executor or a custom handler's layer.
  test.each<[string, Partial<SnowflakeConnectorFunctionProps>, number[]]>([
    ['the SQL executor on the SQL API (the default): exactly 443', {}, [443]],
    ['(failing case) the SQL executor on the driver: exactly 443 and 80', { handler: ConnectorHandler.sqlExecutor({ transport: SqlExecutorTransport.DRIVER }) }, [443, 80]],
    ['(failing case) your own handler (the driver in its layer): exactly 443 and 80', { handler: ConnectorHandler.fromAsset(USER_HANDLER) }, [443, 80]],
  ])('runs in the endpoint\'s VPC, connects by the PrivateLink host, and is let in on the ports it uses: %s', (_what, props, ports) => {
    const { stack, secret, privateLink } = plSetup();
    new SnowflakeConnectorFunction(stack, 'Loader', { secret, privateLink, addAwsServiceEndpoints: true, ...props });
    const template = Template.fromStack(stack);
    const fn = functionOf(template);
    expect(fn.Environment.Variables).toEqual({ SNOWFLAKE_SECRET_ID: expect.anything(), SNOWFLAKE_HOST: 'xy12345.us-east-1.privatelink.snowflakecomputing.com' });
    expect(fn.VpcConfig.SubnetIds).toHaveLength(3);
    const fnGroup = fn.VpcConfig.SecurityGroupIds[0]['Fn::GetAtt'][0];
    const endpointGroup = stack.getLogicalId(privateLink.securityGroup.node.defaultChild as CfnElement);
    const ingress = Object.values<any>(template.findResources('AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties)
      .filter((r) => r.GroupId['Fn::GetAtt'][0] === endpointGroup);
    expect(ingress.map((r) => [r.FromPort, r.ToPort, r.IpProtocol, r.SourceSecurityGroupId['Fn::GetAtt'][0]]).sort())
      .toEqual(ports.map((port) => [port, port, 'tcp', fnGroup]).sort());
    // Nothing anywhere lets 0.0.0.0/0 in.
    for (const group of Object.values<any>(template.findResources('AWS::EC2::SecurityGroup'))) {
      expect(group.Properties.SecurityGroupIngress ?? []).toEqual([]);
    }
    expect(Object.values<any>(template.findResources('AWS::EC2::SecurityGroupIngress')).filter((r) => r.Properties.CidrIp)).toEqual([]);
    // The function's and the endpoint's AWS service endpoints are one set, not two.
    template.resourcePropertiesCountIs('AWS::EC2::VPCEndpoint', { ServiceName: 'com.amazonaws.us-east-1.secretsmanager' }, 1);
    template.resourcePropertiesCountIs('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway' }, 1);
  });

  test('(failing case) a vpc other than the endpoint\'s', () => {
    const { stack, secret, privateLink } = plSetup();
    const other = new ec2.Vpc(stack, 'Other', { natGateways: 0, subnetConfiguration: [{ name: 'i', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    expect(() => new SnowflakeConnectorFunction(stack, 'Loader', { secret, privateLink, vpc: other }))
      .toThrow('[Test/Loader] vpc is not the VPC of privateLink (Test/PrivateLink): a function reaches an interface endpoint from its own VPC only.');
    // (passing case) the same VPC, given again, is fine.
    expect(() => new SnowflakeConnectorFunction(stack, 'Same', { secret, privateLink, vpc: privateLink.vpc })).not.toThrow();
  });

  test('(failing case) SNOWFLAKE_HOST in environment', () => {
    const { stack, secret } = setup();
    expect(() => new SnowflakeConnectorFunction(stack, 'Loader', { secret, environment: { SNOWFLAKE_HOST: 'x.privatelink.snowflakecomputing.com' } }))
      .toThrow('[Test/Loader] environment sets SNOWFLAKE_HOST: names starting with SNOWFLAKE_ are reserved for cdk-snowflake-keypair\'s runtime, '
        + 'and the construct sets it itself from privateLink. Remove it.');
  });
});

describe('a statement timeout that is not below the function\'s timeout', () => {
  const warningsOf = (stack: Stack) => Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('statementTimeout'));

  test('is warned about, naming both values, the consequence and the fix', () => {
    const { stack, secret } = setup();
    new SnowflakeConnectorFunction(stack, 'Loader', { secret, statementTimeout: Duration.minutes(5) });
    const warnings = warningsOf(stack);
    expect(warnings).toHaveLength(1);
    expect(warnings[0].id).toBe('/Test/Loader');
    expect(String(warnings[0].entry.data)).toMatch(/^statementTimeout \(300 s\) is not below the function's timeout \(300 s\): Lambda stops the invocation first, and Snowflake goes on running the statement in the warehouse\. Set statementTimeout below timeout/);
  });

  test('(passing case) below the timeout, or not set, gives no warning', () => {
    const { stack, secret } = setup();
    new SnowflakeConnectorFunction(stack, 'Below', { secret, statementTimeout: Duration.seconds(290) });
    new SnowflakeConnectorFunction(stack, 'Longer', { secret, timeout: Duration.minutes(15), statementTimeout: Duration.minutes(14) });
    new SnowflakeConnectorFunction(stack, 'Unset', { secret });
    expect(warningsOf(stack)).toEqual([]);
  });

  test('can be acknowledged, for statements meant to outlive the invocation (executeAsync)', () => {
    const build = (acknowledged: boolean) => {
      const { stack, secret } = setup();
      const fn = new SnowflakeConnectorFunction(stack, 'Async', { secret, timeout: Duration.minutes(1), statementTimeout: Duration.hours(2) });
      if (acknowledged) CdkAnnotations.of(fn).acknowledgeWarning('cdk-snowflake-keypair:statementTimeoutNotBelowTimeout', 'Async statements run for up to two hours');
      return warningsOf(stack);
    };
    expect(build(false)).toHaveLength(1);
    expect(build(true)).toEqual([]);
  });
});

describe('cdk-nag acknowledgements follow your choices', () => {
  test('with every choice made, only what no choice avoids is acknowledged (wildcards AWS requires, inline policies), and nothing is found', () => {
    const app = nagApp();
    const stack = new Stack(app, 'Chosen', { env: { account: '123456789012', region: 'us-east-1' } });
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const secret = new SnowflakeKeyPairSecret(stack, 'Secret', { account: 'myorg-myaccount', user: 'SVC', encryptionKey: key });
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'i', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const logGroup = new logs.LogGroup(stack, 'Logs', { encryptionKey: key, retention: logs.RetentionDays.ONE_YEAR });
    key.grantEncryptDecrypt(new iam.ServicePrincipal('logs.us-east-1.amazonaws.com'));
    new SnowflakeConnectorFunction(stack, 'Loader', {
      secret,
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      logGroup,
      reservedConcurrentExecutions: 2,
      deadLetterQueue: new sqs.Queue(stack, 'Dlq', { enforceSSL: true, encryptionMasterKey: key }),
      tracing: lambda.Tracing.ACTIVE,
    });
    const result = runNag(app);
    const onFunction = (where: string) => where.startsWith('Chosen/Loader/');
    expect(result.acknowledged.filter((a) => onFunction(a.path) && !/IAMNoInlinePolicy/.test(a.rule)).map((a) => a.rule).sort()).toEqual([
      'AwsSolutions-IAM5[Resource::*]', // the network interfaces (VpcAccessPolicy)
      'AwsSolutions-IAM5[Resource::*]', // X-Ray
    ]);
    expect(result.findings.filter((f) => onFunction(f.path))).toEqual([]);
  });

  test('an on-failure destination (and no DLQ) satisfies the DLQ rules with their own reason; without it they are findings', () => {
    const build = (withDestination: boolean) => {
      const app = nagApp();
      const stack = new Stack(app, 'Async', { env: { account: '123456789012', region: 'us-east-1' } });
      const secret = new SnowflakeKeyPairSecret(stack, 'Secret', { account: 'myorg-myaccount', user: 'SVC' });
      const fn = new SnowflakeConnectorFunction(stack, 'Loader', {
        secret,
        ...(withDestination ? { onFailure: new destinations.SqsDestination(new sqs.Queue(stack, 'Failed', { enforceSSL: true })) } : {}),
      });
      return { result: runNag(app), fn };
    };
    const dlqRules = ['NIST.800.53.R5-LambdaDLQ', 'HIPAA.Security-LambdaDLQ', 'Serverless-LambdaDLQ'];
    const withDestination = build(true).result;
    const onFunction = withDestination.acknowledged.filter((a) => a.path.startsWith('Async/Loader/') && dlqRules.includes(a.rule));
    expect(onFunction.map((a) => a.rule).sort()).toEqual([...dlqRules].sort());
    expect(new Set(onFunction.map((a) => a.reason))).toEqual(new Set([ACKNOWLEDGED_RULES.connectorOnFailure.reason]));
    expect(withDestination.findings.filter((f) => f.path.startsWith('Async/Loader/'))).toEqual([]);

    // (failing case) the same function built by hand with no acknowledgement: the rules fire.
    const app = nagApp();
    const stack = new Stack(app, 'Bare', { env: { account: '123456789012', region: 'us-east-1' } });
    new lambda.Function(stack, 'Fn', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => 1'),
      onFailure: new destinations.SqsDestination(new sqs.Queue(stack, 'Failed', { enforceSSL: true })),
    });
    const bare = runNag(app).findings.filter((f) => f.path.startsWith('Bare/Fn/')).map((f) => f.rule);
    expect(bare).toEqual(expect.arrayContaining(dlqRules));
  });

  test('(control) with the defaults, the same rules are acknowledged on the function, with reasons', () => {
    const app = nagApp();
    const stack = new Stack(app, 'Defaults', { env: { account: '123456789012', region: 'us-east-1' } });
    const secret = new SnowflakeKeyPairSecret(stack, 'Secret', { account: 'myorg-myaccount', user: 'SVC' });
    new SnowflakeConnectorFunction(stack, 'Loader', { secret });
    const result = runNag(app);
    const rules = new Set(result.acknowledged.filter((a) => a.path.startsWith('Defaults/Loader/')).map((a) => a.rule));
    expect([...rules]).toEqual(expect.arrayContaining([
      'NIST.800.53.R5-CloudWatchLogGroupEncrypted', 'NIST.800.53.R5-LambdaInsideVPC', 'NIST.800.53.R5-LambdaConcurrency',
      'NIST.800.53.R5-LambdaDLQ', 'Serverless-LambdaTracing',
    ]));
    expect(result.findings.filter((f) => f.path.startsWith('Defaults/Loader/'))).toEqual([]);
  });
});

describe('the SQL executor runs only what was declared', () => {
  const MERGE = 'MERGE INTO CUSTOMERS C USING (SELECT ? AS ID, ? AS NAME) S ON C.ID = S.ID WHEN MATCHED THEN UPDATE SET NAME = S.NAME';
  const executorWarnings = (stack: Stack) => Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('SQL executor'));
  const variablesOf = (stack: Stack) => functionOf(Template.fromStack(stack)).Environment.Variables;

  test('declared statements reach the function in its environment: names sorted, binds typed, nothing secret', () => {
    const { stack, secret } = setup();
    new SnowflakeConnectorFunction(stack, 'Loader', {
      secret,
      handler: ConnectorHandler.sqlExecutor({
        statements: {
          mergeCustomer: SqlStatement.of(MERGE, { binds: [BindType.NUMBER, BindType.nullable(BindType.TEXT)] }),
          countCustomers: SqlStatement.of('SELECT COUNT(*) AS N FROM CUSTOMERS'),
          setActive: SqlStatement.of('UPDATE T SET ACTIVE = :1 WHERE ID = :2 AND NOTE <> \'?\' -- why?', { binds: [BindType.BOOLEAN, BindType.NUMBER] }),
        },
      }),
    });
    const variables = variablesOf(stack);
    expect(Object.keys(variables).sort()).toEqual(['SNOWFLAKE_SECRET_ID', 'SNOWFLAKE_SQL_EXECUTOR']);
    expect(variables.SNOWFLAKE_SQL_EXECUTOR).toBe(JSON.stringify({
      statements: {
        countCustomers: { sql: 'SELECT COUNT(*) AS N FROM CUSTOMERS' },
        mergeCustomer: { sql: MERGE, binds: ['NUMBER', 'TEXT?'] },
        setActive: { sql: 'UPDATE T SET ACTIVE = :1 WHERE ID = :2 AND NOTE <> \'?\' -- why?', binds: ['BOOLEAN', 'NUMBER'] },
      },
    }));
    expect(executorWarnings(stack)).toEqual([]);
  });

  test('the environment is the same whatever order the statements are declared in (users snapshot their templates)', () => {
    const build = (names: string[]) => {
      const { stack, secret } = setup();
      const statements = Object.fromEntries(names.map((n) => [n, SqlStatement.of(`SELECT '${n}'`)]));
      new SnowflakeConnectorFunction(stack, 'Loader', { secret, handler: ConnectorHandler.sqlExecutor({ statements, eventBridgeDetail: true }) });
      return variablesOf(stack).SNOWFLAKE_SQL_EXECUTOR;
    };
    expect(build(['b', 'a', 'c'])).toBe(build(['c', 'b', 'a']));
    expect(JSON.parse(build(['b', 'a']))).toEqual({ statements: { a: { sql: "SELECT 'a'" }, b: { sql: "SELECT 'b'" } }, eventBridgeDetail: true });
  });

  test('no statements: the function runs nothing, and a warning says how to declare them; it can be acknowledged', () => {
    const build = (acknowledged: boolean) => {
      const { stack, secret } = setup();
      const fn = new SnowflakeConnectorFunction(stack, 'Loader', { secret });
      if (acknowledged) CdkAnnotations.of(fn).acknowledgeWarning('cdk-snowflake-keypair:sqlExecutorRunsNothing', 'placeholder');
      return { stack, warnings: executorWarnings(stack) };
    };
    const { stack, warnings } = build(false);
    expect(Object.keys(variablesOf(stack))).toEqual(['SNOWFLAKE_SECRET_ID']);
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0].entry.data)).toMatch(/^The SQL executor has no declared statements, so it refuses every event\. Declare the statements .*ConnectorHandler\.sqlExecutor\(\{ statements: /);
    expect(build(true).warnings).toEqual([]);
  });

  test('allowAnySql is an explicit opt-in, with a warning that says what it means; it can be acknowledged', () => {
    const build = (acknowledged: boolean) => {
      const { stack, secret } = setup();
      const fn = new SnowflakeConnectorFunction(stack, 'Loader', { secret, handler: ConnectorHandler.sqlExecutor({ allowAnySql: true }) });
      if (acknowledged) CdkAnnotations.of(fn).acknowledgeWarning('cdk-snowflake-keypair:sqlExecutorRunsAnySql', 'Only the ops team may invoke it');
      return { stack, warnings: executorWarnings(stack) };
    };
    const { stack, warnings } = build(false);
    expect(variablesOf(stack).SNOWFLAKE_SQL_EXECUTOR).toBe('{"anySql":true}');
    expect(warnings).toHaveLength(1);
    expect(warnings[0].id).toBe('/Test/Loader');
    expect(String(warnings[0].entry.data)).toMatch(/^The SQL executor runs SQL text from its events \(allowAnySql: true\): whoever may invoke this function may run any statement the secret's Snowflake user may run, such as USE ROLE, ALTER USER \.\.\. ADD PROGRAMMATIC ACCESS TOKEN .*restrictReadToGrantees.*acknowledgeWarning\('cdk-snowflake-keypair:sqlExecutorRunsAnySql'/);
    expect(build(true).warnings).toEqual([]);
  });

  test('your own handler gets no executor declaration and no executor warning', () => {
    const { stack, secret } = setup();
    new SnowflakeConnectorFunction(stack, 'Loader', { secret, handler: ConnectorHandler.fromAsset(USER_HANDLER) });
    expect(Object.keys(variablesOf(stack))).toEqual(['SNOWFLAKE_SECRET_ID']);
    expect(executorWarnings(stack)).toEqual([]);
  });

  test.each<[string, () => { [name: string]: SqlStatement }, RegExp]>([
    ['a name with a space', () => ({ 'merge customers': SqlStatement.of('SELECT 1') }), /^\[Test\/Loader\] statements has the name "merge customers"; names are letters, digits and underscores/],
    ['a name from a number', () => ({ '1st': SqlStatement.of('SELECT 1') }), /statements has the name "1st"/],
    ['fewer bind types than placeholders', () => ({ merge: SqlStatement.of(MERGE, { binds: [BindType.NUMBER] }) }),
      /^\[Test\/Loader\] statements\.merge has 2 bind placeholder\(s\) in its SQL and 1 bind type\(s\) \(NUMBER\)\. Give one BindType in binds for each \? placeholder, in order\.$/],
    ['bind types for a statement without placeholders', () => ({ count: SqlStatement.of("SELECT COUNT(*) FROM T WHERE NOTE = '?'", { binds: [BindType.TEXT] }) }),
      /statements\.count has 0 bind placeholder\(s\) in its SQL and 1 bind type\(s\) \(TEXT\)/],
    ['both placeholder styles', () => ({ mixed: SqlStatement.of('SELECT ? , :1', { binds: [BindType.TEXT, BindType.TEXT] }) }), /statements\.mixed mixes \? and :n placeholders/],
    ['empty SQL', () => ({ empty: SqlStatement.of('  ') }), /statements\.empty has empty SQL/],
    ['SQL that is a token', () => ({ tokened: SqlStatement.of(`SELECT * FROM ${Lazy.string({ produce: () => 'T' })}`) }),
      /statements\.tokened has SQL that is a token; declared SQL must be a literal/],
    ['more SQL than Lambda\'s 4 KB environment holds', () => ({ big: SqlStatement.of(`SELECT '${'x'.repeat(4000)}'`) }),
      /^\[Test\/Loader\] The function's environment is about \d+ bytes, over Lambda's 4096-byte limit \(names and values together\); its declared statements take \d+ bytes \(SNOWFLAKE_SQL_EXECUTOR\)\. Move long SQL into Snowflake/],
  ])('(failing case) %s is refused at synth, naming the statement and the fix', (_what, statements, message) => {
    const { stack, secret } = setup();
    expect(() => new SnowflakeConnectorFunction(stack, 'Loader', { secret, handler: ConnectorHandler.sqlExecutor({ statements: statements() }) })).toThrow(message);
  });

  test('(passing case) placeholders in literals, quoted identifiers and comments do not count; SQL near the limit fits', () => {
    const { stack, secret } = setup();
    expect(() => new SnowflakeConnectorFunction(stack, 'Loader', {
      secret,
      handler: ConnectorHandler.sqlExecutor({
        statements: {
          quoted: SqlStatement.of('SELECT \'it\'\'s ?\', "WHY?", $$ ? $$ FROM T /* ? */ WHERE ID = ? // ?\n AND X = ?', { binds: [BindType.NUMBER, BindType.TEXT] }),
          long: SqlStatement.of(`SELECT '${'x'.repeat(3000)}'`),
        },
      }),
    })).not.toThrow();
  });
});
