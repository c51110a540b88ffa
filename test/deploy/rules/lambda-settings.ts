import * as lambda from 'aws-cdk-lib/aws-lambda';
import { copyOf, DeployRule, DeployTemplate, findingsFor, logicalIdOf, resourcesOf, templateOf, tryResolve } from '../../support/deploy-rules';
import { testStack } from '../../support/stacks';

const ID = 'LAMBDA_SETTINGS';
/** The length assumed for a value that cannot be resolved offline: an ARN or a host name is shorter. */
const UNRESOLVED_LENGTH = 256;
const ENVIRONMENT_LIMIT = 4096;

/** The length of the environment as Lambda counts it: keys and values. */
function environmentSize(template: DeployTemplate, variables: Record<string, unknown>): number {
  return Object.entries(variables).reduce((size, [key, value]) => {
    const resolved = typeof value === 'string' ? value : tryResolve(template, value);
    return size + Buffer.byteLength(key) + (resolved === undefined ? UNRESOLVED_LENGTH : Buffer.byteLength(resolved));
  }, 0);
}

function numberOf(value: unknown): number | undefined {
  return typeof value === 'number' || (typeof value === 'string' && value.trim() !== '' && !isNaN(Number(value))) ? Number(value) : undefined;
}

function goodFunction() {
  const stack = testStack('Wrong');
  const fn = new lambda.Function(stack, 'Fn', {
    runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => 1'),
  });
  return { template: copyOf(templateOf(stack)), logicalId: logicalIdOf(stack, fn) };
}

export const LAMBDA_SETTINGS: DeployRule = {
  id: ID,
  enforces: 'Lambda\'s limits at CreateFunction: timeout 1 to 900 s, memory 128 to 10,240 MB, ephemeral storage 512 to 10,240 MB, at most 5 layers, '
    + 'environment variables 4 KB in all, a description of at most 256 characters, a function name of at most 64 letters, digits, - and _, '
    + 'reserved concurrency of at least 0.',
  docs: [
    'https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html',
    'https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html',
  ],
  appliesTo: (template) => resourcesOf(template, 'AWS::Lambda::Function').some(([, fn]) => fn.Properties?.Environment !== undefined),
  async check(template) {
    return findingsFor(ID, resourcesOf(template, 'AWS::Lambda::Function').map(([id, fn]) => [id, () => {
      const p = fn.Properties ?? {};
      const messages: Array<string | undefined> = [];
      const range = (name: string, value: unknown, min: number, max: number) => {
        const n = numberOf(value);
        if (value !== undefined && n !== undefined && !(Number.isInteger(n) && n >= min && n <= max)) messages.push(`its ${name} ${n} is not ${min} to ${max}`);
      };
      range('Timeout', p.Timeout, 1, 900);
      range('MemorySize', p.MemorySize, 128, 10240);
      range('EphemeralStorage.Size', p.EphemeralStorage?.Size, 512, 10240);
      range('ReservedConcurrentExecutions', p.ReservedConcurrentExecutions, 0, Number.MAX_SAFE_INTEGER);
      if (Array.isArray(p.Layers) && p.Layers.length > 5) messages.push(`it has ${p.Layers.length} layers; Lambda allows 5`);
      const variables = p.Environment?.Variables;
      if (variables !== undefined) {
        const size = environmentSize(template, variables);
        if (size > ENVIRONMENT_LIMIT) messages.push(`its environment variables take ${size} bytes (unresolved values counted as ${UNRESOLVED_LENGTH}); Lambda allows ${ENVIRONMENT_LIMIT}`);
      }
      if (typeof p.Description === 'string' && p.Description.length > 256) messages.push(`its Description has ${p.Description.length} characters; Lambda allows 256`);
      if (typeof p.FunctionName === 'string' && !/^[a-zA-Z0-9-_]{1,64}$/.test(p.FunctionName)) {
        messages.push(`its FunctionName ${JSON.stringify(p.FunctionName)} is not 1 to 64 letters, digits, - and _`);
      }
      return messages;
    }]));
  },
  failingCases: [
    {
      name: 'a timeout of 901 seconds and 6 layers',
      message: /Timeout 901 is not 1 to 900/,
      build() {
        const { template, logicalId } = goodFunction();
        const props = template.Resources[logicalId].Properties as any;
        props.Timeout = 901;
        props.Layers = [1, 2, 3, 4, 5, 6].map((n) => `arn:aws:lambda:us-east-1:123456789012:layer:layer${n}:1`);
        return { template, logicalId };
      },
    },
    {
      name: 'environment variables over 4 KB',
      message: /environment variables take 41\d\d bytes/,
      build() {
        const { template, logicalId } = goodFunction();
        (template.Resources[logicalId].Properties as any).Environment = { Variables: { SETTINGS: 'x'.repeat(4100) } };
        return { template, logicalId };
      },
    },
  ],
};
