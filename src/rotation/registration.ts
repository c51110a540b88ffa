import { CustomResource, Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { RegistrationNetwork, RegistrationProvider } from './registration-provider';
import { REGISTRATION_RESOURCE_TYPE, RegistrationOnDelete, RegistrationProperty as P } from '../shared/custom-resources';

/** What one registration needs: plain values, so that this folder never imports the secret's types. */
export interface RegistrationProps {
  /** The secret whose key is registered (its ARN). */
  readonly secretArn: string;
  /** The administrator's secret (its ARN). The caller grants the provider's role read of both secrets. */
  readonly adminSecretArn: string;
  readonly createUser: boolean;
  readonly onDelete: RegistrationOnDelete;
  /** The key's fingerprint: a new key changes it, and so registers again. */
  readonly fingerprint: string;
  /** How the registration function reaches Snowflake. */
  readonly network: RegistrationNetwork;
  /** What must exist before the registration runs: the key in the secret. */
  readonly after: IConstruct[];
}

/**
 * The registration custom resource of one SnowflakeKeyPairSecret (docs/rotation.md, "Registration
 * at deploy"): served by the stack's RegistrationProvider for its network. Not exported from index.ts.
 *
 * The custom resource is this construct's `Default` child, so its logical id is the one a custom
 * resource at the secret's `Registration` path had before this construct existed: moving it here
 * replaces nothing in a deployed stack.
 */
export class Registration extends Construct {
  /** The role of the function that registers: it must read the secret and the administrator's secret. */
  public readonly role: iam.IRole;
  public readonly resource: CustomResource;

  /** `scope` is the secret: errors name its path, and the provider is looked up from it. */
  constructor(scope: Construct, id: string, props: RegistrationProps) {
    super(scope, id);
    const provider = RegistrationProvider.of(scope, props.network);
    this.role = provider.role;
    this.resource = new CustomResource(this, 'Default', {
      serviceToken: provider.function.functionArn,
      resourceType: REGISTRATION_RESOURCE_TYPE,
      serviceTimeout: Duration.minutes(5),
      properties: {
        [P.SECRET_ID]: props.secretArn,
        [P.ADMIN_SECRET_ID]: props.adminSecretArn,
        [P.CREATE_USER]: String(props.createUser),
        [P.ON_DELETE]: props.onDelete,
        [P.FINGERPRINT]: props.fingerprint,
      },
    });
    // After the key is in the secret, after the role may read both secrets, and (in a VPC) after
    // the function's network path exists.
    this.resource.node.addDependency(...props.after, provider.role, ...provider.networkPath);
  }
}
