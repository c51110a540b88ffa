/**
 * The key-material custom resource's properties, as CloudFormation delivers them
 * (every scalar a string), parsed and checked.
 */
import { KEY_MODES, KeyMaterialProperty as P, KeyMode } from '../../shared/custom-resources';
import { CONNECTION_FIELDS, ConnectionSettings } from '../../shared/secret-format';

export type { KeyMode };

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
  const secretId = requireString(props, P.SECRET_ID);
  const mode = requireString(props, P.MODE);
  if (!(KEY_MODES as readonly string[]).includes(mode)) {
    throw new Error(`Property ${P.MODE} must be ${KEY_MODES.join(' or ')} (got ${JSON.stringify(mode)})`);
  }
  const keySize = Number(props[P.KEY_SIZE] ?? '2048');
  if (keySize !== 2048 && keySize !== 4096) {
    throw new Error(`Property ${P.KEY_SIZE} must be 2048 or 4096 (got ${JSON.stringify(props[P.KEY_SIZE])})`);
  }
  const keyGeneration = Number(props[P.KEY_GENERATION] ?? '1');
  if (!Number.isInteger(keyGeneration) || keyGeneration < 1) {
    throw new Error(`Property ${P.KEY_GENERATION} must be a positive integer (got ${JSON.stringify(props[P.KEY_GENERATION])})`);
  }
  const rawConnection = props[P.CONNECTION];
  if (typeof rawConnection !== 'object' || rawConnection === null) {
    throw new Error(`Property ${P.CONNECTION} must be an object with at least account and user`);
  }
  const connection: Record<string, string> = {};
  for (const field of CONNECTION_FIELDS) {
    const value = (rawConnection as Record<string, unknown>)[field];
    if (value !== undefined && value !== '') {
      connection[field] = String(value);
    }
  }
  if (!connection.account || !connection.user) {
    throw new Error(`Property ${P.CONNECTION} must include account and user`);
  }
  return {
    secretId,
    mode: mode as KeyMode,
    keySize,
    encryptPrivateKey: String(props[P.ENCRYPT_PRIVATE_KEY] ?? 'false') === 'true',
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
