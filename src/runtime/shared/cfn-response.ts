/**
 * The CloudFormation custom-resource protocol: the function answers by PUT to the
 * pre-signed ResponseURL. No provider framework sits in between, so every function the
 * library creates keeps its own pinned runtime (see docs/architecture.md).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { redact } from './redact';

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
