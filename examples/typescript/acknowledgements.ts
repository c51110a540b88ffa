/**
 * Findings on the example's own resources (not the library's), acknowledged the way your app
 * would acknowledge its own: with a reason, visible in the validation report. The library's own
 * acknowledgements are in src/private/acknowledgements.ts and docs/security.md.
 */
import { CfnElement, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { IConstruct } from 'constructs';

export interface ExampleAcknowledgement {
  readonly rules: string[];
  readonly reason: string;
}

/** The example's VPC stands in for your organisation's. */
export const EXAMPLE_VPC_ACKNOWLEDGEMENT: ExampleAcknowledgement = {
  rules: [
    'AwsSolutions::AwsSolutions-VPC7',
    'NIST.800.53.R5::NIST.800.53.R5-VPCFlowLogsEnabled',
    'HIPAA.Security::HIPAA.Security-VPCFlowLogsEnabled',
    'PCI.DSS.321::PCI.DSS.321-VPCFlowLogsEnabled',
  ],
  reason: 'The example\'s VPC only shows where the function goes; in your account it runs in your organisation\'s VPC, '
    + 'whose flow logs you already keep.',
};

/** The portable stack's VPC has no other resources than ours, and no default security group rules we use. */
export const EXAMPLE_PORTABLE_VPC_ACKNOWLEDGEMENT: ExampleAcknowledgement = {
  rules: [
    ...EXAMPLE_VPC_ACKNOWLEDGEMENT.rules,
    'NIST.800.53.R5::NIST.800.53.R5-VPCDefaultSecurityGroupClosed',
    'HIPAA.Security::HIPAA.Security-VPCDefaultSecurityGroupClosed',
    'PCI.DSS.321::PCI.DSS.321-VPCDefaultSecurityGroupClosed',
  ],
  reason: EXAMPLE_VPC_ACKNOWLEDGEMENT.reason,
};

/** The portable stack's own function only shows the layer in use. */
export const EXAMPLE_CUSTOM_HANDLER_ACKNOWLEDGEMENT: ExampleAcknowledgement = {
  rules: [
    'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    'NIST.800.53.R5::NIST.800.53.R5-IAMNoInlinePolicy',
    'HIPAA.Security::HIPAA.Security-IAMNoInlinePolicy',
    'PCI.DSS.321::PCI.DSS.321-IAMNoInlinePolicy',
    'NIST.800.53.R5::NIST.800.53.R5-LambdaConcurrency',
    'HIPAA.Security::HIPAA.Security-LambdaConcurrency',
    'NIST.800.53.R5::NIST.800.53.R5-LambdaDLQ',
    'HIPAA.Security::HIPAA.Security-LambdaDLQ',
    'Serverless::Serverless-LambdaDLQ',
    'NIST.800.53.R5::NIST.800.53.R5-LambdaInsideVPC',
    'HIPAA.Security::HIPAA.Security-LambdaInsideVPC',
    'PCI.DSS.321::PCI.DSS.321-LambdaInsideVPC',
    'Serverless::Serverless-LambdaTracing',
    'Serverless::Serverless-LambdaDefaultMemorySize',
    'Serverless::Serverless-LambdaDefaultTimeout',
  ],
  reason: 'The portable stack\'s own function is a plain lambda.Function that only shows a handler taking the connector from '
    + 'the layer; yours gets the role, memory, timeout, network, concurrency, dead-letter and tracing settings your app gives its functions.',
};

/** A dead-letter queue is where failed events end; it needs no dead-letter queue of its own. */
export const EXAMPLE_DLQ_ACKNOWLEDGEMENT: ExampleAcknowledgement = {
  rules: ['AwsSolutions::AwsSolutions-SQS3', 'Serverless::Serverless-SQSRedrivePolicy'],
  reason: 'This queue is itself the dead-letter queue of EventBridge targets and of a function\'s failed async '
    + 'invocations; cdk-nag only recognises dead-letter queues named in another queue\'s redrive policy.',
};

/**
 * The state machine's role is written by aws-cdk-lib: X-Ray and log delivery take no resource,
 * and a LambdaInvoke task may call the function's versions and aliases.
 */
export function workflowRoleAcknowledgement(invoked: IConstruct[]): ExampleAcknowledgement {
  const versions = invoked.map((fn) => `AwsSolutions::AwsSolutions-IAM5[Resource::<${Stack.of(fn).getLogicalId(fn.node.defaultChild as CfnElement)}.Arn>:*]`);
  return {
    rules: [
      'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      ...versions,
      'NIST.800.53.R5::NIST.800.53.R5-IAMNoInlinePolicy',
      'HIPAA.Security::HIPAA.Security-IAMNoInlinePolicy',
      'PCI.DSS.321::PCI.DSS.321-IAMNoInlinePolicy',
    ],
    reason: 'The workflow\'s own role, written by aws-cdk-lib\'s StateMachine for this state machine only: X-Ray '
      + '(xray:PutTraceSegments) and log delivery (logs:CreateLogDelivery...) support no resource-level permissions, and '
      + 'LambdaInvoke may call the function\'s versions (<function>:*). Every other statement names its resource.',
  };
}

/** Acknowledges an example finding on a construct and everything under it. */
export function acknowledgeExample(scope: IConstruct, ack: ExampleAcknowledgement): void {
  for (const id of ack.rules) {
    try {
      Validations.of(scope).acknowledge({ id, reason: ack.reason });
    } catch (error) {
      // aws-cdk-lib before 2.27x takes no finding-level id with '::' in the finding: acknowledge the rule.
      if (!/\[.*::.*\]$/.test(id)) throw error;
      Validations.of(scope).acknowledge({ id: id.replace(/\[.*$/, ''), reason: ack.reason });
    }
  }
}

/** Every reason the example uses, for the test that checks no other acknowledgement appears. */
export function exampleReasons(): string[] {
  return [EXAMPLE_VPC_ACKNOWLEDGEMENT.reason, EXAMPLE_DLQ_ACKNOWLEDGEMENT.reason, workflowRoleAcknowledgement([]).reason,
    EXAMPLE_CUSTOM_HANDLER_ACKNOWLEDGEMENT.reason];
}

/**
 * cfn-lint W3010 on the example VPC's subnets: their zones are named so that the example
 * synthesizes the same everywhere without a context lookup. In your app they come from
 * cdk.context.json, and the same finding applies. Acknowledged in the template, per resource,
 * the way cfn-lint reads it.
 */
export const EXAMPLE_AZ_ACKNOWLEDGEMENT = {
  check: 'W3010',
  reason: 'The example names its availability zones so that it synthesizes the same everywhere without a context lookup.',
};

export function acknowledgeNamedZones(vpc: ec2.Vpc): void {
  for (const subnet of [...vpc.publicSubnets, ...vpc.privateSubnets, ...vpc.isolatedSubnets]) {
    const { check, reason } = EXAMPLE_AZ_ACKNOWLEDGEMENT;
    (subnet.node.defaultChild as CfnResource).addMetadata('cfn-lint', { config: { ignore_checks: [check], ignore_reasons: { [check]: reason } } });
  }
}
