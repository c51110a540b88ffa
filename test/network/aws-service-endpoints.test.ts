/**
 * The AWS service endpoints' security groups: a plain description in any stack, so scanners
 * (cdk-nag's EC27) can read it and it never changes with the region.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { ensureAwsServiceEndpoints } from '../../src/network/aws-service-endpoints';

function descriptions(env?: { account: string; region: string }): unknown[] {
  const stack = new Stack(new App(), 'S', { env });
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'i', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  ensureAwsServiceEndpoints(vpc, undefined, ['secretsmanager', 'sts', 's3']);
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
