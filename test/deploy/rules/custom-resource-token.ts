import { CfnCustomResource, CustomResource, Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { copyOf, DeployRule, findingsFor, functionNamedBy, logicalIdOf, resourcesOf, targetOf, templateOf } from '../../support/deploy-rules';
import { testStack } from '../../support/stacks';

const ID = 'CUSTOM_RESOURCE_TOKEN';

function isCustomResource(type: string): boolean {
  return type === 'AWS::CloudFormation::CustomResource' || type.startsWith('Custom::');
}

/** A stack with one function and a custom resource served by it. */
function customResourceStack() {
  const stack = testStack('Wrong');
  const fn = new lambda.Function(stack, 'Provider', {
    runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => 1'),
  });
  const resource = new CustomResource(stack, 'Resource', { serviceToken: fn.functionArn, resourceType: 'Custom::Thing' });
  return { stack, fn, resource };
}

export const CUSTOM_RESOURCE_TOKEN: DeployRule = {
  id: ID,
  enforces: 'CloudFormation sends a custom resource\'s requests to its ServiceToken, which must be the ARN of a Lambda function (or SNS topic) that exists, '
    + 'in the stack\'s region; ServiceTimeout, when given, is 1 to 3600 seconds. Here: the token is Fn::GetAtt [F, Arn] of a function F of the '
    + 'same template, so the function is created first and deleted last.',
  docs: [
    'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-cloudformation-customresource.html',
    'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-custom-resources-lambda.html',
  ],
  appliesTo: (template) => resourcesOf(template, isCustomResource).length > 0,
  async check(template) {
    return findingsFor(ID, resourcesOf(template, isCustomResource).map(([id, res]) => [id, () => {
      const token = res.Properties?.ServiceToken;
      const messages: Array<string | undefined> = [];
      const getAtt = (token as any)?.['Fn::GetAtt'];
      if (token === undefined) {
        messages.push('it has no ServiceToken');
      } else if (!(Array.isArray(getAtt) && getAtt[1] === 'Arn' && functionNamedBy(template, token) !== undefined)) {
        const target = targetOf(token);
        messages.push(`its ServiceToken ${JSON.stringify(token)} is not Fn::GetAtt [<function>, Arn] of a Lambda function of this template`
          + (target !== undefined && template.Resources[target] ? ` (${target} is a ${template.Resources[target].Type})` : ''));
      }
      const timeout = res.Properties?.ServiceTimeout;
      if (timeout !== undefined && !(Number.isInteger(Number(timeout)) && Number(timeout) >= 1 && Number(timeout) <= 3600)) {
        messages.push(`its ServiceTimeout ${JSON.stringify(timeout)} is not 1 to 3600 seconds`);
      }
      return messages;
    }]));
  },
  failingCases: [
    {
      name: 'a ServiceToken naming a function outside the template',
      message: /somewhere-else.* is not Fn::GetAtt/,
      build() {
        const stack = testStack('Wrong');
        const resource = new CustomResource(stack, 'Resource', {
          serviceToken: `arn:aws:lambda:${stack.region}:${stack.account}:function:somewhere-else`, resourceType: 'Custom::Thing',
        });
        return { template: templateOf(stack), logicalId: logicalIdOf(stack, resource) };
      },
    },
    {
      name: 'a ServiceToken naming a resource that is not a function',
      message: /is a AWS::SNS::Topic/,
      build() {
        const stack = testStack('Wrong');
        const topic = new sns.Topic(stack, 'Topic');
        const resource = new CfnCustomResource(stack, 'Resource', { serviceToken: topic.topicArn });
        return { template: templateOf(stack), logicalId: logicalIdOf(stack, resource) };
      },
    },
    {
      name: 'a ServiceTimeout above 3600 seconds',
      message: /ServiceTimeout \"7200\" is not 1 to 3600/,
      build() {
        const { stack, resource } = customResourceStack();
        const template = copyOf(templateOf(stack));
        const id = logicalIdOf(stack, resource);
        (template.Resources[id].Properties as any).ServiceTimeout = String(Duration.hours(2).toSeconds());
        return { template, logicalId: id };
      },
    },
  ],
};
