/**
 * The connector's own metrics, in CloudWatch embedded metric format: one JSON line on stdout per
 * measurement, which CloudWatch Logs turns into metrics without an API call (or a permission).
 *
 * Namespace `CdkSnowflakeKeypair`, dimension `FunctionName`:
 * - `SecretReadMs`: one GetSecretValue, retries included (once per cold start, and after a
 *   rejected login);
 * - `ConnectMs`: one login, retries included;
 * - `QueryMs`: one statement, from submission to its result being ready;
 * - `Reconnects`: a new login on a warm instance (session gone, or a rotation);
 * - `RotationStepMs`, `RotationFailures`: the rotation function's steps (docs/rotation.md).
 *
 * Written only inside Lambda (AWS_LAMBDA_FUNCTION_NAME set), unless SNOWFLAKE_METRICS=off.
 */

export const METRICS_NAMESPACE = 'CdkSnowflakeKeypair';

export type MetricName = 'SecretReadMs' | 'ConnectMs' | 'QueryMs' | 'Reconnects' | 'RotationStepMs' | 'RotationFailures';

const UNITS: Record<MetricName, string> = {
  SecretReadMs: 'Milliseconds',
  ConnectMs: 'Milliseconds',
  QueryMs: 'Milliseconds',
  Reconnects: 'Count',
  RotationStepMs: 'Milliseconds',
  RotationFailures: 'Count',
};

/** Writes one measurement as an EMF line (no-op outside Lambda). */
export function putMetric(name: MetricName, value: number): void {
  const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME;
  if (!functionName || process.env.SNOWFLAKE_METRICS === 'off') return;
  const line = {
    _aws: {
      Timestamp: Date.now(),
      CloudWatchMetrics: [{ Namespace: METRICS_NAMESPACE, Dimensions: [['FunctionName']], Metrics: [{ Name: name, Unit: UNITS[name] }] }],
    },
    FunctionName: functionName,
    [name]: value,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}
