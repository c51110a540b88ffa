import * as ec2 from 'aws-cdk-lib/aws-ec2';

/** An AWS service the connector reaches from isolated subnets. */
export type AwsServiceEndpoint = 'secretsmanager' | 'sts' | 's3';

const INTERFACE: Record<Exclude<AwsServiceEndpoint, 's3'>, { id: string; service: ec2.InterfaceVpcEndpointAwsService }> = {
  secretsmanager: { id: 'SnowflakeSecretsManagerEndpoint', service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER },
  sts: { id: 'SnowflakeStsEndpoint', service: ec2.InterfaceVpcEndpointAwsService.STS },
};
const S3_ID = 'SnowflakeS3Endpoint';

/**
 * The VPC endpoints a function needs to run without NAT, added to the VPC once however many
 * constructs ask (two interface endpoints with private DNS for one service would conflict). They
 * live in the VPC, as `vpc.addInterfaceEndpoint` puts them, so a second caller finds the first's.
 * Returns the interface endpoints, so callers can open them to their clients.
 */
export function ensureAwsServiceEndpoints(
  vpc: ec2.IVpc,
  subnets: ec2.SubnetSelection | undefined,
  services: AwsServiceEndpoint[],
): ec2.InterfaceVpcEndpoint[] {
  const endpoints: ec2.InterfaceVpcEndpoint[] = [];
  for (const name of services) {
    if (name === 's3') {
      if (!vpc.node.tryFindChild(S3_ID)) vpc.addGatewayEndpoint(S3_ID, { service: ec2.GatewayVpcEndpointAwsService.S3 });
      continue;
    }
    const { id, service } = INTERFACE[name];
    const existing = vpc.node.tryFindChild(id);
    if (existing instanceof ec2.InterfaceVpcEndpoint) {
      endpoints.push(existing);
      continue;
    }
    // An endpoint only answers: its group has no egress, and no rule for the whole VPC (each
    // client is let in by its own security group).
    const securityGroup = new ec2.SecurityGroup(vpc, `${id}SecurityGroup`, {
      vpc,
      // No token in it (a service name holds the region): a description is set once, and checked by scanners.
      description: `${name} interface endpoint: HTTPS from Snowflake connector clients only (cdk-snowflake-keypair)`,
      allowAllOutbound: false,
    });
    endpoints.push(vpc.addInterfaceEndpoint(id, { service, subnets, privateDnsEnabled: true, securityGroups: [securityGroup], open: false }));
  }
  return endpoints;
}
