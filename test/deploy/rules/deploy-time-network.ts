import { CustomResource } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import {
  createdBefore, DeployRule, DeployTemplate, findingsFor, functionNamedBy, isInVpc, keyOf, logicalIdOf, policiesOfRole, resourcesOf, roleOf,
  targetOf, templateOf,
} from '../../support/deploy-rules';
import { REGION } from '../../support/iam-simulate';
import { testStack } from '../../support/stacks';

const ID = 'DEPLOY_TIME_NETWORK';
type Service = 's3' | 'secretsmanager';
const SERVICE_NAMES: Record<Service, string> = { s3: 'Amazon S3 (the custom-resource response URL)', secretsmanager: 'Secrets Manager' };
/** Route targets that give a subnet a way out to AWS's public endpoints (an internet gateway does not: Lambda's interfaces have no public IP). */
const EGRESS_TARGETS = ['NatGatewayId', 'InstanceId', 'TransitGatewayId', 'NetworkInterfaceId'];

interface Rule { readonly id?: string; readonly props: Record<string, any> }

/** A security group as a comparable key: its logical id when it is in the template, else its literal id. */
function groupKey(template: DeployTemplate, value: unknown): string {
  return targetOf(value) ?? keyOf(template, value);
}

function groupRules(template: DeployTemplate, group: string, direction: 'Ingress' | 'Egress'): Rule[] | undefined {
  const res = template.Resources[group];
  if (res?.Type !== 'AWS::EC2::SecurityGroup') return undefined; // imported: its rules are not known
  const inline: Rule[] = ((res.Properties?.[`SecurityGroup${direction}`] ?? []) as Array<Record<string, any>>).map((props) => ({ props }));
  const standalone = resourcesOf(template, `AWS::EC2::SecurityGroup${direction}`)
    .filter(([, r]) => groupKey(template, r.Properties?.GroupId) === group)
    .map(([id, r]): Rule => ({ id, props: r.Properties ?? {} }));
  return [...inline, ...standalone];
}

function covers443(props: Record<string, any>): boolean {
  const protocol = String(props.IpProtocol);
  return protocol === '-1' || ((protocol === 'tcp' || protocol === '6') && Number(props.FromPort) <= 443 && Number(props.ToPort) >= 443);
}

/** The security groups of a function (or endpoint) given by SecurityGroupIds. */
function groupsOf(template: DeployTemplate, ids: unknown): string[] {
  return ((Array.isArray(ids) ? ids : []) as unknown[]).map((g) => groupKey(template, g));
}

/** Whether one of the function's groups may send HTTPS to the endpoint's group. */
function egressAllows(template: DeployTemplate, fnGroups: string[], endpointGroups: string[]): boolean {
  return fnGroups.some((g) => {
    const rules = groupRules(template, g, 'Egress');
    if (rules === undefined) return true;
    // A group created without egress rules keeps EC2's default: all traffic out.
    if (rules.length === 0) return true;
    return rules.some(({ props }) => covers443(props)
      && ((props.CidrIp !== undefined && props.CidrIp !== '255.255.255.255/32') || props.CidrIpv6 !== undefined
        || endpointGroups.includes(groupKey(template, props.DestinationSecurityGroupId))));
  });
}

/** The standalone ingress resources (or 'inline') that let one of the function's groups reach the endpoint on 443. */
function ingressAdmitting(template: DeployTemplate, endpointGroups: string[], fnGroups: string[]): string[] {
  const admitting: string[] = [];
  for (const group of endpointGroups) {
    const rules = groupRules(template, group, 'Ingress');
    if (rules === undefined) {
      admitting.push('inline');
      continue;
    }
    for (const { id, props } of rules) {
      if (covers443(props) && (props.CidrIp !== undefined || fnGroups.includes(groupKey(template, props.SourceSecurityGroupId)))) admitting.push(id ?? 'inline');
    }
  }
  return admitting;
}

interface Path { readonly what: string; readonly resources: string[] }

/** The ways a subnet reaches a service: a route to a NAT (or similar), or a VPC endpoint. */
function pathsFrom(template: DeployTemplate, subnet: string, fnGroups: string[], service: Service): Path[] {
  const paths: Path[] = [];
  const vpc = keyOf(template, template.Resources[subnet].Properties?.VpcId);
  const association = resourcesOf(template, 'AWS::EC2::SubnetRouteTableAssociation').find(([, a]) => targetOf(a.Properties?.SubnetId) === subnet);
  const routeTable = association === undefined ? undefined : keyOf(template, association[1].Properties?.RouteTableId);
  if (association !== undefined) {
    for (const [id, route] of resourcesOf(template, 'AWS::EC2::Route')) {
      const p = route.Properties ?? {};
      if (keyOf(template, p.RouteTableId) === routeTable && p.DestinationCidrBlock === '0.0.0.0/0' && EGRESS_TARGETS.some((t) => p[t] !== undefined)) {
        paths.push({ what: `the default route ${id}`, resources: [id, association[0]] });
      }
    }
  }
  const serviceName = `com.amazonaws.${REGION}.${service}`;
  for (const [id, endpoint] of resourcesOf(template, 'AWS::EC2::VPCEndpoint')) {
    const p = endpoint.Properties ?? {};
    if (keyOf(template, p.ServiceName) !== serviceName || keyOf(template, p.VpcId) !== vpc) continue;
    const type = String(p.VpcEndpointType ?? 'Gateway');
    if (type === 'Gateway' && routeTable !== undefined && ((p.RouteTableIds ?? []) as unknown[]).some((t) => keyOf(template, t) === routeTable)) {
      paths.push({ what: `the gateway endpoint ${id}`, resources: [id] });
    }
    if (type === 'Interface' && (p.PrivateDnsEnabled === true || p.PrivateDnsEnabled === 'true')) {
      const endpointGroups = groupsOf(template, p.SecurityGroupIds);
      const ingress = ingressAdmitting(template, endpointGroups, fnGroups);
      if (ingress.length > 0 && egressAllows(template, fnGroups, endpointGroups)) {
        for (const rule of ingress) paths.push({ what: `the interface endpoint ${id}`, resources: rule === 'inline' ? [id] : [id, rule] });
      }
    }
  }
  return paths;
}

/** What runs a function while the stack deploys, and the services it must reach then. */
function deployTimeUses(template: DeployTemplate, fnId: string): Array<{ consumer: string; services: Service[] }> {
  const uses: Array<{ consumer: string; services: Service[] }> = [];
  const roleId = roleOf(template, fnId);
  let readsSecrets = false;
  try {
    readsSecrets = roleId !== undefined && JSON.stringify(policiesOfRole(template, roleId).identityPolicies).includes('"secretsmanager:');
  } catch {
    readsSecrets = false;
  }
  for (const [id, r] of Object.entries(template.Resources)) {
    if ((r.Type === 'AWS::CloudFormation::CustomResource' || r.Type.startsWith('Custom::')) && functionNamedBy(template, r.Properties?.ServiceToken) === fnId) {
      uses.push({ consumer: id, services: readsSecrets ? ['s3', 'secretsmanager'] : ['s3'] });
    }
    if (r.Type === 'AWS::SecretsManager::RotationSchedule' && functionNamedBy(template, r.Properties?.RotationLambdaARN) === fnId) {
      uses.push({ consumer: id, services: ['secretsmanager'] });
    }
  }
  return uses;
}

function isolatedVpc(stack: ReturnType<typeof testStack>): ec2.Vpc {
  return new ec2.Vpc(stack, 'Vpc', { natGateways: 0, maxAzs: 1, subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
}

function vpcFunction(stack: ReturnType<typeof testStack>, vpc: ec2.IVpc): lambda.Function {
  return new lambda.Function(stack, 'Fn', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => 1'),
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    allowAllOutbound: true,
  });
}

/** A rotation function in isolated subnets, its schedule, and a Secrets Manager endpoint wired by `wire`. */
type Wiring = (endpoint: ec2.InterfaceVpcEndpoint, fn: lambda.Function, schedule: secretsmanager.CfnRotationSchedule) => void;

function rotationInIsolatedSubnets(wire: Wiring) {
  const stack = testStack('Wrong');
  const vpc = isolatedVpc(stack);
  const endpoint = vpc.addInterfaceEndpoint('SecretsManager', { service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER, open: false });
  const secret = new secretsmanager.Secret(stack, 'Secret');
  const fn = vpcFunction(stack, vpc);
  const invoke = new lambda.CfnPermission(stack, 'Invoke', { action: 'lambda:InvokeFunction', functionName: fn.functionName, principal: 'secretsmanager.amazonaws.com' });
  fn.addToRolePolicy(new iam.PolicyStatement({
    actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
    resources: [secret.secretArn],
  }));
  const schedule = new secretsmanager.CfnRotationSchedule(stack, 'Schedule', {
    secretId: secret.secretArn, rotationLambdaArn: fn.functionArn, rotationRules: { scheduleExpression: 'rate(30 days)' },
  });
  schedule.node.addDependency(invoke);
  wire(endpoint, fn, schedule);
  return { template: templateOf(stack), logicalId: logicalIdOf(stack, fn) };
}

export const DEPLOY_TIME_NETWORK: DeployRule = {
  id: ID,
  enforces: 'Functions that run while the stack deploys must reach what they call then, or the resource waiting on them fails: a custom-resource '
    + 'function answers CloudFormation on an S3 pre-signed URL, and a rotation function is invoked by Secrets Manager when the schedule is created '
    + 'and calls Secrets Manager. In a VPC, each of the function\'s subnets needs a default route to a NAT (an internet gateway gives Lambda no '
    + 'way out), a gateway endpoint on its route table, or an interface endpoint with private DNS that admits the function on 443, created before '
    + 'the resource that invokes the function.',
  docs: [
    'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html',
    'https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotation-function-network-access.html',
    'https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc-internet.html',
  ],
  appliesTo: (template) => resourcesOf(template, 'AWS::Lambda::Function').some(([id, fn]) => isInVpc(fn) && deployTimeUses(template, id).length > 0),
  async check(template) {
    return findingsFor(ID, resourcesOf(template, 'AWS::Lambda::Function').filter(([, fn]) => isInVpc(fn)).map(([fnId, fn]) => [fnId, () => {
      const vpcConfig = fn.Properties!.VpcConfig;
      const fnGroups = groupsOf(template, vpcConfig.SecurityGroupIds);
      const subnets = ((Array.isArray(vpcConfig.SubnetIds) ? vpcConfig.SubnetIds : []) as unknown[])
        .map((s) => targetOf(s))
        .filter((s): s is string => s !== undefined && template.Resources[s]?.Type === 'AWS::EC2::Subnet');
      const messages: string[] = [];
      for (const { consumer, services } of deployTimeUses(template, fnId)) {
        const before = createdBefore(template, consumer);
        for (const service of services) {
          const unreachable: string[] = [];
          const notWaitedFor = new Map<string, string[]>();
          for (const subnet of subnets) {
            const paths = pathsFrom(template, subnet, fnGroups, service);
            if (paths.some((p) => p.resources.every((r) => before.has(r)))) continue;
            if (paths.length === 0) unreachable.push(subnet);
            const ways = paths.map((p) => p.resources.filter((r) => !before.has(r)).join(' and ')).join(', or ');
            if (paths.length > 0) notWaitedFor.set(ways, [...notWaitedFor.get(ways) ?? [], subnet]);
          }
          if (unreachable.length > 0) {
            messages.push(`it cannot reach ${SERVICE_NAMES[service]} from ${unreachable.join(', ')} (no route to a NAT, no VPC endpoint that admits it), `
              + `which ${consumer} needs when it is created`);
          }
          for (const [ways, from] of notWaitedFor) {
            messages.push(`${consumer}, which invokes it, does not depend on ${ways}, its way to ${SERVICE_NAMES[service]} from ${from.join(', ')}: `
              + `CloudFormation may create ${consumer} before it`);
          }
        }
      }
      return messages;
    }]));
  },
  failingCases: [
    {
      name: 'a custom-resource function in isolated subnets without an S3 endpoint',
      message: /cannot reach Amazon S3 .* which Resource needs when it is created/,
      build() {
        const stack = testStack('Wrong');
        const fn = vpcFunction(stack, isolatedVpc(stack));
        new CustomResource(stack, 'Resource', { serviceToken: fn.functionArn });
        return { template: templateOf(stack), logicalId: logicalIdOf(stack, fn) };
      },
    },
    {
      name: 'a rotation function in isolated subnets, whose schedule does not wait for the Secrets Manager endpoint',
      message: /Schedule, which invokes it, does not depend on VpcSecretsManager[0-9A-F]{8}.*its way to Secrets Manager/,
      build: () => rotationInIsolatedSubnets((endpoint, fn) => endpoint.connections.allowDefaultPortFrom(fn)),
    },
    {
      name: 'a rotation function in isolated subnets, which the Secrets Manager endpoint does not let in',
      message: /cannot reach Secrets Manager from /,
      build: () => rotationInIsolatedSubnets((endpoint, _fn, schedule) => schedule.node.addDependency(endpoint)),
    },
  ],
};
