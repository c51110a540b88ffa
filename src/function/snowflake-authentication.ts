import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { IPrivateLinkEndpoint } from '../network/privatelink-endpoint';
import type { ISnowflakeKeyPairSecret } from '../secret/snowflake-keypair-secret-base';

/**
 * What the function shows Snowflake to prove it is its IAM role (docs/workload-identity.md, "The
 * two attestations"). snowflake-sdk 3.3.0 offers both for AWS
 * (dist/lib/authentication/auth_workload_identity/attestation_aws.js).
 */
export enum WorkloadIdentityAttestation {
  /**
   * A SigV4-signed STS `GetCallerIdentity` request, made with the function's credentials and sent,
   * unsent to AWS, as the login token; Snowflake sends it to STS itself. The function calls no AWS
   * API and needs no permission and no route to STS.
   */
  SIGNED_CALLER_IDENTITY = 'SIGNED_CALLER_IDENTITY',

  /**
   * A JSON Web Token from STS `GetWebIdentityToken` (audience `snowflakecomputing.com`, ES384),
   * which Snowflake verifies against the account's issuer. Needs the account's outbound identity
   * federation (IAM `EnableOutboundWebIdentityFederation`), the `issuer` it gave, and a route to the
   * regional STS endpoint; the function's role is granted `sts:GetWebIdentityToken` for that
   * audience and algorithm only.
   */
  OUTBOUND_TOKEN = 'OUTBOUND_TOKEN',
}

/**
 * What happens in Snowflake to the workload identity the registration set when the registration is
 * deleted (with its stack). The user is never dropped, and a key pair it has is never touched.
 */
export enum RegisteredIdentityOnDelete {
  /** Unset the user's workload identity, if it is still the role the registration set. */
  REMOVE_IDENTITY = 'REMOVE_IDENTITY',

  /** Leave it: deleting the stack changes nothing in Snowflake. */
  RETAIN_IDENTITY = 'RETAIN_IDENTITY',
}

/**
 * Registration at deploy of a function's workload identity: a custom resource signs in as an
 * administrator and gives the service user the function's role as its workload identity, so no one
 * runs the SQL by hand (docs/workload-identity.md, "Registration at deploy").
 */
export interface WorkloadIdentityRegistrationOptions {
  /**
   * The administrator's key-pair secret: a Snowflake user whose role holds `CREATE USER` on the
   * account (to create the user) and ownership of the service user (or the privilege to set its
   * workload identity). Read at AWSCURRENT only; it is the only secret the registration reads. The
   * registration refuses to act when the administrator signs in with ACCOUNTADMIN, SECURITYADMIN,
   * ORGADMIN or USERADMIN.
   */
  readonly adminSecret: ISnowflakeKeyPairSecret;

  /**
   * Create the user when it does not exist: `CREATE USER IF NOT EXISTS "<user>" TYPE = SERVICE`
   * with the role, warehouse, database and schema given as its defaults and the function's role as
   * its workload identity. Off, a missing user fails the deployment with an error that says so.
   * @default true
   */
  readonly createUser?: boolean;

  /**
   * What deleting the stack does to the workload identity the registration set.
   * @default RegisteredIdentityOnDelete.REMOVE_IDENTITY
   */
  readonly onDelete?: RegisteredIdentityOnDelete;

  /**
   * Sign in through this PrivateLink endpoint: the registration function runs in its VPC, connects
   * by the PrivateLink account host, and is let in on 443 and 80 (OCSP). Every registration through
   * the same endpoint in a stack shares one function.
   * @default - the function's `privateLink` when it has one, else Snowflake's public endpoint (or the
   *   administrator secret's `host`)
   */
  readonly privateLink?: IPrivateLinkEndpoint;

  /**
   * With `privateLink`, the subnets the registration function runs in. It must reach Secrets
   * Manager (the administrator's secret) and the S3 URL CloudFormation gives for the response:
   * through NAT, or through the endpoints of `addAwsServiceEndpoints`.
   * @default - the function's `vpcSubnets` when `privateLink` is taken from the function, else the VPC's private subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * With `privateLink`, add a Secrets Manager interface endpoint and an S3 gateway endpoint to the
   * VPC (once per VPC), so that the registration function reads the administrator's secret and
   * answers CloudFormation from isolated subnets without NAT.
   * @default - the function's `addAwsServiceEndpoints` when `privateLink` is taken from the function, else false
   */
  readonly addAwsServiceEndpoints?: boolean;
}

/**
 * How a function signs in with its own IAM role (Snowflake workload identity federation): the
 * connection settings a key-pair secret would hold, which attestation to send, and, optionally,
 * registration at deploy.
 */
export interface WorkloadIdentityOptions {
  /**
   * The Snowflake account identifier, as for `SnowflakeKeyPairSecret`: `orgname-accountname`
   * (for example `myorg-my_account`), or a legacy locator with optional region and cloud
   * (`xy12345.us-east-2.aws`). Not a URL.
   */
  readonly account: string;

  /**
   * The login name of the Snowflake service user whose workload identity is the function's role,
   * validated as `SnowflakeKeyPairSecret`'s `user`. The driver does not send it at login (Snowflake
   * finds the user by the role); it names the user in the SQL and in error messages.
   */
  readonly user: string;

  /**
   * Role for the session, resolved as Snowflake resolves identifiers (`loader` is `LOADER`).
   * @default - the user's default role
   */
  readonly role?: string;

  /**
   * Warehouse for the session, resolved like `role`.
   * @default - the user's default warehouse
   */
  readonly warehouse?: string;

  /**
   * Database for the session, resolved like `role`.
   * @default - the user's default namespace
   */
  readonly database?: string;

  /**
   * Schema for the session, resolved like `role`. Requires `database`.
   * @default - the user's default namespace
   */
  readonly schema?: string;

  /**
   * Host name to connect to instead of `<account>.snowflakecomputing.com`. It must pass the
   * driver's workload-identity host allow-list (a host under `snowflakecomputing.com` or
   * `snowflakecomputing.cn`); with the function's `privateLink`, leave it out (the PrivateLink
   * account host is used).
   * @default - the function's PrivateLink account host, or the account's host derived by the driver
   */
  readonly host?: string;

  /**
   * What the function sends to prove its identity.
   * @default WorkloadIdentityAttestation.SIGNED_CALLER_IDENTITY - no permission, no STS call from the function
   */
  readonly attestation?: WorkloadIdentityAttestation;

  /**
   * With `WorkloadIdentityAttestation.OUTBOUND_TOKEN` (and only then): the AWS account's STS JWT
   * issuer URL, the `IssuerIdentifier` that IAM `EnableOutboundWebIdentityFederation` (or
   * `GetOutboundWebIdentityFederationInfo`) returns. Snowflake checks the token's issuer against it.
   * @default - none; required with OUTBOUND_TOKEN
   */
  readonly issuer?: string;

  /**
   * Give the Snowflake user the function's role as its workload identity at deploy time: a custom
   * resource signs in as an administrator, creates the service user if it does not exist and sets
   * `WORKLOAD_IDENTITY`. Deleting the stack unsets only the identity it set.
   * @default - no registration: an administrator runs the SQL of the function's `createUserSql` or
   *   `alterUserSql` (or outputs)
   */
  readonly registration?: WorkloadIdentityRegistrationOptions;

  /**
   * Add stack outputs: the role ARN Snowflake must know, and the SQL that creates the user with it
   * or sets it on an existing user. None of them is secret.
   * @default false
   */
  readonly createOutputs?: boolean;
}

/**
 * How a `SnowflakeConnectorFunction` signs in to Snowflake: with the key pair in a secret, or with
 * its own IAM role (workload identity federation, no key at all). See docs/workload-identity.md for
 * which to choose.
 */
export class SnowflakeAuthentication {
  /**
   * Sign in with the key pair in this secret (what `secret` on the function does). The function's
   * role reads the secret at AWSCURRENT once per cold start.
   */
  public static keyPair(secret: ISnowflakeKeyPairSecret): SnowflakeAuthentication {
    return new SnowflakeAuthentication(secret, undefined);
  }

  /**
   * Sign in as the function's own IAM role: Snowflake's workload identity federation. No secret,
   * no key, no Secrets Manager or KMS permission; the Snowflake user's `WORKLOAD_IDENTITY` names
   * the role's ARN (set by `registration`, or by the SQL of the function's `createUserSql`).
   */
  public static workloadIdentity(options: WorkloadIdentityOptions): SnowflakeAuthentication {
    return new SnowflakeAuthentication(undefined, options);
  }

  private constructor(
    /** @internal */ public readonly _secret: ISnowflakeKeyPairSecret | undefined,
    /** @internal */ public readonly _workloadIdentity: WorkloadIdentityOptions | undefined,
  ) {}
}
