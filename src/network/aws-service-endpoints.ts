import { Aws, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct, IConstruct } from 'constructs';
import { acknowledge } from '../private/acknowledgements';
import { onePerVpc } from '../private/one-per-vpc';
import { fail } from '../private/validation';

/** An AWS service the connector reaches from isolated subnets. */
export type AwsServiceEndpoint = 'secretsmanager' | 'sts' | 's3';

const INTERFACE: Record<Exclude<AwsServiceEndpoint, 's3'>, { id: string; service: ec2.InterfaceVpcEndpointAwsService }> = {
  secretsmanager: { id: 'SnowflakeSecretsManagerEndpoint', service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER },
  sts: { id: 'SnowflakeStsEndpoint', service: ec2.InterfaceVpcEndpointAwsService.STS },
};
const S3_ID = 'SnowflakeS3Endpoint';
const S3_PREFIX_LIST_ID = 'SnowflakeS3PrefixList';

/**
 * What every function of the library calls on Secrets Manager: the connector and the registration
 * read (GetSecretValue); the rotation function also describes, writes and moves stages.
 */
export const SECRETS_MANAGER_ACTIONS = [
  'secretsmanager:DescribeSecret',
  'secretsmanager:GetSecretValue',
  'secretsmanager:PutSecretValue',
  'secretsmanager:UpdateSecretVersionStage',
];

/** Only principals of the endpoint's own account (`aws:PrincipalAccount`, a global condition key). */
const IN_THIS_ACCOUNT = { StringEquals: { 'aws:PrincipalAccount': Aws.ACCOUNT_ID } };

/**
 * The endpoint policies, limited to what the library's functions need (an endpoint policy does not
 * grant: it caps what any principal may do through the endpoint, on top of its own policies;
 * https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html). Every workload
 * of the VPC that uses these endpoints gets the same cap: add statements with `addToPolicy` for
 * what else it needs.
 */
export const ENDPOINT_POLICIES: Record<AwsServiceEndpoint, () => iam.PolicyStatement[]> = {
  secretsmanager: () => [new iam.PolicyStatement({
    sid: 'SnowflakeKeyPairSecrets',
    principals: [new iam.StarPrincipal()],
    actions: SECRETS_MANAGER_ACTIONS,
    resources: ['*'],
    conditions: IN_THIS_ACCOUNT,
  })],
  // No function of the library calls STS; GetCallerIdentity needs no permission and only names
  // the caller (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html).
  sts: () => [new iam.PolicyStatement({
    sid: 'CallerIdentityOnly',
    principals: [new iam.StarPrincipal()],
    actions: ['sts:GetCallerIdentity'],
    resources: ['*'],
    conditions: IN_THIS_ACCOUNT,
  })],
  s3: () => [
    // A custom resource (the registration) answers CloudFormation with a PUT to a pre-signed URL
    // of CloudFormation's own bucket, signed by CloudFormation, not by a principal of this account
    // ("Setting up VPC endpoints for AWS CloudFormation":
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cfn-vpce-bucketnames.html).
    new iam.PolicyStatement({
      sid: 'CloudFormationCustomResourceResponses',
      principals: [new iam.StarPrincipal()],
      actions: ['s3:PutObject'],
      resources: [`arn:${Aws.PARTITION}:s3:::cloudformation-custom-resource-response-*/*`],
    }),
    // The connector downloads large result sets from the account's internal stage, an S3 bucket
    // Snowflake owns, named per account (the STAGE host of SYSTEM$ALLOWLIST:
    // https://docs.snowflake.com/en/sql-reference/functions/system_allowlist), through URLs
    // Snowflake pre-signs: reads only, of any bucket.
    new iam.PolicyStatement({
      sid: 'SnowflakeResultDownloads',
      principals: [new iam.StarPrincipal()],
      actions: ['s3:GetObject'],
      resources: ['*'],
    }),
  ],
};

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
      const s3 = (scope: Construct, id: string) => {
        const gateway = new ec2.GatewayVpcEndpoint(scope, id, { vpc, service: ec2.GatewayVpcEndpointAwsService.S3 });
        for (const statement of ENDPOINT_POLICIES.s3()) gateway.addToPolicy(statement);
        return gateway;
      };
      gateways.push(onePerVpc(requester, vpc, S3_ID, s3, {
        what: 'the S3 gateway endpoint',
        why: 'a route table takes one route to the S3 prefix list',
        fix: 'Set addAwsServiceEndpoints in one stack only, or add the endpoints to the VPC yourself.',
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
      const endpoint = new ec2.InterfaceVpcEndpoint(scope, endpointId, {
        vpc, service, subnets, privateDnsEnabled: true, securityGroups: [securityGroup], open: false,
      });
      for (const statement of ENDPOINT_POLICIES[name]()) endpoint.addToPolicy(statement);
      return endpoint;
    }, {
      what: `the ${name} interface endpoint`,
      why: `a VPC takes only one ${name} interface endpoint with private DNS (the second one's DNS name conflicts)`,
      fix: 'Set addAwsServiceEndpoints in one stack only, or add the endpoints to the VPC yourself.',
    }));
  }
  return {
    interfaceEndpoints: endpoints,
    // The interface endpoints' security groups hold the ingress rules that let clients in.
    networkPath: [...endpoints, ...endpoints.flatMap((e) => e.connections.securityGroups), ...gateways],
  };
}

/**
 * The id of the AWS-managed prefix list of S3 in the stack's region (`pl-...`), the destination
 * the S3 gateway endpoint routes (https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html:
 * a security group's outbound rule names it to let clients reach S3 through the endpoint).
 * CloudFormation cannot give it (no attribute of AWS::EC2::VPCEndpoint or resource names it:
 * https://github.com/aws-cloudformation/cloudformation-coverage-roadmap/issues/453), so it is looked
 * up at deploy time with EC2 DescribeManagedPrefixLists, filtered on `prefix-list-name`: the
 * prefix list of a gateway endpoint's service is named after the service, `com.amazonaws.<region>.s3`
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeManagedPrefixLists.html;
 * response `PrefixLists[].PrefixListId`).
 *
 * The prefix list belongs to the region, not to a VPC: one lookup per stack (the asking
 * construct's, where the security group that takes the id is) serves every VPC of the stack,
 * needs no cross-stack reference, and, unlike an endpoint, collides with nothing in another stack
 * (so it does not take `onePerVpc`'s one-stack rule for imported VPCs). Only for a client whose S3
 * traffic goes through the library's gateway endpoint (`ensureAwsServiceEndpoints` with 's3'):
 * another endpoint may route another way.
 */
export function s3PrefixListId(requester: Construct): string {
  const stack = Stack.of(requester);
  const made = (stack.node.tryFindChild(S3_PREFIX_LIST_ID) as cr.AwsCustomResource | undefined) ?? s3PrefixListLookup(stack);
  return made.getResponseField('PrefixLists.0.PrefixListId');
}

function s3PrefixListLookup(stack: Stack): cr.AwsCustomResource {
  const name = ec2.GatewayVpcEndpointAwsService.S3.name;
  const call: cr.AwsSdkCall = {
    service: 'EC2',
    action: 'describeManagedPrefixLists',
    parameters: { Filters: [{ Name: 'prefix-list-name', Values: [name] }] },
    // The name holds the region: the same id for the life of the stack.
    physicalResourceId: cr.PhysicalResourceId.of(name),
    // Only the id comes back (a custom resource's response is capped at 4 KB).
    outputPaths: ['PrefixLists.0.PrefixListId'],
  };
  const lookup = new cr.AwsCustomResource(stack, S3_PREFIX_LIST_ID, {
    resourceType: 'Custom::SnowflakeS3PrefixList',
    onCreate: call,
    onUpdate: call,
    // ec2:DescribeManagedPrefixLists supports no resource-level permissions: its resource is "*"
    // (Service Authorization Reference, Amazon EC2:
    // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html).
    policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE }),
    // The SDK of the Lambda runtime: no download from npm at deploy time.
    installLatestAwsSdk: false,
  });
  acknowledge(lookup, 's3PrefixListLookupPolicy');
  // aws-cdk-lib's provider function, one per stack ('AWS' and its uuid without dashes is its id).
  const provider = stack.node.tryFindChild(`AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`);
  if (!provider) fail(lookup, `aws-cdk-lib's AwsCustomResource provider function was not found in stack ${stack.stackName}.`);
  acknowledge(provider, 's3PrefixListLookupFunction');
  return lookup;
}
