import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { internalFunction, stackSingleton } from '../function/internal-function';
import { acknowledge } from '../secret/acknowledgements';

/**
 * The Lambda behind every registration custom resource in a stack: one per stack, shared by the
 * SnowflakeKeyPairSecrets with `registration`. Each secret grants its role read of its own secret
 * and of its administrator's secret, at AWSCURRENT only. Not exported from index.ts.
 */
export class RegistrationProvider extends Construct {
  /** Returns the stack's provider, creating it on first use. */
  public static of(scope: Construct): RegistrationProvider {
    return stackSingleton(scope, 'SnowflakeUserRegistrationProvider', (stack, id) => new RegistrationProvider(stack, id));
  }

  public readonly role: iam.Role;
  public readonly function: lambda.Function;

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    const created = internalFunction(this, {
      // The administrator functions share one bundle (assets/rotation).
      asset: 'rotation',
      handler: 'index.registrationHandler',
      description: 'cdk-snowflake-keypair: registers the generated public key with the Snowflake user at deploy time',
      roleDescription: 'cdk-snowflake-keypair registration custom resource: reads its stack\'s Snowflake secrets and their administrators\' secrets',
      memorySize: 512,
      timeout: Duration.minutes(2),
    });
    this.role = created.role;
    this.function = created.function;
    acknowledge(this.function, 'registrationFunction');
    acknowledge(created.logGroup, 'registrationLogGroup');
  }
}
