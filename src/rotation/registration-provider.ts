import { Aws, Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct, IConstruct } from 'constructs';
import { ensureAwsServiceEndpoints } from '../network/aws-service-endpoints';
import { snowflakeClientSecurityGroup } from '../network/client-security-group';
import { privateLinkPath } from '../network/network-path';
import { IPrivateLinkEndpoint } from '../network/privatelink-endpoint';
import { acknowledge } from '../private/acknowledgements';
import { internalFunction } from '../private/internal-function';
import { stackSingleton } from '../private/stack-singleton';
import { fail } from '../private/validation';
import { HOST_ENV } from '../shared/environment';
import { STACK_ID_ENV } from '../shared/pinned-environment';

/** How the registration function reaches Snowflake. */
export interface RegistrationNetwork {
  /** Through this PrivateLink endpoint, from its VPC; none: Snowflake's public endpoint. */
  readonly privateLink?: IPrivateLinkEndpoint;
  readonly vpcSubnets?: ec2.SubnetSelection;
  readonly addAwsServiceEndpoints?: boolean;
}

/**
 * The Lambda behind the registration custom resources of a stack: one per stack and way to reach
 * Snowflake (the public endpoint, or each PrivateLink endpoint), shared by the
 * SnowflakeKeyPairSecrets with `registration`. Each secret grants its role read of its own secret
 * and of its administrator's secret, at AWSCURRENT only. Not exported from index.ts.
 */
export class RegistrationProvider extends Construct {
  /** Returns the stack's provider for this network, creating it on first use. */
  public static of(scope: Construct, network: RegistrationNetwork = {}): RegistrationProvider {
    const endpoint = network.privateLink;
    // One function per endpoint, named after the endpoint's path in its stack (stable across machines and runs).
    const id = endpoint
      ? `SnowflakeUserRegistrationProviderVia${endpoint.node.scopes.slice(Stack.of(endpoint).node.scopes.length).map((c) => c.node.id).join('').replace(/[^A-Za-z0-9]/g, '')}`
      : 'SnowflakeUserRegistrationProvider';
    const provider = stackSingleton(scope, id, (stack, newId) => new RegistrationProvider(stack, newId, network));
    provider.checkSameNetwork(scope, network);
    return provider;
  }

  public readonly role: iam.Role;
  public readonly function: lambda.Function;
  /** What a custom resource must wait for before CloudFormation invokes the function: its network path in the VPC. */
  public readonly networkPath: IConstruct[] = [];
  private readonly privateLink?: IPrivateLinkEndpoint;
  private readonly subnetIds?: string[];

  private constructor(scope: Construct, id: string, network: RegistrationNetwork) {
    super(scope, id);
    this.privateLink = network.privateLink;
    // Through PrivateLink: in the endpoint's VPC, egress to 443 and 80 (OCSP) only.
    const vpc = network.privateLink?.vpc;
    const securityGroup = vpc && snowflakeClientSecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: 'cdk-snowflake-keypair registration function: HTTPS (and OCSP) egress only',
      httpsDescription: 'HTTPS to Secrets Manager and the CloudFormation response URL (S3)',
      ocsp: true,
      privateLink: network.privateLink,
      awsServices: ['secretsmanager', 's3'],
      addAwsServiceEndpoints: network.addAwsServiceEndpoints ?? false,
    });
    const created = internalFunction(this, {
      // The administrator functions share one bundle (assets/rotation).
      asset: 'rotation',
      handler: 'index.registrationHandler',
      description: 'cdk-snowflake-keypair: registers the generated public key with the Snowflake user at deploy time',
      roleDescription: 'cdk-snowflake-keypair registration custom resource: reads its stack\'s Snowflake secrets and their administrators\' secrets',
      memorySize: 512,
      timeout: Duration.minutes(2),
      // The stack it answers for: events from any other stack are refused.
      environment: { [STACK_ID_ENV]: Aws.STACK_ID, ...(network.privateLink ? { [HOST_ENV]: network.privateLink.accountHost } : {}) },
      vpc,
      vpcSubnets: network.vpcSubnets,
      securityGroups: securityGroup ? [securityGroup] : undefined,
    });
    this.role = created.role;
    this.function = created.function;
    acknowledge(this.function, vpc ? 'registrationFunctionInVpc' : 'registrationFunction');
    acknowledge(created.logGroup, 'registrationLogGroup');
    if (vpc) {
      this.subnetIds = vpc.selectSubnets(network.vpcSubnets).subnetIds;
      network.privateLink!.allowFrom(this.function);
      this.networkPath.push(...privateLinkPath(network.privateLink!));
      if (network.addAwsServiceEndpoints) {
        // Secrets Manager for both secrets; S3 for CloudFormation's pre-signed response URL.
        const endpoints = ensureAwsServiceEndpoints(this, vpc, network.vpcSubnets, ['secretsmanager', 's3']);
        for (const endpoint of endpoints.interfaceEndpoints) {
          endpoint.connections.allowDefaultPortFrom(this.function, 'The Snowflake registration function reads its secrets');
        }
        this.networkPath.push(...endpoints.networkPath);
      }
    }
  }

  /** Registrations through one endpoint share this function, so they must agree on its subnets. */
  private checkSameNetwork(scope: Construct, network: RegistrationNetwork): void {
    if (network.privateLink !== this.privateLink) {
      // Two endpoints with the same path in different stacks: their functions would share an id.
      fail(scope, `registration.privateLink ${network.privateLink?.node.path} has the same path in its stack as `
        + `${this.privateLink?.node.path}, which another registration in this stack goes through. Give the endpoints different ids.`);
    }
    if (!network.privateLink || !this.subnetIds) return;
    const asked = network.privateLink.vpc.selectSubnets(network.vpcSubnets).subnetIds;
    if (asked.join(',') !== this.subnetIds.join(',')) {
      fail(scope, 'registration.vpcSubnets differs from another registration through the same PrivateLink endpoint '
        + `(${network.privateLink.node.path}) in this stack: they share one registration function, which runs in one set of subnets. `
        + 'Give them the same vpcSubnets.');
    }
  }
}
