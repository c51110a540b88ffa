import * as iam from 'aws-cdk-lib/aws-iam';
import { DeployRule, DeployTemplate, Finding, logicalIdOf, resourcesOf, templateOf, tryResolve } from '../../support/deploy-rules';
import { resolve } from '../../support/iam-simulate';
import { testStack } from '../../support/stacks';

const ID = 'IAM_LIMITS';
/** What IAM accepts in role and policy descriptions: tab, LF, CR, printable ASCII and Latin-1. */
const DESCRIPTION = /^[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*$/;
const NAME = /^[\w+=,.@-]+$/;
const INLINE_AGGREGATE = 10240;
const MANAGED_POLICY = 6144;

/** A policy document's size as IAM counts it: its JSON without whitespace, ARNs resolved where they resolve. */
function policySize(template: DeployTemplate, document: unknown): number {
  let resolved: unknown;
  try {
    resolved = resolve(template, document);
  } catch {
    resolved = document;
  }
  return JSON.stringify(resolved).replace(/\s/g, '').length;
}

function namesRole(template: DeployTemplate, roles: unknown, roleId: string): boolean {
  const name = template.Resources[roleId]?.Properties?.RoleName;
  return Array.isArray(roles) && roles.some((r) => (r as any)?.Ref === roleId || (name !== undefined && tryResolve(template, r) === name));
}

export const IAM_LIMITS: DeployRule = {
  id: ID,
  enforces: 'IAM refuses role and managed-policy descriptions over 1,000 characters or with characters outside tab, line breaks, printable ASCII and '
    + 'Latin-1 (no em dash, no curly quote), role names over 64 and policy names over 128 characters or outside letters, digits and +=,.@_-, '
    + 'inline policies of a role over 10,240 characters together (whitespace not counted), and a managed policy over 6,144.',
  docs: [
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html',
    'https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html',
    'https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html',
  ],
  appliesTo: (template) => resourcesOf(template, 'AWS::IAM::Role').some(([, r]) => r.Properties?.Description !== undefined),
  async check(template) {
    const findings: Finding[] = [];
    for (const [id, r] of Object.entries(template.Resources)) {
      const found = (message: string) => findings.push({ rule: ID, logicalId: id, message });
      const p = r.Properties ?? {};
      const description = (what: string, value: unknown) => {
        if (typeof value !== 'string') return;
        if (value.length > 1000) found(`its ${what} has ${value.length} characters; IAM allows 1000`);
        const bad = [...value].filter((c) => !DESCRIPTION.test(c));
        if (bad.length > 0) found(`its ${what} has characters IAM refuses: ${JSON.stringify([...new Set(bad)].join(''))}`);
      };
      const name = (what: string, value: unknown, max: number) => {
        if (typeof value === 'string' && !(value.length <= max && NAME.test(value))) found(`its ${what} ${JSON.stringify(value)} is not 1 to ${max} of letters, digits and +=,.@_-`);
      };
      if (r.Type === 'AWS::IAM::Role') {
        description('Description', p.Description);
        name('RoleName', p.RoleName, 64);
        for (const inline of p.Policies ?? []) name('inline PolicyName', inline.PolicyName, 128);
        const inlineDocuments = [
          ...(p.Policies ?? []).map((inline: any) => inline.PolicyDocument),
          ...Object.values(template.Resources)
            .filter((other) => other.Type === 'AWS::IAM::Policy' && namesRole(template, other.Properties?.Roles, id))
            .map((other) => other.Properties!.PolicyDocument),
        ];
        const size = inlineDocuments.reduce((sum, doc) => sum + policySize(template, doc), 0);
        if (size > INLINE_AGGREGATE) found(`its inline policies take ${size} characters together; IAM allows ${INLINE_AGGREGATE} per role`);
      }
      if (r.Type === 'AWS::IAM::Policy') name('PolicyName', p.PolicyName, 128);
      if (r.Type === 'AWS::IAM::ManagedPolicy') {
        description('Description', p.Description);
        name('ManagedPolicyName', p.ManagedPolicyName, 128);
        const size = policySize(template, p.PolicyDocument);
        if (size > MANAGED_POLICY) found(`its document takes ${size} characters; IAM allows ${MANAGED_POLICY} for a managed policy`);
      }
    }
    return findings;
  },
  failingCases: [
    {
      name: 'a role description with an em dash',
      message: /Description has characters IAM refuses: \"—\"/,
      build() {
        const stack = testStack('Wrong');
        const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description: 'Reads the Snowflake secret — nothing else' });
        return { template: templateOf(stack), logicalId: logicalIdOf(stack, role) };
      },
    },
    {
      name: 'inline policies over 10,240 characters on one role',
      message: /inline policies take \d+ characters together; IAM allows 10240/,
      build() {
        const stack = testStack('Wrong');
        const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
        for (let i = 0; i < 80; i++) {
          role.addToPolicy(new iam.PolicyStatement({
            actions: ['secretsmanager:GetSecretValue'],
            resources: [`arn:aws:secretsmanager:us-east-1:123456789012:secret:snowflake/service-user-number-${i}-??????`],
            conditions: { StringEquals: { 'secretsmanager:VersionStage': `STAGE${i}` } },
          }));
        }
        return { template: templateOf(stack), logicalId: logicalIdOf(stack, role) };
      },
    },
  ],
};
