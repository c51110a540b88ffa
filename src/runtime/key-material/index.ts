/**
 * Lambda entry point of the key-material custom resource. Bundled to
 * assets/key-material/index.js when the library is built.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { handleKeyMaterialEvent } from './key-material';
import { runCustomResource } from '../shared/cfn-response';
import { log } from '../shared/log';

let client: SecretsManagerClient | undefined;

export async function handler(event: CloudFormationCustomResourceEvent, context?: Context): Promise<void> {
  client ??= new SecretsManagerClient({});
  log('INFO', 'Custom resource event', {
    requestType: event.RequestType,
    logicalResourceId: event.LogicalResourceId,
    secretId: event.ResourceProperties?.SecretId,
  });
  await runCustomResource(event, context, (abortSignal) => handleKeyMaterialEvent(event, client!, { abortSignal }));
}
