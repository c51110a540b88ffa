import { CfnOutput, CustomResource, Duration, Lazy, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ImportedSnowflakeKeyPairSecret } from './imported-snowflake-keypair-secret';
import { KeyMaterialProvider } from './key-material-provider';
import { KeyRegistrationOptions, RegisteredKeyOnDelete } from './key-registration';
import { KeyRotationOptions, RetireOldKey } from './key-rotation';
import { KeySource } from './key-source';
import { ISnowflakeKeyPairSecret, SnowflakeKeyPairSecretAttributes, SnowflakeKeyPairSecretBase } from './snowflake-keypair-secret-base';
import { acknowledge } from '../private/acknowledgements';
import { viaSecretsManager } from '../private/kms-via-secrets-manager';
import { fail } from '../private/validation';
import { Registration } from '../rotation/registration';
import { RotationFunction } from '../rotation/rotation-function';
import { KEY_MATERIAL_RESOURCE_TYPE, KeyMaterialAttribute, KeyMaterialProperty as P } from '../shared/custom-resources';
import {
  accountIdentifierProblem,
  hostProblem,
  objectNameProblem,
  userNameProblem,
} from '../shared/snowflake-identifiers';
import { alterUserSql, createUserSql, describeUserSql } from '../shared/snowflake-sql';

/** Properties of a `SnowflakeKeyPairSecret`. */
export interface SnowflakeKeyPairSecretProps {
  /**
   * The Snowflake account identifier: `orgname-accountname` (preferred, for example
   * `myorg-my_account`), or a legacy account locator with optional region and cloud, in any case
   * (`xy12345`, `xy12345.us-east-2.aws`, `XY12345.US-EAST-1`).
   *
   * Not a URL, and without `.snowflakecomputing.com`. The connector reaches the account at
   * `<account>.snowflakecomputing.com` with underscores written as hyphens, as Snowflake asks
   * for host names. For PrivateLink, set `host` as well.
   */
  readonly account: string;

  /**
   * The login name of the Snowflake service user that authenticates with this key pair, for
   * example `SVC_LOADER` or `svc.loader@example.com`.
   *
   * Any login name Snowflake accepts: dots, hyphens, `@` and lower case included (login names
   * are compared without regard to case). Not accepted: leading or trailing spaces, control
   * characters, surrounding quotes, more than 255 characters. Generated SQL names the user by it,
   * quoted: `svc_loader` is the user `"SVC_LOADER"`, `svc.loader@example.com` the user
   * `"svc.loader@example.com"`.
   */
  readonly user: string;

  /**
   * Role for the session.
   *
   * Resolved as Snowflake resolves identifiers: `loader` is the role `LOADER`; a name that is not
   * a plain identifier (`Data Loader`) is used exactly as written; write a case-sensitive plain
   * name in double quotes (`"loader"`). The role must be granted to the user.
   *
   * @default - the user's default role
   */
  readonly role?: string;

  /**
   * Warehouse for the session, resolved like `role`.
   *
   * @default - the user's default warehouse
   */
  readonly warehouse?: string;

  /**
   * Database for the session, resolved like `role`.
   *
   * @default - the user's default namespace
   */
  readonly database?: string;

  /**
   * Schema for the session, resolved like `role`. Requires `database`.
   *
   * @default - the user's default namespace
   */
  readonly schema?: string;

  /**
   * Host name to connect to instead of `<account>.snowflakecomputing.com`, for example a
   * PrivateLink host `myorg-myaccount.privatelink.snowflakecomputing.com`.
   *
   * @default - derived from `account` by the driver
   */
  readonly host?: string;

  /**
   * Where the key pair comes from.
   *
   * @default KeySource.generate() - a 2048-bit RSA key pair generated inside AWS at deploy time
   */
  readonly keySource?: KeySource;

  /**
   * Name of the secret.
   *
   * @default - a name CloudFormation generates
   */
  readonly secretName?: string;

  /**
   * Description of the secret.
   *
   * @default - "Snowflake key pair for <user>@<account> (cdk-snowflake-keypair)"
   */
  readonly description?: string;

  /**
   * Customer-managed KMS key to encrypt the secret with.
   *
   * @default - the AWS managed key `aws/secretsmanager`
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * What happens to the secret (and the key in it) when it leaves the stack.
   *
   * `RETAIN` keeps the secret and its key, as for a database secret. `DESTROY` lets
   * CloudFormation delete the secret. `SNAPSHOT` is not supported. The key-material function
   * never deletes the secret itself.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Add a resource policy to the secret that denies `secretsmanager:GetSecretValue` to every
   * principal except those given read with `grantRead` (and the key-material function).
   *
   * Principals whose identity policies allow `secretsmanager:GetSecretValue` broadly (for
   * example `secretsmanager:*` on `*`) are denied reads too. It is a guard against reads, not a
   * boundary against administrators: a principal allowed `secretsmanager:PutResourcePolicy` or
   * `DeleteResourcePolicy` on the secret can remove the statement; deny those with an SCP or a
   * resource control policy if you need that boundary.
   *
   * Only IAM roles and users can be granted read when it is on, and they must be in the same
   * stack as the secret (the policy names them by ARN, and they name the secret by ARN).
   *
   * @default false
   */
  readonly restrictReadToGrantees?: boolean;

  /**
   * Add stack outputs: the secret ARN, the public key, its fingerprint and the SQL to register
   * the key in Snowflake. All of them are non-secret.
   *
   * @default false
   */
  readonly createOutputs?: boolean;

  /**
   * Rotate the key pair on a schedule, with no downtime: the new key goes into the user's free key
   * slot, is tested, then made current; the old key is retired later (docs/rotation.md). Needs a
   * rotator user in Snowflake, whose key-pair secret is `adminSecret`.
   *
   * @default - no rotation
   */
  readonly rotation?: KeyRotationOptions;

  /**
   * Register the generated key in Snowflake at deploy time: a custom resource signs in as an
   * administrator, creates the service user if it does not exist (`TYPE = SERVICE`, with this
   * secret's role, warehouse and namespace as defaults), sets the public key in a free key slot and
   * checks its fingerprint with `DESC USER`. Deleting the stack unsets only the key it set.
   * Needs `KeySource.generate()` (the default). Through PrivateLink with `registration.privateLink`,
   * or `rotation.privateLink` when only the rotation names an endpoint.
   *
   * @default - no registration: an administrator runs the SQL of the `createUserSql` or
   *   `alterUserSql` attribute (or outputs)
   */
  readonly registration?: KeyRegistrationOptions;
}

/**
 * A Secrets Manager secret holding a Snowflake key pair and connection settings.
 *
 * By default the RSA key pair is generated inside AWS at deploy time and written straight
 * into the secret; only the public key and its fingerprint leave it, as attributes and (opt-in)
 * outputs together with the SQL an administrator runs to register the key.
 *
 * @example
 *
 * import { SnowflakeKeyPairSecret } from 'cdk-snowflake-keypair';
 *
 * const secret = new SnowflakeKeyPairSecret(this, 'Loader', {
 *   account: 'myorg-myaccount',
 *   user: 'SVC_LOADER',
 *   warehouse: 'LOAD_WH',
 *   createOutputs: true,
 * });
 */
export class SnowflakeKeyPairSecret extends SnowflakeKeyPairSecretBase {
  /** Imports a secret by its complete ARN. The secret's region is taken from the ARN. */
  public static fromSecretCompleteArn(scope: Construct, id: string, secretCompleteArn: string): ISnowflakeKeyPairSecret {
    return SnowflakeKeyPairSecret.fromSecretAttributes(scope, id, { secretCompleteArn });
  }

  /** Imports a secret by name, in the stack's account and region. */
  public static fromSecretName(scope: Construct, id: string, secretName: string): ISnowflakeKeyPairSecret {
    return SnowflakeKeyPairSecret.fromSecretAttributes(scope, id, { secretName });
  }

  /** Imports a secret from its attributes, with its customer-managed key if it has one. */
  public static fromSecretAttributes(scope: Construct, id: string, attrs: SnowflakeKeyPairSecretAttributes): ISnowflakeKeyPairSecret {
    const given = [attrs.secretCompleteArn, attrs.secretPartialArn, attrs.secretName].filter((v) => v !== undefined);
    if (given.length !== 1) {
      throw new Error(`SnowflakeKeyPairSecret.fromSecretAttributes (${id}): give exactly one of secretCompleteArn, `
        + `secretPartialArn and secretName (got ${given.length}).`);
    }
    return new ImportedSnowflakeKeyPairSecret(scope, id, attrs);
  }

  public readonly secret: secretsmanager.ISecret;
  public readonly secretArn: string;
  public readonly secretArnForPolicies: string;
  public readonly encryptionKey?: kms.IKey;
  protected readonly secretRegion: string;

  private readonly keySource: KeySource;
  private readonly user: string;
  private readonly sqlSettings: { role?: string; warehouse?: string; database?: string; schema?: string };
  private readonly keyMaterial: CustomResource;
  private readonly readerArns: string[] = [];
  private readonly restrictRead: boolean;

  constructor(scope: Construct, id: string, props: SnowflakeKeyPairSecretProps) {
    super(scope, id, { physicalName: props.secretName });
    validateProps(this, props);

    this.keySource = props.keySource ?? KeySource.generate();
    this.restrictRead = props.restrictReadToGrantees ?? false;
    this.user = props.user;
    this.sqlSettings = { role: props.role, warehouse: props.warehouse, database: props.database, schema: props.schema };
    this.encryptionKey = props.encryptionKey;
    this.secretRegion = Stack.of(this).region;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    const secret = new secretsmanager.Secret(this, 'Resource', {
      secretName: props.secretName,
      description: props.description ?? `Snowflake key pair for ${props.user}@${props.account} (cdk-snowflake-keypair)`,
      encryptionKey: props.encryptionKey,
      // A constant placeholder. The key-material custom resource writes the real value, so
      // later template changes never make CloudFormation overwrite the key.
      secretObjectValue: {},
      removalPolicy,
    });
    this.secret = secret;
    this.secretArn = secret.secretArn;
    this.secretArnForPolicies = secret.secretArn;

    // The key-material function: read the current value (to keep the key), write the new one.
    // It never deletes the secret: CloudFormation does, by the secret's DeletionPolicy.
    const provider = KeyMaterialProvider.of(this);
    const writerPolicy = new iam.Policy(this, 'KeyMaterialPolicy', {
      roles: [provider.role],
      statements: [new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [secret.secretArn],
      })],
    });
    if (props.encryptionKey) {
      writerPolicy.addStatements(new iam.PolicyStatement({
        // What Secrets Manager calls on the reader's behalf for GetSecretValue.
        actions: ['kms:Decrypt'],
        resources: [props.encryptionKey.keyArn],
        conditions: viaSecretsManager(this.secretRegion, secret.secretArn),
      }));
    }
    const writeGrant = this.grantWrite(provider.role);

    this.keyMaterial = new CustomResource(this, 'KeyMaterial', {
      serviceToken: provider.function.functionArn,
      resourceType: KEY_MATERIAL_RESOURCE_TYPE,
      // A backstop: the function answers within its own 2-minute timeout.
      serviceTimeout: Duration.minutes(5),
      properties: {
        [P.SECRET_ID]: secret.secretArn,
        [P.MODE]: this.keySource._mode,
        ...(this.keySource._mode === 'GENERATE' ? {
          [P.KEY_SIZE]: String(this.keySource._keySize),
          [P.ENCRYPT_PRIVATE_KEY]: String(this.keySource._encryptPrivateKey),
          [P.KEY_GENERATION]: String(this.keySource._keyGeneration),
        } : {}),
        [P.CONNECTION]: {
          account: props.account,
          user: props.user,
          role: props.role,
          warehouse: props.warehouse,
          database: props.database,
          schema: props.schema,
          host: props.host,
        },
      },
    });
    this.keyMaterial.node.addDependency(writerPolicy);
    writeGrant.applyBefore(this.keyMaterial);

    if (this.restrictRead) {
      this.readerArns.push(provider.role.roleArn);
      secret.addToResourcePolicy(new iam.PolicyStatement({
        sid: 'DenyReadExceptGrantees',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['secretsmanager:GetSecretValue'],
        resources: ['*'],
        conditions: {
          ArnNotEquals: { 'aws:PrincipalArn': Lazy.list({ produce: () => this.readerArns }) },
        },
      }));
    }

    if (props.registration && props.rotation && sameSecret(props.registration.adminSecret, props.rotation.adminSecret)) {
      fail(this, 'rotation.adminSecret and registration.adminSecret are the same secret '
        + `(${props.rotation.adminSecret.node.path}): registration's administrator may create users, and the rotator, which the rotation `
        + 'signs in as every period, must only change this user\'s keys. Give the rotation a rotator of its own, a user whose role holds '
        + 'only MODIFY PROGRAMMATIC AUTHENTICATION METHODS on this user (docs/rotation.md, "The rotator, in Snowflake").');
    }
    const registration = props.registration ? this.register(props.registration, props.rotation) : undefined;

    if (props.rotation) {
      const retire = props.rotation.retireOldKey ?? RetireOldKey.atNextRotation();
      const rotation = new RotationFunction(this, 'Rotation', {
        secretArn: secret.secretArn,
        user: props.user,
        encryptionKey: props.encryptionKey,
        region: this.secretRegion,
        adminSecretArn: props.rotation.adminSecret.secretArn,
        schedule: props.rotation.schedule ?? Duration.days(30),
        retireSetting: retire._setting,
        retireGracePeriod: retire._gracePeriod,
        overwriteUnknownKeys: props.rotation.overwriteUnknownKeys,
        rotateImmediately: props.rotation.rotateImmediately,
        privateLink: props.rotation.privateLink,
        vpcSubnets: props.rotation.vpcSubnets,
        addAwsServiceEndpoints: props.rotation.addAwsServiceEndpoints,
      });
      props.rotation.adminSecret.grantRead(rotation.role, ['AWSCURRENT']);
      // The rotation's createSecret step writes the new version (AWSPENDING); in place before the schedule.
      this.grantWrite(rotation.role).applyBefore(rotation.schedule);
      this.readerArns.push(rotation.role.roleArn);
      // The rotation function rewrites the secret: it starts after the key is in it.
      rotation.node.addDependency(this.keyMaterial);
      // The first rotation may come as soon as the schedule exists: after the key is registered.
      // (The schedule only: the registration waits for the network path, which lets the rotation function in.)
      if (registration) rotation.schedule.node.addDependency(registration);
    } else {
      acknowledge(secret, 'rotation');
    }
    acknowledge(writerPolicy, 'inlinePolicy');

    if (props.createOutputs) {
      new CfnOutput(this, 'SecretArnOutput', { value: this.secretArn, description: `ARN of the Snowflake key-pair secret for ${props.user}` });
      if (this.keySource._mode === 'GENERATE') {
        new CfnOutput(this, 'PublicKeyOutput', { value: this.publicKey, description: 'RSA_PUBLIC_KEY for Snowflake (public, not secret)' });
        new CfnOutput(this, 'PublicKeyFingerprintOutput', { value: this.publicKeyFingerprint, description: 'RSA_PUBLIC_KEY_FP that DESC USER must show' });
        new CfnOutput(this, 'CreateUserSqlOutput', { value: this.createUserSql, description: 'SQL to create the service user with this key' });
        new CfnOutput(this, 'AlterUserSqlOutput', { value: this.alterUserSql, description: 'SQL to set this key on an existing user' });
        new CfnOutput(this, 'DescribeUserSqlOutput', { value: this.describeUserSql, description: 'SQL to check RSA_PUBLIC_KEY_FP against the fingerprint' });
      }
    }
  }

  /**
   * The public key as Snowflake's `RSA_PUBLIC_KEY` wants it: one line of SPKI base64, no armour.
   * Known at deploy time. Not available with `KeySource.bringYourOwn()`.
   *
   * @attribute
   */
  public get publicKey(): string {
    return this.generatedAttribute(KeyMaterialAttribute.PUBLIC_KEY, 'publicKey');
  }

  /**
   * The public key's fingerprint, `SHA256:<base64>`: the value `DESC USER` shows as
   * `RSA_PUBLIC_KEY_FP`. Not available with `KeySource.bringYourOwn()`.
   *
   * @attribute
   */
  public get publicKeyFingerprint(): string {
    return this.generatedAttribute(KeyMaterialAttribute.PUBLIC_KEY_FINGERPRINT, 'publicKeyFingerprint');
  }

  /**
   * `CREATE USER IF NOT EXISTS "<USER>" TYPE = SERVICE ... RSA_PUBLIC_KEY = '...';` with
   * identifiers quoted. Not available with `KeySource.bringYourOwn()`.
   */
  public get createUserSql(): string {
    return createUserSql({ user: this.user, publicKey: this.publicKey, ...this.sqlSettings });
  }

  /** `ALTER USER "<USER>" SET RSA_PUBLIC_KEY = '...';`. Not available with `KeySource.bringYourOwn()`. */
  public get alterUserSql(): string {
    return alterUserSql(this.user, this.publicKey);
  }

  /** `DESC USER "<USER>";`: its `RSA_PUBLIC_KEY_FP` row must equal `publicKeyFingerprint`. */
  public get describeUserSql(): string {
    return describeUserSql(this.user);
  }

  protected registerReader(grantee: iam.IGrantable): void {
    if (!this.restrictRead) {
      return;
    }
    const principal = grantee.grantPrincipal as Partial<iam.IRole & iam.IUser>;
    const arn = principal.roleArn ?? principal.userArn;
    if (arn === undefined) {
      fail(this, 'grantRead: restrictReadToGrantees is on, so only IAM roles and users can be '
        + `granted read, and this grantee is neither (${grantee.grantPrincipal}). Grant read to the role your workload `
        + 'runs as, or turn restrictReadToGrantees off.');
    }
    if (!this.readerArns.includes(arn)) {
      this.readerArns.push(arn);
    }
  }

  /** The registration custom resource: after the key is in the secret, with read of both secrets. */
  private register(options: KeyRegistrationOptions, rotation?: KeyRotationOptions): Registration {
    if (!options.privateLink && (options.vpcSubnets || options.addAwsServiceEndpoints)) {
      fail(this, `registration.${options.vpcSubnets ? 'vpcSubnets' : 'addAwsServiceEndpoints'} is set without registration.privateLink: `
        + 'the registration function runs in a VPC only to reach Snowflake through PrivateLink. Give privateLink too (it may be the '
        + 'rotation\'s endpoint), or remove it.');
    }
    if (this.keySource._mode !== 'GENERATE') {
      fail(this, 'registration needs a key generated at deploy time, and keySource is KeySource.bringYourOwn(): '
        + 'the key is pasted in after deployment, so there is nothing to register then. Register your key with the alterUserSql SQL, '
        + 'or use KeySource.generate().');
    }
    // Through PrivateLink when asked, or when the rotation goes through it (the same user signs in from there).
    const registration = new Registration(this, 'Registration', {
      keyPair: { secretArn: this.secretArn, fingerprint: this.keyMaterial.getAttString(KeyMaterialAttribute.PUBLIC_KEY_FINGERPRINT) },
      adminSecretArn: options.adminSecret.secretArn,
      createUser: options.createUser ?? true,
      onDelete: options.onDelete ?? RegisteredKeyOnDelete.REMOVE_KEY,
      network: options.privateLink
        ? { privateLink: options.privateLink, vpcSubnets: options.vpcSubnets, addAwsServiceEndpoints: options.addAwsServiceEndpoints }
        : { privateLink: rotation?.privateLink, vpcSubnets: rotation?.vpcSubnets, addAwsServiceEndpoints: rotation?.addAwsServiceEndpoints },
      after: [this.keyMaterial],
    });
    // AWSPREVIOUS too: a Delete unsets only a key the secret records, and a key replaced by a new
    // keyGeneration is recorded there (docs/rotation.md, "What a Delete may remove").
    this.grantRead(registration.role, ['AWSCURRENT', 'AWSPREVIOUS']);
    options.adminSecret.grantRead(registration.role, ['AWSCURRENT']);
    return registration;
  }

  private generatedAttribute(attribute: string, name: string): string {
    if (this.keySource._mode !== 'GENERATE') {
      fail(this, `${name} is not available with KeySource.bringYourOwn(): the key is pasted in `
        + 'after deployment, so the library never sees it. Compute it from your key, or use KeySource.generate().');
    }
    return this.keyMaterial.getAttString(attribute);
  }
}

function validateProps(scope: Construct, props: SnowflakeKeyPairSecretProps): void {
  const notValid = (field: string, value: string, problem: string) => fail(scope, `${field} ${JSON.stringify(value)} is not valid: ${problem}.`);
  const check = (field: string, value: string | undefined, problemOf: (v: string) => string | undefined) => {
    if (value === undefined || Token.isUnresolved(value)) return;
    const problem = problemOf(value);
    if (problem) notValid(field, value, problem);
  };
  check('account', props.account, accountIdentifierProblem);
  check('user', props.user, userNameProblem);
  check('role', props.role, objectNameProblem);
  check('warehouse', props.warehouse, objectNameProblem);
  check('database', props.database, objectNameProblem);
  check('schema', props.schema, objectNameProblem);
  check('host', props.host, hostProblem);

  if (props.schema !== undefined && props.database === undefined) {
    fail(scope, 'schema is set without database: a schema is resolved inside a database. '
      + 'Set database as well, or leave schema out.');
  }
  const source = props.keySource ?? KeySource.generate();
  if (source._mode === 'GENERATE') {
    const size = source._keySize!;
    if (size !== 2048 && size !== 4096) {
      fail(scope, `keySource: keySize ${size} is not supported. Use 2048 (the default) or 4096: `
        + 'Snowflake needs RSA keys of at least 2048 bits, and 4096 is the largest this library generates.');
    }
    const generation = source._keyGeneration!;
    if (!Number.isInteger(generation) || generation < 1) {
      fail(scope, `keySource: keyGeneration ${generation} is not valid. Use a whole number from 1 up, `
        + 'and increase it by one to ask for a new key.');
    }
  }
  if (props.removalPolicy === RemovalPolicy.SNAPSHOT) {
    fail(scope, 'removalPolicy SNAPSHOT is not supported for secrets. Use RemovalPolicy.RETAIN '
      + '(the default, which keeps the secret and its key) or RemovalPolicy.DESTROY.');
  }
}

/** Two references to one secret: the same construct, or the same ARN (the same token, for one imported twice). */
function sameSecret(a: ISnowflakeKeyPairSecret, b: ISnowflakeKeyPairSecret): boolean {
  return a === b || a.secretArn === b.secretArn;
}
