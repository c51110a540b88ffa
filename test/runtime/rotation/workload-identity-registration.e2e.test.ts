/**
 * End to end: registration at deploy of a function's workload identity. The bundled function
 * (assets/rotation, export registrationHandler) runs in a warm Lambda-like process, receives
 * CloudFormation's events with `Authentication: WORKLOAD_IDENTITY` and answers on a loopback
 * response URL; it reads the administrator's secret from moto (and no other) and signs in to the
 * local Snowflake endpoint as the administrator. After Create, a connector process with the role's
 * credentials (moto's AssumeRole) signs in as the user with no secret: the registration works.
 */
import '@cdk-snowflake-keypair/local-snowflake/driver-env';
import { LocalSnowflake, startLocalSnowflake } from '@cdk-snowflake-keypair/local-snowflake';
import { AwsSide, startConnectorInstance } from '../../support/connector-fixture';
import { LambdaInstance } from '../../support/lambda-runtime';
import { CustomResourceAnswer as Answer, registrationAdmin, sendRegistrationEvent, useRegistrationWorld } from '../../support/registration-fixture';
import { ACCOUNT } from '../../support/rotation-fixture';
import { assumeExecutionRole, lambdaCredentialsEnv } from '../../support/workload-identity';

const ROLE_ARN = 'arn:aws:iam::123456789012:role/app/connector-role';
const NEW_ROLE_ARN = 'arn:aws:iam::123456789012:role/connector-role-v2';
const OTHER_ARN = 'arn:aws:iam::123456789012:role/another-function-role';

// The endpoint asks moto's STS who signed the attestation, as Snowflake asks AWS.
const world = useRegistrationWorld((aws) => startLocalSnowflake({ account: ACCOUNT, sts: { endpointUrl: aws.moto.endpoint } }));
let aws: AwsSide;
let snowflake: LocalSnowflake;
let instances: LambdaInstance[];
let counter = 0;

beforeAll(() => {
  ({ aws, snowflake, instances } = world);
});

/** An administrator whose role may create users (and so owns the users it creates). */
async function admin(role = `REGISTRAR_${++counter}`): Promise<{ secretId: string; role: string; user: string }> {
  return registrationAdmin(world, { user: `ADMIN_${++counter}`, role });
}

async function send(
  requestType: 'Create' | 'Update' | 'Delete',
  props: { user: string; adminSecretId: string; roleArn: string; createUser?: boolean; onDelete?: string },
  physicalResourceId?: string,
): Promise<Answer> {
  const { invocation, answer } = await sendRegistrationEvent(world, requestType, {
    logicalResourceId: 'ConnectorIdentity',
    physicalResourceId,
    properties: {
      Authentication: 'WORKLOAD_IDENTITY',
      AdminSecretId: props.adminSecretId,
      Connection: { account: ACCOUNT, user: props.user, role: 'LOADER', warehouse: 'LOAD_WH' },
      WorkloadIdentityArn: props.roleArn,
      CreateUser: String(props.createUser ?? true),
      OnDelete: props.onDelete ?? 'REMOVE_IDENTITY',
    },
  });
  expect(invocation.error).toBeUndefined();
  return answer!;
}

/** What SHOW USER WORKLOAD IDENTITY AUTHENTICATION METHODS shows for `user`: its role name, or undefined. */
async function trustedRole(user: string): Promise<string | undefined> {
  const rows = await snowflake.sql(`SHOW USER WORKLOAD IDENTITY AUTHENTICATION METHODS FOR USER "${user}"`) as Record<string, unknown>[];
  if (rows.length === 0) return undefined;
  const info = rows[0].additional_info;
  return (typeof info === 'string' ? JSON.parse(info) : info).iamRole;
}

/** The function, as Lambda runs it with `roleArn`'s credentials, signs in as `user` with no secret. */
async function signsIn(user: string, roleArn: string): Promise<string | undefined> {
  const creds = await assumeExecutionRole(aws.moto.endpoint, roleArn);
  aws.remember(creds.secretAccessKey, creds.sessionToken);
  const instance = await startConnectorInstance({
    ...aws.env(),
    ...lambdaCredentialsEnv(creds),
    SNOWFLAKE_AUTHENTICATION: 'WORKLOAD_IDENTITY',
    SNOWFLAKE_CONNECTION: JSON.stringify({ account: ACCOUNT, user }),
    SNOWFLAKE_WORKLOAD_IDENTITY_ARN: roleArn,
    SNOWFLAKE_ENDPOINT_URL: snowflake.url,
  });
  instances.push(instance);
  const invocation = await instance.invoke({ op: 'fetchOne', sql: 'SELECT CURRENT_USER() AS WHO' });
  return invocation.result?.WHO ?? invocation.error?.code;
}

test('Create makes the user with the role\'s ARN; the function then signs in as it; only the administrator\'s secret is read', async () => {
  const a = await admin();
  const user = `SVC_WIF_${++counter}`;
  const reads = aws.proxy.calls.filter((c) => c.operation === 'secretsmanager.GetSecretValue').length;
  const answer = await send('Create', { user, adminSecretId: a.secretId, roleArn: ROLE_ARN });
  expect(answer).toEqual(expect.objectContaining({ Status: 'SUCCESS', Data: { User: user, WorkloadIdentityArn: ROLE_ARN, UserCreated: 'true' } }));
  expect(answer.PhysicalResourceId).toMatch(/^snowflake-workload-identity\/.*\/set$/);
  expect(await trustedRole(user)).toBe('connector-role');
  const secretReads = aws.proxy.calls.filter((c) => c.operation === 'secretsmanager.GetSecretValue').slice(reads);
  expect(secretReads.map((c) => c.body?.SecretId)).toEqual([a.secretId]);
  expect(await signsIn(user, ROLE_ARN)).toBe(user);
});

test('Update with a new ARN sets the new one; the clean-up Delete of the old registration leaves it; the new role signs in, the old is refused', async () => {
  const a = await admin();
  const user = `SVC_WIF_${++counter}`;
  const created = await send('Create', { user, adminSecretId: a.secretId, roleArn: ROLE_ARN });
  const updated = await send('Update', { user, adminSecretId: a.secretId, roleArn: NEW_ROLE_ARN }, created.PhysicalResourceId);
  expect(updated.Status).toBe('SUCCESS');
  expect(updated.PhysicalResourceId).not.toBe(created.PhysicalResourceId);
  expect(await trustedRole(user)).toBe('connector-role-v2');
  // CloudFormation deletes the old physical id once the update succeeded.
  expect((await send('Delete', { user, adminSecretId: a.secretId, roleArn: ROLE_ARN }, created.PhysicalResourceId)).Status).toBe('SUCCESS');
  expect(await trustedRole(user)).toBe('connector-role-v2');
  expect(await signsIn(user, NEW_ROLE_ARN)).toBe(user);
  expect(await signsIn(user, ROLE_ARN)).toBe('WORKLOAD_IDENTITY_REFUSED');
});

test('Delete with REMOVE_IDENTITY unsets only its own identity, and never drops the user; RETAIN_IDENTITY changes nothing', async () => {
  const a = await admin();
  const [removed, retained] = [`SVC_WIF_${++counter}`, `SVC_WIF_${++counter}`];
  const one = await send('Create', { user: removed, adminSecretId: a.secretId, roleArn: ROLE_ARN });
  const two = await send('Create', { user: retained, adminSecretId: a.secretId, roleArn: OTHER_ARN, onDelete: 'RETAIN_IDENTITY' });
  expect((await send('Delete', { user: removed, adminSecretId: a.secretId, roleArn: ROLE_ARN }, one.PhysicalResourceId)).Status).toBe('SUCCESS');
  expect((await send('Delete', { user: retained, adminSecretId: a.secretId, roleArn: OTHER_ARN, onDelete: 'RETAIN_IDENTITY' }, two.PhysicalResourceId)).Status)
    .toBe('SUCCESS');
  expect(await trustedRole(removed)).toBeUndefined();
  expect(snowflake.describeUser(removed)).toBeDefined();
  expect(await trustedRole(retained)).toBe('another-function-role');
});

test('(failing case) a user that trusts another role is never changed by Create, nor by a Delete that names the role', async () => {
  const a = await admin();
  const user = `SVC_WIF_${++counter}`;
  snowflake.addUser({ name: user, workloadIdentity: { arn: OTHER_ARN } });
  await snowflake.sql(`GRANT MODIFY PROGRAMMATIC AUTHENTICATION METHODS, MONITOR ON USER "${user}" TO ROLE "${a.role}"`);
  const answer = await send('Create', { user, adminSecretId: a.secretId, roleArn: ROLE_ARN });
  expect(answer.Status).toBe('FAILED');
  expect(answer.Reason).toMatch(/already trusts AWS IAM_ROLE another-function-role.*never replaces an identity it did not set/);
  expect(await trustedRole(user)).toBe('another-function-role');
  // A Delete whose physical id claims this resource set the identity, for another role: SHOW shows it is not so.
  const claimed = ['snowflake-workload-identity', ACCOUNT, user, ROLE_ARN, 'set'].map(encodeURIComponent).join('/');
  expect((await send('Delete', { user, adminSecretId: a.secretId, roleArn: ROLE_ARN }, claimed)).Status).toBe('SUCCESS');
  expect(await trustedRole(user)).toBe('another-function-role');
});

test('(failing case) a missing user with CreateUser false fails clearly, creating nothing', async () => {
  const a = await admin();
  const user = `SVC_WIF_${++counter}`;
  const answer = await send('Create', { user, adminSecretId: a.secretId, roleArn: ROLE_ARN, createUser: false });
  expect(answer.Status).toBe('FAILED');
  expect(answer.Reason).toMatch(new RegExp(`User "${user}" does not exist .*createUser is off`));
  expect(snowflake.describeUser(user)).toBeUndefined();
});

test('(failing case) an administrator acting as ACCOUNTADMIN is refused, as for key pairs', async () => {
  const a = await admin('ACCOUNTADMIN');
  const user = `SVC_WIF_${++counter}`;
  const answer = await send('Create', { user, adminSecretId: a.secretId, roleArn: ROLE_ARN });
  expect(answer.Status).toBe('FAILED');
  expect(answer.Reason).toMatch(/signs in with role ACCOUNTADMIN, which administers the whole account/);
  expect(snowflake.describeUser(user)).toBeUndefined();
});
