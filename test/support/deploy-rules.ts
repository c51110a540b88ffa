/**
 * Deploy preflight: what AWS services enforce when CloudFormation creates the resources of a
 * template, checked offline on the synthesized template.
 *
 * Synth, cdk-nag, cfn-lint and unit tests can all pass on a stack that does not deploy: Lambda
 * refuses a VPC function whose role may not create network interfaces, Route 53 refuses a second
 * private zone of a name for a VPC, EC2 refuses a security-group description with an em dash.
 * Each rule here is one such check, with the AWS documentation page it comes from, and carries
 * at least one template that breaks it (test/deploy/rules.test.ts fails a rule without one).
 *
 * The rules live in test/deploy/rules/ (one file each); this file holds what they share: the
 * rule and finding types, a dependency graph of the template, and IAM simulation of a role
 * (through test/support/iam-simulate.ts, which throws on anything it cannot resolve).
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  ACCOUNT,
  AWS_MANAGED_POLICIES,
  CfnTemplate,
  PARTITION,
  REGION,
  resolve,
  RolePolicies,
  rolePolicies,
  simulate,
  SimulationResult,
} from './iam-simulate';

/** A synthesized template, with the sections the rules read. */
export interface DeployTemplate extends CfnTemplate {
  readonly Resources: Record<string, DeployResource>;
  readonly Parameters?: Record<string, unknown>;
  readonly Conditions?: Record<string, unknown>;
  readonly Mappings?: Record<string, unknown>;
  readonly Outputs?: Record<string, any>;
}

export interface DeployResource {
  readonly Type: string;
  readonly Properties?: Record<string, any>;
  readonly DependsOn?: string | string[];
  readonly Condition?: string;
}

/** One thing AWS would refuse (or that would fail the deploy), on one resource. */
export interface Finding {
  readonly rule: string;
  /** The resource AWS would refuse, or whose creation would fail. */
  readonly logicalId: string;
  readonly message: string;
}

/** A template that breaks a rule, and the resource the rule must name. */
export interface FailingCase {
  /** What is wrong, in a few words. */
  readonly name: string;
  /** What the rule must say about it (a finding on `logicalId` whose message matches). */
  readonly message: RegExp;
  /**
   * Builds the template: a deliberately wrong stack of plain aws-cdk-lib constructs, or a good
   * template mutated. Returns it with the logical id the rule must report.
   */
  build(): { template: DeployTemplate; logicalId: string };
}

export interface DeployRule {
  /** Stable id, in UPPER_SNAKE_CASE; listed in docs/deploy-rules.md. */
  readonly id: string;
  /** What AWS enforces, in one sentence. */
  readonly enforces: string;
  /** The AWS documentation pages the rule comes from (the first is the main one). */
  readonly docs: readonly string[];
  /** Templates that break the rule. A rule without one fails test/deploy/rules.test.ts. */
  readonly failingCases: readonly FailingCase[];
  /**
   * Whether a template has what the rule checks (a function in a VPC, a record set...). Some
   * configuration of the preflight must, or the rule would pass there by checking nothing.
   */
  appliesTo(template: DeployTemplate): boolean;
  /** The findings on a template: none when AWS would create every resource. */
  check(template: DeployTemplate): Promise<Finding[]>;
}

/** Synthesizes a stack (made with testStack(): the account and region IAM simulation resolves ARNs in). */
export function templateOf(stack: Stack): DeployTemplate {
  if (stack.account !== ACCOUNT || stack.region !== REGION) {
    throw new Error(`Deploy rules resolve ARNs in ${ACCOUNT}/${REGION}; stack ${stack.stackName} is in ${stack.account}/${stack.region}.`);
  }
  return Template.fromStack(stack).toJSON() as DeployTemplate;
}

/** A deep copy, for failing cases that mutate a good template. */
export function copyOf(template: DeployTemplate): DeployTemplate {
  return JSON.parse(JSON.stringify(template));
}

/** The logical id of a construct's CloudFormation resource (its default child, or itself). */
export function logicalIdOf(stack: Stack, construct: { node: { defaultChild?: unknown } } | object): string {
  const element = ((construct as any).node?.defaultChild ?? construct) as any;
  return stack.resolve(element.logicalId);
}

// ---------------------------------------------------------------------------------------------
// Reading the template
// ---------------------------------------------------------------------------------------------

/** The pseudo parameters CloudFormation defines (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html). */
export const PSEUDO_PARAMETERS = new Set([
  'AWS::AccountId', 'AWS::NotificationARNs', 'AWS::NoValue', 'AWS::Partition', 'AWS::Region',
  'AWS::StackId', 'AWS::StackName', 'AWS::URLSuffix',
]);

/** Logical ids of the resources of a type (or of types matching a predicate). */
export function resourcesOf(template: DeployTemplate, type: string | ((type: string) => boolean)): Array<[string, DeployResource]> {
  const matches = typeof type === 'string' ? (t: string) => t === type : type;
  return Object.entries(template.Resources).filter(([, r]) => matches(r.Type));
}

/** The logical id a value names by `Ref` or `Fn::GetAtt`, if it is one of those. */
export function targetOf(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  if (Object.keys(v).length !== 1) return undefined;
  if (typeof v.Ref === 'string') return v.Ref;
  const getAtt = v['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  return undefined;
}

/** The names `${Name}` and `${Name.Attribute}` in an `Fn::Sub` string, without `${!literal}`s. */
export function subNames(text: string): string[] {
  return [...text.matchAll(/\$\{([^!}][^}]*)\}/g)].map((m) => m[1].trim().split('.')[0]);
}

/** Every name a value refers to through Ref, Fn::GetAtt and Fn::Sub (pseudo parameters included). */
export function referencedNames(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (value === null || typeof value !== 'object') return into;
  if (Array.isArray(value)) {
    value.forEach((v) => referencedNames(v, into));
    return into;
  }
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (key === 'Ref' && typeof v === 'string') {
      into.add(v);
    } else if (key === 'Fn::GetAtt') {
      const target = targetOf({ [key]: v });
      if (target !== undefined) into.add(target);
      if (Array.isArray(v)) referencedNames(v.slice(1), into);
    } else if (key === 'Fn::Sub') {
      const [text, vars] = Array.isArray(v) ? v : [v, {}];
      const local = new Set(Object.keys((vars ?? {}) as object));
      if (typeof text === 'string') subNames(text).filter((n) => !local.has(n)).forEach((n) => into.add(n));
      referencedNames(vars, into);
    } else {
      referencedNames(v, into);
    }
  }
  return into;
}

/** The resources a resource waits for: its DependsOn and every resource its properties refer to. */
export function directDependencies(template: DeployTemplate, logicalId: string): Set<string> {
  const res = template.Resources[logicalId];
  const deps = new Set<string>();
  if (res === undefined) return deps;
  for (const d of ([] as string[]).concat(res.DependsOn ?? [])) deps.add(d);
  for (const name of referencedNames(res.Properties ?? {})) {
    if (template.Resources[name] !== undefined) deps.add(name);
  }
  return deps;
}

const closures = new WeakMap<DeployTemplate, Map<string, Set<string>>>();

/**
 * Every resource CloudFormation creates before `logicalId`: its dependencies, theirs, and so on
 * (DependsOn, Ref, Fn::GetAtt and Fn::Sub all order creation). Resources outside this set may be
 * created at the same time or later.
 */
export function createdBefore(template: DeployTemplate, logicalId: string): Set<string> {
  let cache = closures.get(template);
  if (!cache) {
    cache = new Map();
    closures.set(template, cache);
  }
  const cached = cache.get(logicalId);
  if (cached) return cached;
  const seen = new Set<string>();
  const stack = [...directDependencies(template, logicalId)];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...directDependencies(template, next));
  }
  cache.set(logicalId, seen);
  return seen;
}

/** Resolves a value to the string CloudFormation would produce, or undefined if it cannot be resolved offline. */
export function tryResolve(template: DeployTemplate, value: unknown): string | undefined {
  try {
    const resolved = resolve(template, value);
    return typeof resolved === 'string' ? resolved : undefined;
  } catch {
    return undefined;
  }
}

/** A value as a comparable key: the resolved string when it resolves, else its JSON. */
export function keyOf(template: DeployTemplate, value: unknown): string {
  return tryResolve(template, value) ?? JSON.stringify(value);
}

/** The execution role of a function, when it is a role of this template. */
export function roleOf(template: DeployTemplate, functionLogicalId: string): string | undefined {
  const role = template.Resources[functionLogicalId]?.Properties?.Role;
  const target = targetOf(role);
  return target !== undefined && template.Resources[target]?.Type === 'AWS::IAM::Role' ? target : undefined;
}

/** The function a value names (`Fn::GetAtt [F, Arn]` or `Ref F`), when it is a function of this template. */
export function functionNamedBy(template: DeployTemplate, value: unknown): string | undefined {
  const target = targetOf(value);
  return target !== undefined && template.Resources[target]?.Type === 'AWS::Lambda::Function' ? target : undefined;
}

/** Whether a Lambda function is attached to a VPC (a VpcConfig with subnets or security groups). */
export function isInVpc(fn: DeployResource): boolean {
  const vpc = fn.Properties?.VpcConfig;
  if (vpc === undefined) return false;
  const subnets = Array.isArray(vpc.SubnetIds) ? vpc.SubnetIds.length : vpc.SubnetIds === undefined ? 0 : 1;
  const groups = Array.isArray(vpc.SecurityGroupIds) ? vpc.SecurityGroupIds.length : vpc.SecurityGroupIds === undefined ? 0 : 1;
  return subnets + groups > 0;
}

/** The service of an ARN (`arn:aws:sqs:...` is `sqs`). */
export function arnService(arn: string): string | undefined {
  const parts = arn.split(':');
  return parts[0] === 'arn' && parts.length >= 6 ? parts[2] : undefined;
}

// ---------------------------------------------------------------------------------------------
// IAM, simulated
// ---------------------------------------------------------------------------------------------

/**
 * A role's identity policies for simulation, with the AWS managed policies whose documents
 * test/support/iam-simulate.ts knows (AWSLambdaVPCAccessExecutionRole, AWSLambdaBasicExecutionRole).
 * Any other managed policy throws, and the rules report that as a finding: a policy the
 * simulation cannot see cannot be shown to grant anything.
 */
export function policiesOfRole(template: DeployTemplate, roleLogicalId: string): RolePolicies {
  return rolePolicies(template, roleLogicalId, { awsManagedPolicies: AWS_MANAGED_POLICIES });
}

/**
 * The part of a role's policies already in effect when `dependentLogicalId` is created: those
 * the role is created with (inline, managed policy ARNs), and those attached by policy resources
 * that `dependentLogicalId` depends on, directly or not.
 */
export function policiesInEffectBefore(template: DeployTemplate, role: RolePolicies, dependentLogicalId: string): RolePolicies {
  const before = createdBefore(template, dependentLogicalId);
  const inEffect = new Set((role.attachments ?? [])
    .filter((a) => a.attachedBy === 'role' || before.has(a.attachedBy))
    .map((a) => a.policyName));
  return { ...role, identityPolicies: role.identityPolicies.filter((p) => inEffect.has(p.name)) };
}

/** The names of a role's policies not yet in effect when `dependentLogicalId` is created. */
export function policiesAttachedLater(template: DeployTemplate, role: RolePolicies, dependentLogicalId: string): string[] {
  const inEffect = new Set(policiesInEffectBefore(template, role, dependentLogicalId).identityPolicies.map((p) => p.name));
  return role.identityPolicies.map((p) => p.name).filter((n) => !inEffect.has(n));
}

export interface Request {
  readonly action: string;
  readonly resource: string;
  readonly context?: Record<string, string>;
  /** A resource policy (a key policy for `kms:` actions). */
  readonly resourcePolicy?: unknown;
}

/** Whether the role is allowed the request, by its identity policies (and the resource policy, if given). */
export function evaluate(role: RolePolicies, request: Request): Promise<SimulationResult> {
  const account = request.resource === '*' ? ACCOUNT : request.resource.split(':')[4] || ACCOUNT;
  return simulate({
    principalArn: role.principalArn,
    identityPolicies: role.identityPolicies,
    resourcePolicy: request.resourcePolicy,
    action: request.action,
    resourceArn: request.resource,
    resourceAccount: account,
    context: request.context,
  });
}

/**
 * The finding for a request a resource needs its role to be allowed when CloudFormation creates
 * `dependentLogicalId` (the service checks the role then): none, "not allowed", or "allowed only
 * by a policy attached after".
 */
export async function requiredAtCreate(
  template: DeployTemplate,
  role: RolePolicies,
  request: Request,
  dependentLogicalId: string,
): Promise<string | undefined> {
  const where = `${request.action} on ${request.resource}${request.context ? ` with ${JSON.stringify(request.context)}` : ''}`;
  if (await evaluate(role, request) !== 'Allowed') {
    return `its role ${role.principalArn} is not allowed ${where}`;
  }
  if (await evaluate(policiesInEffectBefore(template, role, dependentLogicalId), request) !== 'Allowed') {
    return `its role is allowed ${where} only by ${policiesAttachedLater(template, role, dependentLogicalId).join(', ')}, `
      + `which ${dependentLogicalId} does not depend on: CloudFormation may create ${dependentLogicalId} first`;
  }
  return undefined;
}

/** `arn:aws:logs:us-east-1:123456789012:log-group:<name>:log-stream:<a stream Lambda would create>`. */
export function logStreamArn(logGroupName: string): string {
  return `arn:${PARTITION}:logs:${REGION}:${ACCOUNT}:log-group:${logGroupName}:log-stream:2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef`;
}

/** The name of the log group a function writes to: LoggingConfig.LogGroup, or /aws/lambda/<function name>. */
export function logGroupNameOf(template: DeployTemplate, functionLogicalId: string): string | undefined {
  const props = template.Resources[functionLogicalId].Properties ?? {};
  const given = props.LoggingConfig?.LogGroup;
  if (given !== undefined) return tryResolve(template, given);
  const name = props.FunctionName === undefined ? functionLogicalId : tryResolve(template, props.FunctionName);
  return name === undefined ? undefined : `/aws/lambda/${name}`;
}

/** A check of one resource: its logical id, and what finds the problems on it (undefined: none). */
export type ResourceCheck = [string, () => Promise<Array<string | undefined>> | Array<string | undefined>];

/** Runs a rule's checks, turning an exception on one resource into a finding rather than a crash. */
export async function findingsFor(rule: string, items: ResourceCheck[]): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const [logicalId, check] of items) {
    let messages: Array<string | undefined>;
    try {
      messages = await check();
    } catch (error) {
      messages = [`cannot be checked: ${(error as Error).message}`];
    }
    for (const message of messages) {
      if (message !== undefined) findings.push({ rule, logicalId, message });
    }
  }
  return findings;
}
