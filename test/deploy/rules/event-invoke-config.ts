import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { arnService, DeployRule, findingsFor, logicalIdOf, resourcesOf, templateOf, tryResolve } from '../../support/deploy-rules';
import { testStack } from '../../support/stacks';

const ID = 'EVENT_INVOKE_CONFIG';
const DESTINATION_SERVICES: Record<string, string[]> = { OnFailure: ['sqs', 'sns', 'lambda', 'events', 's3'], OnSuccess: ['sqs', 'sns', 'lambda', 'events'] };

function invokeConfig(props: Partial<lambda.CfnEventInvokeConfigProps>) {
  const stack = testStack('Wrong');
  const fn = new lambda.Function(stack, 'Fn', {
    runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => 1'),
  });
  const config = new lambda.CfnEventInvokeConfig(stack, 'Async', { functionName: fn.functionName, qualifier: '$LATEST', ...props });
  return { stack, fn, config };
}

export const EVENT_INVOKE_CONFIG: DeployRule = {
  id: ID,
  enforces: 'PutFunctionEventInvokeConfig takes MaximumRetryAttempts 0 to 2 and MaximumEventAgeInSeconds 60 to 21,600, and destinations that are an SQS '
    + 'queue, SNS topic, Lambda function or EventBridge bus (or, on failure, an S3 bucket).',
  docs: [
    'https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionEventInvokeConfig.html',
    'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-eventinvokeconfig.html',
  ],
  appliesTo: (template) => resourcesOf(template, 'AWS::Lambda::EventInvokeConfig').length > 0,
  async check(template) {
    return findingsFor(ID, resourcesOf(template, 'AWS::Lambda::EventInvokeConfig').map(([id, config]) => [id, () => {
      const p = config.Properties ?? {};
      const messages: Array<string | undefined> = [];
      const retries = p.MaximumRetryAttempts === undefined ? undefined : Number(p.MaximumRetryAttempts);
      if (retries !== undefined && ![0, 1, 2].includes(retries)) messages.push(`its MaximumRetryAttempts ${p.MaximumRetryAttempts} is not 0, 1 or 2`);
      const age = p.MaximumEventAgeInSeconds === undefined ? undefined : Number(p.MaximumEventAgeInSeconds);
      if (age !== undefined && !(Number.isInteger(age) && age >= 60 && age <= 21600)) messages.push(`its MaximumEventAgeInSeconds ${p.MaximumEventAgeInSeconds} is not 60 to 21600`);
      if (p.Qualifier === undefined) messages.push('it has no Qualifier ($LATEST, a version or an alias)');
      for (const [kind, services] of Object.entries(DESTINATION_SERVICES)) {
        const destination = p.DestinationConfig?.[kind]?.Destination;
        const arn = destination === undefined ? undefined : tryResolve(template, destination);
        if (arn !== undefined && !services.includes(arnService(arn) ?? '')) messages.push(`its ${kind} destination ${arn} is not a ${services.join(', ')} ARN`);
      }
      return messages;
    }]));
  },
  failingCases: [
    {
      name: 'three retries',
      message: /MaximumRetryAttempts 3 is not 0, 1 or 2/,
      build() {
        const { stack, config } = invokeConfig({ maximumRetryAttempts: 3 });
        return { template: templateOf(stack), logicalId: logicalIdOf(stack, config) };
      },
    },
    {
      name: 'events kept 30 seconds, and a queue URL given as the destination',
      message: /MaximumEventAgeInSeconds 30 is not 60 to 21600/,
      build() {
        const stack = testStack('Wrong');
        const queue = new sqs.Queue(stack, 'Queue');
        const fn = new lambda.Function(stack, 'Fn', {
          runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => 1'),
        });
        const config = new lambda.CfnEventInvokeConfig(stack, 'Async', {
          functionName: fn.functionName,
          qualifier: '$LATEST',
          maximumEventAgeInSeconds: 30,
          destinationConfig: { onFailure: { destination: queue.queueUrl } },
        });
        return { template: templateOf(stack), logicalId: logicalIdOf(stack, config) };
      },
    },
  ],
};
