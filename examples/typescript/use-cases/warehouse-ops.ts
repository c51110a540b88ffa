/**
 * Use case 3, operations automation: resume the loading warehouse on weekday mornings, run the
 * nightly refresh task, and suspend the warehouse in the evening. EventBridge schedules invoke
 * the pre-bundled SQL executor with a fixed input naming a declared statement (opsStatements,
 * identifiers quoted): the rules send `{ "run": "resumeWarehouse" }`, never SQL, and the function
 * does not read EventBridge `detail`.
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import { deadLetterQueue } from './dead-letter-queue';
import { SnowflakeConnectorFunction, SqlStatement } from '../../../src';

/** Quotes every part of a (qualified) identifier. */
const quoted = (name: string) => name.split('.').map((part) => `"${part.replace(/"/g, '""')}"`).join('.');

/** The statements the schedules run: give them to the function's `ConnectorHandler.sqlExecutor({ statements })`. */
export function opsStatements(warehouse: string, task: string): { [name: string]: SqlStatement } {
  return {
    resumeWarehouse: SqlStatement.of(`ALTER WAREHOUSE IF EXISTS ${quoted(warehouse)} RESUME IF SUSPENDED`),
    runRefreshTask: SqlStatement.of(`EXECUTE TASK ${quoted(task)}`),
    suspendWarehouse: SqlStatement.of(`ALTER WAREHOUSE IF EXISTS ${quoted(warehouse)} SUSPEND`),
  };
}

export interface WarehouseOpsProps {
  /** A SnowflakeConnectorFunction running the SQL executor with opsStatements(...) declared. */
  readonly sql: SnowflakeConnectorFunction;
}

export class WarehouseOps extends Construct {
  constructor(scope: Construct, id: string, props: WarehouseOpsProps) {
    super(scope, id);
    const failed = deadLetterQueue(this, 'FailedSchedules');

    const schedule = (name: string, cron: events.CronOptions, statement: string, description: string) => new events.Rule(this, name, {
      schedule: events.Schedule.cron(cron),
      description,
      targets: [new targets.LambdaFunction(props.sql.function, {
        event: events.RuleTargetInput.fromObject({ run: statement, fetch: 'none' }),
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
        deadLetterQueue: failed,
      })],
    });

    schedule('ResumeWarehouse', { weekDay: 'MON-FRI', hour: '6', minute: '0' }, 'resumeWarehouse', 'Resumes the loading warehouse on weekday mornings');
    schedule('RunRefreshTask', { hour: '2', minute: '30' }, 'runRefreshTask', 'Runs the nightly refresh task');
    schedule('SuspendWarehouse', { weekDay: 'MON-FRI', hour: '20', minute: '0' }, 'suspendWarehouse', 'Suspends the loading warehouse on weekday evenings');
  }
}
