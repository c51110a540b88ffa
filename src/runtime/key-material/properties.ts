/**
 * The key-material custom resource's properties, as CloudFormation delivers them
 * (every scalar a string), parsed and checked.
 */
import { CONNECTION_FIELDS, ConnectionSettings } from '../../shared/secret-format';

/** How the key gets into the secret. */
export type KeyMode = 'GENERATE' | 'BRING_YOUR_OWN';

/** Parsed properties. */
export interface KeyMaterialProperties {
  readonly secretId: string;
  readonly mode: KeyMode;
  readonly keySize: number;
  readonly encryptPrivateKey: boolean;
  readonly keyGeneration: number;
  readonly connection: ConnectionSettings;
}

/** Parses raw ResourceProperties. Throws an error naming the property on bad input. */
export function parseProperties(raw: Record<string, unknown> | undefined): KeyMaterialProperties {
  const props = raw ?? {};
  const secretId = requireString(props, 'SecretId');
  const mode = requireString(props, 'Mode');
  if (mode !== 'GENERATE' && mode !== 'BRING_YOUR_OWN') {
    throw new Error(`Property Mode must be GENERATE or BRING_YOUR_OWN (got ${JSON.stringify(mode)})`);
  }
  const keySize = Number(props.KeySize ?? '2048');
  if (keySize !== 2048 && keySize !== 4096) {
    throw new Error(`Property KeySize must be 2048 or 4096 (got ${JSON.stringify(props.KeySize)})`);
  }
  const keyGeneration = Number(props.KeyGeneration ?? '1');
  if (!Number.isInteger(keyGeneration) || keyGeneration < 1) {
    throw new Error(`Property KeyGeneration must be a positive integer (got ${JSON.stringify(props.KeyGeneration)})`);
  }
  const rawConnection = props.Connection;
  if (typeof rawConnection !== 'object' || rawConnection === null) {
    throw new Error('Property Connection must be an object with at least account and user');
  }
  const connection: Record<string, string> = {};
  for (const field of CONNECTION_FIELDS) {
    const value = (rawConnection as Record<string, unknown>)[field];
    if (value !== undefined && value !== '') {
      connection[field] = String(value);
    }
  }
  if (!connection.account || !connection.user) {
    throw new Error('Property Connection must include account and user');
  }
  return {
    secretId,
    mode,
    keySize,
    encryptPrivateKey: String(props.EncryptPrivateKey ?? 'false') === 'true',
    keyGeneration,
    connection: connection as ConnectionSettings,
  };
}

function requireString(props: Record<string, unknown>, name: string): string {
  const value = props[name];
  if (typeof value !== 'string' || value.length === 0) {
    throw new Error(`Property ${name} is required`);
  }
  return value;
}
