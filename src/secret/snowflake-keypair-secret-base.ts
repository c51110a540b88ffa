import { IResource, Resource, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { viaSecretsManager } from '../private/kms-via-secrets-manager';
import { fail } from '../private/validation';

/**
 * A Secrets Manager secret holding a Snowflake key pair and connection settings, in the JSON
 * format of docs/secret-format.md. Created with `SnowflakeKeyPairSecret`, or imported.
 */
export interface ISnowflakeKeyPairSecret extends IResource {
  /** The underlying Secrets Manager secret. */
  readonly secret: secretsmanager.ISecret;

  /**
   * The ARN of the secret: the complete ARN when it is known, otherwise the partial ARN
   * (without the six-character suffix Secrets Manager appends).
   *
   * @attribute
   */
  readonly secretArn: string;

  /**
   * The ARN that IAM policies name: the complete ARN, or for a secret imported by name the
   * partial ARN followed by `-??????`. Never `*`.
   */
  readonly secretArnForPolicies: string;

  /**
   * The customer-managed KMS key that encrypts the secret.
   *
   * @default - the secret is encrypted with the AWS managed key `aws/secretsmanager`
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * Grants `secretsmanager:GetSecretValue` on exactly this secret and, with a customer-managed
   * key, `kms:Decrypt` on that key only through Secrets Manager (`kms:ViaService`) and for this
   * secret only (`kms:EncryptionContext:SecretARN`).
   *
   * @param grantee the principal to grant read to
   * @param versionStages restrict reads to these version stages (for example `['AWSCURRENT']`).
   *   Callers must then name the stage in their GetSecretValue request, as the connector does.
   *   Default: any stage.
   */
  grantRead(grantee: iam.IGrantable, versionStages?: string[]): iam.Grant;

  /**
   * Grants `secretsmanager:PutSecretValue` on exactly this secret (write a new version) and, with a
   * customer-managed key, `kms:GenerateDataKey` on that key only through Secrets Manager
   * (`kms:ViaService`) and for this secret only (`kms:EncryptionContext:SecretARN`).
   *
   * Narrower than aws-cdk-lib's `Secret.grantWrite`, on purpose: no `UpdateSecret` (which can
   * change the secret's KMS key and description), no `UpdateSecretVersionStage` (moving
   * AWSCURRENT is rotation's job), and no `kms:Encrypt` or `kms:ReEncrypt*`, which Secrets Manager
   * does not call to store a value. It grants no read: a writer that also reads needs `grantRead`.
   *
   * @param grantee the principal to grant write to
   */
  grantWrite(grantee: iam.IGrantable): iam.Grant;
}

/** Attributes to import an existing secret. */
export interface SnowflakeKeyPairSecretAttributes {
  /**
   * The complete ARN of the secret, with the six-character suffix.
   *
   * Give exactly one of `secretCompleteArn`, `secretPartialArn` and `secretName`.
   *
   * @default - not given
   */
  readonly secretCompleteArn?: string;

  /**
   * The ARN of the secret without the six-character suffix. Policies use `<arn>-??????`.
   *
   * @default - not given
   */
  readonly secretPartialArn?: string;

  /**
   * The secret's name, in the stack's account and region. Policies use
   * `arn:...:secret:<name>-??????`.
   *
   * @default - not given
   */
  readonly secretName?: string;

  /**
   * The customer-managed KMS key that encrypts the secret. `grantRead` then also grants
   * `kms:Decrypt` on it through Secrets Manager.
   *
   * @default - the AWS managed key `aws/secretsmanager`
   */
  readonly encryptionKey?: kms.IKey;
}

/**
 * What `ISnowflakeKeyPairSecret` implementations share: the least-privilege read and write grants.
 */
export abstract class SnowflakeKeyPairSecretBase extends Resource implements ISnowflakeKeyPairSecret {
  public abstract readonly secret: secretsmanager.ISecret;
  public abstract readonly secretArn: string;
  public abstract readonly secretArnForPolicies: string;
  public abstract readonly encryptionKey?: kms.IKey;

  /** The region the secret lives in: the ARN's region for imported secrets. */
  protected abstract readonly secretRegion: string;

  public grantRead(grantee: iam.IGrantable, versionStages?: string[]): iam.Grant {
    if (versionStages !== undefined) {
      validateVersionStages(this, versionStages);
    }
    this.registerReader(grantee);
    // On the principal, with the condition: the key policy's account trust makes KMS effective.
    return this.grantWithKey(grantee, 'secretsmanager:GetSecretValue', 'kms:Decrypt',
      versionStages ? { StringEquals: { 'secretsmanager:VersionStage': versionStages } } : undefined);
  }

  public grantWrite(grantee: iam.IGrantable): iam.Grant {
    // A new secret value makes Secrets Manager ask KMS for a new data key (GenerateDataKey), in
    // the caller's name; Encrypt is never called ("How Secrets Manager uses your KMS key":
    // https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html#security-encryption-using-cmk).
    return this.grantWithKey(grantee, 'secretsmanager:PutSecretValue', 'kms:GenerateDataKey');
  }

  /** One Secrets Manager action on this secret and, with a customer-managed key, the KMS action it needs through Secrets Manager only. */
  private grantWithKey(
    grantee: iam.IGrantable, secretAction: string, kmsAction: string, conditions?: Record<string, Record<string, unknown>>,
  ): iam.Grant {
    const grant = iam.Grant.addToPrincipal({ grantee, actions: [secretAction], resourceArns: [this.secretArnForPolicies], conditions });
    if (!this.encryptionKey) return grant;
    return grant.combine(iam.Grant.addToPrincipal({
      grantee,
      actions: [kmsAction],
      resourceArns: [this.encryptionKey.keyArn],
      conditions: viaSecretsManager(this.secretRegion, this.secretArnForPolicies),
    }));
  }

  /** Called by grantRead before it grants anything, for subclasses that track readers. */
  protected registerReader(_grantee: iam.IGrantable): void {}
}

function validateVersionStages(scope: Construct, stages: string[]): void {
  if (stages.length === 0) {
    fail(scope, 'grantRead: versionStages is empty, which would allow no reads at all. '
      + 'Leave it out to allow any stage, or name the stages, for example [\'AWSCURRENT\'].');
  }
  for (const stage of stages) {
    if (!Token.isUnresolved(stage) && !/^[A-Za-z0-9_-]{1,256}$/.test(stage)) {
      fail(scope, `grantRead: version stage ${JSON.stringify(stage)} is not valid. `
        + 'Use a staging label such as AWSCURRENT, AWSPENDING or AWSPREVIOUS.');
    }
  }
}
