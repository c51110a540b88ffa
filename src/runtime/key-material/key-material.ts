/**
 * The key-material custom resource: generates the key pair inside AWS and writes it
 * straight into the secret, or (bring-your-own-key mode) writes only the connection
 * settings and leaves the key fields to an administrator.
 *
 * Rules (docs/architecture.md, "Key material"):
 * - The private key and passphrase go to Secrets Manager only. The response carries the
 *   public key and its fingerprint, nothing else.
 * - A stored key is replaced only when the key settings change (mode, size, encryption,
 *   generation). Other updates rewrite the connection settings and keep the key.
 * - Unknown fields in the stored value are kept. A value that is not JSON is never overwritten.
 * - Writes are idempotent per CloudFormation request: the version id derives from the request.
 */
import { createHash } from 'node:crypto';
import {
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { keySettingsChanged, KeyMaterialProperties, parseProperties } from './properties';
import { CONNECTION_FIELDS, KEY_FIELDS } from '../../shared/secret-format';
import type { CustomResourceResult } from '../shared/cfn-response';
import { describePublicKey, generateRsaKeyPair, KeyError, parsePrivateKey, PublicKeyInfo } from '../shared/keys';
import { log } from '../shared/log';
import { registerSecret } from '../shared/redact';

interface StoredValue {
  readonly value: Record<string, unknown>;
  readonly versionId?: string;
}

/** Handles one custom-resource event. Throws on failure; the caller reports it to CloudFormation. */
export async function handleKeyMaterialEvent(
  event: CloudFormationCustomResourceEvent,
  client: SecretsManagerClient,
): Promise<CustomResourceResult> {
  const props = parseProperties(event.ResourceProperties);
  if (event.RequestType === 'Delete') {
    return onDelete(props, event.PhysicalResourceId, client);
  }
  const previous = event.RequestType === 'Update' ? safeParse(event.OldResourceProperties) : undefined;
  const stored = await readStored(client, props.secretId);
  const versionId = requestVersionId(event);

  if (stored.versionId === versionId) {
    // A retry of a request whose write already landed: report what was written.
    log('INFO', 'Secret already written for this request', { secretId: props.secretId });
    return result(props, stored.value);
  }

  let keyFields = pickKeyFields(stored.value);
  let generated = false;
  if (props.mode === 'GENERATE') {
    const asked = event.RequestType === 'Update' && previous !== undefined && keySettingsChanged(previous, props);
    if (asked || keyFields.privateKey === undefined) {
      const pair = await generateRsaKeyPair(props.keySize, props.encryptPrivateKey);
      registerSecret(pair.privateKeyPem);
      registerSecret(pair.passphrase);
      keyFields = pair.passphrase ? { privateKey: pair.privateKeyPem, passphrase: pair.passphrase } : { privateKey: pair.privateKeyPem };
      generated = true;
      log('INFO', 'Generated a new key pair', {
        secretId: props.secretId,
        reason: asked ? 'key settings changed' : 'no key stored',
        keySize: props.keySize,
        encrypted: props.encryptPrivateKey,
        fingerprint: pair.publicKey.fingerprint,
      });
    }
  }

  const next = mergeValue(stored.value, props, keyFields);
  const data = result(props, next);
  if (!generated && sameJson(next, stored.value)) {
    log('INFO', 'Secret unchanged', { secretId: props.secretId, fingerprint: data.data?.PublicKeyFingerprint });
    return data;
  }
  await client.send(new PutSecretValueCommand({
    SecretId: props.secretId,
    SecretString: JSON.stringify(next),
    ClientRequestToken: versionId,
  }));
  log('INFO', generated ? 'Wrote the new key and connection settings' : 'Updated connection settings; key kept', {
    secretId: props.secretId,
    fingerprint: data.data?.PublicKeyFingerprint,
  });
  return data;
}

async function onDelete(props: KeyMaterialProperties, physicalResourceId: string, client: SecretsManagerClient): Promise<CustomResourceResult> {
  if (props.removalPolicy === 'retain') {
    log('INFO', 'Removal policy RETAIN: secret and key left in place', { secretId: props.secretId });
    return { physicalResourceId };
  }
  try {
    await client.send(new DeleteSecretCommand({ SecretId: props.secretId, ForceDeleteWithoutRecovery: true }));
    log('INFO', 'Removal policy DESTROY: secret deleted without a recovery window', { secretId: props.secretId });
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) {
      throw error;
    }
  }
  return { physicalResourceId };
}

async function readStored(client: SecretsManagerClient, secretId: string): Promise<StoredValue> {
  let out;
  try {
    out = await client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }));
  } catch (error) {
    if (error instanceof ResourceNotFoundException && /version|staging label/i.test(error.message)) {
      return { value: {} };
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

function pickKeyFields(value: Record<string, unknown>): { privateKey?: string; passphrase?: string } {
  const privateKey = typeof value.privateKey === 'string' && value.privateKey.length > 0 ? value.privateKey : undefined;
  const passphrase = typeof value.passphrase === 'string' && value.passphrase.length > 0 ? value.passphrase : undefined;
  return privateKey ? { privateKey, passphrase } : {};
}

/** Unknown fields first (kept as they were), then the contract's fields in a fixed order. */
function mergeValue(
  stored: Record<string, unknown>,
  props: KeyMaterialProperties,
  keyFields: { privateKey?: string; passphrase?: string },
): Record<string, unknown> {
  const managed = new Set<string>([...CONNECTION_FIELDS, ...KEY_FIELDS]);
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
    data: { PublicKey: info.spkiBase64, PublicKeyFingerprint: info.fingerprint },
  };
}

function publicKeyOf(value: Record<string, unknown>, secretId: string): PublicKeyInfo {
  const { privateKey, passphrase } = pickKeyFields(value);
  if (privateKey === undefined) {
    throw new Error(`The secret ${secretId} holds no privateKey after the write; this is a bug, please report it.`);
  }
  try {
    return describePublicKey(parsePrivateKey(privateKey, passphrase));
  } catch (error) {
    if (error instanceof KeyError) {
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

function safeParse(raw: Record<string, unknown> | undefined): KeyMaterialProperties | undefined {
  try {
    return parseProperties(raw);
  } catch {
    return undefined;
  }
}
