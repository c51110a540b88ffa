/**
 * The AWS service endpoints: once per VPC (two interface endpoints with private DNS for one service
 * collide at deploy time), beside a VPC of the app or in the asking stack for an imported VPC; their
 * security groups have a plain description in any stack, so scanners (cdk-nag's EC27) can read it
 * and it never changes with the region.
 */
import { App, CfnWaitConditionHandle, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { SnowflakeConnectorFunction, SnowflakeKeyPairSecret } from '../../src';
import { ensureAwsServiceEndpoints } from '../../src/network/aws-service-endpoints';

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
  const loaderIn = (stack: Stack, vpc: ec2.IVpc) => new SnowflakeConnectorFunction(stack, 'Loader', {
    secret: SnowflakeKeyPairSecret.fromSecretNameV2(stack, 'Secret', 'snowflake/loader'), vpc, vpcSubnets: isolated, addVpcEndpoints: true,
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

  test('(failing case) a second stack of the app asking for the same imported VPC is refused at synth, with what to do', () => {
    const app = new App();
    const network = new Stack(app, 'Network', { env });
    new CfnWaitConditionHandle(network, 'Marker');
    loaderIn(new Stack(app, 'First', { env }), ec2.Vpc.fromVpcAttributes(network, 'Vpc', attrs));
    const second = new Stack(app, 'Second', { env });
    expect(() => loaderIn(second, ec2.Vpc.fromVpcAttributes(second, 'Vpc', attrs))).toThrow(
      /^\[Second\/Loader\] The imported VPC vpc-0123456789abcdef0 already gets the secretsmanager interface endpoint from First\/Loader in stack First, and a VPC takes only one secretsmanager interface endpoint with private DNS .* Set addVpcEndpoints \(or addAwsServiceEndpoints\) in one stack only/);
  });
});
