import { Duration, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, IConstruct } from 'constructs';
import { ensureAwsServiceEndpoints } from '../network/aws-service-endpoints';
import { snowflakeClientSecurityGroup } from '../network/client-security-group';
import { privateLinkPath } from '../network/network-path';
import type { IPrivateLinkEndpoint } from '../network/privatelink-endpoint';
import { acknowledge } from '../private/acknowledgements';
import { internalFunction } from '../private/internal-function';
import { viaSecretsManager } from '../private/kms-via-secrets-manager';
import { fail } from '../private/validation';
import { HOST_ENV } from '../shared/environment';
import { ROTATION_SECRET_ENV, ROTATION_USER_ENV } from '../shared/pinned-environment';
import { ADMIN_SECRET_ENV, OVERWRITE_ENV, RETIRE_ACTION, RETIRE_ENV } from '../shared/rotation-settings';

/**
 * What the rotation function of one secret needs: plain values, so that this folder never
 * imports the secret's types (the secret composes this construct; docs/architecture.md).
 */
export interface RotationFunctionProps {
  /** The secret to rotate. */
  readonly secretArn: string;
  /** The Snowflake user it holds the key of: the function rotates this user only. */
  readonly user: string;
  readonly encryptionKey?: kms.IKey;
  readonly region: string;
  /** The rotator's secret, which the function reads. The caller grants that read (at AWSCURRENT only). */
  readonly adminSecretArn: string;
  /** How often to rotate (`rotation.schedule`). */
  readonly schedule: Duration;
  /** When the previous key is retired, encoded by src/shared/rotation-settings.ts (`RetireOldKey._setting`). */
  readonly retireSetting: string;
  /** With a grace period (`RetireOldKey.after`): its length. */
  readonly retireGracePeriod?: Duration;
  readonly overwriteUnknownKeys?: boolean;
  readonly rotateImmediately?: boolean;
  readonly privateLink?: IPrivateLinkEndpoint;
  readonly vpcSubnets?: ec2.SubnetSelection;
  readonly addAwsServiceEndpoints?: boolean;
}

/**
 * The pre-bundled rotation function of one secret, its least-privilege role, Secrets Manager's
 * permission to invoke it (for this secret only) and the rotation schedule. Not exported.
 */
export class RotationFunction extends Construct {
  public readonly function: lambda.Function;
  public readonly role: iam.Role;
  /** The rotation schedule: Secrets Manager may invoke the function as soon as it exists. */
  public readonly schedule: secretsmanager.CfnRotationSchedule;

  constructor(scope: Construct, id: string, props: RotationFunctionProps) {
    super(scope, id);
    const schedule = props.schedule;
    validate(this, schedule, props.retireGracePeriod);
    if (!props.privateLink && (props.vpcSubnets || props.addAwsServiceEndpoints)) {
      fail(this, `rotation.${props.vpcSubnets ? 'vpcSubnets' : 'addAwsServiceEndpoints'} is set without rotation.privateLink: `
        + 'the rotation function runs in a VPC only to reach Snowflake through PrivateLink. Give privateLink too, or remove it.');
    }

    // Through PrivateLink: in the endpoint's VPC, egress to 443 and 80 (OCSP) only.
    const vpc = props.privateLink?.vpc;
    const securityGroup = vpc && snowflakeClientSecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: 'cdk-snowflake-keypair rotation function: HTTPS (and OCSP) egress only',
      httpsDescription: 'HTTPS to Secrets Manager',
      ocsp: true,
      privateLink: props.privateLink,
      awsServices: ['secretsmanager'],
      addAwsServiceEndpoints: props.addAwsServiceEndpoints ?? false,
    });

    const created = internalFunction(this, {
      asset: 'rotation',
      handler: 'index.handler',
      description: 'Rotates a Snowflake key pair: new key in the free slot, tested, then made current (cdk-snowflake-keypair)',
      roleDescription: 'Rotates one Snowflake key-pair secret (cdk-snowflake-keypair): that secret and the rotator\'s secret only',
      memorySize: 512,
      timeout: Duration.minutes(2),
      environment: {
        [ADMIN_SECRET_ENV]: props.adminSecretArn,
        // Pinned: the function refuses any other secret, and a secret naming another user.
        [ROTATION_SECRET_ENV]: props.secretArn,
        [ROTATION_USER_ENV]: props.user,
        [RETIRE_ENV]: props.retireSetting,
        ...(props.overwriteUnknownKeys ? { [OVERWRITE_ENV]: 'true' } : {}),
        ...(props.privateLink ? { [HOST_ENV]: props.privateLink.accountHost } : {}),
      },
      vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: securityGroup ? [securityGroup] : undefined,
      // The secret's customer-managed key, when it has one, encrypts its rotation's logs too.
      logEncryptionKey: props.encryptionKey,
    });
    this.role = created.role;
    this.function = created.function;
    acknowledge(this.function, vpc ? 'rotationFunctionInVpc' : 'rotationFunction');
    // What the schedule's first invocation (Secrets Manager's test at deploy) must wait for.
    const networkPath: IConstruct[] = [];
    if (vpc) {
      props.privateLink!.allowFrom(this.function);
      networkPath.push(...privateLinkPath(props.privateLink!));
      if (props.addAwsServiceEndpoints) {
        const endpoints = ensureAwsServiceEndpoints(this, vpc, props.vpcSubnets, ['secretsmanager']);
        for (const endpoint of endpoints.interfaceEndpoints) endpoint.connections.allowDefaultPortFrom(this.function);
        networkPath.push(...endpoints.networkPath);
      }
    }
    if (!props.encryptionKey) acknowledge(created.logGroup, 'rotationLogGroup');

    // What the four steps call, on this secret only, but PutSecretValue (and its kms:GenerateDataKey):
    // the secret grants that with grantWrite, before the schedule.
    const policy = new iam.Policy(this, 'Policy', {
      roles: [this.role],
      statements: [new iam.PolicyStatement({
        actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
        resources: [props.secretArn],
      })],
    });
    if (props.encryptionKey) {
      policy.addStatements(new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [props.encryptionKey.keyArn],
        conditions: viaSecretsManager(props.region, props.secretArn),
      }));
    }
    acknowledge(policy, 'inlinePolicy');
    this.function.node.addDependency(policy);

    // Secrets Manager may invoke it for this secret only.
    const permission = new lambda.CfnPermission(this, 'InvokedBySecretsManager', {
      action: 'lambda:InvokeFunction',
      functionName: this.function.functionArn,
      principal: 'secretsmanager.amazonaws.com',
      sourceArn: props.secretArn,
    });

    const rotation = this.schedule = new secretsmanager.CfnRotationSchedule(this, 'Schedule', {
      secretId: props.secretArn,
      rotationLambdaArn: this.function.functionArn,
      rotationRules: { scheduleExpression: events.Schedule.rate(schedule).expressionString },
      rotateImmediatelyOnUpdate: props.rotateImmediately ?? false,
    });
    rotation.node.addDependency(permission);
    rotation.node.addDependency(policy);
    rotation.node.addDependency(...networkPath);

    if (props.retireGracePeriod) {
      const retireRule = new events.Rule(this, 'RetireOldKey', {
        description: 'Retires the previous Snowflake key once its grace period is over (cdk-snowflake-keypair)',
        schedule: events.Schedule.rate(Duration.hours(1)),
        targets: [new targets.LambdaFunction(this.function, {
          // The schedule's own time is the check's clock: the grace period is measured against it.
          event: events.RuleTargetInput.fromObject({ action: RETIRE_ACTION, SecretId: props.secretArn, time: events.EventField.time }),
          retryAttempts: 2,
        })],
      });
      acknowledge(retireRule, 'retireSchedule');
    }
  }
}

function validate(scope: Construct, schedule: Duration, grace: Duration | undefined): void {
  if (!Token.isUnresolved(schedule.toSeconds())) {
    if (schedule.toSeconds() < Duration.hours(4).toSeconds()) fail(scope, `rotation.schedule is ${schedule.toHumanString()}; Secrets Manager rotates at most every 4 hours.`);
    if (schedule.toSeconds() > Duration.days(1000).toSeconds()) fail(scope, `rotation.schedule is ${schedule.toHumanString()}; Secrets Manager rotates at least every 1,000 days.`);
    if (schedule.toSeconds() % 3600 !== 0) {
      fail(scope, `rotation.schedule is ${schedule.toHumanString()}; Secrets Manager's rate() takes whole hours or days, for example Duration.hours(5).`);
    }
  }
  if (grace && !Token.isUnresolved(grace.toSeconds())) {
    if (grace.toSeconds() < Duration.hours(1).toSeconds()) {
      fail(scope, `rotation.retireOldKey grace period is ${grace.toHumanString()}; it is checked hourly, so give at least 1 hour, or use RetireOldKey.immediately().`);
    }
    if (grace.toSeconds() >= schedule.toSeconds()) {
      fail(scope, `rotation.retireOldKey grace period (${grace.toHumanString()}) is not shorter than rotation.schedule (${schedule.toHumanString()}): `
        + 'the next rotation would reuse the old key\'s slot first. Use RetireOldKey.atNextRotation() for that.');
    }
  }
}
