/**
 * Values of `SELECT SYSTEM$GET_PRIVATELINK_CONFIG()`, typed by hand. Use these when you do not
 * paste the JSON (`PrivateLinkConfig.fromJson`).
 */
export interface PrivateLinkConfigProps {
  /**
   * `privatelink-vpce-id`: the Snowflake endpoint service, `com.amazonaws.vpce.<region>.vpce-svc-...`.
   */
  readonly endpointServiceName: string;

  /**
   * `privatelink-account-url`: the account's PrivateLink host, for example
   * `xy12345.us-east-1.privatelink.snowflakecomputing.com`. Clients connect to it.
   */
  readonly accountUrl: string;

  /**
   * `privatelink-ocsp-url` (Snowflake spells it `privatelink_ocsp-url`): the OCSP host for the
   * account URL.
   * @default - no record; the drivers then check certificates through a slower path
   */
  readonly ocspUrl?: string;

  /**
   * `regionless-privatelink-account-url`: the account URL in the `<org>-<account>` form.
   * @default - no record
   */
  readonly regionlessAccountUrl?: string;

  /**
   * `regionless-privatelink-ocsp-url`: the OCSP host for the regionless account URL.
   * @default - no record
   */
  readonly regionlessOcspUrl?: string;

  /**
   * `snowsight-privatelink-url`: Snowsight over PrivateLink.
   * @default - no record
   */
  readonly snowsightUrl?: string;

  /**
   * `regionless-snowsight-privatelink-url`: Snowsight for the organization over PrivateLink.
   * @default - no record
   */
  readonly regionlessSnowsightUrl?: string;

  /**
   * `privatelink-connection-urls`: Client Redirect connection URLs.
   * @default - none
   */
  readonly connectionUrls?: string[];

  /**
   * `privatelink-connection-ocsp-urls`: the OCSP hosts of the connection URLs.
   * @default - none
   */
  readonly connectionOcspUrls?: string[];

  /**
   * `privatelink-dashed-urls-for-duo`: the account URLs with dashes for dots, which Duo
   * multi-factor authentication redirects to.
   * @default - none
   */
  readonly dashedUrls?: string[];

  /**
   * `app-service-privatelink-url`: the wildcard host of Streamlit, Notebooks and Snowpark Container
   * Services apps, `*.<identifier>.privatelink.snowflake.app`.
   * @default - no record in `privatelink.snowflake.app`
   */
  readonly appServiceUrl?: string;

  /**
   * `app-service-privatelink-url-next`: the per-account wildcard host that `appServiceUrl` becomes
   * once the account parameter ENABLE_PER_ACCOUNT_APP_SERVICE_PRIVATELINK_URL is on. Recorded
   * beside it, so the switch needs no DNS change.
   * @default - none
   */
  readonly appServiceUrlNext?: string;

  /**
   * `privatelink-account-name`: the account identifier for PrivateLink clients.
   * @default - not known
   */
  readonly accountName?: string;
}

/** The zone every Snowflake PrivateLink host name lives in. */
export const PRIVATELINK_ZONE = 'privatelink.snowflakecomputing.com';
/**
 * The zone of Snowflake's app services (Streamlit, Notebooks, Snowpark Container Services) over
 * PrivateLink: a wildcard CNAME `*.<identifier>.privatelink.snowflake.app` to the same endpoint
 * (https://docs.snowflake.com/en/developer-guide/streamlit/privatelink).
 */
export const APP_SERVICE_ZONE = 'privatelink.snowflake.app';

const SERVICE_NAME = /^com\.amazonaws\.vpce\.([a-z]{2}(?:-gov)?-[a-z]+-\d)\.vpce-svc-[0-9a-f]{8,17}$/;
const DNS_LABELS = /^[a-z0-9]([a-z0-9_-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9_-]*[a-z0-9])?)*$/;

/** The JSON keys that hold host names, and the props they fill. */
const HOST_KEYS: Record<string, keyof PrivateLinkConfigProps> = {
  'privatelink-account-url': 'accountUrl',
  'privatelink-ocsp-url': 'ocspUrl',
  'privatelink_ocsp-url': 'ocspUrl',
  'regionless-privatelink-account-url': 'regionlessAccountUrl',
  'regionless-privatelink-ocsp-url': 'regionlessOcspUrl',
  'snowsight-privatelink-url': 'snowsightUrl',
  'regionless-snowsight-privatelink-url': 'regionlessSnowsightUrl',
};
const LIST_KEYS: Record<string, keyof PrivateLinkConfigProps> = {
  'privatelink-connection-urls': 'connectionUrls',
  'privatelink-connection-ocsp-urls': 'connectionOcspUrls',
  'privatelink-dashed-urls-for-duo': 'dashedUrls',
};
const APP_SERVICE_KEYS: Record<string, keyof PrivateLinkConfigProps> = {
  'app-service-privatelink-url': 'appServiceUrl',
  'app-service-privatelink-url-next': 'appServiceUrlNext',
};

/**
 * What `PrivateLinkEndpoint` needs from Snowflake: the endpoint service and every host name the
 * drivers resolve. Paste the output of `SELECT SYSTEM$GET_PRIVATELINK_CONFIG()` (run as
 * ACCOUNTADMIN) into `fromJson`, or give the values with `fromValues`.
 */
export class PrivateLinkConfig {
  /**
   * Parses the JSON `SYSTEM$GET_PRIVATELINK_CONFIG()` returns.
   *
   * Both spellings of the OCSP key are accepted (`privatelink-ocsp-url`, and
   * `privatelink_ocsp-url` as Snowflake returns it); the list-valued keys may be JSON arrays,
   * strings holding one (`"[]"`), or comma-separated strings. Keys not used here are kept in
   * `ignoredKeys`, and `PrivateLinkEndpoint` warns about them (acknowledgeably).
   *
   * @param json the function's output, as text
   */
  public static fromJson(json: string): PrivateLinkConfig {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (error) {
      throw new Error(`PrivateLinkConfig.fromJson: the text is not JSON (${(error as Error).message}). `
        + 'Paste the whole value SELECT SYSTEM$GET_PRIVATELINK_CONFIG() returns, starting with `{`.');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error(`PrivateLinkConfig.fromJson: expected a JSON object, not ${Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : `a ${typeof parsed}`}. `
        + 'Paste the value SELECT SYSTEM$GET_PRIVATELINK_CONFIG() returns, an object such as { "privatelink-vpce-id": ..., "privatelink-account-url": ... }.');
    }
    const values: Record<string, unknown> = {};
    const ignored: string[] = [];
    for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
      if (key === 'privatelink-vpce-id') {values.endpointServiceName = textOf(key, value);} else if (key === 'privatelink-account-name') {values.accountName = textOf(key, value);} else if (HOST_KEYS[key]) {
        const text = textOf(key, value);
        if (text !== '') values[HOST_KEYS[key]] = text;
      } else if (APP_SERVICE_KEYS[key]) {
        const text = textOf(key, value);
        if (text !== '') values[APP_SERVICE_KEYS[key]] = text;
      } else if (LIST_KEYS[key]) {values[LIST_KEYS[key]] = listOf(key, value);} else {ignored.push(key);}
    }
    for (const required of ['privatelink-vpce-id', 'privatelink-account-url']) {
      if (!(required in (parsed as object))) {
        throw new Error(`PrivateLinkConfig.fromJson: the key "${required}" is missing. Paste the whole output of SELECT SYSTEM$GET_PRIVATELINK_CONFIG().`);
      }
    }
    return new PrivateLinkConfig(values as unknown as PrivateLinkConfigProps, ignored.sort(), 'fromJson');
  }

  /** The same values, typed by hand. */
  public static fromValues(props: PrivateLinkConfigProps): PrivateLinkConfig {
    return new PrivateLinkConfig(props, [], 'fromValues');
  }

  /** The Snowflake endpoint service (`privatelink-vpce-id`). */
  public readonly endpointServiceName: string;
  /** The region of the endpoint service. */
  public readonly region: string;
  /** The account's PrivateLink host: what clients connect to. */
  public readonly accountUrl: string;
  /** `privatelink-account-name`, when given. */
  public readonly accountName?: string;
  /** Keys of the JSON this library does not use (for example `privatelink-internal-stage`). */
  public readonly ignoredKeys: string[];
  /**
   * Every host name in `privatelink.snowflakecomputing.com` that needs a record, each once, in the
   * order of the config, without ports.
   */
  public readonly hostnames: string[];
  /** The wildcard host names in `privatelink.snowflake.app` (app services) that need a record, each once. */
  public readonly appServiceHostnames: string[];

  private constructor(props: PrivateLinkConfigProps, ignoredKeys: string[], from: string) {
    const where = `PrivateLinkConfig.${from}`;
    const service = String(props.endpointServiceName ?? '').trim();
    const match = SERVICE_NAME.exec(service);
    if (!match) {
      throw new Error(`${where}: privatelink-vpce-id (endpointServiceName) ${JSON.stringify(service)} is not an endpoint service name. `
        + 'It must look like com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0, as SYSTEM$GET_PRIVATELINK_CONFIG() returns it.');
    }
    this.endpointServiceName = service;
    this.region = match[1];
    const host = (field: string, value: string | undefined) => (value === undefined ? undefined : hostOf(where, field, value));
    this.accountUrl = host('privatelink-account-url (accountUrl)', props.accountUrl) ?? hostOf(where, 'privatelink-account-url (accountUrl)', '');
    this.accountName = props.accountName;
    this.ignoredKeys = ignoredKeys;
    const all = [
      this.accountUrl,
      host('privatelink-ocsp-url (ocspUrl)', props.ocspUrl),
      host('regionless-privatelink-account-url (regionlessAccountUrl)', props.regionlessAccountUrl),
      host('regionless-privatelink-ocsp-url (regionlessOcspUrl)', props.regionlessOcspUrl),
      host('snowsight-privatelink-url (snowsightUrl)', props.snowsightUrl),
      host('regionless-snowsight-privatelink-url (regionlessSnowsightUrl)', props.regionlessSnowsightUrl),
      ...(props.connectionUrls ?? []).map((url, i) => host(`privatelink-connection-urls[${i}] (connectionUrls)`, url)),
      ...(props.connectionOcspUrls ?? []).map((url, i) => host(`privatelink-connection-ocsp-urls[${i}] (connectionOcspUrls)`, url)),
      ...(props.dashedUrls ?? []).map((url, i) => host(`privatelink-dashed-urls-for-duo[${i}] (dashedUrls)`, url)),
    ];
    this.hostnames = [...new Set(all.filter((h): h is string => h !== undefined))];
    const apps = [
      props.appServiceUrl === undefined ? undefined : appServiceHostOf(where, 'app-service-privatelink-url (appServiceUrl)', props.appServiceUrl),
      props.appServiceUrlNext === undefined ? undefined : appServiceHostOf(where, 'app-service-privatelink-url-next (appServiceUrlNext)', props.appServiceUrlNext),
    ];
    this.appServiceHostnames = [...new Set(apps.filter((h): h is string => h !== undefined))];
  }
}

function textOf(key: string, value: unknown): string {
  if (typeof value !== 'string') {
    throw new Error(`PrivateLinkConfig.fromJson: "${key}" must be a string, not ${JSON.stringify(value)}.`);
  }
  return value.trim();
}

/** `["a","b"]`, `"[\"a\",\"b\"]"`, `"[]"`, `""` or `"a, b"` → the list. */
function listOf(key: string, value: unknown): string[] {
  let items: unknown = value;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text.startsWith('[')) {
      try {
        items = JSON.parse(text);
      } catch {
        throw new Error(`PrivateLinkConfig.fromJson: "${key}" holds ${JSON.stringify(text)}, which is neither a JSON list nor a comma-separated list of host names.`);
      }
    } else {
      items = text === '' ? [] : text.split(',');
    }
  }
  if (!Array.isArray(items) || items.some((item) => typeof item !== 'string')) {
    throw new Error(`PrivateLinkConfig.fromJson: "${key}" must be a list of host names, not ${JSON.stringify(value)}.`);
  }
  return items.map((item: string) => item.trim()).filter((item) => item !== '');
}

/**
 * `host` or `host:port`, with an optional scheme and trailing slash or dot, lower-cased and without
 * the port. Snowflake returns connection URLs with their port (`...privatelink.snowflakecomputing.com:443`,
 * OCSP ones `:80`); a DNS record names the host only. Returns undefined for anything else.
 */
function bareHost(value: string): string | undefined {
  const match = /^(?:https?:\/\/)?([^/:]+?)\.?(?::(\d{1,5}))?\/*$/i.exec(value.trim());
  if (!match) return undefined;
  if (match[2] !== undefined && !(Number(match[2]) >= 1 && Number(match[2]) <= 65535)) return undefined;
  return match[1].toLowerCase();
}

/** A host name in the PrivateLink zone, lower-cased; a scheme, port or trailing dot is dropped. */
function hostOf(where: string, field: string, value: string): string {
  const host = bareHost(value) ?? '';
  const suffix = `.${PRIVATELINK_ZONE}`;
  if (!host.endsWith(suffix) || host.length <= suffix.length || !DNS_LABELS.test(host) || host.length > 253) {
    throw new Error(`${where}: ${field} ${JSON.stringify(value)} is not a host name ending in .${PRIVATELINK_ZONE} `
      + '(with an optional :port from 1 to 65535). Use the values SYSTEM$GET_PRIVATELINK_CONFIG() returns, for example '
      + 'xy12345.us-east-1.privatelink.snowflakecomputing.com or myorg-myconnection.privatelink.snowflakecomputing.com:443.');
  }
  return host;
}

/** `*.<identifier>.privatelink.snowflake.app`, lower-cased; a scheme, port or trailing dot is dropped. */
function appServiceHostOf(where: string, field: string, value: string): string {
  const host = bareHost(value) ?? '';
  const suffix = `.${APP_SERVICE_ZONE}`;
  const rest = host.startsWith('*.') ? host.slice(2) : '';
  if (!rest.endsWith(suffix) || rest.length <= suffix.length || !DNS_LABELS.test(rest) || host.length > 253) {
    throw new Error(`${where}: ${field} ${JSON.stringify(value)} is not a wildcard host name *.<identifier>.${APP_SERVICE_ZONE}. `
      + 'Use the value SYSTEM$GET_PRIVATELINK_CONFIG() returns, for example *.myorg-myaccount.privatelink.snowflake.app.');
  }
  return host;
}
