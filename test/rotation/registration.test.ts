/**
 * The registration custom resource, generalized (src/rotation/registration.ts): a key pair's
 * properties are exactly the ones it always had, in the same order, so a deployed stack's template
 * does not change; a workload identity's carry the mode, the user's settings and the role's ARN,
 * and no secret but the administrator's.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { Registration } from '../../src/rotation/registration';
import { testStack } from '../support/stacks';

const ADMIN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:admin-AbCdEf';
const ROLE = 'arn:aws:iam::123456789012:role/connector';

function propertiesOf(make: (scope: any) => void): Record<string, unknown> {
  const stack = testStack();
  make(stack);
  const resources = Object.values<any>(Template.fromStack(stack).findResources('Custom::SnowflakeUserRegistration'));
  expect(resources).toHaveLength(1);
  const { ServiceToken, ServiceTimeout, ...properties } = resources[0].Properties;
  expect(ServiceTimeout).toBe('300');
  return properties;
}

test('a key pair: SecretId, AdminSecretId, CreateUser, OnDelete, Fingerprint, in that order, and nothing else', () => {
  const properties = propertiesOf((stack) => new Registration(stack, 'Registration', {
    keyPair: { secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:loader-AbCdEf', fingerprint: 'SHA256:abc' },
    adminSecretArn: ADMIN,
    createUser: true,
    onDelete: 'REMOVE_KEY',
    network: {},
    after: [],
  }));
  expect(Object.entries(properties)).toEqual([
    ['SecretId', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:loader-AbCdEf'],
    ['AdminSecretId', ADMIN],
    ['CreateUser', 'true'],
    ['OnDelete', 'REMOVE_KEY'],
    ['Fingerprint', 'SHA256:abc'],
  ]);
});

test('a workload identity: Authentication, the administrator\'s secret, the settings given (no undefined field), the ARN; no SecretId, no Fingerprint', () => {
  const properties = propertiesOf((stack) => new Registration(stack, 'Registration', {
    workloadIdentity: { connection: { account: 'myorg-myaccount', user: 'SVC', role: 'LOADER', warehouse: undefined }, roleArn: ROLE },
    adminSecretArn: ADMIN,
    createUser: false,
    onDelete: 'RETAIN_IDENTITY',
    network: {},
    after: [],
  }));
  expect(properties).toEqual({
    Authentication: 'WORKLOAD_IDENTITY',
    AdminSecretId: ADMIN,
    CreateUser: 'false',
    OnDelete: 'RETAIN_IDENTITY',
    Connection: { account: 'myorg-myaccount', user: 'SVC', role: 'LOADER' },
    WorkloadIdentityArn: ROLE,
  });
});

test('a workload identity with an issuer (OUTBOUND_TOKEN) carries it', () => {
  const properties = propertiesOf((stack) => new Registration(stack, 'Registration', {
    workloadIdentity: { connection: { account: 'myorg-myaccount', user: 'SVC' }, roleArn: ROLE, issuer: 'https://issuer.example' },
    adminSecretArn: ADMIN,
    createUser: true,
    onDelete: 'REMOVE_IDENTITY',
    network: {},
    after: [],
  }));
  expect(properties.WorkloadIdentityIssuer).toBe('https://issuer.example');
});

test('(failing case) both, or neither, are refused', () => {
  const common = { adminSecretArn: ADMIN, createUser: true, onDelete: 'REMOVE_KEY' as const, network: {}, after: [] };
  expect(() => new Registration(testStack(), 'R', {
    ...common, keyPair: { secretArn: 'a', fingerprint: 'f' }, workloadIdentity: { connection: { account: 'a', user: 'u' }, roleArn: ROLE },
  })).toThrow(/\[Test\] a registration registers either a key pair or a workload identity: give exactly one/);
  expect(() => new Registration(testStack(), 'R', common)).toThrow(/give exactly one/);
});
