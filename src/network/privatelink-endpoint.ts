import { Annotations, CfnOutput, Duration, Fn, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct, IConstruct } from 'constructs';
import { AwsServiceEndpoint, ensureAwsServiceEndpoints } from './aws-service-endpoints';
import { APP_SERVICE_ZONE, PRIVATELINK_ZONE, PrivateLinkConfig } from './privatelink-config';
import { onePerVpc } from '../private/one-per-vpc';
import { fail } from '../private/validation';
import { objectNameProblem, quoteIdentifier, quoteLiteral, resolvedName, userNameProblem } from '../shared/snowflake-identifiers';

/**
 * A way a Snowflake user may sign in, as an authentication policy's `AUTHENTICATION_METHODS` names
 * it (https://docs.snowflake.com/en/sql-reference/sql/create-authentication-policy).
 */
export enum SnowflakeAuthenticationMethod {
  /** Key-pair authentication (`'KEYPAIR'`): a function with a `SnowflakeKeyPairSecret`. */
  KEYPAIR = 'KEYPAIR',
  /** Workload identity federation (`'WORKLOAD_IDENTITY'`): a function with `SnowflakeAuthentication.workloadIdentity()`. */
  WORKLOAD_IDENTITY = 'WORKLOAD_IDENTITY',
}

/** The SQL that pins a Snowflake user to this endpoint (emitted as a stack output). */
export interface NetworkPolicySqlOptions {
  /** The Snowflake service user to pin to the endpoint, for example `SVC_LOADER`. */
  readonly user: string;
  /** The database that holds the network rule (network rules are schema objects). */
  readonly database: string;
  /** The schema that holds the network rule. */
  readonly schema: string;
  /**
   * The network rule's name.
   * @default - `<user>_PRIVATELINK`
   */
  readonly ruleName?: string;
  /**
   * The network policy's name.
   * @default - `<user>_PRIVATELINK`
   */
  readonly policyName?: string;
  /**
   * Also emit the SQL of an authentication policy that lets the user sign in with
   * `authenticationMethods` only (by default a key pair: `AUTHENTICATION_METHODS = ('KEYPAIR')`), as
   * the output `AuthenticationPolicySql`: a password or programmatic access token added to the user
   * later cannot be used to sign in.
   * @default true
   */
  readonly keyPairOnly?: boolean;
  /**
   * How the user may sign in, in the authentication policy: a key-pair user
   * `[SnowflakeAuthenticationMethod.KEYPAIR]`, a workload-identity user
   * `[SnowflakeAuthenticationMethod.WORKLOAD_IDENTITY]`, and a user moving from one to the other
   * both, until the key is removed (docs/workload-identity.md). A policy that leaves out the way the
   * user signs in locks it out.
   * @default [SnowflakeAuthenticationMethod.KEYPAIR]
   */
  readonly authenticationMethods?: SnowflakeAuthenticationMethod[];
  /**
   * The authentication policy's name, in `database`.`schema` (authentication policies are schema
   * objects).
   * @default - `<user>_KEYPAIR_ONLY`; `<user>_WORKLOAD_IDENTITY_ONLY` for workload identity only;
   *   `<user>_KEYPAIR_OR_WORKLOAD_IDENTITY` for both
   */
  readonly authenticationPolicyName?: string;
}

/** Properties of a `PrivateLinkEndpoint`. */
export interface PrivateLinkEndpointProps {
  /** The VPC the endpoint goes in: the VPC of the functions that connect through it. */
  readonly vpc: ec2.IVpc;

  /** What `SELECT SYSTEM$GET_PRIVATELINK_CONFIG()` returned: `PrivateLinkConfig.fromJson(...)`. */
  readonly config: PrivateLinkConfig;

  /**
   * The subnets the endpoint's network interfaces go in.
   * @default - the VPC's private subnets (the VPC's default selection)
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * The private hosted zone `privatelink.snowflakecomputing.com` of this VPC. A VPC can have only
   * one, and it must hold the records of every Snowflake account reached from it: pass yours if it
   * exists already (made by hand, by another app, or by a `PrivateLinkEndpoint` in another stack
   * of this app that imports the same VPC: `other.hostedZone`).
   * @default - a zone for the VPC, shared by every `PrivateLinkEndpoint` in it: created beside a
   *   VPC of this app, or in this endpoint's stack for an imported VPC (a second stack of the app
   *   that imports the same VPC id is refused at synth, with what to pass instead)
   */
  readonly hostedZone?: route53.IHostedZone;

  /**
   * Create the wildcard record of `app-service-privatelink-url` (Streamlit, Notebooks and Snowpark
   * Container Services apps) in the private zone `privatelink.snowflake.app`. Only when the config
   * has that key.
   * @default true
   */
  readonly appServiceRecords?: boolean;

  /**
   * The private hosted zone `privatelink.snowflake.app` of this VPC, if it exists already. As for
   * `hostedZone`, a VPC can have only one.
   * @default - a zone created for the VPC (when the config has `app-service-privatelink-url`)
   */
  readonly appServiceHostedZone?: route53.IHostedZone;

  /**
   * The TTL of the CNAME records.
   * @default Duration.minutes(5)
   */
  readonly recordTtl?: Duration;

  /**
   * CIDR ranges let in on 443 and 80 besides the clients you allow with `allowFrom` (for example
   * an on-premises network over a VPN). Each is a warning you can acknowledge; `0.0.0.0/0` and
   * `::/0` are refused.
   * @default - none: only security groups you allow
   */
  readonly allowedCidrs?: string[];

  /**
   * Also add the Secrets Manager and STS interface endpoints and the S3 gateway endpoint, so that
   * functions in isolated subnets (no NAT) read their secret and fetch large results. Added to the
   * VPC once, shared with `SnowflakeConnectorFunction`'s `addAwsServiceEndpoints`.
   * @default false
   */
  readonly addAwsServiceEndpoints?: boolean;

  /**
   * Emit the SQL that pins a Snowflake user to this endpoint (a network rule of type `AWSVPCEID`
   * holding the endpoint's id, a network policy, `ALTER USER ... SET NETWORK_POLICY`) as the
   * output `NetworkPolicySql`, and the SQL that limits the user to key-pair sign-in (an
   * authentication policy with `AUTHENTICATION_METHODS = ('KEYPAIR')`; or to its workload identity,
   * with `authenticationMethods`) as the output `AuthenticationPolicySql`.
   * @default - no output
   */
  readonly networkPolicy?: NetworkPolicySqlOptions;
}

/** A Snowflake PrivateLink endpoint, as functions that connect through it see it. */
export interface IPrivateLinkEndpoint extends IConstruct, ec2.IConnectable {
  /** The VPC of the endpoint. */
  readonly vpc: ec2.IVpc;
  /** The account's PrivateLink host (`privatelink-account-url`): what clients connect to. */
  readonly accountHost: string;
  /** The interface endpoint's id, `vpce-...`. */
  readonly vpcEndpointId: string;
  /**
   * Lets `peer` reach the endpoint on 443 (HTTPS), and on 80 (OCSP) unless `options.ocsp` is false.
   * @param peer the client, such as a function
   * @param options which ports besides 443
   */
  allowFrom(peer: ec2.IConnectable, options?: PrivateLinkAllowFromOptions): void;
}

/** Which ports `IPrivateLinkEndpoint.allowFrom` opens to a client besides 443 (HTTPS). */
export interface PrivateLinkAllowFromOptions {
  /**
   * Also let the client in on port 80, for OCSP. The drivers (snowflake-sdk, JDBC, the Python
   * connector) check Snowflake's certificates through OCSP over plain HTTP
   * (https://docs.snowflake.com/en/user-guide/ocsp), and through PrivateLink they ask the
   * `privatelink-ocsp-url` hosts, which the private zone points at this endpoint. Snowflake lists
   * those hosts, with their ports, for firewalls (`SYSTEM$ALLOWLIST_PRIVATELINK`, types `OCSP_CACHE`
   * and `OCSP_CLIENT_FAILOVER`: https://docs.snowflake.com/en/sql-reference/functions/system_allowlist_privatelink,
   * https://docs.snowflake.com/en/release-notes/bcr-bundles/2023_04/bcr-1111), and
   * `SYSTEM$GET_PRIVATELINK_CONFIG` gives the Client Redirect OCSP URLs as `<host>:80`. A client that asks no
   * OCSP responder, such as `SnowflakeConnectorFunction`'s SQL executor on
   * `SqlExecutorTransport.SQL_API` (Node's `https`), needs 443 only: set `ocsp: false`.
   * @default true
   */
  readonly ocsp?: boolean;
}

/** An existing Snowflake PrivateLink endpoint (created in another stack, or by hand). */
export interface PrivateLinkEndpointAttributes {
  /** The VPC of the endpoint. */
  readonly vpc: ec2.IVpc;
  /** The interface endpoint's id, `vpce-...`. */
  readonly vpcEndpointId: string;
  /** The endpoint's security group, which `allowFrom` adds rules to. */
  readonly securityGroup: ec2.ISecurityGroup;
  /** The account's PrivateLink host (`privatelink-account-url`), which must resolve in the VPC. */
  readonly accountHost: string;
}

/** The id of the warning for keys of the config this library does not use. */
const IGNORED_KEYS_WARNING = 'cdk-snowflake-keypair:privateLinkConfigKeysIgnored';
/** The id of the warning for CIDR ingress. */
const CIDR_WARNING = 'cdk-snowflake-keypair:privateLinkCidrIngress';
const ZONE_ID = 'SnowflakePrivateLinkZone';
const APP_SERVICE_ZONE_ID = 'SnowflakeAppServiceZone';

/** Host names already recorded, per zone, so that two endpoints sharing a zone never duplicate one. */
const recorded = new WeakMap<route53.IHostedZone, Map<string, string>>();

/**
 * Snowflake over AWS PrivateLink: an interface endpoint to the account's endpoint service (private
 * DNS off), a security group that lets in only the clients you allow (443, and 80 for OCSP to the
 * clients that check certificates that way), and a CNAME in the private zone
 * `privatelink.snowflakecomputing.com` for every host name the drivers resolve (account, OCSP,
 * regionless, Snowsight, Client Redirect connection and OCSP URLs).
 *
 * Give it to `SnowflakeConnectorFunction` (`privateLink`), which connects by the PrivateLink
 * host and opens the ports it uses for itself: 443, and 80 unless it is the SQL executor on
 * `SqlExecutorTransport.SQL_API`, which asks no OCSP responder.
 */
export class PrivateLinkEndpoint extends Construct implements IPrivateLinkEndpoint {
  /**
   * An endpoint that exists already, with its zone and records: functions given it connect by
   * its host and are let in on 443, and on 80 (OCSP) unless they ask no OCSP responder (`allowFrom`).
   */
  public static fromPrivateLinkEndpointAttributes(scope: Construct, id: string, attrs: PrivateLinkEndpointAttributes): IPrivateLinkEndpoint {
    const host = attrs.accountHost.trim().toLowerCase();
    if (!Token.isUnresolved(host) && !(host.endsWith(`.${PRIVATELINK_ZONE}`) && host.length > PRIVATELINK_ZONE.length + 1)) {
      throw new Error(`[${scope.node.path}/${id}] accountHost ${JSON.stringify(attrs.accountHost)} is not a host name ending in .${PRIVATELINK_ZONE}. `
        + 'Use privatelink-account-url from SYSTEM$GET_PRIVATELINK_CONFIG().');
    }
    class Imported extends Construct implements IPrivateLinkEndpoint {
      public readonly vpc = attrs.vpc;
      public readonly accountHost = host;
      public readonly vpcEndpointId = attrs.vpcEndpointId;
      public readonly connections = new ec2.Connections({ securityGroups: [attrs.securityGroup], defaultPort: ec2.Port.tcp(443) });
      public allowFrom(peer: ec2.IConnectable, options: PrivateLinkAllowFromOptions = {}): void {
        allowSnowflakePorts(this.connections, peer, options);
      }
    }
    return new Imported(scope, id);
  }

  public readonly vpc: ec2.IVpc;
  public readonly config: PrivateLinkConfig;
  public readonly accountHost: string;
  /** The interface endpoint. */
  public readonly vpcEndpoint: ec2.InterfaceVpcEndpoint;
  public readonly vpcEndpointId: string;
  /** The endpoint's regional DNS name, which every record points at. */
  public readonly endpointDnsName: string;
  /** The endpoint's security group: no ingress except what you allow. */
  public readonly securityGroup: ec2.ISecurityGroup;
  public readonly connections: ec2.Connections;
  /** The private zone `privatelink.snowflakecomputing.com` the records are in. */
  public readonly hostedZone: route53.IHostedZone;
  /**
   * The private zone `privatelink.snowflake.app` of the app-service record, when the config has
   * `app-service-privatelink-url` and `appServiceRecords` is on.
   */
  public readonly appServiceHostedZone?: route53.IHostedZone;
  /** The host names this endpoint added records for, in both zones (those another endpoint in the zone had are skipped). */
  public readonly recordedHostnames: string[];
  /** The network-policy SQL, when `networkPolicy` was given. */
  public readonly networkPolicySql?: string;
  /**
   * The authentication-policy SQL that limits the user to key-pair sign-in (or to the
   * `authenticationMethods` given), when `networkPolicy` was given (unless its `keyPairOnly` is false).
   */
  public readonly authenticationPolicySql?: string;

  private readonly awsEndpoints: ec2.InterfaceVpcEndpoint[] = [];
  /**
   * The AWS service endpoints (and security groups) that `addAwsServiceEndpoints` added, which
   * `allowFrom` opens too: part of a client's network path.
   * @internal
   */
  public readonly _awsServicePath: IConstruct[] = [];
  /**
   * The AWS services whose endpoints `addAwsServiceEndpoints` added: a client given this endpoint
   * reaches them without the internet.
   * @internal
   */
  public readonly _awsServices: AwsServiceEndpoint[] = [];
  /**
   * The user the authentication-policy SQL is for, resolved as Snowflake resolves it, and the
   * methods it allows, when there is such SQL: a function that signs in as that user another way
   * would be locked out by it.
   * @internal
   */
  public readonly _authenticationPolicy?: { readonly user: string; readonly methods: SnowflakeAuthenticationMethod[] };

  constructor(scope: Construct, id: string, props: PrivateLinkEndpointProps) {
    super(scope, id);
    validate(this, props);
    this.vpc = props.vpc;
    this.config = props.config;
    this.accountHost = props.config.accountUrl;

    const ignored = props.config.ignoredKeys;
    if (ignored.length > 0) {
      Annotations.of(this).addWarningV2(IGNORED_KEYS_WARNING,
        `The PrivateLink config has keys this construct does not use, and ignores: ${ignored.join(', ')}. `
        + (ignored.includes('privatelink-internal-stage')
          ? 'Internal stages over PrivateLink (privatelink-internal-stage) need an S3 interface endpoint of their own. ' : '')
        + `Acknowledge this warning once you have checked: Annotations.of(endpoint).acknowledgeWarning('${IGNORED_KEYS_WARNING}').`);
    }

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `Snowflake PrivateLink (${props.config.accountUrl}): HTTPS and OCSP from allowed clients only`,
      allowAllOutbound: false,
    });
    this.connections = new ec2.Connections({ securityGroups: [this.securityGroup], defaultPort: ec2.Port.tcp(443) });
    for (const cidr of props.allowedCidrs ?? []) {
      const peer = cidr.includes(':') ? ec2.Peer.ipv6(cidr) : ec2.Peer.ipv4(cidr);
      this.securityGroup.addIngressRule(peer, ec2.Port.tcp(443), `HTTPS to Snowflake from ${cidr}`);
      this.securityGroup.addIngressRule(peer, ec2.Port.tcp(80), `OCSP from ${cidr}`);
    }
    if (props.allowedCidrs && props.allowedCidrs.length > 0) {
      Annotations.of(this).addWarningV2(CIDR_WARNING,
        `allowedCidrs lets ${props.allowedCidrs.join(', ')} reach Snowflake through this endpoint on 443 and 80, whatever their `
        + 'security group. Prefer allowFrom(client) for clients in AWS. Acknowledge this warning if the ranges are meant: '
        + `Annotations.of(endpoint).acknowledgeWarning('${CIDR_WARNING}').`);
    }

    this.vpcEndpoint = new ec2.InterfaceVpcEndpoint(this, 'Endpoint', {
      vpc: props.vpc,
      service: new ec2.InterfaceVpcEndpointService(props.config.endpointServiceName, 443),
      subnets: props.vpcSubnets,
      // Snowflake's service has no private DNS name: the zone below holds the names instead.
      privateDnsEnabled: false,
      securityGroups: [this.securityGroup],
      open: false,
    });
    this.vpcEndpointId = this.vpcEndpoint.vpcEndpointId;
    // DnsEntries: "<zone id>:<name>", the regional name first.
    this.endpointDnsName = Fn.select(1, Fn.split(':', Fn.select(0, this.vpcEndpoint.vpcEndpointDnsEntries)));

    const ttl = props.recordTtl ?? Duration.minutes(5);
    this.hostedZone = props.hostedZone ?? zoneFor(this, props.vpc, PRIVATELINK_ZONE, ZONE_ID, 'hostedZone');
    this.recordedHostnames = this.addRecords(this.hostedZone, props.config.hostnames, ttl);
    const apps = props.appServiceRecords ?? true ? props.config.appServiceHostnames : [];
    if (apps.length > 0) {
      this.appServiceHostedZone = props.appServiceHostedZone ?? zoneFor(this, props.vpc, APP_SERVICE_ZONE, APP_SERVICE_ZONE_ID, 'appServiceHostedZone');
      this.recordedHostnames.push(...this.addRecords(this.appServiceHostedZone, apps, ttl));
    }

    if (props.addAwsServiceEndpoints) {
      const services: AwsServiceEndpoint[] = ['secretsmanager', 'sts', 's3'];
      const endpoints = ensureAwsServiceEndpoints(this, props.vpc, props.vpcSubnets, services);
      this._awsServices.push(...services);
      this.awsEndpoints.push(...endpoints.interfaceEndpoints);
      this._awsServicePath.push(...endpoints.networkPath);
    }

    if (props.networkPolicy) {
      this.networkPolicySql = networkPolicySql(props.networkPolicy, this.vpcEndpointId);
      new CfnOutput(this, 'NetworkPolicySql', {
        description: `SQL that lets ${props.networkPolicy.user} sign in only through this PrivateLink endpoint`,
        value: this.networkPolicySql,
      });
      if (props.networkPolicy.keyPairOnly ?? true) {
        this.authenticationPolicySql = authenticationPolicySql(props.networkPolicy);
        this._authenticationPolicy = { user: resolvedName(props.networkPolicy.user), methods: methodsOf(props.networkPolicy) };
        new CfnOutput(this, 'AuthenticationPolicySql', {
          description: `SQL that lets ${props.networkPolicy.user} sign in with ${methodsOf(props.networkPolicy).map((m) => METHOD_WORDS[m].name).join(' or ')} only`,
          value: this.authenticationPolicySql,
        });
      }
    }
  }

  /** A CNAME to the endpoint for each host name the zone does not have yet; returns those added. */
  private addRecords(zone: route53.IHostedZone, hostnames: string[], ttl: Duration): string[] {
    const taken = recorded.get(zone) ?? new Map<string, string>();
    recorded.set(zone, taken);
    const added: string[] = [];
    for (const hostname of hostnames) {
      const owner = taken.get(hostname);
      if (owner !== undefined) {
        Annotations.of(this).addInfo(`${hostname} already has a record in the zone (from ${owner}); not added again.`);
        continue;
      }
      taken.set(hostname, this.node.path);
      new route53.CnameRecord(this, hostname, {
        zone,
        recordName: `${hostname}.`,
        domainName: this.endpointDnsName,
        ttl,
      });
      added.push(hostname);
    }
    return added;
  }

  /**
   * Lets `peer` reach Snowflake through the endpoint: 443 (HTTPS), and 80 (OCSP) unless
   * `options.ocsp` is false. With `addAwsServiceEndpoints`, also the Secrets Manager and STS
   * endpoints on 443.
   * @param peer the client, such as a function
   * @param options which ports besides 443
   */
  public allowFrom(peer: ec2.IConnectable, options: PrivateLinkAllowFromOptions = {}): void {
    allowSnowflakePorts(this.connections, peer, options);
    for (const endpoint of this.awsEndpoints) endpoint.connections.allowDefaultPortFrom(peer, 'Reads the Snowflake secret (AWS API)');
  }
}

/**
 * 443 (HTTPS) from `peer`, and 80 (OCSP) unless `options.ocsp` is false: the two ports the drivers
 * use through the endpoint (see `PrivateLinkAllowFromOptions.ocsp` for Snowflake's list of them).
 */
function allowSnowflakePorts(connections: ec2.Connections, peer: ec2.IConnectable, options: PrivateLinkAllowFromOptions): void {
  connections.allowFrom(peer, ec2.Port.tcp(443), 'HTTPS to Snowflake over PrivateLink');
  if (options.ocsp ?? true) connections.allowFrom(peer, ec2.Port.tcp(80), 'OCSP over PrivateLink');
}

/**
 * The VPC's private zone `zoneName`, made once per VPC and shared by every endpoint in it
 * (`onePerVpc`). Route 53 associates a VPC with only one private zone of a name, and a second one
 * fails the deployment (ConflictingDomainExists:
 * https://docs.aws.amazon.com/Route53/latest/APIReference/API_CreateHostedZone.html).
 */
function zoneFor(endpoint: Construct, vpc: ec2.IVpc, zoneName: string, id: string, prop: string): route53.IHostedZone {
  const comment = zoneName === PRIVATELINK_ZONE
    ? 'Snowflake PrivateLink host names (cdk-snowflake-keypair); one zone per VPC, for every Snowflake account'
    : `Snowflake app services over PrivateLink (cdk-snowflake-keypair); one ${zoneName} zone per VPC, for every Snowflake account`;
  return onePerVpc(endpoint, vpc, id, (scope, zoneId) => new route53.PrivateHostedZone(scope, zoneId, { zoneName, vpc, comment }), {
    what: `a private zone ${zoneName}`,
    why: 'Route 53 associates a VPC with only one private zone of a name',
    fix: `Pass that zone: ${prop}: <that endpoint>.${prop} (or import a zone made elsewhere with route53.HostedZone.fromHostedZoneAttributes).`,
  });
}

function networkPolicySql(options: NetworkPolicySqlOptions, endpointId: string): string {
  const fallback = `${options.user}_PRIVATELINK`;
  const rule = [options.database, options.schema, options.ruleName ?? fallback].map(quoteIdentifier).join('.');
  const policy = quoteIdentifier(options.policyName ?? fallback);
  return [
    `CREATE NETWORK RULE IF NOT EXISTS ${rule} MODE = INGRESS TYPE = AWSVPCEID VALUE_LIST = ('${endpointId}');`,
    `CREATE NETWORK POLICY IF NOT EXISTS ${policy} ALLOWED_NETWORK_RULE_LIST = (${quoteLiteral(rule)});`,
    `ALTER USER ${quoteIdentifier(options.user)} SET NETWORK_POLICY = ${policy};`,
  ].join(' ');
}

/** How each method is named in a policy's default name, its comment and the output's description. */
const METHOD_WORDS: Record<SnowflakeAuthenticationMethod, { id: string; comment: string; name: string }> = {
  [SnowflakeAuthenticationMethod.KEYPAIR]: { id: 'KEYPAIR', comment: 'Key-pair', name: 'a key pair' },
  [SnowflakeAuthenticationMethod.WORKLOAD_IDENTITY]: { id: 'WORKLOAD_IDENTITY', comment: 'workload-identity', name: 'its workload identity' },
};

/** The methods of the policy, once each, in the enum's order (so the SQL is the same whatever order they were given in). */
function methodsOf(options: NetworkPolicySqlOptions): SnowflakeAuthenticationMethod[] {
  const given = options.authenticationMethods ?? [SnowflakeAuthenticationMethod.KEYPAIR];
  return Object.values(SnowflakeAuthenticationMethod).filter((m) => given.includes(m));
}

/**
 * An authentication policy that allows key-pair sign-in only (or the methods given), set on the
 * user. Syntax: https://docs.snowflake.com/en/sql-reference/sql/create-authentication-policy (a
 * schema object; `AUTHENTICATION_METHODS` takes 'KEYPAIR' and 'WORKLOAD_IDENTITY' among 'ALL',
 * 'SAML', 'PASSWORD', 'OAUTH', 'PROGRAMMATIC_ACCESS_TOKEN'; a user whose policy leaves out the way
 * it signs in cannot sign in) and https://docs.snowflake.com/en/sql-reference/sql/alter-user
 * (`SET AUTHENTICATION POLICY <name>`; a user holds one authentication policy, so a user that has
 * one already must have it unset first). The key-pair policy is the one this function always made.
 */
function authenticationPolicySql(options: NetworkPolicySqlOptions): string {
  const methods = methodsOf(options);
  const fallback = methods.length === 1 ? `${options.user}_${METHOD_WORDS[methods[0]].id}_ONLY` : `${options.user}_${methods.map((m) => METHOD_WORDS[m].id).join('_OR_')}`;
  const policy = [options.database, options.schema, options.authenticationPolicyName ?? fallback].map(quoteIdentifier).join('.');
  const comment = `${methods.map((m) => METHOD_WORDS[m].comment).join(' or ')} sign-in only (cdk-snowflake-keypair)`;
  return [
    `CREATE AUTHENTICATION POLICY IF NOT EXISTS ${policy} AUTHENTICATION_METHODS = (${methods.map((m) => quoteLiteral(m)).join(', ')}) `
      + `COMMENT = ${quoteLiteral(comment.charAt(0).toUpperCase() + comment.slice(1))};`,
    `ALTER USER ${quoteIdentifier(options.user)} SET AUTHENTICATION POLICY ${policy};`,
  ].join(' ');
}

function validate(scope: Construct, props: PrivateLinkEndpointProps): void {
  const region = Stack.of(scope).region;
  if (!Token.isUnresolved(region) && region !== props.config.region) {
    fail(scope, `config's endpoint service ${props.config.endpointServiceName} is in ${props.config.region}, but this stack is in ${region}. `
      + 'An interface endpoint reaches services of its own region only: deploy the endpoint in a stack in '
      + `${props.config.region}, or get the config of a Snowflake account in ${region}.`);
  }
  for (const [prop, zone, expected] of [['hostedZone', props.hostedZone, PRIVATELINK_ZONE], ['appServiceHostedZone', props.appServiceHostedZone, APP_SERVICE_ZONE]] as const) {
    if (!zone) continue;
    let zoneName: string | undefined;
    try {
      zoneName = zone.zoneName;
    } catch {
      zoneName = undefined; // imported by id only: the name is not known
    }
    if (zoneName !== undefined && !Token.isUnresolved(zoneName) && zoneName.replace(/\.$/, '').toLowerCase() !== expected) {
      fail(scope, `${prop} is ${zoneName}, but the records belong in the private zone ${expected}. Pass that zone, or leave ${prop} out to create it.`);
    }
  }
  if (props.appServiceHostedZone && props.appServiceRecords === false) {
    fail(scope, 'appServiceHostedZone is set, but appServiceRecords is false, so no record would go in it. Remove one of them.');
  }
  const ttl = props.recordTtl;
  if (ttl && !ttl.isUnresolved() && (ttl.toSeconds() < 1 || ttl.toSeconds() > 172800)) {
    fail(scope, `recordTtl is ${ttl.toSeconds()} s; Route 53 allows 1 s to 2 days.`);
  }
  for (const cidr of props.allowedCidrs ?? []) {
    if (/^(0\.0\.0\.0\/0|::\/0)$/.test(cidr.trim())) {
      fail(scope, `allowedCidrs holds ${cidr}, which would let any address reach Snowflake through the endpoint. `
        + 'Allow your clients with allowFrom(client), or name the ranges that need it.');
    }
    if (!/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/.test(cidr) && !/^[0-9a-f:]+\/\d{1,3}$/i.test(cidr)) {
      fail(scope, `allowedCidrs holds ${JSON.stringify(cidr)}, which is not a CIDR range such as 10.20.0.0/16.`);
    }
  }
  const policy = props.networkPolicy;
  if (policy) {
    const userProblem = userNameProblem(policy.user);
    if (userProblem) fail(scope, `networkPolicy.user ${JSON.stringify(policy.user)} is not valid: ${userProblem}.`);
    for (const [field, value] of [['database', policy.database], ['schema', policy.schema], ['ruleName', policy.ruleName], ['policyName', policy.policyName],
      ['authenticationPolicyName', policy.authenticationPolicyName]] as const) {
      if (value === undefined) continue;
      const problem = objectNameProblem(value);
      if (problem) fail(scope, `networkPolicy.${field} ${JSON.stringify(value)} is not valid: ${problem}.`);
    }
    const methods = policy.authenticationMethods;
    if (methods !== undefined && methods.length === 0) {
      fail(scope, 'networkPolicy.authenticationMethods is empty: an authentication policy that allows no method locks the user out. '
        + 'Give the way the user signs in: [SnowflakeAuthenticationMethod.KEYPAIR] or [SnowflakeAuthenticationMethod.WORKLOAD_IDENTITY], or leave it out.');
    }
    if (methods !== undefined && policy.keyPairOnly === false) {
      fail(scope, 'networkPolicy.authenticationMethods is set, and keyPairOnly is false, so no authentication policy is emitted for it. '
        + 'Remove keyPairOnly: false to emit the policy, or remove authenticationMethods.');
    }
  }
}
