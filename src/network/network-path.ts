import { IConstruct } from 'constructs';
import { IPrivateLinkEndpoint, PrivateLinkEndpoint } from './privatelink-endpoint';

/**
 * What a function in a VPC needs in place before it is invoked at deploy time (by a rotation
 * schedule's first test, or by a custom resource): the PrivateLink endpoint with its records, and
 * the security groups (whose ingress rules let the function in), and the AWS service endpoints the
 * endpoint added. Without these dependencies CloudFormation may invoke the function before its
 * network path exists. Not exported from index.ts.
 */
export function privateLinkPath(privateLink: IPrivateLinkEndpoint): IConstruct[] {
  return [
    privateLink,
    ...privateLink.connections.securityGroups,
    ...(privateLink instanceof PrivateLinkEndpoint ? privateLink._awsServicePath : []),
  ];
}
