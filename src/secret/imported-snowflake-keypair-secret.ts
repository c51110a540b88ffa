import { Arn, ArnFormat, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { SnowflakeKeyPairSecretAttributes, SnowflakeKeyPairSecretBase } from './snowflake-keypair-secret-base';

/**
 * A secret created elsewhere, returned by `SnowflakeKeyPairSecret.fromSecretAttributes` and the
 * other importers as an `ISnowflakeKeyPairSecret`. Not exported from index.ts.
 */
export class ImportedSnowflakeKeyPairSecret extends SnowflakeKeyPairSecretBase {
  public readonly secret: secretsmanager.ISecret;
  public readonly secretArn: string;
  public readonly secretArnForPolicies: string;
  public readonly encryptionKey?: kms.IKey;
  protected readonly secretRegion: string;

  constructor(scope: Construct, id: string, attrs: SnowflakeKeyPairSecretAttributes) {
    const arn = attrs.secretCompleteArn ?? attrs.secretPartialArn;
    const region = arn !== undefined ? Arn.split(arn, ArnFormat.COLON_RESOURCE_NAME).region : undefined;
    const account = arn !== undefined ? Arn.split(arn, ArnFormat.COLON_RESOURCE_NAME).account : undefined;
    super(scope, id, { region, account });
    this.encryptionKey = attrs.encryptionKey;
    this.secretRegion = region ?? Stack.of(this).region;
    if (attrs.secretCompleteArn !== undefined) {
      this.secret = secretsmanager.Secret.fromSecretAttributes(this, 'Secret', {
        secretCompleteArn: attrs.secretCompleteArn,
        encryptionKey: attrs.encryptionKey,
      });
      this.secretArn = attrs.secretCompleteArn;
      this.secretArnForPolicies = attrs.secretCompleteArn;
    } else {
      const partialArn = attrs.secretPartialArn ?? Stack.of(this).formatArn({
        service: 'secretsmanager',
        resource: 'secret',
        resourceName: attrs.secretName!,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
      this.secret = secretsmanager.Secret.fromSecretAttributes(this, 'Secret', {
        secretPartialArn: partialArn,
        encryptionKey: attrs.encryptionKey,
      });
      this.secretArn = partialArn;
      this.secretArnForPolicies = `${partialArn}-??????`;
    }
  }
}
