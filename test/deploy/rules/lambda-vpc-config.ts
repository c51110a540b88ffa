import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DeployRule, DeployTemplate, findingsFor, isInVpc, keyOf, logicalIdOf, resourcesOf, targetOf, templateOf } from '../../support/deploy-rules';
import { testStack } from '../../support/stacks';

const ID = 'LAMBDA_VPC_CONFIG';

/** The VPC of a subnet or security group given by Ref/GetAtt to a resource of this template. */
function vpcOf(template: DeployTemplate, value: unknown, type: string): string | undefined {
  const id = targetOf(value);
  const res = id === undefined ? undefined : template.Resources[id];
  return res?.Type === type ? keyOf(template, res.Properties?.VpcId) : undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

/** A function whose VpcConfig is given as is (the L1), with a role that may manage network interfaces. */
function functionWithVpcConfig(build: (stack: ReturnType<typeof testStack>) => lambda.CfnFunction.VpcConfigProperty) {
  const stack = testStack('Wrong');
  const role = new iam.Role(stack, 'Role', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole')],
  });
  const fn = new lambda.CfnFunction(stack, 'Fn', {
    runtime: 'nodejs22.x',
    handler: 'index.handler',
    code: { zipFile: 'exports.handler = async () => 1' },
    role: role.roleArn,
    vpcConfig: build(stack),
  });
  return { template: templateOf(stack), logicalId: logicalIdOf(stack, fn) };
}

function isolatedVpc(stack: ReturnType<typeof testStack>, id: string): ec2.Vpc {
  return new ec2.Vpc(stack, id, { natGateways: 0, maxAzs: 1, subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
}

export const LAMBDA_VPC_CONFIG: DeployRule = {
  id: ID,
  enforces: 'A function attached to a VPC has at least one subnet and one security group, at most 16 subnets and 5 security groups, and its subnets '
    + 'and security groups belong to the same VPC.',
  docs: [
    'https://docs.aws.amazon.com/lambda/latest/api/API_VpcConfig.html',
    'https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html',
  ],
  appliesTo: (template) => resourcesOf(template, 'AWS::Lambda::Function').some(([, fn]) => isInVpc(fn)),
  async check(template) {
    return findingsFor(ID, resourcesOf(template, 'AWS::Lambda::Function').filter(([, fn]) => isInVpc(fn)).map(([id, fn]) => [id, () => {
      const vpcConfig = fn.Properties!.VpcConfig;
      const subnets = list(vpcConfig.SubnetIds);
      const groups = list(vpcConfig.SecurityGroupIds);
      const messages: Array<string | undefined> = [];
      if (subnets.length === 0) messages.push('its VpcConfig has security groups but no subnet');
      if (groups.length === 0) messages.push('its VpcConfig has subnets but no security group');
      if (subnets.length > 16) messages.push(`its VpcConfig has ${subnets.length} subnets; Lambda allows 16`);
      if (groups.length > 5) messages.push(`its VpcConfig has ${groups.length} security groups; Lambda allows 5`);
      const vpcs = new Set([
        ...subnets.map((s) => vpcOf(template, s, 'AWS::EC2::Subnet')),
        ...groups.map((g) => vpcOf(template, g, 'AWS::EC2::SecurityGroup')),
      ].filter((v): v is string => v !== undefined));
      if (vpcs.size > 1) messages.push(`its subnets and security groups are in different VPCs: ${[...vpcs].join(', ')}`);
      return messages;
    }]));
  },
  failingCases: [
    {
      name: 'subnets without a security group',
      message: /subnets but no security group/,
      build: () => functionWithVpcConfig((stack) => ({ subnetIds: isolatedVpc(stack, 'Vpc').isolatedSubnets.map((s) => s.subnetId), securityGroupIds: [] })),
    },
    {
      name: 'a subnet of one VPC and a security group of another',
      message: /in different VPCs/,
      build: () => functionWithVpcConfig((stack) => ({
        subnetIds: isolatedVpc(stack, 'Vpc').isolatedSubnets.map((s) => s.subnetId),
        securityGroupIds: [new ec2.SecurityGroup(stack, 'Group', { vpc: isolatedVpc(stack, 'OtherVpc') }).securityGroupId],
      })),
    },
  ],
};
