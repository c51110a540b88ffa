import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DeployRule, findingsFor, isInVpc, logicalIdOf, policiesOfRole, requiredAtCreate, resourcesOf, roleOf, templateOf } from '../../support/deploy-rules';
import { testStack } from '../../support/stacks';

/** What Lambda needs of the execution role to attach a function to a VPC (configuration-vpc.html#configuration-vpc-permissions). */
export const VPC_ENI_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
];

/** A function in the isolated subnets of a new VPC, with `role`. */
function vpcFunction(role: (stack: Stack) => iam.IRole) {
  const stack = testStack('Wrong');
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, maxAzs: 1, subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  const fn = new lambda.Function(stack, 'Fn', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => 1'),
    vpc,
    role: role(stack),
  });
  return { stack, fn };
}

const lambdaPrincipal = new iam.ServicePrincipal('lambda.amazonaws.com');

export const LAMBDA_VPC_ENI: DeployRule = {
  id: 'LAMBDA_VPC_ENI',
  enforces: 'CreateFunction with a VpcConfig fails ("The provided execution role does not have permissions to call CreateNetworkInterface on EC2") unless the '
    + 'execution role is allowed ec2:CreateNetworkInterface, DescribeNetworkInterfaces, DeleteNetworkInterface, AssignPrivateIpAddresses and '
    + 'UnassignPrivateIpAddresses on *, by a policy in effect when the function is created.',
  docs: ['https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions'],
  appliesTo: (template) => resourcesOf(template, 'AWS::Lambda::Function').some(([, fn]) => isInVpc(fn)),
  async check(template) {
    return findingsFor('LAMBDA_VPC_ENI', resourcesOf(template, 'AWS::Lambda::Function')
      .filter(([, fn]) => isInVpc(fn))
      .map(([id]) => [id, async () => {
        const roleId = roleOf(template, id);
        if (roleId === undefined) return ['its execution role is not a role of this template, so what it may do cannot be checked'];
        const role = policiesOfRole(template, roleId);
        const messages = [];
        for (const action of VPC_ENI_ACTIONS) messages.push(await requiredAtCreate(template, role, { action, resource: '*' }, id));
        return messages;
      }]));
  },
  failingCases: [
    {
      name: 'a function in a VPC with a role of its own that has no EC2 permissions',
      message: /is not allowed ec2:CreateNetworkInterface on \*/,
      build() {
        const { stack, fn } = vpcFunction((s) => new iam.Role(s, 'Role', { assumedBy: lambdaPrincipal }));
        return { template: templateOf(stack), logicalId: logicalIdOf(stack, fn) };
      },
    },
    {
      name: 'the EC2 permissions in a policy the function does not depend on',
      message: /only by Eni[0-9A-F]{8}, which Fn[0-9A-F]{8} does not depend on/,
      build() {
        const { stack, fn } = vpcFunction((s) => {
          const role = new iam.Role(s, 'Role', { assumedBy: lambdaPrincipal });
          // A policy of its own (not the role's default policy), which lambda.Function does not wait for.
          new iam.Policy(s, 'Eni', { roles: [role], statements: [new iam.PolicyStatement({ actions: VPC_ENI_ACTIONS, resources: ['*'] })] });
          return role;
        });
        return { template: templateOf(stack), logicalId: logicalIdOf(stack, fn) };
      },
    },
    {
      name: 'the EC2 permissions only in an AWS managed policy whose document the simulation does not know',
      message: /AWSLambdaENIManagementAccess.*cannot simulate it/,
      build() {
        const { stack, fn } = vpcFunction((s) => new iam.Role(s, 'Role', {
          assumedBy: lambdaPrincipal,
          managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaENIManagementAccess')],
        }));
        return { template: templateOf(stack), logicalId: logicalIdOf(stack, fn) };
      },
    },
  ],
};
