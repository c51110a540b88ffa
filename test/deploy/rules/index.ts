/**
 * Every deploy preflight rule, in the order docs/deploy-rules.md lists them. A rule added here
 * must come with a failing case (test/deploy/rules.test.ts) and a row in docs/deploy-rules.md
 * (test/deploy/deploy-rules-doc.test.ts).
 */
import { CONNECTOR_ROLE } from './connector-role';
import { CUSTOM_RESOURCE_TOKEN } from './custom-resource-token';
import { DEPLOY_TIME_NETWORK } from './deploy-time-network';
import { DESTINATIONS_ALLOWED } from './destinations-allowed';
import { EC2_DESCRIPTIONS } from './ec2-descriptions';
import { EVENT_INVOKE_CONFIG } from './event-invoke-config';
import { IAM_LIMITS } from './iam-limits';
import { LAMBDA_SETTINGS } from './lambda-settings';
import { LAMBDA_VPC_CONFIG } from './lambda-vpc-config';
import { LAMBDA_VPC_ENI } from './lambda-vpc-eni';
import { REFERENCES_EXIST } from './references-exist';
import { ROTATION_SCHEDULE_READY } from './rotation-schedule-ready';
import { ROUTE53_RECORDS } from './route53-records';
import { UNIQUE_NAMES } from './unique-names';
import { VPC_ENDPOINTS } from './vpc-endpoints';
import { DeployRule } from '../../support/deploy-rules';

export const DEPLOY_RULES: readonly DeployRule[] = [
  LAMBDA_VPC_ENI,
  DESTINATIONS_ALLOWED,
  CONNECTOR_ROLE,
  CUSTOM_RESOURCE_TOKEN,
  REFERENCES_EXIST,
  UNIQUE_NAMES,
  LAMBDA_VPC_CONFIG,
  LAMBDA_SETTINGS,
  EVENT_INVOKE_CONFIG,
  ROUTE53_RECORDS,
  VPC_ENDPOINTS,
  EC2_DESCRIPTIONS,
  IAM_LIMITS,
  ROTATION_SCHEDULE_READY,
  DEPLOY_TIME_NETWORK,
];
