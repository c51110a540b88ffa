/**
 * Least privilege, evaluated: the synthesized policies, resolved to concrete ARNs, run through an
 * IAM policy simulator (@cloud-copilot/iam-simulate, test-only). Every denial has a control that
 * is allowed the same request, so a denial proves the policy, not a broken simulation.
 */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { SecretReaderRole, SnowflakeKeyPairSecret, SnowflakeKeyPairSecretProps } from '../../src';
import {
  ACCOUNT,
  CfnTemplate,
  keyArn,
  keyPolicy,
  logicalIdOf,
  REGION,
  resolve,
  RolePolicies,
  rolePolicies,
  secretArn,
  secretArnInTemplate,
  secretResourcePolicy,
  simulate,
  SimulationResult,
  synth,
} from '../support/iam-simulate';
import { testStack } from '../support/stacks';

const VIA_SECRETS_MANAGER = `secretsmanager.${REGION}.amazonaws.com`;
const GET = 'secretsmanager:GetSecretValue';

/** A role in the same account that may do anything to any secret and decrypt with any key. */
function addAdmin(stack: Stack): void {
  const admin = new iam.Role(stack, 'Admin', { assumedBy: new iam.AccountRootPrincipal() });
  admin.addToPolicy(new iam.PolicyStatement({ actions: ['secretsmanager:*'], resources: ['*'] }));
  admin.addToPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: ['*'] }));
}

interface Fixture {
  readonly template: CfnTemplate;
  readonly reader: RolePolicies;
  readonly stagedReader: RolePolicies;
  readonly admin: RolePolicies;
  readonly ownSecretLogicalId: string;
  readonly ownSecretArn: string;
  readonly otherSecretArn: string;
  /** A secret encrypted with the same customer-managed key. */
  readonly siblingSecretArn: string;
  readonly keyLogicalId: string;
  readonly keyArn: string;
  readonly resourcePolicy: unknown;
  readonly keyPolicy: unknown;
}

/**
 * A secret encrypted with a customer-managed key, another secret, a SecretReaderRole on the
 * first (and one restricted to AWSCURRENT), and an administrator.
 */
function fixture(props: Partial<SnowflakeKeyPairSecretProps> = {}): Fixture {
  const stack = testStack();
  const key = new kms.Key(stack, 'Key');
  const secret = new SnowflakeKeyPairSecret(stack, 'Secret', {
    account: 'myorg-myaccount', user: 'SVC_LOADER', encryptionKey: key, ...props,
  });
  new SnowflakeKeyPairSecret(stack, 'Other', { account: 'myorg-myaccount', user: 'SVC_OTHER' });
  new SnowflakeKeyPairSecret(stack, 'Sibling', { account: 'myorg-myaccount', user: 'SVC_SIBLING', encryptionKey: key });
  new SecretReaderRole(stack, 'Reader', { secret });
  new SecretReaderRole(stack, 'StagedReader', { secret, versionStages: ['AWSCURRENT'] });
  addAdmin(stack);

  const template = synth(stack);
  const ownSecretLogicalId = logicalIdOf(template, 'AWS::SecretsManager::Secret', 'Secret');
  const keyLogicalId = logicalIdOf(template, 'AWS::KMS::Key', 'Key');
  return {
    template,
    reader: rolePolicies(template, logicalIdOf(template, 'AWS::IAM::Role', 'Reader')),
    stagedReader: rolePolicies(template, logicalIdOf(template, 'AWS::IAM::Role', 'StagedReader')),
    admin: rolePolicies(template, logicalIdOf(template, 'AWS::IAM::Role', 'Admin')),
    ownSecretLogicalId,
    ownSecretArn: secretArnInTemplate(template, ownSecretLogicalId),
    otherSecretArn: secretArnInTemplate(template, logicalIdOf(template, 'AWS::SecretsManager::Secret', 'Other')),
    siblingSecretArn: secretArnInTemplate(template, logicalIdOf(template, 'AWS::SecretsManager::Secret', 'Sibling')),
    keyLogicalId,
    keyArn: keyArn(keyLogicalId),
    resourcePolicy: secretResourcePolicy(template, ownSecretLogicalId),
    keyPolicy: keyPolicy(template, keyLogicalId),
  };
}

/** One Secrets Manager request, evaluated against the principal's policies and the secret's resource policy. */
function secretsManager(who: RolePolicies, action: string, resourceArn: string, opts: {
  resourcePolicy?: unknown;
  context?: Record<string, string>;
} = {}): Promise<SimulationResult> {
  return simulate({
    principalArn: who.principalArn,
    identityPolicies: who.identityPolicies,
    resourcePolicy: opts.resourcePolicy,
    action,
    resourceArn,
    resourceAccount: ACCOUNT,
    context: opts.context,
  });
}

/**
 * The request context of a KMS call: `kms:ViaService`, and the encryption context Secrets Manager
 * sends, `SecretARN` (each left out when undefined, as in a direct call).
 */
function kmsContext(viaService: string | undefined, encryptionSecretArn: string | undefined): Record<string, string> {
  return {
    ...(viaService === undefined ? {} : { 'kms:ViaService': viaService }),
    ...(encryptionSecretArn === undefined ? {} : { 'kms:EncryptionContext:SecretARN': encryptionSecretArn }),
  };
}

/**
 * kms:Decrypt on a key, evaluated against the principal's policies and the key policy, as Secrets
 * Manager calls it for the secret `forSecret` (the fixture's own secret unless given; `null` for
 * no encryption context).
 */
function decrypt(f: Fixture, who: RolePolicies, resourceArn: string, viaService?: string, forSecret?: string | null): Promise<SimulationResult> {
  return simulate({
    principalArn: who.principalArn,
    identityPolicies: who.identityPolicies,
    resourcePolicy: f.keyPolicy,
    action: 'kms:Decrypt',
    resourceArn,
    resourceAccount: ACCOUNT,
    context: kmsContext(viaService, forSecret === null ? undefined : forSecret ?? f.ownSecretArn),
  });
}

/**
 * Identity-policy statements that let a principal reach secrets through a wildcard: a Secrets
 * Manager action (or `*`) on a resource containing `*`, or any NotResource.
 */
function wildcardSecretStatements(template: CfnTemplate): string[] {
  const found: string[] = [];
  const check = (where: string, document: unknown) => {
    const statements = (resolve(template, document) as { Statement: any[] }).Statement;
    statements.forEach((s, i) => {
      const actions: string[] = [].concat(s.Action ?? s.NotAction);
      const touchesSecrets = s.NotAction !== undefined
        || actions.some((a) => a === '*' || a.toLowerCase().startsWith('secretsmanager:'));
      const resources: string[] = [].concat(s.Resource ?? []);
      if (s.Effect === 'Allow' && touchesSecrets && (s.NotResource !== undefined || resources.some((r) => r.includes('*')))) {
        found.push(`${where}[${i}]`);
      }
    });
  };
  for (const [id, res] of Object.entries(template.Resources)) {
    if (res.Type === 'AWS::IAM::Policy' || res.Type === 'AWS::IAM::ManagedPolicy') {
      check(id, res.Properties!.PolicyDocument);
    }
    if (res.Type === 'AWS::IAM::Role') {
      for (const p of res.Properties?.Policies ?? []) {
        check(`${id}/${p.PolicyName}`, p.PolicyDocument);
      }
    }
  }
  return found;
}

describe('SecretReaderRole on a secret with a customer-managed key', () => {
  let f: Fixture;
  beforeAll(() => {
    f = fixture();
  });

  test('the fixture resolves to concrete ARNs in the test account', () => {
    expect(f.reader.principalArn).toMatch(/^arn:aws:iam::123456789012:role\/Reader[0-9A-F]{8}$/);
    expect(f.ownSecretArn).toMatch(/^arn:aws:secretsmanager:us-east-1:123456789012:secret:Secret[0-9A-F]{8}-AbCdEf$/);
    expect(f.keyArn).toMatch(/^arn:aws:kms:us-east-1:123456789012:key\/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/);
    expect(f.reader.identityPolicies).toHaveLength(1);
    expect(JSON.stringify(f.reader.identityPolicies)).not.toMatch(/"(Ref|Fn::[A-Za-z]+)"/);
  });

  describe('GetSecretValue', () => {
    test('allowed on its own secret', async () => {
      expect(await secretsManager(f.reader, GET, f.ownSecretArn)).toBe('Allowed');
    });

    test.each([
      ['another secret in the stack', () => f.otherSecretArn],
      ['a secret whose name extends its own (<name>X)', () => secretArn(`${f.ownSecretLogicalId}X`)],
      ['a secret whose name extends its own (<name>-Other)', () => secretArn(`${f.ownSecretLogicalId}-Other`, 'XyZaBc')],
    ])('denied on %s; an administrator is allowed it', async (_what, arn) => {
      expect(await secretsManager(f.reader, GET, arn())).toBe('ImplicitlyDenied');
      expect(await secretsManager(f.admin, GET, arn())).toBe('Allowed');
    });
  });

  test.each([
    ['secretsmanager:PutSecretValue'],
    ['secretsmanager:DeleteSecret'],
    ['secretsmanager:DescribeSecret'],
    ['secretsmanager:PutResourcePolicy'],
  ])('%s on its own secret: denied; an administrator is allowed it', async (action) => {
    expect(await secretsManager(f.reader, action, f.ownSecretArn)).toBe('ImplicitlyDenied');
    expect(await secretsManager(f.admin, action, f.ownSecretArn)).toBe('Allowed');
  });

  test('ListSecrets on *: denied; an administrator is allowed it', async () => {
    expect(await secretsManager(f.reader, 'secretsmanager:ListSecrets', '*')).toBe('ImplicitlyDenied');
    expect(await secretsManager(f.admin, 'secretsmanager:ListSecrets', '*')).toBe('Allowed');
  });

  describe('kms:Decrypt', () => {
    test('allowed on its key through Secrets Manager in the secret\'s region', async () => {
      expect(await decrypt(f, f.reader, f.keyArn, VIA_SECRETS_MANAGER)).toBe('Allowed');
    });

    test.each([
      ['called directly (no kms:ViaService)', undefined],
      ['through another service (S3)', `s3.${REGION}.amazonaws.com`],
      ['through Secrets Manager in another region', 'secretsmanager.eu-west-1.amazonaws.com'],
    ])('denied on its key %s; an administrator is allowed it', async (_how, viaService) => {
      expect(await decrypt(f, f.reader, f.keyArn, viaService)).toBe('ImplicitlyDenied');
      expect(await decrypt(f, f.admin, f.keyArn, viaService)).toBe('Allowed');
    });

    test('denied for another secret under the same key, even through Secrets Manager; an administrator is allowed it', async () => {
      expect(await decrypt(f, f.reader, f.keyArn, VIA_SECRETS_MANAGER, f.siblingSecretArn)).toBe('ImplicitlyDenied');
      expect(await decrypt(f, f.admin, f.keyArn, VIA_SECRETS_MANAGER, f.siblingSecretArn)).toBe('Allowed');
    });

    test('denied for a secret whose name extends its own, and without an encryption context; an administrator is allowed both', async () => {
      const longer = secretArn(`${f.ownSecretLogicalId}-Other`, 'XyZaBc');
      expect(await decrypt(f, f.reader, f.keyArn, VIA_SECRETS_MANAGER, longer)).toBe('ImplicitlyDenied');
      expect(await decrypt(f, f.reader, f.keyArn, VIA_SECRETS_MANAGER, null)).toBe('ImplicitlyDenied');
      expect(await decrypt(f, f.admin, f.keyArn, VIA_SECRETS_MANAGER, longer)).toBe('Allowed');
      expect(await decrypt(f, f.admin, f.keyArn, VIA_SECRETS_MANAGER, null)).toBe('Allowed');
    });

    test('the sibling secret\'s own reader is allowed for the sibling and denied for this secret', async () => {
      const stack = testStack();
      const key = new kms.Key(stack, 'Key');
      const own = new SnowflakeKeyPairSecret(stack, 'Secret', { account: 'myorg-myaccount', user: 'SVC_LOADER', encryptionKey: key });
      const sibling = new SnowflakeKeyPairSecret(stack, 'Sibling', { account: 'myorg-myaccount', user: 'SVC_SIBLING', encryptionKey: key });
      new SecretReaderRole(stack, 'Reader', { secret: own });
      new SecretReaderRole(stack, 'SiblingReader', { secret: sibling });
      const template = synth(stack);
      const siblingReader = rolePolicies(template, logicalIdOf(template, 'AWS::IAM::Role', 'SiblingReader'));
      const g = { ...f, keyPolicy: keyPolicy(template, logicalIdOf(template, 'AWS::KMS::Key', 'Key')) };
      const keyOf = keyArn(logicalIdOf(template, 'AWS::KMS::Key', 'Key'));
      const ownArn = secretArnInTemplate(template, logicalIdOf(template, 'AWS::SecretsManager::Secret', 'Secret'));
      const siblingArn = secretArnInTemplate(template, logicalIdOf(template, 'AWS::SecretsManager::Secret', 'Sibling'));
      expect(await decrypt(g, siblingReader, keyOf, VIA_SECRETS_MANAGER, siblingArn)).toBe('Allowed');
      expect(await decrypt(g, siblingReader, keyOf, VIA_SECRETS_MANAGER, ownArn)).toBe('ImplicitlyDenied');
    });

    test('denied on another key, even through Secrets Manager; an administrator is allowed it', async () => {
      const otherKey = keyArn('SomeOtherKey');
      expect(otherKey).not.toBe(f.keyArn);
      expect(await decrypt(f, f.reader, otherKey, VIA_SECRETS_MANAGER)).toBe('ImplicitlyDenied');
      expect(await decrypt(f, f.admin, otherKey, VIA_SECRETS_MANAGER)).toBe('Allowed');
    });

    test('the key policy is what lets the identity policy work: without it, even the reader is denied', async () => {
      expect(await simulate({
        principalArn: f.reader.principalArn,
        identityPolicies: f.reader.identityPolicies,
        action: 'kms:Decrypt',
        resourceArn: f.keyArn,
        resourceAccount: ACCOUNT,
        context: kmsContext(VIA_SECRETS_MANAGER, f.ownSecretArn),
      })).toBe('ImplicitlyDenied');
    });
  });

  describe('versionStages [\'AWSCURRENT\']', () => {
    test('allowed when the request names AWSCURRENT', async () => {
      expect(await secretsManager(f.stagedReader, GET, f.ownSecretArn, { context: { 'secretsmanager:VersionStage': 'AWSCURRENT' } }))
        .toBe('Allowed');
    });

    test('denied for AWSPREVIOUS, and for a request that names no stage; a reader without versionStages is allowed both', async () => {
      expect(await secretsManager(f.stagedReader, GET, f.ownSecretArn, { context: { 'secretsmanager:VersionStage': 'AWSPREVIOUS' } }))
        .toBe('ImplicitlyDenied');
      expect(await secretsManager(f.stagedReader, GET, f.ownSecretArn)).toBe('ImplicitlyDenied');
      expect(await secretsManager(f.reader, GET, f.ownSecretArn, { context: { 'secretsmanager:VersionStage': 'AWSPREVIOUS' } }))
        .toBe('Allowed');
    });
  });
});

describe('SecretReaderRole on a secret imported by name', () => {
  let template: CfnTemplate;
  let reader: RolePolicies;
  beforeAll(() => {
    const stack = testStack();
    const secret = SnowflakeKeyPairSecret.fromSecretName(stack, 'Imp', 'snowflake/loader');
    new SecretReaderRole(stack, 'Reader', { secret });
    template = synth(stack);
    reader = rolePolicies(template, logicalIdOf(template, 'AWS::IAM::Role', 'Reader'));
  });

  test('allowed on the secret with that name and any six-character suffix', async () => {
    expect(await secretsManager(reader, GET, secretArn('snowflake/loader'))).toBe('Allowed');
    expect(await secretsManager(reader, GET, secretArn('snowflake/loader', 'x1Y2z3'))).toBe('Allowed');
  });

  test.each([
    ['snowflake/loader-other'],
    ['snowflake/loaderX'],
    ['snowflake/loade'],
  ])('denied on a secret named %s', async (name) => {
    expect(await secretsManager(reader, GET, secretArn(name))).toBe('ImplicitlyDenied');
  });

  test.each([
    ['another region', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:snowflake/loader-AbCdEf', ACCOUNT],
    ['another account', 'arn:aws:secretsmanager:us-east-1:210987654321:secret:snowflake/loader-AbCdEf', '210987654321'],
  ])('denied on a secret of that name in %s', async (_where, resourceArn, resourceAccount) => {
    expect(await simulate({
      principalArn: reader.principalArn,
      identityPolicies: reader.identityPolicies,
      action: GET,
      resourceArn,
      resourceAccount,
    })).toBe('ImplicitlyDenied');
  });

  test('no identity policy in the template reaches secrets through a wildcard', () => {
    expect(wildcardSecretStatements(template)).toEqual([]);
  });

  test('the wildcard check finds an administrator\'s secretsmanager:* on *, and only that', () => {
    const f = fixture();
    const adminPolicy = logicalIdOf(f.template, 'AWS::IAM::Policy', 'AdminDefaultPolicy');
    expect(wildcardSecretStatements(f.template)).toEqual([`${adminPolicy}[0]`]);
  });
});

describe('restrictReadToGrantees', () => {
  let restricted: Fixture;
  let open: Fixture;
  beforeAll(() => {
    restricted = fixture({ restrictReadToGrantees: true });
    open = fixture();
  });

  test('an administrator allowed secretsmanager:* on * is explicitly denied GetSecretValue by the resource policy', async () => {
    expect(restricted.resourcePolicy).toBeDefined();
    expect(await secretsManager(restricted.admin, GET, restricted.ownSecretArn, { resourcePolicy: restricted.resourcePolicy }))
      .toBe('ExplicitlyDenied');
  });

  test('the SecretReaderRole (and the role restricted to AWSCURRENT) can still read', async () => {
    expect(await secretsManager(restricted.reader, GET, restricted.ownSecretArn, { resourcePolicy: restricted.resourcePolicy }))
      .toBe('Allowed');
    expect(await secretsManager(restricted.stagedReader, GET, restricted.ownSecretArn, {
      resourcePolicy: restricted.resourcePolicy,
      context: { 'secretsmanager:VersionStage': 'AWSCURRENT' },
    })).toBe('Allowed');
  });

  test('without it, the secret has no resource policy and the same administrator can read', async () => {
    expect(open.resourcePolicy).toBeUndefined();
    expect(await secretsManager(open.admin, GET, open.ownSecretArn, { resourcePolicy: open.resourcePolicy }))
      .toBe('Allowed');
  });

  test('it denies reads only: the administrator can still manage the secret', async () => {
    for (const action of ['secretsmanager:DescribeSecret', 'secretsmanager:PutSecretValue', 'secretsmanager:TagResource']) {
      expect(await secretsManager(restricted.admin, action, restricted.ownSecretArn, { resourcePolicy: restricted.resourcePolicy }))
        .toBe('Allowed');
    }
  });
});

describe('the key-material function\'s role (the writer)', () => {
  let f: Fixture;
  let writer: RolePolicies;
  beforeAll(() => {
    f = fixture();
    writer = rolePolicies(f.template, logicalIdOf(f.template, 'AWS::IAM::Role', 'SnowflakeKeyMaterialProviderRole'));
  });

  function kmsAs(who: RolePolicies, action: string, resourceArn: string, viaService?: string, forSecret?: string): Promise<SimulationResult> {
    return simulate({
      principalArn: who.principalArn,
      identityPolicies: who.identityPolicies,
      resourcePolicy: f.keyPolicy,
      action,
      resourceArn,
      resourceAccount: ACCOUNT,
      context: kmsContext(viaService, forSecret ?? f.ownSecretArn),
    });
  }

  test.each([[GET], ['secretsmanager:PutSecretValue']])('%s on the secret it fills: allowed', async (action) => {
    expect(await secretsManager(writer, action, f.ownSecretArn)).toBe('Allowed');
  });

  test.each([
    ['secretsmanager:DeleteSecret'],
    ['secretsmanager:UpdateSecret'],
    ['secretsmanager:PutResourcePolicy'],
    ['secretsmanager:UpdateSecretVersionStage'],
  ])('%s on that secret: denied (CloudFormation owns its lifecycle); an administrator is allowed it', async (action) => {
    expect(await secretsManager(writer, action, f.ownSecretArn)).toBe('ImplicitlyDenied');
    expect(await secretsManager(f.admin, action, f.ownSecretArn)).toBe('Allowed');
  });

  test('PutSecretValue on a secret outside its stack: denied; an administrator is allowed it', async () => {
    const outside = secretArn(`${f.ownSecretLogicalId}X`);
    expect(await secretsManager(writer, 'secretsmanager:PutSecretValue', outside)).toBe('ImplicitlyDenied');
    expect(await secretsManager(f.admin, 'secretsmanager:PutSecretValue', outside)).toBe('Allowed');
  });

  test.each([['kms:GenerateDataKey'], ['kms:Decrypt']])('%s on the key through Secrets Manager: allowed (what Put and Get need)', async (action) => {
    expect(await kmsAs(writer, action, f.keyArn, VIA_SECRETS_MANAGER)).toBe('Allowed');
  });

  test.each([['kms:GenerateDataKey'], ['kms:Decrypt'], ['kms:Encrypt']])('%s on the key called directly: denied', async (action) => {
    expect(await kmsAs(writer, action, f.keyArn)).toBe('ImplicitlyDenied');
  });

  test.each([['kms:GenerateDataKey'], ['kms:Decrypt']])('%s on the key for a secret outside its stack, under the same key: denied; '
    + 'an administrator is allowed Decrypt', async (action) => {
    const outside = secretArn(`${f.ownSecretLogicalId}X`);
    expect(await kmsAs(writer, action, f.keyArn, VIA_SECRETS_MANAGER, outside)).toBe('ImplicitlyDenied');
    expect(await kmsAs(f.admin, 'kms:Decrypt', f.keyArn, VIA_SECRETS_MANAGER, outside)).toBe('Allowed');
  });

  test('kms:Encrypt even through Secrets Manager: denied (not needed)', async () => {
    expect(await kmsAs(writer, 'kms:Encrypt', f.keyArn, VIA_SECRETS_MANAGER)).toBe('ImplicitlyDenied');
  });
});

describe('the rotation function\'s role', () => {
  let template: CfnTemplate;
  let rotator: RolePolicies;
  let ownArn: string;
  let siblingArn: string;
  let keyOf: string;
  let policyOfKey: unknown;
  beforeAll(() => {
    const stack = testStack();
    const key = new kms.Key(stack, 'Key');
    const admin = new SnowflakeKeyPairSecret(stack, 'Rotator', { account: 'myorg-myaccount', user: 'SVC_ROTATOR' });
    new SnowflakeKeyPairSecret(stack, 'Secret', { account: 'myorg-myaccount', user: 'SVC_LOADER', encryptionKey: key, rotation: { adminSecret: admin } });
    new SnowflakeKeyPairSecret(stack, 'Sibling', { account: 'myorg-myaccount', user: 'SVC_SIBLING', encryptionKey: key });
    template = synth(stack);
    rotator = rolePolicies(template, logicalIdOf(template, 'AWS::IAM::Role', 'SecretRotationRole'));
    ownArn = secretArnInTemplate(template, logicalIdOf(template, 'AWS::SecretsManager::Secret', 'Secret'));
    siblingArn = secretArnInTemplate(template, logicalIdOf(template, 'AWS::SecretsManager::Secret', 'Sibling'));
    keyOf = keyArn(logicalIdOf(template, 'AWS::KMS::Key', 'Key'));
    policyOfKey = keyPolicy(template, logicalIdOf(template, 'AWS::KMS::Key', 'Key'));
  });

  const kmsAs = (action: string, forSecret: string) => simulate({
    principalArn: rotator.principalArn,
    identityPolicies: rotator.identityPolicies,
    resourcePolicy: policyOfKey,
    action,
    resourceArn: keyOf,
    resourceAccount: ACCOUNT,
    context: kmsContext(VIA_SECRETS_MANAGER, forSecret),
  });

  test.each([['kms:GenerateDataKey'], ['kms:Decrypt']])('%s through Secrets Manager for the secret it rotates: allowed; for another '
    + 'secret under the same key: denied', async (action) => {
    expect(await kmsAs(action, ownArn)).toBe('Allowed');
    expect(await kmsAs(action, siblingArn)).toBe('ImplicitlyDenied');
  });
});

describe('grantWrite', () => {
  let f: Pick<Fixture, 'admin' | 'ownSecretLogicalId' | 'ownSecretArn' | 'otherSecretArn' | 'siblingSecretArn' | 'keyArn' | 'keyPolicy'>;
  let writer: RolePolicies;
  let importedWriter: RolePolicies;
  beforeAll(() => {
    const stack = testStack();
    const key = new kms.Key(stack, 'Key');
    const secret = new SnowflakeKeyPairSecret(stack, 'Secret', { account: 'myorg-myaccount', user: 'SVC_LOADER', encryptionKey: key });
    new SnowflakeKeyPairSecret(stack, 'Other', { account: 'myorg-myaccount', user: 'SVC_OTHER' });
    new SnowflakeKeyPairSecret(stack, 'Sibling', { account: 'myorg-myaccount', user: 'SVC_SIBLING', encryptionKey: key });
    const role = new iam.Role(stack, 'Writer', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const grant = secret.grantWrite(role);
    expect(grant.success).toBe(true);
    const imported = SnowflakeKeyPairSecret.fromSecretAttributes(stack, 'Imp', { secretName: 'snowflake/loader', encryptionKey: key });
    imported.grantWrite(new iam.Role(stack, 'ImportedWriter', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }));
    addAdmin(stack);
    const template = synth(stack);
    const ownSecretLogicalId = logicalIdOf(template, 'AWS::SecretsManager::Secret', 'Secret');
    const keyLogicalId = logicalIdOf(template, 'AWS::KMS::Key', 'Key');
    f = {
      admin: rolePolicies(template, logicalIdOf(template, 'AWS::IAM::Role', 'Admin')),
      ownSecretLogicalId,
      ownSecretArn: secretArnInTemplate(template, ownSecretLogicalId),
      otherSecretArn: secretArnInTemplate(template, logicalIdOf(template, 'AWS::SecretsManager::Secret', 'Other')),
      siblingSecretArn: secretArnInTemplate(template, logicalIdOf(template, 'AWS::SecretsManager::Secret', 'Sibling')),
      keyArn: keyArn(keyLogicalId),
      keyPolicy: keyPolicy(template, keyLogicalId),
    };
    writer = rolePolicies(template, logicalIdOf(template, 'AWS::IAM::Role', 'Writer'));
    importedWriter = rolePolicies(template, logicalIdOf(template, 'AWS::IAM::Role', 'ImportedWriter'));
  });

  const PUT = 'secretsmanager:PutSecretValue';
  const kmsAs = (who: RolePolicies, action: string, viaService: string | undefined, forSecret: string) => simulate({
    principalArn: who.principalArn,
    identityPolicies: who.identityPolicies,
    resourcePolicy: f.keyPolicy,
    action,
    resourceArn: f.keyArn,
    resourceAccount: ACCOUNT,
    context: kmsContext(viaService, forSecret),
  });

  test('PutSecretValue on its own secret: allowed', async () => {
    expect(await secretsManager(writer, PUT, f.ownSecretArn)).toBe('Allowed');
  });

  test.each([
    ['another secret in the stack', () => f.otherSecretArn],
    ['a secret whose name extends its own (<name>X)', () => secretArn(`${f.ownSecretLogicalId}X`)],
  ])('PutSecretValue on %s: denied; an administrator is allowed it', async (_what, arn) => {
    expect(await secretsManager(writer, PUT, arn())).toBe('ImplicitlyDenied');
    expect(await secretsManager(f.admin, PUT, arn())).toBe('Allowed');
  });

  test.each([
    [GET], ['secretsmanager:UpdateSecret'], ['secretsmanager:UpdateSecretVersionStage'], ['secretsmanager:DeleteSecret'], ['secretsmanager:PutResourcePolicy'],
  ])('%s on its own secret: denied (write only, no lifecycle); an administrator is allowed it', async (action) => {
    expect(await secretsManager(writer, action, f.ownSecretArn)).toBe('ImplicitlyDenied');
    expect(await secretsManager(f.admin, action, f.ownSecretArn)).toBe('Allowed');
  });

  test('kms:GenerateDataKey through Secrets Manager for its own secret: allowed', async () => {
    expect(await kmsAs(writer, 'kms:GenerateDataKey', VIA_SECRETS_MANAGER, f.ownSecretArn)).toBe('Allowed');
  });

  test.each([
    ['called directly (no kms:ViaService)', undefined, () => f.ownSecretArn],
    ['through Secrets Manager in another region', 'secretsmanager.eu-west-1.amazonaws.com', () => f.ownSecretArn],
    ['for another secret under the same key', VIA_SECRETS_MANAGER, () => f.siblingSecretArn],
  ])('kms:GenerateDataKey %s: denied', async (_how, viaService, forSecret) => {
    expect(await kmsAs(writer, 'kms:GenerateDataKey', viaService, forSecret())).toBe('ImplicitlyDenied');
  });

  test.each([['kms:Decrypt'], ['kms:Encrypt'], ['kms:ReEncryptFrom']])('%s even through Secrets Manager for its own secret: denied '
    + '(not what a write needs); an administrator is allowed Decrypt', async (action) => {
    expect(await kmsAs(writer, action, VIA_SECRETS_MANAGER, f.ownSecretArn)).toBe('ImplicitlyDenied');
    expect(await kmsAs(f.admin, 'kms:Decrypt', VIA_SECRETS_MANAGER, f.ownSecretArn)).toBe('Allowed');
  });

  test('imported by name: PutSecretValue and kms:GenerateDataKey on the secret of that name, whatever its suffix; not on a longer name', async () => {
    for (const suffix of ['AbCdEf', 'x1Y2z3']) {
      expect(await secretsManager(importedWriter, PUT, secretArn('snowflake/loader', suffix))).toBe('Allowed');
      expect(await kmsAs(importedWriter, 'kms:GenerateDataKey', VIA_SECRETS_MANAGER, secretArn('snowflake/loader', suffix))).toBe('Allowed');
    }
    for (const name of ['snowflake/loader-other', 'snowflake/loaderX']) {
      expect(await secretsManager(importedWriter, PUT, secretArn(name))).toBe('ImplicitlyDenied');
      expect(await kmsAs(importedWriter, 'kms:GenerateDataKey', VIA_SECRETS_MANAGER, secretArn(name))).toBe('ImplicitlyDenied');
    }
  });
});

describe('SecretReaderRole on a secret imported by name with a customer-managed key', () => {
  let reader: RolePolicies;
  let policyOfKey: unknown;
  let keyOf: string;
  beforeAll(() => {
    const stack = testStack();
    const key = new kms.Key(stack, 'Key');
    const secret = SnowflakeKeyPairSecret.fromSecretAttributes(stack, 'Imp', { secretName: 'snowflake/loader', encryptionKey: key });
    new SecretReaderRole(stack, 'Reader', { secret });
    const template = synth(stack);
    reader = rolePolicies(template, logicalIdOf(template, 'AWS::IAM::Role', 'Reader'));
    keyOf = keyArn(logicalIdOf(template, 'AWS::KMS::Key', 'Key'));
    policyOfKey = keyPolicy(template, logicalIdOf(template, 'AWS::KMS::Key', 'Key'));
  });

  const decryptFor = (forSecret: string) => simulate({
    principalArn: reader.principalArn,
    identityPolicies: reader.identityPolicies,
    resourcePolicy: policyOfKey,
    action: 'kms:Decrypt',
    resourceArn: keyOf,
    resourceAccount: ACCOUNT,
    context: kmsContext(VIA_SECRETS_MANAGER, forSecret),
  });

  test('kms:Decrypt for the secret of that name, whatever its six-character suffix: allowed', async () => {
    expect(await decryptFor(secretArn('snowflake/loader'))).toBe('Allowed');
    expect(await decryptFor(secretArn('snowflake/loader', 'x1Y2z3'))).toBe('Allowed');
  });

  test.each([['snowflake/loader-other'], ['snowflake/loaderX'], ['snowflake/other']])('kms:Decrypt for a secret named %s under the same key: denied',
    async (name) => {
      expect(await decryptFor(secretArn(name))).toBe('ImplicitlyDenied');
    });
});
