/**
 * The egress of the security groups the library gives its functions in a VPC: 443 and 80 to the
 * internet without PrivateLink (the default, narrowed with `securityGroups`/`allowOcspEgress`);
 * through PrivateLink, the endpoint's security group (443, and 80 for the driver's OCSP: not the SQL
 * executor on the SQL API) and the interface endpoints' (443),
 * 443 to the S3 prefix list (looked up at deploy time) where S3 goes through the library's gateway
 * endpoint, and 443 to the internet only where an AWS service is reached another way (NAT, or the
 * VPC's own endpoints).
 */
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import {
  ConnectorHandler,
  PrivateLinkConfig, PrivateLinkEndpoint, PrivateLinkEndpointProps, SnowflakeConnectorFunction, SnowflakeConnectorFunctionProps,
  SnowflakeKeyPairSecret, SnowflakeKeyPairSecretProps,
  SqlExecutorTransport,
} from '../../src';
import { REPO } from '../support/lambda-process';
import { CONFIG_JSON } from '../support/privatelink';
import { testStack } from '../support/stacks';

/** The SQL executor on the driver: snowflake-sdk's network (OCSP on 80, large results from S3), unless a test asks for the SQL API's. */
const DRIVER = ConnectorHandler.sqlExecutor({ transport: SqlExecutorTransport.DRIVER });

const ISOLATED: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };

/** A VPC with isolated subnets, or private subnets with a NAT gateway. */
function vpcOf(stack: Stack, nat = false): ec2.Vpc {
  return new ec2.Vpc(stack, 'Vpc', {
    natGateways: nat ? 1 : 0,
    subnetConfiguration: nat
      ? [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }, { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }]
      : [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
}

function endpointIn(stack: Stack, vpc: ec2.IVpc, props: Partial<PrivateLinkEndpointProps> = {}): PrivateLinkEndpoint {
  return new PrivateLinkEndpoint(stack, 'Snowflake', { vpc, config: PrivateLinkConfig.fromJson(CONFIG_JSON), ...props });
}

/**
 * Every egress rule of the security group `groupId` (inline and standalone), as
 * `<port> <destination>`: a CIDR, or `sg:<logical id of the destination group>`. EC2's placeholder
 * for "no egress" (255.255.255.255/32, ICMP) is left out.
 */
function egressOf(template: Template, groupId: string): string[] {
  const resources = template.toJSON().Resources as Record<string, any>;
  const describe = (r: any) => {
    const to = r.CidrIp ?? r.CidrIpv6 ?? (r.DestinationSecurityGroupId ? `sg:${r.DestinationSecurityGroupId['Fn::GetAtt'][0]}` : undefined)
      ?? `pl:${JSON.stringify(r.DestinationPrefixListId)}`;
    return `${r.FromPort} ${to}`;
  };
  const inline = (resources[groupId].Properties.SecurityGroupEgress ?? []).filter((r: any) => r.CidrIp !== '255.255.255.255/32');
  const standalone = Object.values<any>(resources).filter((r) => r.Type === 'AWS::EC2::SecurityGroupEgress'
    && r.Properties.GroupId?.['Fn::GetAtt']?.[0] === groupId).map((r) => r.Properties);
  return [...inline, ...standalone].map(describe).sort();
}

/** The logical id of the (one) security group of the function whose logical id starts with `prefix`. */
function groupOfFunction(template: Template, prefix: string): string {
  const fns = Object.entries<any>(template.findResources('AWS::Lambda::Function')).filter(([id]) => id.startsWith(prefix));
  expect(fns).toHaveLength(1);
  const ids = fns[0][1].Properties.VpcConfig.SecurityGroupIds;
  expect(ids).toHaveLength(1);
  return ids[0]['Fn::GetAtt'][0];
}

/** The logical id of the security group whose logical id starts with `prefix`. */
function group(template: Template, prefix: string): string {
  const ids = Object.keys(template.findResources('AWS::EC2::SecurityGroup')).filter((id) => id.startsWith(prefix));
  expect(ids).toHaveLength(1);
  return ids[0];
}

const PL = (t: Template) => group(t, 'SnowflakeSecurityGroup');
const SECRETS_MANAGER = (t: Template) => group(t, 'VpcSnowflakeSecretsManagerEndpointSecurityGroup');

/** The egress rule to the S3 prefix list, whose id the one lookup of the stack gives at deploy time. */
function S3_PREFIX_LIST(template: Template): string {
  const lookups = Object.keys(template.findResources('Custom::SnowflakeS3PrefixList'));
  expect(lookups).toEqual([expect.stringMatching(/^SnowflakeS3PrefixList/)]);
  return `443 pl:${JSON.stringify({ 'Fn::GetAtt': [lookups[0], 'PrefixLists.0.PrefixListId'] })}`;
}

describe('SnowflakeConnectorFunction', () => {
  function connector(props: Partial<SnowflakeConnectorFunctionProps>, stack = testStack()) {
    const secret = new SnowflakeKeyPairSecret(stack, 'Secret', { account: 'myorg-myaccount', user: 'SVC_LOADER' });
    new SnowflakeConnectorFunction(stack, 'Loader', { secret, handler: DRIVER, ...props });
    const template = Template.fromStack(stack);
    return { template, egress: egressOf(template, groupOfFunction(template, 'LoaderFunction')) };
  }

  test('(default: the SQL executor on the SQL API) without PrivateLink: 443 only (no OCSP: fetch asks no responder)', () => {
    const stack = testStack();
    const { egress } = connector({ vpc: vpcOf(stack), vpcSubnets: ISOLATED, handler: ConnectorHandler.sqlExecutor() }, stack);
    expect(egress).toEqual(['443 0.0.0.0/0']);
  });

  test('the SQL API through PrivateLink with addAwsServiceEndpoints: no S3 prefix list (results come from Snowflake\'s host); '
    + 'the driver, the control, gets it', () => {
    const stack = testStack();
    const privateLink = endpointIn(stack, vpcOf(stack));
    const sqlApi = ConnectorHandler.sqlExecutor();
    const { template, egress } = connector({ privateLink, vpcSubnets: ISOLATED, addAwsServiceEndpoints: true, handler: sqlApi }, stack);
    template.resourceCountIs('Custom::SnowflakeS3PrefixList', 0);
    // 443 to the endpoint and to Secrets Manager's, and nothing else: no 80 to the endpoint (no OCSP), no S3, no internet.
    expect(egress).toEqual([`443 sg:${PL(template)}`, `443 sg:${SECRETS_MANAGER(template)}`].sort());
    const driverStack = testStack();
    const driverEndpoint = endpointIn(driverStack, vpcOf(driverStack));
    const driver = connector({ privateLink: driverEndpoint, vpcSubnets: ISOLATED, addAwsServiceEndpoints: true }, driverStack);
    driver.template.resourceCountIs('Custom::SnowflakeS3PrefixList', 1);
  });

  /** The endpoint's ingress rules, as `<port> sg:<logical id of the source group>`. */
  function endpointIngress(template: Template): string[] {
    return Object.values<any>(template.findResources('AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties)
      .filter((r) => r.GroupId?.['Fn::GetAtt']?.[0] === PL(template))
      .map((r) => `${r.FromPort} sg:${r.SourceSecurityGroupId['Fn::GetAtt'][0]}`).sort();
  }

  // Through PrivateLink, OCSP (80) goes to the endpoint, and only from a client that asks OCSP responders: the driver's.
  test.each<[string, Partial<SnowflakeConnectorFunctionProps>, number[]]>([
    ['the SQL executor on the SQL API (the default): 443 only, both ways', { handler: ConnectorHandler.sqlExecutor() }, [443]],
    ['(failing case) the SQL executor on the driver: 443 and 80', { handler: DRIVER }, [443, 80]],
    ['(failing case) a custom handler (snowflake-sdk in the connector layer): 443 and 80',
      { handler: ConnectorHandler.fromAsset(path.join(REPO, 'test', 'fixtures', 'handlers')) }, [443, 80]],
    ['(failing case) the SQL API with allowOcspEgress: true, as asked: 443 and 80', { handler: ConnectorHandler.sqlExecutor(), allowOcspEgress: true }, [443, 80]],
  ])('through PrivateLink, %s: the endpoint lets the function in, and the function sends, on those ports only', (_what, props, ports) => {
    const stack = testStack();
    const privateLink = endpointIn(stack, vpcOf(stack));
    const { template, egress } = connector({ privateLink, vpcSubnets: ISOLATED, addAwsServiceEndpoints: true, ...props }, stack);
    const fnGroup = groupOfFunction(template, 'LoaderFunction');
    expect(endpointIngress(template)).toEqual(ports.map((p) => `${p} sg:${fnGroup}`).sort());
    expect(egress.filter((e) => e.endsWith(`sg:${PL(template)}`))).toEqual(ports.map((p) => `${p} sg:${PL(template)}`).sort());
    // Port 80 never goes to the internet through PrivateLink.
    expect(egress.filter((e) => e.startsWith('80 ') && !e.endsWith(`sg:${PL(template)}`))).toEqual([]);
  });

  test('(driver) without PrivateLink: 443 and 80 to the internet', () => {
    const stack = testStack();
    const { egress } = connector({ vpc: vpcOf(stack), vpcSubnets: ISOLATED }, stack);
    expect(egress).toEqual(['443 0.0.0.0/0', '80 0.0.0.0/0']);
  });

  test('(narrowed) without PrivateLink, allowOcspEgress: false leaves 443 only', () => {
    const stack = testStack();
    const { egress } = connector({ vpc: vpcOf(stack), vpcSubnets: ISOLATED, allowOcspEgress: false }, stack);
    expect(egress).toEqual(['443 0.0.0.0/0']);
  });

  test('through PrivateLink with addAwsServiceEndpoints: 443 and 80 to the endpoint, 443 to Secrets Manager\'s endpoint and the S3 prefix list; '
    + 'nothing to the internet', () => {
    const stack = testStack();
    const privateLink = endpointIn(stack, vpcOf(stack));
    const { template, egress } = connector({ privateLink, vpcSubnets: ISOLATED, addAwsServiceEndpoints: true }, stack);
    expect(egress).toEqual([
      // S3 (large result sets) through the gateway endpoint, by its prefix list.
      S3_PREFIX_LIST(template),
      `443 sg:${PL(template)}`,
      `443 sg:${SECRETS_MANAGER(template)}`,
      `80 sg:${PL(template)}`,
    ].sort());
  });

  test('with the endpoint\'s addAwsServiceEndpoints: the S3 prefix list of the endpoint\'s gateway endpoint, nothing to the internet', () => {
    const stack = testStack();
    const privateLink = endpointIn(stack, vpcOf(stack), { addAwsServiceEndpoints: true });
    const { template, egress } = connector({ privateLink, vpcSubnets: ISOLATED }, stack);
    expect(egress).toEqual([
      S3_PREFIX_LIST(template), `443 sg:${PL(template)}`, `443 sg:${SECRETS_MANAGER(template)}`,
      `443 sg:${group(template, 'VpcSnowflakeStsEndpointSecurityGroup')}`, `80 sg:${PL(template)}`,
    ].sort());
  });

  test('(failing case) through PrivateLink without addAwsServiceEndpoints (the VPC\'s own S3 endpoint or NAT): 443 to the internet, no lookup', () => {
    const stack = testStack();
    const privateLink = endpointIn(stack, vpcOf(stack, true));
    const { template, egress } = connector({ privateLink }, stack);
    expect(egress).toEqual(['443 0.0.0.0/0', `443 sg:${PL(template)}`, `80 sg:${PL(template)}`].sort());
    template.resourceCountIs('Custom::SnowflakeS3PrefixList', 0);
  });
});

describe('the S3 prefix list lookup', () => {
  test('one per stack, shared by the connector and the registration: DescribeManagedPrefixLists by the region\'s S3 name, Describe on *', () => {
    const stack = testStack();
    const privateLink = endpointIn(stack, vpcOf(stack));
    const admin = new SnowflakeKeyPairSecret(stack, 'Admin', { account: 'myorg-myaccount', user: 'SVC_ADMIN' });
    const secret = new SnowflakeKeyPairSecret(stack, 'Loader', {
      account: 'myorg-myaccount', user: 'SVC_LOADER', registration: { adminSecret: admin, privateLink, vpcSubnets: ISOLATED, addAwsServiceEndpoints: true },
    });
    new SnowflakeConnectorFunction(stack, 'LoaderFn', { secret, privateLink, vpcSubnets: ISOLATED, addAwsServiceEndpoints: true, handler: DRIVER });
    const template = Template.fromStack(stack);
    const rule = S3_PREFIX_LIST(template);
    expect(egressOf(template, groupOfFunction(template, 'LoaderFnFunction'))).toContain(rule);
    expect(egressOf(template, groupOfFunction(template, 'SnowflakeUserRegistrationProvider'))).toContain(rule);
    const [lookup] = Object.values<any>(template.findResources('Custom::SnowflakeS3PrefixList'));
    // The SDK call, with the region's token written as <region>.
    const [, parts] = lookup.Properties.Create['Fn::Join'];
    const call = JSON.parse(parts.map((p: any) => (p.Ref === 'AWS::Region' ? '<region>' : p)).join(''));
    expect(call).toEqual({
      service: 'EC2',
      action: 'describeManagedPrefixLists',
      // The prefix list of the S3 gateway endpoint is named after its service.
      parameters: { Filters: [{ Name: 'prefix-list-name', Values: ['com.amazonaws.<region>.s3'] }] },
      physicalResourceId: { id: 'com.amazonaws.<region>.s3' },
      outputPaths: ['PrefixLists.0.PrefixListId'],
    });
    expect(lookup.Properties.Update).toEqual(lookup.Properties.Create);
    expect(lookup.Properties.InstallLatestAwsSdk).toBe(false);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Action: 'ec2:DescribeManagedPrefixLists', Effect: 'Allow', Resource: '*' }] },
    });
  });
});

describe('the rotation function', () => {
  function rotation(rotationProps: Partial<NonNullable<SnowflakeKeyPairSecretProps['rotation']>>, endpointProps: Partial<PrivateLinkEndpointProps> = {}, nat = false) {
    const stack = testStack();
    const privateLink = endpointIn(stack, vpcOf(stack, nat), endpointProps);
    const admin = new SnowflakeKeyPairSecret(stack, 'Rotator', { account: 'myorg-myaccount', user: 'SVC_ROTATOR' });
    new SnowflakeKeyPairSecret(stack, 'Loader', { account: 'myorg-myaccount', user: 'SVC_LOADER', rotation: { adminSecret: admin, privateLink, ...rotationProps } });
    const template = Template.fromStack(stack);
    return { template, egress: egressOf(template, groupOfFunction(template, 'LoaderRotationFunction')) };
  }

  test('with addAwsServiceEndpoints: only the PrivateLink endpoint (443, 80) and Secrets Manager\'s endpoint (443), nothing to the internet', () => {
    const { template, egress } = rotation({ vpcSubnets: ISOLATED, addAwsServiceEndpoints: true });
    expect(egress).toEqual([`443 sg:${PL(template)}`, `443 sg:${SECRETS_MANAGER(template)}`, `80 sg:${PL(template)}`].sort());
  });

  test('with the endpoint\'s addAwsServiceEndpoints: the same, through the endpoint\'s Secrets Manager (and STS) endpoints', () => {
    const { template, egress } = rotation({ vpcSubnets: ISOLATED }, { addAwsServiceEndpoints: true });
    const sts = group(template, 'VpcSnowflakeStsEndpointSecurityGroup');
    expect(egress).toEqual([`443 sg:${PL(template)}`, `443 sg:${SECRETS_MANAGER(template)}`, `443 sg:${sts}`, `80 sg:${PL(template)}`].sort());
  });

  test('(failing case) without endpoints for Secrets Manager (NAT): 443 to the internet stays, and still no 80 to it', () => {
    const { template, egress } = rotation({}, {}, true);
    expect(egress).toEqual(['443 0.0.0.0/0', `443 sg:${PL(template)}`, `80 sg:${PL(template)}`].sort());
  });
});

describe('the registration function', () => {
  test('through PrivateLink with addAwsServiceEndpoints: the endpoint (443, 80), Secrets Manager\'s endpoint and the S3 prefix list (443); '
    + 'nothing to the internet', () => {
    const stack = testStack();
    const privateLink = endpointIn(stack, vpcOf(stack));
    const admin = new SnowflakeKeyPairSecret(stack, 'Admin', { account: 'myorg-myaccount', user: 'SVC_ADMIN' });
    new SnowflakeKeyPairSecret(stack, 'Loader', {
      account: 'myorg-myaccount', user: 'SVC_LOADER', registration: { adminSecret: admin, privateLink, vpcSubnets: ISOLATED, addAwsServiceEndpoints: true },
    });
    const template = Template.fromStack(stack);
    const egress = egressOf(template, groupOfFunction(template, 'SnowflakeUserRegistrationProvider'));
    expect(egress).toEqual([
      // The CloudFormation response URL (S3) through the gateway endpoint, by its prefix list.
      S3_PREFIX_LIST(template),
      `443 sg:${PL(template)}`,
      `443 sg:${SECRETS_MANAGER(template)}`,
      `80 sg:${PL(template)}`,
    ].sort());
  });
});
