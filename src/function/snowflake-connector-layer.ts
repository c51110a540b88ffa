import { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { bundledAsset } from '../private/assets';
import { LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME } from '../private/lambda-defaults';

/**
 * The pre-bundled runtime connector (snowflake-sdk with key-pair JWT, and the AWS SDK) as a
 * Lambda layer: `/opt/nodejs/node_modules/@cdk-snowflake-keypair/connector`. One per stack.
 *
 * `SnowflakeConnectorFunction` adds it to functions with your own handler. Add it yourself to a
 * function you build another way (a `NodejsFunction`, say), together with `secret.grantRead(fn)`
 * and the `SNOWFLAKE_SECRET_ID` environment variable.
 */
export class SnowflakeConnectorLayer extends Construct {
  /** The module name your handler imports from the layer; leave it out of your own bundle. */
  public static readonly MODULE_NAME = '@cdk-snowflake-keypair/connector';

  /** The stack's connector layer, created on first use. */
  public static of(scope: Construct): lambda.ILayerVersion {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(SnowflakeConnectorLayer.ID);
    const layer = existing instanceof SnowflakeConnectorLayer ? existing : new SnowflakeConnectorLayer(stack, SnowflakeConnectorLayer.ID);
    return layer.layerVersion;
  }

  private static readonly ID = 'SnowflakeConnectorLayer';

  private readonly layerVersion: lambda.LayerVersion;

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    this.layerVersion = new lambda.LayerVersion(this, 'Layer', {
      code: lambda.Code.fromAsset(bundledAsset('connector-layer')),
      compatibleRuntimes: [LAMBDA_RUNTIME],
      compatibleArchitectures: [LAMBDA_ARCHITECTURE],
      description: `cdk-snowflake-keypair: the Snowflake connector (${SnowflakeConnectorLayer.MODULE_NAME}), pre-bundled`,
      license: 'Apache-2.0',
    });
  }
}
