/**
 * The CloudFormation custom-resource protocol: the function answers by PUT to the
 * pre-signed ResponseURL. No provider framework sits in between, so every function the
 * library creates keeps its own pinned runtime (see docs/architecture.md).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { log } from './log';
import { errorMessage, redact } from './redact';
import { STACK_ID_ENV } from '../../shared/pinned-environment';

/**
 * Test only: with this variable set to `true`, a ResponseURL on loopback over plain http
 * (127.0.0.1, ::1, localhost) is accepted too, for the local stand-in of CloudFormation's response
 * bucket (test/support/cfn-response-server.ts). No construct of the library sets it, and an event
 * cannot change a function's environment; in Lambda a loopback URL reaches nothing.
 */
export const LOOPBACK_RESPONSE_URL_ENV = 'CDK_SNOWFLAKE_KEYPAIR_TEST_ONLY_LOOPBACK_RESPONSE_URL';

/**
 * An AWS Region's code as it appears in endpoint names: us-east-1, us-gov-west-1, cn-north-1,
 * eusc-de-east-1, us-isob-east-1 (the partitions' region patterns in the AWS SDK's partitions.json,
 * https://github.com/aws/aws-sdk-js-v3/blob/main/packages/util-endpoints/src/lib/aws/partitions.json).
 */
const REGION = '[a-z]{2,4}(?:-[a-z]+)+-\\d+';

/**
 * The DNS suffix of each AWS partition (the same partitions.json, `dnsSuffix`): aws and aws-us-gov
 * `amazonaws.com`, aws-cn `amazonaws.com.cn`, aws-eusc `amazonaws.eu`, and the ISO partitions.
 */
const PARTITION_SUFFIX = '(?:amazonaws\\.com(?:\\.cn)?|amazonaws\\.eu|c2s\\.ic\\.gov|sc2s\\.sgov\\.gov|cloud\\.adc-e\\.uk|csp\\.hci\\.ic\\.gov)';

/**
 * The host of an S3 endpoint, with or without a bucket in front (virtual-hosted or path style):
 * `<bucket>.s3.amazonaws.com`, `<bucket>.s3.<region>.amazonaws.com`, `<bucket>.s3-<region>.amazonaws.com`
 * (the legacy dash form), `s3.dualstack.<region>`, `s3-fips.<region>`, `s3-external-1`, under any
 * partition's suffix. Sources: S3's "Making requests using the REST API"
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/RESTAPI.html: `s3.Region.amazonaws.com`,
 * `s3.dualstack.Region.amazonaws.com`; https://docs.amazonaws.cn/en_us/AmazonS3/latest/userguide/RESTAPI.html:
 * `.amazonaws.com.cn`), "Virtual hosting of buckets" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html:
 * virtual-hosted and path-style, the legacy `s3-Region` and global `s3.amazonaws.com` endpoints). CloudFormation
 * answers custom resources through "a presigned Amazon S3 bucket URL"
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref.html), such as
 * `https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/...`. Anchored at both
 * ends, so a look-alike (`s3.amazonaws.com.example.net`, `s3-1.us-east-1.elb.amazonaws.com`) does not match.
 */
const S3_HOST = new RegExp(`^(?:[a-z0-9][a-z0-9.-]*[a-z0-9]\\.)?(?:s3(?:-fips)?(?:\\.dualstack)?(?:[.-]${REGION})?|s3-external-1)\\.${PARTITION_SUFFIX}$`);

/**
 * Why this event is refused, or undefined when it comes from this function's own stack and answers
 * to an https pre-signed S3 URL. A function answers only its own stack's custom resources
 * (`StackId` equal to the stack id its construct put in `SNOWFLAKE_CFN_STACK_ID`), and PUTs only to
 * S3 with a pre-signed query (SigV4 `X-Amz-Signature` or SigV2 `Signature`): a direct invoke cannot
 * make it act for another stack, nor send a request to an address of the invoker's choosing.
 */
export function callerRefusal(event: Partial<CloudFormationCustomResourceEvent>, env: Record<string, string | undefined>): string | undefined {
  const ownStack = env[STACK_ID_ENV];
  if (!ownStack) return `${STACK_ID_ENV} is not set, so the function cannot tell its own stack's events from others'. Deploy the stack again`;
  if (event.StackId !== ownStack) return `the event's StackId ${JSON.stringify(event.StackId)} is not this function's stack (${ownStack})`;
  let url: URL;
  try {
    url = new URL(String(event.ResponseURL));
  } catch {
    return 'the event\'s ResponseURL is not a URL';
  }
  if (env[LOOPBACK_RESPONSE_URL_ENV] === 'true' && url.protocol === 'http:' && ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname)) {
    return undefined;
  }
  if (url.protocol !== 'https:') return `the event's ResponseURL is ${url.protocol} to ${url.host}, not https`;
  if (url.username || url.password || url.port !== '' || !S3_HOST.test(url.hostname)) {
    return `the event's ResponseURL host ${url.host} is not an Amazon S3 endpoint (CloudFormation answers through a pre-signed S3 URL)`;
  }
  if (!url.searchParams.has('X-Amz-Signature') && !url.searchParams.has('Signature')) {
    return `the event's ResponseURL to ${url.host} is not pre-signed (no X-Amz-Signature or Signature in its query)`;
  }
  return undefined;
}

/** Raised when an event is refused: not from this function's stack, or not answered through S3. */
export class CallerRefusedError extends Error {
  constructor(reason: string) {
    super(`Refused this custom-resource event, and did not call its ResponseURL: ${reason}`);
    this.name = 'CallerRefusedError';
  }
}

/** What a custom resource reports back. `data` must hold non-secret values only. */
export interface CustomResourceResult {
  readonly physicalResourceId: string;
  readonly data?: Record<string, string>;
}

/** Builds the response body. Reasons are redacted and kept under CloudFormation's 4 KiB limit. */
export function responseBody(
  event: CloudFormationCustomResourceEvent,
  outcome: { status: 'SUCCESS'; result: CustomResourceResult } | { status: 'FAILED'; reason: string; physicalResourceId: string },
): string {
  const common = {
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    NoEcho: false,
  };
  if (outcome.status === 'SUCCESS') {
    return JSON.stringify({
      ...common,
      Status: 'SUCCESS',
      PhysicalResourceId: outcome.result.physicalResourceId,
      Data: outcome.result.data ?? {},
    });
  }
  return JSON.stringify({
    ...common,
    Status: 'FAILED',
    Reason: redact(outcome.reason).slice(0, 3000),
    PhysicalResourceId: outcome.physicalResourceId,
  });
}

/** PUTs the body to the pre-signed URL (https in AWS; http is allowed for loopback tests), within the time left. */
export async function sendResponse(responseUrl: string, body: string, timeoutMs = 30_000): Promise<void> {
  const url = new URL(responseUrl);
  const client = url.protocol === 'http:' ? http : https;
  await new Promise<void>((resolve, reject) => {
    const request = client.request(url, {
      method: 'PUT',
      headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) },
      timeout: Math.min(timeoutMs, 30_000),
    }, (response) => {
      response.resume();
      response.on('end', () => {
        if ((response.statusCode ?? 500) >= 300) {
          reject(new Error(`CloudFormation response upload failed with HTTP ${response.statusCode}`));
        } else {
          resolve();
        }
      });
    });
    request.on('timeout', () => request.destroy(new Error('CloudFormation response upload timed out')));
    request.on('error', reject);
    request.end(body);
  });
}

/** Answer CloudFormation this long before Lambda's timeout, so a stack never waits an hour. */
const TIMEOUT_MARGIN_MS = 10_000;

/**
 * Runs a custom resource's work and always answers CloudFormation: with the result, with the
 * (redacted) error, or, shortly before Lambda's timeout, with a timeout failure. The work gets an
 * abort signal that fires at that point, so SDK calls in flight stop and no write lands after
 * CloudFormation was told the request failed.
 */
export async function runCustomResource(
  event: CloudFormationCustomResourceEvent,
  context: Pick<Context, 'getRemainingTimeInMillis'> | undefined,
  work: (abortSignal: AbortSignal) => Promise<CustomResourceResult>,
  env: Record<string, string | undefined> = process.env,
): Promise<void> {
  // Who is asking, before anything is read, done or answered (docs/security.md, "Custom resources check who is asking").
  const refusal = callerRefusal(event, env);
  if (refusal) {
    log('ERROR', 'Refused a custom-resource event; its ResponseURL was not called', {
      requestType: event.RequestType, logicalResourceId: event.LogicalResourceId, stackId: event.StackId, reason: refusal,
    });
    throw new CallerRefusedError(refusal);
  }
  const fallbackId = 'PhysicalResourceId' in event ? event.PhysicalResourceId : `${event.LogicalResourceId}-failed`;
  const remaining = () => context?.getRemainingTimeInMillis?.() ?? 120_000;
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abort.abort();
      reject(new Error('Timed out before finishing; calls in flight were aborted. Deploying again is safe: every step checks what is already done'));
    }, Math.max(remaining() - TIMEOUT_MARGIN_MS, 1_000));
  });
  let body: string;
  try {
    const result = await Promise.race([work(abort.signal), deadline]);
    body = responseBody(event, { status: 'SUCCESS', result });
  } catch (error) {
    const reason = errorMessage(error);
    log('ERROR', 'Custom resource failed', { requestType: event.RequestType, reason });
    body = responseBody(event, { status: 'FAILED', reason, physicalResourceId: fallbackId });
  } finally {
    if (timer) clearTimeout(timer);
  }
  await sendResponse(event.ResponseURL, body, Math.max(remaining() - 1_000, 1_000));
}
