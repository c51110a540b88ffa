/**
 * Workload identity federation (docs/workload-identity.md): the function signs in to Snowflake as
 * its own IAM role, with no key. The contract between SnowflakeConnectorFunction (which writes
 * these variables) and the connector (which reads them), and the SQL that gives a Snowflake
 * service user the role's identity. Pure, like the rest of src/shared/.
 *
 * Sources:
 * - snowflake-sdk 3.3.0 (dist/lib/authentication/auth_workload_identity/): `authenticator:
 *   'WORKLOAD_IDENTITY'`, `workloadIdentityProvider: 'AWS'`; by default the driver signs an STS
 *   GetCallerIdentity request with the function's credentials and sends it, unsent, as the login
 *   TOKEN (attestation_aws.js); with `workloadIdentityAwsUseOutboundToken: true` it sends a JWT
 *   from STS GetWebIdentityToken instead (same file).
 * - Snowflake: CREATE USER ... WORKLOAD_IDENTITY = (TYPE = AWS ARN = '...'), ALTER USER ... SET /
 *   UNSET WORKLOAD_IDENTITY (https://docs.snowflake.com/en/user-guide/workload-identity-federation,
 *   https://docs.snowflake.com/sql-reference/sql/alter-user-remove-workload-identity), and
 *   SHOW USER WORKLOAD IDENTITY AUTHENTICATION METHODS (https://docs.snowflake.com/en/sql-reference/sql/show-user-workload-identity-authentication-methods).
 */
import { CONNECTION_FIELDS, ConnectionField } from './secret-format';
import { quoteIdentifier, quoteLiteral } from './snowflake-identifiers';
import { createServiceUserSql } from './snowflake-sql';

/** How the connector signs in: absent means with the key pair in the secret of SNOWFLAKE_SECRET_ID. */
export const AUTHENTICATION_ENV = 'SNOWFLAKE_AUTHENTICATION';
/** The values of AUTHENTICATION_ENV. */
export const AUTHENTICATION_MODES = ['KEY_PAIR', 'WORKLOAD_IDENTITY'] as const;
export type AuthenticationMode = typeof AUTHENTICATION_MODES[number];

/**
 * With WORKLOAD_IDENTITY: the connection settings that a key-pair secret would hold (account, user,
 * role, warehouse, database, schema, host), as one JSON object. Not secret.
 */
export const CONNECTION_ENV = 'SNOWFLAKE_CONNECTION';
/**
 * With WORKLOAD_IDENTITY: the ARN of the IAM role the function signs in as (its execution role),
 * so that a refused login can say which identity Snowflake was shown and give the SQL that fixes it.
 */
export const WORKLOAD_IDENTITY_ARN_ENV = 'SNOWFLAKE_WORKLOAD_IDENTITY_ARN';
/** With WORKLOAD_IDENTITY: which attestation the driver sends, one of WORKLOAD_IDENTITY_ATTESTATIONS. */
export const WORKLOAD_IDENTITY_ATTESTATION_ENV = 'SNOWFLAKE_WORKLOAD_IDENTITY_ATTESTATION';

/**
 * The two attestations snowflake-sdk 3.3.0 offers for AWS:
 * - SIGNED_CALLER_IDENTITY: a SigV4-signed STS GetCallerIdentity request, which Snowflake sends to
 *   STS itself. The function calls nothing and needs no permission.
 * - OUTBOUND_TOKEN: a JWT the function gets from STS GetWebIdentityToken (needs
 *   `sts:GetWebIdentityToken`, the account's outbound identity federation, and an ISSUER on the user).
 */
export const WORKLOAD_IDENTITY_ATTESTATIONS = ['SIGNED_CALLER_IDENTITY', 'OUTBOUND_TOKEN'] as const;
export type WorkloadIdentityAttestationKind = typeof WORKLOAD_IDENTITY_ATTESTATIONS[number];

/** The connection settings of a function that signs in with its workload identity. */
export type WorkloadIdentityConnection = Partial<Record<ConnectionField, string>> & { account: string; user: string };

/** CONNECTION_ENV's value: the settings given, in CONNECTION_FIELDS order, as compact JSON. */
export function serializeWorkloadIdentityConnection(connection: WorkloadIdentityConnection): string {
  const ordered: Record<string, string> = {};
  for (const field of CONNECTION_FIELDS) {
    const value = connection[field];
    if (value !== undefined) ordered[field] = value;
  }
  return JSON.stringify(ordered);
}

/**
 * CONNECTION_ENV's value read back, or a reason it cannot be (never echoing the value beyond its
 * field names: it holds no secret, but the message should stay short).
 */
export function parseWorkloadIdentityConnection(value: string): WorkloadIdentityConnection | { problem: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return { problem: `${CONNECTION_ENV} is not JSON` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { problem: `${CONNECTION_ENV} is not a JSON object` };
  const record = parsed as Record<string, unknown>;
  const unknown = Object.keys(record).filter((k) => !(CONNECTION_FIELDS as readonly string[]).includes(k));
  if (unknown.length > 0) return { problem: `${CONNECTION_ENV} has fields the connector does not know: ${unknown.join(', ')}` };
  for (const [field, v] of Object.entries(record)) {
    if (typeof v !== 'string' || v === '') return { problem: `${CONNECTION_ENV}.${field} must be a non-empty string` };
  }
  if (!record.account || !record.user) return { problem: `${CONNECTION_ENV} must name account and user` };
  return record as WorkloadIdentityConnection;
}

/** What the SQL for a workload-identity user needs. `roleArn` (and `issuer`) may be tokens: they are only concatenated. */
export interface WorkloadIdentitySqlInput {
  readonly user: string;
  /** The IAM role's ARN, `arn:<partition>:iam::<account>:role/<name>`. */
  readonly roleArn: string;
  /** With OUTBOUND_TOKEN: the AWS account's STS JWT issuer URL. */
  readonly issuer?: string;
  readonly role?: string;
  readonly warehouse?: string;
  readonly database?: string;
  readonly schema?: string;
}

/** `(TYPE = AWS ARN = '...' [ISSUER = '...'])`. */
export function workloadIdentityClause(roleArn: string, issuer?: string): string {
  return `(TYPE = AWS ARN = ${quoteLiteral(roleArn)}${issuer !== undefined ? ` ISSUER = ${quoteLiteral(issuer)}` : ''})`;
}

/** `CREATE USER IF NOT EXISTS ... TYPE = SERVICE ... WORKLOAD_IDENTITY = (TYPE = AWS ARN = '...')`. */
export function createWorkloadIdentityUserSql(input: WorkloadIdentitySqlInput): string {
  return createServiceUserSql(input, `WORKLOAD_IDENTITY = ${workloadIdentityClause(input.roleArn, input.issuer)}`);
}

/** `ALTER USER ... SET WORKLOAD_IDENTITY = (...)`, for a user that exists (a key pair it has stays). */
export function setWorkloadIdentitySql(user: string, roleArn: string, issuer?: string): string {
  return `ALTER USER ${quoteIdentifier(user)} SET WORKLOAD_IDENTITY = ${workloadIdentityClause(roleArn, issuer)};`;
}

/** `ALTER USER ... UNSET WORKLOAD_IDENTITY`. */
export function unsetWorkloadIdentitySql(user: string): string {
  return `ALTER USER ${quoteIdentifier(user)} UNSET WORKLOAD_IDENTITY;`;
}

/** `SHOW USER WORKLOAD IDENTITY AUTHENTICATION METHODS FOR USER ...`: what the user's identity is. */
export function showWorkloadIdentitySql(user: string): string {
  return `SHOW USER WORKLOAD IDENTITY AUTHENTICATION METHODS FOR USER ${quoteIdentifier(user)};`;
}

/**
 * The parts of an IAM role ARN Snowflake keeps (`additional_info` of SHOW USER WORKLOAD IDENTITY
 * AUTHENTICATION METHODS: awsPartition, awsAccount, iamRole, the role's NAME), or undefined for
 * anything else. GetCallerIdentity in a Lambda returns `arn:aws:sts::<account>:assumed-role/<name>/<session>`,
 * without the role's path (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html),
 * so a role is known by partition, account and name; `roleOfArn` accepts both forms.
 */
export function roleOfArn(arn: string): { partition: string; account: string; name: string } | undefined {
  const iamRole = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:[\x21-\x7e]*\/)?([\w+=,.@-]{1,64})$/.exec(arn);
  if (iamRole) return { partition: iamRole[1], account: iamRole[2], name: iamRole[3] };
  const assumed = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([\w+=,.@-]{1,64})\/[\w+=,.@-]{2,64}$/.exec(arn);
  if (assumed) return { partition: assumed[1], account: assumed[2], name: assumed[3] };
  return undefined;
}
