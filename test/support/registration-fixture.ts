/**
 * What the registration e2e tests share (test/runtime/rotation/registration.e2e.test.ts and
 * workload-identity-registration.e2e.test.ts): moto, the local Snowflake endpoint, a loopback
 * response URL and the bundled registration function (assets/rotation, export
 * registrationHandler) in a warm Lambda-like process; an administrator; and CloudFormation's
 * custom-resource event for the function.
 */
import { randomUUID } from 'node:crypto';
import { LocalSnowflake, startLocalSnowflake } from '@cdk-snowflake-keypair/local-snowflake';
import { ResponseServer, startResponseServer } from './cfn-response-server';
import { AwsSide, leaks } from './connector-fixture';
import { rsaKey } from './keys';
import { assetDir } from './lambda-process';
import { Invocation, LambdaInstance, startLambdaInstance } from './lambda-runtime';
import { ACCOUNT } from './rotation-fixture';
import { scanText } from './secret-scan';
import { LOOPBACK_RESPONSE_URL_ENV } from '../../src/runtime/shared/cfn-response';
import { STACK_ID_ENV } from '../../src/shared/pinned-environment';

/** The stack the registration function was deployed in (pinned in its environment). */
export const REGISTRATION_STACK_ID = 'arn:aws:cloudformation:us-east-1:123456789012:stack/test/1';
const SERVICE_TOKEN = 'arn:aws:lambda:us-east-1:123456789012:function:registration';

export interface RegistrationWorld {
  readonly aws: AwsSide;
  readonly snowflake: LocalSnowflake;
  readonly responses: ResponseServer;
  /** The registration function. */
  readonly fn: LambdaInstance;
  /** Other instances a test starts (connectors), stopped and scanned with the function. */
  readonly instances: LambdaInstance[];
}

/** What the function PUTs to the response URL. */
export interface CustomResourceAnswer {
  readonly Status: 'SUCCESS' | 'FAILED';
  readonly PhysicalResourceId: string;
  readonly Reason?: string;
  readonly Data?: Record<string, string>;
}

/**
 * Starts everything before the file's tests; after them, checks that neither the function nor any
 * instance printed a key, and that no custom-resource response holds one, then stops everything.
 * `startSnowflake` makes the endpoint from moto (workload identity needs its STS).
 */
export function useRegistrationWorld(startSnowflake: (aws: AwsSide) => Promise<LocalSnowflake> = () => startLocalSnowflake()): RegistrationWorld {
  const world = { instances: [] as LambdaInstance[] } as { -readonly [K in keyof RegistrationWorld]: RegistrationWorld[K] };
  beforeAll(async () => {
    [world.aws, world.responses] = await Promise.all([AwsSide.start(), startResponseServer()]);
    world.snowflake = await startSnowflake(world.aws);
    // Loopback answers allowed (test only: no construct sets it).
    world.fn = await startLambdaInstance('index.js', assetDir('rotation'), {
      ...world.aws.env(), SNOWFLAKE_ENDPOINT_URL: world.snowflake.url, [STACK_ID_ENV]: REGISTRATION_STACK_ID, [LOOPBACK_RESPONSE_URL_ENV]: 'true',
    }, 'registrationHandler');
  });
  afterAll(async () => {
    try {
      expect(world.aws.secrets.length).toBeGreaterThan(0);
      for (const output of [world.fn.output(), ...world.instances.map((i) => i.output())]) expect(leaks(output, world.aws.secrets)).toEqual([]);
      expect(scanText(world.responses.raw.join('\n'), 'custom-resource responses', world.aws.secrets, false)).toEqual([]);
    } finally {
      await Promise.all([world.fn?.stop(), ...world.instances.map((i) => i.stop())]);
      await Promise.all([world.aws?.stop(), world.snowflake?.stop(), world.responses?.close()]);
    }
  });
  return world;
}

/** Roles Snowflake gives CREATE USER by themselves: granting it to them again is refused. */
const SYSTEM_ROLES_WITH_CREATE_USER = ['ACCOUNTADMIN', 'SECURITYADMIN', 'USERADMIN', 'ORGADMIN'];

/**
 * An administrator (user `user`, default role `role`) with a key-pair secret; its role may create
 * users (and so owns the users it creates) unless `createUser` is false.
 */
export async function registrationAdmin(
  world: RegistrationWorld,
  names: { user: string; role: string },
  createUser = true,
): Promise<{ secretId: string; role: string; user: string }> {
  const { aws, snowflake } = world;
  const key = rsaKey();
  aws.rememberKey(key);
  snowflake.addUser({ name: names.user, publicKeys: [key.publicPem], defaultRole: names.role });
  await snowflake.sql(`CREATE ROLE IF NOT EXISTS "${names.role}"`);
  if (createUser && !SYSTEM_ROLES_WITH_CREATE_USER.includes(names.role)) await snowflake.sql(`GRANT CREATE USER ON ACCOUNT TO ROLE "${names.role}"`);
  await snowflake.sql(`GRANT ROLE "${names.role}" TO USER "${names.user}"`);
  return { ...names, secretId: await aws.createSecret({ account: ACCOUNT, user: names.user, privateKey: key.pkcs8Pem, role: names.role }) };
}

/**
 * Sends the function one CloudFormation event for `Custom::SnowflakeUserRegistration` with
 * `properties` (ServiceToken added), answering on a fresh response URL. Returns the invocation and
 * the answer PUT to that URL, if any.
 */
export async function sendRegistrationEvent(
  world: RegistrationWorld,
  requestType: 'Create' | 'Update' | 'Delete',
  event: { logicalResourceId: string; properties: Record<string, unknown>; physicalResourceId?: string; stackId?: string },
): Promise<{ invocation: Invocation; answer?: CustomResourceAnswer; answered: boolean }> {
  const key = `req-${randomUUID()}`;
  const invocation = await world.fn.invoke({
    RequestType: requestType,
    ServiceToken: SERVICE_TOKEN,
    ResponseURL: world.responses.url(key),
    StackId: event.stackId ?? REGISTRATION_STACK_ID,
    RequestId: key,
    LogicalResourceId: event.logicalResourceId,
    ResourceType: 'Custom::SnowflakeUserRegistration',
    ...(event.physicalResourceId ? { PhysicalResourceId: event.physicalResourceId } : {}),
    ResourceProperties: { ServiceToken: SERVICE_TOKEN, ...event.properties },
  });
  const answer = world.responses.bodies.get(key) as unknown as CustomResourceAnswer | undefined;
  return { invocation, answer, answered: world.responses.bodies.has(key) };
}
