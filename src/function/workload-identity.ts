/**
 * What `SnowflakeAuthentication.workloadIdentity()` means for a `SnowflakeConnectorFunction`: the
 * checks at synth (settings, the role's ARN, the host), the environment the connector reads, and
 * the one permission of the OUTBOUND_TOKEN attestation. Not exported from index.ts.
 */
import { Annotations, StringConcat, Token, Tokenization } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { WorkloadIdentityAttestation, WorkloadIdentityOptions } from './snowflake-authentication';
import { IPrivateLinkEndpoint, PrivateLinkEndpoint, SnowflakeAuthenticationMethod } from '../network/privatelink-endpoint';
import { fail } from '../private/validation';
import { accountIdentifierProblem, hostProblem, objectNameProblem, resolvedName, userNameProblem } from '../shared/snowflake-identifiers';
import {
  AUTHENTICATION_ENV,
  CONNECTION_ENV,
  roleOfArn,
  serializeWorkloadIdentityConnection,
  WORKLOAD_IDENTITY_ARN_ENV,
  WORKLOAD_IDENTITY_ATTESTATION_ENV,
  WorkloadIdentityConnection,
} from '../shared/workload-identity';

/** The id of the warning given for a role with a path. */
export const ROLE_PATH_WARNING = 'cdk-snowflake-keypair:workloadIdentityRolePath';

/**
 * The driver's allow-list of hosts for workload identity: the host, normalised (trimmed, ASCII
 * lower case, cut at the first `:`, one trailing `.` dropped), must be one of these domains or end
 * in `.` and one of them. snowflake-sdk 3.3.0 checks it before it reads any credential, and refuses
 * the login otherwise: dist/lib/authentication/auth_workload_identity/host_allowlist.js
 * (`validateHost`), dist/lib/url_util.js (`SNOWFLAKE_DOMAINS`, `normalizeHost`,
 * `isSnowflakeAllowedDomain`). Only the environment variable SNOWFLAKE_WIF_ALLOWED_HOST_SUFFIXES
 * extends it, and the construct does not set it: every host it accepts is on the list as it is.
 */
export const WIF_ALLOWED_DOMAINS = ['snowflakecomputing.com', 'snowflakecomputing.cn', 'snowflakecomputing.mil'];

/** Why the driver would refuse `host` for a workload-identity login, or undefined when it accepts it. */
export function workloadIdentityHostProblem(host: string): string | undefined {
  let normalized = host.trim().replace(/[A-Z]/g, (c) => c.toLowerCase());
  if (normalized.includes(':')) normalized = normalized.slice(0, normalized.indexOf(':'));
  if (normalized.endsWith('.')) normalized = normalized.slice(0, -1);
  if (WIF_ALLOWED_DOMAINS.some((d) => normalized === d || normalized.endsWith(`.${d}`))) return undefined;
  return `snowflake-sdk signs in with a workload identity only to a host that is, or ends in \`.\` and, one of ${WIF_ALLOWED_DOMAINS.join(', ')} `
    + '(its host allow-list: dist/lib/authentication/auth_workload_identity/host_allowlist.js and dist/lib/url_util.js `SNOWFLAKE_DOMAINS`), '
    + 'and refuses the login before it starts otherwise';
}

/** A stand-in for each token of an ARN, so that its literal parts can be checked. */
const TOKEN = '\u0000';
/**
 * An IAM role ARN, `arn:<partition>:iam::<account>:role/[<path>/]<name>` (IAM identifiers:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns;
 * the path is `/` or printable ASCII between slashes, the name 1-64 of `[\w+=,.@-]`), where a
 * token may stand for the partition, the account, the path or (part of) the name.
 */
const ROLE_ARN_WITH_TOKENS = new RegExp(`^arn:(?:aws[a-z-]*|${TOKEN}):iam::(?:\\d{12}|${TOKEN}):role\\/((?:[\\x21-\\x7e${TOKEN}]*\\/)?)[\\w+=,.@${TOKEN}-]{1,64}$`);

/** What the role's ARN is, as the construct checks it. */
export interface RoleArnCheck {
  /** Why it cannot be the function's workload identity, or undefined. */
  readonly problem?: string;
  /** The role's path (`/app/`), when the ARN or the role's resource shows one. */
  readonly path?: string;
}

/**
 * Checks the ARN of the role the function runs as. A role of the app (`new iam.Role`) has its ARN
 * from CloudFormation (`Fn::GetAtt`); `Role.fromRoleName` builds `arn:<partition>:iam::<stack
 * account>:role/<name>`; `Role.fromRoleArn` takes the ARN given. Refused: a literal ARN (or the
 * literal parts of one) that is not an IAM role's (an IAM user, an STS assumed-role session, a
 * wildcard), a precreated role (`Role.customizeRoles`) with no name, whose ARN is
 * `arn:...:role` and names no role, and a role whose ARN cannot be read at all.
 */
export function checkRoleArn(role: iam.IRole): RoleArnCheck {
  let arn: string;
  try {
    arn = role.roleArn;
  } catch (error) {
    return { problem: `its ARN cannot be known (${(error as Error).message})` };
  }
  if (arn === undefined || arn === '') return { problem: 'it has no ARN' };
  const resourcePath = pathOfRoleResource(role);
  if (!Token.isUnresolved(arn)) {
    const parts = roleOfArn(arn);
    if (!parts || !/^arn:[^:]+:iam::/.test(arn)) {
      return { problem: `its ARN ${JSON.stringify(arn)} is not an IAM role's (arn:<partition>:iam::<account>:role/<name>)` };
    }
    const path = /:role(\/.*\/)[^/]+$/.exec(arn)?.[1];
    return { path: path ?? resourcePath };
  }
  const literal = String(Tokenization.reverseString(arn).mapTokens({ mapToken: () => TOKEN }).join(new StringConcat()));
  if (literal === TOKEN) return { path: resourcePath };
  const match = ROLE_ARN_WITH_TOKENS.exec(literal);
  if (!match) {
    return { problem: `its ARN (${literal.replace(new RegExp(TOKEN, 'g'), '<token>')}) is not an IAM role's (arn:<partition>:iam::<account>:role/<name>)` };
  }
  const path = match[1] && match[1] !== '/' && !match[1].includes(TOKEN) ? `/${match[1]}` : undefined;
  return { path: path ?? resourcePath };
}

/** The `Path` of a role of the app, when it is not `/`. */
function pathOfRoleResource(role: iam.IRole): string | undefined {
  const resource = role.node.defaultChild;
  if (!(resource instanceof iam.CfnRole)) return undefined;
  const path = resource.path;
  return path !== undefined && !Token.isUnresolved(path) && path !== '/' ? path : undefined;
}

/** Checks the options, failing on the first problem; warns about a role with a path. */
export function validateWorkloadIdentity(scope: Construct, options: WorkloadIdentityOptions, privateLinkHost: string | undefined): void {
  const prefix = 'authentication (SnowflakeAuthentication.workloadIdentity)';
  const check = (field: string, value: string | undefined, problemOf: (v: string) => string | undefined) => {
    if (value === undefined || Token.isUnresolved(value)) return;
    const problem = problemOf(value);
    if (problem) fail(scope, `${prefix}: ${field} ${JSON.stringify(value)} is not valid: ${problem}.`);
  };
  check('account', options.account, accountIdentifierProblem);
  check('user', options.user, userNameProblem);
  check('role', options.role, objectNameProblem);
  check('warehouse', options.warehouse, objectNameProblem);
  check('database', options.database, objectNameProblem);
  check('schema', options.schema, objectNameProblem);
  if (options.schema !== undefined && options.database === undefined) {
    fail(scope, `${prefix}: schema is set without database: a schema is resolved inside a database. Set database as well, or leave schema out.`);
  }
  if (options.host !== undefined && privateLinkHost !== undefined) {
    fail(scope, `${prefix}: host ${JSON.stringify(options.host)} is set, and so is privateLink, whose account host the function connects to. `
      + 'Remove host (the PrivateLink host is used), or remove privateLink.');
  }
  // The host's form first (a bare host name, as for a key-pair secret), then the driver's allow-list,
  // then the library's own rule (a .snowflakecomputing.com or .cn host, as for a key-pair secret).
  check('host', options.host, (h) => {
    const form = hostProblem(h);
    if (form !== undefined && !form.startsWith('it must end in')) return form;
    return workloadIdentityHostProblem(h) ?? form;
  });
  check('privateLink\'s accountHost', options.host === undefined ? privateLinkHost : undefined, workloadIdentityHostProblem);

  const attestation = options.attestation ?? WorkloadIdentityAttestation.SIGNED_CALLER_IDENTITY;
  if (attestation === WorkloadIdentityAttestation.OUTBOUND_TOKEN && options.issuer === undefined) {
    fail(scope, `${prefix}: attestation is OUTBOUND_TOKEN without issuer. Snowflake checks the token's issuer against the user's ISSUER: give `
      + 'issuer, the IssuerIdentifier that IAM EnableOutboundWebIdentityFederation (or GetOutboundWebIdentityFederationInfo) returns for this account.');
  }
  if (attestation !== WorkloadIdentityAttestation.OUTBOUND_TOKEN && options.issuer !== undefined) {
    fail(scope, `${prefix}: issuer is set, and attestation is ${attestation}, which has no issuer (Snowflake asks STS who signed the request). `
      + 'Remove issuer, or set attestation: WorkloadIdentityAttestation.OUTBOUND_TOKEN.');
  }
  check('issuer', options.issuer, issuerProblem);
}

/**
 * Refuses a PrivateLink endpoint whose authentication-policy SQL is for this user and leaves out
 * WORKLOAD_IDENTITY: once run, Snowflake refuses every workload-identity login of the user
 * (https://docs.snowflake.com/en/sql-reference/sql/create-authentication-policy).
 */
export function checkAuthenticationPolicy(scope: Construct, options: WorkloadIdentityOptions, privateLink: IPrivateLinkEndpoint | undefined): void {
  const policy = privateLink instanceof PrivateLinkEndpoint ? privateLink._authenticationPolicy : undefined;
  if (!policy || Token.isUnresolved(options.user) || policy.user !== resolvedName(options.user)) return;
  if (policy.methods.includes(SnowflakeAuthenticationMethod.WORKLOAD_IDENTITY)) return;
  fail(scope, `privateLink (${privateLink!.node.path}) emits an authentication policy for ${options.user} that allows ${policy.methods.join(', ')} only, `
    + 'which would refuse this function\'s workload-identity logins. Give the endpoint\'s networkPolicy authenticationMethods: '
    + '[SnowflakeAuthenticationMethod.WORKLOAD_IDENTITY] (or both methods while the user moves from its key to its role).');
}

/** Why `issuer` cannot be an issuer URL: https, a host, no credentials, query or fragment. */
export function issuerProblem(issuer: string): string | undefined {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return 'it is not a URL. Give the IssuerIdentifier IAM returned, an https:// URL';
  }
  if (url.protocol !== 'https:' || url.hostname === '') return 'it must be an https:// URL naming a host (the IssuerIdentifier IAM returned)';
  if (url.username || url.password || url.search || url.hash) return 'it must hold no credentials, query or fragment';
  return undefined;
}

/** Refuses a role whose ARN cannot be the workload identity; warns about one with a path. */
export function validateRole(scope: Construct, role: iam.IRole, given: boolean): void {
  const { problem, path } = checkRoleArn(role);
  if (problem) {
    fail(scope, `role ${role.node.path} cannot sign in with a workload identity: ${problem}. Snowflake knows the function by the ARN of the IAM role `
      + 'it runs as, so the role must be an IAM role whose ARN CloudFormation knows at deploy time: a role of this app, or one imported with '
      + 'iam.Role.fromRoleArn(scope, id, \'arn:aws:iam::<account>:role/<name>\') or iam.Role.fromRoleName(scope, id, \'<name>\')'
      + `${given ? ', or leave role out for a new one' : ''}.`);
  }
  if (path !== undefined) {
    Annotations.of(scope).addWarningV2(ROLE_PATH_WARNING,
      `role ${role.node.path} has the path ${path}. STS GetCallerIdentity names the caller arn:<partition>:sts::<account>:assumed-role/<name>/<session>, `
      + 'without the path (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html), so Snowflake can match the function '
      + 'by account and role name only: two roles with this name under different paths of the account are one identity to Snowflake. '
      + 'Give the role a name no other role of the account has, then acknowledge this warning: '
      + `Annotations.of(fn).acknowledgeWarning('${ROLE_PATH_WARNING}', 'why').`);
  }
}

/** The connection settings the connector reads from CONNECTION_ENV, with the host it connects to. */
export function workloadIdentityConnection(options: WorkloadIdentityOptions, privateLinkHost: string | undefined): WorkloadIdentityConnection {
  return {
    account: options.account,
    user: options.user,
    role: options.role,
    warehouse: options.warehouse,
    database: options.database,
    schema: options.schema,
    host: options.host ?? privateLinkHost,
  };
}

/** The environment of a function that signs in with its workload identity; never SECRET_ID_ENV. */
export function workloadIdentityEnvironment(
  options: WorkloadIdentityOptions, roleArn: string, privateLinkHost: string | undefined,
): Record<string, string> {
  return {
    [AUTHENTICATION_ENV]: 'WORKLOAD_IDENTITY',
    [CONNECTION_ENV]: serializeWorkloadIdentityConnection(workloadIdentityConnection(options, privateLinkHost)),
    [WORKLOAD_IDENTITY_ARN_ENV]: roleArn,
    [WORKLOAD_IDENTITY_ATTESTATION_ENV]: options.attestation ?? WorkloadIdentityAttestation.SIGNED_CALLER_IDENTITY,
  };
}

/**
 * The one permission of the OUTBOUND_TOKEN attestation: `sts:GetWebIdentityToken`, which takes no
 * resource type (so `*`) and the condition keys `sts:IdentityTokenAudience`, `sts:SigningAlgorithm`
 * and `sts:DurationSeconds` (Service Authorization Reference, AWS Security Token Service:
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecuritytokenservice.html).
 * Limited to what snowflake-sdk 3.3.0 asks for (attestation_aws.js: `Audience:
 * ['snowflakecomputing.com']`, `SigningAlgorithm: 'ES384'`), so the role cannot get tokens for
 * another audience. `Audience` is required by the API (at least one member:
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_GetWebIdentityToken.html), and the
 * `Null` condition keeps ForAllValues from allowing a request without it.
 */
export function webIdentityTokenStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['sts:GetWebIdentityToken'],
    resources: ['*'],
    conditions: {
      'ForAllValues:StringEquals': { 'sts:IdentityTokenAudience': ['snowflakecomputing.com'] },
      'Null': { 'sts:IdentityTokenAudience': 'false' },
      'StringEquals': { 'sts:SigningAlgorithm': 'ES384' },
    },
  });
}
