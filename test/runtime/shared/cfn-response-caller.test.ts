/**
 * The custom resources' caller check (src/runtime/shared/cfn-response.ts), shared by the
 * key-material and registration functions: which StackIds and ResponseURLs are answered. The
 * bundled functions are run against it end to end in key-material.e2e.test.ts and
 * registration.e2e.test.ts; here, the host forms one by one.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { callerRefusal, LOOPBACK_RESPONSE_URL_ENV, runCustomResource } from '../../../src/runtime/shared/cfn-response';
import { STACK_ID_ENV } from '../../../src/shared/pinned-environment';

const STACK = 'arn:aws:cloudformation:eu-west-1:123456789012:stack/App/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const ENV = { [STACK_ID_ENV]: STACK };
const SIGNED = 'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20261203T000000Z&X-Amz-Expires=7200&X-Amz-Signature=0a1b2c';

function event(responseUrl: string, stackId = STACK): Partial<CloudFormationCustomResourceEvent> {
  return { StackId: stackId, ResponseURL: responseUrl };
}

describe('answered: the S3 endpoint forms CloudFormation\'s pre-signed URLs take', () => {
  test.each([
    // Virtual-hosted, the global endpoint (the form the CloudFormation docs show), SigV2 query.
    'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/arn%3Aaws%3Acloudformation%3Aus-east-1%3A1%3Astack/A/b%7CR%7Cid?AWSAccessKeyId=AKIA&Expires=1&Signature=abc',
    `https://cloudformation-custom-resource-response-euwest1.s3.eu-west-1.amazonaws.com/key?${SIGNED}`,
    `https://cloudformation-custom-resource-response-uswest2.s3-us-west-2.amazonaws.com/key?${SIGNED}`,
    `https://cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com.cn/key?${SIGNED}`,
    `https://cloudformation-custom-resource-response-usgovwest1.s3-fips.us-gov-west-1.amazonaws.com/key?${SIGNED}`,
    `https://bucket.s3.dualstack.ap-southeast-2.amazonaws.com/key?${SIGNED}`,
    // The other partitions' suffixes (the AWS SDK's partitions.json): European Sovereign Cloud, ISO.
    `https://cloudformation-custom-resource-response-euscdeeast1.s3.eusc-de-east-1.amazonaws.eu/key?${SIGNED}`,
    `https://bucket.s3.us-iso-east-1.c2s.ic.gov/key?${SIGNED}`,
    `https://bucket.s3.us-isob-east-1.sc2s.sgov.gov/key?${SIGNED}`,
    // Path style.
    `https://s3.amazonaws.com/cloudformation-custom-resource-response-useast1/key?${SIGNED}`,
    `https://s3-external-1.amazonaws.com/cloudformation-custom-resource-response-useast1/key?${SIGNED}`,
    `https://s3.eu-central-1.amazonaws.com/cloudformation-custom-resource-response-eucentral1/key?${SIGNED}`,
  ])('%s', (url) => {
    expect(callerRefusal(event(url), ENV)).toBeUndefined();
  });
});

describe('refused', () => {
  test.each([
    ['plain http to S3', `http://bucket.s3.amazonaws.com/key?${SIGNED}`, /not https/],
    ['a host that only starts like S3', `https://s3.amazonaws.com.example.net/key?${SIGNED}`, /not an Amazon S3 endpoint/],
    ['a load balancer whose name starts with s3', `https://s3-1234.us-east-1.elb.amazonaws.com/key?${SIGNED}`, /not an Amazon S3 endpoint/],
    ['S3 under a suffix that is no AWS partition', `https://bucket.s3.us-east-1.amazonaws.com.evil/key?${SIGNED}`, /not an Amazon S3 endpoint/],
    ['an S3-like name under a customer domain', `https://s3.us-east-1.example.eu/key?${SIGNED}`, /not an Amazon S3 endpoint/],
    ['an API Gateway host', `https://abc123.execute-api.us-east-1.amazonaws.com/key?${SIGNED}`, /not an Amazon S3 endpoint/],
    ['S3 Object Lambda', `https://ap-123456789012.s3-object-lambda.us-east-1.amazonaws.com/key?${SIGNED}`, /not an Amazon S3 endpoint/],
    ['S3 on another port', `https://bucket.s3.amazonaws.com:8443/key?${SIGNED}`, /not an Amazon S3 endpoint/],
    ['credentials in the URL', `https://user:pw@bucket.s3.amazonaws.com/key?${SIGNED}`, /not an Amazon S3 endpoint/],
    ['S3 without a signature', 'https://bucket.s3.amazonaws.com/key', /not pre-signed/],
    ['not a URL', 'not a url', /not a URL/],
    ['loopback http without the test-only switch', 'http://127.0.0.1:8080/key', /not https/],
  ])('%s', (_, url, reason) => {
    expect(callerRefusal(event(url), ENV)).toMatch(reason);
  });

  test('another stack, and no stack id in the environment', () => {
    const url = `https://bucket.s3.amazonaws.com/key?${SIGNED}`;
    expect(callerRefusal(event(url, STACK.replace('App', 'Other')), ENV)).toMatch(/StackId .*stack\/Other.* is not this function's stack/);
    expect(callerRefusal({ ResponseURL: url }, ENV)).toMatch(/StackId undefined is not this function's stack/);
    expect(callerRefusal(event(url), {})).toMatch(/SNOWFLAKE_CFN_STACK_ID is not set/);
  });

  test('the test-only switch allows loopback http only, never another host or https elsewhere', () => {
    const testEnv = { ...ENV, [LOOPBACK_RESPONSE_URL_ENV]: 'true' };
    expect(callerRefusal(event('http://127.0.0.1:8080/key'), testEnv)).toBeUndefined();
    expect(callerRefusal(event('http://[::1]:8080/key'), testEnv)).toBeUndefined();
    expect(callerRefusal(event('http://localhost:8080/key'), testEnv)).toBeUndefined();
    expect(callerRefusal(event('http://10.0.0.1:8080/key'), testEnv)).toMatch(/not https/);
    expect(callerRefusal(event('http://169.254.169.254/latest/meta-data'), testEnv)).toMatch(/not https/);
    expect(callerRefusal(event('https://example.com/key?X-Amz-Signature=1'), testEnv)).toMatch(/not an Amazon S3 endpoint/);
    // Only the exact value 'true' switches it on.
    expect(callerRefusal(event('http://127.0.0.1:8080/key'), { ...ENV, [LOOPBACK_RESPONSE_URL_ENV]: '1' })).toMatch(/not https/);
  });

  test('a refused event runs no work', async () => {
    jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const work = jest.fn(async () => ({ physicalResourceId: 'x' }));
    await expect(runCustomResource({ ...event('https://example.com/'), RequestType: 'Create' } as CloudFormationCustomResourceEvent, undefined, work, ENV))
      .rejects.toThrow(/Refused this custom-resource event, and did not call its ResponseURL/);
    expect(work).not.toHaveBeenCalled();
  });
});
