import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SecretReaderRole, SnowflakeKeyPairSecret } from '../../src';
import { testStack } from '../support/stacks';

function setup() {
  const stack = testStack();
  const secret = new SnowflakeKeyPairSecret(stack, 'Secret', { account: 'myorg-myaccount', user: 'SVC_LOADER' });
  return { stack, secret };
}

test('assumed by Lambda by default, with no managed policy and one statement: read this secret', () => {
  const { stack, secret } = setup();
  new SecretReaderRole(stack, 'Reader', { secret });
  const template = Template.fromStack(stack);
  template.hasResourceProperties('AWS::IAM::Role', {
    AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }] },
    ManagedPolicyArns: Match.absent(),
    Policies: Match.absent(),
  });
  const policies = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^Reader') }] } }));
  expect(policies).toHaveLength(1);
  expect(policies[0].Properties.PolicyDocument.Statement).toEqual([
    { Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: { Ref: expect.stringMatching(/^Secret/) } },
  ]);
});

test('other principals, a name, a permissions boundary and a session duration', () => {
  const { stack, secret } = setup();
  const boundary = new iam.ManagedPolicy(stack, 'Boundary', { statements: [new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: ['*'] })] });
  new SecretReaderRole(stack, 'Reader', {
    secret,
    assumedBy: new iam.ServicePrincipal('glue.amazonaws.com'),
    roleName: 'snowflake-loader-reader',
    permissionsBoundary: boundary,
    maxSessionDuration: Duration.hours(2),
    versionStages: ['AWSCURRENT'],
  });
  Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
    RoleName: 'snowflake-loader-reader',
    AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'glue.amazonaws.com' } })] },
    PermissionsBoundary: { Ref: Match.stringLikeRegexp('^Boundary') },
    MaxSessionDuration: 7200,
  });
});

test('serves as a Lambda execution role', () => {
  const { stack, secret } = setup();
  const role = new SecretReaderRole(stack, 'Reader', { secret });
  new lambda.Function(stack, 'Fn', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => 1;'),
    role,
  });
  Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
    Role: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Reader'), 'Arn'] },
  });
});
