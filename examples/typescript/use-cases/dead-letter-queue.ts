/**
 * Where failed events end: an SQS queue, encrypted, TLS only, kept 14 days.
 */
import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeExample, EXAMPLE_DLQ_ACKNOWLEDGEMENT } from '../acknowledgements';

export function deadLetterQueue(scope: Construct, id: string): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  acknowledgeExample(queue, EXAMPLE_DLQ_ACKNOWLEDGEMENT);
  return queue;
}
