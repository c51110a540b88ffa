/**
 * A Snowflake user's two key slots, as `DESC USER` shows them, and the choice of the slot a new
 * key goes into.
 */
import { quoteIdentifier } from '../../shared/snowflake-identifiers';
import { KeySlot } from '../../shared/snowflake-sql';
import { SnowflakeConnectorError } from '../shared/errors';

export const SLOTS: readonly KeySlot[] = ['RSA_PUBLIC_KEY', 'RSA_PUBLIC_KEY_2'];

/** The fingerprint (`SHA256:...`) in each slot, or undefined when the slot is empty. */
export type UserKeys = Record<KeySlot, string | undefined>;

/** Raised by the rotation steps: a stable code, a message naming the cause and the fix. */
export class RotationError extends SnowflakeConnectorError {}

/** Reads the slots' fingerprints from `DESC USER` rows (`property`, `value`; any case). */
export function userKeysOf(rows: readonly Record<string, unknown>[]): UserKeys {
  const value = (property: string): string | undefined => {
    const row = rows.find((r) => String(field(r, 'property')).toUpperCase() === property);
    const v = row === undefined ? undefined : field(row, 'value');
    return v === undefined || v === null || v === '' || String(v).toLowerCase() === 'null' ? undefined : String(v);
  };
  return { RSA_PUBLIC_KEY: value('RSA_PUBLIC_KEY_FP'), RSA_PUBLIC_KEY_2: value('RSA_PUBLIC_KEY_2_FP') };
}

function field(row: Record<string, unknown>, name: string): unknown {
  const key = Object.keys(row).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : row[key];
}

/** The slot holding `fingerprint`, if any. */
export function slotHolding(keys: UserKeys, fingerprint: string | undefined): KeySlot | undefined {
  return fingerprint === undefined ? undefined : SLOTS.find((slot) => keys[slot] === fingerprint);
}

export interface SlotChoice {
  /** What the slot held before (a fingerprint), if anything. */
  readonly replaces?: string;
  readonly slot: KeySlot;
}

/**
 * The slot the pending key goes into: the one that does not hold the current key. It may be
 * empty or hold a key this secret held before (`earlier`: AWSPREVIOUS's and the secret's
 * previousKeyFingerprints); any other key is refused unless `overwriteUnknown`, because it may be
 * someone's working key.
 */
export function chooseSlot(user: string, keys: UserKeys, current: string, earlier: readonly string[], overwriteUnknown: boolean): SlotChoice {
  const currentSlot = slotHolding(keys, current);
  if (!currentSlot) {
    throw new RotationError('ROTATION_REFUSED', `The current key (${current}) is in neither key slot of user ${quoteIdentifier(user)} `
      + `(RSA_PUBLIC_KEY_FP ${keys.RSA_PUBLIC_KEY ?? 'empty'}, RSA_PUBLIC_KEY_2_FP ${keys.RSA_PUBLIC_KEY_2 ?? 'empty'}), so the `
      + 'functions using this secret cannot be signing in with it. Register it first (the secret\'s AlterUserSql output, '
      + 'or registration at deploy), then rotate; nothing was changed');
  }
  const slot = SLOTS.find((s) => s !== currentSlot)!;
  const held = keys[slot];
  if (held !== undefined && !earlier.includes(held) && !overwriteUnknown) {
    throw new RotationError('ROTATION_REFUSED', `${slot} of user ${quoteIdentifier(user)} holds ${held}, which is neither the current key nor `
      + 'one this secret held before; overwriting it could lock out whoever uses it. Unset it (ALTER USER ... UNSET '
      + `${slot}) or set overwriteUnknownKeys on the rotation, then rotate again; nothing was changed`);
  }
  return { slot, ...(held !== undefined ? { replaces: held } : {}) };
}
