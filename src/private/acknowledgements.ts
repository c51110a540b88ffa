import { Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * cdk-nag findings our constructs acknowledge, each with its reason. Every entry is listed in
 * docs/security.md (a test checks that), and acknowledged on our own constructs only, with
 * aws-cdk-lib's `Validations` API so the library does not depend on cdk-nag.
 *
 * Rule ids use the namespaced form `<Pack>::<Rule>`, so the acknowledgement appears in the
 * validation report's suppressedViolations with its reason: an audit trail, not a silence.
 */
/** A log group without a customer-managed KMS key. */
const LOG_GROUP_ENCRYPTION_RULES = [
  'NIST.800.53.R5::NIST.800.53.R5-CloudWatchLogGroupEncrypted',
  'HIPAA.Security::HIPAA.Security-CloudWatchLogGroupEncrypted',
  'PCI.DSS.321::PCI.DSS.321-CloudWatchLogGroupEncrypted',
];

/** A function invoked by AWS services a few times (no VPC, reservation, DLQ or tracing). */
const ADMIN_FUNCTION_RULES = [
  'NIST.800.53.R5::NIST.800.53.R5-LambdaInsideVPC',
  'HIPAA.Security::HIPAA.Security-LambdaInsideVPC',
  'PCI.DSS.321::PCI.DSS.321-LambdaInsideVPC',
  'NIST.800.53.R5::NIST.800.53.R5-LambdaConcurrency',
  'HIPAA.Security::HIPAA.Security-LambdaConcurrency',
  'NIST.800.53.R5::NIST.800.53.R5-LambdaDLQ',
  'HIPAA.Security::HIPAA.Security-LambdaDLQ',
  'Serverless::Serverless-LambdaDLQ',
  'Serverless::Serverless-LambdaTracing',
];

export const ACKNOWLEDGED_RULES = {
  rotation: {
    rules: [
      'AwsSolutions::AwsSolutions-SMG4',
      'NIST.800.53.R5::NIST.800.53.R5-SecretsManagerRotationEnabled',
      'HIPAA.Security::HIPAA.Security-SecretsManagerRotationEnabled',
    ],
    reason: 'Key rotation is opt-in (the rotation prop) because it needs a rotator user in Snowflake; without it the key is '
      + 'replaced on demand with KeySource.generate({ keyGeneration }). With rotation on, nothing is acknowledged.',
  },
  inlinePolicy: {
    rules: [
      'NIST.800.53.R5::NIST.800.53.R5-IAMNoInlinePolicy',
      'HIPAA.Security::HIPAA.Security-IAMNoInlinePolicy',
      'PCI.DSS.321::PCI.DSS.321-IAMNoInlinePolicy',
    ],
    reason: 'The inline policy grants access to one secret (for a workload-identity function\'s role, write to its one log group) and '
      + 'belongs to one role; an inline policy keeps that one-to-one, where a managed policy could be attached to other principals.',
  },
  providerLogGroup: {
    rules: LOG_GROUP_ENCRYPTION_RULES,
    reason: 'The key-material function logs fingerprints and outcomes only, never key material (tests scan its output); '
      + 'the log group keeps the default CloudWatch Logs encryption.',
  },
  providerFunction: {
    rules: ADMIN_FUNCTION_RULES,
    reason: 'A deploy-time custom-resource function invoked only by CloudFormation, once per secret change. It reaches only the '
      + 'Secrets Manager API, reports every failure to CloudFormation itself, and holds no data worth tracing; a VPC, reserved '
      + 'concurrency, a DLQ or X-Ray would add cost and failure modes without protecting anything.',
  },
  rotationLogGroup: {
    rules: LOG_GROUP_ENCRYPTION_RULES,
    reason: 'The rotation function logs steps, fingerprints and slots, never key material (tests scan its output); the log '
      + 'group keeps the default CloudWatch Logs encryption when the secret has no customer-managed key (with one, the key encrypts it).',
  },
  rotationFunction: {
    rules: ADMIN_FUNCTION_RULES,
    reason: 'The rotation function is invoked by Secrets Manager (which retries failed rotations itself and leaves AWSCURRENT '
      + 'untouched) for one secret, a few times per rotation period; a VPC, reserved concurrency, a DLQ or X-Ray would add '
      + 'cost and failure modes without protecting anything.',
  },
  retireSchedule: {
    rules: ['Serverless::Serverless-EventBusDLQ'],
    reason: 'The hourly check that retires the previous key after its grace period is idempotent: a missed invocation is '
      + 'simply made again the next hour, and a failure is logged and counted (RotationFailures); a dead-letter queue would hold nothing to replay.',
  },
  registrationLogGroup: {
    rules: LOG_GROUP_ENCRYPTION_RULES,
    reason: 'The registration function logs users, slots and fingerprints, never key material (tests scan its output); the '
      + 'log group keeps the default CloudWatch Logs encryption.',
  },
  registrationFunction: {
    rules: ADMIN_FUNCTION_RULES,
    reason: 'A deploy-time custom-resource function invoked only by CloudFormation when a registration changes. It reports every '
      + 'failure to CloudFormation itself and holds no data worth tracing; a VPC, reserved concurrency, a DLQ or X-Ray would '
      + 'add cost and failure modes without protecting anything.',
  },
  registrationFunctionInVpc: {
    rules: ADMIN_FUNCTION_RULES.filter((rule) => !rule.endsWith('-LambdaInsideVPC')),
    reason: 'The registration function, in the VPC to reach Snowflake through PrivateLink, is invoked only by CloudFormation when '
      + 'a registration changes. It reports every failure to CloudFormation itself and holds no data worth tracing; reserved '
      + 'concurrency, a DLQ or X-Ray would add cost and failure modes without protecting anything.',
  },
  rotationFunctionInVpc: {
    rules: ADMIN_FUNCTION_RULES.filter((rule) => !rule.endsWith('-LambdaInsideVPC')),
    reason: 'The rotation function, in the VPC to reach Snowflake through PrivateLink, is invoked by Secrets Manager (which retries '
      + 'failed rotations itself and leaves AWSCURRENT untouched) for one secret, a few times per rotation period; reserved '
      + 'concurrency, a DLQ or X-Ray would add cost and failure modes without protecting anything.',
  },
  connectorLogGroup: {
    rules: LOG_GROUP_ENCRYPTION_RULES,
    reason: 'The Snowflake connector logs fingerprints, query ids, row counts and timings, never key material, binds or rows '
      + '(tests scan its output); without a customer-managed key on the secret (or with a workload identity, which has no secret), '
      + 'the log group keeps the default CloudWatch Logs encryption. Pass logEncryptionKey to change that.',
  },
  connectorOutsideVpc: {
    rules: [
      'NIST.800.53.R5::NIST.800.53.R5-LambdaInsideVPC',
      'HIPAA.Security::HIPAA.Security-LambdaInsideVPC',
      'PCI.DSS.321::PCI.DSS.321-LambdaInsideVPC',
    ],
    reason: 'Without vpc, the connector reaches Snowflake over TLS with key-pair (or workload-identity) authentication and a network '
      + 'policy on the Snowflake side; pass vpc (and PrivateLink) to keep the traffic inside a VPC.',
  },
  connectorConcurrency: {
    rules: [
      'NIST.800.53.R5::NIST.800.53.R5-LambdaConcurrency',
      'HIPAA.Security::HIPAA.Security-LambdaConcurrency',
    ],
    reason: 'A reservation taken by a library default would come out of the account\'s shared pool and could throttle other '
      + 'functions; set reservedConcurrentExecutions to reserve (and cap) the connector\'s concurrency.',
  },
  connectorDlq: {
    rules: [
      'NIST.800.53.R5::NIST.800.53.R5-LambdaDLQ',
      'HIPAA.Security::HIPAA.Security-LambdaDLQ',
      'Serverless::Serverless-LambdaDLQ',
    ],
    reason: 'Direct and Step Functions invocations return the typed error to the caller, which owns the retry; for '
      + 'asynchronous invocations (S3, EventBridge) set onFailure or deadLetterQueue.',
  },
  connectorOnFailure: {
    rules: [
      'NIST.800.53.R5::NIST.800.53.R5-LambdaDLQ',
      'HIPAA.Security::HIPAA.Security-LambdaDLQ',
      'Serverless::Serverless-LambdaDLQ',
    ],
    reason: 'Failed asynchronous invocations go to the onFailure destination you set, which Lambda recommends over a '
      + 'dead-letter queue (it keeps the error with the event); the rules only recognise a DeadLetterConfig.',
  },
  connectorTracing: {
    rules: ['Serverless::Serverless-LambdaTracing'],
    reason: 'X-Ray tracing is opt-in (tracing: lambda.Tracing.ACTIVE): it adds cost to every invocation, and the connector '
      + 'logs its own timings (secret read, login, query) as JSON.',
  },
  vpcNetworkInterfaces: {
    rules: [
      'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      'NIST.800.53.R5::NIST.800.53.R5-IAMNoInlinePolicy',
      'HIPAA.Security::HIPAA.Security-IAMNoInlinePolicy',
      'PCI.DSS.321::PCI.DSS.321-IAMNoInlinePolicy',
    ],
    reason: 'In a VPC, Lambda creates and deletes the function\'s network interfaces with its execution role, and checks the '
      + 'permissions when it creates the function. The policy holds just those EC2 actions (not the logs:* on * of '
      + 'AWSLambdaVPCAccessExecutionRole); they accept no narrower resource than * (DescribeNetworkInterfaces works on * only), '
      + 'and the inline policy belongs to the one role it is attached to.',
  },
  s3PrefixListLookupPolicy: {
    rules: [
      'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      'NIST.800.53.R5::NIST.800.53.R5-IAMNoInlinePolicy',
      'HIPAA.Security::HIPAA.Security-IAMNoInlinePolicy',
      'PCI.DSS.321::PCI.DSS.321-IAMNoInlinePolicy',
    ],
    reason: 'The deploy-time lookup of the S3 prefix list id (for the functions\' egress to the S3 gateway endpoint) calls '
      + 'ec2:DescribeManagedPrefixLists only, a read that accepts no narrower resource than *; aws-cdk-lib\'s AwsCustomResource '
      + 'attaches it as an inline policy to its own provider role.',
  },
  s3PrefixListLookupFunction: {
    rules: [
      ...ADMIN_FUNCTION_RULES,
      'Serverless::Serverless-LambdaDefaultMemorySize',
      'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    ],
    reason: 'aws-cdk-lib\'s AwsCustomResource provider function (one per stack), which looks up the S3 prefix list id at deploy '
      + 'time, invoked only by CloudFormation; it reads one EC2 description and writes only its own logs (the managed '
      + 'AWSLambdaBasicExecutionRole is aws-cdk-lib\'s choice). A VPC, reserved concurrency, a DLQ, X-Ray or a tuned memory '
      + 'size would add cost and failure modes without protecting anything.',
  },
  connectorWebIdentityToken: {
    rules: [
      'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      'NIST.800.53.R5::NIST.800.53.R5-IAMNoInlinePolicy',
      'HIPAA.Security::HIPAA.Security-IAMNoInlinePolicy',
      'PCI.DSS.321::PCI.DSS.321-IAMNoInlinePolicy',
    ],
    reason: 'With the OUTBOUND_TOKEN attestation, the function gets its login token from STS GetWebIdentityToken, which accepts no '
      + 'narrower resource than *; the policy allows that one action for the audience snowflakecomputing.com and the ES384 algorithm '
      + 'only, and the inline policy belongs to the one role it is attached to.',
  },
  connectorXray: {
    rules: ['AwsSolutions::AwsSolutions-IAM5[Resource::*]'],
    reason: 'With tracing on, the function sends trace segments: xray:PutTraceSegments and xray:PutTelemetryRecords accept no '
      + 'narrower resource than *.',
  },
} as const;

/** Acknowledges a group of rules on one construct (and its children). */
export function acknowledge(scope: IConstruct, group: keyof typeof ACKNOWLEDGED_RULES): void {
  const { rules, reason } = ACKNOWLEDGED_RULES[group];
  acknowledgeRules(scope, rules, reason);
}

/**
 * Acknowledges rule ids on a construct. aws-cdk-lib before 2.27x refuses a finding-level id whose
 * finding holds '::' (`AwsSolutions::AwsSolutions-IAM5[Resource::*]`); there the whole rule
 * (`AwsSolutions::AwsSolutions-IAM5`) is acknowledged on the same construct instead, which is
 * wider, as docs/security.md says.
 */
export function acknowledgeRules(scope: IConstruct, ids: readonly string[], reason: string): void {
  for (const id of ids) {
    try {
      Validations.of(scope).acknowledge({ id, reason });
    } catch (error) {
      if (!isFindingId(id)) throw error;
      Validations.of(scope).acknowledge({ id: id.replace(/\[.*$/, ''), reason });
    }
  }
}

function isFindingId(id: string): boolean {
  return /^[^[]*::[^[]*\[.*::.*\]$/.test(id);
}
