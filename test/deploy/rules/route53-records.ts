import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { DeployRule, DeployTemplate, Finding, keyOf, logicalIdOf, targetOf, templateOf } from '../../support/deploy-rules';
import { testStack } from '../../support/stacks';

const ID = 'ROUTE53_RECORDS';

function dnsName(template: DeployTemplate, value: unknown): string {
  return keyOf(template, value).toLowerCase().replace(/\.$/, '');
}

interface RecordSet {
  readonly logicalId: string;
  readonly zone: string;
  /** The zone's name, when the zone is in the template (or given by name). */
  readonly zoneName?: string;
  readonly name: string;
  readonly type: string;
  readonly setIdentifier?: string;
  readonly props: Record<string, any>;
}

function recordSets(template: DeployTemplate): RecordSet[] {
  const sets: RecordSet[] = [];
  const add = (logicalId: string, owner: Record<string, any>, props: Record<string, any>) => {
    const zoneValue = props.HostedZoneId ?? owner.HostedZoneId;
    const zoneNameValue = props.HostedZoneName ?? owner.HostedZoneName;
    const zoneId = targetOf(zoneValue);
    const zoneResource = zoneId === undefined ? undefined : template.Resources[zoneId];
    const zoneName = zoneResource?.Type === 'AWS::Route53::HostedZone' ? dnsName(template, zoneResource.Properties?.Name)
      : zoneNameValue !== undefined ? dnsName(template, zoneNameValue) : undefined;
    sets.push({
      logicalId,
      zone: zoneValue !== undefined ? keyOf(template, zoneValue) : `name:${zoneName}`,
      zoneName,
      name: dnsName(template, props.Name),
      type: String(props.Type),
      setIdentifier: props.SetIdentifier,
      props,
    });
  };
  for (const [id, r] of Object.entries(template.Resources)) {
    if (r.Type === 'AWS::Route53::RecordSet') add(id, {}, r.Properties ?? {});
    if (r.Type === 'AWS::Route53::RecordSetGroup') for (const set of r.Properties?.RecordSets ?? []) add(id, r.Properties ?? {}, set);
  }
  return sets;
}

function zoneStack() {
  const stack = testStack('Wrong');
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, maxAzs: 1, subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  const zone = new route53.PrivateHostedZone(stack, 'Zone', { zoneName: 'privatelink.snowflakecomputing.com', vpc });
  return { stack, zone };
}

export const ROUTE53_RECORDS: DeployRule = {
  id: ID,
  enforces: 'Route 53 refuses a CNAME at the zone apex, a CNAME beside any other record of its name, a CNAME with more than one value, a record '
    + 'outside its zone\'s name, a second record of one name and type (without routing policies), and a TTL outside 0 to 2,147,483,647.',
  docs: [
    'https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/ResourceRecordTypes.html#CNAMEFormat',
    'https://docs.aws.amazon.com/Route53/latest/APIReference/API_ChangeResourceRecordSets.html',
    'https://docs.aws.amazon.com/Route53/latest/APIReference/API_ResourceRecordSet.html',
  ],
  appliesTo: (template) => recordSets(template).some((s) => s.type === 'CNAME' && s.zoneName !== undefined),
  async check(template) {
    const findings: Finding[] = [];
    const sets = recordSets(template);
    const found = (set: RecordSet, message: string) => findings.push({ rule: ID, logicalId: set.logicalId, message: `${set.type} ${set.name}: ${message}` });
    const seen = new Map<string, RecordSet>();
    for (const set of sets) {
      if (set.zoneName !== undefined) {
        if (set.type === 'CNAME' && set.name === set.zoneName) found(set, `a CNAME cannot be at the apex of the zone ${set.zoneName}`);
        if (set.name !== set.zoneName && !set.name.endsWith(`.${set.zoneName}`)) found(set, `the name is not in the zone ${set.zoneName}`);
      }
      const ttl = set.props.TTL === undefined ? undefined : Number(set.props.TTL);
      if (ttl !== undefined && !(Number.isInteger(ttl) && ttl >= 0 && ttl <= 2147483647)) found(set, `TTL ${set.props.TTL} is not 0 to 2147483647`);
      if (set.type === 'CNAME' && Array.isArray(set.props.ResourceRecords) && set.props.ResourceRecords.length !== 1) {
        found(set, `a CNAME has exactly one value, not ${set.props.ResourceRecords.length}`);
      }
      const key = `${set.zone}|${set.name}|${set.type}|${set.setIdentifier ?? ''}`;
      const first = seen.get(key);
      if (first) found(set, `${first.logicalId} already has a ${set.type} record of this name in the zone`);
      else seen.set(key, set);
    }
    for (const set of sets.filter((s) => s.type === 'CNAME')) {
      for (const other of sets.filter((s) => s !== set && s.zone === set.zone && s.name === set.name && s.type !== 'CNAME')) {
        found(other, `${set.logicalId} has a CNAME of this name, and a CNAME cannot coexist with other records of its name`);
      }
    }
    return findings;
  },
  failingCases: [
    {
      name: 'a CNAME at the zone apex',
      message: /cannot be at the apex/,
      build() {
        const { stack, zone } = zoneStack();
        const record = new route53.CnameRecord(stack, 'Apex', { zone, recordName: 'privatelink.snowflakecomputing.com.', domainName: 'vpce-0123456789abcdef0.example.com' });
        return { template: templateOf(stack), logicalId: logicalIdOf(stack, record) };
      },
    },
    {
      name: 'a TXT record beside a CNAME of the same name',
      message: /cannot coexist with other records/,
      build() {
        const { stack, zone } = zoneStack();
        new route53.CnameRecord(stack, 'Account', { zone, recordName: 'xy12345.us-east-1', domainName: 'vpce-0123456789abcdef0.example.com' });
        const txt = new route53.TxtRecord(stack, 'Note', { zone, recordName: 'xy12345.us-east-1', values: ['owner=data-platform'] });
        return { template: templateOf(stack), logicalId: logicalIdOf(stack, txt) };
      },
    },
    {
      name: 'the same host name recorded twice',
      message: /already has a CNAME record of this name/,
      build() {
        const { stack, zone } = zoneStack();
        new route53.CnameRecord(stack, 'First', { zone, recordName: 'xy12345.us-east-1.privatelink.snowflakecomputing.com.', domainName: 'a.example.com' });
        const second = new route53.CnameRecord(stack, 'Second', { zone, recordName: 'XY12345.us-east-1.privatelink.snowflakecomputing.com.', domainName: 'b.example.com' });
        return { template: templateOf(stack), logicalId: logicalIdOf(stack, second) };
      },
    },
    {
      name: 'a record whose name is outside the zone',
      message: /is not in the zone privatelink.snowflakecomputing.com/,
      build() {
        const { stack, zone } = zoneStack();
        const record = new route53.CnameRecord(stack, 'Outside', { zone, recordName: 'xy12345.snowflakecomputing.com.', domainName: 'a.example.com' });
        return { template: templateOf(stack), logicalId: logicalIdOf(stack, record) };
      },
    },
  ],
};
