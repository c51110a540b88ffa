import { Construct } from 'constructs';

/** Placeholder until cdk-nag findings are known. */
export function acknowledgeSecretFindings(_scope: Construct, _options: { customerManagedKey: boolean }): void {}
