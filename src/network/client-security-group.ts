import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { AwsServiceEndpoint, s3PrefixListId } from './aws-service-endpoints';
import { IPrivateLinkEndpoint, PrivateLinkEndpoint } from './privatelink-endpoint';

export interface ClientSecurityGroupProps {
  readonly vpc: ec2.IVpc;
  readonly description: string;
  /** The description of the 443 egress rule to the internet, when there is one. */
  readonly httpsDescription: string;
  /** Also allow egress to 80, for OCSP certificate checks (to the internet without PrivateLink). */
  readonly ocsp: boolean;
  /**
   * The PrivateLink endpoint the function reaches Snowflake through. Its `allowFrom(fn)` adds the
   * egress rules to the endpoint's security group (443, and 80 for OCSP, whose host names the
   * private zone points at the endpoint, for a client that asks OCSP responders), so the group gets
   * no rule to the internet for Snowflake.
   */
  readonly privateLink?: IPrivateLinkEndpoint;
  /** The AWS services the function calls from the VPC. */
  readonly awsServices: AwsServiceEndpoint[];
  /**
   * Whether the function adds (and opens to itself) an interface endpoint for each of
   * `awsServices` (`addAwsServiceEndpoints`). The PrivateLinkEndpoint's own `addAwsServiceEndpoints` counts too.
   */
  readonly addAwsServiceEndpoints: boolean;
}

/**
 * The security group of a function that talks to Snowflake (and AWS APIs) from a VPC. Egress:
 *
 * - without PrivateLink: 443 to the internet, and 80 for OCSP;
 * - with PrivateLink: nothing to the internet for Snowflake (the endpoint's `allowFrom` adds 443,
 *   and 80 unless `ocsp: false`, to its security group, as `ec2.Connections` does for a group without
 *   `allowAllOutbound`), and 443 to the interface endpoints the library opens to the function
 *   (`allowDefaultPortFrom` adds those), and 443 to the S3 prefix list where S3 goes through the
 *   library's gateway endpoint (`s3PrefixListId` looks its id up at deploy time). 443 to the
 *   internet stays only where an AWS service is reached another way: through NAT or the VPC's own
 *   endpoints (no `addAwsServiceEndpoints`).
 *
 * Not exported from index.ts.
 */
export function snowflakeClientSecurityGroup(scope: Construct, id: string, props: ClientSecurityGroupProps): ec2.SecurityGroup {
  const group = new ec2.SecurityGroup(scope, id, { vpc: props.vpc, allowAllOutbound: false, description: props.description });
  if (internetHttpsNeeded(props)) {
    group.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), props.httpsDescription);
  } else if (props.awsServices.includes('s3')) {
    // Every service goes through the library's endpoints: S3 through its gateway endpoint, by its prefix list.
    group.addEgressRule(ec2.Peer.prefixList(s3PrefixListId(scope)), ec2.Port.tcp(443), 'HTTPS to S3 through the gateway endpoint');
  }
  if (props.ocsp && !props.privateLink) group.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), 'OCSP certificate checks');
  return group;
}

/** Whether a client needs 443 to the internet: see `snowflakeClientSecurityGroup`. */
export function internetHttpsNeeded(props: Pick<ClientSecurityGroupProps, 'privateLink' | 'awsServices' | 'addAwsServiceEndpoints'>): boolean {
  if (!props.privateLink) return true;
  const fromEndpoint = props.privateLink instanceof PrivateLinkEndpoint ? props.privateLink._awsServices : [];
  return !props.awsServices.every((service) => props.addAwsServiceEndpoints || fromEndpoint.includes(service));
}
