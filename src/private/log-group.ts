/**
 * The log groups of the library's functions: kept for a retention period, and encrypted with a
 * customer-managed KMS key when one is given (the secret's key by default).
 *
 * CloudWatch Logs uses the key itself, so the key policy must let the regional logs service use it
 * for this account's log groups (AWS: "Encrypt log data in CloudWatch Logs using AWS Key
 * Management Service", https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html:
 * Principal `logs.<region>.amazonaws.com`, actions kms:Encrypt*, Decrypt*, ReEncrypt*,
 * GenerateDataKey*, Describe*, condition ArnLike `kms:EncryptionContext:aws:logs:arn`). The
 * statement names the account's log groups by pattern, not this group's ARN: the group's ARN would
 * make the key depend on the group that depends on the key. A key defined in the app gets the
 * statement; an imported key cannot, and a warning says what its policy must hold.
 */
import { Annotations, Aws, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** The id of the warning given when a log group's key is imported and its policy cannot be checked. */
export const IMPORTED_LOG_KEY_WARNING = 'cdk-snowflake-keypair:importedLogGroupKey';

export interface LibraryLogGroupProps {
  readonly retention: logs.RetentionDays;
  /** Encrypt the log group with this key. */
  readonly encryptionKey?: kms.IKey;
}

/** A log group at `scope`/`id`, encrypted with `encryptionKey` when given. */
export function libraryLogGroup(scope: Construct, id: string, props: LibraryLogGroupProps): logs.LogGroup {
  const group = new logs.LogGroup(scope, id, { retention: props.retention, encryptionKey: props.encryptionKey });
  if (props.encryptionKey) allowCloudWatchLogs(props.encryptionKey, group);
  return group;
}

/** Lets CloudWatch Logs of the group's region and account use `key` for log groups, once per key. */
function allowCloudWatchLogs(key: kms.IKey, group: logs.LogGroup): void {
  const marker = 'cdk-snowflake-keypair:logsMayUseKey';
  const stack = Stack.of(group);
  const statement = new iam.PolicyStatement({
    sid: 'CloudWatchLogsMayUseKeyForLogGroups',
    principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
    actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    resources: ['*'],
    conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${stack.region}:${stack.account}:log-group:*` } },
  });
  if (key.node.tryFindChild(marker)) return;
  const added = key.addToResourcePolicy(statement, /* allowNoOp */ true);
  if (added.statementAdded) {
    new Construct(key, marker);
    return;
  }
  Annotations.of(group).addWarningV2(IMPORTED_LOG_KEY_WARNING,
    'The log group is encrypted with an imported KMS key, whose policy this stack cannot change. The key policy must allow '
    + `logs.${stack.region}.amazonaws.com kms:Encrypt*, kms:Decrypt*, kms:ReEncrypt*, kms:GenerateDataKey* and kms:Describe* with `
    + `"ArnLike": { "kms:EncryptionContext:aws:logs:arn": "arn:<partition>:logs:${stack.region}:<account>:log-group:*" }, or the deploy `
    + 'fails when the log group is created (docs/security.md). Acknowledge this warning once the key policy allows it.');
}
