import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { ISnowflakeKeyPairSecret } from './snowflake-keypair-secret-base';
import type { IPrivateLinkEndpoint } from '../network/privatelink-endpoint';

/** What happens in Snowflake to the registered key when the registration is deleted (with its stack). Named `onDelete`, not `removal`: `removalPolicy` is what CloudFormation does to AWS resources; this is what the registration does to a key in Snowflake. */
export enum RegisteredKeyOnDelete {
  /**
   * Unset the key slot that holds the key the registration set. A key that was registered before
   * the deployment stays, and the user is never dropped.
   */
  REMOVE_KEY = 'REMOVE_KEY',

  /** Leave the key registered: deleting the stack changes nothing in Snowflake. */
  RETAIN_KEY = 'RETAIN_KEY',
}

/**
 * Registration at deploy: a custom resource signs in as an administrator and leaves a working
 * service user, so no one runs the SQL by hand (docs/rotation.md, "Registration at deploy").
 */
export interface KeyRegistrationOptions {
  /**
   * The administrator's key-pair secret: a Snowflake user whose role holds `CREATE USER` on the
   * account (to create the user) and `MODIFY PROGRAMMATIC AUTHENTICATION METHODS` on the service
   * user, or owns it. Read at AWSCURRENT only. Not the rotation's `adminSecret` (refused at synth:
   * the rotator must only change keys). The function refuses to act when the administrator signs in
   * with ACCOUNTADMIN, SECURITYADMIN, ORGADMIN or USERADMIN.
   */
  readonly adminSecret: ISnowflakeKeyPairSecret;

  /**
   * Create the user when it does not exist: `CREATE USER IF NOT EXISTS "<user>" TYPE = SERVICE`
   * with the secret's role, warehouse, database and schema as its defaults. Off, a missing user
   * fails the deployment with an error that says so.
   * @default true
   */
  readonly createUser?: boolean;

  /**
   * What deleting the stack does to the key the registration set.
   * @default RegisteredKeyOnDelete.REMOVE_KEY
   */
  readonly onDelete?: RegisteredKeyOnDelete;

  /**
   * Sign in through this PrivateLink endpoint: the registration function runs in its VPC, connects
   * by the PrivateLink account host, and is let in on 443 and 80 (OCSP). Needed when the
   * administrator (or the account) may sign in through PrivateLink only. Every registration through
   * the same endpoint in a stack shares one function.
   * @default - the rotation's `privateLink` when the secret has one, else Snowflake's public endpoint
   *   (or the administrator secret's `host`)
   */
  readonly privateLink?: IPrivateLinkEndpoint;

  /**
   * With `privateLink`, the subnets the registration function runs in. It must reach Secrets
   * Manager and the S3 URL CloudFormation gives for the response: through NAT, or through the
   * endpoints of `addAwsServiceEndpoints`.
   * @default - the rotation's `vpcSubnets` when `privateLink` is taken from it, else the VPC's private subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * With `privateLink`, add a Secrets Manager interface endpoint and an S3 gateway endpoint to the VPC
   * (once per VPC), so that the registration function reads the secrets and answers CloudFormation
   * from isolated subnets without NAT.
   * @default - the rotation's `addAwsServiceEndpoints` when `privateLink` is taken from it, else false
   */
  readonly addAwsServiceEndpoints?: boolean;
}
