import { generateKeyPairSync } from 'node:crypto';
import { RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { KeySource, SecretReaderRole, SnowflakeKeyPairSecret, SnowflakeKeyPairSecretProps } from '../../src';
import { scanJson } from '../support/secret-scan';
import { testStack } from '../support/stacks';

const BASE: SnowflakeKeyPairSecretProps = { account: 'myorg-myaccount', user: 'SVC_LOADER' };

function synth(props: Partial<SnowflakeKeyPairSecretProps> = {}): { stack: Stack; secret: SnowflakeKeyPairSecret; template: Template } {
  const stack = testStack();
  const secret = new SnowflakeKeyPairSecret(stack, 'Secret', { ...BASE, ...props });
  // Synthesized on first use, so tests can add grants before reading the template.
  return { stack, secret, get template() { return Template.fromStack(stack); } };
}

describe('what it creates', () => {
  test('a secret with a constant placeholder value, retained by default', () => {
    const { template } = synth();
    template.hasResource('AWS::SecretsManager::Secret', {
      Properties: { SecretString: '{}', GenerateSecretString: Match.absent() },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test('a key-material custom resource carrying the connection settings and key settings, nothing secret', () => {
    const { template } = synth({ role: 'LOADER', warehouse: 'LOAD_WH', database: 'RAW', schema: 'EVENTS' });
    template.hasResourceProperties('Custom::SnowflakeKeyMaterial', {
      SecretId: { Ref: Match.stringLikeRegexp('^Secret') },
      Mode: 'GENERATE',
      KeySize: '2048',
      EncryptPrivateKey: 'false',
      KeyGeneration: '1',
      Connection: {
        account: 'myorg-myaccount', user: 'SVC_LOADER', role: 'LOADER', warehouse: 'LOAD_WH', database: 'RAW', schema: 'EVENTS',
      },
    });
  });

  test('key options reach the custom resource', () => {
    const { template } = synth({ keySource: KeySource.generate({ keySize: 4096, encryptPrivateKey: true, keyGeneration: 3 }) });
    template.hasResourceProperties('Custom::SnowflakeKeyMaterial', { KeySize: '4096', EncryptPrivateKey: 'true', KeyGeneration: '3' });
  });

  test('bring your own key: no key settings, and no public-key attributes', () => {
    const { template, secret } = synth({ keySource: KeySource.bringYourOwn() });
    template.hasResourceProperties('Custom::SnowflakeKeyMaterial', { Mode: 'BRING_YOUR_OWN', KeySize: Match.absent() });
    expect(() => secret.publicKey).toThrow(/publicKey is not available with KeySource.bringYourOwn\(\)/);
    expect(() => secret.createUserSql).toThrow(/not available with KeySource.bringYourOwn\(\)/);
    expect(secret.describeUserSql).toBe('DESC USER "SVC_LOADER";');
  });

  test('every function uses the pinned runtime nodejs24.x on ARM64, with JSON logs and a retained log group', () => {
    const { template } = synth();
    const functions = template.findResources('AWS::Lambda::Function');
    expect(Object.keys(functions)).toHaveLength(1);
    for (const fn of Object.values(functions)) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        LoggingConfig: { LogFormat: 'JSON' },
      });
      // Only the stack it answers for (events from any other stack are refused): no secret, no setting.
      expect(fn.Properties.Environment).toEqual({ Variables: { SNOWFLAKE_CFN_STACK_ID: { Ref: 'AWS::StackId' } } });
    }
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });

  test('the key-material role has no managed policy, and writes to this secret only', () => {
    const { template } = synth();
    const roles = template.findResources('AWS::IAM::Role');
    for (const role of Object.values(roles)) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyName: Match.stringLikeRegexp('^SecretKeyMaterialPolicy'),
      PolicyDocument: {
        Statement: [{
          Effect: 'Allow',
          Action: 'secretsmanager:GetSecretValue',
          Resource: { Ref: Match.stringLikeRegexp('^Secret') },
        }],
      },
    });
    // The write, through grantWrite.
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyName: Match.stringLikeRegexp('^SnowflakeKeyMaterialProviderRoleDefaultPolicy'),
      PolicyDocument: {
        Statement: [{
          Effect: 'Allow',
          Action: 'secretsmanager:PutSecretValue',
          Resource: { Ref: Match.stringLikeRegexp('^Secret') },
        }],
      },
    });
  });

  test('the custom resource waits for its policies (the read and the write grant)', () => {
    const { template } = synth();
    const [cr] = Object.values(template.findResources('Custom::SnowflakeKeyMaterial'));
    expect(cr.DependsOn).toEqual(expect.arrayContaining([
      expect.stringMatching(/^SecretKeyMaterialPolicy/), expect.stringMatching(/^SnowflakeKeyMaterialProviderRoleDefaultPolicy/),
    ]));
  });

  test('one key-material function per stack, shared by all secrets', () => {
    const stack = testStack();
    new SnowflakeKeyPairSecret(stack, 'A', BASE);
    new SnowflakeKeyPairSecret(stack, 'B', { ...BASE, user: 'SVC_OTHER' });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.resourceCountIs('Custom::SnowflakeKeyMaterial', 2);
  });
});

describe('removal policy', () => {
  test('DESTROY is the secret\'s DeletionPolicy; the function is never allowed to delete the secret', () => {
    const { template } = synth({ removalPolicy: RemovalPolicy.DESTROY });
    template.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    expect(JSON.stringify(template.toJSON())).not.toContain('secretsmanager:DeleteSecret');
  });

  test('RETAIN is the default DeletionPolicy, and the function cannot delete the secret either', () => {
    const { template } = synth();
    template.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Retain' });
    expect(JSON.stringify(template.toJSON())).not.toContain('secretsmanager:DeleteSecret');
  });

  test('the custom resource has a service timeout as a backstop to the function\'s own', () => {
    synth().template.hasResourceProperties('Custom::SnowflakeKeyMaterial', { ServiceTimeout: '300' });
  });

  test('SNAPSHOT is rejected', () => {
    expect(() => synth({ removalPolicy: RemovalPolicy.SNAPSHOT })).toThrow(/removalPolicy SNAPSHOT is not supported.*RemovalPolicy.RETAIN/);
  });
});

describe('validation at synth', () => {
  test.each([
    ['myorg-myaccount'],
    ['MYORG-MY_ACCOUNT'],
    ['xy12345'],
    ['xy12345.us-east-2.aws'],
    ['xy12345.eu-west-1'],
    ['ab12345.us-central1.gcp'],
    ['XY12345.US-EAST-1'],
    ['myorg-my_account'],
  ])('account %s is accepted', (account) => {
    expect(() => synth({ account })).not.toThrow();
  });

  test.each([
    ['https://myorg-myaccount.snowflakecomputing.com', /account "https:.*is not valid: it is a URL.*Write `myorg-myaccount` instead/],
    ['myorg-myaccount.snowflakecomputing.com', /it is a host name, not an account identifier. Write `myorg-myaccount`/],
    ['myorg-myaccount.privatelink.snowflakecomputing.com', /Write `myorg-myaccount` instead, and put the PrivateLink host name in `host`/],
    ['myorg.myaccount', /SQL form. Drivers need the hyphen: write `myorg-myaccount`/],
    ['', /it is empty/],
    ['not an account', /neither `orgname-accountname`.*nor a legacy locator/],
  ])('account %j is rejected with the fix', (account, message) => {
    expect(() => synth({ account })).toThrow(message);
  });

  test('errors name the construct path and the prop', () => {
    expect(() => synth({ account: 'x.snowflakecomputing.com' })).toThrow(/^\[Test\/Secret\] account "x.snowflakecomputing.com" is not valid/);
  });

  test.each([['SVC_LOADER'], ['svc_loader'], ['_svc$1'], ['svc-loader.prod'], ['svc.loader'], ['svc.loader@example.com'], ['1SVC']])(
    'user (a login name) %s is accepted', (user) => {
      expect(() => synth({ user })).not.toThrow();
    });

  test('a login name is the quoted user name in the SQL the secret offers', () => {
    const stack = new Stack();
    const secret = new SnowflakeKeyPairSecret(stack, 'S', { account: 'myorg-myaccount', user: 'svc.loader@example.com', role: 'Data Loader' });
    expect(stack.resolve(secret.createUserSql)).toEqual(expect.objectContaining({
      'Fn::Join': ['', expect.arrayContaining([expect.stringContaining('CREATE USER IF NOT EXISTS "svc.loader@example.com" TYPE = SERVICE DEFAULT_ROLE = "Data Loader"')])],
    }));
  });

  test.each([
    ['', /user "" is not valid: it is empty/],
    ['svc.loader ', /user "svc.loader " is not valid: it ends with a trailing space.*Write `svc.loader`/],
    [' svc.loader', /leading space/],
    ['"SVC_LOADER"', /wrapped in quotes/],
    ['A'.repeat(256), /it is 256 characters long; Snowflake allows at most 255/],
  ])('user %j is rejected', (user, message) => {
    expect(() => synth({ user })).toThrow(message);
  });

  test.each([[1024], [3072], [8192]])('keySize %d is rejected', (keySize) => {
    expect(() => synth({ keySource: KeySource.generate({ keySize }) })).toThrow(new RegExp(`keySize ${keySize} is not supported. Use 2048 \\(the default\\) or 4096`));
  });

  test.each([[2048], [4096]])('keySize %d is accepted', (keySize) => {
    expect(() => synth({ keySource: KeySource.generate({ keySize }) })).not.toThrow();
  });

  test.each([[0], [1.5], [-1]])('keyGeneration %d is rejected', (keyGeneration) => {
    expect(() => synth({ keySource: KeySource.generate({ keyGeneration }) })).toThrow(/keyGeneration .* is not valid. Use a whole number from 1 up/);
  });

  test('schema without database conflicts', () => {
    expect(() => synth({ schema: 'EVENTS' })).toThrow(/schema is set without database.*Set database as well, or leave schema out/);
    expect(() => synth({ schema: 'EVENTS', database: 'RAW' })).not.toThrow();
  });

  test.each([
    ['https://x.privatelink.snowflakecomputing.com', /host .* must be a bare host name.*Write `x.privatelink.snowflakecomputing.com`/],
    ['x.example.com', /must end in `.snowflakecomputing.com`/],
    ['not a host', /not a valid DNS host name/],
  ])('host %j is rejected', (host, message) => {
    expect(() => synth({ host })).toThrow(message);
  });

  test('a PrivateLink host is accepted', () => {
    expect(() => synth({ host: 'myorg-myaccount.privatelink.snowflakecomputing.com' })).not.toThrow();
  });

  test.each([
    ['role', ''],
    ['warehouse', ' WH'],
    ['database', 'A\nB'],
  ])('%s %j is rejected', (field, value) => {
    expect(() => synth({ [field]: value })).toThrow(new RegExp(`\\] ${field} .* is not valid`));
  });

  test('tokens are not validated at synth', () => {
    const stack = testStack();
    expect(() => new SnowflakeKeyPairSecret(stack, 'S', { account: Token.asString({ Ref: 'Account' }), user: Token.asString({ Ref: 'User' }) })).not.toThrow();
  });
});

describe('attributes and outputs', () => {
  test('public key, fingerprint and SQL come from the custom resource at deploy time', () => {
    const { stack, secret } = synth({ role: 'loader', warehouse: 'My WH', database: 'RAW', schema: 'EVENTS' });
    expect(stack.resolve(secret.publicKey)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^SecretKeyMaterial/), 'PublicKey'] });
    expect(stack.resolve(secret.publicKeyFingerprint)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^SecretKeyMaterial/), 'PublicKeyFingerprint'] });
    const create = stack.resolve(secret.createUserSql);
    expect(create['Fn::Join'][1][0]).toBe(
      'CREATE USER IF NOT EXISTS "SVC_LOADER" TYPE = SERVICE DEFAULT_ROLE = "LOADER" DEFAULT_WAREHOUSE = "My WH" '
      + 'DEFAULT_NAMESPACE = \'"RAW"."EVENTS"\' DEFAULT_SECONDARY_ROLES = () RSA_PUBLIC_KEY = \'');
    expect(create['Fn::Join'][1][2]).toBe('\';');
    expect(stack.resolve(secret.alterUserSql)['Fn::Join'][1][0]).toBe('ALTER USER "SVC_LOADER" SET RSA_PUBLIC_KEY = \'');
    expect(secret.describeUserSql).toBe('DESC USER "SVC_LOADER";');
  });

  test('outputs are opt-in', () => {
    expect(Object.keys(synth().template.toJSON().Outputs ?? {})).toEqual([]);
    const outputs = synth({ createOutputs: true }).template.toJSON().Outputs;
    expect(Object.keys(outputs).map((k) => k.replace(/[0-9A-F]{8}$/, ''))).toEqual([
      'SecretSecretArnOutput', 'SecretPublicKeyOutput', 'SecretPublicKeyFingerprintOutput',
      'SecretCreateUserSqlOutput', 'SecretAlterUserSqlOutput', 'SecretDescribeUserSqlOutput',
    ]);
  });

  test('bring-your-own-key outputs only the secret ARN', () => {
    const outputs = synth({ createOutputs: true, keySource: KeySource.bringYourOwn() }).template.toJSON().Outputs;
    expect(Object.keys(outputs)).toHaveLength(1);
  });
});

describe('grantRead', () => {
  test('GetSecretValue on the exact ARN, no DescribeSecret, no KMS without a customer-managed key', () => {
    const { stack, secret } = synth();
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    secret.grantRead(role);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Reader') }],
      PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: { Ref: Match.stringLikeRegexp('^Secret') } }] },
    });
  });

  test('with a customer-managed key: kms:Decrypt on that key, only through Secrets Manager', () => {
    const stack = testStack();
    const key = new kms.Key(stack, 'Key');
    const secret = new SnowflakeKeyPairSecret(stack, 'Secret', { ...BASE, encryptionKey: key });
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    secret.grantRead(role);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SecretsManager::Secret', { KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Reader') }],
      PolicyDocument: {
        Statement: [
          Match.objectLike({ Action: 'secretsmanager:GetSecretValue' }),
          {
            Effect: 'Allow',
            Action: 'kms:Decrypt',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
            Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' } },
          },
        ],
      },
    });
  });

  test('version stages become a condition', () => {
    const { stack, secret } = synth();
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    secret.grantRead(role, ['AWSCURRENT', 'AWSPENDING']);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Reader') }],
      PolicyDocument: { Statement: [Match.objectLike({ Condition: { StringEquals: { 'secretsmanager:VersionStage': ['AWSCURRENT', 'AWSPENDING'] } } })] },
    });
  });

  test.each([
    [[], /versionStages is empty, which would allow no reads at all/],
    [['AWS CURRENT'], /version stage "AWS CURRENT" is not valid/],
  ])('version stages %j are rejected', (stages, message) => {
    const { stack, secret } = synth();
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    expect(() => secret.grantRead(role, stages)).toThrow(message);
  });
});

describe('restrictReadToGrantees', () => {
  test('denies GetSecretValue to every principal but the grantees and the key-material function', () => {
    const { stack, secret } = synth({ restrictReadToGrantees: true });
    new SecretReaderRole(stack, 'Reader', { secret });
    Template.fromStack(stack).hasResourceProperties('AWS::SecretsManager::ResourcePolicy', {
      ResourcePolicy: {
        Statement: [{
          Sid: 'DenyReadExceptGrantees',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 'secretsmanager:GetSecretValue',
          Resource: '*',
          Condition: {
            ArnNotEquals: {
              'aws:PrincipalArn': [
                { 'Fn::GetAtt': [Match.stringLikeRegexp('^SnowflakeKeyMaterialProviderRole'), 'Arn'] },
                { 'Fn::GetAtt': [Match.stringLikeRegexp('^Reader'), 'Arn'] },
              ],
            },
          },
        }],
      },
    });
  });

  test('off by default: no resource policy', () => {
    const { stack, secret } = synth();
    new SecretReaderRole(stack, 'Reader', { secret });
    Template.fromStack(stack).resourceCountIs('AWS::SecretsManager::ResourcePolicy', 0);
  });

  test('grantees that are neither roles nor users are rejected before anything is granted', () => {
    const { stack, secret } = synth({ restrictReadToGrantees: true });
    expect(() => secret.grantRead(new iam.ServicePrincipal('ecs-tasks.amazonaws.com'))).toThrow(/only IAM roles and users can be granted read/);
    // The key-material function's only: its log policy, its read policy and its write grant.
    Template.fromStack(stack).resourceCountIs('AWS::IAM::Policy', 3);
  });
});

describe('importing', () => {
  test('by complete ARN: exact ARN, region and account from the ARN (another region works)', () => {
    const stack = testStack();
    const key = kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:eu-west-1:210987654321:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    const arn = 'arn:aws:secretsmanager:eu-west-1:210987654321:secret:snowflake/loader-AbCdEf';
    const imported = SnowflakeKeyPairSecret.fromSecretAttributes(stack, 'Imported', { secretCompleteArn: arn, encryptionKey: key });
    expect(imported.secretArnForPolicies).toBe(arn);
    expect(imported.env).toEqual({ region: 'eu-west-1', account: '210987654321' });
    const role = new SecretReaderRole(stack, 'Reader', { secret: imported });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Reader') }],
      PolicyDocument: {
        Statement: [
          { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: arn },
          Match.objectLike({ Action: 'kms:Decrypt', Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } } }),
        ],
      },
    });
    expect(role.secret).toBe(imported);
  });

  test('by name: the partial ARN with -??????, never *', () => {
    const stack = testStack();
    const imported = SnowflakeKeyPairSecret.fromSecretName(stack, 'Imported', 'snowflake/loader');
    new SecretReaderRole(stack, 'Reader', { secret: imported });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [{
          Effect: 'Allow',
          Action: 'secretsmanager:GetSecretValue',
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:us-east-1:123456789012:secret:snowflake/loader-??????']] },
        }],
      },
    });
  });

  test('fromSecretCompleteArn', () => {
    const stack = testStack();
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf';
    expect(SnowflakeKeyPairSecret.fromSecretCompleteArn(stack, 'I', arn).secretArn).toBe(arn);
  });

  test.each([
    [{}, /give exactly one of secretCompleteArn, secretPartialArn and secretName \(got 0\)/],
    [{ secretName: 'a', secretCompleteArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:a-AbCdEf' }, /\(got 2\)/],
  ])('fromSecretAttributes %j is rejected', (attrs, message) => {
    expect(() => SnowflakeKeyPairSecret.fromSecretAttributes(testStack(), 'I', attrs)).toThrow(message);
  });
});

describe('no secret material in templates', () => {
  const configs: Array<[string, Partial<SnowflakeKeyPairSecretProps>]> = [
    ['default', {}],
    ['encrypted 4096', { keySource: KeySource.generate({ keySize: 4096, encryptPrivateKey: true }), createOutputs: true }],
    ['bring your own key', { keySource: KeySource.bringYourOwn(), createOutputs: true }],
    ['restricted, destroy', { restrictReadToGrantees: true, removalPolicy: RemovalPolicy.DESTROY, createOutputs: true }],
  ];
  test.each(configs)('%s', (_name, props) => {
    const { template } = synth(props);
    expect(scanJson(template.toJSON(), 'template')).toEqual([]);
  });

  test('the scan can fail: a planted private key, a planted passphrase and PEM armour are found', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const der = privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64');
    const { template } = synth();
    const json = template.toJSON();
    expect(scanJson({ ...json, Outputs: { X: { Value: der } } }, 't').map((f) => f.what)).toEqual(['base64 private key']);
    expect(scanJson({ ...json, Outputs: { X: { Value: pem } } }, 't').map((f) => f.what)).toContain('PEM armour');
    expect(scanJson({ ...json, Parameters: { P: { Default: { passphrase: 'hunter2hunter2' } } } }, 't').map((f) => f.what))
      .toEqual(['a literal passphrase value']);
  });
});

describe('the test-only loopback switch of the custom resources is never deployed', () => {
  test('no function of any construct sets CDK_SNOWFLAKE_KEYPAIR_TEST_ONLY_LOOPBACK_RESPONSE_URL; every custom-resource function pins its stack', () => {
    const stack = testStack();
    const admin = new SnowflakeKeyPairSecret(stack, 'Admin', { account: 'myorg-myaccount', user: 'SVC_ADMIN' });
    const rotator = new SnowflakeKeyPairSecret(stack, 'Rotator', { account: 'myorg-myaccount', user: 'SVC_ROTATOR' });
    new SnowflakeKeyPairSecret(stack, 'Loader', {
      account: 'myorg-myaccount', user: 'SVC_LOADER', registration: { adminSecret: admin }, rotation: { adminSecret: rotator },
    });
    const functions = Object.values<any>(Template.fromStack(stack).findResources('AWS::Lambda::Function'));
    expect(functions.length).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(functions)).not.toContain('CDK_SNOWFLAKE_KEYPAIR_TEST_ONLY_LOOPBACK_RESPONSE_URL');
    const customResources = functions.filter((fn) => ['index.handler', 'index.registrationHandler'].includes(fn.Properties.Handler)
      && !fn.Properties.Environment.Variables.SNOWFLAKE_ROTATION_SECRET_ARN);
    expect(customResources).toHaveLength(2);
    for (const fn of customResources) expect(fn.Properties.Environment.Variables.SNOWFLAKE_CFN_STACK_ID).toEqual({ Ref: 'AWS::StackId' });
  });
});
