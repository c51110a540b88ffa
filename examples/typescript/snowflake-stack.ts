/**
 * The example stack: what a platform team deploys to give one loader workload a Snowflake
 * key pair nobody ever handled, and a role that can read it and nothing else.
 *
 * In your own app, import from 'cdk-snowflake-keypair' instead of '../../src'.
 */
import { Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { KeySource, SecretReaderRole, SnowflakeKeyPairSecret } from '../../src';

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
  }
}
