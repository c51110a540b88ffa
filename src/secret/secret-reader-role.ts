import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ISnowflakeKeyPairSecret } from './snowflake-keypair-secret-base';
import { acknowledge } from '../private/acknowledgements';

/** Properties of a `SecretReaderRole`. */
export interface SecretReaderRoleProps {
  /** The one secret this role can read. */
  readonly secret: ISnowflakeKeyPairSecret;

  /**
   * Who can assume the role: a Lambda function (the default), an ECS task
   * (`ecs-tasks.amazonaws.com`), a Glue job (`glue.amazonaws.com`), EC2, or any principal.
   *
   * @default new iam.ServicePrincipal('lambda.amazonaws.com')
   */
  readonly assumedBy?: iam.IPrincipal;

  /**
   * Restrict reads to these version stages, for example `['AWSCURRENT']`, or
   * `['AWSCURRENT', 'AWSPENDING']` for code that must read a key during rotation.
   * Callers must then name the stage in GetSecretValue, as the connector does.
   *
   * @default - any version stage
   */
  readonly versionStages?: string[];

  /**
   * A name for the role.
   *
   * @default - a name CloudFormation generates
   */
  readonly roleName?: string;

  /**
   * A permissions boundary for the role.
   *
   * @default - no permissions boundary
   */
  readonly permissionsBoundary?: iam.IManagedPolicy;

  /**
   * Description of the role.
   *
   * @default - "Reads the Snowflake key-pair secret <arn> (cdk-snowflake-keypair)"
   */
  readonly description?: string;

  /**
   * The maximum session duration.
   *
   * @default Duration.hours(1)
   */
  readonly maxSessionDuration?: Duration;
}

/**
 * An IAM role that can read exactly one Snowflake key-pair secret, and nothing else.
 *
 * It grants `secretsmanager:GetSecretValue` on that secret's ARN (`-??????` for secrets
 * imported by name, never `*`) and, for a customer-managed key, `kms:Decrypt` on that key only
 * through Secrets Manager and only for that secret (`kms:EncryptionContext:SecretARN`). It is
 * an `iam.Role`, so it serves as a Lambda execution role, an ECS task role, a Glue job role or an
 * EC2 instance role; add what else the workload needs to it.
 *
 * @example
 *
 * import { SecretReaderRole, SnowflakeKeyPairSecret } from 'cdk-snowflake-keypair';
 *
 * declare const secret: SnowflakeKeyPairSecret;
 * const role = new SecretReaderRole(this, 'Reader', {
 *   secret,
 *   versionStages: ['AWSCURRENT'],
 * });
 */
export class SecretReaderRole extends iam.Role {
  /** The secret this role reads. */
  public readonly secret: ISnowflakeKeyPairSecret;

  constructor(scope: Construct, id: string, props: SecretReaderRoleProps) {
    super(scope, id, {
      assumedBy: props.assumedBy ?? new iam.ServicePrincipal('lambda.amazonaws.com'),
      roleName: props.roleName,
      permissionsBoundary: props.permissionsBoundary,
      maxSessionDuration: props.maxSessionDuration,
      description: props.description ?? 'Reads one Snowflake key-pair secret (cdk-snowflake-keypair)',
    });
    this.secret = props.secret;
    props.secret.grantRead(this, props.versionStages);
    acknowledge(this, 'inlinePolicy');
  }
}
