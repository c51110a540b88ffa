import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import {
  arnService, DeployRule, DeployTemplate, evaluate, findingsFor, functionNamedBy, logGroupNameOf, logicalIdOf, logStreamArn,
  policiesOfRole, requiredAtCreate, ResourceCheck, resourcesOf, roleOf, templateOf, tryResolve,
} from '../../support/deploy-rules';
import { testStack } from '../../support/stacks';

const ID = 'DESTINATIONS_ALLOWED';

/** The action Lambda performs on a destination, by the destination ARN's service. */
const DELIVERY: Record<string, string> = {
  sqs: 'sqs:SendMessage',
  sns: 'sns:Publish',
  lambda: 'lambda:InvokeFunction',
  events: 'events:PutEvents',
  s3: 's3:PutObject',
};

async function deliveryFinding(
  template: DeployTemplate, fnId: string, what: string, target: unknown, dependent: string,
): Promise<string | undefined> {
  const arn = tryResolve(template, target);
  if (arn === undefined) return `${what} ${JSON.stringify(target)} cannot be resolved to an ARN, so the role's permission on it cannot be checked`;
  const action = DELIVERY[arnService(arn) ?? ''];
  if (action === undefined) return `${what} ${arn} is not a destination Lambda supports`;
  const roleId = roleOf(template, fnId);
  if (roleId === undefined) return `the execution role of ${fnId} is not a role of this template, so its permission on ${what} ${arn} cannot be checked`;
  const problem = await requiredAtCreate(template, policiesOfRole(template, roleId), { action, resource: arn }, dependent);
  return problem && `${what}: ${problem}`;
}

/** A function whose role has no policy at all, made with the L1 so that aws-cdk-lib grants nothing. */
function bareFunction(stack: ReturnType<typeof testStack>, props: Partial<lambda.CfnFunctionProps> = {}) {
  const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  const fn = new lambda.CfnFunction(stack, 'Fn', {
    runtime: 'nodejs22.x',
    handler: 'index.handler',
    code: { zipFile: 'exports.handler = async () => 1' },
    role: role.roleArn,
    ...props,
  });
  return { role, fn };
}

export const DESTINATIONS_ALLOWED: DeployRule = {
  id: ID,
  enforces: 'Lambda checks that the execution role may send to a dead-letter queue (sqs:SendMessage, sns:Publish) when the function is created, and to an '
    + 'on-failure or on-success destination (sqs:SendMessage, sns:Publish, lambda:InvokeFunction, events:PutEvents) when the event invoke config is '
    + 'created; the function writes its logs (logs:CreateLogStream, logs:PutLogEvents) to its log group with the same role.',
  docs: [
    'https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html',
    'https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html',
  ],
  appliesTo: (template) => resourcesOf(template, 'AWS::Lambda::EventInvokeConfig').length > 0
    || resourcesOf(template, 'AWS::Lambda::Function').some(([, fn]) => fn.Properties?.DeadLetterConfig !== undefined),
  async check(template) {
    const functions = resourcesOf(template, 'AWS::Lambda::Function').map(([id, fn]): ResourceCheck => [id, async () => {
      const props = fn.Properties ?? {};
      const messages: Array<string | undefined> = [];
      if (props.DeadLetterConfig?.TargetArn !== undefined) {
        messages.push(await deliveryFinding(template, id, 'dead-letter queue', props.DeadLetterConfig.TargetArn, id));
      }
      const roleId = roleOf(template, id);
      const logGroup = logGroupNameOf(template, id);
      if (roleId !== undefined && logGroup !== undefined) {
        const role = policiesOfRole(template, roleId);
        for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents']) {
          if (await evaluate(role, { action, resource: logStreamArn(logGroup) }) !== 'Allowed') {
            messages.push(`its role ${role.principalArn} may not ${action} in its log group ${logGroup}`);
          }
        }
      }
      return messages;
    }]);
    const invokeConfigs = resourcesOf(template, 'AWS::Lambda::EventInvokeConfig').map(([id, config]): ResourceCheck => [id, async () => {
      const props = config.Properties ?? {};
      const fnId = functionNamedBy(template, props.FunctionName);
      if (fnId === undefined) return [];
      const messages: Array<string | undefined> = [];
      for (const kind of ['OnFailure', 'OnSuccess']) {
        const destination = props.DestinationConfig?.[kind]?.Destination;
        if (destination !== undefined) messages.push(await deliveryFinding(template, fnId, `${kind} destination`, destination, id));
      }
      return messages;
    }]);
    return findingsFor(ID, [...functions, ...invokeConfigs]);
  },
  failingCases: [
    {
      name: 'a dead-letter queue the role may not send to',
      message: /dead-letter queue: .* is not allowed sqs:SendMessage/,
      build() {
        const stack = testStack('Wrong');
        const queue = new sqs.Queue(stack, 'Dlq');
        const { fn } = bareFunction(stack, { deadLetterConfig: { targetArn: queue.queueArn } });
        return { template: templateOf(stack), logicalId: logicalIdOf(stack, fn) };
      },
    },
    {
      name: 'an on-failure topic the role may not publish to',
      message: /OnFailure destination: .* is not allowed sns:Publish/,
      build() {
        const stack = testStack('Wrong');
        const topic = new sns.Topic(stack, 'Failures');
        const { fn } = bareFunction(stack);
        const config = new lambda.CfnEventInvokeConfig(stack, 'Async', {
          functionName: fn.ref, qualifier: '$LATEST', destinationConfig: { onFailure: { destination: topic.topicArn } },
        });
        return { template: templateOf(stack), logicalId: logicalIdOf(stack, config) };
      },
    },
    {
      name: 'an on-failure queue allowed by a policy the event invoke config does not depend on',
      message: /sqs:SendMessage .* only by Send[0-9A-F]{8}, which Async does not depend on/,
      build() {
        const stack = testStack('Wrong');
        const queue = new sqs.Queue(stack, 'Failures');
        const { role, fn } = bareFunction(stack);
        new iam.Policy(stack, 'Send', { roles: [role], statements: [new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] })] });
        const config = new lambda.CfnEventInvokeConfig(stack, 'Async', {
          functionName: fn.ref, qualifier: '$LATEST', destinationConfig: { onFailure: { destination: queue.queueArn } },
        });
        return { template: templateOf(stack), logicalId: logicalIdOf(stack, config) };
      },
    },
    {
      name: 'a log group the role may not write to',
      message: /may not logs:CreateLogStream in its log group Logs/,
      build() {
        const stack = testStack('Wrong');
        const logGroup = new logs.LogGroup(stack, 'Logs');
        const { fn } = bareFunction(stack, { loggingConfig: { logGroup: logGroup.logGroupName } });
        return { template: templateOf(stack), logicalId: logicalIdOf(stack, fn) };
      },
    },
  ],
};
