import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge } from './acknowledgements';
import { bundledAsset } from './assets';
import { LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME } from './lambda-defaults';
import { libraryLogGroup } from './log-group';
import { allowVpcNetworkInterfaces } from './vpc-network-interfaces';

/** What differs between the library's own functions (key material, registration, rotation). */
export interface InternalFunctionProps {
  /** The bundled asset under assets/. */
  readonly asset: string;
  readonly handler: string;
  readonly description: string;
  readonly roleDescription: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly environment?: Record<string, string>;
  /** Run in this VPC, with these subnets and security groups. */
  readonly vpc?: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
  readonly securityGroups?: ec2.ISecurityGroup[];
  /** Encrypt the function's log group with this key. */
  readonly logEncryptionKey?: kms.IKey;
}

export interface InternalFunction {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
}

/**
 * A function the library runs for itself, as children of `scope` (ids LogGroup, Role, LogPolicy,
 * Function, and VpcAccessPolicy in a VPC): its own role with no AWS managed policy, logs only to its own log group (kept one
 * year), JSON logs at INFO. Callers add their permissions to `role` and acknowledge what applies.
 * Not exported from index.ts.
 */
export function internalFunction(scope: Construct, props: InternalFunctionProps): InternalFunction {
  const logGroup = libraryLogGroup(scope, 'LogGroup', { retention: logs.RetentionDays.ONE_YEAR, encryptionKey: props.logEncryptionKey });
  const role = new iam.Role(scope, 'Role', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: props.roleDescription,
  });
  const logPolicy = new iam.Policy(scope, 'LogPolicy', {
    roles: [role],
    statements: [new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] })],
  });
  const fn = new lambda.Function(scope, 'Function', {
    description: props.description,
    runtime: LAMBDA_RUNTIME,
    architecture: LAMBDA_ARCHITECTURE,
    code: lambda.Code.fromAsset(bundledAsset(props.asset)),
    handler: props.handler,
    role,
    memorySize: props.memorySize,
    timeout: props.timeout,
    environment: props.environment,
    vpc: props.vpc,
    vpcSubnets: props.vpc ? props.vpcSubnets : undefined,
    securityGroups: props.securityGroups,
    logGroup,
    loggingFormat: lambda.LoggingFormat.JSON,
    applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
    systemLogLevelV2: lambda.SystemLogLevel.WARN,
  });
  fn.node.addDependency(logPolicy);
  if (props.vpc) allowVpcNetworkInterfaces(scope, 'VpcAccessPolicy', role, fn);
  acknowledge(role, 'inlinePolicy');
  acknowledge(logPolicy, 'inlinePolicy');
  return { function: fn, role, logGroup };
}
