"""The portable example stack, in Python: every construct of cdk-snowflake-keypair.

It builds the same stack as examples/typescript/portable-stack.ts, and the tests check that the
two templates are equal (logical ids, properties, asset hashes).

    pip install cdk-snowflake-keypair aws-cdk-lib constructs
    CDK_OUTDIR=cdk.out python app.py
"""
import json
import os

from aws_cdk import App, Duration, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from cdk_snowflake_keypair import (
    BindType,
    ConnectorHandler,
    KeyRegistrationOptions,
    KeyRotationOptions,
    KeySource,
    PrivateLinkConfig,
    PrivateLinkEndpoint,
    RegisteredIdentityOnDelete,
    RegisteredKeyOnDelete,
    RetireOldKey,
    SecretReaderRole,
    SnowflakeAuthentication,
    SnowflakeConnectorFunction,
    SnowflakeConnectorLayer,
    SnapshotTesting,
    SnowflakeKeyPairSecret,
    SqlStatement,
    WorkloadIdentityRegistrationOptions,
)

# A handler of your own that takes the connector from the layer (plain JavaScript, inline).
LAYER_HANDLER_CODE = "\n".join([
    'const { getConnector } = require("@cdk-snowflake-keypair/connector");',
    'exports.handler = async () => getConnector().fetchOne("SELECT CURRENT_USER() AS WHO");',
])


class SnowflakePortableStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)

        key = kms.Key(self, "SecretsKey", description="Encrypts the Snowflake key-pair secrets", enable_key_rotation=True)

        # A key pair generated in AWS, a role that reads it, and the pre-bundled SQL executor.
        loader = SnowflakeKeyPairSecret(
            self, "LoaderSecret",
            account="myorg-myaccount",
            user="SVC_LOADER",
            role="LOADER",
            warehouse="LOAD_WH",
            encryption_key=key,
            create_outputs=True,
        )
        SecretReaderRole(self, "LoaderReaderRole", secret=loader, version_stages=["AWSCURRENT"])
        # It runs only the statements declared here, by name: {"run": "loadEvent", "binds": [1, "{}"]}.
        # Whoever may invoke it may run them, with binds of their choosing, as SVC_LOADER.
        SnowflakeConnectorFunction(
            self, "LoaderFunction",
            secret=loader,
            timeout=Duration.minutes(2),
            handler=ConnectorHandler.sql_executor(statements={
                "loadEvent": SqlStatement.of("INSERT INTO EVENTS (ID, BODY) VALUES (?, ?)", binds=[BindType.NUMBER, BindType.nullable(BindType.TEXT)]),
            }),
        )

        # Your own handler, with the connector from the layer.
        custom = lambda_.Function(
            self, "CustomHandler",
            runtime=lambda_.Runtime.NODEJS_24_X,
            architecture=lambda_.Architecture.ARM_64,
            handler="index.handler",
            code=lambda_.Code.from_inline(LAYER_HANDLER_CODE),
            layers=[SnowflakeConnectorLayer.of(self)],
            environment={"SNOWFLAKE_SECRET_ID": loader.secret_arn},
        )
        loader.grant_read(custom, ["AWSCURRENT"])

        # A key brought by the user, and PrivateLink in isolated subnets.
        ops = SnowflakeKeyPairSecret(
            self, "OpsSecret",
            account="myorg-myaccount",
            user="SVC_OPS",
            key_source=KeySource.bring_your_own(),
            encryption_key=key,
        )
        vpc = ec2.Vpc(
            self, "Vpc",
            nat_gateways=0,
            subnet_configuration=[ec2.SubnetConfiguration(name="isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)],
        )
        private_link = PrivateLinkEndpoint(
            self, "PrivateLink",
            vpc=vpc,
            config=PrivateLinkConfig.from_values(
                endpoint_service_name="com.amazonaws.vpce.us-east-1.vpce-svc-0a1b2c3d4e5f67890",
                account_url="xy12345.us-east-1.privatelink.snowflakecomputing.com",
                ocsp_url="ocsp.xy12345.us-east-1.privatelink.snowflakecomputing.com",
                regionless_account_url="myorg-myaccount.privatelink.snowflakecomputing.com",
            ),
            add_aws_service_endpoints=True,
        )
        SnowflakeConnectorFunction(
            self, "OpsFunction",
            secret=ops,
            private_link=private_link,
            handler=ConnectorHandler.sql_executor(statements={"resumeWarehouse": SqlStatement.of('ALTER WAREHOUSE IF EXISTS "OPS_WH" RESUME IF SUSPENDED')}),
        )

        # A user registered at deploy, whose key rotates itself.
        user_admin = SnowflakeKeyPairSecret(self, "UserAdminSecret", account="myorg-myaccount", user="SVC_USER_ADMIN", encryption_key=key)
        rotator = SnowflakeKeyPairSecret(self, "RotatorSecret", account="myorg-myaccount", user="SVC_ROTATOR", encryption_key=key)
        SnowflakeKeyPairSecret(
            self, "ReportingSecret",
            account="myorg-myaccount",
            user="SVC_REPORTING",
            warehouse="REPORTING_WH",
            encryption_key=key,
            registration=KeyRegistrationOptions(admin_secret=user_admin, on_delete=RegisteredKeyOnDelete.RETAIN_KEY),
            rotation=KeyRotationOptions(
                admin_secret=rotator,
                schedule=Duration.days(30),
                retire_old_key=RetireOldKey.after(Duration.days(1)),
            ),
        )

        # No key at all: a function that signs in as its own IAM role (workload identity), whose
        # Snowflake user is given the role's ARN at deploy (docs/workload-identity.md).
        SnowflakeConnectorFunction(
            self, "KeylessFunction",
            authentication=SnowflakeAuthentication.workload_identity(
                account="myorg-myaccount",
                user="SVC_KEYLESS",
                role="KEYLESS",
                warehouse="KEYLESS_WH",
                create_outputs=True,
                registration=WorkloadIdentityRegistrationOptions(
                    admin_secret=user_admin, on_delete=RegisteredIdentityOnDelete.REMOVE_IDENTITY),
            ),
            handler=ConnectorHandler.sql_executor(statements={"whoAmI": SqlStatement.of("SELECT CURRENT_USER() AS WHO")}),
            # There is no secret whose key would encrypt the logs: name one.
            log_encryption_key=key,
        )


def check_api() -> None:
    """The rest of the public API, called from Python: importers, the config parser and the snapshot helper."""
    scratch = Stack(App(), "ApiCheck")
    SnowflakeKeyPairSecret.from_secret_name(scratch, "ByName", "snowflake/loader")
    by_arn = SnowflakeKeyPairSecret.from_secret_complete_arn(
        scratch, "ByArn", "arn:aws:secretsmanager:us-east-1:123456789012:secret:snowflake/loader-AbCdEf")
    assert by_arn.secret_arn.endswith("loader-AbCdEf"), by_arn.secret_arn
    config = PrivateLinkConfig.from_json(json.dumps({
        "privatelink-vpce-id": "com.amazonaws.vpce.us-east-1.vpce-svc-0a1b2c3d4e5f67890",
        "privatelink-account-url": "xy12345.us-east-1.privatelink.snowflakecomputing.com",
        "privatelink_ocsp-url": "ocsp.xy12345.us-east-1.privatelink.snowflakecomputing.com",
        "privatelink-connection-urls": "[]",
    }))
    assert config.account_url == "xy12345.us-east-1.privatelink.snowflakecomputing.com", config.account_url
    hashes = SnapshotTesting.library_asset_hashes()
    some_hash, name = next(iter(hashes.items()))
    masked = SnapshotTesting.mask_library_assets({"S3Key": f"{some_hash}.zip"})
    assert masked == {"S3Key": f"[cdk-snowflake-keypair asset: {name}].zip"}, masked
    print("api check: ok")


check_api()
app = App(outdir=os.environ.get("CDK_OUTDIR", "cdk.out"))
# Environment-agnostic: the VPC takes its zones from Fn::GetAZs at deploy time.
SnowflakePortableStack(app, "SnowflakeKeyPairPortable")
app.synth()
