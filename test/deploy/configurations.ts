/**
 * The configurations the deploy preflight synthesizes: every combination the README and docs/
 * show, and the pairs that put two of a construct in one stack. Each builds into a stack of
 * testStack()'s environment, and may say what its template must hold (so that a configuration
 * cannot quietly stop being what its name says).
 */
import * as path from 'node:path';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { SnowflakeExampleStack } from '../../examples/typescript/snowflake-stack';
import {
  ConnectorHandler,
  IPrivateLinkEndpoint,
  ISnowflakeKeyPairSecret,
  KeySource,
  PrivateLinkConfig,
  PrivateLinkEndpoint,
  RegisteredIdentityOnDelete,
  RegisteredKeyOnDelete,
  RetireOldKey,
  SnowflakeAuthentication,
  SqlExecutorTransport,
  SecretReaderRole,
  SnowflakeConnectorFunction,
  SnowflakeConnectorFunctionProps,
  SnowflakeKeyPairSecret,
  SnowflakeKeyPairSecretProps,
} from '../../src';
import { SECRET_ID_ENV } from '../../src/shared/environment';
import { AUTHENTICATION_ENV } from '../../src/shared/workload-identity';
import { DeployTemplate, isInVpc, resourcesOf } from '../support/deploy-rules';
import { ACCOUNT, REGION } from '../support/iam-simulate';
import { CONFIG_JSON } from '../support/privatelink';
import { testStack } from '../support/stacks';

export interface Configuration {
  /** kebab-case, unique: the name tests report. */
  readonly name: string;
  /** Where the README or docs show it, or why it is here. */
  readonly shows: string;
  /** Builds the stack (a `testStack()`, unless the configuration makes its own). */
  build(): Stack;
  /** What the template must hold for the configuration to be what it says: problems, or none. */
  verify?(template: DeployTemplate): string[];
}

const ISOLATED: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
const USER_HANDLER = path.join(__dirname, '..', 'fixtures', 'handlers');

/** A second Snowflake account's config (Snowflake's documented keys), for two endpoints in one VPC. */
const SECOND_ACCOUNT_CONFIG = JSON.stringify({
  'privatelink-vpce-id': 'com.amazonaws.vpce.us-east-1.vpce-svc-0fedcba9876543210',
  'privatelink-account-url': 'ab67890.us-east-1.privatelink.snowflakecomputing.com',
  'privatelink_ocsp-url': 'ocsp.ab67890.us-east-1.privatelink.snowflakecomputing.com',
  'regionless-privatelink-account-url': 'myorg-analytics.privatelink.snowflakecomputing.com',
  'regionless-privatelink-ocsp-url': 'ocsp.myorg-analytics.privatelink.snowflakecomputing.com',
  // Shared with the first account: recorded once.
  'snowsight-privatelink-url': 'app.us-east-1.privatelink.snowflakecomputing.com',
  'privatelink-connection-urls': '[]',
});

/** A VPC of isolated subnets in two zones, named so that no context lookup is needed (as the example stack does). */
function isolatedVpc(stack: Stack, id = 'Vpc'): ec2.Vpc {
  return new ec2.Vpc(stack, id, {
    availabilityZones: [`${stack.region}a`, `${stack.region}b`],
    natGateways: 0,
    subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
}

/** A VPC with public subnets, a NAT gateway and private subnets behind it. */
function natVpc(stack: Stack, id = 'Vpc'): ec2.Vpc {
  return new ec2.Vpc(stack, id, { availabilityZones: [`${stack.region}a`, `${stack.region}b`], natGateways: 1 });
}

function privateLink(stack: Stack, vpc: ec2.IVpc, id = 'SnowflakePrivateLink', isolated = true, config = CONFIG_JSON): PrivateLinkEndpoint {
  return new PrivateLinkEndpoint(stack, id, {
    vpc,
    config: PrivateLinkConfig.fromJson(config),
    vpcSubnets: isolated ? ISOLATED : undefined,
    addAwsServiceEndpoints: isolated,
    networkPolicy: { user: 'SVC_OPS', database: 'SECURITY', schema: 'NETWORK' },
  });
}

function secret(stack: Stack, id = 'Secret', props: Partial<SnowflakeKeyPairSecretProps> = {}): SnowflakeKeyPairSecret {
  return new SnowflakeKeyPairSecret(stack, id, {
    account: 'myorg-myaccount', user: `SVC_${id.toUpperCase()}`, role: 'LOADER', warehouse: 'LOAD_WH', ...props,
  });
}

/** The administrator's (or rotator's) secret, imported by name as the README does; one per stack. */
function admin(stack: Stack): ISnowflakeKeyPairSecret {
  return (stack.node.tryFindChild('Admin') as ISnowflakeKeyPairSecret | undefined)
    ?? SnowflakeKeyPairSecret.fromSecretName(stack, 'Admin', 'snowflake/svc-user-admin');
}

/** The rotator: not registration's administrator (the same secret for both is refused at synth). */
function rotator(stack: Stack): ISnowflakeKeyPairSecret {
  return (stack.node.tryFindChild('Rotator') as ISnowflakeKeyPairSecret | undefined)
    ?? SnowflakeKeyPairSecret.fromSecretName(stack, 'Rotator', 'snowflake/svc-rotator');
}

/** A testStack() holding one SnowflakeConnectorFunction with these props (and a secret, unless given). */
function connector(props: (stack: Stack) => Partial<SnowflakeConnectorFunctionProps>): () => Stack {
  return () => {
    const stack = testStack();
    const given = props(stack);
    new SnowflakeConnectorFunction(stack, 'Connector', given.authentication ? given : { secret: given.secret ?? secret(stack), ...given });
    return stack;
  };
}

function connectorFunctions(template: DeployTemplate) {
  return resourcesOf(template, 'AWS::Lambda::Function').filter(([, fn]) => fn.Properties?.Environment?.Variables?.[SECRET_ID_ENV] !== undefined
    || fn.Properties?.Environment?.Variables?.[AUTHENTICATION_ENV] !== undefined);
}

/** Problems unless the functions whose logical id starts with `prefix` are (or are not) in a VPC, and there are `count` of them. */
function functionsInVpc(template: DeployTemplate, prefix: string, inVpc: boolean, count = 1): string[] {
  const functions = resourcesOf(template, 'AWS::Lambda::Function').filter(([id]) => id.startsWith(prefix));
  if (functions.length !== count) return [`expected ${count} function(s) ${prefix}*, found ${functions.map(([id]) => id).join(', ') || 'none'}`];
  return functions.filter(([, fn]) => isInVpc(fn) !== inVpc).map(([id]) => `${id} is ${inVpc ? 'not ' : ''}in a VPC`);
}

function has(what: string, ok: boolean): string[] {
  return ok ? [] : [`the template has no ${what}`];
}

function destinationConfig(template: DeployTemplate, service: string): string[] {
  const configs = resourcesOf(template, 'AWS::Lambda::EventInvokeConfig');
  return has(`EventInvokeConfig with an on-failure ${service} destination`,
    configs.some(([, c]) => JSON.stringify(c.Properties?.DestinationConfig?.OnFailure ?? {}).includes(service)));
}

export const CONFIGURATIONS: readonly Configuration[] = [
  {
    name: 'no-vpc',
    shows: 'README, SnowflakeConnectorFunction: everything at its default',
    build: connector(() => ({})),
    verify: (t) => functionsInVpc(t, 'Connector', false),
  },
  {
    name: 'vpc-without-privatelink',
    shows: 'README: in a VPC (vpc, vpcSubnets), through a NAT gateway',
    build: connector((stack) => ({ vpc: natVpc(stack) })),
    verify: (t) => functionsInVpc(t, 'Connector', true),
  },
  {
    name: 'vpc-isolated-add-vpc-endpoints',
    shows: 'README: addAwsServiceEndpoints adds the endpoint it needs in isolated subnets: Secrets Manager (the SQL executor on the SQL API reads no S3)',
    build: connector((stack) => ({ vpc: isolatedVpc(stack), vpcSubnets: ISOLATED, addAwsServiceEndpoints: true })),
    verify: (t) => [...functionsInVpc(t, 'Connector', true), ...has('one VPC endpoint', resourcesOf(t, 'AWS::EC2::VPCEndpoint').length === 1)],
  },
  {
    name: 'vpc-isolated-add-vpc-endpoints-driver',
    shows: 'docs/connector-function.md: the SQL executor on the driver (transport: DRIVER) gets the Secrets Manager and S3 endpoints (large results come from S3)',
    build: connector((stack) => ({
      vpc: isolatedVpc(stack),
      vpcSubnets: ISOLATED,
      addAwsServiceEndpoints: true,
      handler: ConnectorHandler.sqlExecutor({ transport: SqlExecutorTransport.DRIVER }),
    })),
    verify: (t) => [...functionsInVpc(t, 'Connector', true), ...has('two VPC endpoints', resourcesOf(t, 'AWS::EC2::VPCEndpoint').length === 2)],
  },
  {
    name: 'privatelink',
    shows: 'README and docs/privatelink.md: PrivateLinkEndpoint with addAwsServiceEndpoints and networkPolicy, the function in isolated subnets',
    build: connector((stack) => ({ privateLink: privateLink(stack, isolatedVpc(stack)), vpcSubnets: ISOLATED })),
    verify: (t) => [...functionsInVpc(t, 'Connector', true), ...has('private hosted zone', resourcesOf(t, 'AWS::Route53::HostedZone').length > 0)],
  },
  {
    name: 'privatelink-vpc-with-nat',
    shows: 'docs/privatelink.md: the endpoint in the VPC\'s private subnets (its default), the function behind a NAT gateway',
    build: connector((stack) => ({ privateLink: privateLink(stack, natVpc(stack), 'SnowflakePrivateLink', false) })),
    verify: (t) => functionsInVpc(t, 'Connector', true),
  },
  {
    name: 'rotation',
    shows: 'README and docs/rotation.md: rotation with a rotator imported by name, the default schedule and retirement',
    build() {
      const stack = testStack();
      secret(stack, 'Loader', { rotation: { adminSecret: admin(stack), schedule: Duration.days(30), retireOldKey: RetireOldKey.atNextRotation() } });
      return stack;
    },
    verify: (t) => [...functionsInVpc(t, 'LoaderRotation', false), ...has('rotation schedule', resourcesOf(t, 'AWS::SecretsManager::RotationSchedule').length === 1)],
  },
  {
    name: 'rotation-retire-after',
    shows: 'docs/rotation.md and the example stack: RetireOldKey.after, with its hourly schedule; overwriteUnknownKeys',
    build() {
      const stack = testStack();
      secret(stack, 'Loader', {
        rotation: {
          adminSecret: admin(stack), schedule: Duration.days(30), retireOldKey: RetireOldKey.after(Duration.days(1)), overwriteUnknownKeys: true,
        },
      });
      return stack;
    },
    verify: (t) => has('hourly retirement rule', resourcesOf(t, 'AWS::Events::Rule').length === 1),
  },
  {
    name: 'rotation-privatelink',
    shows: 'docs/rotation.md, "Through PrivateLink": rotation: { adminSecret, privateLink, vpcSubnets, addAwsServiceEndpoints }',
    build() {
      const stack = testStack();
      const endpoint = privateLink(stack, isolatedVpc(stack));
      secret(stack, 'Ops', { rotation: { adminSecret: admin(stack), privateLink: endpoint, vpcSubnets: ISOLATED, addAwsServiceEndpoints: true } });
      return stack;
    },
    verify: (t) => functionsInVpc(t, 'OpsRotation', true),
  },
  {
    name: 'rotation-privatelink-nat',
    shows: 'docs/rotation.md: rotation.privateLink alone, in a VPC whose private subnets have a NAT gateway',
    build() {
      const stack = testStack();
      const endpoint = privateLink(stack, natVpc(stack), 'SnowflakePrivateLink', false);
      secret(stack, 'Ops', { rotation: { adminSecret: admin(stack), privateLink: endpoint } });
      return stack;
    },
    verify: (t) => functionsInVpc(t, 'OpsRotation', true),
  },
  {
    name: 'registration',
    shows: 'README and docs/rotation.md, "Registration at deploy": registration: { adminSecret, onDelete }',
    build() {
      const stack = testStack();
      secret(stack, 'Loader', { registration: { adminSecret: admin(stack), onDelete: RegisteredKeyOnDelete.REMOVE_KEY } });
      return stack;
    },
    verify: (t) => [
      ...functionsInVpc(t, 'SnowflakeUserRegistrationProvider', false),
      ...has('registration custom resource', resourcesOf(t, 'Custom::SnowflakeUserRegistration').length === 1),
    ],
  },
  {
    name: 'registration-privatelink',
    shows: 'docs/rotation.md: registration: { adminSecret, privateLink, vpcSubnets, addAwsServiceEndpoints }, in isolated subnets',
    build() {
      const stack = testStack();
      const endpoint = privateLink(stack, isolatedVpc(stack));
      secret(stack, 'Loader', { registration: { adminSecret: admin(stack), privateLink: endpoint, vpcSubnets: ISOLATED, addAwsServiceEndpoints: true } });
      return stack;
    },
    verify: (t) => functionsInVpc(t, 'SnowflakeUserRegistrationProvider', true),
  },
  {
    name: 'registration-privatelink-nat',
    shows: 'docs/rotation.md: registration.privateLink alone, in a VPC whose private subnets have a NAT gateway',
    build() {
      const stack = testStack();
      const endpoint = privateLink(stack, natVpc(stack), 'SnowflakePrivateLink', false);
      secret(stack, 'Loader', { registration: { adminSecret: admin(stack), privateLink: endpoint } });
      return stack;
    },
    verify: (t) => functionsInVpc(t, 'SnowflakeUserRegistrationProvider', true),
  },
  {
    name: 'registration-and-rotation-privatelink',
    shows: 'the example stack: registration takes the rotation\'s endpoint, subnets and VPC endpoints',
    build() {
      const stack = testStack();
      const endpoint = privateLink(stack, isolatedVpc(stack));
      secret(stack, 'Reporting', {
        registration: { adminSecret: admin(stack) },
        rotation: { adminSecret: rotator(stack), privateLink: endpoint, vpcSubnets: ISOLATED, addAwsServiceEndpoints: true },
      });
      return stack;
    },
    verify: (t) => [...functionsInVpc(t, 'ReportingRotation', true), ...functionsInVpc(t, 'SnowflakeUserRegistrationProvider', true)],
  },
  {
    name: 'customer-managed-key',
    shows: 'docs/secret.md: encryptionKey, a customer-managed KMS key',
    build: connector((stack) => ({ secret: secret(stack, 'Secret', { encryptionKey: new kms.Key(stack, 'Key', { enableKeyRotation: true }) }) })),
    verify: (t) => has('KMS key', resourcesOf(t, 'AWS::KMS::Key').length === 1),
  },
  {
    name: 'imported-secret-by-name',
    shows: 'docs/secret.md, "Import an existing secret": SnowflakeKeyPairSecret.fromSecretName',
    build: connector((stack) => ({ secret: SnowflakeKeyPairSecret.fromSecretName(stack, 'Imported', 'snowflake/svc-loader') })),
    verify: (t) => has('connector function', connectorFunctions(t).length === 1),
  },
  {
    name: 'imported-secret-by-complete-arn',
    shows: 'docs/secret.md, "Import an existing secret": SnowflakeKeyPairSecret.fromSecretCompleteArn',
    build: connector((stack) => ({
      secret: SnowflakeKeyPairSecret.fromSecretCompleteArn(stack, 'Imported', `arn:aws:secretsmanager:${stack.region}:${stack.account}:secret:snowflake/svc-loader-AbCdEf`),
    })),
    verify: (t) => has('connector function', connectorFunctions(t).length === 1),
  },
  {
    name: 'imported-vpc',
    shows: 'an existing VPC (ec2.Vpc.fromVpcAttributes) with a PrivateLinkEndpoint and a function in its isolated subnets',
    build: connector((stack) => {
      const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
        vpcId: 'vpc-0a1b2c3d4e5f67890',
        availabilityZones: [`${stack.region}a`, `${stack.region}b`],
        isolatedSubnetIds: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'],
        isolatedSubnetRouteTableIds: ['rtb-0a1b2c3d4e5f60001', 'rtb-0a1b2c3d4e5f60002'],
      });
      return { privateLink: privateLink(stack, vpc), vpcSubnets: ISOLATED };
    }),
    verify: (t) => functionsInVpc(t, 'Connector', true),
  },
  {
    name: 'imported-privatelink-endpoint',
    shows: 'docs/privatelink.md: PrivateLinkEndpoint.fromPrivateLinkEndpointAttributes, for an endpoint made elsewhere',
    build: connector((stack) => {
      const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
        vpcId: 'vpc-0a1b2c3d4e5f67890',
        availabilityZones: [`${stack.region}a`, `${stack.region}b`],
        privateSubnetIds: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'],
      });
      const endpoint: IPrivateLinkEndpoint = PrivateLinkEndpoint.fromPrivateLinkEndpointAttributes(stack, 'Endpoint', {
        vpc,
        vpcEndpointId: 'vpce-0a1b2c3d4e5f67890',
        securityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'EndpointGroup', 'sg-0a1b2c3d4e5f67890'),
        accountHost: 'xy12345.us-east-1.privatelink.snowflakecomputing.com',
      });
      return { privateLink: endpoint };
    }),
    verify: (t) => functionsInVpc(t, 'Connector', true),
  },
  {
    name: 'workload-identity',
    shows: 'docs/workload-identity.md: SnowflakeAuthentication.workloadIdentity with registration, no secret, not in a VPC',
    build: connector((stack) => ({
      authentication: SnowflakeAuthentication.workloadIdentity({
        account: 'myorg-myaccount',
        user: 'SVC_KEYLESS',
        warehouse: 'REPORT_WH',
        registration: { adminSecret: admin(stack), onDelete: RegisteredIdentityOnDelete.REMOVE_IDENTITY },
      }),
    })),
    verify: (t) => [
      ...functionsInVpc(t, 'Connector', false),
      ...has('no secret', resourcesOf(t, 'AWS::SecretsManager::Secret').length === 0),
      ...has('registration custom resource', resourcesOf(t, 'Custom::SnowflakeUserRegistration').length === 1),
    ],
  },
  {
    name: 'workload-identity-privatelink',
    shows: 'docs/workload-identity.md: workload identity through PrivateLink in isolated subnets, registered through the same endpoint',
    build: connector((stack) => {
      const endpoint = privateLink(stack, isolatedVpc(stack));
      return {
        authentication: SnowflakeAuthentication.workloadIdentity({
          account: 'myorg-myaccount',
          user: 'SVC_KEYLESS',
          warehouse: 'REPORT_WH',
          registration: { adminSecret: admin(stack), privateLink: endpoint, vpcSubnets: ISOLATED, addAwsServiceEndpoints: true },
        }),
        privateLink: endpoint,
        vpcSubnets: ISOLATED,
      };
    }),
    verify: (t) => [...functionsInVpc(t, 'Connector', true), ...functionsInVpc(t, 'SnowflakeUserRegistrationProvider', true)],
  },
  {
    name: 'custom-handler-from-asset',
    shows: 'docs/connector-function.md: ConnectorHandler.fromAsset, with the connector from the layer',
    build: connector(() => ({ handler: ConnectorHandler.fromAsset(USER_HANDLER, 'connector-probe.handler') })),
    verify: (t) => has('layer', resourcesOf(t, 'AWS::Lambda::LayerVersion').length === 1),
  },
  {
    name: 'custom-handler-inline',
    shows: 'docs/connector-function.md: ConnectorHandler.fromCode with inline code (there is no fromInline), with the layer',
    build: connector(() => ({
      handler: ConnectorHandler.fromCode(lambda.Code.fromInline('const { getConnector } = require(\'@cdk-snowflake-keypair/connector\'); exports.handler = async () => getConnector().fetchOne(\'SELECT 1\');'), 'index.handler'),
    })),
    verify: (t) => has('layer', resourcesOf(t, 'AWS::Lambda::LayerVersion').length === 1),
  },
  {
    name: 'dead-letter-queue',
    shows: 'docs/connector-function.md: a DLQ (deadLetterQueue, an SQS queue)',
    build: connector((stack) => ({ deadLetterQueue: new sqs.Queue(stack, 'Dlq', { enforceSSL: true }) })),
    verify: (t) => has('DeadLetterConfig', connectorFunctions(t).some(([, fn]) => fn.Properties?.DeadLetterConfig !== undefined)),
  },
  {
    name: 'on-failure-sqs',
    shows: 'docs/connector-function.md: an on-failure destination, SQS',
    build: connector((stack) => ({ onFailure: new destinations.SqsDestination(new sqs.Queue(stack, 'Failures')), retryAttempts: 1 })),
    verify: (t) => destinationConfig(t, 'Failures'),
  },
  {
    name: 'on-failure-sns',
    shows: 'docs/connector-function.md: an on-failure destination, SNS',
    build: connector((stack) => ({ onFailure: new destinations.SnsDestination(new sns.Topic(stack, 'Failures')) })),
    verify: (t) => destinationConfig(t, 'Failures'),
  },
  {
    name: 'on-failure-lambda',
    shows: 'docs/connector-function.md: an on-failure destination, another Lambda function',
    build: connector((stack) => ({
      onFailure: new destinations.LambdaDestination(new lambda.Function(stack, 'Failures', {
        runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async (e) => console.log(JSON.stringify(e))'),
      })),
      retryAttempts: 0,
    })),
    verify: (t) => destinationConfig(t, 'Failures'),
  },
  {
    name: 'on-failure-eventbridge',
    shows: 'docs/connector-function.md: an on-failure destination, EventBridge (the default bus)',
    build: connector(() => ({ onFailure: new destinations.EventBridgeDestination() })),
    verify: (t) => destinationConfig(t, 'event-bus'),
  },
  {
    name: 'on-failure-eventbridge-custom-bus',
    shows: 'docs/connector-function.md: an on-failure destination, EventBridge (a bus of the stack)',
    build: connector((stack) => ({ onFailure: new destinations.EventBridgeDestination(new events.EventBus(stack, 'Failures')) })),
    verify: (t) => destinationConfig(t, 'Failures'),
  },
  {
    name: 'xray-tracing',
    shows: 'docs/connector-function.md and the example stack: tracing: lambda.Tracing.ACTIVE',
    build: connector(() => ({ tracing: lambda.Tracing.ACTIVE })),
    verify: (t) => has('active tracing', connectorFunctions(t).some(([, fn]) => fn.Properties?.TracingConfig?.Mode === 'Active')),
  },
  {
    name: 'user-role',
    shows: 'SnowflakeConnectorFunction role: an iam.Role of yours, with nothing in it',
    build: connector((stack) => ({ role: new iam.Role(stack, 'Mine', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }) })),
    verify: (t) => has('role Mine', resourcesOf(t, 'AWS::IAM::Role').some(([id]) => id.startsWith('Mine'))),
  },
  {
    name: 'user-role-privatelink-xray',
    shows: 'a role of yours for a function in a VPC, through PrivateLink, traced: every permission the construct adds goes to your role',
    build: connector((stack) => ({
      role: new iam.Role(stack, 'Mine', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }),
      privateLink: privateLink(stack, isolatedVpc(stack)),
      vpcSubnets: ISOLATED,
      tracing: lambda.Tracing.ACTIVE,
    })),
    verify: (t) => functionsInVpc(t, 'Connector', true),
  },
  {
    name: 'two-functions-one-secret-privatelink',
    shows: 'two SnowflakeConnectorFunctions sharing one secret over one PrivateLink endpoint, both asking for the VPC endpoints',
    build() {
      const stack = testStack();
      const shared = secret(stack, 'Shared');
      const endpoint = privateLink(stack, isolatedVpc(stack));
      for (const id of ['Loader', 'Reporter']) {
        new SnowflakeConnectorFunction(stack, id, { secret: shared, privateLink: endpoint, vpcSubnets: ISOLATED, addAwsServiceEndpoints: true });
      }
      return stack;
    },
    verify: (t) => [...functionsInVpc(t, 'Loader', true), ...functionsInVpc(t, 'Reporter', true)],
  },
  {
    name: 'two-of-each',
    shows: 'two of every construct in one stack, with their default names: secrets with rotation and registration, reader roles, functions',
    build() {
      const stack = testStack();
      const vpc = isolatedVpc(stack);
      const endpoint = privateLink(stack, vpc);
      for (const n of [1, 2]) {
        const s = secret(stack, `Loader${n}`, {
          registration: { adminSecret: admin(stack) },
          rotation: { adminSecret: rotator(stack), privateLink: endpoint, vpcSubnets: ISOLATED, addAwsServiceEndpoints: true },
        });
        new SecretReaderRole(stack, `Reader${n}`, { secret: s, versionStages: ['AWSCURRENT'] });
        new SnowflakeConnectorFunction(stack, `Connector${n}`, { secret: s, privateLink: endpoint, vpcSubnets: ISOLATED, addAwsServiceEndpoints: true });
      }
      return stack;
    },
    verify: (t) => [...functionsInVpc(t, 'Connector', true, 2), ...functionsInVpc(t, 'Loader', true, 2)],
  },
  {
    name: 'two-of-each-named',
    shows: 'two of each with the names you may give (secretName, functionName): nothing the library derives from them collides',
    build() {
      const stack = testStack();
      for (const n of [1, 2]) {
        const s = secret(stack, `Loader${n}`, { secretName: `snowflake/svc-loader-${n}`, rotation: { adminSecret: admin(stack) } });
        new SnowflakeConnectorFunction(stack, `Connector${n}`, { secret: s, functionName: `snowflake-loader-${n}` });
      }
      return stack;
    },
    verify: (t) => functionsInVpc(t, 'Connector', false, 2),
  },
  {
    name: 'two-privatelink-endpoints-one-vpc',
    shows: 'docs/privatelink.md: two accounts\' PrivateLinkEndpoints in one VPC share its zone; a function and a rotation through each',
    build() {
      const stack = testStack();
      const vpc = isolatedVpc(stack);
      const first = privateLink(stack, vpc, 'Ops');
      const second = privateLink(stack, vpc, 'Analytics', true, SECOND_ACCOUNT_CONFIG);
      for (const [id, endpoint] of [['OpsSecret', first], ['AnalyticsSecret', second]] as const) {
        const s = secret(stack, id, {
          rotation: { adminSecret: admin(stack), privateLink: endpoint, vpcSubnets: ISOLATED, addAwsServiceEndpoints: true },
        });
        new SnowflakeConnectorFunction(stack, `${id}Connector`, { secret: s, privateLink: endpoint, vpcSubnets: ISOLATED });
      }
      return stack;
    },
    verify: (t) => has('one zone privatelink.snowflakecomputing.com', resourcesOf(t, 'AWS::Route53::HostedZone')
      .filter(([, z]) => String(z.Properties?.Name).startsWith('privatelink.snowflakecomputing.com')).length === 1),
  },
  {
    name: 'secret-options',
    shows: 'docs/secret.md: restrictReadToGrantees, createOutputs, KeySource.generate options, removalPolicy; bring your own key read by an ECS task',
    build() {
      const stack = testStack();
      const loader = secret(stack, 'Loader', {
        restrictReadToGrantees: true,
        createOutputs: true,
        keySource: KeySource.generate({ keySize: 4096, encryptPrivateKey: true, keyGeneration: 2 }),
        removalPolicy: RemovalPolicy.DESTROY,
        database: 'RAW',
        schema: 'EVENTS',
      });
      new SecretReaderRole(stack, 'LoaderRole', { secret: loader, versionStages: ['AWSCURRENT'] });
      new SnowflakeConnectorFunction(stack, 'Connector', { secret: loader });
      const ops = secret(stack, 'Ops', { keySource: KeySource.bringYourOwn() });
      new SecretReaderRole(stack, 'TaskRole', { secret: ops, assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
      return stack;
    },
    verify: (t) => has('resource policy', resourcesOf(t, 'AWS::SecretsManager::ResourcePolicy').length === 1),
  },
  {
    name: 'example-stack',
    shows: 'examples/typescript: the stack users copy (all three use cases, PrivateLink, registration and rotation)',
    build: () => new SnowflakeExampleStack(new App(), 'Example', { env: { account: ACCOUNT, region: REGION } }),
  },
];
