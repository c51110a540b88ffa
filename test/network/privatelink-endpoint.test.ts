import { Annotations as CdkAnnotations, App, CfnElement, CfnWaitConditionHandle, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import {
  ConnectorHandler, PrivateLinkConfig, PrivateLinkEndpoint, PrivateLinkEndpointProps, SnowflakeAuthenticationMethod, SnowflakeConnectorFunction,
  SnowflakeKeyPairSecret, SqlExecutorTransport,
} from '../../src';
import { CONFIG_JSON } from '../support/privatelink';
import { testStack } from '../support/stacks';

const config = () => PrivateLinkConfig.fromJson(CONFIG_JSON);

function setup(region = 'us-east-1') {
  const stack = testStack('Test', region);
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  return { stack, vpc };
}

function endpoint(props: Partial<PrivateLinkEndpointProps> = {}) {
  const s = setup();
  const pl = new PrivateLinkEndpoint(s.stack, 'Snowflake', { vpc: s.vpc, config: config(), ...props });
  return { ...s, pl, template: () => Template.fromStack(s.stack) };
}

/** The endpoint's regional DNS name, as every record must reference it. */
const DNS_NAME = (endpointId: string) => ({
  'Fn::Select': [1, { 'Fn::Split': [':', { 'Fn::Select': [0, { 'Fn::GetAtt': [endpointId, 'DnsEntries'] }] }] }],
});

describe('the interface endpoint', () => {
  test('to the config\'s endpoint service, private DNS off, in the chosen subnets, with its own security group', () => {
    const { stack, template, vpc } = endpoint({ vpcSubnets: { subnetGroupName: 'isolated' } });
    template().hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: 'com.amazonaws.vpce.us-east-1.vpce-svc-0a1b2c3d4e5f67890',
      VpcEndpointType: 'Interface',
      PrivateDnsEnabled: false,
      SubnetIds: vpc.isolatedSubnets.map((s) => ({ Ref: stack.getLogicalId(s.node.defaultChild as CfnElement) })),
      SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^SnowflakeSecurityGroup'), 'GroupId'] }],
    });
  });
});

describe('Route 53', () => {
  test('one CNAME per distinct host name of a real config, each to the endpoint\'s DNS name, in a new private zone for the VPC', () => {
    const { template, pl, stack } = endpoint();
    const t = template();
    const dnsName = DNS_NAME(stack.getLogicalId(pl.vpcEndpoint.node.defaultChild as CfnElement));
    t.resourceCountIs('AWS::Route53::HostedZone', 2);
    t.hasResourceProperties('AWS::Route53::HostedZone', {
      Name: 'privatelink.snowflakecomputing.com.',
      VPCs: [{ VPCId: { Ref: Match.stringLikeRegexp('^Vpc') }, VPCRegion: 'us-east-1' }],
    });
    const records = Object.values<any>(t.findResources('AWS::Route53::RecordSet')).map((r) => r.Properties);
    const main = records.filter((r) => r.Name.endsWith('.privatelink.snowflakecomputing.com.'));
    expect(main.map((r) => r.Name).sort()).toEqual(config().hostnames.map((h) => `${h}.`).sort());
    expect(main).toHaveLength(9);
    for (const record of main) {
      expect(record).toEqual({
        Name: expect.any(String),
        Type: 'CNAME',
        TTL: '300',
        HostedZoneId: { Ref: expect.stringMatching(/^VpcSnowflakePrivateLinkZone/) },
        ResourceRecords: [expect.anything()],
      });
      expect(record.ResourceRecords[0]).toEqual(dnsName);
    }
    expect(pl.recordedHostnames).toEqual([...config().hostnames, ...config().appServiceHostnames]);
  });

  describe('app services (Streamlit, Notebooks, Snowpark Container Services): privatelink.snowflake.app', () => {
    test('a private zone of its own for the VPC, with the wildcard CNAME to the same endpoint', () => {
      const { template, pl, stack } = endpoint();
      const t = template();
      t.hasResourceProperties('AWS::Route53::HostedZone', {
        Name: 'privatelink.snowflake.app.',
        VPCs: [{ VPCId: { Ref: Match.stringLikeRegexp('^Vpc') }, VPCRegion: 'us-east-1' }],
      });
      const zoneId = Object.keys(t.findResources('AWS::Route53::HostedZone', { Properties: { Name: 'privatelink.snowflake.app.' } }))[0];
      const apps = Object.values<any>(t.findResources('AWS::Route53::RecordSet')).map((r) => r.Properties)
        .filter((r) => r.Name.endsWith('.snowflake.app.'));
      expect(apps).toEqual([{
        Name: '*.myorg-myaccount.privatelink.snowflake.app.',
        Type: 'CNAME',
        TTL: '300',
        HostedZoneId: { Ref: zoneId },
        ResourceRecords: [DNS_NAME(stack.getLogicalId(pl.vpcEndpoint.node.defaultChild as CfnElement))],
      }]);
      expect(pl.appServiceHostedZone).toBeDefined();
    });

    test('appServiceRecords: false leaves the zone and the record out', () => {
      const t = endpoint({ appServiceRecords: false }).template();
      t.resourceCountIs('AWS::Route53::HostedZone', 1);
      expect(Object.values<any>(t.findResources('AWS::Route53::RecordSet')).filter((r) => r.Properties.Name.includes('snowflake.app'))).toEqual([]);
    });

    test('a config without app-service-privatelink-url makes no zone for it', () => {
      const json = JSON.parse(CONFIG_JSON);
      delete json['app-service-privatelink-url'];
      const s = setup();
      const pl = new PrivateLinkEndpoint(s.stack, 'Snowflake', { vpc: s.vpc, config: PrivateLinkConfig.fromJson(JSON.stringify(json)) });
      Template.fromStack(s.stack).resourceCountIs('AWS::Route53::HostedZone', 1);
      expect(pl.appServiceHostedZone).toBeUndefined();
    });

    test('an existing zone is used as it is', () => {
      const s = setup();
      const zone = route53.PrivateHostedZone.fromHostedZoneAttributes(s.stack, 'AppZone', { hostedZoneId: 'Z0APPS', zoneName: 'privatelink.snowflake.app' });
      new PrivateLinkEndpoint(s.stack, 'Snowflake', { vpc: s.vpc, config: config(), appServiceHostedZone: zone });
      const t = Template.fromStack(s.stack);
      t.resourceCountIs('AWS::Route53::HostedZone', 1);
      t.hasResourceProperties('AWS::Route53::RecordSet', { Name: '*.myorg-myaccount.privatelink.snowflake.app.', HostedZoneId: 'Z0APPS' });
    });

    test.each([
      [{ appServiceHostedZone: 'privatelink.snowflakecomputing.com' }, /appServiceHostedZone is privatelink\.snowflakecomputing\.com, but the records belong in the private zone privatelink\.snowflake\.app/],
      [{ appServiceHostedZone: 'privatelink.snowflake.app', appServiceRecords: false }, /appServiceHostedZone is set, but appServiceRecords is false/],
    ])('(failing case) %j', (given, message) => {
      const s = setup();
      const zone = route53.PrivateHostedZone.fromHostedZoneAttributes(s.stack, 'AppZone', { hostedZoneId: 'Z0APPS', zoneName: given.appServiceHostedZone });
      expect(() => new PrivateLinkEndpoint(s.stack, 'Snowflake', {
        vpc: s.vpc, config: config(), appServiceHostedZone: zone, appServiceRecords: (given as any).appServiceRecords,
      })).toThrow(message);
    });
  });

  describe('an imported VPC', () => {
    const attrs = { vpcId: 'vpc-0123456789abcdef0', availabilityZones: ['us-east-1a'], privateSubnetIds: ['subnet-0123456789abcdef0'] };

    test('the zones go in the endpoint\'s stack, not under the imported VPC\'s construct', () => {
      const app = new App();
      const network = new Stack(app, 'Network', { env: { account: '123456789012', region: 'us-east-1' } });
      new CfnWaitConditionHandle(network, 'Marker'); // a stack of its own, not empty
      const vpc = ec2.Vpc.fromVpcAttributes(network, 'Vpc', attrs);
      const loaders = new Stack(app, 'Loaders', { env: { account: '123456789012', region: 'us-east-1' } });
      const pl = new PrivateLinkEndpoint(loaders, 'Snowflake', { vpc, config: config() });
      expect(Stack.of(pl.hostedZone)).toBe(loaders);
      expect(Stack.of(pl.appServiceHostedZone!)).toBe(loaders);
      expect(vpc.node.children.filter((c) => c instanceof route53.PrivateHostedZone)).toEqual([]);
      Template.fromStack(loaders).resourceCountIs('AWS::Route53::HostedZone', 2);
      Template.fromStack(loaders).allResourcesProperties('AWS::Route53::HostedZone', { VPCs: [{ VPCId: attrs.vpcId, VPCRegion: 'us-east-1' }] });
    });

    test('two imports of the same VPC in one stack share one zone of each name', () => {
      const stack = testStack();
      const one = new PrivateLinkEndpoint(stack, 'Prod', { vpc: ec2.Vpc.fromVpcAttributes(stack, 'VpcA', attrs), config: config() });
      const two = new PrivateLinkEndpoint(stack, 'Dev', { vpc: ec2.Vpc.fromVpcAttributes(stack, 'VpcB', attrs), config: config() });
      expect(two.hostedZone).toBe(one.hostedZone);
      Template.fromStack(stack).resourceCountIs('AWS::Route53::HostedZone', 2);
    });

    test('(failing case) a second stack importing the same VPC is refused at synth, with the zone to pass', () => {
      const app = new App();
      const first = new Stack(app, 'First', { env: { account: '123456789012', region: 'us-east-1' } });
      new PrivateLinkEndpoint(first, 'Snowflake', { vpc: ec2.Vpc.fromVpcAttributes(first, 'Vpc', attrs), config: config() });
      const second = new Stack(app, 'Second', { env: { account: '123456789012', region: 'us-east-1' } });
      expect(() => new PrivateLinkEndpoint(second, 'Snowflake', { vpc: ec2.Vpc.fromVpcAttributes(second, 'Vpc', attrs), config: config() }))
        .toThrow(/^\[Second\/Snowflake\] The imported VPC vpc-0123456789abcdef0 already gets a private zone privatelink\.snowflakecomputing\.com from First\/Snowflake in stack First.*Pass that zone: hostedZone: <that endpoint>\.hostedZone/);
    });

    test('(passing case) the second stack passes the first one\'s zones', () => {
      const app = new App();
      const first = new Stack(app, 'First', { env: { account: '123456789012', region: 'us-east-1' } });
      const shared = new PrivateLinkEndpoint(first, 'Snowflake', { vpc: ec2.Vpc.fromVpcAttributes(first, 'Vpc', attrs), config: config() });
      const second = new Stack(app, 'Second', { env: { account: '123456789012', region: 'us-east-1' } });
      const other = PrivateLinkConfig.fromValues({
        endpointServiceName: 'com.amazonaws.vpce.us-east-1.vpce-svc-0fedcba9876543210',
        accountUrl: 'ab98765.us-east-1.privatelink.snowflakecomputing.com',
      });
      new PrivateLinkEndpoint(second, 'Snowflake', { vpc: ec2.Vpc.fromVpcAttributes(second, 'Vpc', attrs), config: other, hostedZone: shared.hostedZone });
      Template.fromStack(second).resourceCountIs('AWS::Route53::HostedZone', 0);
      Template.fromStack(second).resourceCountIs('AWS::Route53::RecordSet', 1);
    });
  });

  test('the TTL can be set', () => {
    endpoint({ recordTtl: Duration.minutes(1) }).template().allResourcesProperties('AWS::Route53::RecordSet', { TTL: '60' });
  });

  test('an imported zone gets the records, and no zone is created', () => {
    const s = setup();
    const zone = route53.PrivateHostedZone.fromHostedZoneAttributes(s.stack, 'Zone', { hostedZoneId: 'Z0123456789ABCDEFGHIJ', zoneName: 'privatelink.snowflakecomputing.com' });
    new PrivateLinkEndpoint(s.stack, 'Snowflake', { vpc: s.vpc, config: config(), hostedZone: zone });
    const t = Template.fromStack(s.stack);
    t.resourceCountIs('AWS::Route53::HostedZone', 1); // privatelink.snowflake.app only
    const main = Object.values<any>(t.findResources('AWS::Route53::RecordSet')).filter((r) => r.Properties.Name.endsWith('snowflakecomputing.com.'));
    expect(main).toHaveLength(9);
    for (const record of main) expect(record.Properties.HostedZoneId).toBe('Z0123456789ABCDEFGHIJ');
  });

  test('a zone imported by id only is accepted (its name is not known)', () => {
    const s = setup();
    const zone = route53.PrivateHostedZone.fromPrivateHostedZoneId(s.stack, 'Zone', 'Z0123456789ABCDEFGHIJ');
    expect(() => new PrivateLinkEndpoint(s.stack, 'Snowflake', { vpc: s.vpc, config: config(), hostedZone: zone })).not.toThrow();
  });

  test('two accounts in one VPC share one zone; a host name both configs hold is recorded once', () => {
    const s = setup();
    const first = new PrivateLinkEndpoint(s.stack, 'Prod', { vpc: s.vpc, config: config() });
    const other = PrivateLinkConfig.fromValues({
      endpointServiceName: 'com.amazonaws.vpce.us-east-1.vpce-svc-0fedcba9876543210',
      accountUrl: 'ab98765.us-east-1.privatelink.snowflakecomputing.com',
      ocspUrl: 'ocsp.ab98765.us-east-1.privatelink.snowflakecomputing.com',
      snowsightUrl: 'app.us-east-1.privatelink.snowflakecomputing.com', // the region's Snowsight: in both configs
    });
    const second = new PrivateLinkEndpoint(s.stack, 'Dev', { vpc: s.vpc, config: other });
    const t = Template.fromStack(s.stack);
    t.resourceCountIs('AWS::Route53::HostedZone', 2); // one of each name
    t.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
    t.resourceCountIs('AWS::Route53::RecordSet', 9 + 1 + 2);
    expect(second.hostedZone).toBe(first.hostedZone);
    expect(second.recordedHostnames).toEqual(['ab98765.us-east-1.privatelink.snowflakecomputing.com', 'ocsp.ab98765.us-east-1.privatelink.snowflakecomputing.com']);
    Annotations.fromStack(s.stack).hasInfo('/Test/Dev', Match.stringLikeRegexp('^app.us-east-1.privatelink.snowflakecomputing.com already has a record in the zone \\(from Test/Prod\\)'));
  });
});

describe('the security group', () => {
  test('no ingress at all until a client is allowed; then exactly 443 and 80 from the client\'s group', () => {
    const bare = endpoint().template();
    expect(bare.findResources('AWS::EC2::SecurityGroupIngress')).toEqual({});
    bare.hasResourceProperties('AWS::EC2::SecurityGroup', { GroupDescription: Match.stringLikeRegexp('^Snowflake PrivateLink'), SecurityGroupIngress: Match.absent() });

    const { stack, vpc, pl, template } = endpoint();
    const client = new ec2.SecurityGroup(stack, 'Client', { vpc });
    pl.allowFrom(client);
    const ingress = Object.values<any>(template().findResources('AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties);
    expect(ingress.map((r) => [r.FromPort, r.ToPort, r.IpProtocol]).sort()).toEqual([[443, 443, 'tcp'], [80, 80, 'tcp']]);
    for (const rule of ingress) {
      expect(rule.SourceSecurityGroupId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Client/), 'GroupId'] });
      expect(rule.CidrIp).toBeUndefined();
    }
  });

  /** The endpoint's ingress rules from the security group whose logical id starts with `client`, as `[port, protocol]`. */
  function portsFrom(template: Template, client: string): Array<[number, string]> {
    return Object.values<any>(template.findResources('AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties)
      .filter((r) => r.SourceSecurityGroupId?.['Fn::GetAtt']?.[0]?.startsWith(client))
      .map((r): [number, string] => [r.FromPort, r.IpProtocol]).sort();
  }

  test('allowFrom(client, { ocsp: false }) lets the client in on 443 only (a client that asks no OCSP responder); '
    + '{ ocsp: true } and no options (the default, as before) on 443 and 80', () => {
    const { stack, vpc, pl, template } = endpoint();
    const [sqlApi, driver, unset] = ['SqlApi', 'Driver', 'Unset'].map((id) => new ec2.SecurityGroup(stack, id, { vpc, allowAllOutbound: false }));
    pl.allowFrom(sqlApi, { ocsp: false });
    pl.allowFrom(driver, { ocsp: true });
    pl.allowFrom(unset);
    const t = template();
    expect(portsFrom(t, 'SqlApi')).toEqual([[443, 'tcp']]);
    // (failing cases) a client that checks certificates through OCSP keeps 80.
    expect(portsFrom(t, 'Driver')).toEqual([[443, 'tcp'], [80, 'tcp']]);
    expect(portsFrom(t, 'Unset')).toEqual([[443, 'tcp'], [80, 'tcp']]);
    // The client's own group (no allowAllOutbound) gets the matching egress, to the endpoint's group only.
    const egressPorts = (client: string) => Object.values<any>(t.findResources('AWS::EC2::SecurityGroupEgress')).map((r) => r.Properties)
      .filter((r) => r.GroupId['Fn::GetAtt'][0].startsWith(client)).map((r) => r.FromPort).sort();
    expect(egressPorts('SqlApi')).toEqual([443]);
    expect(egressPorts('Driver')).toEqual([443, 80]);
  });

  test('CIDR rules are opt-in, for both ports, with a warning you can acknowledge', () => {
    const { stack, template } = endpoint({ allowedCidrs: ['10.20.0.0/16'] });
    template().hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [
        Match.objectLike({ CidrIp: '10.20.0.0/16', FromPort: 443 }),
        Match.objectLike({ CidrIp: '10.20.0.0/16', FromPort: 80 }),
      ],
    });
    expect(Annotations.fromStack(stack).findWarning('/Test/Snowflake', Match.stringLikeRegexp('^allowedCidrs lets 10.20.0.0/16'))).toHaveLength(1);

    const s = setup();
    const pl = new PrivateLinkEndpoint(s.stack, 'Snowflake', { vpc: s.vpc, config: config(), allowedCidrs: ['10.20.0.0/16'] });
    CdkAnnotations.of(pl).acknowledgeWarning('cdk-snowflake-keypair:privateLinkCidrIngress', 'the on-premises loaders');
    expect(Annotations.fromStack(s.stack).findWarning('*', Match.stringLikeRegexp('^allowedCidrs'))).toEqual([]);
  });
});

describe('warnings and outputs', () => {
  test('keys of the config that are not used are named in a warning, which can be acknowledged', () => {
    const { stack } = endpoint();
    const warnings = Annotations.fromStack(stack).findWarning('/Test/Snowflake', Match.stringLikeRegexp('keys this construct does not use'));
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0].entry.data)).toContain('ignores: privatelink-account-principal, privatelink-internal-stage. Internal stages over PrivateLink');

    const s = setup();
    const pl = new PrivateLinkEndpoint(s.stack, 'Snowflake', { vpc: s.vpc, config: config() });
    CdkAnnotations.of(pl).acknowledgeWarning('cdk-snowflake-keypair:privateLinkConfigKeysIgnored');
    expect(Annotations.fromStack(s.stack).findWarning('*', Match.stringLikeRegexp('keys this construct does not use'))).toEqual([]);
  });

  test('the warning names only the keys the config has: no internal-stage advice without privatelink-internal-stage', () => {
    const json = JSON.parse(CONFIG_JSON);
    delete json['privatelink-internal-stage'];
    const s = setup();
    new PrivateLinkEndpoint(s.stack, 'Snowflake', { vpc: s.vpc, config: PrivateLinkConfig.fromJson(JSON.stringify(json)) });
    const [warning] = Annotations.fromStack(s.stack).findWarning('/Test/Snowflake', Match.stringLikeRegexp('keys this construct does not use'));
    expect(String(warning.entry.data)).toContain('ignores: privatelink-account-principal. Acknowledge');
    expect(String(warning.entry.data)).not.toContain('internal-stage');
  });

  test('(passing case) a config with no unused keys gives no warning', () => {
    const s = setup();
    new PrivateLinkEndpoint(s.stack, 'Snowflake', { vpc: s.vpc, config: PrivateLinkConfig.fromValues({ endpointServiceName: config().endpointServiceName, accountUrl: config().accountUrl }) });
    expect(Annotations.fromStack(s.stack).findWarning('*', Match.anyValue())).toEqual([]);
  });

  test('the network-policy SQL pins the user to this endpoint\'s id, identifiers quoted', () => {
    const { template, pl } = endpoint({ networkPolicy: { user: 'svc_loader', database: 'SECURITY', schema: 'Network Rules' } });
    const output = template().findOutputs('*', { Description: Match.stringLikeRegexp('svc_loader') });
    const value = Object.values<any>(output)[0].Value;
    expect(value).toEqual({
      'Fn::Join': ['', [
        'CREATE NETWORK RULE IF NOT EXISTS "SECURITY"."Network Rules"."SVC_LOADER_PRIVATELINK" MODE = INGRESS TYPE = AWSVPCEID VALUE_LIST = (\'',
        { Ref: expect.stringMatching(/^SnowflakeEndpoint/) },
        '\'); CREATE NETWORK POLICY IF NOT EXISTS "SVC_LOADER_PRIVATELINK" ALLOWED_NETWORK_RULE_LIST = (\'"SECURITY"."Network Rules"."SVC_LOADER_PRIVATELINK"\'); '
        + 'ALTER USER "SVC_LOADER" SET NETWORK_POLICY = "SVC_LOADER_PRIVATELINK";',
      ]],
    });
    expect(pl.networkPolicySql).toBeDefined();
  });

  test('beside it, the authentication-policy SQL limits the user to key-pair sign-in, identifiers quoted', () => {
    const { template, pl } = endpoint({ networkPolicy: { user: 'svc_loader', database: 'SECURITY', schema: 'Network Rules' } });
    const expected = 'CREATE AUTHENTICATION POLICY IF NOT EXISTS "SECURITY"."Network Rules"."SVC_LOADER_KEYPAIR_ONLY" AUTHENTICATION_METHODS = (\'KEYPAIR\') '
      + 'COMMENT = \'Key-pair sign-in only (cdk-snowflake-keypair)\'; '
      + 'ALTER USER "SVC_LOADER" SET AUTHENTICATION POLICY "SECURITY"."Network Rules"."SVC_LOADER_KEYPAIR_ONLY";';
    template().hasOutput('*', { Value: expected, Description: 'SQL that lets svc_loader sign in with a key pair only' });
    expect(pl.authenticationPolicySql).toBe(expected);
  });

  test('(failing case) without keyPairOnly, no authentication-policy SQL; without networkPolicy, neither', () => {
    const off = endpoint({ networkPolicy: { user: 'SVC', database: 'DB', schema: 'S', keyPairOnly: false } });
    expect(off.pl.authenticationPolicySql).toBeUndefined();
    expect(JSON.stringify(off.template().toJSON().Outputs)).not.toContain('AUTHENTICATION POLICY');
    expect(off.pl.networkPolicySql).toBeDefined();
    const none = endpoint();
    expect(none.pl.authenticationPolicySql).toBeUndefined();
    expect(none.template().toJSON().Outputs).toBeUndefined();
  });

  test('a workload-identity user gets a policy that allows WORKLOAD_IDENTITY (a KEYPAIR-only policy would lock it out)', () => {
    const { template, pl } = endpoint({
      networkPolicy: { user: 'SVC_WIF', database: 'DB', schema: 'S', authenticationMethods: [SnowflakeAuthenticationMethod.WORKLOAD_IDENTITY] },
    });
    const expected = 'CREATE AUTHENTICATION POLICY IF NOT EXISTS "DB"."S"."SVC_WIF_WORKLOAD_IDENTITY_ONLY" AUTHENTICATION_METHODS = (\'WORKLOAD_IDENTITY\') '
      + 'COMMENT = \'Workload-identity sign-in only (cdk-snowflake-keypair)\'; '
      + 'ALTER USER "SVC_WIF" SET AUTHENTICATION POLICY "DB"."S"."SVC_WIF_WORKLOAD_IDENTITY_ONLY";';
    expect(pl.authenticationPolicySql).toBe(expected);
    template().hasOutput('*', { Value: expected, Description: 'SQL that lets SVC_WIF sign in with its workload identity only' });
    expect(pl.authenticationPolicySql).not.toContain('\'KEYPAIR\'');
  });

  test('a user moving from a key pair to its workload identity gets both, in one order whatever the order given', () => {
    const sql = (methods: SnowflakeAuthenticationMethod[]) => endpoint({ networkPolicy: { user: 'SVC', database: 'DB', schema: 'S', authenticationMethods: methods } }).pl.authenticationPolicySql;
    const both = sql([SnowflakeAuthenticationMethod.WORKLOAD_IDENTITY, SnowflakeAuthenticationMethod.KEYPAIR]);
    expect(both).toBe('CREATE AUTHENTICATION POLICY IF NOT EXISTS "DB"."S"."SVC_KEYPAIR_OR_WORKLOAD_IDENTITY" AUTHENTICATION_METHODS = (\'KEYPAIR\', \'WORKLOAD_IDENTITY\') '
      + 'COMMENT = \'Key-pair or workload-identity sign-in only (cdk-snowflake-keypair)\'; '
      + 'ALTER USER "SVC" SET AUTHENTICATION POLICY "DB"."S"."SVC_KEYPAIR_OR_WORKLOAD_IDENTITY";');
    expect(sql([SnowflakeAuthenticationMethod.KEYPAIR, SnowflakeAuthenticationMethod.WORKLOAD_IDENTITY])).toBe(both);
    // The key-pair policy, asked for by name, is the one made without the option.
    expect(sql([SnowflakeAuthenticationMethod.KEYPAIR])).toBe(endpoint({ networkPolicy: { user: 'SVC', database: 'DB', schema: 'S' } }).pl.authenticationPolicySql);
  });

  test('(failing case) no method, or methods with keyPairOnly: false, are refused', () => {
    expect(() => endpoint({ networkPolicy: { user: 'SVC', database: 'DB', schema: 'S', authenticationMethods: [] } }))
      .toThrow(/networkPolicy.authenticationMethods is empty: an authentication policy that allows no method locks the user out/);
    expect(() => endpoint({ networkPolicy: { user: 'SVC', database: 'DB', schema: 'S', keyPairOnly: false, authenticationMethods: [SnowflakeAuthenticationMethod.WORKLOAD_IDENTITY] } }))
      .toThrow(/authenticationMethods is set, and keyPairOnly is false/);
  });

  test('a named authentication policy with a double quote is quoted, not spliced', () => {
    const { pl } = endpoint({ networkPolicy: { user: 'SVC', database: 'DB', schema: 'S', authenticationPolicyName: 'only "keys"' } });
    expect(pl.authenticationPolicySql).toContain('"DB"."S"."only ""keys"""');
  });

  test('a name with a double quote is quoted, not spliced', () => {
    const { template } = endpoint({ networkPolicy: { user: 'SVC', database: 'DB', schema: 'S', ruleName: 'a"b', policyName: 'p' } });
    const value = JSON.stringify(Object.values<any>(template().findOutputs('*'))[0].Value);
    expect(value).toContain('\\"a\\"\\"b\\"');
  });
});

describe('AWS service endpoints for isolated subnets', () => {
  test('Secrets Manager and STS interface endpoints and an S3 gateway endpoint, opened to allowed clients only', () => {
    const { stack, vpc, pl, template } = endpoint({ addAwsServiceEndpoints: true });
    const client = new ec2.SecurityGroup(stack, 'Client', { vpc, allowAllOutbound: false });
    pl.allowFrom(client);
    const t = template();
    t.hasResourceProperties('AWS::EC2::VPCEndpoint', { ServiceName: 'com.amazonaws.us-east-1.secretsmanager', PrivateDnsEnabled: true });
    t.hasResourceProperties('AWS::EC2::VPCEndpoint', { ServiceName: 'com.amazonaws.us-east-1.sts', PrivateDnsEnabled: true });
    t.hasResourceProperties('AWS::EC2::VPCEndpoint', { ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.s3']] }, VpcEndpointType: 'Gateway' });
    const toAws = Object.values<any>(t.findResources('AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties)
      .filter((r) => /SnowflakeSecretsManager|SnowflakeSts/.test(JSON.stringify(r.GroupId)));
    expect(toAws).toHaveLength(2);
    for (const rule of toAws) expect(rule).toMatchObject({ FromPort: 443, ToPort: 443, SourceSecurityGroupId: { 'Fn::GetAtt': [expect.stringMatching(/^Client/), 'GroupId'] } });
    expect(JSON.stringify(t.toJSON())).not.toContain('0.0.0.0/0');
  });
});

describe('validation', () => {
  test('(failing case) a service in another region than the stack\'s', () => {
    const s = setup('eu-west-1');
    expect(() => new PrivateLinkEndpoint(s.stack, 'Snowflake', { vpc: s.vpc, config: config() }))
      .toThrow('[Test/Snowflake] config\'s endpoint service com.amazonaws.vpce.us-east-1.vpce-svc-0a1b2c3d4e5f67890 is in us-east-1, but this stack is in eu-west-1.');
  });

  test('(passing case) a stack whose region is not known is not checked', () => {
    const stack = new Stack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'i', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    expect(() => new PrivateLinkEndpoint(stack, 'Snowflake', { vpc, config: config() })).not.toThrow();
  });

  test.each([
    [{ allowedCidrs: ['0.0.0.0/0'] }, /allowedCidrs holds 0\.0\.0\.0\/0, which would let any address reach Snowflake/],
    [{ allowedCidrs: ['::/0'] }, /allowedCidrs holds ::\/0/],
    [{ allowedCidrs: ['10.0.0.0'] }, /allowedCidrs holds "10\.0\.0\.0", which is not a CIDR range/],
    [{ recordTtl: Duration.days(3) }, /recordTtl is 259200 s; Route 53 allows 1 s to 2 days/],
    [{ networkPolicy: { user: '', database: 'DB', schema: 'S' } }, /networkPolicy\.user "" is not valid/],
    [{ networkPolicy: { user: 'SVC', database: '', schema: 'S' } }, /networkPolicy\.database "" is not valid/],
    [{ networkPolicy: { user: 'SVC', database: 'DB', schema: 'S', authenticationPolicyName: '' } }, /networkPolicy\.authenticationPolicyName "" is not valid/],
  ])('(failing case) %j', (props, message) => {
    expect(() => endpoint(props as Partial<PrivateLinkEndpointProps>)).toThrow(message);
  });

  test('(failing case) a hosted zone with another name', () => {
    const s = setup();
    const zone = new route53.PrivateHostedZone(s.stack, 'Zone', { zoneName: 'example.internal', vpc: s.vpc });
    expect(() => new PrivateLinkEndpoint(s.stack, 'Snowflake', { vpc: s.vpc, config: config(), hostedZone: zone }))
      .toThrow('[Test/Snowflake] hostedZone is example.internal, but the records belong in the private zone privatelink.snowflakecomputing.com.');
  });
});

describe('an existing endpoint, imported', () => {
  function imported() {
    const s = setup();
    const group = ec2.SecurityGroup.fromSecurityGroupId(s.stack, 'EndpointGroup', 'sg-0123456789abcdef0', { allowAllOutbound: false });
    const existing = PrivateLinkEndpoint.fromPrivateLinkEndpointAttributes(s.stack, 'Existing', {
      vpc: s.vpc, vpcEndpointId: 'vpce-0123456789abcdef0', securityGroup: group, accountHost: 'XY12345.us-east-1.privatelink.snowflakecomputing.com',
    });
    const secret = new SnowflakeKeyPairSecret(s.stack, 'Secret', { account: 'myorg-myaccount', user: 'SVC' });
    const ingress = (t: Template) => Object.values<any>(t.findResources('AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties);
    return { ...s, existing, secret, ingress };
  }

  test('a function given it connects by its host and opens its ports on its security group: 443 for the SQL executor on the SQL API (the default)', () => {
    const { stack, existing, secret, ingress } = imported();
    new SnowflakeConnectorFunction(stack, 'Fn', { secret, privateLink: existing });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ SNOWFLAKE_HOST: 'xy12345.us-east-1.privatelink.snowflakecomputing.com' }) } });
    expect(ingress(t).map((r) => [r.GroupId, r.FromPort])).toEqual([['sg-0123456789abcdef0', 443]]);
    t.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
    t.resourceCountIs('AWS::Route53::RecordSet', 0);
  });

  test('(failing case) the driver opens 443 and 80 (OCSP) on it', () => {
    const { stack, existing, secret, ingress } = imported();
    new SnowflakeConnectorFunction(stack, 'Fn', { secret, privateLink: existing, handler: ConnectorHandler.sqlExecutor({ transport: SqlExecutorTransport.DRIVER }) });
    expect(ingress(Template.fromStack(stack)).map((r) => [r.GroupId, r.FromPort]).sort()).toEqual([['sg-0123456789abcdef0', 443], ['sg-0123456789abcdef0', 80]]);
  });

  test('its allowFrom takes the same options: 443 and 80 by default, 443 only with { ocsp: false }', () => {
    const { stack, vpc, existing, ingress } = imported();
    existing.allowFrom(new ec2.SecurityGroup(stack, 'Driver', { vpc }));
    existing.allowFrom(new ec2.SecurityGroup(stack, 'SqlApi', { vpc }), { ocsp: false });
    const rules = ingress(Template.fromStack(stack));
    const from = (client: string) => rules.filter((r) => r.SourceSecurityGroupId['Fn::GetAtt'][0].startsWith(client)).map((r) => r.FromPort).sort();
    expect(from('Driver')).toEqual([443, 80]);
    expect(from('SqlApi')).toEqual([443]);
  });

  test('(failing case) a host outside the PrivateLink zone', () => {
    const s = setup();
    const group = ec2.SecurityGroup.fromSecurityGroupId(s.stack, 'EndpointGroup', 'sg-0123456789abcdef0');
    expect(() => PrivateLinkEndpoint.fromPrivateLinkEndpointAttributes(s.stack, 'Existing', {
      vpc: s.vpc, vpcEndpointId: 'vpce-0123456789abcdef0', securityGroup: group, accountHost: 'xy12345.us-east-1.snowflakecomputing.com',
    })).toThrow('[Test/Existing] accountHost "xy12345.us-east-1.snowflakecomputing.com" is not a host name ending in .privatelink.snowflakecomputing.com.');
  });
});
