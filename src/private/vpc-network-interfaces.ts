import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { acknowledge } from './acknowledgements';

/**
 * What Lambda calls with the execution role to give a function in a VPC its network interfaces.
 * Lambda checks them at CreateFunction ("The provided execution role does not have permissions to
 * call CreateNetworkInterface on EC2"), so a function with a VpcConfig cannot be created without
 * them. The list is the EC2 part of AWS's AWSLambdaVPCAccessExecutionRole (policy version v3,
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaVPCAccessExecutionRole.html),
 * as the Lambda guide names it (https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions),
 * without the managed policy's logs:* on `*`. DescribeNetworkInterfaces works only on `*`.
 */
export const VPC_NETWORK_INTERFACE_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
];

/**
 * Gives `role` the network-interface permissions of a function in a VPC, as an inline policy
 * (child `id` of `scope`) that the function depends on, so that the role holds them when
 * CloudFormation creates the function. aws-cdk-lib adds the managed policy only to roles it
 * creates itself; every library function runs with a role of ours, or yours. Not exported.
 */
export function allowVpcNetworkInterfaces(scope: Construct, id: string, role: iam.IRole, fn: lambda.Function): iam.Policy {
  const policy = new iam.Policy(scope, id, {
    roles: [role],
    statements: [new iam.PolicyStatement({ actions: VPC_NETWORK_INTERFACE_ACTIONS, resources: ['*'] })],
  });
  fn.node.addDependency(policy);
  acknowledge(policy, 'vpcNetworkInterfaces');
  return policy;
}
