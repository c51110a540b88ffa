/**
 * The example app. `./scripts/main.sh` synthesizes it into cdk.out/ and prints a summary;
 * `cdk synth --app "npx ts-node examples/typescript/app.ts"` works as well.
 */
import { App } from 'aws-cdk-lib';
import { PORTABLE_STACK_NAME, SnowflakePortableStack } from './portable-stack';
import { SnowflakeExampleStack } from './snowflake-stack';

const app = new App({ outdir: process.env.CDK_OUTDIR ?? 'cdk.out' });
// A fixed environment, so the template is the same on every machine (snapshot contract).
new SnowflakeExampleStack(app, 'SnowflakeKeyPairExample', {
  env: { account: '123456789012', region: 'us-east-1' },
});
// Every construct, as examples/python, examples/java and examples/go build it too.
new SnowflakePortableStack(app, PORTABLE_STACK_NAME);
app.synth();
