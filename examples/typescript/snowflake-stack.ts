/**
 * The example stack: what a platform team deploys to give one loader workload a Snowflake
 * key pair nobody ever handled, and a role that can read it and nothing else.
 *
 * In your own app, import from 'cdk-snowflake-keypair' instead of '../../src'.
 */
import { Duration, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { KeySource, SecretReaderRole, SnowflakeConnectorFunction, SnowflakeKeyPairSecret } from '../../src';

/**
 * Findings on the example's own VPC, acknowledged the way your app would acknowledge its own:
 * with a reason, visible in the validation report.
 */
export const EXAMPLE_VPC_ACKNOWLEDGEMENT = {
  rules: [
    'AwsSolutions::AwsSolutions-VPC7',
    'NIST.800.53.R5::NIST.800.53.R5-VPCFlowLogsEnabled',
    'HIPAA.Security::HIPAA.Security-VPCFlowLogsEnabled',
    'PCI.DSS.321::PCI.DSS.321-VPCFlowLogsEnabled',
  ],
  reason: 'The example\'s VPC only shows where the function goes; in your account it runs in your organisation\'s VPC, '
    + 'whose flow logs you already keep.',
};

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
    //    directly, from Step Functions or from EventBridge. Everything left at its default.
    new SnowflakeConnectorFunction(this, 'LoaderFunction', { secret: loader });

    // 5. The same in isolated subnets: no NAT, Secrets Manager and S3 through VPC endpoints,
    //    egress to 443 and 80 (OCSP) only; traced with X-Ray.
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
      restrictDefaultSecurityGroup: true,
    });
    Validations.of(vpc).acknowledge(...EXAMPLE_VPC_ACKNOWLEDGEMENT.rules.map((rule) => ({ id: rule, reason: EXAMPLE_VPC_ACKNOWLEDGEMENT.reason })));
    new SnowflakeConnectorFunction(this, 'OpsFunction', {
      secret: ops,
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      addVpcEndpoints: true,
      tracing: lambda.Tracing.ACTIVE,
    });
  }
}
