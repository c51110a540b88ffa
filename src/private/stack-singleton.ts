import { Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/** The stack's one construct with this id, created on first use (shared by every caller in the stack). */
export function stackSingleton<T extends Construct>(scope: Construct, id: string, create: (stack: Stack, id: string) => T): T {
  const stack = Stack.of(scope);
  return (stack.node.tryFindChild(id) as T | undefined) ?? create(stack, id);
}
