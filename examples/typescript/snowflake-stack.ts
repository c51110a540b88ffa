/**
 * The example stack: what a platform team deploys to give one loader workload a Snowflake
 * key pair nobody ever handled, and a role that can read it and nothing else.
 *
 * In your own app, import from 'cdk-snowflake-keypair' instead of '../../src'.
 */
import { Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { acknowledgeExample, acknowledgeNamedZones, EXAMPLE_VPC_ACKNOWLEDGEMENT } from './acknowledgements';
import {
  ConnectorHandler, KeySource, PrivateLinkConfig, PrivateLinkEndpoint, RetireOldKey, SecretReaderRole, SnowflakeConnectorFunction,
  SnowflakeKeyPairSecret,
} from '../../src';
import { EventDrivenLoad } from './use-cases/event-driven-load';
import { ETL_STATEMENTS, SqlAfterEtl } from './use-cases/sql-after-etl';
import { opsStatements, WarehouseOps } from './use-cases/warehouse-ops';

/**
 * What `SELECT SYSTEM$GET_PRIVATELINK_CONFIG()` returns for the ops account, pasted as it is
 * (Snowflake spells the OCSP key `privatelink_ocsp-url`, and gives lists as strings).
 */
export const EXAMPLE_PRIVATELINK_CONFIG = `{
  "privatelink-account-name": "xy12345.us-east-1.privatelink",
  "privatelink-vpce-id": "com.amazonaws.vpce.us-east-1.vpce-svc-0a1b2c3d4e5f67890",
  "privatelink-account-url": "xy12345.us-east-1.privatelink.snowflakecomputing.com",
  "privatelink_ocsp-url": "ocsp.xy12345.us-east-1.privatelink.snowflakecomputing.com",
  "regionless-privatelink-account-url": "myorg-myaccount.privatelink.snowflakecomputing.com",
  "regionless-privatelink-ocsp-url": "ocsp.myorg-myaccount.privatelink.snowflakecomputing.com",
  "snowsight-privatelink-url": "app.us-east-1.privatelink.snowflakecomputing.com",
  "regionless-snowsight-privatelink-url": "app-myorg-myaccount.privatelink.snowflakecomputing.com",
  "privatelink-connection-urls": "[]",
  "privatelink-connection-ocsp-urls": "[]"
}`;

export class SnowflakeExampleStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    // A customer-managed key for the secrets (the compliance packs ask for one).
    const key = new kms.Key(this, 'SnowflakeSecretsKey', {
      description: 'Encrypts the Snowflake key-pair secrets',
      enableKeyRotation: true,
    });

    // 1. A key pair generated inside AWS at deploy time. Only the public half leaves the secret,
    //    as outputs together with the SQL an administrator runs in Snowflake.
    const loader = new SnowflakeKeyPairSecret(this, 'LoaderSecret', {
      account: 'myorg-myaccount',
      user: 'SVC_LOADER',
      role: 'LOADER',
      warehouse: 'LOAD_WH',
      database: 'RAW',
      schema: 'EVENTS',
      encryptionKey: key,
      restrictReadToGrantees: true,
      createOutputs: true,
    });

    // 2. A role that can read exactly that secret (AWSCURRENT only) and nothing else.
    new SecretReaderRole(this, 'LoaderReaderRole', {
      secret: loader,
      versionStages: ['AWSCURRENT'],
      maxSessionDuration: Duration.hours(1),
    });

    // 3. Bring your own key: the secret holds the connection settings, and an administrator
    //    pastes the private key in later. Read by an ECS task this time.
    const ops = new SnowflakeKeyPairSecret(this, 'OpsSecret', {
      account: 'myorg-myaccount',
      user: 'SVC_OPS',
      warehouse: 'OPS_WH',
      keySource: KeySource.bringYourOwn(),
      encryptionKey: key,
    });
    new SecretReaderRole(this, 'OpsReaderRole', {
      secret: ops,
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
    });

    // 4. A Lambda that runs SQL with the loader's key pair: the pre-bundled SQL executor, invoked
    //    directly, from Step Functions or from EventBridge. It runs only the statements declared
    //    here, by name; invoke permission on it is permission to run them as SVC_LOADER.
    const sql = new SnowflakeConnectorFunction(this, 'LoaderFunction', {
      secret: loader,
      handler: ConnectorHandler.sqlExecutor({ statements: ETL_STATEMENTS }),
    });

    // 5. The same in isolated subnets, reaching Snowflake over PrivateLink: no NAT, Secrets
    //    Manager and S3 through VPC endpoints, egress to 443 only (the SQL API asks no OCSP responder); traced with X-Ray.
    const vpc = new ec2.Vpc(this, 'Vpc', {
      // Named, so the template is the same without a context lookup (and no placeholder zones).
      availabilityZones: [`${this.region}a`, `${this.region}b`],
      natGateways: 0,
      subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
      restrictDefaultSecurityGroup: true,
    });
    acknowledgeExample(vpc, EXAMPLE_VPC_ACKNOWLEDGEMENT);
    acknowledgeNamedZones(vpc);
    // Snowflake over PrivateLink: the interface endpoint, its security group and a record for
    //    every host name in what SYSTEM$GET_PRIVATELINK_CONFIG() returned; with the Secrets
    //    Manager, STS and S3 endpoints for isolated subnets, and the SQL that pins SVC_OPS to it.
    const privateLink = new PrivateLinkEndpoint(this, 'SnowflakePrivateLink', {
      vpc,
      config: PrivateLinkConfig.fromJson(EXAMPLE_PRIVATELINK_CONFIG),
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      addAwsServiceEndpoints: true,
      networkPolicy: { user: 'SVC_OPS', database: 'SECURITY', schema: 'NETWORK' },
    });
    const opsSql = new SnowflakeConnectorFunction(this, 'OpsFunction', {
      secret: ops,
      handler: ConnectorHandler.sqlExecutor({ statements: opsStatements('OPS_WH', 'RAW.EVENTS.REFRESH_DAILY') }),
      privateLink,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      tracing: lambda.Tracing.ACTIVE,
    });

    // The three ways teams reach Snowflake from AWS (examples/typescript/use-cases):
    // 6. Event-driven loading: your own handler, with the connector from the layer.
    new EventDrivenLoad(this, 'EventDrivenLoad', { secret: loader });
    // 7. SQL after an ETL job: Step Functions runs the Glue job, then MERGE and a quality check.
    new SqlAfterEtl(this, 'SqlAfterEtl', { sql, glueJobName: 'stage-orders', logEncryptionKey: key });
    // 8. Operations: resume and suspend a warehouse, run a task, on schedules, from the VPC.
    new WarehouseOps(this, 'WarehouseOps', { sql: opsSql });

    // 9. A user created in Snowflake at deploy, whose key rotates itself. Two administrators, each
    //    with its own generated key pair and neither ACCOUNTADMIN: one whose role may create users,
    //    one whose role may only change the reporting user's keys (docs/rotation.md). Both sign in
    //    through PrivateLink, from the isolated subnets: registration takes the rotation's endpoint.
    const userAdmin = new SnowflakeKeyPairSecret(this, 'UserAdminSecret', {
      account: 'myorg-myaccount', user: 'SVC_USER_ADMIN', role: 'USER_PROVISIONER', encryptionKey: key,
    });
    const rotator = new SnowflakeKeyPairSecret(this, 'RotatorSecret', {
      account: 'myorg-myaccount', user: 'SVC_ROTATOR', role: 'SVC_REPORTING_ROTATOR', encryptionKey: key,
    });
    new SnowflakeKeyPairSecret(this, 'ReportingSecret', {
      account: 'myorg-myaccount',
      user: 'SVC_REPORTING',
      role: 'REPORTING',
      warehouse: 'REPORTING_WH',
      encryptionKey: key,
      registration: { adminSecret: userAdmin },
      rotation: {
        adminSecret: rotator,
        schedule: Duration.days(30),
        retireOldKey: RetireOldKey.after(Duration.days(1)),
        privateLink,
        vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
        addAwsServiceEndpoints: true,
      },
    });
  }
}
