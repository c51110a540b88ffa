/**
 * The straw man: the SQL handler written the naive way, as a NodejsFunction bundles it by default
/* left to the Lambda runtime). It reads the secret and signs in
 * on every invocation, and closes the connection at the end. bench/run.ts measures it to show what
 * caching is worth; the baseline the library is judged against is caching-handler.ts.
 * Used by the benchmarks only; never shipped.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as snowflake from 'snowflake-sdk';
import { HandlerEvent, runStatements } from './run-statements';

export const handler = async (event: HandlerEvent) => {
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
  const answer = await runStatements(connection, event);
  await new Promise((resolve) => connection.destroy(() => resolve(undefined)));
  return answer;
};
