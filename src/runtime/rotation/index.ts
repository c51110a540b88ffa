/**
 * The rotation function of a SnowflakeKeyPairSecret with `rotation`: Secrets Manager invokes it
 * with the four steps; with a grace period, a schedule invokes it with `retirePreviousKey`.
 * Bundled to assets/rotation/index.js when the library is built.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { RetirePolicy, Rotation, RotationEvent, RotationSettings } from './rotation';
import { ENDPOINT_URL_ENV, HOST_ENV } from '../../shared/environment';
import { ConfigurationError, SnowflakeConnectorError } from '../shared/errors';
import { log } from '../shared/log';
import { errorMessage } from '../shared/redact';

/** Environment variables SnowflakeKeyPairSecret sets on the rotation function. */
export const ADMIN_SECRET_ENV = 'SNOWFLAKE_ADMIN_SECRET_ID';
export const RETIRE_ENV = 'SNOWFLAKE_RETIRE_OLD_KEY';
export const OVERWRITE_ENV = 'SNOWFLAKE_OVERWRITE_UNKNOWN_KEYS';

/** The scheduled event that retires the previous key once its grace period is over. */
export interface RetireEvent {
  readonly action: 'retirePreviousKey';
  readonly SecretId: string;
}

let client: SecretsManagerClient | undefined;

export async function handler(event: RotationEvent | RetireEvent): Promise<void> {
  client ??= new SecretsManagerClient({});
  const rotation = new Rotation(client, settingsFromEnvironment(process.env));
  const step = 'action' in event ? event.action : event.Step;
  log('INFO', 'Rotation step', { step, secretId: event.SecretId, ...('ClientRequestToken' in event ? { versionId: event.ClientRequestToken } : {}) });
  try {
    if ('action' in event) {
      if (event.action !== 'retirePreviousKey') throw new ConfigurationError('INVALID_EVENT', `Unknown action ${JSON.stringify(event.action)}`);
      await rotation.retirePrevious(event.SecretId);
    } else {
      await rotation.run(event);
    }
  } catch (error) {
    const detail = error instanceof SnowflakeConnectorError ? error.toJSON() : { name: (error as Error)?.name, message: errorMessage(error) };
    log('ERROR', 'Rotation step failed; AWSCURRENT is unchanged unless finishSecret moved it', { step, secretId: event.SecretId, error: detail });
    throw error;
  }
  log('INFO', 'Rotation step done', { step, secretId: event.SecretId });
}

export function settingsFromEnvironment(env: Record<string, string | undefined>): RotationSettings {
  const adminSecretId = env[ADMIN_SECRET_ENV]?.trim();
  if (!adminSecretId) throw new ConfigurationError('CONFIG_INVALID', `${ADMIN_SECRET_ENV} is not set: the rotation needs the rotator's secret`);
  return {
    adminSecretId,
    retire: retirePolicy(env[RETIRE_ENV]),
    overwriteUnknownKeys: env[OVERWRITE_ENV] === 'true',
    connector: {
      ...(env[ENDPOINT_URL_ENV] ? { endpointUrl: env[ENDPOINT_URL_ENV] } : {}),
      ...(env[HOST_ENV] ? { host: env[HOST_ENV] } : {}),
    },
  };
}

function retirePolicy(text: string | undefined): RetirePolicy {
  if (!text || text === 'next-rotation') return { kind: 'next-rotation' };
  if (text === 'immediately') return { kind: 'immediately' };
  const after = /^after:(\d+)$/.exec(text);
  if (after) return { kind: 'after', seconds: Number(after[1]) };
  throw new ConfigurationError('CONFIG_INVALID', `${RETIRE_ENV} is ${JSON.stringify(text)}; expected immediately, next-rotation or after:<seconds>`);
}
