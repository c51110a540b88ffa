/**
 * The baseline: the same SQL handler written the usual way, as a NodejsFunction would bundle it.
 * It reads the secret and connects on every invocation, and closes the connection at the end.
 * Used by bench/run.ts only; never shipped.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as snowflake from 'snowflake-sdk';

export const handler = async (event: { statements: { sql: string; binds?: snowflake.Binds }[] }) => {
  const sm = new SecretsManagerClient({});
  const out = await sm.send(new GetSecretValueCommand({ SecretId: process.env.SNOWFLAKE_SECRET_ID }));
  const secret = JSON.parse(out.SecretString!);
  const connection = snowflake.createConnection({
    account: secret.account,
    username: secret.user,
    authenticator: 'SNOWFLAKE_JWT',
    privateKey: secret.privateKey,
    accessUrl: process.env.SNOWFLAKE_ENDPOINT_URL,
  });
  await new Promise((resolve, reject) => connection.connect((error) => (error ? reject(error) : resolve(undefined))));
  const results = [];
  for (const statement of event.statements) {
    const rows = await new Promise((resolve, reject) => connection.execute({
      sqlText: statement.sql,
      binds: statement.binds,
      complete: (error, _stmt, r) => (error ? reject(error) : resolve(r)),
    }));
    results.push({ rows });
  }
  await new Promise((resolve) => connection.destroy(() => resolve(undefined)));
  return { results };
};
