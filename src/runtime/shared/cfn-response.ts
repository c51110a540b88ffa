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
): Promise<void> {
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
