/** The condition that lets a principal use a KMS key only through Secrets Manager, in `region`. Not exported from index.ts. */
export function viaSecretsManager(region: string): { StringEquals: { 'kms:ViaService': string } } {
  return { StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` } };
}
