/**
 * What the two driver handlers share (esbuild bundles it into each): reading the secret, signing
 * in with its key pair, and running the event's SQL and binds in order on one connection. Never shipped.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as snowflake from 'snowflake-sdk';

/** Reads the secret (SNOWFLAKE_SECRET_ID) and signs in with its key pair, role and warehouse. */
export async function connectWithSecret(sm: SecretsManagerClient): Promise<snowflake.Connection> {
  const out = await sm.send(new GetSecretValueCommand({ SecretId: process.env.SNOWFLAKE_SECRET_ID }));
  const secret = JSON.parse(out.SecretString!);
  const connection = snowflake.createConnection({
    account: secret.account,
    username: secret.user,
    authenticator: 'SNOWFLAKE_JWT',
    privateKey: secret.privateKey,
    ...(secret.role ? { role: secret.role } : {}),
    ...(secret.warehouse ? { warehouse: secret.warehouse } : {}),
    accessUrl: process.env.SNOWFLAKE_ENDPOINT_URL,
  });
  await new Promise((resolve, reject) => connection.connect((error) => (error ? reject(error) : resolve(undefined))));
  return connection;
}

export interface HandlerEvent {
  readonly statements: { sql: string; binds?: snowflake.Binds }[];
}

export async function runStatements(connection: snowflake.Connection, event: HandlerEvent): Promise<{ results: { rows: unknown }[] }> {
  const results = [];
  for (const statement of event.statements) {
    const rows = await new Promise((resolve, reject) => connection.execute({
      sqlText: statement.sql,
      binds: statement.binds,
      complete: (error, _stmt, r) => (error ? reject(error) : resolve(r)),
    }));
    results.push({ rows });
  }
  return { results };
}
