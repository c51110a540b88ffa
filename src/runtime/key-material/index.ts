/**
 * Lambda entry point of the key-material custom resource. Bundled to
 * assets/runtime/key-material/index.js when the library is built.
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
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    const remaining = context?.getRemainingTimeInMillis?.();
    if (remaining !== undefined) {
      timer = setTimeout(() => reject(new Error('Timed out before the key material was written; nothing else was changed')),
        Math.max(remaining - TIMEOUT_MARGIN_MS, 1_000));
    }
  });
  let body: string;
  try {
    const result = await Promise.race([handleKeyMaterialEvent(event, client), deadline]);
    body = responseBody(event, { status: 'SUCCESS', result });
  } catch (error) {
    const reason = errorMessage(error);
    log('ERROR', 'Custom resource failed', { requestType: event.RequestType, reason });
    body = responseBody(event, { status: 'FAILED', reason, physicalResourceId: fallbackId });
  } finally {
    if (timer) clearTimeout(timer);
  }
  await sendResponse(event.ResponseURL, body);
}
