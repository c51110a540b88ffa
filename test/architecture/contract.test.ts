/**
 * One contract between constructs and runtime (docs/architecture.md, "The contract"): what a
 * synthesized stack hands each function (environment variables, custom-resource properties, the
 * retirement event) is exactly what that function's handler reads, and it reads back the values the
 * construct was given. The names are written once, in src/shared/; this test catches a construct and
 * a handler that stop agreeing all the same (a literal name on one side, a new property read by no
 * one, an encoding one side changes). The last tests show the check failing on such a disagreement.
 */
import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import {
  ConnectorHandler,
  KeySource,
  PrivateLinkConfig,
  PrivateLinkEndpoint,
  RegisteredKeyOnDelete,
  RetireOldKey,
  SnowflakeConnectorFunction,
  SnowflakeKeyPairSecret,
  SnowflakeAuthentication,
  SqlStatement,
  RegisteredIdentityOnDelete,
  WorkloadIdentityAttestation,
} from '../../src';
import { optionsFromEnvironment } from '../../src/runtime/connector';
import { parseProperties } from '../../src/runtime/key-material/properties';
import { connectorSettings, RetireEvent, retireClock, settingsFromEnvironment } from '../../src/runtime/rotation/index';
import { registrationProperties } from '../../src/runtime/rotation/registration';
import { isWorkloadIdentityEvent, workloadIdentityRegistrationProperties } from '../../src/runtime/rotation/workload-identity-registration';
import { callerRefusal } from '../../src/runtime/shared/cfn-response';
import { policyFromEnvironment } from '../../src/runtime/sql-executor/event';
import { KEY_MATERIAL_RESOURCE_TYPE, REGISTRATION_RESOURCE_TYPE, RegistrationProperty } from '../../src/shared/custom-resources';
import { RETIRE_ACTION } from '../../src/shared/rotation-settings';
import { testStack } from '../support/stacks';

type Raw = Record<string, unknown>;

/** What a handler made of its input, and the names it looked up while doing so. */
interface Reading<T> {
  readonly value?: T;
  readonly error?: string;
  readonly read: Set<string>;
}

/** Runs a handler's reader on `input`, recording every name it looks up. */
function readWith<T>(input: Raw, reader: (input: any) => T): Reading<T> {
  const read = new Set<string>();
  const proxy = new Proxy(input, {
    get: (target, name) => {
      if (typeof name === 'string') read.add(name);
      return target[name as string];
    },
    has: (target, name) => {
      if (typeof name === 'string') read.add(name);
      return name in target;
    },
  });
  try {
    return { value: reader(proxy), read };
  } catch (error) {
    return { error: (error as Error).message, read };
  }
}

/**
 * Where a construct's output and its handler disagree: a name written that no reader looks up
 * (other than `notRead`, names that exist to change the resource and are read by no one), or input
 * the handler refuses.
 */
function disagreements(what: string, written: Raw, readers: Array<(input: any) => unknown>, notRead: string[] = []): string[] {
  const problems: string[] = [];
  const read = new Set<string>();
  for (const reader of readers) {
    const reading = readWith(written, reader);
    if (reading.error) problems.push(`${what}: the handler refuses what the construct wrote: ${reading.error}`);
    reading.read.forEach((name) => read.add(name));
  }
  for (const name of Object.keys(written)) {
    if (!read.has(name) && !notRead.includes(name)) problems.push(`${what}: the construct writes ${name}, which the handler never reads`);
  }
  return problems;
}

/** CloudFormation's values for the tokens in a template value, as deployed: plain strings. */
function deployed(value: unknown): any {
  if (Array.isArray(value)) return value.map(deployed);
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Raw);
    if (entries.length === 1 && entries[0][0] === 'Ref') return `arn:aws:secretsmanager:us-east-1:123456789012:secret:${entries[0][1]}-AbCdEf`;
    // A role's ARN (the function's execution role, for its workload identity); any other attribute, a fingerprint.
    if (entries.length === 1 && entries[0][0] === 'Fn::GetAtt' && (entries[0][1] as string[])[1] === 'Arn') return `arn:aws:iam::123456789012:role/${(entries[0][1] as string[])[0]}`;
    if (entries.length === 1 && entries[0][0] === 'Fn::GetAtt') return `SHA256:${(entries[0][1] as string[]).join('.')}`;
    if (entries.length === 1 && entries[0][0].startsWith('Fn::')) return `resolved-${entries[0][0]}`;
    return Object.fromEntries(entries.map(([k, v]) => [k, deployed(v)]));
  }
  return value;
}

/** The custom-resource functions' check of the event's caller, on an event from their own stack: throws when it refuses. */
const STACK_ID = deployed({ Ref: 'AWS::StackId' });
function answersOwnStack(env: Raw): void {
  const refusal = callerRefusal({ StackId: STACK_ID, ResponseURL: 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x?X-Amz-Signature=abc' }, env as never);
  if (refusal) throw new Error(refusal);
}

const stack = testStack('Contract');
const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
const privateLink = new PrivateLinkEndpoint(stack, 'PrivateLink', {
  vpc,
  config: PrivateLinkConfig.fromValues({
    endpointServiceName: 'com.amazonaws.vpce.us-east-1.vpce-svc-0a1b2c3d4e5f67890',
    accountUrl: 'xy12345.us-east-1.privatelink.snowflakecomputing.com',
    ocspUrl: 'ocsp.xy12345.us-east-1.privatelink.snowflakecomputing.com',
    regionlessAccountUrl: 'myorg-myaccount.privatelink.snowflakecomputing.com',
  }),
});
const userAdmin = new SnowflakeKeyPairSecret(stack, 'UserAdmin', { account: 'myorg-myaccount', user: 'SVC_USER_ADMIN' });
const rotator = new SnowflakeKeyPairSecret(stack, 'Rotator', { account: 'myorg-myaccount', user: 'SVC_ROTATOR' });
const loader = new SnowflakeKeyPairSecret(stack, 'Loader', {
  account: 'myorg-myaccount',
  user: 'SVC_LOADER',
  role: 'LOADER',
  warehouse: 'LOAD_WH',
  database: 'RAW',
  schema: 'ORDERS',
  keySource: KeySource.generate({ keySize: 4096, keyGeneration: 3 }),
  registration: { adminSecret: userAdmin, createUser: false, onDelete: RegisteredKeyOnDelete.RETAIN_KEY, privateLink },
  rotation: { adminSecret: rotator, retireOldKey: RetireOldKey.after(Duration.days(2)), overwriteUnknownKeys: true, privateLink },
});
new SnowflakeConnectorFunction(stack, 'Function', {
  secret: loader,
  privateLink,
  statementTimeout: Duration.minutes(2),
  handler: ConnectorHandler.sqlExecutor({ statements: { countOrders: SqlStatement.of('SELECT COUNT(*) FROM ORDERS') } }),
});
// Signs in with its own role, registered at deploy through PrivateLink.
const keyless = new SnowflakeConnectorFunction(stack, 'Keyless', {
  authentication: SnowflakeAuthentication.workloadIdentity({
    account: 'myorg-myaccount',
    user: 'SVC_KEYLESS',
    role: 'REPORTER',
    warehouse: 'REPORT_WH',
    database: 'MARTS',
    schema: 'SALES',
    attestation: WorkloadIdentityAttestation.OUTBOUND_TOKEN,
    issuer: 'https://abc123.tokens.sts.global.api.aws',
    registration: { adminSecret: userAdmin, createUser: false, onDelete: RegisteredIdentityOnDelete.RETAIN_IDENTITY },
  }),
  privateLink,
  handler: ConnectorHandler.sqlExecutor({ statements: { sales: SqlStatement.of('SELECT 1') } }),
});
const template = Template.fromStack(stack).toJSON();
const resources: Array<[string, { Type: string; Properties: Raw }]> = Object.entries(template.Resources);
const ofType = (type: string) => resources.filter(([, r]) => r.Type === type);
const functionBehind = (serviceToken: unknown) => template.Resources[(serviceToken as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]];
const environmentOf = (fn: { Properties: Raw }): Record<string, string> => deployed((fn.Properties.Environment as { Variables: Raw }).Variables);
const lambdas = ofType('AWS::Lambda::Function');
const rotationFunction = lambdas.find(([id]) => id.startsWith('LoaderRotation'))![1];
const connectorFunction = lambdas.find(([id]) => id.startsWith('Function'))![1];
const keylessFunction = lambdas.find(([id]) => id.startsWith('KeylessFunction'))![1];
const [, keyMaterial] = ofType(KEY_MATERIAL_RESOURCE_TYPE).find(([id]) => id.startsWith('Loader'))!;
const [, registration] = ofType(REGISTRATION_RESOURCE_TYPE).find(([, r]) => r.Properties[RegistrationProperty.AUTHENTICATION] === undefined)!;
const [, identityRegistration] = ofType(REGISTRATION_RESOURCE_TYPE).find(([, r]) => r.Properties[RegistrationProperty.AUTHENTICATION] !== undefined)!;
/** The registration handler's choice of path, as a reader of the properties: it must take the workload-identity path. */
const takesIdentityPath = (properties: Raw): void => {
  if (!isWorkloadIdentityEvent({ ResourceProperties: properties } as never)) throw new Error('the handler takes the key-pair path');
};
const propertiesOf = (resource: { Properties: Raw }): Raw => {
  const { ServiceToken: _token, ServiceTimeout: _timeout, ...properties } = deployed(resource.Properties);
  return properties;
};

describe('what the constructs write is what the handlers read', () => {
  test('the rotation function: its environment, read back as the rotation the construct was given', () => {
    const env = environmentOf(rotationFunction);
    expect(disagreements('rotation', env, [settingsFromEnvironment])).toEqual([]);
    expect(settingsFromEnvironment(env)).toEqual({
      secretId: expect.stringContaining('Loader'),
      user: 'SVC_LOADER',
      adminSecretId: expect.stringContaining('Rotator'),
      retire: { kind: 'after', seconds: 2 * 86400 },
      overwriteUnknownKeys: true,
      connector: { host: privateLink.accountHost },
    });
  });

  test('the retirement schedule sends the event the rotation handler acts on', () => {
    const [, rule] = ofType('AWS::Events::Rule')[0];
    // The template joins the input from text and the secret's ARN; EventBridge puts the event's time for <time>.
    const transformer = (rule.Properties.Targets as Raw[])[0].InputTransformer as { InputTemplate: { 'Fn::Join': [string, unknown[]] }; InputPathsMap: Raw };
    const text = transformer.InputTemplate['Fn::Join'][1].map(deployed).join('').replace('<time>', JSON.stringify('2026-01-31T12:00:00Z'));
    const event = JSON.parse(text) as RetireEvent;
    expect(event).toEqual({ action: RETIRE_ACTION, SecretId: expect.stringContaining('Loader'), time: '2026-01-31T12:00:00Z' });
    expect(retireClock(event)).toEqual(new Date('2026-01-31T12:00:00Z'));
    expect(transformer.InputPathsMap).toEqual({ time: '$.time' });
  });

  test('the registration: its properties and its function\'s environment', () => {
    const properties = propertiesOf(registration);
    expect(disagreements('registration', properties, [registrationProperties], [RegistrationProperty.FINGERPRINT])).toEqual([]);
    expect(registrationProperties(properties)).toEqual({
      secretId: expect.stringContaining('Loader'),
      adminSecretId: expect.stringContaining('UserAdmin'),
      createUser: false,
      onDelete: 'RETAIN_KEY',
    });
    const env = environmentOf(functionBehind(registration.Properties.ServiceToken));
    expect(disagreements('registration function', env, [connectorSettings, answersOwnStack])).toEqual([]);
    expect(connectorSettings(env)).toEqual({ host: privateLink.accountHost });
  });

  test('every registration option value is one the handler accepts', () => {
    for (const onDelete of Object.values(RegisteredKeyOnDelete)) {
      expect(registrationProperties({ ...propertiesOf(registration), OnDelete: onDelete }).onDelete).toBe(onDelete);
    }
  });

  test('the key material: its properties and its function\'s environment', () => {
    const properties = propertiesOf(keyMaterial);
    expect(disagreements('key material', properties, [parseProperties])).toEqual([]);
    expect(parseProperties(properties)).toEqual({
      secretId: expect.stringContaining('Loader'),
      mode: 'GENERATE',
      keySize: 4096,
      encryptPrivateKey: false,
      keyGeneration: 3,
      connection: { account: 'myorg-myaccount', user: 'SVC_LOADER', role: 'LOADER', warehouse: 'LOAD_WH', database: 'RAW', schema: 'ORDERS' },
    });
    const env = environmentOf(functionBehind(keyMaterial.Properties.ServiceToken));
    expect(disagreements('key-material function', env, [answersOwnStack])).toEqual([]);
  });

  test('the connector function: its environment, read by the connector and the SQL executor', () => {
    const env = environmentOf(connectorFunction);
    expect(disagreements('connector', env, [optionsFromEnvironment, policyFromEnvironment])).toEqual([]);
    expect(optionsFromEnvironment(env)).toEqual({
      secretId: expect.stringContaining('Loader'),
      host: privateLink.accountHost,
      statementTimeoutSeconds: 120,
    });
    expect(policyFromEnvironment(env).statements.get('countOrders')).toEqual({ sql: 'SELECT COUNT(*) FROM ORDERS', binds: [] });
  });
});

describe('a function that signs in with its workload identity', () => {
  test('its environment, read by the connector and the SQL executor', () => {
    const env = environmentOf(keylessFunction);
    expect(env.SNOWFLAKE_SECRET_ID).toBeUndefined();
    expect(disagreements('keyless connector', env, [optionsFromEnvironment, policyFromEnvironment])).toEqual([]);
    expect(optionsFromEnvironment(env)).toEqual({
      workloadIdentity: {
        connection: { account: 'myorg-myaccount', user: 'SVC_KEYLESS', role: 'REPORTER', warehouse: 'REPORT_WH', database: 'MARTS', schema: 'SALES', host: privateLink.accountHost },
        roleArn: expect.stringMatching(/^arn:aws:iam::123456789012:role\/KeylessRole/),
        attestation: 'OUTBOUND_TOKEN',
      },
      host: privateLink.accountHost,
    });
    expect(keyless.secret).toBeUndefined();
  });

  test('its registration: the properties the handler reads on its workload-identity path', () => {
    const properties = propertiesOf(identityRegistration);
    expect(disagreements('identity registration', properties, [takesIdentityPath, workloadIdentityRegistrationProperties])).toEqual([]);
    expect(workloadIdentityRegistrationProperties(properties)).toEqual({
      adminSecretId: expect.stringContaining('UserAdmin'),
      connection: { account: 'myorg-myaccount', user: 'SVC_KEYLESS', role: 'REPORTER', warehouse: 'REPORT_WH', database: 'MARTS', schema: 'SALES', host: privateLink.accountHost },
      roleArn: optionsFromEnvironment(environmentOf(keylessFunction)).workloadIdentity!.roleArn,
      issuer: 'https://abc123.tokens.sts.global.api.aws',
      createUser: false,
      onDelete: 'RETAIN_IDENTITY',
    });
    // A key-pair registration is never read as a workload identity's, and the other way round.
    expect(() => takesIdentityPath(propertiesOf(registration))).toThrow();
    expect(() => registrationProperties(properties)).toThrow(/SecretId property is missing/);
  });

  test('every identity option value is one the handler accepts', () => {
    for (const onDelete of Object.values(RegisteredIdentityOnDelete)) {
      expect(workloadIdentityRegistrationProperties({ ...propertiesOf(identityRegistration), OnDelete: onDelete }).onDelete).toBe(onDelete);
    }
  });
});

describe('the check fails when a construct and its handler disagree', () => {
  test('a name the construct writes and the handler never reads (a renamed variable)', () => {
    const env = environmentOf(rotationFunction);
    const { SNOWFLAKE_OVERWRITE_UNKNOWN_KEYS: overwrite, ...rest } = env;
    const renamed = { ...rest, SNOWFLAKE_OVERWRITE_UNKNOWN_KEY: overwrite };
    expect(disagreements('rotation', renamed, [settingsFromEnvironment])).toEqual([
      'rotation: the construct writes SNOWFLAKE_OVERWRITE_UNKNOWN_KEY, which the handler never reads',
    ]);
  });

  test('a name the handler needs and the construct does not write', () => {
    const { SNOWFLAKE_ADMIN_SECRET_ID: _admin, ...env } = environmentOf(rotationFunction);
    expect(disagreements('rotation', env, [settingsFromEnvironment])).toContainEqual(
      expect.stringMatching(/^rotation: the handler refuses what the construct wrote: SNOWFLAKE_ADMIN_SECRET_ID is not set/),
    );
  });

  test('an encoding one side changes (the grace period written as a duration, not seconds)', () => {
    const env = { ...environmentOf(rotationFunction), SNOWFLAKE_RETIRE_OLD_KEY: 'after:2d' };
    expect(disagreements('rotation', env, [settingsFromEnvironment])).toContainEqual(
      expect.stringMatching(/^rotation: the handler refuses what the construct wrote: SNOWFLAKE_RETIRE_OLD_KEY is "after:2d"/),
    );
  });

  test('a custom-resource function that no longer checks its stack', () => {
    const { SNOWFLAKE_CFN_STACK_ID: _stack, ...env } = environmentOf(functionBehind(keyMaterial.Properties.ServiceToken));
    expect(disagreements('key-material function', env, [answersOwnStack])).toEqual([
      expect.stringMatching(/^key-material function: the handler refuses what the construct wrote: SNOWFLAKE_CFN_STACK_ID is not set/),
    ]);
    expect(disagreements('key-material function', { ...env, SNOWFLAKE_STACK_ID: STACK_ID }, [answersOwnStack])).toEqual([
      expect.stringMatching(/SNOWFLAKE_CFN_STACK_ID is not set/),
      'key-material function: the construct writes SNOWFLAKE_STACK_ID, which the handler never reads',
    ]);
  });

  test('a custom-resource property no one reads, unless it is declared as read by no one', () => {
    const properties = { ...propertiesOf(registration), CreateUsers: 'false' };
    expect(disagreements('registration', properties, [registrationProperties], [RegistrationProperty.FINGERPRINT])).toEqual([
      'registration: the construct writes CreateUsers, which the handler never reads',
    ]);
    expect(disagreements('registration', propertiesOf(registration), [registrationProperties])).toEqual([
      'registration: the construct writes Fingerprint, which the handler never reads',
    ]);
  });
});
