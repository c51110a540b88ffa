/**
 * Everything an end-to-end connector test needs, on loopback: moto (Secrets Manager) behind a
 * counting, fault-injecting proxy; the local Snowflake endpoint; and a warm Lambda instance
 * running the bundled connector (assets/connector) through test/fixtures/handlers/connector-probe.js.
 */
import * as path from 'node:path';
import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AwsProxy, startAwsProxy } from './aws-proxy';
import { TestKey } from './keys';
import { assetDir, REPO } from './lambda-process';
import { LambdaInstance, startLambdaInstance } from './lambda-runtime';
import { awsEnvFor, MotoServer, startMoto } from './moto';
import { scanText } from './secret-scan';

export const PROBE = path.join(REPO, 'test', 'fixtures', 'handlers', 'connector-probe.js');

/** Fast retries, so tests of giving up do not wait for the production backoff. */
export const FAST_RETRIES = { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 100, totalTimeMs: 5_000 };

export class AwsSide {
  static async start(): Promise<AwsSide> {
    const moto = await startMoto();
    const proxy = await startAwsProxy(moto);
    return new AwsSide(moto, proxy);
  }

  public readonly sm: SecretsManagerClient;
  /** Values that must never appear in any output: keys (whole and line by line), passphrases, passwords. */
  public readonly secrets: string[] = [];
  private counter = 0;

  private constructor(public readonly moto: MotoServer, public readonly proxy: AwsProxy) {
    this.sm = new SecretsManagerClient({
      region: 'us-east-1',
      endpoint: moto.endpoint,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
  }

  env(region = 'us-east-1'): Record<string, string> {
    return awsEnvFor(this.proxy, region);
  }

  /** Remembers a secret value (and each line of a PEM) for the output scan. */
  remember(...values: (string | undefined)[]): void {
    for (const value of values) {
      if (!value) continue;
      this.secrets.push(value);
      for (const line of value.split(/\r?\n|\\n/)) {
        if (line.length >= 40 && !line.startsWith('-----')) this.secrets.push(line);
      }
    }
  }

  rememberKey(key: TestKey): void {
    this.remember(key.pkcs8Pem);
  }

  /** Creates a secret holding `value` (a string, or an object stored as JSON); returns its ARN. */
  async createSecret(value: string | Record<string, unknown> | Uint8Array): Promise<string> {
    const name = `snowflake/e2e-${++this.counter}-${Date.now()}`;
    const out = await this.sm.send(new CreateSecretCommand(value instanceof Uint8Array
      ? { Name: name, SecretBinary: value }
      : { Name: name, SecretString: typeof value === 'string' ? value : JSON.stringify(value) }));
    return out.ARN!;
  }

  async putSecret(secretId: string, value: Record<string, unknown>): Promise<string> {
    const out = await this.sm.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: JSON.stringify(value) }));
    return out.VersionId!;
  }

  reads(): number {
    return this.proxy.count('secretsmanager.GetSecretValue');
  }

  async stop(): Promise<void> {
    this.sm.destroy();
    await this.proxy.close();
    await this.moto.stop();
  }
}

/** Starts a warm instance of the probe handler over the bundled connector. */
export function startConnectorInstance(env: Record<string, string>): Promise<LambdaInstance> {
  return startLambdaInstance(PROBE, assetDir('connector'), env);
}

/** Scans captured output for key material and the remembered values. */
export function leaks(output: string, secrets: string[]): ReturnType<typeof scanText> {
  return scanText(output, 'captured output', secrets);
}
