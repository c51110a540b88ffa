import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { DeployRule, DeployTemplate, Finding, keyOf, logicalIdOf, targetOf, templateOf } from '../../support/deploy-rules';
import { testStack } from '../../support/stacks';

const ID = 'VPC_ENDPOINTS';

function endpoints(template: DeployTemplate) {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::EC2::VPCEndpoint').map(([id, r]) => {
    const p = r.Properties ?? {};
    return {
      id,
      vpc: keyOf(template, p.VpcId),
      vpcId: targetOf(p.VpcId),
      service: keyOf(template, p.ServiceName),
      // CloudFormation's default type is Gateway.
      type: String(p.VpcEndpointType ?? 'Gateway'),
      privateDns: p.PrivateDnsEnabled === true || p.PrivateDnsEnabled === 'true',
      routeTables: ((p.RouteTableIds ?? []) as unknown[]).map((t) => keyOf(template, t)),
    };
  });
}

function isolatedVpc(stack: ReturnType<typeof testStack>, props: Partial<ec2.VpcProps> = {}): ec2.Vpc {
  return new ec2.Vpc(stack, 'Vpc', { natGateways: 0, maxAzs: 1, subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }], ...props });
}

export const VPC_ENDPOINTS: DeployRule = {
  id: ID,
  enforces: 'EC2 refuses a second interface endpoint with private DNS for one service in a VPC ("private-dns-enabled cannot be set because there is '
    + 'already a conflicting DNS domain"), private DNS in a VPC without DNS support and DNS hostnames, and a second gateway endpoint for one '
    + 'service on a route table (a route table holds one route to a prefix list).',
  docs: [
    'https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html',
    'https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html',
    'https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html',
  ],
  appliesTo: (template) => endpoints(template).some((e) => e.type === 'Interface' && e.privateDns) && endpoints(template).some((e) => e.type === 'Gateway'),
  async check(template) {
    const findings: Finding[] = [];
    const all = endpoints(template);
    const privateDns = new Map<string, string>();
    const routes = new Map<string, string>();
    for (const e of all) {
      const found = (message: string) => findings.push({ rule: ID, logicalId: e.id, message });
      if (e.type === 'Interface' && e.privateDns) {
        const key = `${e.service} in ${e.vpc}`;
        const first = privateDns.get(key);
        if (first) found(`${first} already is an interface endpoint with private DNS for ${key}`);
        else privateDns.set(key, e.id);
        const vpc = e.vpcId === undefined ? undefined : template.Resources[e.vpcId];
        if (vpc?.Type === 'AWS::EC2::VPC' && (vpc.Properties?.EnableDnsSupport === false || vpc.Properties?.EnableDnsHostnames !== true)) {
          found(`private DNS needs EnableDnsSupport and EnableDnsHostnames on ${e.vpcId}`);
        }
      }
      if (e.type === 'Gateway') {
        for (const table of e.routeTables) {
          const key = `${e.service} on ${table}`;
          const first = routes.get(key);
          if (first) found(`${first} already is a gateway endpoint for ${key}`);
          else routes.set(key, e.id);
        }
      }
    }
    return findings;
  },
  failingCases: [
    {
      name: 'two Secrets Manager endpoints with private DNS in one VPC',
      message: /already is an interface endpoint with private DNS for com.amazonaws.us-east-1.secretsmanager/,
      build() {
        const stack = testStack('Wrong');
        const vpc = isolatedVpc(stack);
        vpc.addInterfaceEndpoint('First', { service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER });
        const second = vpc.addInterfaceEndpoint('Second', { service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER });
        return { template: templateOf(stack), logicalId: logicalIdOf(stack, second) };
      },
    },
    {
      name: 'two S3 gateway endpoints on the same route tables',
      message: /already is a gateway endpoint for com.amazonaws.us-east-1.s3/,
      build() {
        const stack = testStack('Wrong');
        const vpc = isolatedVpc(stack);
        vpc.addGatewayEndpoint('First', { service: ec2.GatewayVpcEndpointAwsService.S3 });
        const second = vpc.addGatewayEndpoint('Second', { service: ec2.GatewayVpcEndpointAwsService.S3 });
        return { template: templateOf(stack), logicalId: logicalIdOf(stack, second) };
      },
    },
    {
      name: 'private DNS in a VPC without DNS hostnames',
      message: /private DNS needs EnableDnsSupport and EnableDnsHostnames/,
      build() {
        const stack = testStack('Wrong');
        const endpoint = isolatedVpc(stack, { enableDnsHostnames: false }).addInterfaceEndpoint('SecretsManager', { service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER });
        return { template: templateOf(stack), logicalId: logicalIdOf(stack, endpoint) };
      },
    },
  ],
};
