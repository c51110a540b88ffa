import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { VPC_ENI_ACTIONS } from './lambda-vpc-eni';
import { SECRET_ID_ENV } from '../../../src/shared/environment';
import {
  DeployRule, DeployTemplate, evaluate, findingsFor, isInVpc, logGroupNameOf, logicalIdOf, logStreamArn, policiesOfRole, Request,
  resourcesOf, roleOf, targetOf, templateOf, tryResolve,
} from '../../support/deploy-rules';
import { keyArn, keyPolicy, REGION, RolePolicies, SECRET_SUFFIX, secretArn } from '../../support/iam-simulate';
import { testStack } from '../../support/stacks';

const ID = 'CONNECTOR_ROLE';
const GET = 'secretsmanager:GetSecretValue';
const VIA_SECRETS_MANAGER = `secretsmanager.${REGION}.amazonaws.com`;
/** A secret no connector function is given. */
const OTHER_SECRET = secretArn('snowflake/some-other-user');

/** The customer-managed key of the secret a value names, when both are in the template. */
function keyOfSecret(template: DeployTemplate, secretValue: unknown): string | undefined {
  const secretId = targetOf(secretValue);
  const secret = secretId === undefined ? undefined : template.Resources[secretId];
  if (secret?.Type !== 'AWS::SecretsManager::Secret') return undefined;
  const keyId = targetOf(secret.Properties?.KmsKeyId);
  return keyId !== undefined && template.Resources[keyId]?.Type === 'AWS::KMS::Key' ? keyId : undefined;
}

/**
 * Whether a request on the connector's secret is allowed. The environment holds the complete ARN,
 * or for a secret imported by name its partial ARN, which Secrets Manager completes with the
 * six-character suffix before IAM sees it: either form counts.
 */
async function onSecret(role: RolePolicies, secret: string, request: Omit<Request, 'resource'>): Promise<boolean> {
  for (const resource of [secret, `${secret}-${SECRET_SUFFIX}`]) {
    if (await evaluate(role, { ...request, resource }) === 'Allowed') return true;
  }
  return false;
}

/** Grants that are too broad for a connector's role, each a failing case. */
const GRANTS: Array<[string, RegExp, (role: iam.Role, secret: secretsmanager.Secret, key: kms.Key) => void]> = [
  ['read at any stage (no secretsmanager:VersionStage condition)', /AWSPENDING is allowed; it must be denied/, (role: iam.Role, secret: secretsmanager.Secret) => secret.grantRead(role)],
  ['read of every secret', /another secret .* is allowed; it must be denied/, (role: iam.Role) => role.addToPolicy(new iam.PolicyStatement({
    actions: [GET], resources: ['*'], conditions: { StringEquals: { 'secretsmanager:VersionStage': 'AWSCURRENT' } },
  }))],
  ['kms:Decrypt of the key without kms:ViaService', /called directly \(no kms:ViaService\) is allowed; it must be denied/, (role: iam.Role, secret: secretsmanager.Secret, key: kms.Key) => {
    role.addToPolicy(new iam.PolicyStatement({
      actions: [GET], resources: [secret.secretArn], conditions: { StringEquals: { 'secretsmanager:VersionStage': 'AWSCURRENT' } },
    }));
    key.grantDecrypt(role);
  }],
  ['kms:Decrypt of the key through Secrets Manager for any secret (no kms:EncryptionContext:SecretARN)',
    /for another secret under the same key .* is allowed; it must be denied/, (role: iam.Role, secret: secretsmanager.Secret, key: kms.Key) => {
      role.addToPolicy(new iam.PolicyStatement({
        actions: [GET], resources: [secret.secretArn], conditions: { StringEquals: { 'secretsmanager:VersionStage': 'AWSCURRENT' } },
      }));
      role.addToPolicy(new iam.PolicyStatement({
        actions: ['kms:Decrypt'], resources: [key.keyArn], conditions: { StringEquals: { 'kms:ViaService': VIA_SECRETS_MANAGER } },
      }));
    }],
];

export const CONNECTOR_ROLE: DeployRule = {
  id: ID,
  enforces: 'The execution role of a SnowflakeConnectorFunction (a function whose environment names its secret) is allowed what the function does at '
    + 'run time and nothing more on secrets: GetSecretValue on its secret at AWSCURRENT (not AWSPENDING, not another secret), kms:Decrypt of a '
    + 'customer-managed key through Secrets Manager only (kms:ViaService) and for its secret only (kms:EncryptionContext:SecretARN), its log group, the VPC network-interface actions in a VPC, and '
    + 'xray:PutTraceSegments and PutTelemetryRecords with active tracing.',
  docs: [
    'https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_iam-policies.html',
    'https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service',
    'https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html#security-encryption-encryption-context',
    'https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html',
    'https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html',
  ],
  appliesTo: (template) => resourcesOf(template, 'AWS::Lambda::Function').some(([, fn]) => fn.Properties?.Environment?.Variables?.[SECRET_ID_ENV] !== undefined),
  async check(template) {
    return findingsFor(ID, resourcesOf(template, 'AWS::Lambda::Function')
      .filter(([, fn]) => fn.Properties?.Environment?.Variables?.[SECRET_ID_ENV] !== undefined)
      .map(([id, fn]) => [id, async () => {
        const props = fn.Properties!;
        const roleId = roleOf(template, id);
        if (roleId === undefined) return ['its execution role is not a role of this template, so what it may do cannot be checked'];
        const role = policiesOfRole(template, roleId);
        const secretValue = props.Environment.Variables[SECRET_ID_ENV];
        const secret = tryResolve(template, secretValue);
        if (secret === undefined) return [`${SECRET_ID_ENV} ${JSON.stringify(secretValue)} cannot be resolved to an ARN`];
        const messages: Array<string | undefined> = [];
        const must = async (what: string, allowed: boolean, result: Promise<boolean> | boolean) => {
          if (await result !== allowed) messages.push(`${what} is ${allowed ? 'denied' : 'allowed'}; it must be ${allowed ? 'allowed' : 'denied'}`);
        };
        const stage = (s: string) => ({ action: GET, context: { 'secretsmanager:VersionStage': s } });
        await must(`GetSecretValue on its secret at AWSCURRENT (${secret})`, true, onSecret(role, secret, stage('AWSCURRENT')));
        await must('GetSecretValue on its secret at AWSPENDING', false, onSecret(role, secret, stage('AWSPENDING')));
        await must(`GetSecretValue on another secret (${OTHER_SECRET})`, false,
          evaluate(role, { ...stage('AWSCURRENT'), resource: OTHER_SECRET }).then((r) => r === 'Allowed'));
        await must('PutSecretValue on its secret', false, onSecret(role, secret, { action: 'secretsmanager:PutSecretValue' }));
        const keyId = keyOfSecret(template, secretValue);
        if (keyId !== undefined) {
          const decrypt = (context: Record<string, string>) => evaluate(role, {
            action: 'kms:Decrypt', resource: keyArn(keyId), context, resourcePolicy: keyPolicy(template, keyId),
          }).then((r) => r === 'Allowed');
          // Secrets Manager calls KMS with the secret's ARN as encryption context (SecretARN).
          const via = (forSecret: string) => ({ 'kms:ViaService': VIA_SECRETS_MANAGER, 'kms:EncryptionContext:SecretARN': forSecret });
          await must(`kms:Decrypt of ${keyId} through Secrets Manager (kms:ViaService ${VIA_SECRETS_MANAGER}) for its secret`, true, decrypt(via(secret)));
          await must(`kms:Decrypt of ${keyId} through Secrets Manager for another secret under the same key (${OTHER_SECRET})`, false,
            decrypt(via(OTHER_SECRET)));
          await must(`kms:Decrypt of ${keyId} called directly (no kms:ViaService)`, false, decrypt({ 'kms:EncryptionContext:SecretARN': secret }));
        }
        const logGroup = logGroupNameOf(template, id);
        for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents']) {
          await must(`${action} in its log group ${logGroup}`, true,
            logGroup !== undefined && evaluate(role, { action, resource: logStreamArn(logGroup) }).then((r) => r === 'Allowed'));
        }
        if (isInVpc(fn)) {
          for (const action of VPC_ENI_ACTIONS) {
            await must(`${action} on *`, true, evaluate(role, { action, resource: '*' }).then((r) => r === 'Allowed'));
          }
        }
        if (props.TracingConfig?.Mode === 'Active') {
          for (const action of ['xray:PutTraceSegments', 'xray:PutTelemetryRecords']) {
            await must(`${action} on * (tracing is Active)`, true, evaluate(role, { action, resource: '*' }).then((r) => r === 'Allowed'));
          }
        }
        return messages;
      }]));
  },
  failingCases: [
    ...GRANTS.map(([name, message, grant]) => ({
      name: `a connector function whose role has ${name}`,
      message,
      build() {
        const stack = testStack('Wrong');
        const key = new kms.Key(stack, 'Key');
        const secret = new secretsmanager.Secret(stack, 'Secret', { encryptionKey: key });
        const role = new iam.Role(stack, 'Role', {
          assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
          managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaBasicExecutionRole')],
        });
        grant(role, secret, key);
        const fn = new lambda.Function(stack, 'Fn', {
          runtime: lambda.Runtime.NODEJS_22_X,
          handler: 'index.handler',
          code: lambda.Code.fromInline('exports.handler = async () => 1'),
          role,
          environment: { [SECRET_ID_ENV]: secret.secretArn },
        });
        return { template: templateOf(stack), logicalId: logicalIdOf(stack, fn) };
      },
    })),
    {
      name: 'a connector function with active tracing whose role may not write traces',
      message: /xray:PutTraceSegments on \* \(tracing is Active\) is denied/,
      build() {
        const stack = testStack('Wrong');
        const secret = new secretsmanager.Secret(stack, 'Secret');
        const role = new iam.Role(stack, 'Role', {
          assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
          managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaBasicExecutionRole')],
        });
        role.addToPolicy(new iam.PolicyStatement({
          actions: [GET], resources: [secret.secretArn], conditions: { StringEquals: { 'secretsmanager:VersionStage': 'AWSCURRENT' } },
        }));
        // The L1, so that aws-cdk-lib does not add the X-Ray statement as lambda.Function would.
        const fn = new lambda.CfnFunction(stack, 'Fn', {
          runtime: 'nodejs22.x',
          handler: 'index.handler',
          code: { zipFile: 'exports.handler = async () => 1' },
          role: role.roleArn,
          environment: { variables: { [SECRET_ID_ENV]: secret.secretArn } },
          tracingConfig: { mode: 'Active' },
        });
        return { template: templateOf(stack), logicalId: logicalIdOf(stack, fn) };
      },
    },
  ],
};
