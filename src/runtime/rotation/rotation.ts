/**
 * The four steps of a Secrets Manager rotation for a Snowflake key-pair secret, each idempotent
 * and safe to run again (docs/rotation.md):
 *
 * - createSecret: a new key pair into AWSPENDING, every other field kept;
 * - setSecret: the new public key into the user's slot that does not hold the current key, as the
 *   rotator (a user allowed only to change this user's keys), checked with DESC USER;
 * - testSecret: a login with the pending key and `SELECT 1`;
 * - finishSecret: AWSCURRENT moved to the new version; the previous key's slot unset now, later,
 *   or at the next rotation (when its slot is reused).
 *
 * Logs carry fingerprints and outcomes, never keys. A failed step leaves AWSCURRENT untouched.
 */
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { AdminSession } from './admin-session';
import { chooseSlot, RotationError, SLOTS, slotHolding, UserKeys } from './user-keys';
import type { RetirePolicy } from '../../shared/rotation-settings';
import { PREVIOUS_KEYS_FIELD } from '../../shared/secret-format';
import { quoteIdentifier } from '../../shared/snowflake-identifiers';
import { ConnectorOptions, SnowflakeConnector } from '../connector/connector';
import { SnowflakeConnectorError } from '../shared/errors';
import { generateRsaKeyPair } from '../shared/keys';
import { log } from '../shared/log';
import { normalisePrivateKey } from '../shared/private-key';
import { registerSecret } from '../shared/redact';
import { parseSecretValue } from '../shared/secret-value';

export type RotationStep = 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';

/** What Secrets Manager sends the rotation function. */
export interface RotationEvent {
  readonly Step: RotationStep;
  readonly SecretId: string;
  readonly ClientRequestToken: string;
}

/** When the previous key's slot is unset. */
export type { RetirePolicy };

export interface RotationSettings {
  /**
   * The secret this function rotates (its ARN, as Secrets Manager and the retirement schedule name
   * it): an event about any other secret is refused.
   */
  readonly secretId: string;
  /** The Snowflake user it rotates: a version of the secret whose `user` names another is refused. */
  readonly user: string;
  /** The rotator's key-pair secret. */
  readonly adminSecretId: string;
  readonly retire: RetirePolicy;
  /** Overwrite a slot holding a key this rotation did not issue. */
  readonly overwriteUnknownKeys: boolean;
  /** Passed to every connector (a local endpoint in tests, a PrivateLink host). */
  readonly connector?: Partial<ConnectorOptions>;
}

interface KeyVersion {
  /** The secret's JSON, every field. */
  readonly json: Record<string, unknown>;
  readonly user: string;
  readonly fingerprint: string;
  readonly spkiBase64: string;
  readonly bits: number;
  readonly versionId?: string;
  readonly createdDate?: Date;
  /** The secret's previousKeyFingerprints: keys it held before this one, newest first. */
  readonly earlier: readonly string[];
}

/** How many earlier fingerprints the secret keeps. */
const KEEP_EARLIER = 5;

export class Rotation {
  constructor(
    private readonly sm: SecretsManagerClient,
    private readonly settings: RotationSettings,
    private readonly connectorFor: (options: ConnectorOptions) => SnowflakeConnector = (options) => new SnowflakeConnector(options),
  ) {}

  /** Runs one step, after checking that the token is this rotation's pending version. */
  async run(event: RotationEvent): Promise<void> {
    const { Step: step, SecretId: secretId, ClientRequestToken: token } = event;
    const steps: Record<RotationStep, () => Promise<void>> = {
      createSecret: () => this.createSecret(secretId, token),
      setSecret: () => this.setSecret(secretId, token),
      testSecret: () => this.testSecret(secretId, token),
      finishSecret: () => this.finishSecret(secretId, token),
    };
    if (!(step in steps)) {
      throw new RotationError('ROTATION_STATE', `Unknown rotation step ${JSON.stringify(step)}; Secrets Manager sends createSecret, setSecret, testSecret and finishSecret`);
    }
    this.checkSecret(secretId);
    const described = await this.sm.send(new DescribeSecretCommand({ SecretId: secretId }));
    // As AWS's rotation templates do (aws-samples/aws-secrets-manager-rotation-lambdas,
    // SecretsManagerRotationTemplate/lambda_function.py: "Secret %s is not enabled for rotation"):
    // a secret whose rotation is off is not rotated, whoever asks.
    if (described.RotationEnabled !== true) {
      throw new RotationError('ROTATION_REFUSED', `Rotation is not enabled on ${secretId} (DescribeSecret's RotationEnabled is `
        + `${described.RotationEnabled === false ? 'false' : 'absent'}), so this ${step} was not run: Secrets Manager invokes the rotation function only `
        + 'for a secret with rotation on. Turn rotation on (the construct\'s rotation prop), or rotate with aws secretsmanager rotate-secret');
    }
    const stages = described.VersionIdsToStages ?? {};
    const ofToken = stages[token];
    // Secrets Manager registers the token as AWSPENDING before createSecret; tolerate its absence
    // there only (a retried createSecret after the stub was cleaned up, or a test driver).
    if (!ofToken && step !== 'createSecret') {
      throw new RotationError('ROTATION_STATE', `Version ${token} of ${secretId} has no staging label: it is not this rotation's. Start the rotation again`);
    }
    if (ofToken?.includes('AWSCURRENT') && step !== 'finishSecret') {
      log('INFO', `${step}: the version is already AWSCURRENT; nothing to do`, { secretId, versionId: token });
      return;
    }
    if (ofToken && !ofToken.includes('AWSPENDING') && !ofToken.includes('AWSCURRENT')) {
      throw new RotationError('ROTATION_STATE', `Version ${token} of ${secretId} is not AWSPENDING (it is ${ofToken.join(', ') || 'unlabelled'}). Start the rotation again`);
    }
    await steps[step as RotationStep]();
  }

  /** A new key pair into AWSPENDING, every other field kept. Nothing if the token has one already. */
  async createSecret(secretId: string, token: string): Promise<void> {
    const current = await this.read(secretId, { VersionStage: 'AWSCURRENT' });
    const pending = await this.read(secretId, { VersionId: token, VersionStage: 'AWSPENDING' }, true);
    if (pending && pending.fingerprint !== current!.fingerprint) {
      log('INFO', 'createSecret: the pending version exists already; nothing to do', { secretId, versionId: token, fingerprint: pending.fingerprint });
      return;
    }
    if (pending) {
      // A version under this token holds the current key: a new key cannot be written under it.
      throw new RotationError('ROTATION_STATE', `Version ${token} of ${secretId} already holds the current key (${pending.fingerprint}), so no new key `
        + 'can be stored under it. Remove its AWSPENDING label and start the rotation again');
    }
    const encrypt = typeof current!.json.passphrase === 'string' && current!.json.passphrase !== '';
    const generated = await generateRsaKeyPair(Math.max(current!.bits, 2048), encrypt);
    registerSecret(generated.privateKeyPem);
    registerSecret(generated.passphrase);
    const { passphrase: _old, ...rest } = current!.json;
    const earlier = [current!.fingerprint, ...current!.earlier.filter((fp) => fp !== current!.fingerprint)].slice(0, KEEP_EARLIER);
    const value = {
      ...rest,
      privateKey: generated.privateKeyPem,
      ...(generated.passphrase ? { passphrase: generated.passphrase } : {}),
      [PREVIOUS_KEYS_FIELD]: earlier,
    };
    await this.sm.send(new PutSecretValueCommand({ SecretId: secretId, ClientRequestToken: token, SecretString: JSON.stringify(value), VersionStages: ['AWSPENDING'] }));
    log('INFO', 'createSecret: new key pair stored as AWSPENDING', {
      secretId,
      versionId: token,
      fingerprint: generated.publicKey.fingerprint,
      currentFingerprint: current!.fingerprint,
      bits: Math.max(current!.bits, 2048),
    });
  }

  /** The pending public key into the slot that does not hold the current key, then checked. */
  async setSecret(secretId: string, token: string): Promise<void> {
    const pending = (await this.read(secretId, { VersionId: token, VersionStage: 'AWSPENDING' }))!;
    const current = (await this.read(secretId, { VersionStage: 'AWSCURRENT' }))!;
    const previous = await this.read(secretId, { VersionStage: 'AWSPREVIOUS' }, true);
    await this.asRotator(async (admin) => {
      const keys = await this.keysOf(admin, pending.user);
      const already = slotHolding(keys, pending.fingerprint);
      if (already) {
        log('INFO', 'setSecret: the pending key is registered already; nothing to do', {
          secretId, user: pending.user, slot: already, fingerprint: pending.fingerprint,
        });
        return;
      }
      const choice = chooseSlot(pending.user, keys, current.fingerprint, earlierKeys(current, previous), this.settings.overwriteUnknownKeys);
      await admin.setKey(pending.user, pending.spkiBase64, choice.slot);
      const after = await this.keysOf(admin, pending.user);
      if (after[choice.slot] !== pending.fingerprint) {
        throw new RotationError('ROTATION_VERIFY_FAILED', `After ALTER USER ${pending.user} SET ${choice.slot}, DESC USER shows `
          + `${after[choice.slot] ?? 'an empty slot'} instead of ${pending.fingerprint}. AWSCURRENT is unchanged; check who else changes this user's keys, then rotate again`);
      }
      log('INFO', 'setSecret: pending key registered', {
        secretId,
        user: pending.user,
        slot: choice.slot,
        fingerprint: pending.fingerprint,
        replaced: choice.replaces ?? null,
        currentFingerprint: current.fingerprint,
      });
    });
  }

  /**
   * A login with the pending key, and `SELECT 1`. When the pending version has no new key (no
   * value yet, or a copy of AWSCURRENT), this is Secrets Manager testing the configuration (as it
   * does when a schedule is deployed without rotating): the secret and the rotator's secret must
   * read and parse, and nothing signs in, so the deploy does not depend on Snowflake.
   */
  async testSecret(secretId: string, token: string): Promise<void> {
    const current = (await this.read(secretId, { VersionStage: 'AWSCURRENT' }))!;
    const pending = await this.read(secretId, { VersionId: token, VersionStage: 'AWSPENDING' }, true);
    if (!pending || pending.fingerprint === current.fingerprint) {
      const admin = await this.sm.send(new GetSecretValueCommand({ SecretId: this.settings.adminSecretId, VersionStage: 'AWSCURRENT' }));
      const rotator = parseSecretValue(this.settings.adminSecretId, admin.SecretString);
      normalisePrivateKey(rotator.privateKey, rotator.passphrase);
      log('INFO', 'testSecret: no new key in this version; the configuration checks out (the secret and the rotator\'s secret read)', {
        secretId, versionId: token, currentFingerprint: current.fingerprint,
      });
      return;
    }
    const connector = this.connectorFor({ ...this.settings.connector, secretId, secretReader: { versionId: token } });
    try {
      const row = await connector.fetchOne('SELECT 1 AS OK');
      if (Number(row?.OK) !== 1) throw new RotationError('ROTATION_TEST_FAILED', `SELECT 1 with the pending key returned ${JSON.stringify(row)}`);
    } catch (error) {
      if (error instanceof RotationError) throw error;
      const reason = error instanceof SnowflakeConnectorError ? error.message : 'the login failed';
      throw new RotationError('ROTATION_TEST_FAILED', `The pending key (${pending.fingerprint}) could not sign in as ${pending.user} and run SELECT 1: ${reason}. `
        + 'AWSCURRENT is unchanged; Secrets Manager will retry the rotation', { cause: error });
    } finally {
      await connector.close();
    }
    log('INFO', 'testSecret: the pending key signs in', { secretId, user: pending.user, fingerprint: pending.fingerprint });
  }

  /**
   * AWSCURRENT to the new version; the previous key retired if that is the policy. One rotator
   * session serves the check and the retirement (it signs in only if one of them needs it).
   */
  async finishSecret(secretId: string, token: string): Promise<void> {
    const stages = (await this.sm.send(new DescribeSecretCommand({ SecretId: secretId }))).VersionIdsToStages ?? {};
    const currentVersion = Object.keys(stages).find((id) => stages[id].includes('AWSCURRENT'));
    await this.asRotator(async (admin) => {
      if (currentVersion !== token) {
        // Only a key that signs in becomes current: someone may have unset it since testSecret.
        const pending = (await this.read(secretId, { VersionId: token, VersionStage: 'AWSPENDING' }))!;
        if (!slotHolding(await this.keysOf(admin, pending.user), pending.fingerprint)) {
          throw new RotationError('ROTATION_STATE', `The pending key (${pending.fingerprint}) is no longer registered for user ${pending.user}, `
            + 'so it cannot become current; AWSCURRENT is unchanged. Find out who changed the user\'s keys, then rotate again');
        }
        await this.sm.send(new UpdateSecretVersionStageCommand({
          SecretId: secretId, VersionStage: 'AWSCURRENT', MoveToVersionId: token, ...(currentVersion ? { RemoveFromVersionId: currentVersion } : {}),
        }));
        log('INFO', 'finishSecret: AWSCURRENT moved to the new version', { secretId, versionId: token, previousVersionId: currentVersion ?? null });
      }
      if (stages[token]?.includes('AWSPENDING')) {
        await this.sm.send(new UpdateSecretVersionStageCommand({ SecretId: secretId, VersionStage: 'AWSPENDING', RemoveFromVersionId: token }));
      }
      if (this.settings.retire.kind === 'immediately') await this.retire(admin, secretId);
    });
    if (this.settings.retire.kind !== 'immediately') {
      log('INFO', 'finishSecret: the previous key stays registered', {
        secretId, until: this.settings.retire.kind === 'after' ? `${this.settings.retire.seconds} s` : 'the next rotation',
      });
    }
  }

  /**
   * Unsets the slots holding keys this secret held before (AWSPREVIOUS's, and the secret's
   * previousKeyFingerprints), while the current key is registered; with a grace period, only once
   * AWSCURRENT is that old at `now` (on a schedule, the scheduled event's time: the check does not
   * depend on when the function happens to run). Run on a schedule (and by finishSecret); never
   * while a rotation is under way (its pending key may be going into one of those slots).
   */
  async retirePrevious(secretId: string, now: Date = new Date()): Promise<void> {
    this.checkSecret(secretId);
    await this.asRotator((admin) => this.retire(admin, secretId, now));
  }

  private async retire(admin: AdminSession, secretId: string, now: Date = new Date()): Promise<void> {
    const stages = (await this.sm.send(new DescribeSecretCommand({ SecretId: secretId }))).VersionIdsToStages ?? {};
    if (Object.values(stages).some((labels) => labels.includes('AWSPENDING') && !labels.includes('AWSCURRENT'))) {
      log('INFO', 'A rotation is under way; the previous key is retired after it', { secretId });
      return;
    }
    const current = (await this.read(secretId, { VersionStage: 'AWSCURRENT' }))!;
    const earlier = earlierKeys(current, await this.read(secretId, { VersionStage: 'AWSPREVIOUS' }, true));
    if (earlier.length === 0) {
      log('INFO', 'No earlier key; nothing to retire', { secretId });
      return;
    }
    if (this.settings.retire.kind === 'after') {
      const age = (now.getTime() - (current.createdDate?.getTime() ?? now.getTime())) / 1000;
      if (age < this.settings.retire.seconds) {
        log('INFO', 'The previous key is still in its grace period', {
          secretId, asOf: now.toISOString(), ageSeconds: Math.floor(age), graceSeconds: this.settings.retire.seconds,
        });
        return;
      }
    }
    const keys = await this.keysOf(admin, current.user);
    const slots = SLOTS.filter((slot) => keys[slot] !== undefined && earlier.includes(keys[slot]!));
    if (slots.length === 0) {
      log('INFO', 'No earlier key is registered; nothing to retire', { secretId, user: current.user });
      return;
    }
    if (!slotHolding(keys, current.fingerprint)) {
      throw new RotationError('ROTATION_REFUSED', `Not retiring ${slots.map((slot) => keys[slot]).join(', ')} from user ${current.user}: the current key `
        + `(${current.fingerprint}) is not registered, so the old key is the only one that signs in. Register the current key, then retire the old one`);
    }
    for (const slot of slots) await admin.unsetKey(current.user, slot);
    const after = await this.keysOf(admin, current.user);
    const left = slots.filter((slot) => after[slot] !== undefined);
    if (left.length > 0) {
      throw new RotationError('ROTATION_VERIFY_FAILED', `After ALTER USER ${current.user} UNSET ${left.join(', ')}, DESC USER still shows `
        + `${left.map((slot) => after[slot]).join(', ')}`);
    }
    log('INFO', 'The previous key is retired', { secretId, user: current.user, slots, fingerprints: slots.map((slot) => keys[slot]) });
  }

  /** The function rotates its own secret only (pinned in its environment by the construct). */
  private checkSecret(secretId: string): void {
    if (secretId !== this.settings.secretId) {
      throw new RotationError('ROTATION_REFUSED', `This function rotates ${this.settings.secretId} only, and was asked about ${JSON.stringify(secretId)}; `
        + 'nothing was read or changed. Each secret has its own rotation function: invoke that one');
    }
  }

  /** Work in a session as the rotator; it signs in on first use only. */
  private asRotator<T>(work: (admin: AdminSession) => Promise<T>): Promise<T> {
    return AdminSession.run(this.connectorFor({ ...this.settings.connector, secretId: this.settings.adminSecretId }), 'rotator', work);
  }

  /** The user's key slots, as the rotator reads them. */
  private async keysOf(admin: AdminSession, user: string): Promise<UserKeys> {
    const keys = await admin.keysOf(user);
    if (!keys) {
      throw new RotationError('ROTATION_REFUSED', `User ${quoteIdentifier(user)} does not exist, or the rotator's role cannot see it (DESC USER answers 002003). `
        + 'Check the secret\'s user and the rotator\'s grants (the SQL names the user by the secret\'s "user", its login name: a user whose '
        + 'LOGIN_NAME differs from its name cannot be rotated by it, see docs/secret-format.md); nothing was changed');
    }
    return keys;
  }

  /** One version of the secret, parsed; undefined when `optional` and it does not exist. */
  private async read(secretId: string, which: { VersionId?: string; VersionStage: string }, optional = false): Promise<KeyVersion | undefined> {
    let output;
    try {
      output = await this.sm.send(new GetSecretValueCommand({ SecretId: secretId, ...which }));
    } catch (error) {
      if (optional && (error as { name?: string }).name === 'ResourceNotFoundException') return undefined;
      throw error;
    }
    const value = parseSecretValue(secretId, output.SecretString);
    if (value.user !== this.settings.user) {
      // The construct pinned the user: a secret edited to name another user must not make the rotator change that user's keys.
      throw new RotationError('ROTATION_REFUSED', `The secret's ${which.VersionStage} version names user ${quoteIdentifier(value.user)}, and this rotation `
        + `rotates ${quoteIdentifier(this.settings.user)} only (the construct's user); nothing was changed. Restore the secret's "user" field, `
        + 'or change the construct\'s user and deploy');
    }
    const key = normalisePrivateKey(value.privateKey, value.passphrase);
    // parseSecretValue checked it is a JSON object; every field is kept for the next version.
    const json = JSON.parse(output.SecretString!);
    return {
      json,
      user: value.user,
      fingerprint: key.publicKey.fingerprint,
      spkiBase64: key.publicKey.spkiBase64,
      bits: key.bits,
      versionId: output.VersionId,
      createdDate: output.CreatedDate,
      earlier: earlierOf(json),
    };
  }
}

function earlierOf(json: Record<string, unknown>): string[] {
  const value = json[PREVIOUS_KEYS_FIELD];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v.startsWith('SHA256:')) : [];
}

/** The fingerprints of the keys this secret held before `current`: its own record, and AWSPREVIOUS's. */
function earlierKeys(current: KeyVersion, previous: KeyVersion | undefined): string[] {
  const all = [...current.earlier, ...(previous ? [previous.fingerprint] : [])];
  return [...new Set(all)].filter((fp) => fp !== current.fingerprint);
}
