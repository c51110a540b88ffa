import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct, IConstruct } from 'constructs';
import { onePerVpc } from '../private/one-per-vpc';

/** An AWS service the connector reaches from isolated subnets. */
export type AwsServiceEndpoint = 'secretsmanager' | 'sts' | 's3';

const INTERFACE: Record<Exclude<AwsServiceEndpoint, 's3'>, { id: string; service: ec2.InterfaceVpcEndpointAwsService }> = {
  secretsmanager: { id: 'SnowflakeSecretsManagerEndpoint', service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER },
  sts: { id: 'SnowflakeStsEndpoint', service: ec2.InterfaceVpcEndpointAwsService.STS },
};
const S3_ID = 'SnowflakeS3Endpoint';

/** The AWS service endpoints of a VPC that a function uses. */
export interface AwsServiceEndpoints {
  /** The interface endpoints, to let clients in (`endpoint.connections.allowDefaultPortFrom(fn)`). */
  readonly interfaceEndpoints: ec2.InterfaceVpcEndpoint[];
  /**
   * Every endpoint and security group of the path (with the ingress rules added to them): what a
   * deploy-time invocation of the client must wait for.
   */
  readonly networkPath: IConstruct[];
}

/**
 * The VPC endpoints a function needs to run without NAT, added to the VPC once however many
 * constructs ask (two interface endpoints with private DNS for one service would conflict): beside
 * a VPC of this app, as `vpc.addInterfaceEndpoint` puts them, or in the asking construct's stack
 * for an imported VPC (`onePerVpc`). Returns the interface endpoints, so callers can open them to
 * their clients.
 */
export function ensureAwsServiceEndpoints(
  requester: Construct,
  vpc: ec2.IVpc,
  subnets: ec2.SubnetSelection | undefined,
  services: AwsServiceEndpoint[],
): AwsServiceEndpoints {
  const endpoints: ec2.InterfaceVpcEndpoint[] = [];
  const gateways: ec2.GatewayVpcEndpoint[] = [];
  for (const name of services) {
    if (name === 's3') {
      const s3 = (scope: Construct, id: string) => new ec2.GatewayVpcEndpoint(scope, id, { vpc, service: ec2.GatewayVpcEndpointAwsService.S3 });
      gateways.push(onePerVpc(requester, vpc, S3_ID, s3, {
        what: 'the S3 gateway endpoint',
        why: 'a route table takes one route to the S3 prefix list',
        fix: 'Set addVpcEndpoints (or addAwsServiceEndpoints) in one stack only, or add the endpoints to the VPC yourself.',
      }));
      continue;
    }
    const { id, service } = INTERFACE[name];
    endpoints.push(onePerVpc(requester, vpc, id, (scope, endpointId) => {
      // An endpoint only answers: its group has no egress, and no rule for the whole VPC (each
      // client is let in by its own security group).
      const securityGroup = new ec2.SecurityGroup(scope, `${endpointId}SecurityGroup`, {
        vpc,
        // No token in it (a service name holds the region): a description is set once, and checked by scanners.
        description: `${name} interface endpoint: HTTPS from Snowflake connector clients only (cdk-snowflake-keypair)`,
        allowAllOutbound: false,
      });
      return new ec2.InterfaceVpcEndpoint(scope, endpointId, {
        vpc, service, subnets, privateDnsEnabled: true, securityGroups: [securityGroup], open: false,
      });
    }, {
      what: `the ${name} interface endpoint`,
      why: `a VPC takes only one ${name} interface endpoint with private DNS (the second one's DNS name conflicts)`,
      fix: 'Set addVpcEndpoints (or addAwsServiceEndpoints) in one stack only, or add the endpoints to the VPC yourself.',
    }));
  }
  return {
    interfaceEndpoints: endpoints,
    // The interface endpoints' security groups hold the ingress rules that let clients in.
    networkPath: [...endpoints, ...endpoints.flatMap((e) => e.connections.securityGroups), ...gateways],
  };
}
