/**
 * The SQL executor on Snowflake's SQL API (the `sql-api-executor` bundle, the default of
 * `ConnectorHandler.sqlExecutor()` with a key pair): the same event handling as the driver path
 * (../sql-executor/executor.ts), with each statement one HTTPS request signed with a key-pair
 * JWT (../sql-api/client.ts) instead of a driver session. snowflake-sdk is not in this bundle
 * (test/runtime/sql-api-executor/bundle.test.ts).
 *
 * The secret is read as on the driver path (SecretSource: the same retries, checks and error
 * messages), once per cold start; after a JWT the SQL API refuses, once more (a rotation may have
 * changed the key). Its one GetSecretValue call is signed here, with SigV4 and node:https
 * (../shared/secrets-manager.ts), not made by the AWS SDK, which this bundle does not hold
 * (docs/design/sql-api-executor.md, "The one AWS call").
 *
 * What the SQL API cannot send is refused before the secret is read: rows of binds (it has no
 * array binding) and null binds (no documented form). Declared statements that would need them
 * fail the synth with this transport (SnowflakeConnectorFunction); these checks cover SQL text
 * from events (allowAnySql).
 */
import { sqlApiSettingsFromEnvironment } from './environment';
import { regionOfSecretArn, SecretSource } from '../connector/secret-source';
import { httpsSecretValueClient } from '../shared/secrets-manager';
import { Bind, SqlApiClient } from '../sql-api/client';
import { InvalidEventError, Statement } from '../sql-executor/event';
import { sqlExecutorHandler, StatementRunner } from '../sql-executor/executor';

export type { SqlResponse, StatementResult } from '../sql-executor/executor';

const TO_DRIVER = 'ConnectorHandler.sqlExecutor({ transport: SqlExecutorTransport.DRIVER })';

/** The SQL API client as the executor's runner. */
export function sqlApiRunner(client: SqlApiClient): StatementRunner {
  return {
    refuse(statement: Statement, at: (field: string) => string) {
      const binds = statement.binds ?? [];
      const name = statement.name ? `statement ${statement.name}` : 'the statement';
      if (binds.length > 0 && binds.every(Array.isArray)) {
        // SUB "Using bind variables in a statement" shows no array form (research §1.5).
        return new InvalidEventError(at('binds'), `gives ${binds.length} rows of binds for ${name}, and this function runs the SQL executor on `
          + 'Snowflake\'s SQL API, which has no array binding. Send one statement per row ({ "statements": [{ "run": ..., "binds": [...] }, ...] }), '
          + `or build the function with ${TO_DRIVER}`);
      }
      const nullAt = binds.findIndex((b) => b === null);
      if (nullAt >= 0) {
        // SUB documents no way to bind SQL NULL (research §1.5).
        return new InvalidEventError(at(`binds[${nullAt}]`), 'is null, and this function runs the SQL executor on Snowflake\'s SQL API, which '
          + `documents no way to bind SQL NULL. Write NULL in the SQL, or build the function with ${TO_DRIVER}`);
      }
      return undefined;
    },
    run(statement, fetch) {
      return client.statement(statement.sql, statement.binds as Bind[] | undefined, fetch);
    },
  };
}

export const handler = sqlExecutorHandler(() => {
  const { secretId, ...options } = sqlApiSettingsFromEnvironment(process.env);
  const region = regionOfSecretArn(secretId);
  const secrets = httpsSecretValueClient({ ...(region ? { region } : {}), requestTimeoutMs: 5_000 });
  return sqlApiRunner(new SqlApiClient({ credentials: new SecretSource(secretId, secrets), ...options }));
});
