import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { copyOf, DeployRule, DeployTemplate, Finding, logicalIdOf, PSEUDO_PARAMETERS, subNames, templateOf } from '../../support/deploy-rules';
import { testStack } from '../../support/stacks';

const ID = 'REFERENCES_EXIST';

/** EC2 resource ids: a prefix, then 8 (older) or 17 hexadecimal characters. */
const ID_PREFIXES: Record<string, string> = { sg: 'security group', subnet: 'subnet', vpc: 'VPC', vpce: 'VPC endpoint', rtb: 'route table' };
const WELL_FORMED = /^(sg|subnet|vpc|vpce|rtb)-([0-9a-f]{8}|[0-9a-f]{17})$/;
const LOOKS_LIKE_ID = /^(sg|subnet|vpc|vpce|rtb)-[^.\s]*$/;
/** Properties that hold EC2 ids, and the prefix their literal values must have. */
const ID_PROPERTIES: Record<string, string> = {
  VpcId: 'vpc',
  VPCId: 'vpc',
  SubnetId: 'subnet',
  SubnetIds: 'subnet',
  SecurityGroupIds: 'sg',
  GroupId: 'sg',
  SourceSecurityGroupId: 'sg',
  DestinationSecurityGroupId: 'sg',
  VpcEndpointId: 'vpce',
  RouteTableId: 'rtb',
  RouteTableIds: 'rtb',
};

function walk(template: DeployTemplate, value: unknown, property: string | undefined, found: (message: string) => void): void {
  const names = new Set([...Object.keys(template.Resources), ...Object.keys(template.Parameters ?? {}), ...PSEUDO_PARAMETERS]);
  const visit = (v: unknown, prop: string | undefined): void => {
    if (typeof v === 'string') {
      const expected = prop === undefined ? undefined : ID_PROPERTIES[prop];
      if (LOOKS_LIKE_ID.test(v) && !WELL_FORMED.test(v)) {
        found(`${prop ?? 'a value'} ${JSON.stringify(v)} is not a well-formed ${ID_PREFIXES[v.split('-')[0]]} id (<prefix>-<8 or 17 hex digits>)`);
      } else if (expected !== undefined && !v.startsWith(`${expected}-`)) {
        found(`${prop} ${JSON.stringify(v)} is not a ${ID_PREFIXES[expected]} id (${expected}-...)`);
      }
      return;
    }
    if (v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      v.forEach((item) => visit(item, prop));
      return;
    }
    for (const [key, inner] of Object.entries(v as Record<string, unknown>)) {
      if (key === 'Ref') {
        if (typeof inner !== 'string' || !names.has(inner)) found(`Ref ${JSON.stringify(inner)} names no resource, parameter or pseudo parameter`);
      } else if (key === 'Fn::GetAtt') {
        const target = Array.isArray(inner) ? inner[0] : typeof inner === 'string' ? inner.split('.')[0] : undefined;
        if (typeof target !== 'string' || template.Resources[target] === undefined) found(`Fn::GetAtt ${JSON.stringify(inner)} names no resource`);
        if (Array.isArray(inner)) inner.slice(1).forEach((i) => visit(i, undefined));
      } else if (key === 'Fn::Sub') {
        const [text, vars] = Array.isArray(inner) ? inner : [inner, {}];
        const local = new Set(Object.keys((vars ?? {}) as object));
        for (const name of typeof text === 'string' ? subNames(text) : []) {
          if (!local.has(name) && !names.has(name)) found(`Fn::Sub names \${${name}}, which is no resource, parameter or pseudo parameter`);
        }
        visit(vars, undefined);
      } else if (key === 'Condition' && typeof inner === 'string') {
        if (template.Conditions?.[inner] === undefined) found(`Condition ${JSON.stringify(inner)} is not in Conditions`);
      } else {
        visit(inner, key.startsWith('Fn::') ? prop : key);
      }
    }
  };
  visit(value, property);
}

export const REFERENCES_EXIST: DeployRule = {
  id: ID,
  enforces: 'CloudFormation rejects a template whose Ref, Fn::GetAtt, Fn::Sub or DependsOn names a resource, parameter or pseudo parameter that is not '
    + 'there; EC2 rejects an id that is not well formed (vpc-, subnet-, sg-, vpce-, rtb- followed by 8 or 17 hexadecimal characters), as imported '
    + 'VPCs, subnets, security groups and endpoints put literal ids in the template.',
  docs: [
    'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-ref.html',
    'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-dependson.html',
    'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/resource-ids.html',
  ],
  appliesTo: (template) => JSON.stringify(template).includes('"vpc-'),
  async check(template) {
    const findings: Finding[] = [];
    for (const [id, res] of Object.entries(template.Resources)) {
      const found = (message: string) => findings.push({ rule: ID, logicalId: id, message });
      for (const dep of ([] as string[]).concat(res.DependsOn ?? [])) {
        if (template.Resources[dep] === undefined) found(`DependsOn ${JSON.stringify(dep)} names no resource`);
      }
      if (res.Condition !== undefined && template.Conditions?.[res.Condition] === undefined) found(`Condition ${JSON.stringify(res.Condition)} is not in Conditions`);
      walk(template, res.Properties ?? {}, undefined, found);
    }
    for (const [id, output] of Object.entries(template.Outputs ?? {})) {
      walk(template, output, undefined, (message) => findings.push({ rule: ID, logicalId: `Outputs.${id}`, message }));
    }
    for (const [id, condition] of Object.entries(template.Conditions ?? {})) {
      walk(template, condition, undefined, (message) => findings.push({ rule: ID, logicalId: `Conditions.${id}`, message }));
    }
    return findings;
  },
  failingCases: [
    {
      name: 'a DependsOn and a Ref to a resource removed from the template',
      message: /DependsOn \"Queue[0-9A-F]{8}\" names no resource/,
      build() {
        const stack = testStack('Wrong');
        const queue = new sqs.Queue(stack, 'Queue');
        const dlq = new sqs.Queue(stack, 'Dlq');
        new sqs.Queue(stack, 'WithDlq', { deadLetterQueue: { queue: dlq, maxReceiveCount: 3 } }).node.addDependency(queue);
        const template = copyOf(templateOf(stack));
        delete (template.Resources as Record<string, unknown>)[logicalIdOf(stack, queue)];
        delete (template.Resources as Record<string, unknown>)[logicalIdOf(stack, dlq)];
        return { template, logicalId: logicalIdOf(stack, stack.node.findChild('WithDlq')) };
      },
    },
    {
      name: 'a security group in an imported VPC whose id is not well formed',
      message: /VpcId \"vpc-123\" is not a well-formed VPC id/,
      build() {
        const stack = testStack('Wrong');
        const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-123', availabilityZones: ['us-east-1a'], privateSubnetIds: ['subnet-0123456789abcdef0'] });
        const group = new ec2.SecurityGroup(stack, 'Group', { vpc });
        return { template: templateOf(stack), logicalId: logicalIdOf(stack, group) };
      },
    },
    {
      name: 'an ingress rule from an imported security group given by name instead of id',
      message: /SourceSecurityGroupId \"snowflake-clients\" is not a security group id/,
      build() {
        const stack = testStack('Wrong');
        const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
          vpcId: 'vpc-0123456789abcdef0', availabilityZones: ['us-east-1a'], privateSubnetIds: ['subnet-0123456789abcdef0'],
        });
        const group = new ec2.SecurityGroup(stack, 'Group', { vpc });
        group.addIngressRule(ec2.SecurityGroup.fromSecurityGroupId(stack, 'Clients', 'snowflake-clients'), ec2.Port.tcp(443));
        const template = templateOf(stack);
        return { template, logicalId: Object.keys(template.Resources).find((id) => template.Resources[id].Type === 'AWS::EC2::SecurityGroupIngress')! };
      },
    },
  ],
};
