/** The IAM conditions of a KMS grant for one secret: operator → condition key → value. */
export type ViaSecretsManagerConditions = Record<string, Record<string, string>>;

/**
 * The condition that lets a principal use a KMS key only through Secrets Manager, in `region`, and
 * only for the one secret `secretArnForPolicies`. Not exported from index.ts.
 *
 * - `kms:ViaService`: the request comes from Secrets Manager in the secret's region
 *   (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service).
 * - `kms:EncryptionContext:SecretARN`: in every call to AWS KMS, Secrets Manager passes the
 *   encryption context `{"SecretARN": <the secret's full ARN>, "SecretVersionId": <version>}`, so a
 *   grant conditioned on it decrypts that secret only, not the other secrets under the same key
 *   ("Secrets Manager encryption context":
 *   https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html#security-encryption-encryption-context).
 *
 * The value is the full ARN (with the six-character suffix Secrets Manager appends). For a secret
 * imported by name or partial ARN the suffix is unknown, and `secretArnForPolicies` ends with
 * `-??????`: the condition is then a `StringLike` on that pattern (secret names cannot hold `*`
 * or `?`, so the only wildcard is the suffix).
 */
export function viaSecretsManager(region: string, secretArnForPolicies: string): ViaSecretsManagerConditions {
  const viaService = { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` };
  const context = { 'kms:EncryptionContext:SecretARN': secretArnForPolicies };
  return secretArnForPolicies.endsWith('-??????')
    ? { StringEquals: viaService, StringLike: context }
    : { StringEquals: { ...viaService, ...context } };
}
