/**
 * The key-material custom resource: generates the key pair inside AWS and writes it
 * straight into the secret, or (bring-your-own-key mode) writes only the connection
 * settings and leaves the key fields to an administrator.
 *
 * Rules (docs/architecture.md, "The key-material custom resource"):
 * - The private key and passphrase go to Secrets Manager only. The response carries the
 *   public key and its fingerprint, nothing else.
 * - Which key the secret should hold is decided from what is stored, never from the old and
 *   new properties, so a CloudFormation rollback restores the earlier key instead of generating
 *   another: every value written in generate mode records its key settings in the non-secret
 *   field `keySettings` (`keySettingsOf`), and the handler keeps the current key, restores the
 *   AWSPREVIOUS one, or generates, by that field.
 * - Deletes never touch the secret: CloudFormation owns its lifecycle (its DeletionPolicy).
 * - Unknown fields in the stored value are kept. A value that is not JSON is never overwritten.
 * - Writes are idempotent per CloudFormation request: the version id derives from the request.
 */
import { createHash } from 'node:crypto';
import {
  GetSecretValueCommand,
  GetSecretValueCommandOutput,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { KeyMaterialProperties, parseProperties } from './properties';
import { KeyMaterialAttribute } from '../../shared/custom-resources';
import { CONNECTION_FIELDS, KEY_FIELDS, KEY_SETTINGS_FIELD } from '../../shared/secret-format';
import type { CustomResourceResult } from '../shared/cfn-response';
import { generateRsaKeyPair, PublicKeyInfo } from '../shared/keys';
import { log } from '../shared/log';
import { KeyFormatError, normalisePrivateKey } from '../shared/private-key';
import { registerSecret } from '../shared/redact';

interface StoredValue {
  readonly value: Record<string, unknown>;
  readonly versionId?: string;
}

/** The value of the non-secret `keySettings` field for a key generated with these settings. */
export function keySettingsOf(props: KeyMaterialProperties): string {
  return `G${props.keyGeneration}-RSA${props.keySize}${props.encryptPrivateKey ? '-ENCRYPTED' : ''}`;
}

/** Options for one event: an abort signal that stops SDK calls when time runs out. */
export interface HandleOptions {
  readonly abortSignal?: AbortSignal;
}

/** Handles one custom-resource event. Throws on failure; the caller reports it to CloudFormation. */
export async function handleKeyMaterialEvent(
  event: CloudFormationCustomResourceEvent,
  client: SecretsManagerClient,
  options: HandleOptions = {},
): Promise<CustomResourceResult> {
  if (event.RequestType === 'Delete') {
    // CloudFormation owns the secret: its DeletionPolicy (the construct's removalPolicy) decides
    // whether it is kept. This function never deletes or scrubs it, so a rollback or a replaced
    // custom resource cannot take a key away. Nothing is parsed, so a Delete always succeeds.
    log('INFO', 'Delete: the secret is left to its DeletionPolicy', { physicalResourceId: event.PhysicalResourceId });
    return { physicalResourceId: event.PhysicalResourceId };
  }
  const props = parseProperties(event.ResourceProperties);
  const sdk = { abortSignal: options.abortSignal };
  const stored = await readStored(client, props.secretId, 'AWSCURRENT', sdk);
  const versionId = requestVersionId(event);

  if (stored?.versionId === versionId) {
    // A retry of a request whose write already landed: report what was written.
    log('INFO', 'Secret already written for this request', { secretId: props.secretId });
    return result(props, stored.value);
  }

  const current: StoredValue = stored ?? { value: {} };
  let keyFields = pickKeyFields(current.value);
  let generated = false;
  if (props.mode === 'GENERATE') {
    const wanted = keySettingsOf(props);
    const hasKey = keyFields.privateKey !== undefined;
    if (hasKey && current.value[KEY_SETTINGS_FIELD] === wanted) {
      // The current key is the one these settings name: keep it.
    } else if (hasKey && current.value[KEY_SETTINGS_FIELD] === undefined) {
      // A key this function did not generate (pasted in bring-your-own-key mode, say): adopt it.
      keyFields = { ...keyFields, keySettings: wanted };
      log('INFO', 'Adopted the key already in the secret', { secretId: props.secretId, keySettings: wanted });
    } else {
      const previous = await readStored(client, props.secretId, 'AWSPREVIOUS', sdk);
      const previousKey = previous ? pickKeyFields(previous.value) : {};
      if (previousKey.privateKey !== undefined && previousKey.keySettings === wanted) {
        keyFields = previousKey;
        log('INFO', 'Restored the AWSPREVIOUS key these settings name (a rollback)', { secretId: props.secretId, keySettings: wanted });
      } else {
        const pair = await generateRsaKeyPair(props.keySize, props.encryptPrivateKey);
        registerSecret(pair.privateKeyPem);
        registerSecret(pair.passphrase);
        keyFields = { privateKey: pair.privateKeyPem, ...(pair.passphrase ? { passphrase: pair.passphrase } : {}), keySettings: wanted };
        generated = true;
        log('INFO', 'Generated a new key pair', {
          secretId: props.secretId,
          keySettings: wanted,
          fingerprint: pair.publicKey.fingerprint,
        });
      }
    }
  }

  const next = mergeValue(current.value, props, keyFields);
  const data = result(props, next);
  if (sameJson(next, current.value)) {
    log('INFO', 'Secret unchanged', { secretId: props.secretId, fingerprint: data.data?.[KeyMaterialAttribute.PUBLIC_KEY_FINGERPRINT] });
    return data;
  }
  await client.send(new PutSecretValueCommand({
    SecretId: props.secretId,
    SecretString: JSON.stringify(next),
    ClientRequestToken: versionId,
  }), sdk);
  log('INFO', generated ? 'Wrote the new key and connection settings' : 'Wrote connection settings; key kept', {
    secretId: props.secretId,
    fingerprint: data.data?.[KeyMaterialAttribute.PUBLIC_KEY_FINGERPRINT],
  });
  return data;
}

async function readStored(
  client: SecretsManagerClient,
  secretId: string,
  stage: string,
  sdk: { abortSignal?: AbortSignal },
): Promise<StoredValue | undefined> {
  let out: GetSecretValueCommandOutput;
  try {
    out = await client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }), sdk);
  } catch (error) {
    // No version has this stage. (A missing secret fails the AWSCURRENT read, which comes first.)
    if (error instanceof ResourceNotFoundException && (stage !== 'AWSCURRENT' || /version|staging label/i.test(error.message))) {
      return undefined;
    }
    throw error;
  }
  if (out.SecretString === undefined) {
    throw new Error(`The secret ${secretId} holds a binary value. This library stores JSON (docs/secret-format.md); `
      + 'move the binary value to another secret, then deploy again. Nothing was written.');
  }
  let value: unknown;
  try {
    value = JSON.parse(out.SecretString);
  } catch {
    throw new Error(`The secret ${secretId}'s current value is not JSON, so it was not overwritten. `
      + 'Store the value as JSON as docs/secret-format.md describes (or restore the previous version), then deploy again.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`The secret ${secretId}'s current value is JSON but not an object, so it was not overwritten. `
      + 'Store an object as docs/secret-format.md describes, then deploy again.');
  }
  for (const field of KEY_FIELDS) {
    registerSecret(typeof (value as Record<string, unknown>)[field] === 'string' ? (value as Record<string, string>)[field] : undefined);
  }
  return { value: value as Record<string, unknown>, versionId: out.VersionId };
}

interface KeyFields {
  readonly privateKey?: string;
  readonly passphrase?: string;
  readonly keySettings?: string;
}

/** The key and what travels with it: its passphrase, and the settings it was generated with. */
function pickKeyFields(value: Record<string, unknown>): KeyFields {
  const text = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined);
  const privateKey = text(value.privateKey);
  return privateKey ? { privateKey, passphrase: text(value.passphrase), keySettings: text(value[KEY_SETTINGS_FIELD]) } : {};
}

/** Unknown fields first (kept as they were), then the contract's fields in a fixed order. */
function mergeValue(
  stored: Record<string, unknown>,
  props: KeyMaterialProperties,
  keyFields: KeyFields,
): Record<string, unknown> {
  const managed = new Set<string>([...CONNECTION_FIELDS, ...KEY_FIELDS, KEY_SETTINGS_FIELD]);
  const next: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(stored)) {
    if (!managed.has(key)) {
      next[key] = value;
    }
  }
  for (const field of CONNECTION_FIELDS) {
    if (props.connection[field] !== undefined) {
      next[field] = props.connection[field];
    }
  }
  if (keyFields.privateKey !== undefined) {
    next.privateKey = keyFields.privateKey;
    if (keyFields.passphrase !== undefined) {
      next.passphrase = keyFields.passphrase;
    }
    if (keyFields.keySettings !== undefined) {
      next[KEY_SETTINGS_FIELD] = keyFields.keySettings;
    }
  }
  return next;
}

function result(props: KeyMaterialProperties, value: Record<string, unknown>): CustomResourceResult {
  if (props.mode !== 'GENERATE') {
    return { physicalResourceId: props.secretId, data: {} };
  }
  const info = publicKeyOf(value, props.secretId);
  return {
    physicalResourceId: props.secretId,
    data: { [KeyMaterialAttribute.PUBLIC_KEY]: info.spkiBase64, [KeyMaterialAttribute.PUBLIC_KEY_FINGERPRINT]: info.fingerprint },
  };
}

function publicKeyOf(value: Record<string, unknown>, secretId: string): PublicKeyInfo {
  const { privateKey, passphrase } = pickKeyFields(value);
  if (privateKey === undefined) {
    throw new Error(`The secret ${secretId} holds no privateKey after the write; this is a bug, please report it.`);
  }
  try {
    return normalisePrivateKey(privateKey, passphrase).publicKey;
  } catch (error) {
    if (error instanceof KeyFormatError) {
      throw new Error(`The privateKey stored in ${secretId} cannot be used: ${error.message}. It was kept as it is. `
        + 'To replace it with a newly generated key, increase keyGeneration in KeySource.generate({ keyGeneration }) and deploy again.');
    }
    throw error;
  }
}

/** A stable version id per CloudFormation request, so a retried write is recognised. */
function requestVersionId(event: CloudFormationCustomResourceEvent): string {
  const hex = createHash('sha256').update(`${event.StackId}|${event.LogicalResourceId}|${event.RequestId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function sameJson(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
