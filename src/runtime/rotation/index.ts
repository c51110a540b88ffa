/**
 * The functions that sign in to Snowflake as an administrator, bundled together to
 * assets/rotation/index.js when the library is built:
 *
 * - `handler`: the rotation function of a SnowflakeKeyPairSecret with `rotation`. Secrets Manager
 *   invokes it with the four steps; with a grace period, a schedule invokes it with
 *   `retirePreviousKey`.
 * - `registrationHandler`: the custom resource of a SnowflakeKeyPairSecret with `registration`, and
 *   of a SnowflakeConnectorFunction whose workload identity is registered (`Authentication:
 *   WORKLOAD_IDENTITY`: workload-identity-registration.ts; no secret is read but the administrator's).
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { KeyRegistration } from './registration';
import { Rotation, RotationEvent, RotationSettings } from './rotation';
import { isWorkloadIdentityEvent, WorkloadIdentityRegistrar } from './workload-identity-registration';
import { HOST_ENV } from '../../shared/environment';
import { ROTATION_SECRET_ENV, ROTATION_USER_ENV } from '../../shared/pinned-environment';
import { ADMIN_SECRET_ENV, decodeRetirePolicy, OVERWRITE_ENV, RETIRE_ACTION, RETIRE_ENV, RetirePolicy } from '../../shared/rotation-settings';
import { putMetric } from '../connector/metrics';
import { runCustomResource } from '../shared/cfn-response';
import { endpointUrlFromEnvironment } from '../shared/endpoint-url';
import { ConfigurationError, SnowflakeConnectorError } from '../shared/errors';
import { log } from '../shared/log';
import { errorMessage } from '../shared/redact';

/** Environment variables SnowflakeKeyPairSecret sets on the rotation function (written once, in src/shared). */
export { ADMIN_SECRET_ENV, OVERWRITE_ENV, RETIRE_ENV };

/** The scheduled event that retires the previous key once its grace period is over. */
export interface RetireEvent {
  readonly action: typeof RETIRE_ACTION;
  readonly SecretId: string;
  /**
   * When the schedule fired, ISO 8601 (the EventBridge event's time, `<aws.events.event.time>`):
   * the clock the grace period is measured by. Absent on a direct invoke, which uses the function's clock.
   */
  readonly time?: string;
}

/** An ISO 8601 date-time with seconds and a time zone, as EventBridge writes an event's time. */
const ISO_DATE_TIME = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * The clock a retirement check runs by: the event's `time` when it has one, else `now()`.
 * A `time` that is not an ISO 8601 date-time is refused (INVALID_EVENT): a broken schedule input
 * must not retire a key early, nor keep it forever.
 */
export function retireClock(event: RetireEvent, now: () => Date = () => new Date()): Date {
  if (event.time === undefined) return now();
  const time = isoDateTime(event.time);
  if (!time) {
    throw new ConfigurationError('INVALID_EVENT', `The retirePreviousKey event's time is ${JSON.stringify(event.time)}; expected an ISO 8601 `
      + 'date-time with a time zone, such as 2026-01-31T12:00:00Z (the scheduled event\'s time, <aws.events.event.time>). '
      + 'Fix the schedule\'s input, or leave time out to use the function\'s clock');
  }
  return time;
}

/** The instant an ISO 8601 date-time names; undefined if it is not one, or names no real day. */
function isoDateTime(text: unknown): Date | undefined {
  const match = typeof text === 'string' ? ISO_DATE_TIME.exec(text) : null;
  if (!match) return undefined;
  const time = new Date(match[0]);
  // Date rolls an impossible day over (2026-02-30 becomes March 2nd): the day must read back the same.
  if (Number.isNaN(time.getTime()) || new Date(`${match[1]}T00:00:00Z`).toISOString().slice(0, 10) !== match[1]) return undefined;
  return time;
}

let client: SecretsManagerClient | undefined;

export async function handler(event: RotationEvent | RetireEvent): Promise<void> {
  client ??= new SecretsManagerClient({});
  const rotation = new Rotation(client, settingsFromEnvironment(process.env));
  const step = 'action' in event ? event.action : event.Step;
  log('INFO', 'Rotation step', {
    step,
    secretId: event.SecretId,
    ...('ClientRequestToken' in event ? { versionId: event.ClientRequestToken } : {}),
    ...('time' in event ? { time: event.time } : {}),
  });
  const started = Date.now();
  try {
    if ('action' in event) {
      if (event.action !== RETIRE_ACTION) throw new ConfigurationError('INVALID_EVENT', `Unknown action ${JSON.stringify(event.action)}`);
      await rotation.retirePrevious(event.SecretId, retireClock(event));
    } else {
      await rotation.run(event);
    }
  } catch (error) {
    const detail = error instanceof SnowflakeConnectorError ? error.toJSON() : { name: (error as Error)?.name, message: errorMessage(error) };
    log('ERROR', 'Rotation step failed; AWSCURRENT is unchanged unless finishSecret moved it', { step, secretId: event.SecretId, error: detail });
    putMetric('RotationFailures', 1);
    throw error;
  }
  putMetric('RotationStepMs', Date.now() - started);
  log('INFO', 'Rotation step done', { step, secretId: event.SecretId });
}

/** The registration custom resource (docs/rotation.md, "Registration at deploy"). */
export async function registrationHandler(event: CloudFormationCustomResourceEvent, context?: Context): Promise<void> {
  client ??= new SecretsManagerClient({});
  log('INFO', 'Registration event', { requestType: event.RequestType, logicalResourceId: event.LogicalResourceId, secretId: event.ResourceProperties?.SecretId });
  // Settings are read inside the custom resource's work, so that a bad one is answered as FAILED, not left to time out.
  await runCustomResource(event, context, () => (isWorkloadIdentityEvent(event)
    ? new WorkloadIdentityRegistrar(connectorSettings(process.env)).handle(event)
    : new KeyRegistration(client!, connectorSettings(process.env)).handle(event)));
}

/** How the rotation and registration functions reach Snowflake, from their environment. */
export function connectorSettings(env: Record<string, string | undefined>): RotationSettings['connector'] {
  // The same rule as the connector's: https, or http to loopback only (the administrator's JWT goes there).
  const endpointUrl = endpointUrlFromEnvironment(env);
  return {
    ...(endpointUrl ? { endpointUrl } : {}),
    ...(env[HOST_ENV] ? { host: env[HOST_ENV] } : {}),
  };
}

export function settingsFromEnvironment(env: Record<string, string | undefined>): RotationSettings {
  const adminSecretId = env[ADMIN_SECRET_ENV]?.trim();
  if (!adminSecretId) throw new ConfigurationError('CONFIG_INVALID', `${ADMIN_SECRET_ENV} is not set: the rotation needs the rotator's secret`);
  const secretId = env[ROTATION_SECRET_ENV]?.trim();
  const user = env[ROTATION_USER_ENV];
  if (!secretId || !user) {
    throw new ConfigurationError('CONFIG_INVALID', `${!secretId ? ROTATION_SECRET_ENV : ROTATION_USER_ENV} is not set: the rotation function `
      + 'rotates the one secret and user its construct names. Deploy the stack again');
  }
  return {
    secretId,
    user,
    adminSecretId,
    retire: retirePolicy(env[RETIRE_ENV]),
    overwriteUnknownKeys: env[OVERWRITE_ENV] === 'true',
    connector: connectorSettings(env),
  };
}

function retirePolicy(text: string | undefined): RetirePolicy {
  const policy = decodeRetirePolicy(text);
  if ('problem' in policy) throw new ConfigurationError('CONFIG_INVALID', policy.problem);
  return policy;
}
