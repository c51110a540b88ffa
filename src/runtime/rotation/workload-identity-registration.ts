/**
 * Registration at deploy of a function's workload identity (`Authentication: WORKLOAD_IDENTITY`):
 * the custom resource that leaves a Snowflake service user trusting the function's IAM role. No
 * secret and no key; as the administrator (the admin secret's user and role, refused when it is
 * ACCOUNTADMIN, SECURITYADMIN, ORGADMIN or USERADMIN, as for key pairs):
 *
 * - Create: `CREATE USER IF NOT EXISTS ... TYPE = SERVICE ... WORKLOAD_IDENTITY = (TYPE = AWS ARN = '...')`
 *   when the user does not exist and CreateUser is true; `ALTER USER ... SET WORKLOAD_IDENTITY` on a
 *   user that exists without one; nothing when it trusts the role already. A user trusting another
 *   identity is never changed (it may be another function's). SHOW USER WORKLOAD IDENTITY
 *   AUTHENTICATION METHODS must then show the role.
 * - Update: the same with the ARN now. The identity this resource set before (its physical id) is
 *   replaced by the new one; CloudFormation's clean-up Delete of the old id then finds that the
 *   user no longer trusts the old role, and leaves the user alone.
 * - Delete: `ALTER USER ... UNSET WORKLOAD_IDENTITY` only when the resource set the identity
 *   (`set` in its physical id) and the user still trusts exactly that role (partition, account,
 *   role name); with `OnDelete: RETAIN_IDENTITY`, nothing. Never drops the user.
 *
 * Responses carry the user and the role ARN (neither is secret).
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { AdminSession, UserWorkloadIdentity } from './admin-session';
import { RotationError } from './user-keys';
import { REGISTRATION_ON_DELETE, RegistrationOnDelete, RegistrationProperty as P } from '../../shared/custom-resources';
import { CONNECTION_FIELDS } from '../../shared/secret-format';
import { quoteIdentifier } from '../../shared/snowflake-identifiers';
import {
  createWorkloadIdentityUserSql,
  roleOfArn,
  setWorkloadIdentitySql,
  WorkloadIdentityConnection,
} from '../../shared/workload-identity';
import { ConnectorOptions, SnowflakeConnector } from '../connector/connector';
import type { CustomResourceResult } from '../shared/cfn-response';
import { ConfigurationError } from '../shared/errors';
import { log } from '../shared/log';

/** The values of `Authentication` this handler serves. */
export const WORKLOAD_IDENTITY_AUTHENTICATION = 'WORKLOAD_IDENTITY';

/** Whether a registration event is a workload identity's (its properties say `Authentication: WORKLOAD_IDENTITY`). */
export function isWorkloadIdentityEvent(event: CloudFormationCustomResourceEvent): boolean {
  return event.ResourceProperties?.[P.AUTHENTICATION] === WORKLOAD_IDENTITY_AUTHENTICATION;
}

export interface WorkloadIdentityRegistrationProperties {
  readonly adminSecretId: string;
  readonly connection: WorkloadIdentityConnection;
  /** `arn:<partition>:iam::<account>:role/[path/]<name>`. */
  readonly roleArn: string;
  readonly issuer?: string;
  readonly createUser: boolean;
  readonly onDelete: Extract<RegistrationOnDelete, 'REMOVE_IDENTITY' | 'RETAIN_IDENTITY'>;
}

export function workloadIdentityRegistrationProperties(raw: Record<string, unknown> | undefined): WorkloadIdentityRegistrationProperties {
  const text = (name: string): string => {
    const value = raw?.[name];
    if (typeof value !== 'string' || value === '') throw new ConfigurationError('CONFIG_INVALID', `The custom resource's ${name} property is missing`);
    return value;
  };
  const rawConnection = raw?.[P.CONNECTION];
  if (!rawConnection || typeof rawConnection !== 'object' || Array.isArray(rawConnection)) {
    throw new ConfigurationError('CONFIG_INVALID', `The custom resource's ${P.CONNECTION} property must be an object with at least account and user`);
  }
  const connection: Record<string, string> = {};
  for (const field of CONNECTION_FIELDS) {
    const value = (rawConnection as Record<string, unknown>)[field];
    if (value !== undefined && value !== null && value !== '') connection[field] = String(value);
  }
  if (!connection.account || !connection.user) {
    throw new ConfigurationError('CONFIG_INVALID', `The custom resource's ${P.CONNECTION} property must include account and user`);
  }
  const roleArn = text(P.WORKLOAD_IDENTITY_ARN);
  if (!/^arn:aws[a-z-]*:iam::\d{12}:role\//.test(roleArn) || !roleOfArn(roleArn)) {
    throw new ConfigurationError('CONFIG_INVALID', `${P.WORKLOAD_IDENTITY_ARN} is ${JSON.stringify(roleArn)}; expected an IAM role ARN, `
      + 'arn:aws:iam::<account>:role/<name>');
  }
  const onDelete = raw?.[P.ON_DELETE] ?? 'REMOVE_IDENTITY';
  if (onDelete !== 'REMOVE_IDENTITY' && onDelete !== 'RETAIN_IDENTITY') {
    throw new ConfigurationError('CONFIG_INVALID', `${P.ON_DELETE} is ${JSON.stringify(onDelete)}; a workload identity's registration expects `
      + `REMOVE_IDENTITY or RETAIN_IDENTITY (of ${REGISTRATION_ON_DELETE.join(', ')})`);
  }
  const issuer = raw?.[P.WORKLOAD_IDENTITY_ISSUER];
  return {
    adminSecretId: text(P.ADMIN_SECRET_ID),
    connection: connection as WorkloadIdentityConnection,
    roleArn,
    ...(typeof issuer === 'string' && issuer !== '' ? { issuer } : {}),
    createUser: raw?.[P.CREATE_USER] !== 'false',
    onDelete,
  };
}

/** The physical id: which account, user and role this resource registered, and whether it set the identity (`set`) or found it (`found`). */
export interface WorkloadIdentityRegistration {
  readonly account: string;
  readonly user: string;
  readonly roleArn: string;
  readonly setByUs: boolean;
}

const ID_PREFIX = 'snowflake-workload-identity';

export function workloadIdentityRegistrationId(r: WorkloadIdentityRegistration): string {
  return [ID_PREFIX, r.account, r.user, r.roleArn, r.setByUs ? 'set' : 'found'].map(encodeURIComponent).join('/');
}

export function parseWorkloadIdentityRegistrationId(id: string): WorkloadIdentityRegistration | undefined {
  const parts = id.split('/').map(decodeURIComponent);
  if (parts.length !== 5 || parts[0] !== ID_PREFIX || !roleOfArn(parts[3]) || !['set', 'found'].includes(parts[4])) return undefined;
  return { account: parts[1], user: parts[2], roleArn: parts[3], setByUs: parts[4] === 'set' };
}

/** Whether the user's identity is exactly this role: AWS, IAM_ROLE, same partition, account and name (IAM role names are case-insensitive). */
export function trustsRole(identity: UserWorkloadIdentity | undefined, roleArn: string): boolean {
  const role = roleOfArn(roleArn);
  if (!identity || !role || identity.type !== 'AWS') return false;
  return identity.awsPartition === role.partition && identity.awsAccount === role.account
    && (identity.awsType ?? 'IAM_ROLE') === 'IAM_ROLE' && identity.iamRole?.toLowerCase() === role.name.toLowerCase();
}

function describeIdentity(identity: UserWorkloadIdentity): string {
  return identity.type === 'AWS'
    ? `AWS ${identity.awsType ?? 'identity'} ${identity.iamRole ?? '?'} in account ${identity.awsAccount ?? '?'} (partition ${identity.awsPartition ?? '?'})`
    : `a ${identity.type} identity`;
}

export class WorkloadIdentityRegistrar {
  constructor(
    private readonly connector: Partial<ConnectorOptions> = {},
    private readonly connectorFor: (options: ConnectorOptions) => SnowflakeConnector = (options) => new SnowflakeConnector(options),
  ) {}

  async handle(event: CloudFormationCustomResourceEvent): Promise<CustomResourceResult> {
    if (event.RequestType === 'Delete') return this.delete(event.PhysicalResourceId, event.ResourceProperties);
    const previous = event.RequestType === 'Update' ? parseWorkloadIdentityRegistrationId(event.PhysicalResourceId) : undefined;
    return this.register(workloadIdentityRegistrationProperties(event.ResourceProperties), previous);
  }

  async register(props: WorkloadIdentityRegistrationProperties, previous?: WorkloadIdentityRegistration): Promise<CustomResourceResult> {
    const { connection, roleArn, issuer } = props;
    const { user } = connection;
    const account = connection.account.toUpperCase();
    return this.asAdmin(props.adminSecretId, async (admin) => {
      let created = false;
      let found = false;
      if (!await admin.userExists(user)) {
        if (!props.createUser) {
          throw new RotationError('ROTATION_REFUSED', `User ${quoteIdentifier(user)} does not exist (or the administrator's role cannot see it), and `
            + 'createUser is off. Create the user in Snowflake (the function\'s create-user SQL: '
            + `${createWorkloadIdentityUserSql({ ...connection, roleArn, issuer })}), or turn createUser on and grant the administrator's role CREATE USER`);
        }
        await admin.createWorkloadIdentityUser({ ...connection, roleArn, issuer });
        if (!await admin.userExists(user)) {
          throw new RotationError('ROTATION_REFUSED', `User ${quoteIdentifier(user)} exists, but the administrator's role cannot see it (DESC USER fails), `
            + 'so its identity cannot be checked. Grant the role MODIFY PROGRAMMATIC AUTHENTICATION METHODS on the user (or ownership); nothing was changed');
        }
        created = true;
      }
      const before = await admin.workloadIdentityOf(user);
      // Whether what the user trusts now is what this resource set before (an update's previous registration).
      const setBefore = previous?.setByUs === true && previous.account === account && previous.user === user && trustsRole(before, previous.roleArn);
      if (trustsRole(before, roleArn)) {
        // Created just now (CREATE USER IF NOT EXISTS set it), set by this resource before, or found there.
        found = !created && !setBefore;
      } else {
        if (before && !setBefore) {
          throw new RotationError('ROTATION_REFUSED', `User ${quoteIdentifier(user)} already trusts ${describeIdentity(before)}${created
            ? ' (it existed before this registration ran)' : ''}; registration never replaces an identity it did not set. If that identity is `
            + `no longer used, unset it (ALTER USER ${quoteIdentifier(user)} UNSET WORKLOAD_IDENTITY), then deploy again; nothing was changed`);
        }
        await admin.setWorkloadIdentity(user, roleArn, issuer);
        const after = await admin.workloadIdentityOf(user);
        if (!trustsRole(after, roleArn)) {
          throw new RotationError('ROTATION_VERIFY_FAILED', `After ${setWorkloadIdentitySql(user, roleArn, issuer)} SHOW USER WORKLOAD IDENTITY `
            + `AUTHENTICATION METHODS shows ${after ? describeIdentity(after) : 'no identity'} instead of role ${roleArn}`);
        }
      }
      log('INFO', found ? 'Registration: the user trusts the role already' : 'Registration: workload identity registered', {
        user, workloadIdentityArn: roleArn, userCreated: created,
      });
      return {
        physicalResourceId: workloadIdentityRegistrationId({ account, user, roleArn, setByUs: !found }),
        data: { User: user, WorkloadIdentityArn: roleArn, UserCreated: String(created) },
      };
    });
  }

  /**
   * Unsets the identity this resource set, if the user still trusts exactly that role; never
   * drops the user, never touches another identity. The physical id names the user and role; the
   * check against SHOW USER WORKLOAD IDENTITY AUTHENTICATION METHODS makes sure only that identity
   * goes, and the administrator's grants bound which users it can reach.
   */
  async delete(physicalResourceId: string, raw: Record<string, unknown> | undefined): Promise<CustomResourceResult> {
    const registration = parseWorkloadIdentityRegistrationId(physicalResourceId);
    const done = { physicalResourceId };
    if (!registration) {
      log('INFO', 'Delete: this resource registered nothing', { physicalResourceId });
      return done;
    }
    const props = workloadIdentityRegistrationProperties(raw);
    if (props.onDelete === 'RETAIN_IDENTITY' || !registration.setByUs) {
      log('INFO', 'Delete: the workload identity stays', {
        user: registration.user,
        workloadIdentityArn: registration.roleArn,
        reason: props.onDelete === 'RETAIN_IDENTITY' ? 'RETAIN_IDENTITY' : 'it was there before',
      });
      return done;
    }
    const { user, roleArn } = registration;
    return this.asAdmin(props.adminSecretId, async (admin) => {
      if (!await admin.userExists(user)) {
        log('INFO', 'Delete: the user no longer exists', { user });
        return done;
      }
      const identity = await admin.workloadIdentityOf(user);
      if (!trustsRole(identity, roleArn)) {
        log('INFO', 'Delete: the user no longer trusts the role this resource set, so it is left alone', {
          user, workloadIdentityArn: roleArn, now: identity ? describeIdentity(identity) : 'none',
        });
        return done;
      }
      await admin.unsetWorkloadIdentity(user);
      const after = await admin.workloadIdentityOf(user);
      if (trustsRole(after, roleArn)) {
        throw new RotationError('ROTATION_VERIFY_FAILED', `After ALTER USER ${quoteIdentifier(user)} UNSET WORKLOAD_IDENTITY, the user still trusts ${roleArn}`);
      }
      log('INFO', 'Delete: the workload identity this resource set is removed', { user, workloadIdentityArn: roleArn });
      return done;
    });
  }

  private asAdmin<T>(adminSecretId: string, work: (admin: AdminSession) => Promise<T>): Promise<T> {
    return AdminSession.run(this.connectorFor({ ...this.connector, secretId: adminSecretId }), 'registration', work);
  }
}
