import * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * The runtime of every function this library creates, pinned.
 *
 * Never `determineLatestNodeRuntime`: its answer changes when aws-cdk-lib upgrades, which
 * would change users' templates and break their snapshot tests. We move this pin on purpose,
 * in a release that says so.
 */
export const LAMBDA_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** ARM64 (Graviton): cheaper per GB-second than x86_64 for this workload. */
export const LAMBDA_ARCHITECTURE = lambda.Architecture.ARM_64;
