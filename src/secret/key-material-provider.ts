import { Aws, Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { acknowledge } from '../private/acknowledgements';
import { internalFunction } from '../private/internal-function';
import { stackSingleton } from '../private/stack-singleton';
import { STACK_ID_ENV } from '../shared/pinned-environment';

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
    return stackSingleton(scope, 'SnowflakeKeyMaterialProvider', (stack, id) => new KeyMaterialProvider(stack, id));
  }

  public readonly role: iam.Role;
  public readonly function: lambda.Function;

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    const created = internalFunction(this, {
      asset: 'key-material',
      handler: 'index.handler',
      description: 'cdk-snowflake-keypair: generates Snowflake key pairs into Secrets Manager at deploy time',
      roleDescription: 'cdk-snowflake-keypair key-material custom resource: writes key pairs into its stack\'s Snowflake secrets',
      // RSA-4096 generation is CPU-bound; 1 GiB buys enough CPU to stay well inside the timeout.
      memorySize: 1024,
      timeout: Duration.minutes(2),
      // The stack it answers for: events from any other stack are refused.
      environment: { [STACK_ID_ENV]: Aws.STACK_ID },
    });
    this.role = created.role;
    this.function = created.function;
    acknowledge(this.function, 'providerFunction');
    acknowledge(created.logGroup, 'providerLogGroup');
  }
}
