import * as lambda from 'aws-cdk-lib/aws-lambda';
import { bundledAsset } from './assets';

/**
 * What a `SnowflakeConnectorFunction` runs.
 *
 * `sqlExecutor()` is the pre-bundled generic SQL executor. Your own handlers (`fromAsset`,
 * `fromCode`) get the pre-bundled connector as a Lambda layer: they import
 * `@cdk-snowflake-keypair/connector` and leave it out of their own bundle (esbuild
 * `--external:@cdk-snowflake-keypair/connector`, or `bundling.externalModules` of a
 * `NodejsFunction`). See docs/connector.md.
 */
export class ConnectorHandler {
  /**
   * The generic SQL executor: `{ statements: [{ sql, binds? }], fetch?: 'all' | 'none' | { maxRows } }`
   * in, rows or row counts out. Usable from direct invocation, Step Functions and EventBridge.
   */
  public static sqlExecutor(): ConnectorHandler {
    return new ConnectorHandler(lambda.Code.fromAsset(bundledAsset('sql-executor')), 'index.handler', false);
  }

  /**
   * Your own handler, already bundled into a directory (for example by esbuild), with the
   * connector marked external.
   *
   * @param directory the directory holding the bundled handler
   * @param handler the handler, `file.export`
   */
  public static fromAsset(directory: string, handler: string = 'index.handler'): ConnectorHandler {
    return new ConnectorHandler(lambda.Code.fromAsset(directory), handler, true);
  }

  /**
   * Your own handler from any Lambda code source.
   *
   * @param code the code
   * @param handler the handler, `file.export`
   */
  public static fromCode(code: lambda.Code, handler: string): ConnectorHandler {
    return new ConnectorHandler(code, handler, true);
  }

  private constructor(
    /** @internal */ public readonly _code: lambda.Code,
    /** @internal */ public readonly _handler: string,
    /** @internal */ public readonly _needsConnectorLayer: boolean,
  ) {}
}
