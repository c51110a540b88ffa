/**
 * Every construct of the library in one stack, written the same way in each jsii language:
 * examples/python/app.py, examples/java and examples/go build this stack too, and the tests
 * check that their templates equal this one (logical ids, properties, asset hashes).
 *
 * Only what all languages can say the same way: no TypeScript-only bundling, no context lookups.
 * In your own app, import from 'cdk-snowflake-keypair' instead of '../../src'.
 */
import { Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { acknowledgeExample, EXAMPLE_CUSTOM_HANDLER_ACKNOWLEDGEMENT, EXAMPLE_PORTABLE_VPC_ACKNOWLEDGEMENT } from './acknowledgements';
import {
  BindType,
  ConnectorHandler,
  KeySource,
  PrivateLinkConfig,
  PrivateLinkEndpoint,
  RegisteredIdentityOnDelete,
  RegisteredKeyOnDelete,
  RetireOldKey,
  SecretReaderRole,
  SnowflakeAuthentication,
  SnowflakeConnectorFunction,
  SnowflakeConnectorLayer,
  SnowflakeKeyPairSecret,
  SqlStatement,
} from '../../src';

/**
 * The id every language gives this stack. It is environment-agnostic: the VPC takes its zones
 * from Fn::GetAZs at deploy time, so no language needs a context lookup or names a zone.
 */
export const PORTABLE_STACK_NAME = 'SnowflakeKeyPairPortable';

/** A handler of your own that takes the connector from the layer (plain JavaScript, inline). */
export const LAYER_HANDLER_CODE = [
  'const { getConnector } = require("@cdk-snowflake-keypair/connector");',
  'exports.handler = async () => getConnector().fetchOne("SELECT CURRENT_USER() AS WHO");',
].join('\n');

export class SnowflakePortableStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    const key = new kms.Key(this, 'SecretsKey', { description: 'Encrypts the Snowflake key-pair secrets', enableKeyRotation: true });

    // A key pair generated in AWS, a role that reads it, and the pre-bundled SQL executor.
    const loader = new SnowflakeKeyPairSecret(this, 'LoaderSecret', {
      account: 'myorg-myaccount',
      user: 'SVC_LOADER',
      role: 'LOADER',
      warehouse: 'LOAD_WH',
      encryptionKey: key,
      createOutputs: true,
    });
    new SecretReaderRole(this, 'LoaderReaderRole', { secret: loader, versionStages: ['AWSCURRENT'] });
    // It runs only the statements declared here, by name: { "run": "loadEvent", "binds": [1, "{}"] }.
    // Whoever may invoke it may run them, with binds of their choosing, as SVC_LOADER.
    new SnowflakeConnectorFunction(this, 'LoaderFunction', {
      secret: loader,
      timeout: Duration.minutes(2),
      handler: ConnectorHandler.sqlExecutor({
        statements: {
          loadEvent: SqlStatement.of('INSERT INTO EVENTS (ID, BODY) VALUES (?, ?)', { binds: [BindType.NUMBER, BindType.nullable(BindType.TEXT)] }),
        },
      }),
    });

    // Your own handler, with the connector from the layer.
    const custom = new lambda.Function(this, 'CustomHandler', {
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromInline(LAYER_HANDLER_CODE),
      layers: [SnowflakeConnectorLayer.of(this)],
      environment: { SNOWFLAKE_SECRET_ID: loader.secretArn },
    });
    loader.grantRead(custom, ['AWSCURRENT']);
    // cdk-nag: the example's own resources are acknowledged here (TypeScript only; it changes no template).
    acknowledgeExample(custom, EXAMPLE_CUSTOM_HANDLER_ACKNOWLEDGEMENT);

    // A key brought by the user, and PrivateLink in isolated subnets.
    const ops = new SnowflakeKeyPairSecret(this, 'OpsSecret', {
      account: 'myorg-myaccount',
      user: 'SVC_OPS',
      keySource: KeySource.bringYourOwn(),
      encryptionKey: key,
    });
    const vpc = new ec2.Vpc(this, 'Vpc', {
      natGateways: 0,
      subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    });
    acknowledgeExample(vpc, EXAMPLE_PORTABLE_VPC_ACKNOWLEDGEMENT);
    const privateLink = new PrivateLinkEndpoint(this, 'PrivateLink', {
      vpc,
      config: PrivateLinkConfig.fromValues({
        endpointServiceName: 'com.amazonaws.vpce.us-east-1.vpce-svc-0a1b2c3d4e5f67890',
        accountUrl: 'xy12345.us-east-1.privatelink.snowflakecomputing.com',
        ocspUrl: 'ocsp.xy12345.us-east-1.privatelink.snowflakecomputing.com',
        regionlessAccountUrl: 'myorg-myaccount.privatelink.snowflakecomputing.com',
      }),
      addAwsServiceEndpoints: true,
    });
    new SnowflakeConnectorFunction(this, 'OpsFunction', {
      secret: ops,
      privateLink,
      handler: ConnectorHandler.sqlExecutor({ statements: { resumeWarehouse: SqlStatement.of('ALTER WAREHOUSE IF EXISTS "OPS_WH" RESUME IF SUSPENDED') } }),
    });

    // A user registered at deploy, whose key rotates itself.
    const userAdmin = new SnowflakeKeyPairSecret(this, 'UserAdminSecret', { account: 'myorg-myaccount', user: 'SVC_USER_ADMIN', encryptionKey: key });
    const rotator = new SnowflakeKeyPairSecret(this, 'RotatorSecret', { account: 'myorg-myaccount', user: 'SVC_ROTATOR', encryptionKey: key });
    new SnowflakeKeyPairSecret(this, 'ReportingSecret', {
      account: 'myorg-myaccount',
      user: 'SVC_REPORTING',
      warehouse: 'REPORTING_WH',
      encryptionKey: key,
      registration: { adminSecret: userAdmin, onDelete: RegisteredKeyOnDelete.RETAIN_KEY },
      rotation: { adminSecret: rotator, schedule: Duration.days(30), retireOldKey: RetireOldKey.after(Duration.days(1)) },
    });

    // No key at all: a function that signs in as its own IAM role (workload identity), whose
    // Snowflake user is given the role's ARN at deploy (docs/workload-identity.md).
    new SnowflakeConnectorFunction(this, 'KeylessFunction', {
      authentication: SnowflakeAuthentication.workloadIdentity({
        account: 'myorg-myaccount',
        user: 'SVC_KEYLESS',
        role: 'KEYLESS',
        warehouse: 'KEYLESS_WH',
        createOutputs: true,
        registration: { adminSecret: userAdmin, onDelete: RegisteredIdentityOnDelete.REMOVE_IDENTITY },
      }),
      handler: ConnectorHandler.sqlExecutor({ statements: { whoAmI: SqlStatement.of('SELECT CURRENT_USER() AS WHO') } }),
      // There is no secret whose key would encrypt the logs: name one.
      logEncryptionKey: key,
    });
  }
}
