/**
 * The AWS service endpoints: once per VPC (two interface endpoints with private DNS for one service
 * collide at deploy time), beside a VPC of the app or in the asking stack for an imported VPC; their
 * security groups have a plain description in any stack, so scanners (cdk-nag's EC27) can read it
 * and it never changes with the region.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, CfnWaitConditionHandle, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { ConnectorHandler, SnowflakeConnectorFunction, SnowflakeKeyPairSecret, SqlExecutorTransport } from '../../src';
import { ensureAwsServiceEndpoints, s3PrefixListId, SECRETS_MANAGER_ACTIONS } from '../../src/network/aws-service-endpoints';
import { ACCOUNT, CfnTemplate, logicalIdOf, secretArn, simulate, synth, vpcEndpointPolicyOf } from '../support/iam-simulate';
import { testStack } from '../support/stacks';

function descriptions(env?: { account: string; region: string }): unknown[] {
  const stack = new Stack(new App(), 'S', { env });
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'i', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  ensureAwsServiceEndpoints(stack, vpc, undefined, ['secretsmanager', 'sts', 's3']);
  return Object.values<any>(Template.fromStack(stack).findResources('AWS::EC2::SecurityGroup'))
    .map((r) => r.Properties.GroupDescription)
    .filter((d) => JSON.stringify(d).includes('interface endpoint'));
}

test.each([
  ['an environment-agnostic stack', undefined],
  ['a stack with an environment', { account: '123456789012', region: 'eu-west-1' }],
])('in %s, each endpoint security group has a literal description', (_, env) => {
  expect(descriptions(env)).toEqual([
    'secretsmanager interface endpoint: HTTPS from Snowflake connector clients only (cdk-snowflake-keypair)',
    'sts interface endpoint: HTTPS from Snowflake connector clients only (cdk-snowflake-keypair)',
  ]);
});

describe('once per VPC', () => {
  const env = { account: '123456789012', region: 'us-east-1' };
  const attrs = { vpcId: 'vpc-0123456789abcdef0', availabilityZones: ['us-east-1a'], isolatedSubnetIds: ['subnet-0123456789abcdef0'], isolatedSubnetRouteTableIds: ['rtb-0123456789abcdef0'] };
  const isolated = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
  // On the driver: Secrets Manager and S3 (the SQL API transport needs no S3: test/function/snowflake-connector-function.test.ts).
  const loaderIn = (stack: Stack, vpc: ec2.IVpc) => new SnowflakeConnectorFunction(stack, 'Loader', {
    secret: SnowflakeKeyPairSecret.fromSecretName(stack, 'Secret', 'snowflake/loader'),
    vpc,
    vpcSubnets: isolated,
    addAwsServiceEndpoints: true,
    handler: ConnectorHandler.sqlExecutor({ transport: SqlExecutorTransport.DRIVER }),
  });

  test('a VPC of the app: beside the VPC (as vpc.addInterfaceEndpoint puts them), shared by every function', () => {
    const stack = new Stack(new App(), 'S', { env });
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'i', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const [first] = ensureAwsServiceEndpoints(stack, vpc, isolated, ['secretsmanager', 's3']).interfaceEndpoints;
    const [again] = ensureAwsServiceEndpoints(stack, vpc, isolated, ['secretsmanager', 's3']).interfaceEndpoints;
    expect(again).toBe(first);
    expect(first.node.scope).toBe(vpc);
    Template.fromStack(stack).resourceCountIs('AWS::EC2::VPCEndpoint', 2); // Secrets Manager, S3
  });

  test('an imported VPC: in the asking stack, never under the imported VPC\'s construct', () => {
    const app = new App();
    const network = new Stack(app, 'Network', { env });
    new CfnWaitConditionHandle(network, 'Marker'); // a stack of its own, not empty
    const vpc = ec2.Vpc.fromVpcAttributes(network, 'Vpc', attrs);
    const loaders = new Stack(app, 'Loaders', { env });
    loaderIn(loaders, vpc);
    Template.fromStack(loaders).resourceCountIs('AWS::EC2::VPCEndpoint', 2);
    Template.fromStack(loaders).hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcId: attrs.vpcId, PrivateDnsEnabled: true });
    expect(Template.fromStack(network).findResources('AWS::EC2::VPCEndpoint')).toEqual({});
  });

  test('an imported VPC, imported twice in one stack: one set of endpoints', () => {
    const stack = new Stack(new App(), 'S', { env });
    ensureAwsServiceEndpoints(stack, ec2.Vpc.fromVpcAttributes(stack, 'VpcA', attrs), isolated, ['secretsmanager', 's3']);
    ensureAwsServiceEndpoints(stack, ec2.Vpc.fromVpcAttributes(stack, 'VpcB', attrs), isolated, ['secretsmanager', 's3']);
    Template.fromStack(stack).resourceCountIs('AWS::EC2::VPCEndpoint', 2);
  });

  test('the S3 prefix list lookup: one per stack (the region\'s), in the stack of the group that takes it, whatever the VPC', () => {
    const app = new App();
    const network = new Stack(app, 'Network', { env });
    new CfnWaitConditionHandle(network, 'Marker');
    const vpc = new ec2.Vpc(network, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'i', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const loaders = new Stack(app, 'Loaders', { env });
    const id = s3PrefixListId(new Construct(loaders, 'A'));
    expect(s3PrefixListId(new Construct(loaders, 'B'))).toBe(id);
    new ec2.SecurityGroup(loaders, 'Group', { vpc, allowAllOutbound: false }).addEgressRule(ec2.Peer.prefixList(id), ec2.Port.tcp(443));
    Template.fromStack(loaders).resourceCountIs('Custom::SnowflakeS3PrefixList', 1);
    Template.fromStack(loaders).resourceCountIs('AWS::Lambda::Function', 1); // aws-cdk-lib's provider, one per stack
    Template.fromStack(network).resourceCountIs('Custom::SnowflakeS3PrefixList', 0);
  });

  test('the S3 prefix list lookup: one of its own in each stack that asks (nothing collides, unlike endpoints)', () => {
    const app = new App();
    const first = new Stack(app, 'First', { env });
    const second = new Stack(app, 'Second', { env });
    s3PrefixListId(first);
    expect(() => s3PrefixListId(second)).not.toThrow();
    Template.fromStack(first).resourceCountIs('Custom::SnowflakeS3PrefixList', 1);
    Template.fromStack(second).resourceCountIs('Custom::SnowflakeS3PrefixList', 1);
  });

  test('(failing case) a second stack of the app asking for the same imported VPC is refused at synth, with what to do', () => {
    const app = new App();
    const network = new Stack(app, 'Network', { env });
    new CfnWaitConditionHandle(network, 'Marker');
    loaderIn(new Stack(app, 'First', { env }), ec2.Vpc.fromVpcAttributes(network, 'Vpc', attrs));
    const second = new Stack(app, 'Second', { env });
    expect(() => loaderIn(second, ec2.Vpc.fromVpcAttributes(second, 'Vpc', attrs))).toThrow(
      /^\[Second\/Loader\] The imported VPC vpc-0123456789abcdef0 already gets the secretsmanager interface endpoint from First\/Loader in stack First, and a VPC takes only one secretsmanager interface endpoint with private DNS .* Set addAwsServiceEndpoints in one stack only/);
  });
});

describe('endpoint policies: what the library\'s functions need, nothing else (evaluated with the IAM simulator)', () => {
  const OTHER_ACCOUNT = '210987654321';
  let template: CfnTemplate;
  let policyOf: (service: string) => unknown;
  beforeAll(() => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'i', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    ensureAwsServiceEndpoints(stack, vpc, undefined, ['secretsmanager', 'sts', 's3']);
    template = synth(stack);
    policyOf = (prefix) => vpcEndpointPolicyOf(template, logicalIdOf(template, 'AWS::EC2::VPCEndpoint', prefix));
  });

  /** A request by a principal allowed everything by its own policy, through the endpoint (or, as the control, not). */
  function request(service: string | undefined, action: string, resource: string, opts: { account?: string; resourcePolicy?: unknown } = {}) {
    const account = opts.account ?? ACCOUNT;
    const resourceAccount = resource.split(':')[4] || ACCOUNT;
    return simulate({
      principalArn: `arn:aws:iam::${account}:role/Workload`,
      identityPolicies: [{ name: 'Admin', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } }],
      resourcePolicy: opts.resourcePolicy,
      action,
      resourceArn: resource,
      resourceAccount,
      // Set by AWS on every request: the account of the principal.
      context: { 'aws:PrincipalAccount': account },
      ...(service ? { vpcEndpointPolicy: policyOf(service) } : {}),
    });
  }

  const SECRET = secretArn('snowflake/loader');
  test.each([
    ['secretsmanager:GetSecretValue'], ['secretsmanager:DescribeSecret'], ['secretsmanager:PutSecretValue'], ['secretsmanager:UpdateSecretVersionStage'],
  ])('Secrets Manager: %s by a principal of the account: allowed', async (action) => {
    expect(await request('VpcSnowflakeSecretsManagerEndpoint', action, SECRET)).toBe('Allowed');
  });

  test.each([
    ['secretsmanager:DeleteSecret', SECRET], ['secretsmanager:PutResourcePolicy', SECRET], ['secretsmanager:CreateSecret', SECRET],
    ['secretsmanager:ListSecrets', '*'],
  ])('Secrets Manager: %s: denied through the endpoint, allowed without it', async (action, resource) => {
    expect(await request('VpcSnowflakeSecretsManagerEndpoint', action, resource)).toBe('ImplicitlyDenied');
    expect(await request(undefined, action, resource)).toBe('Allowed');
  });

  test('Secrets Manager: a principal of another account, allowed by the secret\'s resource policy: denied through the endpoint', async () => {
    const resourcePolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OTHER_ACCOUNT}:root` }, Action: 'secretsmanager:GetSecretValue', Resource: '*' }] };
    expect(await request('VpcSnowflakeSecretsManagerEndpoint', 'secretsmanager:GetSecretValue', SECRET, { account: OTHER_ACCOUNT, resourcePolicy })).toBe('ImplicitlyDenied');
    expect(await request(undefined, 'secretsmanager:GetSecretValue', SECRET, { account: OTHER_ACCOUNT, resourcePolicy })).toBe('Allowed');
  });

  test('STS: GetCallerIdentity only', async () => {
    expect(await request('VpcSnowflakeStsEndpoint', 'sts:GetCallerIdentity', '*')).toBe('Allowed');
    const role = `arn:aws:iam::${ACCOUNT}:role/Anything`;
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' }] };
    expect(await request('VpcSnowflakeStsEndpoint', 'sts:AssumeRole', role, { resourcePolicy: trust })).toBe('ImplicitlyDenied');
    expect(await request(undefined, 'sts:AssumeRole', role, { resourcePolicy: trust })).toBe('Allowed');
  });

  test('S3: the custom-resource response PUT to CloudFormation\'s bucket (signed by CloudFormation\'s account) and reads: allowed', async () => {
    const response = 'arn:aws:s3:::cloudformation-custom-resource-response-useast1/arn%3Aaws%3Acloudformation/response';
    const bucketPolicy = (action: string, bucket: string) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: action, Resource: `arn:aws:s3:::${bucket}/*` }] });
    expect(await request('VpcSnowflakeS3Endpoint', 's3:PutObject', response, {
      account: OTHER_ACCOUNT, resourcePolicy: bucketPolicy('s3:PutObject', 'cloudformation-custom-resource-response-useast1'),
    })).toBe('Allowed');
    expect(await request('VpcSnowflakeS3Endpoint', 's3:GetObject', 'arn:aws:s3:::sfc-example-customer-stage/results/chunk_0', {
      account: OTHER_ACCOUNT, resourcePolicy: bucketPolicy('s3:GetObject', 'sfc-example-customer-stage'),
    })).toBe('Allowed');
  });

  test.each([
    ['s3:PutObject', 'arn:aws:s3:::some-other-bucket/key'],
    ['s3:DeleteObject', 'arn:aws:s3:::cloudformation-custom-resource-response-useast1/key'],
    ['s3:ListBucket', 'arn:aws:s3:::some-other-bucket'],
    ['s3:PutBucketPolicy', 'arn:aws:s3:::some-other-bucket'],
  ])('S3: %s on %s: denied through the endpoint, allowed without it', async (action, resource) => {
    expect(await request('VpcSnowflakeS3Endpoint', action, resource)).toBe('ImplicitlyDenied');
    expect(await request(undefined, action, resource)).toBe('Allowed');
  });
});

describe('the endpoint policies follow the code that runs in the VPC', () => {
  const RUNTIME = path.join(__dirname, '..', '..', 'src', 'runtime');
  /** Every .ts file under `dir`. */
  const sources = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? sources(full) : e.name.endsWith('.ts') ? [full] : [];
  });
  // The functions that run in a VPC: the connector (and the SQL executor on it, or on the SQL API), rotation and registration.
  const inVpc = ['connector', 'sql-executor', 'sql-api-executor', 'sql-api', 'rotation', 'shared'].flatMap((d) => sources(path.join(RUNTIME, d)));

  test('Secrets Manager: exactly the actions the runtime sends', () => {
    const sent = new Set(inVpc.flatMap((f) => [...fs.readFileSync(f, 'utf8').matchAll(/new (\w+)Command\(/g)].map((m) => `secretsmanager:${m[1]}`)));
    expect(inVpc.length).toBeGreaterThan(5);
    expect([...sent].sort()).toEqual([...SECRETS_MANAGER_ACTIONS].sort());
  });

  test('no other AWS SDK client runs there: STS and S3 are never called with the functions\' credentials', () => {
    const clients = new Set(sources(RUNTIME).flatMap((f) => [...fs.readFileSync(f, 'utf8').matchAll(/from '(@aws-sdk\/[a-z0-9-]+)'/g)].map((m) => m[1])));
    expect([...clients]).toEqual(['@aws-sdk/client-secrets-manager']);
  });
});
