import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { DeployRule, DeployTemplate, Finding, logicalIdOf, resourcesOf, templateOf } from '../../support/deploy-rules';
import { testStack } from '../../support/stacks';

const ID = 'EC2_DESCRIPTIONS';
/** What EC2 accepts in security group names and descriptions and in rule descriptions. */
const ALLOWED = /^[a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]*$/;

/** The literal text of a value: a string, or the literal parts of an Fn::Join (tokens left out). */
function literalText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const join = (value as any)?.['Fn::Join'];
  if (Array.isArray(join) && Array.isArray(join[1])) return join[1].filter((p: unknown) => typeof p === 'string').join(join[0]);
  return undefined;
}

function checkText(what: string, value: unknown, required: boolean, found: (message: string) => void): void {
  if (value === undefined) {
    if (required) found(`it has no ${what}`);
    return;
  }
  const text = literalText(value);
  if (text === undefined) return;
  if (text.length > 255) found(`its ${what} has ${text.length} characters; EC2 allows 255`);
  const bad = [...text].filter((c) => !ALLOWED.test(c));
  if (bad.length > 0) found(`its ${what} ${JSON.stringify(text)} has characters EC2 refuses: ${JSON.stringify([...new Set(bad)].join(''))}`);
}

function rules(value: unknown): Array<Record<string, unknown>> {
  return Array.isArray(value) ? value : [];
}

export const EC2_DESCRIPTIONS: DeployRule = {
  id: ID,
  enforces: 'EC2 accepts security group names, descriptions and rule descriptions of at most 255 characters from a-z, A-Z, 0-9, spaces and '
    + '._-:/()#,@[]+=&;{}!$* only (no em dash, arrow or accented letter), requires a group description, and refuses group names starting with sg-.',
  docs: [
    'https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html',
    'https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpRange.html',
  ],
  appliesTo: (template) => resourcesOf(template, 'AWS::EC2::SecurityGroup').length > 0,
  async check(template: DeployTemplate) {
    const findings: Finding[] = [];
    for (const [id, r] of Object.entries(template.Resources)) {
      const found = (message: string) => findings.push({ rule: ID, logicalId: id, message });
      const p = r.Properties ?? {};
      if (r.Type === 'AWS::EC2::SecurityGroup') {
        checkText('GroupDescription', p.GroupDescription, true, found);
        checkText('GroupName', p.GroupName, false, found);
        if (typeof p.GroupName === 'string' && p.GroupName.startsWith('sg-')) found('its GroupName starts with sg-');
        for (const rule of [...rules(p.SecurityGroupIngress), ...rules(p.SecurityGroupEgress)]) checkText('rule Description', rule.Description, false, found);
      }
      if (r.Type === 'AWS::EC2::SecurityGroupIngress' || r.Type === 'AWS::EC2::SecurityGroupEgress') checkText('Description', p.Description, false, found);
    }
    return findings;
  },
  failingCases: [
    {
      name: 'a group description with an em dash',
      message: /GroupDescription .* has characters EC2 refuses: \"—\"/,
      build() {
        const stack = testStack('Wrong');
        const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, maxAzs: 1, subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
        const group = new ec2.SecurityGroup(stack, 'Group', { vpc, description: 'Snowflake clients — HTTPS only' });
        return { template: templateOf(stack), logicalId: logicalIdOf(stack, group) };
      },
    },
    {
      name: 'a rule description with an arrow',
      message: /rule Description .* has characters EC2 refuses: \"→\"/,
      build() {
        const stack = testStack('Wrong');
        const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, maxAzs: 1, subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
        const group = new ec2.SecurityGroup(stack, 'Group', { vpc, allowAllOutbound: false });
        group.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'function → Snowflake');
        return { template: templateOf(stack), logicalId: logicalIdOf(stack, group) };
      },
    },
  ],
};
