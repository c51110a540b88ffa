/**
 * Use case 1, event-driven loading: `OrderPlaced` events on an EventBridge bus land in Snowflake.
 *
 * The handler is your own code (../handlers/order-events.ts). It is bundled here, at synth time,
 * by esbuild on this machine (no Docker), with the connector marked external: the function gets
 * the connector from the SnowflakeConnectorLayer, so the bundle holds only the handler.
 */
import * as path from 'node:path';
import { DockerImage, Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import { Construct } from 'constructs';
import * as esbuild from 'esbuild';
import { deadLetterQueue } from './dead-letter-queue';
import { ConnectorHandler, ISnowflakeKeyPairSecret, SnowflakeConnectorFunction, SnowflakeConnectorLayer } from '../../../src';

export interface EventDrivenLoadProps {
  /** The loader's key-pair secret. */
  readonly secret: ISnowflakeKeyPairSecret;
  /**
   * The bus the order service puts its events on.
   * @default the account's default bus
   */
  readonly bus?: events.IEventBus;
}

export class EventDrivenLoad extends Construct {
  public readonly loader: SnowflakeConnectorFunction;

  constructor(scope: Construct, id: string, props: EventDrivenLoadProps) {
    super(scope, id);

    // Events that could not be loaded end here, with their error: none is lost silently.
    const failed = deadLetterQueue(this, 'FailedOrders');

    this.loader = new SnowflakeConnectorFunction(this, 'OrderLoader', {
      secret: props.secret,
      handler: ConnectorHandler.fromCode(bundleHandler('order-events.ts'), 'index.handler'),
      timeout: Duration.minutes(1),
      // EventBridge invokes asynchronously: Lambda retries twice, then the event and its error go
      // to the queue.
      retryAttempts: 2,
      onFailure: new destinations.SqsDestination(failed),
    });

    new events.Rule(this, 'OrderPlaced', {
      eventBus: props.bus,
      description: 'Loads every OrderPlaced event into Snowflake',
      eventPattern: { source: ['com.example.orders'], detailType: ['OrderPlaced'] },
      targets: [new targets.LambdaFunction(this.loader.function, {
        retryAttempts: 8,
        maxEventAge: Duration.hours(6),
        deadLetterQueue: failed,
      })],
    });
  }
}

/**
 * Your handler, bundled by esbuild when the app synthesizes: minified, the connector external.
 * The asset hash is taken from the output, which depends only on the handler's code.
 */
export function bundleHandler(entry: string): lambda.Code {
  const handlers = path.join(__dirname, '..', 'handlers');
  return lambda.Code.fromAsset(handlers, {
    bundling: {
      // Never pulled: local bundling below always succeeds (esbuild is a dependency of the app).
      image: DockerImage.fromRegistry('local-bundling-only'),
      local: {
        tryBundle(outputDir: string): boolean {
          esbuild.buildSync({
            entryPoints: [entry],
            absWorkingDir: handlers,
            bundle: true,
            platform: 'node',
            target: 'node24',
            format: 'cjs',
            minify: true,
            legalComments: 'none',
            external: [SnowflakeConnectorLayer.MODULE_NAME],
            outfile: path.join(outputDir, 'index.js'),
            logLevel: 'warning',
          });
          return true;
        },
      },
    },
  });
}
