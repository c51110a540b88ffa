import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import {
  createdBefore, DeployRule, DeployTemplate, findingsFor, functionNamedBy, keyOf, logicalIdOf, policiesOfRole, requiredAtCreate, resourcesOf,
  roleOf, targetOf, templateOf, tryResolve,
} from '../../support/deploy-rules';
import { keyArn, keyPolicy, REGION } from '../../support/iam-simulate';
import { testStack } from '../../support/stacks';

const ID = 'ROTATION_SCHEDULE_READY';
/** What Secrets Manager's rotation steps call, on the secret (rotating-secrets-required-permissions-function.html). */
const ROTATION_ACTIONS = ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'];
const HOURS = { hour: 1, hours: 1, day: 24, days: 24 } as Record<string, number>;

/** The Lambda permissions that let Secrets Manager invoke `fnId` for `secret`. */
function invokePermissions(template: DeployTemplate, fnId: string, secret: unknown): string[] {
  return resourcesOf(template, 'AWS::Lambda::Permission').filter(([, p]) => {
    const props = p.Properties ?? {};
    return functionNamedBy(template, props.FunctionName) === fnId
      && ['lambda:InvokeFunction', 'lambda:*'].includes(props.Action)
      && props.Principal === 'secretsmanager.amazonaws.com'
      && (props.SourceArn === undefined || keyOf(template, props.SourceArn) === keyOf(template, secret));
  }).map(([id]) => id);
}

function scheduleProblem(rules: Record<string, unknown> | undefined): string | undefined {
  if (rules === undefined) return undefined;
  if (rules.AutomaticallyAfterDays !== undefined) {
    const days = Number(rules.AutomaticallyAfterDays);
    return Number.isInteger(days) && days >= 1 && days <= 1000 ? undefined : `AutomaticallyAfterDays ${rules.AutomaticallyAfterDays} is not 1 to 1000`;
  }
  const match = typeof rules.ScheduleExpression === 'string' ? /^rate\((\d+) (hours?|days?)\)$/.exec(rules.ScheduleExpression) : null;
  if (match === null) return undefined;
  const hours = Number(match[1]) * HOURS[match[2]];
  return hours >= 4 && hours <= 24000 ? undefined : `ScheduleExpression ${rules.ScheduleExpression} is not between 4 hours and 1000 days`;
}

/** A secret, a rotation function and a schedule, made with `wire` (which returns what the schedule should depend on). */
function rotationStack(wire: (stack: ReturnType<typeof testStack>, fn: lambda.Function, secret: secretsmanager.Secret) => void) {
  const stack = testStack('Wrong');
  const secret = new secretsmanager.Secret(stack, 'Secret');
  const role = new iam.Role(stack, 'Role', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaBasicExecutionRole')],
  });
  const fn = new lambda.Function(stack, 'Rotate', {
    runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => 1'), role,
  });
  wire(stack, fn, secret);
  const schedule = new secretsmanager.CfnRotationSchedule(stack, 'Schedule', {
    secretId: secret.secretArn, rotationLambdaArn: fn.functionArn, rotationRules: { scheduleExpression: 'rate(30 days)' },
  });
  for (const id of ['Invoke', 'Steps']) {
    const dep = stack.node.tryFindChild(id);
    if (dep) schedule.node.addDependency(dep);
  }
  return { template: templateOf(stack), logicalId: logicalIdOf(stack, schedule) };
}

const invokeBySecretsManager = (stack: ReturnType<typeof testStack>, fn: lambda.Function, secret: secretsmanager.Secret, id = 'Invoke') =>
  new lambda.CfnPermission(stack, id, { action: 'lambda:InvokeFunction', functionName: fn.functionName, principal: 'secretsmanager.amazonaws.com', sourceArn: secret.secretArn });

const stepsPolicy = (stack: ReturnType<typeof testStack>, fn: lambda.Function, secret: secretsmanager.Secret, id = 'Steps') =>
  new iam.Policy(stack, id, {
    roles: [fn.role!],
    statements: [new iam.PolicyStatement({ actions: ROTATION_ACTIONS, resources: [secret.secretArn] })],
  });

export const ROTATION_SCHEDULE_READY: DeployRule = {
  id: ID,
  enforces: 'Creating a rotation schedule makes Secrets Manager invoke the rotation function (the whole rotation, or testSecret when it does not rotate '
    + 'immediately): a resource policy must let secretsmanager.amazonaws.com invoke it, and its role must be allowed DescribeSecret, GetSecretValue, '
    + 'PutSecretValue and UpdateSecretVersionStage on the secret (and the key through Secrets Manager), all in place before the schedule; the '
    + 'rate is 4 hours to 1,000 days.',
  docs: [
    'https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RotateSecret.html',
    'https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets-required-permissions-function.html',
    'https://docs.aws.amazon.com/secretsmanager/latest/userguide/troubleshoot_rotation.html',
  ],
  appliesTo: (template) => resourcesOf(template, 'AWS::SecretsManager::RotationSchedule').length > 0,
  async check(template) {
    return findingsFor(ID, resourcesOf(template, 'AWS::SecretsManager::RotationSchedule').map(([id, schedule]) => [id, async () => {
      const p = schedule.Properties ?? {};
      const messages: Array<string | undefined> = [scheduleProblem(p.RotationRules)];
      const fnId = functionNamedBy(template, p.RotationLambdaARN);
      if (fnId === undefined) return messages;
      const permissions = invokePermissions(template, fnId, p.SecretId);
      if (permissions.length === 0) {
        messages.push(`no AWS::Lambda::Permission lets secretsmanager.amazonaws.com invoke ${fnId} for this secret`);
      } else if (!permissions.some((perm) => createdBefore(template, id).has(perm))) {
        messages.push(`it does not depend on ${permissions.join(' or ')}, which lets Secrets Manager invoke ${fnId}: CloudFormation may create the schedule first`);
      }
      const roleId = roleOf(template, fnId);
      const secret = tryResolve(template, p.SecretId);
      if (roleId === undefined || secret === undefined) return [...messages, `the role of ${fnId} or the secret cannot be resolved, so the rotation permissions cannot be checked`];
      const role = policiesOfRole(template, roleId);
      for (const action of ROTATION_ACTIONS) messages.push(await requiredAtCreate(template, role, { action, resource: secret }, id));
      const secretId = targetOf(p.SecretId);
      const keyId = secretId === undefined ? undefined : targetOf(template.Resources[secretId]?.Properties?.KmsKeyId);
      if (keyId !== undefined && template.Resources[keyId]?.Type === 'AWS::KMS::Key') {
        for (const action of ['kms:Decrypt', 'kms:GenerateDataKey']) {
          messages.push(await requiredAtCreate(template, role, {
            action,
            resource: keyArn(keyId),
            // As Secrets Manager calls KMS for this secret: its ARN is the encryption context.
            context: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com`, 'kms:EncryptionContext:SecretARN': secret },
            resourcePolicy: keyPolicy(template, keyId),
          }, id));
        }
      }
      return messages;
    }]));
  },
  failingCases: [
    {
      name: 'no permission for Secrets Manager to invoke the function',
      message: /no AWS::Lambda::Permission lets secretsmanager.amazonaws.com invoke/,
      build: () => rotationStack((stack, fn, secret) => stepsPolicy(stack, fn, secret)),
    },
    {
      name: 'the invoke permission created alongside the schedule, not before it',
      message: /does not depend on InvokeLater, which lets Secrets Manager invoke/,
      build: () => rotationStack((stack, fn, secret) => {
        invokeBySecretsManager(stack, fn, secret, 'InvokeLater');
        stepsPolicy(stack, fn, secret);
      }),
    },
    {
      name: 'a role that may not PutSecretValue or UpdateSecretVersionStage',
      message: /is not allowed secretsmanager:PutSecretValue/,
      build: () => rotationStack((stack, fn, secret) => {
        invokeBySecretsManager(stack, fn, secret);
        secret.grantRead(fn);
      }),
    },
  ],
};
