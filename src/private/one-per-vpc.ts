import { createHash } from 'node:crypto';
import { Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct, IConstruct } from 'constructs';
import { fail } from './validation';

/** What each app made for imported VPCs: `<id> <vpc id>` → the construct and who asked for it. */
const madeForImportedVpcs = new WeakMap<IConstruct, Map<string, { made: Construct; by: Construct }>>();

/** What `onePerVpc` needs to know about the thing a VPC may hold only one of. */
export interface OnePerVpcOptions {
  /** What it is, for the error message ("a private zone privatelink.snowflakecomputing.com"). */
  readonly what: string;
  /** Why a second one would fail the deployment, for the error message. */
  readonly why: string;
  /** What to do instead, for the error message. */
  readonly fix: string;
}

/**
 * Something a VPC may hold only one of (a private zone of a name, an interface endpoint with
 * private DNS for a service), made on first use and shared by every construct that asks:
 *
 * - for a VPC of this app (an `ec2.Vpc`), as the VPC's child `id`, in the VPC's stack, as
 *   `vpc.addInterfaceEndpoint` does: every stack that uses the VPC finds and shares it;
 * - for an imported VPC, in the asking construct's own stack (never under the imported VPC's
 *   construct, which may sit in another stack), once per VPC id in the app. A second stack of the
 *   app that asks for the same VPC id is refused, with `why` and `fix`: the two would collide at
 *   deploy time. Another app cannot be seen from here.
 *
 * Ids are derived from the VPC id (or the VPC construct's path when the id is a token), so they
 * are the same on every machine and run. Not exported from index.ts.
 */
export function onePerVpc<T extends Construct>(
  requester: Construct,
  vpc: ec2.IVpc,
  id: string,
  create: (scope: Construct, id: string) => T,
  options: OnePerVpcOptions,
): T {
  if (vpc.node.defaultChild instanceof ec2.CfnVPC) {
    return (vpc.node.tryFindChild(id) as T | undefined) ?? create(vpc, id);
  }
  const stack = Stack.of(requester);
  const vpcKey = Token.isUnresolved(vpc.vpcId) ? vpc.node.path : vpc.vpcId;
  const perApp = madeForImportedVpcs.get(requester.node.root) ?? new Map<string, { made: Construct; by: Construct }>();
  madeForImportedVpcs.set(requester.node.root, perApp);
  const earlier = perApp.get(`${id} ${vpcKey}`);
  if (earlier && Stack.of(earlier.made) === stack) return earlier.made as T;
  if (earlier) {
    fail(requester, `The imported VPC ${vpcKey} already gets ${options.what} from ${earlier.by.node.path} in stack `
      + `${Stack.of(earlier.made).stackName}, and ${options.why}: a second one in stack ${stack.stackName} would fail the deployment. ${options.fix}`);
  }
  const made = create(stack, `${id}${createHash('sha256').update(vpcKey).digest('hex').slice(0, 8)}`);
  perApp.set(`${id} ${vpcKey}`, { made, by: requester });
  return made;
}
