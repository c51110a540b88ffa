import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge } from './acknowledgements';
import { bundledAsset } from '../function/assets';
import { LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME } from '../function/lambda-defaults';

/**
 * The Lambda behind every key-material custom resource in a stack: one per stack, shared by
 * all SnowflakeKeyPairSecrets in it. Each secret attaches its own policy to the role, scoped
 * to that secret only.
 *
 * Not exported from index.ts.
 */
export class KeyMaterialProvider extends Construct {
  /** Returns the stack's provider, creating it on first use. */
  public static of(scope: Construct): KeyMaterialProvider {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(KeyMaterialProvider.ID);
    return existing instanceof KeyMaterialProvider ? existing : new KeyMaterialProvider(stack, KeyMaterialProvider.ID);
  }

  private static readonly ID = 'SnowflakeKeyMaterialProvider';

  public readonly role: iam.Role;
  public readonly function: lambda.Function;

  private constructor(scope: Construct, id: string) {
    super(scope, id);

    const logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: logs.RetentionDays.ONE_YEAR,
    });

    // Our own role: no AWS managed policy, logs only to this function's log group.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'cdk-snowflake-keypair key-material custom resource: writes key pairs into its stack\'s Snowflake secrets',
    });
    const logPolicy = new iam.Policy(this, 'LogPolicy', {
      statements: [new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      })],
    });
    this.role.attachInlinePolicy(logPolicy);

    this.function = new lambda.Function(this, 'Function', {
      description: 'cdk-snowflake-keypair: generates Snowflake key pairs into Secrets Manager at deploy time',
      runtime: LAMBDA_RUNTIME,
      architecture: LAMBDA_ARCHITECTURE,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(bundledAsset('key-material')),
      role: this.role,
      // RSA-4096 generation is CPU-bound; 1 GiB buys enough CPU to stay well inside the timeout.
      memorySize: 1024,
      timeout: Duration.minutes(2),
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
    });
    this.function.node.addDependency(logPolicy);

    acknowledge(this.function, 'providerFunction');
    acknowledge(logGroup, 'providerLogGroup');
    acknowledge(this.role, 'inlinePolicy');
    acknowledge(logPolicy, 'inlinePolicy');
  }
}
