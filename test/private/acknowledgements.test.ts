/**
 * acknowledgeRules: finding-level ids where aws-cdk-lib takes them, the whole rule where an older
 * aws-cdk-lib (2.263, what Maven Central serves) refuses them; any other refusal still fails.
 */
import { App, Stack, Validations } from 'aws-cdk-lib';
import { acknowledgeRules } from '../../src/private/acknowledgements';

const FINDING = 'AwsSolutions::AwsSolutions-IAM5[Resource::*]';

function acknowledgedOn(stack: Stack): Record<string, string> {
  return Object.assign({}, ...stack.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).map((m) => m.data));
}

afterEach(() => jest.restoreAllMocks());

test('the installed aws-cdk-lib takes a finding-level id as it is', () => {
  const stack = new Stack(new App(), 'S');
  acknowledgeRules(stack, [FINDING], 'why');
  expect(Object.keys(acknowledgedOn(stack))).toEqual([FINDING]);
});

test('an aws-cdk-lib that refuses it gets the whole rule, on the same construct, with the reason', () => {
  const original = Validations.prototype.acknowledge;
  jest.spyOn(Validations.prototype, 'acknowledge').mockImplementation(function (this: Validations, ...rules) {
    if (rules.some((r) => r.id.split('::').length > 2)) throw new Error('«InvalidValidationId» Invalid validation rule ID');
    return original.apply(this, rules);
  });
  const stack = new Stack(new App(), 'S');
  acknowledgeRules(stack, [FINDING, 'NIST.800.53.R5::NIST.800.53.R5-LambdaDLQ'], 'why');
  expect(acknowledgedOn(stack)).toEqual({ 'AwsSolutions::AwsSolutions-IAM5': 'why', 'NIST.800.53.R5::NIST.800.53.R5-LambdaDLQ': 'why' });
});

test('(failing case) a refused plain rule id is not hidden', () => {
  jest.spyOn(Validations.prototype, 'acknowledge').mockImplementation(() => { throw new Error('refused'); });
  expect(() => acknowledgeRules(new Stack(new App(), 'S'), ['AwsSolutions::AwsSolutions-SMG4'], 'why')).toThrow('refused');
});
