import type { ISnowflakeKeyPairSecret } from '../secret/snowflake-keypair-secret';

/** What happens to the registered key when the registration is deleted (with its stack). */
export enum RegisteredKeyRemoval {
  /**
   * Unset the key slot that holds the key the registration set. A key that was registered before
   * the deployment stays, and the user is never dropped.
   */
  REMOVE_KEY = 'REMOVE_KEY',

  /** Leave the key registered: deleting the stack changes nothing in Snowflake. */
  RETAIN_KEY = 'RETAIN_KEY',
}

/**
 * Registration at deploy: a custom resource signs in as an administrator and leaves a working
 * service user, so no one runs the SQL by hand (docs/rotation.md, "Registration at deploy").
 */
export interface KeyRegistrationOptions {
  /**
   * The administrator's key-pair secret: a Snowflake user whose role holds `CREATE USER` on the
   * account (to create the user) and `MODIFY PROGRAMMATIC AUTHENTICATION METHODS` on the service
   * user, or owns it. Read at AWSCURRENT only. It may be the rotation's `adminSecret`.
   */
  readonly adminSecret: ISnowflakeKeyPairSecret;

  /**
   * Create the user when it does not exist: `CREATE USER IF NOT EXISTS "<user>" TYPE = SERVICE`
   * with the secret's role, warehouse, database and schema as its defaults. Off, a missing user
   * fails the deployment with an error that says so.
   * @default true
   */
  readonly createUser?: boolean;

  /**
   * What deleting the stack does to the key the registration set.
   * @default RegisteredKeyRemoval.REMOVE_KEY
   */
  readonly removal?: RegisteredKeyRemoval;
}
