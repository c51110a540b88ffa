/**
 * Registration at deploy: the custom resource that leaves a working Snowflake service user.
 * As the administrator (the admin secret's user and role):
 *
 * - Create: `CREATE USER IF NOT EXISTS "<user>" TYPE = SERVICE` with the secret's default role,
 *   warehouse and namespace, when the user does not exist; the secret's public key into an empty
 *   key slot, unless a slot holds it already; `DESC USER` must then show its fingerprint.
 * - Update: the same for the secret's key now (a regenerated key gets registered); the physical
 *   id names the key, so CloudFormation deletes the old registration once the update succeeded.
 * - Delete: unsets the slot holding the key this resource set, and nothing else: not a key that
 *   was there before, not the user. With `OnDelete: RETAIN_KEY`, nothing.
 *
 * A slot holding another key is never overwritten. Responses carry the user, slot and
 * fingerprint, never a key.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { AdminSession } from './admin-session';
import { RotationError, SLOTS, slotHolding, UserKeys } from './user-keys';
import { REGISTRATION_ON_DELETE, RegistrationOnDelete, RegistrationProperty as P } from '../../shared/custom-resources';
import { PREVIOUS_KEYS_FIELD } from '../../shared/secret-format';
import { quoteIdentifier } from '../../shared/snowflake-identifiers';
import { KeySlot } from '../../shared/snowflake-sql';
import { ConnectorOptions, SnowflakeConnector } from '../connector/connector';
import type { CustomResourceResult } from '../shared/cfn-response';
import { ConfigurationError } from '../shared/errors';
import { log } from '../shared/log';
import { normalisePrivateKey } from '../shared/private-key';
import { parseSecretValue, SnowflakeSecretValue } from '../shared/secret-value';

/** What happens to the key this resource set when the resource is deleted. */
export type { RegistrationOnDelete };

export interface RegistrationProperties {
  readonly secretId: string;
  readonly adminSecretId: string;
  readonly createUser: boolean;
  readonly onDelete: RegistrationOnDelete;
}

export function registrationProperties(raw: Record<string, unknown> | undefined): RegistrationProperties {
  const text = (name: string): string => {
    const value = raw?.[name];
    if (typeof value !== 'string' || value === '') throw new ConfigurationError('CONFIG_INVALID', `The custom resource's ${name} property is missing`);
    return value;
  };
  const onDelete = raw?.[P.ON_DELETE] ?? REGISTRATION_ON_DELETE[0];
  if (!(REGISTRATION_ON_DELETE as readonly unknown[]).includes(onDelete)) {
    throw new ConfigurationError('CONFIG_INVALID', `${P.ON_DELETE} is ${JSON.stringify(onDelete)}; expected ${REGISTRATION_ON_DELETE.join(' or ')}`);
  }
  return {
    secretId: text(P.SECRET_ID),
    adminSecretId: text(P.ADMIN_SECRET_ID),
    createUser: raw?.[P.CREATE_USER] !== 'false',
    onDelete: onDelete as RegistrationOnDelete,
  };
}

/**
 * The physical id: which account, user and key this resource registered, and whether it set the
 * key (`set`) or found it there (`found`). Only a key it set is removed on delete.
 */
export interface Registration {
  readonly account: string;
  readonly user: string;
  readonly fingerprint: string;
  readonly setByUs: boolean;
}

const ID_PREFIX = 'snowflake-key';

export function registrationId(r: Registration): string {
  return [ID_PREFIX, r.account, r.user, r.fingerprint, r.setByUs ? 'set' : 'found'].map(encodeURIComponent).join('/');
}

export function parseRegistrationId(id: string): Registration | undefined {
  const parts = id.split('/').map(decodeURIComponent);
  if (parts.length !== 5 || parts[0] !== ID_PREFIX || !/^SHA256:/.test(parts[3]) || !['set', 'found'].includes(parts[4])) return undefined;
  return { account: parts[1], user: parts[2], fingerprint: parts[3], setByUs: parts[4] === 'set' };
}

export class KeyRegistration {
  constructor(
    private readonly sm: SecretsManagerClient,
    private readonly connector: Partial<ConnectorOptions> = {},
    private readonly connectorFor: (options: ConnectorOptions) => SnowflakeConnector = (options) => new SnowflakeConnector(options),
  ) {}

  async handle(event: CloudFormationCustomResourceEvent): Promise<CustomResourceResult> {
    if (event.RequestType === 'Delete') return this.delete(event.PhysicalResourceId, event.ResourceProperties);
    const previous = event.RequestType === 'Update' ? parseRegistrationId(event.PhysicalResourceId) : undefined;
    return this.register(registrationProperties(event.ResourceProperties), previous);
  }

  /**
   * The secret's current key, registered (and its user created if need be), then checked. An
   * update that finds the key it registered before keeps that registration (and its physical id),
   * so CloudFormation's clean-up does not remove the key the update kept.
   */
  async register(props: RegistrationProperties, previous?: Registration): Promise<CustomResourceResult> {
    const output = await this.sm.send(new GetSecretValueCommand({ SecretId: props.secretId, VersionStage: 'AWSCURRENT' }));
    const value = parseSecretValue(props.secretId, output.SecretString);
    const key = normalisePrivateKey(value.privateKey, value.passphrase).publicKey;
    const account = value.account.toUpperCase();
    return this.asAdmin(props.adminSecretId, async (admin) => {
      const before = await admin.keysOf(value.user);
      let keys: UserKeys;
      if (before === undefined) {
        if (!props.createUser) {
          throw new RotationError('ROTATION_REFUSED', `User ${quoteIdentifier(value.user)} does not exist (or the administrator's role cannot see it), and createUser is off. `
            + 'Create the user in Snowflake, or turn createUser on and grant the administrator\'s role CREATE USER. The SQL names the user by the '
            + 'secret\'s "user" (its login name): a user whose LOGIN_NAME differs from its name is registered by hand (docs/secret-format.md)');
        }
        const { user, role, warehouse, database, schema } = value;
        await admin.createUser({ user, role, warehouse, database, schema, publicKey: key.spkiBase64 });
        const after = await admin.keysOf(value.user);
        if (after === undefined) {
          // CREATE USER IF NOT EXISTS did nothing: the user exists, and this role may not see it.
          throw new RotationError('ROTATION_REFUSED', `User ${quoteIdentifier(value.user)} exists, but the administrator's role cannot see it (DESC USER fails), `
            + 'so its keys cannot be checked. Grant the role MODIFY PROGRAMMATIC AUTHENTICATION METHODS on the user (or ownership); nothing was changed');
        }
        keys = after;
      } else {
        keys = before;
      }
      const created = before === undefined;
      let slot = slotHolding(keys, key.fingerprint);
      const sameAsBefore = previous?.account === account && previous.user === value.user && previous.fingerprint === key.fingerprint;
      const found = slot !== undefined && !created && !(sameAsBefore && previous.setByUs);
      if (!slot) {
        slot = SLOTS.find((s) => keys![s] === undefined);
        if (!slot) {
          throw new RotationError('ROTATION_REFUSED', `Both key slots of user ${quoteIdentifier(value.user)} hold other keys (RSA_PUBLIC_KEY_FP ${keys.RSA_PUBLIC_KEY}, `
            + `RSA_PUBLIC_KEY_2_FP ${keys.RSA_PUBLIC_KEY_2}); registration never overwrites a key. Unset the one no longer used `
            + '(ALTER USER ... UNSET RSA_PUBLIC_KEY_2), then deploy again; nothing was changed');
        }
        await admin.setKey(value.user, key.spkiBase64, slot);
        const after = await admin.keysOf(value.user);
        if (after?.[slot] !== key.fingerprint) {
          throw new RotationError('ROTATION_VERIFY_FAILED', `After ALTER USER ${quoteIdentifier(value.user)} SET ${slot}, DESC USER shows `
            + `${after?.[slot] ?? 'an empty slot'} instead of ${key.fingerprint}`);
        }
      }
      log('INFO', found ? 'Registration: the key is registered already' : 'Registration: key registered', {
        secretId: props.secretId, user: value.user, slot, fingerprint: key.fingerprint, userCreated: created,
      });
      return {
        physicalResourceId: registrationId({ account, user: value.user, fingerprint: key.fingerprint, setByUs: !found }),
        data: { User: value.user, Slot: slot, Fingerprint: key.fingerprint, UserCreated: String(created) },
      };
    });
  }

  /**
   * Unsets the key this resource set, if a slot still holds it. Never drops the user.
   *
   * Whoever invokes the function writes the whole event, the physical id and the properties
   * included. So the physical id only says which registration is meant; what is unset comes from
   * the state the service secret records (docs/rotation.md, "What a Delete may remove"): the user
   * and fingerprint must be a key this secret holds or held (AWSCURRENT's key, its
   * `previousKeyFingerprints`, AWSPREVIOUS's key) for the user that version names, in the account
   * it names. Anything else is logged and left alone; the function's role reads only its stack's
   * secrets, so a direct invoke can at most do what deleting the stack would.
   */
  async delete(physicalResourceId: string, raw: Record<string, unknown> | undefined): Promise<CustomResourceResult> {
    const registration = parseRegistrationId(physicalResourceId);
    const done = { physicalResourceId };
    if (!registration) {
      log('INFO', 'Delete: this resource registered nothing', { physicalResourceId });
      return done;
    }
    const props = registrationProperties(raw);
    if (props.onDelete === 'RETAIN_KEY' || !registration.setByUs) {
      log('INFO', 'Delete: the key stays registered', {
        user: registration.user, fingerprint: registration.fingerprint, reason: props.onDelete === 'RETAIN_KEY' ? 'RETAIN_KEY' : 'it was registered before',
      });
      return done;
    }
    const recorded = (await this.recordedKeys(props.secretId)).find((key) =>
      key.account === registration.account && key.user === registration.user && key.fingerprint === registration.fingerprint);
    if (!recorded) {
      log('WARN', 'Delete: the secret does not record this key for this user, so it is left registered', {
        secretId: props.secretId, user: registration.user, fingerprint: registration.fingerprint,
      });
      return done;
    }
    const { user, fingerprint } = recorded;
    return this.asAdmin(props.adminSecretId, async (admin) => {
      const keys = await admin.keysOf(user);
      const slot: KeySlot | undefined = keys && slotHolding(keys, fingerprint);
      if (!slot) {
        log('INFO', 'Delete: the key is no longer registered', { user, fingerprint });
        return done;
      }
      await admin.unsetKey(user, slot);
      const after = await admin.keysOf(user);
      if (after && after[slot] === fingerprint) {
        throw new RotationError('ROTATION_VERIFY_FAILED', `After ALTER USER ${quoteIdentifier(user)} UNSET ${slot}, DESC USER still shows ${fingerprint}`);
      }
      log('INFO', 'Delete: the key this resource set is removed', { user, slot, fingerprint });
      return done;
    });
  }

  /**
   * The keys the service secret records, each with the user and account of the version that
   * records it: AWSCURRENT's key and `previousKeyFingerprints`, and AWSPREVIOUS's key (a key
   * replaced by a new keyGeneration). None when the secret is gone.
   */
  private async recordedKeys(secretId: string): Promise<Array<{ account: string; user: string; fingerprint: string }>> {
    const keys: Array<{ account: string; user: string; fingerprint: string }> = [];
    for (const stage of ['AWSCURRENT', 'AWSPREVIOUS']) {
      let output;
      try {
        output = await this.sm.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }));
      } catch (error) {
        if ((error as { name?: string }).name === 'ResourceNotFoundException') continue;
        throw error;
      }
      let value: SnowflakeSecretValue;
      let fingerprint: string;
      try {
        value = parseSecretValue(secretId, output.SecretString);
        fingerprint = normalisePrivateKey(value.privateKey, value.passphrase).publicKey.fingerprint;
      } catch {
        // A version without a usable key (the empty value the secret is created with) records none.
        continue;
      }
      const account = value.account.toUpperCase();
      keys.push({ account, user: value.user, fingerprint });
      if (stage === 'AWSCURRENT') {
        const earlier = (JSON.parse(output.SecretString!) as Record<string, unknown>)[PREVIOUS_KEYS_FIELD];
        for (const fp of Array.isArray(earlier) ? earlier : []) {
          if (typeof fp === 'string') keys.push({ account, user: value.user, fingerprint: fp });
        }
      }
    }
    return keys;
  }

  private asAdmin<T>(adminSecretId: string, work: (admin: AdminSession) => Promise<T>): Promise<T> {
    return AdminSession.run(this.connectorFor({ ...this.connector, secretId: adminSecretId }), 'registration', work);
  }
}
