import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { DeployRule, DeployTemplate, Finding, keyOf, logicalIdOf, resourcesOf, templateOf } from '../../support/deploy-rules';
import { testStack } from '../../support/stacks';

const ID = 'UNIQUE_NAMES';

/** Physical names that must be unique in an account and region, by resource type. */
const NAMES: Array<{ type: string; property: string; what: string; caseInsensitive?: boolean }> = [
  { type: 'AWS::Logs::LogGroup', property: 'LogGroupName', what: 'log group name' },
  { type: 'AWS::IAM::Role', property: 'RoleName', what: 'role name', caseInsensitive: true },
  { type: 'AWS::IAM::ManagedPolicy', property: 'ManagedPolicyName', what: 'managed policy name', caseInsensitive: true },
  { type: 'AWS::Lambda::Function', property: 'FunctionName', what: 'function name' },
  { type: 'AWS::SecretsManager::Secret', property: 'Name', what: 'secret name' },
  { type: 'AWS::SQS::Queue', property: 'QueueName', what: 'queue name' },
  { type: 'AWS::SNS::Topic', property: 'TopicName', what: 'topic name' },
  { type: 'AWS::Events::EventBus', property: 'Name', what: 'event bus name' },
  { type: 'AWS::KMS::Alias', property: 'AliasName', what: 'alias name' },
];

/** `privatelink.snowflakecomputing.com.` and `PrivateLink.SnowflakeComputing.com` are one DNS name. */
function dnsName(template: DeployTemplate, value: unknown): string {
  return keyOf(template, value).toLowerCase().replace(/\.$/, '');
}

function duplicates(entries: Array<[string, string]>, message: (key: string, first: string) => string): Finding[] {
  const firstByKey = new Map<string, string>();
  const findings: Finding[] = [];
  for (const [id, key] of entries) {
    const first = firstByKey.get(key);
    if (first === undefined) firstByKey.set(key, id);
    else findings.push({ rule: ID, logicalId: id, message: message(key, first) });
  }
  return findings;
}

export const UNIQUE_NAMES: DeployRule = {
  id: ID,
  enforces: 'Names AWS keeps unique per account and region (log groups, IAM roles and managed policies regardless of case, functions, secrets, queues, '
    + 'topics, event buses, KMS aliases) are not given twice, and a VPC is associated with at most one private hosted zone of a name '
    + '(Route 53: ConflictingDomainExists); security group names are unique per VPC.',
  docs: [
    'https://docs.aws.amazon.com/Route53/latest/APIReference/API_CreateHostedZone.html',
    'https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/hosted-zone-private-considerations.html',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html',
    'https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html',
    'https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html',
  ],
  appliesTo: (template) => NAMES.some(({ type, property }) => resourcesOf(template, type).some(([, r]) => r.Properties?.[property] !== undefined))
    || resourcesOf(template, 'AWS::Route53::HostedZone').length > 0,
  async check(template) {
    const findings: Finding[] = [];
    for (const { type, property, what, caseInsensitive } of NAMES) {
      const named = Object.entries(template.Resources)
        .filter(([, r]) => r.Type === type && r.Properties?.[property] !== undefined)
        .map(([id, r]): [string, string] => {
          const key = keyOf(template, r.Properties![property]);
          return [id, caseInsensitive ? key.toLowerCase() : key];
        });
      findings.push(...duplicates(named, (key, first) => `its ${what} ${key} is also ${first}'s`));
    }
    // A VPC has at most one private hosted zone of a given name.
    const zoneAssociations: Array<[string, string]> = [];
    for (const [id, r] of Object.entries(template.Resources)) {
      if (r.Type !== 'AWS::Route53::HostedZone') continue;
      for (const vpc of (r.Properties?.VPCs ?? []) as Array<{ VPCId: unknown; VPCRegion: unknown }>) {
        zoneAssociations.push([id, `${dnsName(template, r.Properties!.Name)} in ${keyOf(template, vpc.VPCId)} (${keyOf(template, vpc.VPCRegion)})`]);
      }
    }
    findings.push(...duplicates(zoneAssociations, (key, first) => `the private hosted zone ${key} is also ${first}: a VPC can be associated with only one zone of a name`));
    // Security group names are unique within a VPC.
    const groups = Object.entries(template.Resources)
      .filter(([, r]) => r.Type === 'AWS::EC2::SecurityGroup' && r.Properties?.GroupName !== undefined)
      .map(([id, r]): [string, string] => [id, `${keyOf(template, r.Properties!.GroupName).toLowerCase()} in ${keyOf(template, r.Properties!.VpcId)}`]);
    findings.push(...duplicates(groups, (key, first) => `the security group name ${key} is also ${first}'s`));
    return findings;
  },
  failingCases: [
    {
      name: 'two log groups with one name',
      message: /log group name \/snowflake\/connector is also First/,
      build() {
        const stack = testStack('Wrong');
        new logs.LogGroup(stack, 'First', { logGroupName: '/snowflake/connector' });
        const second = new logs.LogGroup(stack, 'Second', { logGroupName: '/snowflake/connector' });
        return { template: templateOf(stack), logicalId: logicalIdOf(stack, second) };
      },
    },
    {
      name: 'two roles whose names differ only in case',
      message: /role name snowflakeloader is also First/,
      build() {
        const stack = testStack('Wrong');
        const principal = new iam.ServicePrincipal('lambda.amazonaws.com');
        new iam.Role(stack, 'First', { roleName: 'SnowflakeLoader', assumedBy: principal });
        const second = new iam.Role(stack, 'Second', { roleName: 'snowflakeloader', assumedBy: principal });
        return { template: templateOf(stack), logicalId: logicalIdOf(stack, second) };
      },
    },
    {
      name: 'two private zones privatelink.snowflakecomputing.com for one VPC',
      message: /only one zone of a name/,
      build() {
        const stack = testStack('Wrong');
        const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, maxAzs: 1, subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
        new route53.PrivateHostedZone(stack, 'First', { zoneName: 'privatelink.snowflakecomputing.com', vpc });
        const second = new route53.PrivateHostedZone(stack, 'Second', { zoneName: 'privatelink.snowflakecomputing.com', vpc });
        return { template: templateOf(stack), logicalId: logicalIdOf(stack, second) };
      },
    },
  ],
};
