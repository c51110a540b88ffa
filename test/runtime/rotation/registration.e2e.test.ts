/**
 * End to end: registration at deploy. The bundled function (assets/rotation, export
 * registrationHandler) runs in a warm Lambda-like process, receives CloudFormation's custom-resource
 * events and answers on a loopback response URL; it reads the secrets from moto's Secrets Manager
 * through the real AWS SDK and signs in to the local Snowflake endpoint as an administrator through
 * the real driver.
 */
import '@cdk-snowflake-keypair/local-snowflake/driver-env';
import { fingerprintOf, LocalSnowflake } from '@cdk-snowflake-keypair/local-snowflake';
import { AwsSide } from '../../support/connector-fixture';
import { rsaKey, TestKey } from '../../support/keys';
import { LambdaInstance } from '../../support/lambda-runtime';
import {
  CustomResourceAnswer as Answer, REGISTRATION_STACK_ID as STACK_ID, registrationAdmin, sendRegistrationEvent, useRegistrationWorld,
} from '../../support/registration-fixture';
import { ACCOUNT, login, slotsOf } from '../../support/rotation-fixture';

const world = useRegistrationWorld();
let aws: AwsSide;
let snowflake: LocalSnowflake;
let fn: LambdaInstance;
let counter = 0;

beforeAll(() => {
  ({ aws, snowflake, fn } = world);
});

interface Admin {
  readonly secretId: string;
  readonly role: string;
}

/** An administrator whose role may create users (and so owns the users it creates). */
async function admin(privileges: 'create-user' | 'none' = 'create-user'): Promise<Admin> {
  const n = ++counter;
  return registrationAdmin(world, { user: `ADMIN_${n}`, role: `REGISTRAR_${n}` }, privileges === 'create-user');
}

/** A service user's secret, as the key-material custom resource leaves it. */
async function serviceSecret(key: TestKey, user = `SVC_REG_${++counter}`): Promise<{ user: string; secretId: string }> {
  aws.rememberKey(key);
  const secretId = await aws.createSecret({ account: ACCOUNT, user, privateKey: key.pkcs8Pem, role: 'LOADER', warehouse: 'LOAD_WH' });
  return { user, secretId };
}

async function send(
  requestType: 'Create' | 'Update' | 'Delete',
  props: { secretId: string; adminSecretId: string; createUser?: boolean; onDelete?: string },
  physicalResourceId?: string,
  stackId = STACK_ID,
): Promise<Answer> {
  const { invocation, answer, answered } = await sendRegistrationEvent(world, requestType, {
    logicalResourceId: 'LoaderRegistration',
    physicalResourceId,
    stackId,
    properties: {
      SecretId: props.secretId,
      AdminSecretId: props.adminSecretId,
      CreateUser: String(props.createUser ?? true),
      OnDelete: props.onDelete ?? 'REMOVE_KEY',
    },
  });
  if (stackId !== STACK_ID) {
    // Refused: the function fails the invocation and never calls the URL.
    expect(invocation.error?.errorMessage).toMatch(/Refused this custom-resource event, and did not call its ResponseURL: the event's StackId/);
    expect(answered).toBe(false);
    return { Status: 'FAILED', PhysicalResourceId: '', Reason: invocation.error!.errorMessage };
  }
  expect(invocation.error).toBeUndefined();
  expect(answer).toBeDefined();
  return answer!;
}

test('create: a new service user with the generated key, which then signs in; delete: the key goes, the user stays', async () => {
  const { secretId: adminSecretId } = await admin();
  const key = rsaKey();
  const { user, secretId } = await serviceSecret(key);
  expect(snowflake.describeUser(user)).toBeUndefined();

  const created = await send('Create', { secretId, adminSecretId });
  expect(created.Status).toBe('SUCCESS');
  expect(created.Data).toEqual({ User: user, Slot: 'RSA_PUBLIC_KEY', Fingerprint: fingerprintOf(key.publicPem), UserCreated: 'true' });
  const described = snowflake.describeUser(user)!;
  expect(described).toEqual(expect.objectContaining({ rsaPublicKeyFp: fingerprintOf(key.publicPem), defaultRole: 'LOADER', defaultWarehouse: 'LOAD_WH' }));
  expect(await login(snowflake, user, { privateKeyPem: key.pkcs8Pem })).toBe('ok');

  // A retried Create (CloudFormation re-sends when it did not get the answer) changes nothing.
  const again = await send('Create', { secretId, adminSecretId });
  expect(again).toEqual(expect.objectContaining({ Status: 'SUCCESS' }));
  expect(slotsOf(snowflake, user)).toEqual([fingerprintOf(key.publicPem), undefined]);

  const deleted = await send('Delete', { secretId, adminSecretId }, created.PhysicalResourceId);
  expect(deleted.Status).toBe('SUCCESS');
  expect(slotsOf(snowflake, user)).toEqual([undefined, undefined]);
  expect(snowflake.describeUser(user)).toBeDefined();
  expect(await login(snowflake, user, { privateKeyPem: key.pkcs8Pem })).toBe('390144');
});

test('a login name as user: the user is created under that exact name, acts with its role only, and signs in with the name', async () => {
  const { secretId: adminSecretId } = await admin();
  const key = rsaKey();
  const user = `svc.loader-${++counter}@example.com`;
  const { secretId } = await serviceSecret(key, user);

  const created = await send('Create', { secretId, adminSecretId });
  expect(created.Status).toBe('SUCCESS');
  // CREATE USER "svc.loader-N@example.com": the name exactly as written, the login name defaulting to it.
  const described = snowflake.describeUser(`"${user}"`)!;
  expect(described).toEqual(expect.objectContaining({
    name: user,
    loginName: user.toUpperCase(),
    rsaPublicKeyFp: fingerprintOf(key.publicPem),
    defaultRole: 'LOADER',
    defaultSecondaryRoles: [],
  }));
  // (control) unquoted, the name would have been upper-cased: no such user.
  expect(snowflake.describeUser(user.toUpperCase().replace(/[.@-]/g, '_'))).toBeUndefined();
  expect(await login(snowflake, user, { privateKeyPem: key.pkcs8Pem })).toBe('ok');

  const deleted = await send('Delete', { secretId, adminSecretId }, created.PhysicalResourceId);
  expect(deleted.Status).toBe('SUCCESS');
  expect(slotsOf(snowflake, `"${user}"`)).toEqual([undefined, undefined]);
});

test('an existing user: the key goes into the free slot; a key registered before the deployment is never removed', async () => {
  const { secretId: adminSecretId, role } = await admin();
  const [theirs, ours] = [rsaKey(), rsaKey()];
  const { user, secretId } = await serviceSecret(ours);
  snowflake.addUser({ name: user, publicKeys: [theirs.publicPem] });
  await snowflake.sql(`GRANT OWNERSHIP ON USER "${user}" TO ROLE "${role}"`);

  const created = await send('Create', { secretId, adminSecretId });
  expect(created.Status).toBe('SUCCESS');
  expect(created.Data).toEqual(expect.objectContaining({ Slot: 'RSA_PUBLIC_KEY_2', UserCreated: 'false' }));
  expect(slotsOf(snowflake, user)).toEqual([fingerprintOf(theirs.publicPem), fingerprintOf(ours.publicPem)]);

  expect((await send('Delete', { secretId, adminSecretId }, created.PhysicalResourceId)).Status).toBe('SUCCESS');
  expect(slotsOf(snowflake, user)).toEqual([fingerprintOf(theirs.publicPem), undefined]);

  // (the other side) a key that was registered before the deployment stays after delete.
  snowflake.setPublicKey(user, 2, ours.publicPem);
  const found = await send('Create', { secretId, adminSecretId });
  expect(found.Status).toBe('SUCCESS');
  expect((await send('Delete', { secretId, adminSecretId }, found.PhysicalResourceId)).Status).toBe('SUCCESS');
  expect(slotsOf(snowflake, user)).toEqual([fingerprintOf(theirs.publicPem), fingerprintOf(ours.publicPem)]);
});

test('RETAIN_KEY: delete leaves the key registered', async () => {
  const { secretId: adminSecretId } = await admin();
  const key = rsaKey();
  const { user, secretId } = await serviceSecret(key);
  const created = await send('Create', { secretId, adminSecretId, onDelete: 'RETAIN_KEY' });
  expect((await send('Delete', { secretId, adminSecretId, onDelete: 'RETAIN_KEY' }, created.PhysicalResourceId)).Status).toBe('SUCCESS');
  expect(slotsOf(snowflake, user)).toEqual([fingerprintOf(key.publicPem), undefined]);
});

test('update with a new key: it is registered beside the old one, and deleting the old registration removes only the old key', async () => {
  const { secretId: adminSecretId } = await admin();
  const [oldKey, newKey] = [rsaKey(), rsaKey()];
  const { user, secretId } = await serviceSecret(oldKey);
  const created = await send('Create', { secretId, adminSecretId });
  // An update with unchanged key keeps the physical id: CloudFormation then deletes nothing.
  const same = await send('Update', { secretId, adminSecretId, onDelete: 'RETAIN_KEY' }, created.PhysicalResourceId);
  expect(same.PhysicalResourceId).toBe(created.PhysicalResourceId);

  aws.rememberKey(newKey);
  await aws.putSecret(secretId, { account: ACCOUNT, user, privateKey: newKey.pkcs8Pem, role: 'LOADER', warehouse: 'LOAD_WH' });
  const updated = await send('Update', { secretId, adminSecretId }, created.PhysicalResourceId);
  expect(updated.Status).toBe('SUCCESS');
  expect(updated.PhysicalResourceId).not.toBe(created.PhysicalResourceId);
  expect(slotsOf(snowflake, user)).toEqual([fingerprintOf(oldKey.publicPem), fingerprintOf(newKey.publicPem)]);
  // CloudFormation's clean-up of the replaced resource.
  expect((await send('Delete', { secretId, adminSecretId }, created.PhysicalResourceId)).Status).toBe('SUCCESS');
  expect(slotsOf(snowflake, user)).toEqual([undefined, fingerprintOf(newKey.publicPem)]);
  expect(await login(snowflake, user, { privateKeyPem: newKey.pkcs8Pem })).toBe('ok');
});

describe('failures: a clear reason, and nothing changed', () => {
  test('both slots hold other keys: registration never overwrites one', async () => {
    const { secretId: adminSecretId, role } = await admin();
    const [a, b, ours] = [rsaKey(), rsaKey(), rsaKey()];
    const { user, secretId } = await serviceSecret(ours);
    snowflake.addUser({ name: user, publicKeys: [a.publicPem, b.publicPem] });
    await snowflake.sql(`GRANT OWNERSHIP ON USER "${user}" TO ROLE "${role}"`);
    const answer = await send('Create', { secretId, adminSecretId });
    expect(answer.Status).toBe('FAILED');
    expect(answer.Reason).toMatch(new RegExp(`Both key slots of user "${user}" hold other keys .*registration never overwrites a key`));
    expect(slotsOf(snowflake, user)).toEqual([fingerprintOf(a.publicPem), fingerprintOf(b.publicPem)]);
    // A failed Create's clean-up Delete succeeds and touches nothing.
    expect((await send('Delete', { secretId, adminSecretId }, answer.PhysicalResourceId)).Status).toBe('SUCCESS');
    expect(slotsOf(snowflake, user)).toEqual([fingerprintOf(a.publicPem), fingerprintOf(b.publicPem)]);
  });

  test('the administrator may not create users', async () => {
    const { secretId: adminSecretId } = await admin('none');
    const { user, secretId } = await serviceSecret(rsaKey());
    const answer = await send('Create', { secretId, adminSecretId });
    expect(answer.Status).toBe('FAILED');
    expect(answer.Reason).toMatch(/Insufficient privileges/);
    expect(snowflake.describeUser(user)).toBeUndefined();
  });

  test('an existing user the administrator holds no privilege on: DESC USER is refused, and nothing changes', async () => {
    const { secretId: adminSecretId } = await admin();
    const [theirs, ours] = [rsaKey(), rsaKey()];
    const { user, secretId } = await serviceSecret(ours);
    snowflake.addUser({ name: user, publicKeys: [theirs.publicPem] });
    const answer = await send('Create', { secretId, adminSecretId });
    expect(answer.Status).toBe('FAILED');
    expect(answer.Reason).toMatch(/Insufficient privileges to operate on user/);
    expect(slotsOf(snowflake, user)).toEqual([fingerprintOf(theirs.publicPem), undefined]);
  });

  test('createUser off and no such user', async () => {
    const { secretId: adminSecretId } = await admin();
    const { user, secretId } = await serviceSecret(rsaKey());
    const answer = await send('Create', { secretId, adminSecretId, createUser: false });
    expect(answer.Status).toBe('FAILED');
    expect(answer.Reason).toContain(`User "${user}" does not exist (or the administrator's role cannot see it), and createUser is off`);
    expect(snowflake.describeUser(user)).toBeUndefined();
  });
});

describe('who is asking: a direct invoke can do no more than deleting the stack would', () => {
  test('an event from another stack is refused; (control) the same event from its own stack is answered', async () => {
    const { secretId: adminSecretId } = await admin();
    const key = rsaKey();
    const { user, secretId } = await serviceSecret(key);
    const refused = await send('Create', { secretId, adminSecretId }, undefined, 'arn:aws:cloudformation:us-east-1:123456789012:stack/other/2');
    expect(refused.Status).toBe('FAILED');
    expect(snowflake.describeUser(user)).toBeUndefined();
    expect((await send('Create', { secretId, adminSecretId })).Status).toBe('SUCCESS');
    expect(slotsOf(snowflake, user)).toEqual([fingerprintOf(key.publicPem), undefined]);
  });

  test('a Delete whose physical id names another user\'s key leaves it: what is unset comes from the secret, not the caller', async () => {
    const { secretId: adminSecretId } = await admin();
    const [keyA, keyB] = [rsaKey(), rsaKey()];
    const a = await serviceSecret(keyA);
    const b = await serviceSecret(keyB);
    const createdA = await send('Create', { secretId: a.secretId, adminSecretId });
    const createdB = await send('Create', { secretId: b.secretId, adminSecretId });
    expect([createdA.Status, createdB.Status]).toEqual(['SUCCESS', 'SUCCESS']);

    // A direct invoke: A's properties, B's physical id (B's user and key, "set").
    expect((await send('Delete', { secretId: a.secretId, adminSecretId }, createdB.PhysicalResourceId)).Status).toBe('SUCCESS');
    expect(slotsOf(snowflake, b.user)).toEqual([fingerprintOf(keyB.publicPem), undefined]);
    // A's user with a key A's secret never held (someone's working key in the other slot).
    const theirs = rsaKey();
    snowflake.setPublicKey(a.user, 2, theirs.publicPem);
    const forged = createdA.PhysicalResourceId
      .replace(encodeURIComponent(fingerprintOf(keyA.publicPem)), encodeURIComponent(fingerprintOf(theirs.publicPem)));
    expect(forged).not.toBe(createdA.PhysicalResourceId);
    expect((await send('Delete', { secretId: a.secretId, adminSecretId }, forged)).Status).toBe('SUCCESS');
    expect(slotsOf(snowflake, a.user)).toEqual([fingerprintOf(keyA.publicPem), fingerprintOf(theirs.publicPem)]);
    expect(fn.output()).toMatch(/Delete: the secret does not record this key for this user, so it is left registered/);

    // (control) the real Delete of each removes its own key.
    expect((await send('Delete', { secretId: a.secretId, adminSecretId }, createdA.PhysicalResourceId)).Status).toBe('SUCCESS');
    expect(slotsOf(snowflake, a.user)).toEqual([undefined, fingerprintOf(theirs.publicPem)]);
    expect((await send('Delete', { secretId: b.secretId, adminSecretId }, createdB.PhysicalResourceId)).Status).toBe('SUCCESS');
    expect(slotsOf(snowflake, b.user)).toEqual([undefined, undefined]);
  });

  test.each(['ACCOUNTADMIN', 'USERADMIN'])('an administrator signing in as %s is refused, with the grant that suffices; nothing changes', async (role) => {
    const n = ++counter;
    const adminKey = rsaKey();
    aws.rememberKey(adminKey);
    snowflake.addUser({ name: `BROAD_ADMIN_${n}`, publicKeys: [adminKey.publicPem], defaultRole: role });
    snowflake.grantRole(role, `BROAD_ADMIN_${n}`);
    const adminSecretId = await aws.createSecret({ account: ACCOUNT, user: `BROAD_ADMIN_${n}`, privateKey: adminKey.pkcs8Pem, role });
    const { user, secretId } = await serviceSecret(rsaKey());
    const answer = await send('Create', { secretId, adminSecretId });
    expect(answer.Status).toBe('FAILED');
    expect(answer.Reason).toContain(`The registration administrator signs in with role ${role}, which administers the whole account; this function refuses to act with it`);
    expect(answer.Reason).toContain('GRANT CREATE USER ON ACCOUNT TO ROLE');
    expect(answer.Reason).toContain(`GRANT MODIFY PROGRAMMATIC AUTHENTICATION METHODS ON USER "${user}"`);
    expect(snowflake.describeUser(user)).toBeUndefined();
  });
});
