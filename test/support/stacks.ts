import { App, Stack } from 'aws-cdk-lib';

/** A stack in a fixed environment, in a fresh app. */
export function testStack(id = 'Test', region = 'us-east-1'): Stack {
  const app = new App();
  return new Stack(app, id, { env: { account: '123456789012', region } });
}
