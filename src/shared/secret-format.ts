/**
 * The secret's JSON contract, documented in docs/secret-format.md.
 *
 * Shared by the constructs (which write the non-secret fields through the key-material
 * custom resource) and by runtime code (which reads and validates the whole value).
 */

/** Connection settings: not secret, written from construct props on every deploy. */
export const CONNECTION_FIELDS = ['account', 'user', 'role', 'warehouse', 'database', 'schema', 'host'] as const;

/** Key material: secret, written only when a key is generated (or pasted by an administrator). */
export const KEY_FIELDS = ['privateKey', 'passphrase'] as const;

/** Not secret: the settings the stored key was generated with (generate mode), kept with the key. */
export const KEY_SETTINGS_FIELD = 'keySettings';

/**
 * Non-secret field the rotation keeps: the fingerprints (`SHA256:...`) of the keys this secret held
 * before its current one, newest first, at most five. A slot holding one of them is the rotation's
 * to reuse or retire; any other key in a slot is someone else's (docs/rotation.md).
 */
export const PREVIOUS_KEYS_FIELD = 'previousKeyFingerprints';

export type ConnectionField = typeof CONNECTION_FIELDS[number];
export type KeyField = typeof KEY_FIELDS[number];

/** The connection settings as the custom resource receives them. */
export type ConnectionSettings = Partial<Record<ConnectionField, string>> & { account: string; user: string };
