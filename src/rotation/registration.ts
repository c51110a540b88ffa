import { CustomResource, Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { RegistrationNetwork, RegistrationProvider } from './registration-provider';
import { fail } from '../private/validation';
import { REGISTRATION_RESOURCE_TYPE, RegistrationOnDelete, RegistrationProperty as P } from '../shared/custom-resources';
import { WorkloadIdentityConnection } from '../shared/workload-identity';

/** A key pair to register: the secret that holds it. */
export interface KeyPairRegistration {
  /** The secret whose key is registered (its ARN). */
  readonly secretArn: string;
  /** The key's fingerprint: a new key changes it, and so registers again. */
  readonly fingerprint: string;
}

/** A workload identity to register: a function's IAM role. */
export interface WorkloadIdentityRegistration {
  /** The user and its defaults (the fields of CONNECTION_FIELDS). */
  readonly connection: WorkloadIdentityConnection;
  /** The IAM role's ARN (a token: resolved at deploy). */
  readonly roleArn: string;
  /** With the OUTBOUND_TOKEN attestation: the account's STS JWT issuer URL. */
  readonly issuer?: string;
}

/**
 * What one registration needs: plain values, so that this folder never imports the secret's or the
 * function's types. Exactly one of `keyPair` and `workloadIdentity`.
 */
export interface RegistrationProps {
  /** The key pair in a secret, to register (the caller grants the provider's role read of the secret). */
  readonly keyPair?: KeyPairRegistration;
  /** The function's workload identity, to register. */
  readonly workloadIdentity?: WorkloadIdentityRegistration;
  /** The administrator's secret (its ARN). The caller grants the provider's role read of it. */
  readonly adminSecretArn: string;
  readonly createUser: boolean;
  readonly onDelete: RegistrationOnDelete;
  /** How the registration function reaches Snowflake. */
  readonly network: RegistrationNetwork;
  /** What must exist before the registration runs (the key in the secret). */
  readonly after: IConstruct[];
}

/**
 * The registration custom resource of one SnowflakeKeyPairSecret (docs/rotation.md, "Registration
 * at deploy"), or of one SnowflakeConnectorFunction's workload identity (docs/workload-identity.md):
 * served by the stack's RegistrationProvider for its network. Not exported from index.ts.
 *
 * A key pair's properties are the ones it always had (SecretId, AdminSecretId, CreateUser, OnDelete,
 * Fingerprint), so that a deployed stack's template does not change. A workload identity's carry
 * `Authentication: WORKLOAD_IDENTITY`, the user's settings, the role's ARN (and issuer), and no
 * secret but the administrator's.
 *
 * The custom resource is this construct's `Default` child, so its logical id is the one a custom
 * resource at the secret's `Registration` path had before this construct existed: moving it here
 * replaces nothing in a deployed stack.
 */
export class Registration extends Construct {
  /** The role of the function that registers: it must read the secret and the administrator's secret. */
  public readonly role: iam.IRole;
  public readonly resource: CustomResource;

  /** `scope` is the secret (or the function): errors name its path, and the provider is looked up from it. */
  constructor(scope: Construct, id: string, props: RegistrationProps) {
    super(scope, id);
    if ((props.keyPair === undefined) === (props.workloadIdentity === undefined)) {
      fail(scope, 'a registration registers either a key pair or a workload identity: give exactly one (a bug in cdk-snowflake-keypair).');
    }
    const provider = RegistrationProvider.of(scope, props.network);
    this.role = provider.role;
    this.resource = new CustomResource(this, 'Default', {
      serviceToken: provider.function.functionArn,
      resourceType: REGISTRATION_RESOURCE_TYPE,
      serviceTimeout: Duration.minutes(5),
      properties: props.keyPair ? {
        [P.SECRET_ID]: props.keyPair.secretArn,
        [P.ADMIN_SECRET_ID]: props.adminSecretArn,
        [P.CREATE_USER]: String(props.createUser),
        [P.ON_DELETE]: props.onDelete,
        [P.FINGERPRINT]: props.keyPair.fingerprint,
      } : workloadIdentityProperties(props, props.workloadIdentity!),
    });
    // After the key is in the secret, after the role may read both secrets, and (in a VPC) after
    // the function's network path exists.
    this.resource.node.addDependency(...props.after, provider.role, ...provider.networkPath);
  }
}

/** The properties of a workload identity's registration. */
function workloadIdentityProperties(props: RegistrationProps, identity: WorkloadIdentityRegistration): Record<string, unknown> {
  // The connection object holds only the fields given (CloudFormation drops no undefined for us).
  const connection = Object.fromEntries(Object.entries(identity.connection).filter(([, v]) => v !== undefined));
  return {
    [P.AUTHENTICATION]: 'WORKLOAD_IDENTITY',
    [P.ADMIN_SECRET_ID]: props.adminSecretArn,
    [P.CREATE_USER]: String(props.createUser),
    [P.ON_DELETE]: props.onDelete,
    [P.CONNECTION]: connection,
    [P.WORKLOAD_IDENTITY_ARN]: identity.roleArn,
    ...(identity.issuer !== undefined ? { [P.WORKLOAD_IDENTITY_ISSUER]: identity.issuer } : {}),
  };
}
