/**
 * The straw man: the SQL handler written the naive way, as a NodejsFunction bundles it by default
/* left to the Lambda runtime). It reads the secret and signs in
 * on every invocation, and closes the connection at the end. bench/run.ts measures it to show what
 * caching is worth; the baseline the library is judged against is caching-handler.ts.
 * Used by the benchmarks only; never shipped.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { connectWithSecret, HandlerEvent, runStatements } from './driver';

export const handler = async (event: HandlerEvent) => {
  const sm = new SecretsManagerClient({});
  const connection = await connectWithSecret(sm);
  const answer = await runStatements(connection, event);
  await new Promise((resolve) => connection.destroy(() => resolve(undefined)));
  return answer;
};
