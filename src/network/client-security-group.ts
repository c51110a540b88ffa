import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';

export interface ClientSecurityGroupProps {
  readonly vpc: ec2.IVpc;
  readonly description: string;
  /** The description of the 443 egress rule. */
  readonly httpsDescription: string;
  /** Also allow egress to 80, for OCSP certificate checks. */
  readonly ocsp: boolean;
}

/**
 * The security group of a function that talks to Snowflake (and AWS APIs) from a VPC: egress to
 * 443, and 80 for OCSP, and nothing else. Not exported from index.ts.
 */
export function snowflakeClientSecurityGroup(scope: Construct, id: string, props: ClientSecurityGroupProps): ec2.SecurityGroup {
  const group = new ec2.SecurityGroup(scope, id, { vpc: props.vpc, allowAllOutbound: false, description: props.description });
  group.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), props.httpsDescription);
  if (props.ocsp) group.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), 'OCSP certificate checks');
  return group;
}
