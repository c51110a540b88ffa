import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { ISnowflakeKeyPairSecret } from './snowflake-keypair-secret-base';
import type { IPrivateLinkEndpoint } from '../network/privatelink-endpoint';
import { encodeRetirePolicy } from '../shared/rotation-settings';

/** When the previous key is removed from the Snowflake user after a rotation. */
export class RetireOldKey {
  /**
   * In finishSecret, right after AWSCURRENT moves. Functions still holding the old key sign in
   * again with the new one (the connector re-reads the secret when a login is rejected), but a
   * session they hold stays valid until it expires.
   */
  public static immediately(): RetireOldKey {
    return new RetireOldKey(encodeRetirePolicy({ kind: 'immediately' }));
  }

  /**
   * At the next rotation, whose new key takes the old key's slot. The old key keeps working for a
   * whole rotation period, and no schedule is needed.
   */
  public static atNextRotation(): RetireOldKey {
    return new RetireOldKey(encodeRetirePolicy({ kind: 'next-rotation' }));
  }

  /**
   * Once AWSCURRENT is `gracePeriod` old. An hourly schedule invokes the rotation function to
   * check, so the key goes within an hour after the period ends.
   *
   * @param gracePeriod at least one hour, and shorter than the rotation schedule
   */
  public static after(gracePeriod: Duration): RetireOldKey {
    return new RetireOldKey(encodeRetirePolicy({ kind: 'after', seconds: gracePeriod.toSeconds() }), gracePeriod);
  }

  private constructor(
    /** @internal */ public readonly _setting: string,
    /** @internal */ public readonly _gracePeriod?: Duration,
  ) {}
}

/** Zero-downtime rotation of a `SnowflakeKeyPairSecret`'s key pair (docs/rotation.md). */
export interface KeyRotationOptions {
  /**
   * The rotator's key-pair secret: a Snowflake user whose role holds only
   * `MODIFY PROGRAMMATIC AUTHENTICATION METHODS` on this secret's user. The rotation function reads
   * it at AWSCURRENT only, and refuses to act when the rotator signs in with ACCOUNTADMIN,
   * SECURITYADMIN, ORGADMIN or USERADMIN. Not the registration's `adminSecret` (refused at synth).
   */
  readonly adminSecret: ISnowflakeKeyPairSecret;

  /**
   * How often to rotate: from 4 hours to 1,000 days.
   * @default Duration.days(30)
   */
  readonly schedule?: Duration;

  /**
   * When the previous key is removed from the user.
   * @default RetireOldKey.atNextRotation()
   */
  readonly retireOldKey?: RetireOldKey;

  /**
   * Overwrite a key slot that holds a key this rotation did not issue (neither the current key
   * nor the previous one). Off, such a rotation stops with an error naming the slot and the
   * fingerprint, and nothing changes.
   * @default false
   */
  readonly overwriteUnknownKeys?: boolean;

  /**
   * Rotate as soon as the schedule is deployed. Off, Secrets Manager only tests the function
   * (testSecret) then, and the first rotation comes with the schedule: time to register the
   * generated key in Snowflake first.
   * @default false
   */
  readonly rotateImmediately?: boolean;

  /**
   * Reach Snowflake through this PrivateLink endpoint: the rotation function runs in its VPC,
   * connects by the PrivateLink account host, and is let in on 443 and 80 (OCSP). Needed when the
   * user is pinned to the endpoint by a network policy, since testSecret signs in as that user.
   * @default - Snowflake's public endpoint (or the secret's `host`)
   */
  readonly privateLink?: IPrivateLinkEndpoint;

  /**
   * With `privateLink`, the subnets the rotation function runs in.
   * @default - the VPC's private subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * With `privateLink`, add a Secrets Manager interface endpoint to the VPC (once per VPC), so
   * that the rotation function reaches Secrets Manager from isolated subnets without NAT.
   * @default false
   */
  readonly addAwsServiceEndpoints?: boolean;
}
