/**
 * What the library's administrator and custom-resource functions are pinned to: set by their
 * constructs in the function's environment (which no event can change), checked by their runtime
 * against every event. Shared so that the names are written once.
 */

/**
 * The stack the custom-resource function (key material, registration) was deployed in
 * (`AWS::StackId`): it answers only events whose `StackId` is this one.
 */
export const STACK_ID_ENV = 'SNOWFLAKE_CFN_STACK_ID';

/** The secret the rotation function rotates (its ARN): any other `SecretId` is refused. */
export const ROTATION_SECRET_ENV = 'SNOWFLAKE_ROTATION_SECRET_ARN';

/** The Snowflake user the rotation function rotates (the secret's `user`): a secret naming another is refused. */
export const ROTATION_USER_ENV = 'SNOWFLAKE_ROTATION_USER';
