/**
 * SnowflakeConnectorFunction signing in as its own IAM role (SnowflakeAuthentication.workloadIdentity):
 * the environment the connector reads, the role (nothing but its logs), the checks at synth (settings,
 * the role's ARN, the host), the SQL, the network path, registration at deploy, cdk-nag. Each check
 * has a passing and a failing case.
 */
import { Annotations as CdkAnnotations, App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import {
  IPrivateLinkEndpoint, PrivateLinkConfig, PrivateLinkEndpoint, RegisteredIdentityOnDelete, SnowflakeAuthentication, SnowflakeAuthenticationMethod,
  SnowflakeConnectorFunction, SnowflakeConnectorFunctionProps, SnowflakeKeyPairSecret, WorkloadIdentityAttestation, WorkloadIdentityOptions,
} from '../../src';
import { ROLE_PATH_WARNING, workloadIdentityHostProblem } from '../../src/function/workload-identity';
import { ACKNOWLEDGED_RULES } from '../../src/private/acknowledgements';
import { parseWorkloadIdentityConnection } from '../../src/shared/workload-identity';
import { nagApp, runNag } from '../support/nag';
import { CONFIG_JSON } from '../support/privatelink';
import { testStack } from '../support/stacks';

const ISSUER = 'https://0a1b2c3d-4e5f-6789-abcd-ef0123456789.tokens.sts.global.api.aws';

function wif(extra: Partial<WorkloadIdentityOptions> = {}): SnowflakeAuthentication {
  return SnowflakeAuthentication.workloadIdentity({ account: 'myorg-myaccount', user: 'SVC_LOADER', ...extra });
}

function build(options: Partial<WorkloadIdentityOptions> = {}, props: Partial<SnowflakeConnectorFunctionProps> = {}, stack = testStack()) {
  const fn = new SnowflakeConnectorFunction(stack, 'Loader', { authentication: wif(options), ...props });
  return { stack, fn };
}

function functionProps(template: Template): any {
  const functions = template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { SNOWFLAKE_AUTHENTICATION: Match.anyValue() } } } });
  expect(Object.keys(functions)).toHaveLength(1);
  return Object.values(functions)[0].Properties;
}

function statementsOfRole(template: Template, roleLogicalId: string): any[] {
  return Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleLogicalId }] } }))
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
}

describe('the environment', () => {
  test('names the mode, the connection settings, the role\'s ARN and the attestation; never a secret', () => {
    const { stack } = build({ role: 'LOADER', warehouse: 'LOAD_WH', database: 'RAW', schema: 'ORDERS' });
    const fn = functionProps(Template.fromStack(stack));
    const vars = fn.Environment.Variables;
    expect(Object.keys(vars).sort()).toEqual([
      'SNOWFLAKE_AUTHENTICATION', 'SNOWFLAKE_CONNECTION', 'SNOWFLAKE_WORKLOAD_IDENTITY_ARN', 'SNOWFLAKE_WORKLOAD_IDENTITY_ATTESTATION',
    ]);
    expect(vars.SNOWFLAKE_AUTHENTICATION).toBe('WORKLOAD_IDENTITY');
    expect(vars.SNOWFLAKE_WORKLOAD_IDENTITY_ATTESTATION).toBe('SIGNED_CALLER_IDENTITY');
    // The ARN of the role the function runs as, resolved at deploy.
    expect(vars.SNOWFLAKE_WORKLOAD_IDENTITY_ARN).toEqual(fn.Role);
    expect(vars.SNOWFLAKE_WORKLOAD_IDENTITY_ARN).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^LoaderRole/), 'Arn'] });
    expect(parseWorkloadIdentityConnection(vars.SNOWFLAKE_CONNECTION)).toEqual({
      account: 'myorg-myaccount', user: 'SVC_LOADER', role: 'LOADER', warehouse: 'LOAD_WH', database: 'RAW', schema: 'ORDERS',
    });
    expect(vars.SNOWFLAKE_SECRET_ID).toBeUndefined();
  });

  test('(failing case) a key-pair function has the secret and none of the workload-identity variables', () => {
    const stack = testStack();
    const secret = new SnowflakeKeyPairSecret(stack, 'Secret', { account: 'myorg-myaccount', user: 'SVC' });
    new SnowflakeConnectorFunction(stack, 'Loader', { secret });
    const fns = Template.fromStack(stack).findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { SNOWFLAKE_SECRET_ID: Match.anyValue() } } } });
    const vars = (Object.values(fns)[0] as any).Properties.Environment.Variables;
    expect(Object.keys(vars)).toEqual(['SNOWFLAKE_SECRET_ID']);
  });

  test('OUTBOUND_TOKEN is named in the environment; the issuer is not (only Snowflake needs it)', () => {
    const { stack } = build({ attestation: WorkloadIdentityAttestation.OUTBOUND_TOKEN, issuer: ISSUER });
    const vars = functionProps(Template.fromStack(stack)).Environment.Variables;
    expect(vars.SNOWFLAKE_WORKLOAD_IDENTITY_ATTESTATION).toBe('OUTBOUND_TOKEN');
    expect(JSON.stringify(vars)).not.toContain(ISSUER);
  });

  test('with PrivateLink, the connection (and SNOWFLAKE_HOST) is the PrivateLink account host', () => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'i', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const privateLink = new PrivateLinkEndpoint(stack, 'PL', { vpc, config: PrivateLinkConfig.fromJson(CONFIG_JSON) });
    build({}, { privateLink }, stack);
    const vars = functionProps(Template.fromStack(stack)).Environment.Variables;
    expect(parseWorkloadIdentityConnection(vars.SNOWFLAKE_CONNECTION)).toEqual(expect.objectContaining({ host: privateLink.accountHost }));
    expect(vars.SNOWFLAKE_HOST).toBe(privateLink.accountHost);
  });

  test('the construct\'s variables are refused in environment, each with the prop that sets it', () => {
    for (const name of ['SNOWFLAKE_AUTHENTICATION', 'SNOWFLAKE_CONNECTION', 'SNOWFLAKE_WORKLOAD_IDENTITY_ARN', 'SNOWFLAKE_WORKLOAD_IDENTITY_ATTESTATION']) {
      expect(() => build({}, { environment: { [name]: 'x' } })).toThrow(new RegExp(`environment sets ${name}: .*the construct sets it itself`));
    }
    expect(() => build({}, { environment: { APP_MODE: 'x' } })).not.toThrow();
  });
});

describe('secret or authentication: exactly one', () => {
  test('both, or neither, are refused with both props named and the fix', () => {
    const stack = testStack();
    const secret = new SnowflakeKeyPairSecret(stack, 'Secret', { account: 'myorg-myaccount', user: 'SVC' });
    expect(() => new SnowflakeConnectorFunction(stack, 'Both', { secret, authentication: wif() }))
      .toThrow(/\[Test\/Both\] secret and authentication are both set; give one\..*remove secret.*or remove authentication/);
    expect(() => new SnowflakeConnectorFunction(stack, 'Neither', {}))
      .toThrow(/\[Test\/Neither\] neither secret nor authentication is set.*Give secret.*SnowflakeAuthentication\.workloadIdentity/);
  });

  test('secret is short for SnowflakeAuthentication.keyPair(secret): the same template', () => {
    const template = (long: boolean) => {
      const stack = testStack();
      const secret = new SnowflakeKeyPairSecret(stack, 'Secret', { account: 'myorg-myaccount', user: 'SVC' });
      const fn = new SnowflakeConnectorFunction(stack, 'Loader', long ? { authentication: SnowflakeAuthentication.keyPair(secret) } : { secret });
      expect(fn.secret).toBe(secret);
      expect(fn.createUserSql).toBeUndefined();
      expect(fn.alterUserSql).toBeUndefined();
      return Template.fromStack(stack).toJSON();
    };
    expect(template(true)).toEqual(template(false));
  });
});

describe('the role: its logs and nothing else', () => {
  test('the default role is a plain role for Lambda: no managed policy, no secret, no KMS; write to its own log group only', () => {
    const { stack, fn } = build();
    expect(fn.secret).toBeUndefined();
    const template = Template.fromStack(stack);
    const roleId = functionProps(template).Role['Fn::GetAtt'][0];
    const role = template.toJSON().Resources[roleId];
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({ Action: 'sts:AssumeRole', Principal: { Service: 'lambda.amazonaws.com' } }),
    ]);
    expect(statementsOfRole(template, roleId)).toEqual([
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [expect.stringMatching(/^LoaderLogGroup/), 'Arn'] } },
    ]);
    const all = JSON.stringify(template.toJSON());
    expect(all).not.toMatch(/secretsmanager:|kms:|sts:GetWebIdentityToken/);
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
  });

  test('OUTBOUND_TOKEN adds sts:GetWebIdentityToken, for Snowflake\'s audience and ES384 only, in a policy the function waits for', () => {
    const { stack } = build({ attestation: WorkloadIdentityAttestation.OUTBOUND_TOKEN, issuer: ISSUER });
    const template = Template.fromStack(stack);
    const policies = template.findResources('AWS::IAM::Policy', {
      Properties: { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'sts:GetWebIdentityToken' })]) } },
    });
    const [policyId, policy] = Object.entries(policies)[0] as [string, any];
    expect(Object.keys(policies)).toHaveLength(1);
    expect(policy.Properties.PolicyDocument.Statement).toEqual([{
      Effect: 'Allow',
      Action: 'sts:GetWebIdentityToken',
      Resource: '*',
      Condition: {
        'ForAllValues:StringEquals': { 'sts:IdentityTokenAudience': ['snowflakecomputing.com'] },
        'Null': { 'sts:IdentityTokenAudience': 'false' },
        'StringEquals': { 'sts:SigningAlgorithm': 'ES384' },
      },
    }]);
    const fnId = Object.keys(template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { SNOWFLAKE_AUTHENTICATION: Match.anyValue() } } } }))[0];
    expect(template.toJSON().Resources[fnId].DependsOn).toContain(policyId);
  });

  test('a role of yours is used as it is: granted its log group, and no secret', () => {
    const stack = testStack();
    const role = new iam.Role(stack, 'Mine', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const { fn } = build({}, { role }, stack);
    expect(fn.role).toBe(role);
    const template = Template.fromStack(stack);
    expect(functionProps(template).Environment.Variables.SNOWFLAKE_WORKLOAD_IDENTITY_ARN).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Mine/), 'Arn'] });
    expect(JSON.stringify(statementsOfRole(template, template.toJSON().Resources && Object.keys(template.findResources('AWS::IAM::Role'))[0])))
      .not.toContain('secretsmanager');
  });

  test('the log group is not encrypted with a secret\'s key (there is none) and is acknowledged; logEncryptionKey encrypts it', () => {
    const plain = build();
    Template.fromStack(plain.stack).hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: Match.absent() });
    const stack = testStack();
    const key = new kms.Key(stack, 'Key');
    build({}, { logEncryptionKey: key }, stack);
    const groups = Object.values(Template.fromStack(stack).findResources('AWS::Logs::LogGroup')) as any[];
    expect(groups.map((g) => g.Properties.KmsKeyId)).toEqual([{ 'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'] }]);
  });
});

describe('the role\'s ARN', () => {
  const stackOf = () => testStack();
  const roles: Array<[string, (s: Stack) => iam.IRole]> = [
    ['a role of the app', (s) => new iam.Role(s, 'R', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') })],
    ['Role.fromRoleName (ARN from the stack\'s partition and account)', (s) => iam.Role.fromRoleName(s, 'R', 'connector')],
    ['Role.fromRoleName in an environment-agnostic stack', () => iam.Role.fromRoleName(new Stack(new App(), 'Agnostic'), 'R', 'connector')],
    ['Role.fromRoleArn with a role ARN', (s) => iam.Role.fromRoleArn(s, 'R', 'arn:aws:iam::123456789012:role/connector')],
    ['Role.fromRoleArn with a role ARN, immutable', (s) => iam.Role.fromRoleArn(s, 'R', 'arn:aws:iam::123456789012:role/connector', { mutable: false })],
    ['Role.fromRoleArn with a parameter (known at deploy)', (s) => iam.Role.fromRoleArn(s, 'R', new CfnParameter(s, 'RoleArn').valueAsString)],
    ['a LazyRole', (s) => new iam.LazyRole(s, 'R', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') })],
  ];
  test.each(roles)('accepted: %s', (_, make) => {
    const stack = stackOf();
    const role = make(stack);
    const scope = role.stack === stack ? stack : role.stack;
    expect(() => build({}, { role }, scope as Stack)).not.toThrow();
  });

  const refused: Array<[string, (s: Stack) => iam.IRole, RegExp]> = [
    ['an IAM user\'s ARN', (s) => iam.Role.fromRoleArn(s, 'R', 'arn:aws:iam::123456789012:user/alice'), /"arn:aws:iam::123456789012:user\/alice" is not an IAM role's/],
    ['an assumed-role session\'s ARN', (s) => iam.Role.fromRoleArn(s, 'R', 'arn:aws:sts::123456789012:assumed-role/connector/session'), /assumed-role.* is not an IAM role's/],
    ['a wildcard', (s) => iam.Role.fromRoleArn(s, 'R', 'arn:aws:iam::123456789012:role/*'), /role\/\*" is not an IAM role's/],
    ['a user ARN built from the stack\'s partition and account', (s) => iam.Role.fromRoleArn(s, 'R', s.formatArn({ service: 'iam', region: '', resource: 'user', resourceName: 'alice' })),
      /\(arn:<token>:iam::123456789012:user\/alice\) is not an IAM role's/],
    ['a precreated role with no name (Role.customizeRoles)', (s) => {
      iam.Role.customizeRoles(s);
      return new iam.Role(s, 'R', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    }, /is not an IAM role's/],
  ];
  test.each(refused)('refused: %s, with the path and the fix', (_, make, why) => {
    const stack = stackOf();
    const role = make(stack);
    let message = '';
    try {
      build({}, { role }, stack);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^\[Test\/Loader\] role Test\/R cannot sign in with a workload identity: /);
    expect(message).toMatch(why);
    expect(message).toMatch(/iam\.Role\.fromRoleArn\(scope, id, 'arn:aws:iam::<account>:role\/<name>'\)/);
  });

  test('the same role ARNs pass with a key pair (the check is the workload identity\'s)', () => {
    const stack = stackOf();
    const secret = new SnowflakeKeyPairSecret(stack, 'Secret', { account: 'myorg-myaccount', user: 'SVC' });
    const role = iam.Role.fromRoleArn(stack, 'R', 'arn:aws:iam::123456789012:user/alice');
    expect(() => new SnowflakeConnectorFunction(stack, 'Loader', { secret, role })).not.toThrow();
  });

  test('a role with a path gets a warning that Snowflake matches by account and name; it can be acknowledged', () => {
    const warnings = (role: (s: Stack) => iam.IRole, acknowledge = false) => {
      const stack = stackOf();
      const { fn } = build({}, { role: role(stack) }, stack);
      if (acknowledge) CdkAnnotations.of(fn).acknowledgeWarning(ROLE_PATH_WARNING, 'unique name');
      return Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('has the path'));
    };
    const withPath = warnings((s) => new iam.Role(s, 'R', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), path: '/app/' }));
    expect(withPath).toHaveLength(1);
    expect(withPath[0].entry.data).toMatch(/role Test\/R has the path \/app\/\. STS GetCallerIdentity .*without the path.*two roles with this name/);
    expect(withPath[0].entry.data).toContain(`acknowledgeWarning('${ROLE_PATH_WARNING}'`);
    expect(warnings((s) => iam.Role.fromRoleArn(s, 'R', 'arn:aws:iam::123456789012:role/team/app/connector'))[0].entry.data)
      .toMatch(/has the path \/team\/app\//);
    // (failing cases) no path, or acknowledged: no warning.
    expect(warnings((s) => iam.Role.fromRoleArn(s, 'R', 'arn:aws:iam::123456789012:role/connector'))).toHaveLength(0);
    expect(warnings((s) => new iam.Role(s, 'R', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), path: '/' }))).toHaveLength(0);
    expect(warnings((s) => new iam.Role(s, 'R', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), path: '/app/' }), true)).toHaveLength(0);
  });
});

describe('the settings, checked as SnowflakeKeyPairSecret checks them', () => {
  test.each([
    [{ account: 'https://myorg-myaccount.snowflakecomputing.com' }, /account "https:\/\/myorg-myaccount.snowflakecomputing.com" is not valid: it is a URL/],
    [{ user: 'SVC ' }, /user "SVC " is not valid: it ends with a trailing space/],
    [{ role: ' LOADER' }, /role " LOADER" is not valid/],
    [{ warehouse: '' }, /warehouse "" is not valid: it is empty/],
    [{ database: 'a\tb' }, /database "a\\tb" is not valid: it contains a control character/],
    [{ database: 'RAW', schema: '' }, /schema "" is not valid/],
    [{ schema: 'ORDERS' }, /schema is set without database/],
    [{ host: 'https://myorg-myaccount.snowflakecomputing.com' }, /host .* is not valid: it must be a bare host name/],
    [{ attestation: WorkloadIdentityAttestation.OUTBOUND_TOKEN }, /attestation is OUTBOUND_TOKEN without issuer.*EnableOutboundWebIdentityFederation/],
    [{ issuer: ISSUER }, /issuer is set, and attestation is SIGNED_CALLER_IDENTITY/],
    [{ attestation: WorkloadIdentityAttestation.OUTBOUND_TOKEN, issuer: 'http://example.com' }, /issuer "http:\/\/example.com" is not valid: it must be an https:\/\/ URL/],
    [{ attestation: WorkloadIdentityAttestation.OUTBOUND_TOKEN, issuer: 'sts' }, /issuer "sts" is not valid: it is not a URL/],
  ] as Array<[Partial<WorkloadIdentityOptions>, RegExp]>)('refused: %j', (options, message) => {
    expect(() => build(options)).toThrow(new RegExp(`^\\[Test/Loader\\] authentication \\(SnowflakeAuthentication.workloadIdentity\\): .*${message.source}`));
  });

  test('accepted: every setting, and OUTBOUND_TOKEN with its issuer', () => {
    expect(() => build({
      account: 'xy12345.us-east-2.aws',
      user: 'svc.loader@example.com',
      role: 'Data Loader',
      warehouse: 'LOAD_WH',
      database: 'RAW',
      schema: 'ORDERS',
      host: 'myorg-myaccount.snowflakecomputing.com',
      attestation: WorkloadIdentityAttestation.OUTBOUND_TOKEN,
      issuer: ISSUER,
    })).not.toThrow();
  });
});

describe('the host: the driver\'s workload-identity allow-list', () => {
  test('the rule, as snowflake-sdk 3.3.0 applies it (url_util.js: normalizeHost, isSnowflakeAllowedDomain)', () => {
    for (const host of ['myorg-myaccount.snowflakecomputing.com', 'XY12345.CN-NORTH-1.snowflakecomputing.cn', 'a.snowflakecomputing.mil',
      'myorg-myaccount.privatelink.snowflakecomputing.com', 'snowflakecomputing.com', 'myorg.snowflakecomputing.com.', ' myorg.snowflakecomputing.com:443']) {
      expect({ host, problem: workloadIdentityHostProblem(host) }).toEqual({ host, problem: undefined });
    }
    for (const host of ['myorg.example.com', 'evilsnowflakecomputing.com', 'snowflakecomputing.com.evil.com', 'myorg.snowflakecomputing.co', '127.0.0.1']) {
      expect(workloadIdentityHostProblem(host)).toMatch(/only to a host that is, or ends in `.` and, one of snowflakecomputing.com, snowflakecomputing.cn, snowflakecomputing.mil/);
    }
  });

  test('a host the driver would refuse fails the synth with the rule and its source', () => {
    expect(() => build({ host: 'snowflake.internal.example.com' }))
      .toThrow(/host "snowflake.internal.example.com" is not valid: snowflake-sdk signs in with a workload identity only to .*host_allowlist\.js/);
  });

  test('a PrivateLink endpoint\'s host passes; host beside privateLink is refused', () => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'i', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const privateLink = new PrivateLinkEndpoint(stack, 'PL', { vpc, config: PrivateLinkConfig.fromJson(CONFIG_JSON) });
    expect(() => new SnowflakeConnectorFunction(stack, 'Ok', { authentication: wif(), privateLink })).not.toThrow();
    expect(() => new SnowflakeConnectorFunction(stack, 'Both', { authentication: wif({ host: 'myorg-myaccount.snowflakecomputing.com' }), privateLink }))
      .toThrow(/host "myorg-myaccount.snowflakecomputing.com" is set, and so is privateLink/);
    const imported = PrivateLinkEndpoint.fromPrivateLinkEndpointAttributes(stack, 'Imported', {
      vpc,
      vpcEndpointId: 'vpce-0123',
      securityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-0123'),
      accountHost: 'xy12345.us-east-1.privatelink.snowflakecomputing.com',
    });
    expect(() => new SnowflakeConnectorFunction(stack, 'ViaImported', { authentication: wif(), privateLink: imported })).not.toThrow();
  });
});

test('an endpoint whose authentication policy for this user leaves out WORKLOAD_IDENTITY is refused; with it, or for another user, accepted', () => {
  const attempt = (user: string, methods?: SnowflakeAuthenticationMethod[]) => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'i', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const privateLink = new PrivateLinkEndpoint(stack, 'PL', {
      vpc, config: PrivateLinkConfig.fromJson(CONFIG_JSON), networkPolicy: { user, database: 'DB', schema: 'S', authenticationMethods: methods },
    });
    return () => build({}, { privateLink }, stack);
  };
  expect(attempt('svc_loader')).toThrow(/privateLink \(Test\/PL\) emits an authentication policy for SVC_LOADER that allows KEYPAIR only.*authenticationMethods/);
  expect(attempt('SVC_LOADER', [SnowflakeAuthenticationMethod.WORKLOAD_IDENTITY])).not.toThrow();
  expect(attempt('SVC_LOADER', [SnowflakeAuthenticationMethod.KEYPAIR, SnowflakeAuthenticationMethod.WORKLOAD_IDENTITY])).not.toThrow();
  expect(attempt('SVC_OTHER')).not.toThrow();
});

test('(failing case) an endpoint of your own whose host the driver would refuse is refused, naming privateLink\'s accountHost', () => {
  const stack = testStack();
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'i', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  class Custom extends Construct implements IPrivateLinkEndpoint {
    public readonly vpc = vpc;
    public readonly accountHost = 'snowflake.corp.example.com';
    public readonly vpcEndpointId = 'vpce-0123';
    public readonly connections = new ec2.Connections();
    public allowFrom(): void {}
  }
  expect(() => new SnowflakeConnectorFunction(stack, 'Loader', { authentication: wif(), privateLink: new Custom(stack, 'Custom') }))
    .toThrow(/privateLink's accountHost "snowflake.corp.example.com" is not valid: snowflake-sdk signs in with a workload identity only to/);
});

describe('the SQL that gives the user the role\'s identity', () => {
  test('createUserSql and alterUserSql name the role\'s ARN, resolved at deploy; the outputs carry them with createOutputs', () => {
    const { stack, fn } = build({ role: 'LOADER', warehouse: 'LOAD_WH', database: 'RAW', schema: 'ORDERS', createOutputs: true });
    const roleArn = stack.resolve(fn.role.roleArn);
    const create = stack.resolve(fn.createUserSql);
    expect(create).toEqual({
      'Fn::Join': ['', [
        'CREATE USER IF NOT EXISTS "SVC_LOADER" TYPE = SERVICE DEFAULT_ROLE = "LOADER" DEFAULT_WAREHOUSE = "LOAD_WH" '
          + 'DEFAULT_NAMESPACE = \'"RAW"."ORDERS"\' DEFAULT_SECONDARY_ROLES = () WORKLOAD_IDENTITY = (TYPE = AWS ARN = \'',
        roleArn,
        '\');',
      ]],
    });
    expect(stack.resolve(fn.alterUserSql)).toEqual({ 'Fn::Join': ['', ['ALTER USER "SVC_LOADER" SET WORKLOAD_IDENTITY = (TYPE = AWS ARN = \'', roleArn, '\');']] });
    const outputs = Template.fromStack(stack).toJSON().Outputs;
    const byPrefix = (prefix: string) => Object.entries(outputs).find(([id]) => id.startsWith(prefix))?.[1] as any;
    expect(byPrefix('LoaderWorkloadIdentityArnOutput').Value).toEqual(roleArn);
    expect(byPrefix('LoaderCreateUserSqlOutput').Value).toEqual(create);
    expect(byPrefix('LoaderAlterUserSqlOutput').Value).toEqual(stack.resolve(fn.alterUserSql));
  });

  test('with OUTBOUND_TOKEN, the SQL names the issuer', () => {
    const { stack, fn } = build({ attestation: WorkloadIdentityAttestation.OUTBOUND_TOKEN, issuer: ISSUER });
    expect(JSON.stringify(stack.resolve(fn.alterUserSql))).toContain(`' ISSUER = '${ISSUER}')`);
  });

  test('(failing case) without createOutputs, no outputs', () => {
    const { stack } = build();
    expect(Template.fromStack(stack).toJSON().Outputs ?? {}).toEqual({});
  });
});

describe('the network', () => {
  function inVpc(options: Partial<WorkloadIdentityOptions>, props: Partial<SnowflakeConnectorFunctionProps>) {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'i', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const privateLink = new PrivateLinkEndpoint(stack, 'PL', { vpc, config: PrivateLinkConfig.fromJson(CONFIG_JSON) });
    build(options, { privateLink, ...props }, stack);
    return Template.fromStack(stack);
  }
  const endpointServices = (template: Template) => Object.values(template.findResources('AWS::EC2::VPCEndpoint'))
    .map((e: any) => JSON.stringify(e.Properties.ServiceName)).filter((n) => !n.includes('vpce-svc')).sort();

  test('addAwsServiceEndpoints: no Secrets Manager endpoint (no secret); S3 only for SIGNED_CALLER_IDENTITY, STS too for OUTBOUND_TOKEN', () => {
    const signed = endpointServices(inVpc({}, { addAwsServiceEndpoints: true }));
    expect(signed).toHaveLength(1);
    expect(signed[0]).toContain('.s3');
    const outbound = { attestation: WorkloadIdentityAttestation.OUTBOUND_TOKEN, issuer: ISSUER };
    const token = endpointServices(inVpc(outbound, { addAwsServiceEndpoints: true }));
    expect(token).toHaveLength(2);
    expect(token.join()).toContain('.sts');
    expect(token.join()).not.toContain('secretsmanager');
  });

  test('(failing case) a key-pair function in the same place gets the Secrets Manager endpoint', () => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'i', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const privateLink = new PrivateLinkEndpoint(stack, 'PL', { vpc, config: PrivateLinkConfig.fromJson(CONFIG_JSON) });
    const secret = new SnowflakeKeyPairSecret(stack, 'Secret', { account: 'myorg-myaccount', user: 'SVC' });
    new SnowflakeConnectorFunction(stack, 'Loader', { secret, privateLink, addAwsServiceEndpoints: true });
    expect(endpointServices(Template.fromStack(stack)).join()).toContain('secretsmanager');
  });

  test('through PrivateLink with the library\'s S3 endpoint, the function\'s group has no 443 to the internet', () => {
    const template = inVpc({}, { addAwsServiceEndpoints: true });
    const groups = template.findResources('AWS::EC2::SecurityGroup', { Properties: { GroupDescription: Match.stringLikeRegexp('SnowflakeConnectorFunction') } });
    const [groupId, group] = Object.entries(groups)[0] as [string, any];
    expect(JSON.stringify(group.Properties.SecurityGroupEgress ?? [])).not.toContain('0.0.0.0/0');
    const standalone = Object.values(template.findResources('AWS::EC2::SecurityGroupEgress'))
      .map((r: any) => r.Properties).filter((p) => JSON.stringify(p.GroupId).includes(groupId));
    expect(standalone.map((p) => p.Description).sort()).toEqual(['HTTPS to S3 through the gateway endpoint', 'HTTPS to Snowflake over PrivateLink', 'OCSP over PrivateLink']);
  });

  test('without the library\'s endpoints, the rule says what the 443 is for: S3 only (no Secrets Manager)', () => {
    const template = inVpc({}, {});
    const groups = template.findResources('AWS::EC2::SecurityGroup', { Properties: { GroupDescription: Match.stringLikeRegexp('SnowflakeConnectorFunction') } });
    expect((Object.values(groups)[0] as any).Properties.SecurityGroupEgress).toEqual([
      expect.objectContaining({ CidrIp: '0.0.0.0/0', Description: 'HTTPS to S3', FromPort: 443 }),
    ]);
  });
});

describe('registration at deploy', () => {
  function registered(options: Partial<WorkloadIdentityOptions> = {}, registration: Partial<NonNullable<WorkloadIdentityOptions['registration']>> = {},
    props: Partial<SnowflakeConnectorFunctionProps> = {}, stack = testStack()) {
    const admin = new SnowflakeKeyPairSecret(stack, 'Admin', { account: 'myorg-myaccount', user: 'SVC_USER_ADMIN' });
    const { fn } = build({ ...options, registration: { adminSecret: admin, ...registration } }, props, stack);
    return { stack, fn, admin, template: Template.fromStack(stack) };
  }

  test('the custom resource: Authentication, the user\'s settings, the role\'s ARN; no secret of the user, no fingerprint', () => {
    const { template, stack, fn, admin } = registered({ role: 'LOADER', warehouse: 'LOAD_WH' });
    const resources = template.findResources('Custom::SnowflakeUserRegistration');
    expect(Object.keys(resources)).toHaveLength(1);
    const [id, resource] = Object.entries(resources)[0] as [string, any];
    expect(id).toMatch(/^LoaderRegistration/);
    const { ServiceToken, ...properties } = resource.Properties;
    expect(ServiceToken).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^SnowflakeUserRegistrationProvider/), 'Arn'] });
    expect(properties).toEqual({
      Authentication: 'WORKLOAD_IDENTITY',
      AdminSecretId: stack.resolve(admin.secretArn),
      CreateUser: 'true',
      OnDelete: 'REMOVE_IDENTITY',
      Connection: { account: 'myorg-myaccount', user: 'SVC_LOADER', role: 'LOADER', warehouse: 'LOAD_WH' },
      WorkloadIdentityArn: stack.resolve(fn.role.roleArn),
      ServiceTimeout: '300',
    });
  });

  test('createUser, onDelete and the issuer of OUTBOUND_TOKEN', () => {
    const { template } = registered({ attestation: WorkloadIdentityAttestation.OUTBOUND_TOKEN, issuer: ISSUER },
      { createUser: false, onDelete: RegisteredIdentityOnDelete.RETAIN_IDENTITY });
    template.hasResourceProperties('Custom::SnowflakeUserRegistration', {
      CreateUser: 'false', OnDelete: 'RETAIN_IDENTITY', WorkloadIdentityIssuer: ISSUER, SecretId: Match.absent(), Fingerprint: Match.absent(),
    });
  });

  test('the provider\'s role reads the administrator\'s secret (AWSCURRENT), and no other secret', () => {
    const { template, stack, admin } = registered();
    const providerRole = Object.keys(template.findResources('AWS::IAM::Role')).find((id) => id.startsWith('SnowflakeUserRegistrationProvider'))!;
    const reads = statementsOfRole(template, providerRole).filter((s) => JSON.stringify(s.Action).includes('secretsmanager'));
    expect(reads).toEqual([expect.objectContaining({
      Action: 'secretsmanager:GetSecretValue',
      Resource: stack.resolve(admin.secretArn),
      Condition: { StringEquals: { 'secretsmanager:VersionStage': ['AWSCURRENT'] } },
    })]);
  });

  test('through the function\'s PrivateLink endpoint, or the registration\'s own', () => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'i', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const privateLink = new PrivateLinkEndpoint(stack, 'PL', { vpc, config: PrivateLinkConfig.fromJson(CONFIG_JSON) });
    const { template } = registered({}, {}, { privateLink }, stack);
    expect(Object.keys(template.findResources('AWS::Lambda::Function')).some((id) => id.startsWith('SnowflakeUserRegistrationProviderViaPL'))).toBe(true);
    template.hasResourceProperties('Custom::SnowflakeUserRegistration', { Connection: Match.objectLike({ host: privateLink.accountHost }) });

    const other = testStack();
    const vpc2 = new ec2.Vpc(other, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'i', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const own = new PrivateLinkEndpoint(other, 'Admins', { vpc: vpc2, config: PrivateLinkConfig.fromJson(CONFIG_JSON) });
    const viaOwn = registered({}, { privateLink: own }, {}, other).template;
    expect(Object.keys(viaOwn.findResources('AWS::Lambda::Function')).some((id) => id.startsWith('SnowflakeUserRegistrationProviderViaAdmins'))).toBe(true);
  });

  test('(failing case) vpcSubnets or addAwsServiceEndpoints without privateLink are refused', () => {
    expect(() => registered({}, { addAwsServiceEndpoints: true }))
      .toThrow(/\[Test\/Loader\] authentication \(SnowflakeAuthentication.workloadIdentity\): registration.addAwsServiceEndpoints is set without registration.privateLink/);
    expect(() => registered({}, { vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } }))
      .toThrow(/registration.vpcSubnets is set without registration.privateLink/);
  });

  test('(failing case) without registration, no custom resource', () => {
    Template.fromStack(build().stack).resourceCountIs('Custom::SnowflakeUserRegistration', 0);
  });
});

describe('cdk-nag, all five packs', () => {
  test('a workload-identity function (outside a VPC; in one through PrivateLink with registration and OUTBOUND_TOKEN) leaves no finding', () => {
    const app = nagApp();
    const stack = new Stack(app, 'Wif', { env: { account: '123456789012', region: 'us-east-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'i', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const privateLink = new PrivateLinkEndpoint(stack, 'PL', { vpc, config: PrivateLinkConfig.fromJson(CONFIG_JSON) });
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const admin = new SnowflakeKeyPairSecret(stack, 'Admin', { account: 'myorg-myaccount', user: 'SVC_USER_ADMIN', encryptionKey: key });
    new SnowflakeConnectorFunction(stack, 'Public', { authentication: wif() });
    new SnowflakeConnectorFunction(stack, 'Private', {
      authentication: wif({ user: 'SVC_PRIVATE', attestation: WorkloadIdentityAttestation.OUTBOUND_TOKEN, issuer: ISSUER, registration: { adminSecret: admin } }),
      privateLink,
      addAwsServiceEndpoints: true,
    });
    const result = runNag(app);
    const ours = (path: string) => /^Wif\/(Public|Private|SnowflakeUserRegistrationProvider|Admin|SnowflakeKeyMaterialProvider)/.test(path);
    expect(result.pluginErrors).toEqual([]);
    expect(result.findings.filter((f) => ours(f.path))).toEqual([]);
    // The token policy is acknowledged with its own reason, on that policy only.
    const onToken = result.acknowledged.filter((a) => a.path.startsWith('Wif/Private/WebIdentityTokenPolicy'));
    expect(new Set(onToken.map((a) => a.reason))).toEqual(new Set([ACKNOWLEDGED_RULES.connectorWebIdentityToken.reason]));
  });

  test('(failing case) the same token policy without the acknowledgement is reported', () => {
    const app = nagApp();
    const stack = new Stack(app, 'Bare', { env: { account: '123456789012', region: 'us-east-1' } });
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    new iam.Policy(stack, 'Token', { roles: [role], statements: [new iam.PolicyStatement({ actions: ['sts:GetWebIdentityToken'], resources: ['*'] })] });
    expect(runNag(app).findings.map((f) => f.rule)).toEqual(expect.arrayContaining(['AwsSolutions-IAM5[Resource::*]', 'NIST.800.53.R5-IAMNoInlinePolicy']));
  });
});
