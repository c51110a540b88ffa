import { Annotations, CfnOutput, Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ConnectorHandler, SqlExecutorOptions, SqlExecutorTransport } from './connector-handler';
import { RegisteredIdentityOnDelete, SnowflakeAuthentication, WorkloadIdentityAttestation, WorkloadIdentityOptions } from './snowflake-authentication';
import { SnowflakeConnectorLayer } from './snowflake-connector-layer';
import { placeholdersOf } from './sql-placeholders';
import {
  checkAuthenticationPolicy, validateRole, validateWorkloadIdentity, webIdentityTokenStatement, workloadIdentityConnection,
  workloadIdentityEnvironment,
} from './workload-identity';
import { AwsServiceEndpoint, ensureAwsServiceEndpoints } from '../network/aws-service-endpoints';
import { snowflakeClientSecurityGroup } from '../network/client-security-group';
import { IPrivateLinkEndpoint } from '../network/privatelink-endpoint';
import { acknowledge } from '../private/acknowledgements';
import { LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME } from '../private/lambda-defaults';
import { libraryLogGroup } from '../private/log-group';
import { fail } from '../private/validation';
import { allowVpcNetworkInterfaces } from '../private/vpc-network-interfaces';
import { Registration } from '../rotation/registration';
import { SecretReaderRole } from '../secret/secret-reader-role';
import { ISnowflakeKeyPairSecret } from '../secret/snowflake-keypair-secret-base';
import { ENDPOINT_URL_ENV, HOST_ENV, RESERVED_ENV_PREFIX, SECRET_ID_ENV, SQL_EXECUTOR_ENV, STATEMENT_TIMEOUT_ENV } from '../shared/environment';
import { serializeSqlExecutorConfig, STATEMENT_NAME } from '../shared/sql-executor-config';
import {
  AUTHENTICATION_ENV, CONNECTION_ENV, createWorkloadIdentityUserSql, setWorkloadIdentitySql, WORKLOAD_IDENTITY_ARN_ENV,
  WORKLOAD_IDENTITY_ATTESTATION_ENV,
} from '../shared/workload-identity';

/** Long enough for a retried login and a resuming warehouse; see docs/connector-function.md. */
const DEFAULT_TIMEOUT = Duration.minutes(5);
/** The id of the warning given when statements could outlive the function. */
const STATEMENT_OUTLIVES_FUNCTION = 'cdk-snowflake-keypair:statementTimeoutNotBelowTimeout';

/** The id of the warning given when the SQL executor runs SQL text from its events. */
const RUNS_ANY_SQL = 'cdk-snowflake-keypair:sqlExecutorRunsAnySql';
/** The id of the warning given when the SQL executor has nothing it may run. */
const RUNS_NOTHING = 'cdk-snowflake-keypair:sqlExecutorRunsNothing';

/**
 * Lambda allows 4 KB for all of a function's environment variables, names and values together
 * ("Lambda quotas": https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
 */
const ENVIRONMENT_LIMIT_BYTES = 4096;
/**
 * What an unresolved value (the secret's ARN, a PrivateLink host) is counted as against that
 * limit: a secret ARN is about 100 characters for the names this library's users give.
 */
const TOKEN_ESTIMATE_BYTES = 256;

/** Why a name is the construct's, and what to do instead. */
const RESERVED_ENV_FIX: Record<string, string> = {
  [SECRET_ID_ENV]: 'the construct sets it itself from secret. Remove it.',
  [AUTHENTICATION_ENV]: 'the construct sets it itself from authentication. Remove it.',
  [CONNECTION_ENV]: 'the construct sets it itself from authentication (SnowflakeAuthentication.workloadIdentity). Remove it.',
  [WORKLOAD_IDENTITY_ARN_ENV]: 'the construct sets it itself from the function\'s role. Remove it.',
  [WORKLOAD_IDENTITY_ATTESTATION_ENV]: 'the construct sets it itself from authentication (attestation). Remove it.',
  [STATEMENT_TIMEOUT_ENV]: 'the construct sets it itself from statementTimeout. Remove it.',
  [HOST_ENV]: 'the construct sets it itself from privateLink. Remove it.',
  [SQL_EXECUTOR_ENV]: 'the construct sets it itself from ConnectorHandler.sqlExecutor({ statements }). Remove it.',
  [ENDPOINT_URL_ENV]: 'it sends every Snowflake request, with the login JWT, to another address, so the construct does not take it '
    + 'from environment. Remove it; if a proxy is what you mean, set it with fn.function.addEnvironment() (https:// only).',
};
/** Key material in an environment value: PEM armour, or a long base64 run. */
const KEY_LIKE = /-----BEGIN [A-Z ]*KEY-----|[A-Za-z0-9+/]{200,}/;

/** Properties of a SnowflakeConnectorFunction. */
export interface SnowflakeConnectorFunctionProps {
  /**
   * The secret the function connects with: short for `authentication:
   * SnowflakeAuthentication.keyPair(secret)`. Its ARN is the only thing about it in the environment.
   * Give exactly one of `secret` and `authentication`.
   * @default - none: `authentication` says how the function signs in
   */
  readonly secret?: ISnowflakeKeyPairSecret;

  /**
   * How the function signs in: `SnowflakeAuthentication.keyPair(secret)` (the same as `secret`), or
   * `SnowflakeAuthentication.workloadIdentity({ account, user, ... })`, as its own IAM role with no
   * secret and no key (docs/workload-identity.md). Give exactly one of `secret` and `authentication`.
   * @default - none: `secret` says how the function signs in
   */
  readonly authentication?: SnowflakeAuthentication;

  /**
   * What the function runs.
   * @default ConnectorHandler.sqlExecutor()
   */
  readonly handler?: ConnectorHandler;

  /**
   * The execution role. With a key pair, it is granted read on the secret (AWSCURRENT only); with a
   * workload identity, it is the identity Snowflake knows the function by (an IAM role whose ARN
   * CloudFormation knows), granted nothing on any secret. Either way, it is granted write on the
   * function's log group.
   * @default - a new SecretReaderRole for the secret, restricted to the AWSCURRENT stage; with a
   *   workload identity, a new role that may only write the function's logs
   */
  readonly role?: iam.IRole;

  /**
   * A description of the function.
   * @default "Runs SQL in Snowflake with a key pair from Secrets Manager (cdk-snowflake-keypair)", or, with a
   *   workload identity, "Runs SQL in Snowflake signed in as its own IAM role (cdk-snowflake-keypair)"
   */
  readonly description?: string;

  /**
   * A name for the function.
   * @default - a name CloudFormation generates
   */
  readonly functionName?: string;

  /**
   * Memory. 512 MiB gives the CPU to load the connector, sign the login JWT and parse result
   * sets quickly; see docs/connector-function.md.
   * @default 512
   */
  readonly memorySize?: number;

  /**
   * The function's timeout: long enough for a retried login and a resuming warehouse, short
   * enough that a stuck invocation does not hold a concurrency slot for 15 minutes. Longer work
   * belongs in `executeAsync`; see docs/connector-function.md.
   * @default Duration.minutes(5)
   */
  readonly timeout?: Duration;

  /**
   * Snowflake's STATEMENT_TIMEOUT_IN_SECONDS for every statement the function runs. Keep it below
   * `timeout`, so that Snowflake cancels a long statement before Lambda stops the invocation (a
   * warning says so otherwise).
   * @default - the user's, warehouse's or account's setting
   */
  readonly statementTimeout?: Duration;

  /**
   * More environment variables for your handler: non-secret settings only. A value that looks
   * like key material is refused.
   * @default - none
   */
  readonly environment?: { [key: string]: string };

  /**
   * Reserved concurrency: at least 1.
   * @default - no reservation
   */
  readonly reservedConcurrentExecutions?: number;

  /**
   * X-Ray tracing.
   * @default lambda.Tracing.DISABLED
   */
  readonly tracing?: lambda.Tracing;

  /**
   * Where failed asynchronous invocations go.
   * @default - nowhere
   */
  readonly onFailure?: lambda.IDestination;

  /**
   * A dead-letter queue for failed asynchronous invocations.
   * @default - none
   */
  readonly deadLetterQueue?: sqs.IQueue;

  /**
   * Retries of a failed asynchronous invocation (0 to 2).
   * @default 2
   */
  readonly retryAttempts?: number;

  /**
   * How long the function's logs are kept (in a log group the construct creates).
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Encrypt the log group the construct creates with this KMS key. A key defined in the app gets
   * the key-policy statement CloudWatch Logs needs; for an imported key, its policy must allow it
   * (a warning says what).
   * @default - the secret's customer-managed key, when it has one; otherwise (and with a workload
   *   identity, which has no secret) CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;

  /**
   * A log group of your own instead. `logRetention` and `logEncryptionKey` are then ignored.
   * @default - a new log group
   */
  readonly logGroup?: logs.ILogGroup;

  /**
   * The VPC to run in.
   * @default - the `privateLink` endpoint's VPC if given, else not in a VPC
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Reach Snowflake through this PrivateLink endpoint: the function runs in its VPC, connects by
   * the PrivateLink account host (the login still names the account from the secret, or the
   * workload identity's `account`), and is let in on 443, and on 80 (OCSP) for the driver: not the
   * SQL executor on `SqlExecutorTransport.SQL_API`, which asks no OCSP responder (unless
   * `allowOcspEgress` is true).
   * @default - Snowflake's public endpoint (or the secret's, or the workload identity's, `host`)
   */
  readonly privateLink?: IPrivateLinkEndpoint;

  /**
   * The subnets to run in. They must select at least one subnet.
   * @default - the VPC's private subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Security groups. Given, they are used as they are.
   * @default - a new security group allowing egress to 443 (and 80 with `allowOcspEgress`) only
   */
  readonly securityGroups?: ec2.ISecurityGroup[];

  /**
   * With the default security group, also allow egress to port 80 for OCSP certificate checks
   * (snowflake-sdk checks Snowflake's certificates through OCSP responders on port 80). The SQL
   * executor on `SqlExecutorTransport.SQL_API` loads no driver and makes no OCSP requests. Through
   * `privateLink`, true also lets that executor in on the endpoint's port 80 (the driver always is).
   * @default - true, except for the SQL executor on `SqlExecutorTransport.SQL_API`: false
   */
  readonly allowOcspEgress?: boolean;

  /**
   * Add a Secrets Manager interface endpoint and an S3 gateway endpoint to the VPC (large
   * result sets come from S3), so that the function runs in isolated subnets without NAT. They
   * are added to the VPC once, however many functions (and `PrivateLinkEndpoint`s) ask. With a
   * workload identity, no Secrets Manager endpoint (there is no secret to read): the S3 gateway
   * endpoint, and the STS interface endpoint for `WorkloadIdentityAttestation.OUTBOUND_TOKEN`.
   * @default false
   */
  readonly addAwsServiceEndpoints?: boolean;
}

/**
 * A Lambda function that connects to Snowflake with the key pair in a SnowflakeKeyPairSecret, or
 * as its own IAM role (workload identity federation: no secret, no key).
 *
 * It runs the pre-bundled SQL executor, or your own handler with the pre-bundled connector as a
 * layer. It reads the secret once per cold start and keeps its Snowflake connection while warm.
 * Node.js 24 on ARM64; the environment holds the secret's ARN (or, with a workload identity, the
 * connection settings and the role's ARN) and non-secret settings only.
 */
export class SnowflakeConnectorFunction extends Construct implements iam.IGrantable, ec2.IConnectable {
  /** The Lambda function. */
  public readonly function: lambda.Function;
  /** Its execution role. */
  public readonly role: iam.IRole;
  /** Its log group. */
  public readonly logGroup: logs.ILogGroup;
  public readonly grantPrincipal: iam.IPrincipal;
  /** The secret it connects with; undefined when it signs in with its workload identity. */
  public readonly secret?: ISnowflakeKeyPairSecret;

  private readonly workloadIdentity?: WorkloadIdentityOptions;

  constructor(scope: Construct, id: string, props: SnowflakeConnectorFunctionProps) {
    super(scope, id);
    validate(this, props);
    const vpc = props.vpc ?? props.privateLink?.vpc;
    const authentication = props.authentication ?? SnowflakeAuthentication.keyPair(props.secret!);
    const secret = authentication._secret;
    const workloadIdentity = authentication._workloadIdentity;
    this.secret = secret;
    this.workloadIdentity = workloadIdentity;
    if (workloadIdentity) {
      validateWorkloadIdentity(this, workloadIdentity, props.privateLink?.accountHost);
      checkAuthenticationPolicy(this, workloadIdentity, props.privateLink);
    }
    const outboundToken = workloadIdentity?.attestation === WorkloadIdentityAttestation.OUTBOUND_TOKEN;
    const handler = props.handler ?? ConnectorHandler.sqlExecutor();
    // The SQL executor's transport (undefined for your own handler, which has the driver in its layer).
    const transport = handler._sqlExecutor ? sqlExecutorTransport(this, handler._sqlExecutor, workloadIdentity !== undefined) : undefined;
    const sqlApi = transport === SqlExecutorTransport.SQL_API;

    this.logGroup = props.logGroup ?? libraryLogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      encryptionKey: props.logEncryptionKey ?? secret?.encryptionKey,
    });

    if (props.role) {
      this.role = props.role;
      secret?.grantRead(this.role, ['AWSCURRENT']);
    } else if (secret) {
      this.role = new SecretReaderRole(this, 'Role', {
        secret,
        versionStages: ['AWSCURRENT'],
        description: 'Runs a cdk-snowflake-keypair SnowflakeConnectorFunction: reads its Snowflake secret (AWSCURRENT) and writes its logs',
      });
    } else {
      // The workload identity: a role that may write its logs (and, in a VPC, make its network
      // interfaces; with OUTBOUND_TOKEN, get one kind of token) and nothing else.
      this.role = new iam.Role(this, 'Role', {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: 'Runs a cdk-snowflake-keypair SnowflakeConnectorFunction: its workload identity in Snowflake; writes its logs',
      });
      acknowledge(this.role, 'inlinePolicy');
    }
    if (workloadIdentity) validateRole(this, this.role, props.role !== undefined);
    this.logGroup.grantWrite(this.role);

    const environment: Record<string, string> = {
      ...props.environment,
      ...(secret ? { [SECRET_ID_ENV]: secret.secretArn } : {}),
      ...(workloadIdentity ? workloadIdentityEnvironment(workloadIdentity, this.role.roleArn, props.privateLink?.accountHost) : {}),
      ...(props.statementTimeout ? { [STATEMENT_TIMEOUT_ENV]: String(props.statementTimeout.toSeconds()) } : {}),
      ...(props.privateLink ? { [HOST_ENV]: props.privateLink.accountHost } : {}),
      ...(handler._sqlExecutor ? sqlExecutorEnvironment(this, handler._sqlExecutor) : {}),
    };
    checkEnvironmentSize(this, environment);

    // The AWS services the function calls from its VPC: Secrets Manager for its secret; none for a
    // signed GetCallerIdentity, which the driver only signs (research: attestation_aws.js never sends
    // it); STS for GetWebIdentityToken; S3 for the driver's large result sets either way. The SQL
    // API serves every partition of a result from the account's host ("Handling responses":
    // GET /api/v2/statements/<handle>?partition=N), so the SQL executor on it needs no S3.
    const awsServices: AwsServiceEndpoint[] = sqlApi ? ['secretsmanager'] : secret ? ['secretsmanager', 's3'] : outboundToken ? ['sts', 's3'] : ['s3'];
    let securityGroups = props.securityGroups;
    if (vpc && !securityGroups) {
      const named = awsServices.map((s) => AWS_SERVICE_NAMES[s]);
      securityGroups = [snowflakeClientSecurityGroup(this, 'SecurityGroup', {
        vpc,
        description: 'cdk-snowflake-keypair SnowflakeConnectorFunction: HTTPS (and OCSP) egress only',
        httpsDescription: props.privateLink ? `HTTPS to ${named.join(' and ')}` : `HTTPS to Snowflake, ${named.join(' and ')}`,
        // OCSP on port 80 is the driver's (snowflake-sdk asks OCSP responders). The SQL API
        // transport sends with Node's https, whose TLS checks no revocation over OCSP: Node asks
        // for a stapled response only with tls.connect's requestOCSP (off by default, and on 443
        // anyway; https://nodejs.org/api/tls.html#tlsconnectoptions-callback).
        ocsp: props.allowOcspEgress ?? !sqlApi,
        privateLink: props.privateLink,
        awsServices,
        addAwsServiceEndpoints: props.addAwsServiceEndpoints ?? false,
      })];
    }

    this.function = new lambda.Function(this, 'Function', {
      description: props.description ?? (secret
        ? 'Runs SQL in Snowflake with a key pair from Secrets Manager (cdk-snowflake-keypair)'
        : 'Runs SQL in Snowflake signed in as its own IAM role (cdk-snowflake-keypair)'),
      functionName: props.functionName,
      runtime: LAMBDA_RUNTIME,
      architecture: LAMBDA_ARCHITECTURE,
      code: handler._codeFor(transport ?? SqlExecutorTransport.DRIVER),
      handler: handler._handler,
      layers: handler._needsConnectorLayer ? [SnowflakeConnectorLayer.of(this)] : undefined,
      role: this.role,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? DEFAULT_TIMEOUT,
      environment,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      tracing: props.tracing,
      onFailure: props.onFailure,
      deadLetterQueue: props.deadLetterQueue,
      retryAttempts: props.retryAttempts,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      vpc,
      vpcSubnets: vpc ? props.vpcSubnets : undefined,
      securityGroups,
    });
    this.grantPrincipal = this.function.grantPrincipal;
    // Lambda creates the network interfaces with this role, and checks that it may when it creates the function.
    if (vpc) allowVpcNetworkInterfaces(this, 'VpcAccessPolicy', this.role, this.function);
    if (outboundToken) {
      // A policy of its own, which the function waits for, so that the role may get its token at the first invocation.
      const tokenPolicy = new iam.Policy(this, 'WebIdentityTokenPolicy', { roles: [this.role], statements: [webIdentityTokenStatement()] });
      this.function.node.addDependency(tokenPolicy);
      acknowledge(tokenPolicy, 'connectorWebIdentityToken');
    }

    // What the compliance packs ask of every function, acknowledged only where you left the
    // choice to us, each with its reason (docs/security.md).
    if (!props.logGroup && !(props.logEncryptionKey ?? secret?.encryptionKey)) acknowledge(this.logGroup, 'connectorLogGroup');
    if (!vpc) acknowledge(this.function, 'connectorOutsideVpc');
    if (props.reservedConcurrentExecutions === undefined) acknowledge(this.function, 'connectorConcurrency');
    if (!props.deadLetterQueue && !props.onFailure) acknowledge(this.function, 'connectorDlq');
    else if (!props.deadLetterQueue) acknowledge(this.function, 'connectorOnFailure');
    if (!props.tracing || props.tracing === lambda.Tracing.DISABLED) {
      acknowledge(this.function, 'connectorTracing');
    } else if (!props.role) {
      acknowledge(this.role, 'connectorXray');
    }

    if (vpc && props.addAwsServiceEndpoints) {
      for (const endpoint of ensureAwsServiceEndpoints(this, vpc, props.vpcSubnets, awsServices).interfaceEndpoints) {
        endpoint.connections.allowDefaultPortFrom(this.function, secret ? 'The Snowflake connector reads its secret' : 'The Snowflake connector gets its identity token');
      }
    }
    // Through PrivateLink: connect by its host, and let the function in on 443, and on 80 for the
    // driver's OCSP (a custom handler has the driver in its layer; workload identity is the driver's).
    // The SQL executor on the SQL API asks no OCSP responder (see `ocsp` above): 443 only, unless
    // allowOcspEgress is true.
    props.privateLink?.allowFrom(this.function, { ocsp: !sqlApi || props.allowOcspEgress === true });

    if (workloadIdentity?.registration) this.registerWorkloadIdentity(workloadIdentity, props);
    if (workloadIdentity?.createOutputs) {
      new CfnOutput(this, 'WorkloadIdentityArnOutput', {
        value: this.role.roleArn,
        description: `The IAM role ARN of the WORKLOAD_IDENTITY of Snowflake user ${workloadIdentity.user}`,
      });
      new CfnOutput(this, 'CreateUserSqlOutput', { value: this.createUserSql!, description: 'SQL to create the service user with this function\'s role as its workload identity' });
      new CfnOutput(this, 'AlterUserSqlOutput', { value: this.alterUserSql!, description: 'SQL to set this function\'s role as the workload identity of an existing user' });
    }
  }

  /**
   * The registration custom resource of the workload identity: after the role exists, reading the
   * administrator's secret only; through PrivateLink when asked, or when the function goes through it
   * (the administrator signs in from where the user does).
   */
  private registerWorkloadIdentity(options: WorkloadIdentityOptions, props: SnowflakeConnectorFunctionProps): void {
    const registration = options.registration!;
    if (!registration.privateLink && (registration.vpcSubnets || registration.addAwsServiceEndpoints)) {
      fail(this, `authentication (SnowflakeAuthentication.workloadIdentity): registration.${registration.vpcSubnets ? 'vpcSubnets' : 'addAwsServiceEndpoints'} `
        + 'is set without registration.privateLink: the registration function runs in a VPC only to reach Snowflake through PrivateLink. '
        + 'Give privateLink too (it may be the function\'s endpoint), or remove it.');
    }
    const created = new Registration(this, 'Registration', {
      adminSecretArn: registration.adminSecret.secretArn,
      createUser: registration.createUser ?? true,
      onDelete: registration.onDelete ?? RegisteredIdentityOnDelete.REMOVE_IDENTITY,
      workloadIdentity: {
        connection: workloadIdentityConnection(options, props.privateLink?.accountHost),
        roleArn: this.role.roleArn,
        issuer: options.issuer,
      },
      network: registration.privateLink
        ? { privateLink: registration.privateLink, vpcSubnets: registration.vpcSubnets, addAwsServiceEndpoints: registration.addAwsServiceEndpoints }
        : props.privateLink
          ? { privateLink: props.privateLink, vpcSubnets: props.vpcSubnets, addAwsServiceEndpoints: props.addAwsServiceEndpoints }
          : {},
      after: [],
    });
    registration.adminSecret.grantRead(created.role, ['AWSCURRENT']);
  }

  /**
   * With a workload identity: `CREATE USER IF NOT EXISTS "<USER>" TYPE = SERVICE ...
   * WORKLOAD_IDENTITY = (TYPE = AWS ARN = '<the role's ARN>');`, with the settings given as the
   * user's defaults and identifiers quoted (the ARN is resolved at deploy). Undefined with a key pair
   * (the secret's `createUserSql` is that SQL).
   */
  public get createUserSql(): string | undefined {
    const options = this.workloadIdentity;
    if (!options) return undefined;
    return createWorkloadIdentityUserSql({
      user: options.user,
      roleArn: this.role.roleArn,
      issuer: options.issuer,
      role: options.role,
      warehouse: options.warehouse,
      database: options.database,
      schema: options.schema,
    });
  }

  /**
   * With a workload identity: `ALTER USER "<USER>" SET WORKLOAD_IDENTITY = (TYPE = AWS ARN = '...');`,
   * for a user that exists (a key pair it has stays, so a key-pair user moves over without
   * downtime: docs/workload-identity.md). Undefined with a key pair.
   */
  public get alterUserSql(): string | undefined {
    const options = this.workloadIdentity;
    if (!options) return undefined;
    return setWorkloadIdentitySql(options.user, this.role.roleArn, options.issuer);
  }

  /** The function's network connections (it must be in a VPC). */
  public get connections(): ec2.Connections {
    return this.function.connections;
  }

  /** The function's name. */
  public get functionName(): string {
    return this.function.functionName;
  }

  /** The function's ARN. */
  public get functionArn(): string {
    return this.function.functionArn;
  }

  /** Grants permission to invoke the function. */
  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return this.function.grantInvoke(grantee);
  }

  /** Errors (invocations that failed), summed over 5 minutes by default. */
  public metricErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.function.metricErrors(props);
  }

  /** Duration, averaged over 5 minutes by default. */
  public metricDuration(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.function.metricDuration(props);
  }

  /** Invocations, summed over 5 minutes by default. */
  public metricInvocations(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.function.metricInvocations(props);
  }

  /** Throttles, summed over 5 minutes by default. */
  public metricThrottles(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.function.metricThrottles(props);
  }
}

/** How the security group's rule names each AWS service. */
const AWS_SERVICE_NAMES: Record<AwsServiceEndpoint, string> = { secretsmanager: 'Secrets Manager', sts: 'STS', s3: 'S3' };

function validate(scope: Construct, props: SnowflakeConnectorFunctionProps): void {
  if ((props.secret === undefined) === (props.authentication === undefined)) {
    fail(scope, props.secret
      ? 'secret and authentication are both set; give one. secret is short for authentication: SnowflakeAuthentication.keyPair(secret): '
        + 'remove secret to sign in as authentication says, or remove authentication to sign in with the secret\'s key pair.'
      : 'neither secret nor authentication is set: the function must know how to sign in to Snowflake. Give secret (a SnowflakeKeyPairSecret), '
        + 'or authentication: SnowflakeAuthentication.workloadIdentity({ account, user }) to sign in as the function\'s own IAM role (docs/workload-identity.md).');
  }
  if (props.privateLink && props.vpc && props.vpc !== props.privateLink.vpc && props.vpc.vpcId !== props.privateLink.vpc.vpcId) {
    fail(scope, `vpc is not the VPC of privateLink (${props.privateLink.node.path}): a function reaches an interface endpoint from its own VPC only. `
      + 'Leave vpc out to run in the endpoint\'s VPC, or put a PrivateLinkEndpoint in this VPC.');
  }
  const vpc = props.vpc ?? props.privateLink?.vpc;
  if (!vpc) {
    if (props.vpcSubnets) fail(scope, 'vpcSubnets is set without vpc: give the VPC too, or remove vpcSubnets.');
    if (props.securityGroups) fail(scope, 'securityGroups is set without vpc: give the VPC too, or remove securityGroups.');
    if (props.addAwsServiceEndpoints) fail(scope, 'addAwsServiceEndpoints is true without vpc: the endpoints are added to the function\'s VPC, so give vpc.');
  } else {
    let selected: number;
    try {
      selected = vpc.selectSubnets(props.vpcSubnets).subnetIds.length;
    } catch (error) {
      selected = 0;
      fail(scope, `vpcSubnets selects no subnets of the VPC (${(error as Error).message}). Select subnets the VPC has, for example { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }.`);
    }
    if (selected === 0) fail(scope, 'vpcSubnets selects no subnets of the VPC. Select at least one subnet, for example { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }.');
    if (props.securityGroups && props.securityGroups.length === 0) fail(scope, 'securityGroups is empty. Give at least one security group, or leave it out for a default one.');
    if (props.securityGroups && props.allowOcspEgress !== undefined) fail(scope, 'allowOcspEgress applies to the default security group only; you gave securityGroups, so set their egress rules yourself.');
  }
  const timeout = props.timeout ?? DEFAULT_TIMEOUT;
  const statementTimeout = props.statementTimeout;
  if (statementTimeout && !statementTimeout.isUnresolved() && !timeout.isUnresolved()
    && statementTimeout.toSeconds() >= timeout.toSeconds()) {
    Annotations.of(scope).addWarningV2(STATEMENT_OUTLIVES_FUNCTION,
      `statementTimeout (${statementTimeout.toSeconds()} s) is not below the function's timeout (${timeout.toSeconds()} s): `
      + 'Lambda stops the invocation first, and Snowflake goes on running the statement in the warehouse. Set statementTimeout '
      + 'below timeout so that Snowflake cancels it first. If statements submitted with executeAsync are meant to outlive the '
      + `invocation, acknowledge this warning: Annotations.of(fn).acknowledgeWarning('${STATEMENT_OUTLIVES_FUNCTION}').`);
  }
  const concurrency = props.reservedConcurrentExecutions;
  if (concurrency !== undefined && !Token.isUnresolved(concurrency) && !(Number.isInteger(concurrency) && concurrency >= 1)) {
    fail(scope, `reservedConcurrentExecutions is ${concurrency}; it must be a whole number of at least 1 (0 would stop every invocation). Leave it out for no reservation.`);
  }
  const memory = props.memorySize;
  if (memory !== undefined && !Token.isUnresolved(memory) && !(Number.isInteger(memory) && memory >= 128 && memory <= 10240)) {
    fail(scope, `memorySize is ${memory}; Lambda allows 128 to 10240 MiB.`);
  }
  const retries = props.retryAttempts;
  if (retries !== undefined && !Token.isUnresolved(retries) && ![0, 1, 2].includes(retries)) {
    fail(scope, `retryAttempts is ${retries}; Lambda allows 0, 1 or 2.`);
  }
  for (const [name, value] of Object.entries(props.environment ?? {})) {
    if (name.toUpperCase().startsWith(RESERVED_ENV_PREFIX)) {
      fail(scope, `environment sets ${name}: names starting with ${RESERVED_ENV_PREFIX} are reserved for cdk-snowflake-keypair's runtime, and `
        + (RESERVED_ENV_FIX[name] ?? `a setting of yours under that prefix could collide with one of ours. Rename it (for example APP_${name.slice(RESERVED_ENV_PREFIX.length)}).`));
    }
    if (!Token.isUnresolved(value) && KEY_LIKE.test(value)) {
      fail(scope, `environment.${name} looks like key material. Secrets belong in Secrets Manager: the function reads the key from the secret, never from its environment.`);
    }
  }
}

/**
 * The SQL executor's transport: the one asked for, checked against what the SQL API can do, or the
 * default (SQL_API, unless the function signs in with its workload identity or a declared
 * statement needs the driver). A transport that cannot work fails the synth, never the first event.
 */
function sqlExecutorTransport(scope: Construct, options: SqlExecutorOptions, workloadIdentity: boolean): SqlExecutorTransport {
  const asked = options.transport;
  // Binds the SQL API cannot send (research §1.5: SUB "Using bind variables in a statement" shows
  // no form for SQL NULL and no array binding), by statement.
  const needsDriver = Object.entries(options.statements ?? {}).flatMap(([name, statement]) => {
    const nullable = statement.binds.map((b, i) => (b._spec.endsWith('?') ? i : -1)).filter((i) => i >= 0);
    return [
      ...(nullable.length > 0 ? [`statements.${name} has nullable bind(s) ${nullable.join(', ')} (SQL NULL)`] : []),
      ...(statement.arrayBinding ? [`statements.${name} has arrayBinding: true (rows of binds)`] : []),
    ];
  });
  if (asked?.name === SqlExecutorTransport.SQL_API.name) {
    if (workloadIdentity) {
      // AUTH "Using key-pair authentication": the SQL API takes a key-pair JWT (or OAuth); research §1.7.
      fail(scope, 'handler: ConnectorHandler.sqlExecutor({ transport: SqlExecutorTransport.SQL_API }) cannot sign in with authentication: '
        + 'SnowflakeAuthentication.workloadIdentity(...): Snowflake\'s SQL API takes a key-pair JWT only, and a workload identity signs in '
        + 'through the driver. Use transport: SqlExecutorTransport.DRIVER (or leave transport out), or sign in with a key pair (secret).');
    }
    if (needsDriver.length > 0) {
      fail(scope, `handler: ConnectorHandler.sqlExecutor({ transport: SqlExecutorTransport.SQL_API }): ${needsDriver.join('; ')}. Snowflake's SQL API `
        + 'cannot bind SQL NULL or rows of binds. Use transport: SqlExecutorTransport.DRIVER (or leave transport out), or change the statement: '
        + 'write NULL in its SQL instead of a nullable bind, and send one statement per row instead of arrayBinding.');
    }
    return SqlExecutorTransport.SQL_API;
  }
  if (asked?.name === SqlExecutorTransport.DRIVER.name || workloadIdentity || needsDriver.length > 0) return SqlExecutorTransport.DRIVER;
  return SqlExecutorTransport.SQL_API;
}

/**
 * The SQL executor's environment: its declared statements and opt-ins, checked here so that a
 * mistake fails the synth, not the first invocation. Warnings say what the function may run.
 */
function sqlExecutorEnvironment(scope: Construct, options: SqlExecutorOptions): Record<string, string> {
  const statements = options.statements ?? {};
  for (const [name, statement] of Object.entries(statements)) {
    if (!STATEMENT_NAME.test(name)) {
      fail(scope, `statements has the name ${JSON.stringify(name)}; names are letters, digits and underscores, starting with a letter, `
        + 'at most 64 characters (events give it as "run"). Rename it, for example mergeCustomers.');
    }
    const sql = statement.sql;
    if (Token.isUnresolved(sql)) {
      fail(scope, `statements.${name} has SQL that is a token; declared SQL must be a literal, so that it can be checked here and reviewed in the `
        + 'template. Give the values that vary as binds.');
    }
    if (sql.trim() === '') fail(scope, `statements.${name} has empty SQL. Give the statement's text, with ? for each bind.`);
    const { question, highestNumbered } = placeholdersOf(sql);
    if (question > 0 && highestNumbered > 0) {
      fail(scope, `statements.${name} mixes ? and :n placeholders; the driver binds one style per statement. Use ? throughout.`);
    }
    const placeholders = question + highestNumbered;
    if (placeholders !== statement.binds.length) {
      fail(scope, `statements.${name} has ${placeholders} bind placeholder(s) in its SQL and ${statement.binds.length} bind type(s) `
        + `(${statement.binds.map((b) => b.name).join(', ') || 'none'}). Give one BindType in binds for each ? placeholder, in order.`);
    }
  }
  const names = Object.keys(statements);
  if (options.allowAnySql) {
    Annotations.of(scope).addWarningV2(RUNS_ANY_SQL,
      'The SQL executor runs SQL text from its events (allowAnySql: true): whoever may invoke this function may run any statement '
      + 'the secret\'s Snowflake user may run, such as USE ROLE, ALTER USER ... ADD PROGRAMMATIC ACCESS TOKEN (a token that outlives '
      + 'key rotation), or reads of every table its roles can see; it gets around restrictReadToGrantees. Prefer declared '
      + 'statements (statements: { name: SqlStatement.of(...) }). If callers must send SQL, limit who may invoke the function, then '
      + `acknowledge this warning: Annotations.of(fn).acknowledgeWarning('${RUNS_ANY_SQL}', 'why').`);
  } else if (names.length === 0) {
    Annotations.of(scope).addWarningV2(RUNS_NOTHING,
      'The SQL executor has no declared statements, so it refuses every event. Declare the statements its callers may run: '
      + 'handler: ConnectorHandler.sqlExecutor({ statements: { mergeCustomers: SqlStatement.of(\'MERGE ... WHERE ID = ?\', '
      + '{ binds: [BindType.NUMBER] }) } }), and invoke it with { "run": "mergeCustomers", "binds": [42] } (docs/connector-function.md). '
      + `If a function that runs nothing is what you mean, acknowledge this warning: Annotations.of(fn).acknowledgeWarning('${RUNS_NOTHING}').`);
  }
  const value = serializeSqlExecutorConfig({
    statements: Object.fromEntries(Object.entries(statements).map(([name, s]) => [name, { sql: s.sql, binds: s.binds.map((b) => b._spec) }])),
    anySql: options.allowAnySql,
    eventBridgeDetail: options.eventBridgeDetail,
  });
  return value === '{}' ? {} : { [SQL_EXECUTOR_ENV]: value };
}

/**
 * Lambda's 4 KB limit on the environment, checked at synth with what is known: unresolved values
 * are counted as TOKEN_ESTIMATE_BYTES.
 */
function checkEnvironmentSize(scope: Construct, environment: Record<string, string>): void {
  const bytes = Object.entries(environment).reduce((sum, [name, value]) =>
    sum + Buffer.byteLength(name) + (Token.isUnresolved(value) ? TOKEN_ESTIMATE_BYTES : Buffer.byteLength(value)), 0);
  if (bytes <= ENVIRONMENT_LIMIT_BYTES) return;
  const statements = environment[SQL_EXECUTOR_ENV] ? Buffer.byteLength(environment[SQL_EXECUTOR_ENV]) : 0;
  fail(scope, `The function's environment is about ${bytes} bytes, over Lambda's ${ENVIRONMENT_LIMIT_BYTES}-byte limit `
    + `(names and values together)${statements ? `; its declared statements take ${statements} bytes (${SQL_EXECUTOR_ENV})` : ''}. `
    + 'Move long SQL into Snowflake (a stored procedure or a view the statement calls), split the statements over two functions, '
    + 'or shorten environment.');
}
