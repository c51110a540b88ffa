export * from './secret/key-source';
export * from './secret/snowflake-keypair-secret';
export * from './secret/secret-reader-role';
export * from './function/connector-handler';
export * from './function/snowflake-connector-function';
export * from './function/snowflake-connector-layer';
export * from './network/privatelink-config';
export * from './network/privatelink-endpoint';
