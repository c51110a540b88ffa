/**
 * Offline IAM evaluation of synthesized templates with @cloud-copilot/iam-simulate (AGPL: used
 * by tests only, never shipped).
 *
 * A template's policies name resources through CloudFormation intrinsics, which the simulator
 * cannot evaluate. The resolver here turns them into the concrete ARNs CloudFormation would
 * produce in a fixed environment, and throws on anything it does not know, so a policy can never
 * silently lose a statement (and a test can never pass because a permission went missing).
 */
import { createHash } from 'node:crypto';
import { allowedContextKeysForRequest, runSimulation, runUnsafeSimulation, type Simulation, type SimulationIdentityPolicy } from '@cloud-copilot/iam-simulate';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

/** The environment every resolved ARN lives in (the one `testStack()` uses). */
export const PARTITION = 'aws';
export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';
export const URL_SUFFIX = 'amazonaws.com';

/** The six-character suffix Secrets Manager appends to secret ARNs, fixed for determinism. */
export const SECRET_SUFFIX = 'AbCdEf';

export type SimulationResult = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

/** A synthesized template: `Template.fromStack(stack).toJSON()`. */
export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
}

interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, any>;
}

/** Synthesizes a stack. The stack must be in ACCOUNT and REGION, or the resolved ARNs would lie. */
export function synth(stack: Stack): CfnTemplate {
  if (stack.account !== ACCOUNT || stack.region !== REGION) {
    throw new Error(`iam-simulate helpers resolve ARNs in ${ACCOUNT}/${REGION}; stack ${stack.stackName} is in `
      + `${stack.account}/${stack.region}. Use testStack() from test/support/stacks.`);
  }
  return Template.fromStack(stack).toJSON() as CfnTemplate;
}

/** `arn:aws:secretsmanager:us-east-1:123456789012:secret:<name>-AbCdEf`. */
export function secretArn(name: string, suffix = SECRET_SUFFIX): string {
  return `arn:${PARTITION}:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-${suffix}`;
}

/** `arn:aws:kms:us-east-1:123456789012:key/<uuid-shaped id derived from the logical id>`. */
export function keyArn(logicalId: string): string {
  return `arn:${PARTITION}:kms:${REGION}:${ACCOUNT}:key/${keyId(logicalId)}`;
}

/** `arn:aws:iam::123456789012:role/<name>`. */
export function roleArn(name: string): string {
  return `arn:${PARTITION}:iam::${ACCOUNT}:role/${name}`;
}

function keyId(logicalId: string): string {
  const h = createHash('sha256').update(logicalId).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** An EC2 id (`vpc-`, `sg-`) of 17 hex digits derived from the logical id, as EC2 would give one. */
function ec2Id(prefix: string, logicalId: string): string {
  return `${prefix}-${createHash('sha256').update(`${prefix}/${logicalId}`).digest('hex').slice(0, 17)}`;
}

function resource(template: CfnTemplate, logicalId: string, type?: string): CfnResource {
  const res = template.Resources[logicalId];
  if (res === undefined) {
    throw new Error(`No resource ${logicalId} in the template.`);
  }
  if (type !== undefined && res.Type !== type) {
    throw new Error(`${logicalId} is a ${res.Type}, not a ${type}.`);
  }
  return res;
}

/** The one resource of this type whose logical id starts with `prefix` (the construct id). */
export function logicalIdOf(template: CfnTemplate, type: string, prefix: string): string {
  const ids = Object.keys(template.Resources)
    .filter((id) => template.Resources[id].Type === type && id.startsWith(prefix));
  if (ids.length !== 1) {
    throw new Error(`Expected one ${type} whose logical id starts with ${prefix}, found ${ids.length}: ${ids.join(', ')}`);
  }
  return ids[0];
}

/** A literal string property, or the fallback when the property is absent. */
function literalProperty(template: CfnTemplate, res: CfnResource, name: string, fallback: string): string {
  const value = res.Properties?.[name];
  if (value === undefined) return fallback;
  const resolved = resolve(template, value);
  if (typeof resolved !== 'string') {
    throw new Error(`Property ${name} resolved to ${JSON.stringify(resolved)}, not a string.`);
  }
  return resolved;
}

function secretArnOf(template: CfnTemplate, logicalId: string): string {
  const res = resource(template, logicalId, 'AWS::SecretsManager::Secret');
  return secretArn(literalProperty(template, res, 'Name', logicalId));
}

function roleNameOf(template: CfnTemplate, logicalId: string): string {
  return literalProperty(template, resource(template, logicalId, 'AWS::IAM::Role'), 'RoleName', logicalId);
}

function roleArnOf(template: CfnTemplate, logicalId: string): string {
  const res = resource(template, logicalId, 'AWS::IAM::Role');
  const path = literalProperty(template, res, 'Path', '/');
  return `arn:${PARTITION}:iam::${ACCOUNT}:role${path}${roleNameOf(template, logicalId)}`;
}

function managedPolicyArnOf(template: CfnTemplate, logicalId: string): string {
  const res = resource(template, logicalId, 'AWS::IAM::ManagedPolicy');
  const path = literalProperty(template, res, 'Path', '/');
  return `arn:${PARTITION}:iam::${ACCOUNT}:policy${path}${literalProperty(template, res, 'ManagedPolicyName', logicalId)}`;
}

const PSEUDO_PARAMETERS: Record<string, string> = {
  'AWS::Partition': PARTITION,
  'AWS::Region': REGION,
  'AWS::AccountId': ACCOUNT,
  'AWS::URLSuffix': URL_SUFFIX,
};

/** The physical name CloudFormation gives a resource whose name property is absent: here, its logical id. */
function nameOf(template: CfnTemplate, logicalId: string, type: string, property: string): string {
  return literalProperty(template, resource(template, logicalId, type), property, logicalId);
}

function queueArnOf(template: CfnTemplate, logicalId: string): string {
  return `arn:${PARTITION}:sqs:${REGION}:${ACCOUNT}:${nameOf(template, logicalId, 'AWS::SQS::Queue', 'QueueName')}`;
}

function topicArnOf(template: CfnTemplate, logicalId: string): string {
  return `arn:${PARTITION}:sns:${REGION}:${ACCOUNT}:${nameOf(template, logicalId, 'AWS::SNS::Topic', 'TopicName')}`;
}

function functionArnOf(template: CfnTemplate, logicalId: string): string {
  return `arn:${PARTITION}:lambda:${REGION}:${ACCOUNT}:function:${nameOf(template, logicalId, 'AWS::Lambda::Function', 'FunctionName')}`;
}

function eventBusArnOf(template: CfnTemplate, logicalId: string): string {
  return `arn:${PARTITION}:events:${REGION}:${ACCOUNT}:event-bus/${nameOf(template, logicalId, 'AWS::Events::EventBus', 'Name')}`;
}

function resolveRef(template: CfnTemplate, name: unknown): string {
  if (typeof name !== 'string') {
    throw new Error(`Ref to ${JSON.stringify(name)}: not a name.`);
  }
  if (name in PSEUDO_PARAMETERS) return PSEUDO_PARAMETERS[name];
  const res = resource(template, name);
  switch (res.Type) {
    case 'AWS::SecretsManager::Secret': return secretArnOf(template, name);
    case 'AWS::IAM::Role': return roleNameOf(template, name);
    case 'AWS::KMS::Key': return keyId(name);
    case 'AWS::IAM::ManagedPolicy': return managedPolicyArnOf(template, name);
    case 'AWS::SQS::Queue': return `https://sqs.${REGION}.${URL_SUFFIX}/${ACCOUNT}/${nameOf(template, name, res.Type, 'QueueName')}`;
    case 'AWS::SNS::Topic': return topicArnOf(template, name);
    case 'AWS::Lambda::Function': return nameOf(template, name, res.Type, 'FunctionName');
    case 'AWS::Events::EventBus': return nameOf(template, name, res.Type, 'Name');
    case 'AWS::Logs::LogGroup': return nameOf(template, name, res.Type, 'LogGroupName');
    case 'AWS::EC2::VPC': return ec2Id('vpc', name);
    default: throw new Error(`Cannot resolve Ref to ${name} (${res.Type}).`);
  }
}

function resolveGetAtt(template: CfnTemplate, args: unknown): string {
  if (!Array.isArray(args) || args.length !== 2 || typeof args[0] !== 'string' || typeof args[1] !== 'string') {
    throw new Error(`Fn::GetAtt ${JSON.stringify(args)}: expected [logicalId, attribute].`);
  }
  const [id, attribute] = args as [string, string];
  const res = resource(template, id);
  if (attribute === 'Arn' && res.Type === 'AWS::IAM::Role') return roleArnOf(template, id);
  if (attribute === 'Arn' && res.Type === 'AWS::KMS::Key') return keyArn(id);
  if (attribute === 'KeyId' && res.Type === 'AWS::KMS::Key') return keyId(id);
  if (attribute === 'Arn' && res.Type === 'AWS::Logs::LogGroup') {
    const name = literalProperty(template, res, 'LogGroupName', id);
    return `arn:${PARTITION}:logs:${REGION}:${ACCOUNT}:log-group:${name}:*`;
  }
  if (attribute === 'Arn' && res.Type === 'AWS::SQS::Queue') return queueArnOf(template, id);
  if (attribute === 'QueueName' && res.Type === 'AWS::SQS::Queue') return nameOf(template, id, res.Type, 'QueueName');
  if (attribute === 'TopicArn' && res.Type === 'AWS::SNS::Topic') return topicArnOf(template, id);
  if (attribute === 'Arn' && res.Type === 'AWS::Lambda::Function') return functionArnOf(template, id);
  if (attribute === 'Arn' && res.Type === 'AWS::Events::EventBus') return eventBusArnOf(template, id);
  if (attribute === 'Name' && res.Type === 'AWS::Events::EventBus') return nameOf(template, id, res.Type, 'Name');
  if (attribute === 'DefaultSecurityGroup' && res.Type === 'AWS::EC2::VPC') return ec2Id('sg', `${id}.DefaultSecurityGroup`);
  if (attribute === 'GroupId' && res.Type === 'AWS::EC2::SecurityGroup') return ec2Id('sg', id);
  throw new Error(`Cannot resolve Fn::GetAtt ${id}.${attribute} (${res.Type}).`);
}

/**
 * Replaces every intrinsic in `value` with the string CloudFormation would produce in
 * PARTITION/REGION/ACCOUNT. Throws on any intrinsic or reference it cannot resolve.
 */
export function resolve(template: CfnTemplate, value: unknown): any {
  if (value === null || typeof value !== 'object') {
    return value;
  }
  if (Array.isArray(value)) {
    return value.map((v) => resolve(template, v));
  }
  const keys = Object.keys(value);
  const intrinsics = keys.filter((k) => k === 'Ref' || k.startsWith('Fn::'));
  if (intrinsics.length > 0) {
    if (keys.length !== 1) {
      throw new Error(`Malformed intrinsic ${JSON.stringify(value)}.`);
    }
    const [name] = keys;
    const args = (value as Record<string, unknown>)[name];
    switch (name) {
      case 'Ref': return resolveRef(template, args);
      case 'Fn::GetAtt': return resolveGetAtt(template, args);
      case 'Fn::Join': {
        if (!Array.isArray(args) || args.length !== 2 || typeof args[0] !== 'string' || !Array.isArray(args[1])) {
          throw new Error(`Fn::Join ${JSON.stringify(args)}: expected [separator, [parts]].`);
        }
        const parts = (args[1] as unknown[]).map((p) => resolve(template, p));
        for (const p of parts) {
          if (typeof p !== 'string') throw new Error(`Fn::Join part resolved to ${JSON.stringify(p)}, not a string.`);
        }
        return parts.join(args[0]);
      }
      case 'Fn::Sub': {
        const [text, vars] = Array.isArray(args) ? args : [args, {}];
        if (typeof text !== 'string' || vars === null || typeof vars !== 'object') {
          throw new Error(`Fn::Sub ${JSON.stringify(args)}: expected a string, or [string, { variables }].`);
        }
        const local = resolve(template, vars) as Record<string, unknown>;
        return text.replace(/\$\{([^}]*)\}/g, (_match, inner: string) => {
          if (inner.startsWith('!')) return `\${${inner.slice(1)}}`;
          const variable = local[inner];
          const replaced = variable !== undefined ? variable
            : inner.includes('.') ? resolveGetAtt(template, [inner.slice(0, inner.indexOf('.')), inner.slice(inner.indexOf('.') + 1)])
              : resolveRef(template, inner);
          if (typeof replaced !== 'string') throw new Error(`Fn::Sub \${${inner}} resolved to ${JSON.stringify(replaced)}, not a string.`);
          return replaced;
        });
      }
      default: throw new Error(`Cannot resolve ${name} in ${JSON.stringify(value)}.`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    out[k] = resolve(template, (value as Record<string, unknown>)[k]);
  }
  return out;
}

/** Whether a policy's `Roles` list names the role (by Ref, or by its resolved name). */
function namesRole(template: CfnTemplate, roles: unknown, roleLogicalId: string): boolean {
  if (roles === undefined) return false;
  if (!Array.isArray(roles)) throw new Error(`Roles ${JSON.stringify(roles)} is not a list.`);
  const name = roleNameOf(template, roleLogicalId);
  return roles.some((r) => resolve(template, r) === name);
}

/**
 * The documents of the AWS managed policies these helpers know, by the ARN path after
 * `arn:<partition>:iam::aws:policy/`, as published in the AWS Managed Policy Reference
 * (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/). Opt in with
 * `rolePolicies(..., { awsManagedPolicies: AWS_MANAGED_POLICIES })`; any other AWS managed policy
 * still makes the helpers throw.
 */
export const AWS_MANAGED_POLICIES: Readonly<Record<string, any>> = {
  // v3 (default), edited January 5, 2024.
  'service-role/AWSLambdaVPCAccessExecutionRole': {
    Version: '2012-10-17',
    Statement: [{
      Sid: 'AWSLambdaVPCAccessExecutionPermissions',
      Effect: 'Allow',
      Action: [
        'logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents',
        'ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses',
      ],
      Resource: '*',
    }],
  },
  // v1 (default).
  'service-role/AWSLambdaBasicExecutionRole': {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' }],
  },
};

/** Options of `rolePolicies`. */
export interface RolePoliciesOptions {
  /**
   * Documents of AWS managed policies, by the ARN path after `arn:<partition>:iam::aws:policy/`
   * (for example `AWS_MANAGED_POLICIES`). Default: none, so any AWS managed policy throws.
   */
  readonly awsManagedPolicies?: Readonly<Record<string, any>>;
}

/**
 * Where a role's identity policy comes from, which decides when it takes effect during a deploy:
 * `role` when the role is created with it (inline `Policies`, `ManagedPolicyArns`), otherwise the
 * logical id of the `AWS::IAM::Policy` or `AWS::IAM::ManagedPolicy` that attaches it.
 */
export interface PolicyAttachment {
  /** The name of the policy in `identityPolicies`. */
  readonly policyName: string;
  readonly attachedBy: 'role' | string;
}

/** What a role can do: its principal ARN and every identity policy attached to it. */
export interface RolePolicies {
  readonly principalArn: string;
  readonly identityPolicies: SimulationIdentityPolicy[];
  /** For each identity policy, what attaches it to the role. */
  readonly attachments?: PolicyAttachment[];
}

/**
 * Collects a role's identity policies: its inline `Policies`, every `AWS::IAM::Policy` and
 * `AWS::IAM::ManagedPolicy` that lists it in `Roles`, and its `ManagedPolicyArns` when they
 * name managed policies of this template (or, with `options.awsManagedPolicies`, AWS managed
 * policies listed there). Throws on managed policies it cannot see (AWS managed or from
 * elsewhere) and on permissions boundaries, which it does not model.
 */
export function rolePolicies(template: CfnTemplate, roleLogicalId: string, options: RolePoliciesOptions = {}): RolePolicies {
  const role = resource(template, roleLogicalId, 'AWS::IAM::Role');
  const props = role.Properties ?? {};
  if (props.PermissionsBoundary !== undefined) {
    throw new Error(`${roleLogicalId} has a permissions boundary, which these helpers do not simulate.`);
  }
  const identityPolicies: SimulationIdentityPolicy[] = [];
  const attachments: PolicyAttachment[] = [];
  const add = (name: string, policy: any, attachedBy: string) => {
    identityPolicies.push({ name, policy });
    attachments.push({ policyName: name, attachedBy });
  };
  for (const inline of (props.Policies ?? []) as Array<{ PolicyName: unknown; PolicyDocument: unknown }>) {
    add(`${roleLogicalId}/${resolve(template, inline.PolicyName)}`, resolve(template, inline.PolicyDocument), 'role');
  }
  const attachedManaged = new Set<string>();
  const awsManagedPrefix = `arn:${PARTITION}:iam::aws:policy/`;
  for (const arnValue of (props.ManagedPolicyArns ?? []) as unknown[]) {
    const ref = (arnValue as { Ref?: unknown }).Ref;
    if (typeof ref === 'string' && template.Resources[ref]?.Type === 'AWS::IAM::ManagedPolicy') {
      attachedManaged.add(ref);
      continue;
    }
    const arn = resolve(template, arnValue);
    const known = typeof arn === 'string' && arn.startsWith(awsManagedPrefix)
      ? options.awsManagedPolicies?.[arn.slice(awsManagedPrefix.length)] : undefined;
    if (known !== undefined) {
      add(arn, known, 'role');
      continue;
    }
    throw new Error(`${roleLogicalId} has managed policy ${JSON.stringify(arn)}, whose document `
      + 'is not in the template: these helpers cannot simulate it.');
  }
  for (const [id, res] of Object.entries(template.Resources)) {
    const p = res.Properties ?? {};
    if (res.Type === 'AWS::IAM::Policy' && namesRole(template, p.Roles, roleLogicalId)) {
      add(id, resolve(template, p.PolicyDocument), id);
    }
    if (res.Type === 'AWS::IAM::ManagedPolicy' && (attachedManaged.has(id) || namesRole(template, p.Roles, roleLogicalId))) {
      // Named in the role's ManagedPolicyArns, it is attached when the role is created (after the policy).
      add(id, resolve(template, p.PolicyDocument), attachedManaged.has(id) ? 'role' : id);
    }
  }
  return { principalArn: roleArnOf(template, roleLogicalId), identityPolicies, attachments };
}

/** The resolved ARN of a secret in the template. */
export function secretArnInTemplate(template: CfnTemplate, secretLogicalId: string): string {
  return secretArnOf(template, secretLogicalId);
}

/** The secret's resource policy (its `AWS::SecretsManager::ResourcePolicy`), or undefined if it has none. */
export function secretResourcePolicy(template: CfnTemplate, secretLogicalId: string): any | undefined {
  resource(template, secretLogicalId, 'AWS::SecretsManager::Secret');
  const arn = secretArnOf(template, secretLogicalId);
  const policies = Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::SecretsManager::ResourcePolicy' && resolve(template, r.Properties?.SecretId) === arn);
  if (policies.length > 1) {
    throw new Error(`${secretLogicalId} has ${policies.length} resource policies; a secret has at most one.`);
  }
  return policies.length === 1 ? resolve(template, policies[0].Properties!.ResourcePolicy) : undefined;
}

/** The KMS key's resolved key policy. */
export function keyPolicy(template: CfnTemplate, keyLogicalId: string): any {
  const policy = resource(template, keyLogicalId, 'AWS::KMS::Key').Properties?.KeyPolicy;
  if (policy === undefined) {
    throw new Error(`${keyLogicalId} has no KeyPolicy.`);
  }
  return resolve(template, policy);
}

export interface SimulateRequest {
  /** The ARN of the role or user making the request; also sent as `aws:PrincipalArn`. */
  readonly principalArn: string;
  readonly identityPolicies: SimulationIdentityPolicy[];
  /** The secret's resource policy or the key's key policy. */
  readonly resourcePolicy?: any;
  readonly action: string;
  readonly resourceArn: string;
  /** The account that owns the resource: must match the ARN's account (give it for `*`). */
  readonly resourceAccount: string;
  /** Request context keys; keys the action does not support make the simulation throw. */
  readonly context?: Record<string, string | string[]>;
  /** The policy of the VPC endpoint the request goes through (`vpcEndpointPolicyOf`), if any. */
  readonly vpcEndpointPolicy?: any;
}

/** The resolved policy of a VPC endpoint of the template (its `PolicyDocument`). */
export function vpcEndpointPolicyOf(template: CfnTemplate, endpointLogicalId: string): any {
  const policy = resource(template, endpointLogicalId, 'AWS::EC2::VPCEndpoint').Properties?.PolicyDocument;
  if (policy === undefined) {
    throw new Error(`${endpointLogicalId} has no PolicyDocument: the endpoint allows everything.`);
  }
  return resolve(template, policy);
}

/**
 * The context keys of `action` whose name ends in a variable after a colon, such as
 * `kms:EncryptionContext:${EncryptionContextKey}` (lower case, without the variable). iam-simulate
 * (0.1.x) matches variables only after a slash (`aws:PrincipalTag/...`), so it drops these from
 * the request even though the action supports them.
 */
async function colonVariableKeys(action: string, resourceArn: string): Promise<string[]> {
  const [service, name] = action.split(':');
  const keys = await allowedContextKeysForRequest(service, name, resourceArn, false, undefined);
  return keys.map((k) => k.toLowerCase()).filter((k) => /:\$\{[^}]+\}$/.test(k)).map((k) => k.slice(0, k.lastIndexOf('${')));
}

/**
 * Runs one request through iam-simulate. Throws when the simulator reports input errors or
 * drops a context key the test gave (which would mean the test checks less than it says).
 *
 * A key the action supports through a colon variable (`kms:EncryptionContext:SecretARN` for
 * `kms:Decrypt`, documented at https://docs.aws.amazon.com/service-authorization/latest/reference/list_awskeymanagementservice.html)
 * is dropped by the simulator's input check (see `colonVariableKeys`): the request is then checked
 * as usual, and evaluated, with every key, by the simulator's engine without that input check.
 */
export async function simulate(req: SimulateRequest): Promise<SimulationResult> {
  const arnAccount = req.resourceArn.split(':')[4];
  if (req.resourceArn !== '*' && arnAccount !== undefined && arnAccount !== '' && arnAccount !== req.resourceAccount) {
    throw new Error(`resourceAccount ${req.resourceAccount} does not match ${req.resourceArn}.`);
  }
  const simulation: Simulation = {
    request: {
      principal: req.principalArn,
      action: req.action,
      resource: { resource: req.resourceArn, accountId: req.resourceAccount },
      contextVariables: { 'aws:PrincipalArn': req.principalArn, ...req.context },
    },
    identityPolicies: req.identityPolicies,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: req.resourcePolicy,
    ...(req.vpcEndpointPolicy === undefined ? {} : { vpcEndpointPolicies: [{ name: 'VpcEndpointPolicy', policy: req.vpcEndpointPolicy }] }),
  };
  const result = await runSimulation(simulation, {});
  if (result.resultType === 'error') {
    throw new Error(`iam-simulate rejected the simulation: ${JSON.stringify(result.errors)}`);
  }
  const ignored = result.resultType === 'single'
    ? result.result.ignoredContextKeys ?? []
    : result.results.flatMap((r) => r.ignoredContextKeys ?? []);
  const colonKeys = ignored.length > 0 ? await colonVariableKeys(req.action, req.resourceArn) : [];
  const unsupported = ignored.filter((key) => !colonKeys.some((prefix) => key.toLowerCase().startsWith(prefix) && key.length > prefix.length));
  if (ignored.length > 0 && unsupported.length === 0) {
    // The engine without the input check does not take endpoint policies.
    if (req.vpcEndpointPolicy !== undefined) throw new Error(`${ignored.join(', ')} cannot be simulated through a VPC endpoint policy.`);
    // The strict run above validated the policies. The unsafe engine loads a resource policy
    // without a name and then reads its name; a validated policy (@cloud-copilot/iam-policy's
    // ValidatedPolicy shape) carries one.
    const named = req.resourcePolicy === undefined ? undefined
      : { __validated: true, policyDocument: req.resourcePolicy, metadata: { name: 'ResourcePolicy' }, errors: [] };
    return runUnsafeSimulation({ ...simulation, resourcePolicy: named }, {});
  }
  if (unsupported.length > 0) {
    throw new Error(`iam-simulate ignored context keys ${unsupported.join(', ')} for ${req.action}: they do not apply to it.`);
  }
  return result.overallResult;
}

/**
 * Evaluates requests made by one role of the template, in the template's account: `kms:` actions
 * against the policy of the key `keyLogicalId` (if given) as the resource policy.
 */
export function requestsOf(template: CfnTemplate, roleLogicalId: string, keyLogicalId?: string, options: RolePoliciesOptions = {}) {
  const role = rolePolicies(template, roleLogicalId, options);
  return (action: string, resourceArn: string, context: Record<string, string> = {}): Promise<SimulationResult> => simulate({
    principalArn: role.principalArn,
    identityPolicies: role.identityPolicies,
    action,
    resourceArn,
    resourceAccount: ACCOUNT,
    context,
    ...(action.startsWith('kms:') && keyLogicalId ? { resourcePolicy: keyPolicy(template, keyLogicalId) } : {}),
  });
}
