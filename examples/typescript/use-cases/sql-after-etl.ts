/**
 * Use case 2, SQL after an AWS ETL job: a Step Functions workflow runs the Glue job, then the
 * pre-bundled SQL executor MERGEs what it staged and checks the result before it reports success.
 *
 * The executor runs only statements declared at synth time (ETL_STATEMENTS): the workflow names
 * them, it never sends SQL. Whoever may invoke the function may run these three, and nothing else.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { SnowflakeConnectorFunction, SqlStatement } from '../../../src';
import { acknowledgeExample, workflowRoleAcknowledgement } from '../acknowledgements';

/** The statements the workflow runs: give them to the function's `ConnectorHandler.sqlExecutor({ statements })`. */
export const ETL_STATEMENTS = {
  mergeStagedOrders: SqlStatement.of('MERGE INTO ORDERS T USING STAGED_ORDERS S ON T.ORDER_ID = S.ORDER_ID '
    + 'WHEN MATCHED THEN UPDATE SET AMOUNT = S.AMOUNT '
    + 'WHEN NOT MATCHED THEN INSERT (ORDER_ID, CUSTOMER_ID, AMOUNT) VALUES (S.ORDER_ID, S.CUSTOMER_ID, S.AMOUNT)'),
  truncateStagedOrders: SqlStatement.of('TRUNCATE TABLE STAGED_ORDERS'),
  countOrphanOrders: SqlStatement.of('SELECT COUNT(*) AS ORPHANS FROM ORDERS WHERE CUSTOMER_ID IS NULL'),
};

export interface SqlAfterEtlProps {
  /** A SnowflakeConnectorFunction running the SQL executor with ETL_STATEMENTS declared. */
  readonly sql: SnowflakeConnectorFunction;
  /** The Glue job that stages the day's orders in Snowflake. */
  readonly glueJobName: string;
  /** Encrypts the workflow's execution log. */
  readonly logEncryptionKey: kms.IKey;
}

export class SqlAfterEtl extends Construct {
  public readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: SqlAfterEtlProps) {
    super(scope, id);

    const runEtl = new tasks.GlueStartJobRun(this, 'Run ETL job', {
      glueJobName: props.glueJobName,
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      resultPath: sfn.JsonPath.DISCARD,
    });

    // The SQL executor's event: declared statements by name, run in order; `fetch: 'none'` returns
    // row counts only.
    const merge = new tasks.LambdaInvoke(this, 'MERGE staged orders', {
      lambdaFunction: props.sql.function,
      payload: sfn.TaskInput.fromObject({
        statements: [{ run: 'mergeStagedOrders' }, { run: 'truncateStagedOrders' }],
        fetch: 'none',
      }),
      payloadResponseOnly: true,
      resultSelector: { 'merged.$': '$.results[0].rowCount' },
      resultPath: '$.merge',
    });
    // Throttles and transient Snowflake errors (the connector's TransientError) are worth a retry.
    merge.addRetry({ errors: ['TransientError', 'Lambda.TooManyRequestsException'], interval: Duration.seconds(5), maxAttempts: 3, backoffRate: 2 });

    const check = new tasks.LambdaInvoke(this, 'Check data quality', {
      lambdaFunction: props.sql.function,
      payload: sfn.TaskInput.fromObject({ run: 'countOrphanOrders', fetch: { maxRows: 1 } }),
      payloadResponseOnly: true,
      resultSelector: { 'orphans.$': '$.results[0].rows[0].ORPHANS' },
      resultPath: '$.quality',
    });

    const verdict = new sfn.Choice(this, 'Clean?')
      .when(sfn.Condition.numberGreaterThan('$.quality.orphans', 0),
        new sfn.Fail(this, 'Orders without a customer', { error: 'DataQuality', cause: 'ORDERS has rows without CUSTOMER_ID' }))
      .otherwise(new sfn.Succeed(this, 'Loaded'));

    const logGroup = new logs.LogGroup(this, 'ExecutionLog', {
      retention: logs.RetentionDays.ONE_YEAR,
      encryptionKey: props.logEncryptionKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stateMachine = new sfn.StateMachine(this, 'Workflow', {
      definitionBody: sfn.DefinitionBody.fromChainable(runEtl.next(merge).next(check).next(verdict)),
      timeout: Duration.hours(2),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    acknowledgeExample(this.stateMachine.role, workflowRoleAcknowledgement([props.sql.function]));
  }
}
