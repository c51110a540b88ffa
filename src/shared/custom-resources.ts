/**
 * The contract between the library's custom resources and their handlers: the resource types, the
 * property names the constructs write and the handlers read, the values an enumerated property
 * takes, and the attributes the handlers answer with. Written once, here; the constructs
 * (src/secret/snowflake-keypair-secret.ts, src/rotation/registration.ts) and the handlers
 * (src/runtime/key-material/properties.ts, src/runtime/rotation/registration.ts) import it, and
 * test/architecture/contract.test.ts checks that what a synthesized stack holds is what the
 * handlers read.
 *
 * CloudFormation delivers every scalar property as a string ("Custom resource request objects",
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requests.html), so
 * numbers and booleans are written as strings.
 */

/** The key-material custom resource of every SnowflakeKeyPairSecret. */
export const KEY_MATERIAL_RESOURCE_TYPE = 'Custom::SnowflakeKeyMaterial';

/** Its properties. */
export const KeyMaterialProperty = {
  /** The secret to write (its ARN). */
  SECRET_ID: 'SecretId',
  /** One of `KEY_MODES`. */
  MODE: 'Mode',
  /** With GENERATE: `2048` or `4096`. */
  KEY_SIZE: 'KeySize',
  /** With GENERATE: `true` or `false`. */
  ENCRYPT_PRIVATE_KEY: 'EncryptPrivateKey',
  /** With GENERATE: a whole number from 1; a new one asks for a new key. */
  KEY_GENERATION: 'KeyGeneration',
  /** The connection settings, an object with the fields of `CONNECTION_FIELDS` (src/shared/secret-format.ts). */
  CONNECTION: 'Connection',
} as const;

/** How the key gets into the secret: the values of `Mode`. */
export const KEY_MODES = ['GENERATE', 'BRING_YOUR_OWN'] as const;
export type KeyMode = typeof KEY_MODES[number];

/** The key-material resource's attributes (with GENERATE). */
export const KeyMaterialAttribute = {
  /** `RSA_PUBLIC_KEY`: one line of SPKI base64. */
  PUBLIC_KEY: 'PublicKey',
  /** `RSA_PUBLIC_KEY_FP`: `SHA256:<base64>`. */
  PUBLIC_KEY_FINGERPRINT: 'PublicKeyFingerprint',
} as const;

/** The registration custom resource of a SnowflakeKeyPairSecret with `registration`. */
export const REGISTRATION_RESOURCE_TYPE = 'Custom::SnowflakeUserRegistration';

/** Its properties. */
export const RegistrationProperty = {
  /** The secret whose key is registered (its ARN). */
  SECRET_ID: 'SecretId',
  /** The administrator's secret (its ARN). */
  ADMIN_SECRET_ID: 'AdminSecretId',
  /** `true` or `false`: create the user when it does not exist. */
  CREATE_USER: 'CreateUser',
  /** One of `REGISTRATION_ON_DELETE`. */
  ON_DELETE: 'OnDelete',
  /** The key's fingerprint: read by no handler, it makes a new key an update (and so a new registration). */
  FINGERPRINT: 'Fingerprint',
  /**
   * `WORKLOAD_IDENTITY` for the registration of a function's workload identity (no secret, no key);
   * absent for a key pair, so that key-pair registrations keep the properties they had.
   */
  AUTHENTICATION: 'Authentication',
  /** With WORKLOAD_IDENTITY: the user's settings (src/shared/workload-identity.ts), an object with the fields of `CONNECTION_FIELDS`. */
  CONNECTION: 'Connection',
  /** With WORKLOAD_IDENTITY: the IAM role ARN the user is given as its workload identity. */
  WORKLOAD_IDENTITY_ARN: 'WorkloadIdentityArn',
  /** With WORKLOAD_IDENTITY and the OUTBOUND_TOKEN attestation: the AWS account's STS JWT issuer URL. */
  WORKLOAD_IDENTITY_ISSUER: 'WorkloadIdentityIssuer',
} as const;

/**
 * What a Delete does to what the registration set: the values of `OnDelete`. The key's
 * (`RegisteredKeyOnDelete`), and a workload identity's (`REMOVE_IDENTITY`: unset it if it is still
 * the one set; `RETAIN_IDENTITY`).
 */
export const REGISTRATION_ON_DELETE = ['REMOVE_KEY', 'RETAIN_KEY', 'REMOVE_IDENTITY', 'RETAIN_IDENTITY'] as const;
export type RegistrationOnDelete = typeof REGISTRATION_ON_DELETE[number];
