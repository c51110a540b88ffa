import { PrivateLinkConfig } from '../../src';
import { CONFIG_JSON } from '../support/privatelink';

describe('PrivateLinkConfig.fromJson', () => {
  test('reads every host name of a real config, once each, and keeps the keys it ignores', () => {
    const config = PrivateLinkConfig.fromJson(CONFIG_JSON);
    expect(config.endpointServiceName).toBe('com.amazonaws.vpce.us-east-1.vpce-svc-0a1b2c3d4e5f67890');
    expect(config.region).toBe('us-east-1');
    expect(config.accountUrl).toBe('xy12345.us-east-1.privatelink.snowflakecomputing.com');
    expect(config.accountName).toBe('xy12345.us-east-1.privatelink');
    expect(config.hostnames).toEqual([
      'xy12345.us-east-1.privatelink.snowflakecomputing.com',
      'ocsp.xy12345.us-east-1.privatelink.snowflakecomputing.com', // from "privatelink_ocsp-url"
      'myorg-myaccount.privatelink.snowflakecomputing.com',
      'ocsp.myorg-myaccount.privatelink.snowflakecomputing.com',
      'app.us-east-1.privatelink.snowflakecomputing.com',
      'app-myorg-myaccount.privatelink.snowflakecomputing.com',
      'myorg-loaders.privatelink.snowflakecomputing.com', // "...:443" in the config: the port is not part of the name
      'ocsp.myorg-loaders.privatelink.snowflakecomputing.com', // "...:80"
      'xy12345-us-east-1.privatelink.snowflakecomputing.com', // privatelink-dashed-urls-for-duo
    ]);
    expect(config.appServiceHostnames).toEqual(['*.myorg-myaccount.privatelink.snowflake.app']);
    expect(config.ignoredKeys).toEqual(['privatelink-account-principal', 'privatelink-internal-stage']);
  });

  test.each([
    ['myorg-loaders.privatelink.snowflakecomputing.com:443', 'myorg-loaders.privatelink.snowflakecomputing.com'],
    ['ocsp.myorg-loaders.privatelink.snowflakecomputing.com:80', 'ocsp.myorg-loaders.privatelink.snowflakecomputing.com'],
    ['https://myorg-loaders.privatelink.snowflakecomputing.com:443/', 'myorg-loaders.privatelink.snowflakecomputing.com'],
    ['myorg-loaders.privatelink.snowflakecomputing.com.:443', 'myorg-loaders.privatelink.snowflakecomputing.com'],
  ])('a connection URL with its port, %s, is recorded as %s', (url, host) => {
    const json = { ...JSON.parse(CONFIG_JSON), 'privatelink-connection-urls': JSON.stringify([url]) };
    expect(PrivateLinkConfig.fromJson(JSON.stringify(json)).hostnames).toContain(host);
  });

  test.each([
    ['a port that is not a number', 'myorg-loaders.privatelink.snowflakecomputing.com:https'],
    ['port 0', 'myorg-loaders.privatelink.snowflakecomputing.com:0'],
    ['a port above 65535', 'myorg-loaders.privatelink.snowflakecomputing.com:65536'],
    ['two ports', 'myorg-loaders.privatelink.snowflakecomputing.com:443:443'],
    ['a path after the port', 'myorg-loaders.privatelink.snowflakecomputing.com:443/session'],
    ['a port on a public host', 'myorg-loaders.snowflakecomputing.com:443'],
  ])('(failing case) refuses %s, naming the key and the form it takes', (_case, url) => {
    const json = { ...JSON.parse(CONFIG_JSON), 'privatelink-connection-urls': JSON.stringify([url]) };
    expect(() => PrivateLinkConfig.fromJson(JSON.stringify(json))).toThrow(
      `PrivateLinkConfig.fromJson: privatelink-connection-urls[0] (connectionUrls) ${JSON.stringify(url)} is not a host name ending in `
      + '.privatelink.snowflakecomputing.com (with an optional :port from 1 to 65535).');
  });

  test('the app-service wildcard, and its per-account successor, go in their own zone\'s list', () => {
    const json = { ...JSON.parse(CONFIG_JSON), 'app-service-privatelink-url-next': '*.myorg-myaccount.us-east-1.aws.privatelink.snowflake.app' };
    const config = PrivateLinkConfig.fromJson(JSON.stringify(json));
    expect(config.appServiceHostnames).toEqual(['*.myorg-myaccount.privatelink.snowflake.app', '*.myorg-myaccount.us-east-1.aws.privatelink.snowflake.app']);
    expect(config.hostnames.filter((h) => h.includes('snowflake.app'))).toEqual([]);
  });

  test.each([
    ['no wildcard', 'myorg-myaccount.privatelink.snowflake.app'],
    ['the zone itself', '*.privatelink.snowflake.app'],
    ['the other zone', '*.myorg-myaccount.privatelink.snowflakecomputing.com'],
    ['a wildcard inside', 'a.*.privatelink.snowflake.app'],
  ])('(failing case) refuses an app-service URL with %s', (_case, url) => {
    const json = { ...JSON.parse(CONFIG_JSON), 'app-service-privatelink-url': url };
    expect(() => PrivateLinkConfig.fromJson(JSON.stringify(json))).toThrow(
      `PrivateLinkConfig.fromJson: app-service-privatelink-url (appServiceUrl) ${JSON.stringify(url)} is not a wildcard host name *.<identifier>.privatelink.snowflake.app.`);
  });

  test('accepts the other spelling of the OCSP key', () => {
    const json = JSON.parse(CONFIG_JSON);
    json['privatelink-ocsp-url'] = json['privatelink_ocsp-url'];
    delete json['privatelink_ocsp-url'];
    expect(PrivateLinkConfig.fromJson(JSON.stringify(json)).hostnames).toContain('ocsp.xy12345.us-east-1.privatelink.snowflakecomputing.com');
  });

  test.each([
    ['"[]"', '[]', []],
    ['an empty string', '', []],
    ['a JSON list in a string', '["a.privatelink.snowflakecomputing.com","b.privatelink.snowflakecomputing.com"]', ['a', 'b']],
    ['a comma-separated string', 'a.privatelink.snowflakecomputing.com, b.privatelink.snowflakecomputing.com', ['a', 'b']],
    ['a JSON array', ['a.privatelink.snowflakecomputing.com'], ['a']],
  ])('reads the list-valued keys from %s', (_form, value, labels) => {
    const json = { ...JSON.parse(CONFIG_JSON), 'privatelink-connection-urls': value, 'privatelink-connection-ocsp-urls': '[]' };
    const config = PrivateLinkConfig.fromJson(JSON.stringify(json));
    const connection = config.hostnames.filter((h) => /^[ab]\./.test(h));
    expect(connection).toEqual((labels as string[]).map((l) => `${l}.privatelink.snowflakecomputing.com`));
    expect(config.hostnames).not.toContain('ocsp.myorg-loaders.privatelink.snowflakecomputing.com');
  });

  test('the same host name under two keys gets one record; case, a scheme and a trailing dot do not make it another', () => {
    const json = {
      ...JSON.parse(CONFIG_JSON),
      'privatelink-connection-urls': '["HTTPS://XY12345.us-east-1.privatelink.snowflakecomputing.com/", "myorg-myaccount.privatelink.snowflakecomputing.com."]',
    };
    const hosts = PrivateLinkConfig.fromJson(JSON.stringify(json)).hostnames;
    expect(hosts.filter((h) => h === 'xy12345.us-east-1.privatelink.snowflakecomputing.com')).toHaveLength(1);
    expect(hosts.filter((h) => h === 'myorg-myaccount.privatelink.snowflakecomputing.com')).toHaveLength(1);
  });

  test.each([
    ['an array', '[1, 2]', /expected a JSON object, not an array/],
    ['a string', '"privatelink"', /expected a JSON object, not a string/],
    ['null', 'null', /expected a JSON object, not null/],
    ['not JSON at all', 'privatelink-vpce-id: com.amazonaws...', /the text is not JSON .*Paste the whole value/],
    ['no endpoint service', JSON.stringify({ 'privatelink-account-url': 'xy12345.us-east-1.privatelink.snowflakecomputing.com' }), /"privatelink-vpce-id" is missing/],
    ['a list that is not one', JSON.stringify({ ...JSON.parse(CONFIG_JSON), 'privatelink-connection-urls': '[oops' }), /"privatelink-connection-urls" holds "\[oops"/],
    ['a number for a host', JSON.stringify({ ...JSON.parse(CONFIG_JSON), 'privatelink-account-url': 42 }), /"privatelink-account-url" must be a string, not 42/],
  ])('(failing case) refuses %s, saying what to paste', (_case, json, message) => {
    expect(() => PrivateLinkConfig.fromJson(json)).toThrow(message);
  });

  test.each([
    ['a public host', 'xy12345.us-east-1.snowflakecomputing.com'],
    ['another domain', 'xy12345.privatelink.example.com'],
    ['the zone itself', 'privatelink.snowflakecomputing.com'],
    ['a host with a path inside', 'xy/12345.privatelink.snowflakecomputing.com'],
  ])('(failing case) refuses %s, naming the key', (_case, host) => {
    const json = { ...JSON.parse(CONFIG_JSON), 'regionless-privatelink-ocsp-url': host };
    expect(() => PrivateLinkConfig.fromJson(JSON.stringify(json))).toThrow(
      `PrivateLinkConfig.fromJson: regionless-privatelink-ocsp-url (regionlessOcspUrl) ${JSON.stringify(host)} is not a host name ending in .privatelink.snowflakecomputing.com (with an optional :port from 1 to 65535). Use the values`);
  });

  test.each([
    'com.amazonaws.us-east-1.vpce-svc-0a1b2c3d4e5f67890',
    'com.amazonaws.vpce.us-east-1.0a1b2c3d4e5f67890',
    'vpce-svc-0a1b2c3d4e5f67890',
    'com.amazonaws.vpce.us-east-1.vpce-svc-XYZ',
  ])('(failing case) refuses the service name %s', (service) => {
    const json = { ...JSON.parse(CONFIG_JSON), 'privatelink-vpce-id': service };
    expect(() => PrivateLinkConfig.fromJson(JSON.stringify(json))).toThrow(/privatelink-vpce-id \(endpointServiceName\) .* is not an endpoint service name. It must look like com\.amazonaws\.vpce\.us-east-1\.vpce-svc-/);
  });
});

describe('PrivateLinkConfig.fromValues', () => {
  test('takes the same values typed by hand, with the same checks', () => {
    const config = PrivateLinkConfig.fromValues({
      endpointServiceName: 'com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0',
      accountUrl: 'ab12345.eu-west-1.privatelink.snowflakecomputing.com',
      ocspUrl: 'ocsp.ab12345.eu-west-1.privatelink.snowflakecomputing.com',
    });
    expect(config.region).toBe('eu-west-1');
    expect(config.hostnames).toHaveLength(2);
    expect(config.ignoredKeys).toEqual([]);
    expect(() => PrivateLinkConfig.fromValues({ endpointServiceName: config.endpointServiceName, accountUrl: 'ab12345.eu-west-1.snowflakecomputing.com' }))
      .toThrow(/^PrivateLinkConfig\.fromValues: privatelink-account-url \(accountUrl\) "ab12345\.eu-west-1\.snowflakecomputing\.com" is not a host name ending in/);
  });
});
