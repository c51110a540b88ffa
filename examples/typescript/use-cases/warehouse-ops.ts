/**
 * Use case 3, operations automation: resume the loading warehouse on weekday mornings, run the
 * nightly refresh task, and suspend the warehouse in the evening. EventBridge schedules invoke
 * the pre-bundled SQL executor with fixed statements (identifiers quoted).
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import { deadLetterQueue } from './dead-letter-queue';
import { SnowflakeConnectorFunction } from '../../../src';

export interface WarehouseOpsProps {
  /** A SnowflakeConnectorFunction running the default SQL executor. */
  readonly sql: SnowflakeConnectorFunction;
  /** The warehouse to resume and suspend. */
  readonly warehouse: string;
  /** The task to run every night, fully qualified. */
  readonly task: string;
}

export class WarehouseOps extends Construct {
  constructor(scope: Construct, id: string, props: WarehouseOpsProps) {
    super(scope, id);
    const failed = deadLetterQueue(this, 'FailedSchedules');
    const quoted = (name: string) => name.split('.').map((part) => `"${part.replace(/"/g, '""')}"`).join('.');

    const schedule = (name: string, cron: events.CronOptions, sql: string) => new events.Rule(this, name, {
      schedule: events.Schedule.cron(cron),
      description: sql,
      targets: [new targets.LambdaFunction(props.sql.function, {
        event: events.RuleTargetInput.fromObject({ statements: [{ sql }], fetch: 'none' }),
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
        deadLetterQueue: failed,
      })],
    });

    schedule('ResumeWarehouse', { weekDay: 'MON-FRI', hour: '6', minute: '0' }, `ALTER WAREHOUSE IF EXISTS ${quoted(props.warehouse)} RESUME IF SUSPENDED`);
    schedule('RunRefreshTask', { hour: '2', minute: '30' }, `EXECUTE TASK ${quoted(props.task)}`);
    schedule('SuspendWarehouse', { weekDay: 'MON-FRI', hour: '20', minute: '0' }, `ALTER WAREHOUSE IF EXISTS ${quoted(props.warehouse)} SUSPEND`);
  }
}
