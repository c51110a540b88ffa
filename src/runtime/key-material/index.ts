/**
 * Lambda entry point of the key-material custom resource. Bundled to
 * assets/key-material/index.js when the library is built.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { handleKeyMaterialEvent } from './key-material';
import { responseBody, sendResponse } from '../shared/cfn-response';
import { log } from '../shared/log';
import { errorMessage } from '../shared/redact';

/** Answer CloudFormation this long before Lambda's timeout, so a stack never waits an hour. */
const TIMEOUT_MARGIN_MS = 10_000;

let client: SecretsManagerClient | undefined;

export async function handler(event: CloudFormationCustomResourceEvent, context?: Context): Promise<void> {
  client ??= new SecretsManagerClient({});
  log('INFO', 'Custom resource event', {
    requestType: event.RequestType,
    logicalResourceId: event.LogicalResourceId,
    secretId: event.ResourceProperties?.SecretId,
  });
  const fallbackId = 'PhysicalResourceId' in event ? event.PhysicalResourceId : `${event.LogicalResourceId}-failed`;
  const remaining = () => context?.getRemainingTimeInMillis?.() ?? 120_000;
  // Stop the work, and answer, before Lambda's timeout: SDK calls in flight are aborted, so no
  // write can land after CloudFormation has been told the request failed.
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abort.abort();
      reject(new Error('Timed out before finishing; calls in flight were aborted. Deploying again is safe: a write that did land is recognised by its version id'));
    }, Math.max(remaining() - TIMEOUT_MARGIN_MS, 1_000));
  });
  let body: string;
  try {
    const result = await Promise.race([handleKeyMaterialEvent(event, client, { abortSignal: abort.signal }), deadline]);
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
