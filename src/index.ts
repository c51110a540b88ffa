export * from './secret/key-source';
export * from './secret/snowflake-keypair-secret';
export * from './secret/secret-reader-role';
