package io.github.cdksnowflakekeypair.examples;

import java.util.List;
import java.util.Map;

import io.github.cdksnowflakekeypair.BindType;
import io.github.cdksnowflakekeypair.ConnectorHandler;
import io.github.cdksnowflakekeypair.KeyRegistrationOptions;
import io.github.cdksnowflakekeypair.KeyRotationOptions;
import io.github.cdksnowflakekeypair.KeySource;
import io.github.cdksnowflakekeypair.PrivateLinkConfig;
import io.github.cdksnowflakekeypair.PrivateLinkConfigProps;
import io.github.cdksnowflakekeypair.PrivateLinkEndpoint;
import io.github.cdksnowflakekeypair.PrivateLinkEndpointProps;
import io.github.cdksnowflakekeypair.RegisteredIdentityOnDelete;
import io.github.cdksnowflakekeypair.RegisteredKeyOnDelete;
import io.github.cdksnowflakekeypair.RetireOldKey;
import io.github.cdksnowflakekeypair.SecretReaderRole;
import io.github.cdksnowflakekeypair.SecretReaderRoleProps;
import io.github.cdksnowflakekeypair.SnowflakeAuthentication;
import io.github.cdksnowflakekeypair.SnowflakeConnectorFunction;
import io.github.cdksnowflakekeypair.SnowflakeConnectorFunctionProps;
import io.github.cdksnowflakekeypair.SnowflakeConnectorLayer;
import io.github.cdksnowflakekeypair.SnowflakeKeyPairSecret;
import io.github.cdksnowflakekeypair.SnowflakeKeyPairSecretProps;
import io.github.cdksnowflakekeypair.SqlExecutorOptions;
import io.github.cdksnowflakekeypair.SqlStatement;
import io.github.cdksnowflakekeypair.SqlStatementOptions;
import io.github.cdksnowflakekeypair.WorkloadIdentityOptions;
import io.github.cdksnowflakekeypair.WorkloadIdentityRegistrationOptions;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.ec2.SubnetConfiguration;
import software.amazon.awscdk.services.ec2.SubnetType;
import software.amazon.awscdk.services.ec2.Vpc;
import software.amazon.awscdk.services.ec2.VpcProps;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.kms.KeyProps;
import software.amazon.awscdk.services.lambda.Architecture;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.FunctionProps;
import software.amazon.awscdk.services.lambda.Runtime;
import software.constructs.Construct;

/**
 * The portable example stack, in Java: every construct of cdk-snowflake-keypair.
 *
 * <p>It builds the same stack as examples/typescript/portable-stack.ts, and the tests check that
 * the two templates are equal (logical ids, properties, asset hashes).
 */
public final class PortableApp {

  /** A handler of your own that takes the connector from the layer (plain JavaScript, inline). */
  static final String LAYER_HANDLER_CODE = String.join("\n",
      "const { getConnector } = require(\"@cdk-snowflake-keypair/connector\");",
      "exports.handler = async () => getConnector().fetchOne(\"SELECT CURRENT_USER() AS WHO\");");

  /** The same stack as SnowflakePortableStack in examples/typescript/portable-stack.ts. */
  public static final class SnowflakePortableStack extends Stack {
    public SnowflakePortableStack(final Construct scope, final String id, final StackProps props) {
      super(scope, id, props);

      Key key = new Key(this, "SecretsKey", KeyProps.builder()
          .description("Encrypts the Snowflake key-pair secrets")
          .enableKeyRotation(true)
          .build());

      // A key pair generated in AWS, a role that reads it, and the pre-bundled SQL executor.
      SnowflakeKeyPairSecret loader = new SnowflakeKeyPairSecret(this, "LoaderSecret", SnowflakeKeyPairSecretProps.builder()
          .account("myorg-myaccount")
          .user("SVC_LOADER")
          .role("LOADER")
          .warehouse("LOAD_WH")
          .encryptionKey(key)
          .createOutputs(true)
          .build());
      new SecretReaderRole(this, "LoaderReaderRole", SecretReaderRoleProps.builder()
          .secret(loader)
          .versionStages(List.of("AWSCURRENT"))
          .build());
      // It runs only the statements declared here, by name: {"run": "loadEvent", "binds": [1, "{}"]}.
      // Whoever may invoke it may run them, with binds of their choosing, as SVC_LOADER.
      new SnowflakeConnectorFunction(this, "LoaderFunction", SnowflakeConnectorFunctionProps.builder()
          .secret(loader)
          .timeout(Duration.minutes(2))
          .handler(ConnectorHandler.sqlExecutor(SqlExecutorOptions.builder()
              .statements(Map.of("loadEvent", SqlStatement.of("INSERT INTO EVENTS (ID, BODY) VALUES (?, ?)", SqlStatementOptions.builder()
                  .binds(List.of(BindType.NUMBER, BindType.nullable(BindType.TEXT)))
                  .build())))
              .build()))
          .build());

      // Your own handler, with the connector from the layer.
      Function custom = new Function(this, "CustomHandler", FunctionProps.builder()
          .runtime(Runtime.NODEJS_24_X)
          .architecture(Architecture.ARM_64)
          .handler("index.handler")
          .code(Code.fromInline(LAYER_HANDLER_CODE))
          .layers(List.of(SnowflakeConnectorLayer.of(this)))
          .environment(Map.of("SNOWFLAKE_SECRET_ID", loader.getSecretArn()))
          .build());
      loader.grantRead(custom, List.of("AWSCURRENT"));

      // A key brought by the user, and PrivateLink in isolated subnets.
      SnowflakeKeyPairSecret ops = new SnowflakeKeyPairSecret(this, "OpsSecret", SnowflakeKeyPairSecretProps.builder()
          .account("myorg-myaccount")
          .user("SVC_OPS")
          .keySource(KeySource.bringYourOwn())
          .encryptionKey(key)
          .build());
      Vpc vpc = new Vpc(this, "Vpc", VpcProps.builder()
          .natGateways(0)
          .subnetConfiguration(List.of(SubnetConfiguration.builder()
              .name("isolated")
              .subnetType(SubnetType.PRIVATE_ISOLATED)
              .build()))
          .build());
      PrivateLinkEndpoint privateLink = new PrivateLinkEndpoint(this, "PrivateLink", PrivateLinkEndpointProps.builder()
          .vpc(vpc)
          .config(PrivateLinkConfig.fromValues(PrivateLinkConfigProps.builder()
              .endpointServiceName("com.amazonaws.vpce.us-east-1.vpce-svc-0a1b2c3d4e5f67890")
              .accountUrl("xy12345.us-east-1.privatelink.snowflakecomputing.com")
              .ocspUrl("ocsp.xy12345.us-east-1.privatelink.snowflakecomputing.com")
              .regionlessAccountUrl("myorg-myaccount.privatelink.snowflakecomputing.com")
              .build()))
          .addAwsServiceEndpoints(true)
          .build());
      new SnowflakeConnectorFunction(this, "OpsFunction", SnowflakeConnectorFunctionProps.builder()
          .secret(ops)
          .privateLink(privateLink)
          .handler(ConnectorHandler.sqlExecutor(SqlExecutorOptions.builder()
              .statements(Map.of("resumeWarehouse", SqlStatement.of("ALTER WAREHOUSE IF EXISTS \"OPS_WH\" RESUME IF SUSPENDED")))
              .build()))
          .build());

      // A user registered at deploy, whose key rotates itself.
      SnowflakeKeyPairSecret userAdmin = new SnowflakeKeyPairSecret(this, "UserAdminSecret", SnowflakeKeyPairSecretProps.builder()
          .account("myorg-myaccount")
          .user("SVC_USER_ADMIN")
          .encryptionKey(key)
          .build());
      SnowflakeKeyPairSecret rotator = new SnowflakeKeyPairSecret(this, "RotatorSecret", SnowflakeKeyPairSecretProps.builder()
          .account("myorg-myaccount")
          .user("SVC_ROTATOR")
          .encryptionKey(key)
          .build());
      new SnowflakeKeyPairSecret(this, "ReportingSecret", SnowflakeKeyPairSecretProps.builder()
          .account("myorg-myaccount")
          .user("SVC_REPORTING")
          .warehouse("REPORTING_WH")
          .encryptionKey(key)
          .registration(KeyRegistrationOptions.builder()
              .adminSecret(userAdmin)
              .onDelete(RegisteredKeyOnDelete.RETAIN_KEY)
              .build())
          .rotation(KeyRotationOptions.builder()
              .adminSecret(rotator)
              .schedule(Duration.days(30))
              .retireOldKey(RetireOldKey.after(Duration.days(1)))
              .build())
          .build());

      // No key at all: a function that signs in as its own IAM role (workload identity), whose
      // Snowflake user is given the role's ARN at deploy (docs/workload-identity.md).
      new SnowflakeConnectorFunction(this, "KeylessFunction", SnowflakeConnectorFunctionProps.builder()
          .authentication(SnowflakeAuthentication.workloadIdentity(WorkloadIdentityOptions.builder()
              .account("myorg-myaccount")
              .user("SVC_KEYLESS")
              .role("KEYLESS")
              .warehouse("KEYLESS_WH")
              .createOutputs(true)
              .registration(WorkloadIdentityRegistrationOptions.builder()
                  .adminSecret(userAdmin)
                  .onDelete(RegisteredIdentityOnDelete.REMOVE_IDENTITY)
                  .build())
              .build()))
          .handler(ConnectorHandler.sqlExecutor(SqlExecutorOptions.builder()
              .statements(Map.of("whoAmI", SqlStatement.of("SELECT CURRENT_USER() AS WHO")))
              .build()))
          // There is no secret whose key would encrypt the logs: name one.
          .logEncryptionKey(key)
          .build());
    }
  }

  private PortableApp() {
  }

  public static void main(final String[] args) {
    String outdir = System.getenv().getOrDefault("CDK_OUTDIR", "cdk.out");
    App app = new App(AppProps.builder().outdir(outdir).build());
    // Environment-agnostic: the VPC takes its zones from Fn::GetAZs at deploy time.
    new SnowflakePortableStack(app, "SnowflakeKeyPairPortable", StackProps.builder().build());
    app.synth();
  }
}
