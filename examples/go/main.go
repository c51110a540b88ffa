// The portable example stack, in Go: every construct of cdk-snowflake-keypair.
//
// It builds the same stack as examples/typescript/portable-stack.ts, and the tests check that
// the two templates are equal (logical ids, properties, asset hashes).
//
//	CDK_OUTDIR=cdk.out go run .
package main

import (
	"os"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	sf "github.com/cdk-snowflake-keypair/cdk-snowflake-keypair-go/cdksnowflakekeypair"
)

// LayerHandlerCode is a handler of your own that takes the connector from the layer (plain JavaScript, inline).
var LayerHandlerCode = strings.Join([]string{
	`const { getConnector } = require("@cdk-snowflake-keypair/connector");`,
	`exports.handler = async () => getConnector().fetchOne("SELECT CURRENT_USER() AS WHO");`,
}, "\n")

// NewSnowflakePortableStack builds the same stack as SnowflakePortableStack in examples/typescript/portable-stack.ts.
func NewSnowflakePortableStack(scope constructs.Construct, id string, props *awscdk.StackProps) awscdk.Stack {
	stack := awscdk.NewStack(scope, jsii.String(id), props)

	key := awskms.NewKey(stack, jsii.String("SecretsKey"), &awskms.KeyProps{
		Description:       jsii.String("Encrypts the Snowflake key-pair secrets"),
		EnableKeyRotation: jsii.Bool(true),
	})

	// A key pair generated in AWS, a role that reads it, and the pre-bundled SQL executor.
	loader := sf.NewSnowflakeKeyPairSecret(stack, jsii.String("LoaderSecret"), &sf.SnowflakeKeyPairSecretProps{
		Account:       jsii.String("myorg-myaccount"),
		User:          jsii.String("SVC_LOADER"),
		Role:          jsii.String("LOADER"),
		Warehouse:     jsii.String("LOAD_WH"),
		EncryptionKey: key,
		CreateOutputs: jsii.Bool(true),
	})
	sf.NewSecretReaderRole(stack, jsii.String("LoaderReaderRole"), &sf.SecretReaderRoleProps{
		Secret:        loader,
		VersionStages: jsii.Strings("AWSCURRENT"),
	})
	// It runs only the statements declared here, by name: {"run": "loadEvent", "binds": [1, "{}"]}.
	// Whoever may invoke it may run them, with binds of their choosing, as SVC_LOADER.
	sf.NewSnowflakeConnectorFunction(stack, jsii.String("LoaderFunction"), &sf.SnowflakeConnectorFunctionProps{
		Secret:  loader,
		Timeout: awscdk.Duration_Minutes(jsii.Number(2)),
		Handler: sf.ConnectorHandler_SqlExecutor(&sf.SqlExecutorOptions{
			Statements: &map[string]sf.SqlStatement{
				"loadEvent": sf.SqlStatement_Of(jsii.String("INSERT INTO EVENTS (ID, BODY) VALUES (?, ?)"), &sf.SqlStatementOptions{
					Binds: &[]sf.BindType{sf.BindType_NUMBER(), sf.BindType_Nullable(sf.BindType_TEXT())},
				}),
			},
		}),
	})

	// Your own handler, with the connector from the layer.
	custom := awslambda.NewFunction(stack, jsii.String("CustomHandler"), &awslambda.FunctionProps{
		Runtime:      awslambda.Runtime_NODEJS_24_X(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("index.handler"),
		Code:         awslambda.Code_FromInline(jsii.String(LayerHandlerCode)),
		Layers:       &[]awslambda.ILayerVersion{sf.SnowflakeConnectorLayer_Of(stack)},
		Environment:  &map[string]*string{"SNOWFLAKE_SECRET_ID": loader.SecretArn()},
	})
	loader.GrantRead(custom, jsii.Strings("AWSCURRENT"))

	// A key brought by the user, and PrivateLink in isolated subnets.
	ops := sf.NewSnowflakeKeyPairSecret(stack, jsii.String("OpsSecret"), &sf.SnowflakeKeyPairSecretProps{
		Account:       jsii.String("myorg-myaccount"),
		User:          jsii.String("SVC_OPS"),
		KeySource:     sf.KeySource_BringYourOwn(),
		EncryptionKey: key,
	})
	vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{
		NatGateways:       jsii.Number(0),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
			{Name: jsii.String("isolated"), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED},
		},
	})
	privateLink := sf.NewPrivateLinkEndpoint(stack, jsii.String("PrivateLink"), &sf.PrivateLinkEndpointProps{
		Vpc: vpc,
		Config: sf.PrivateLinkConfig_FromValues(&sf.PrivateLinkConfigProps{
			EndpointServiceName:  jsii.String("com.amazonaws.vpce.us-east-1.vpce-svc-0a1b2c3d4e5f67890"),
			AccountUrl:           jsii.String("xy12345.us-east-1.privatelink.snowflakecomputing.com"),
			OcspUrl:              jsii.String("ocsp.xy12345.us-east-1.privatelink.snowflakecomputing.com"),
			RegionlessAccountUrl: jsii.String("myorg-myaccount.privatelink.snowflakecomputing.com"),
		}),
		AddAwsServiceEndpoints: jsii.Bool(true),
	})
	sf.NewSnowflakeConnectorFunction(stack, jsii.String("OpsFunction"), &sf.SnowflakeConnectorFunctionProps{
		Secret:      ops,
		PrivateLink: privateLink,
		Handler: sf.ConnectorHandler_SqlExecutor(&sf.SqlExecutorOptions{
			Statements: &map[string]sf.SqlStatement{
				"resumeWarehouse": sf.SqlStatement_Of(jsii.String(`ALTER WAREHOUSE IF EXISTS "OPS_WH" RESUME IF SUSPENDED`), nil),
			},
		}),
	})

	// A user registered at deploy, whose key rotates itself.
	userAdmin := sf.NewSnowflakeKeyPairSecret(stack, jsii.String("UserAdminSecret"), &sf.SnowflakeKeyPairSecretProps{
		Account:       jsii.String("myorg-myaccount"),
		User:          jsii.String("SVC_USER_ADMIN"),
		EncryptionKey: key,
	})
	rotator := sf.NewSnowflakeKeyPairSecret(stack, jsii.String("RotatorSecret"), &sf.SnowflakeKeyPairSecretProps{
		Account:       jsii.String("myorg-myaccount"),
		User:          jsii.String("SVC_ROTATOR"),
		EncryptionKey: key,
	})
	sf.NewSnowflakeKeyPairSecret(stack, jsii.String("ReportingSecret"), &sf.SnowflakeKeyPairSecretProps{
		Account:       jsii.String("myorg-myaccount"),
		User:          jsii.String("SVC_REPORTING"),
		Warehouse:     jsii.String("REPORTING_WH"),
		EncryptionKey: key,
		Registration: &sf.KeyRegistrationOptions{
			AdminSecret: userAdmin,
			OnDelete:    sf.RegisteredKeyOnDelete_RETAIN_KEY,
		},
		Rotation: &sf.KeyRotationOptions{
			AdminSecret:  rotator,
			Schedule:     awscdk.Duration_Days(jsii.Number(30)),
			RetireOldKey: sf.RetireOldKey_After(awscdk.Duration_Days(jsii.Number(1))),
		},
	})

	// No key at all: a function that signs in as its own IAM role (workload identity), whose
	// Snowflake user is given the role's ARN at deploy (docs/workload-identity.md).
	sf.NewSnowflakeConnectorFunction(stack, jsii.String("KeylessFunction"), &sf.SnowflakeConnectorFunctionProps{
		Authentication: sf.SnowflakeAuthentication_WorkloadIdentity(&sf.WorkloadIdentityOptions{
			Account:       jsii.String("myorg-myaccount"),
			User:          jsii.String("SVC_KEYLESS"),
			Role:          jsii.String("KEYLESS"),
			Warehouse:     jsii.String("KEYLESS_WH"),
			CreateOutputs: jsii.Bool(true),
			Registration: &sf.WorkloadIdentityRegistrationOptions{
				AdminSecret: userAdmin,
				OnDelete:    sf.RegisteredIdentityOnDelete_REMOVE_IDENTITY,
			},
		}),
		Handler: sf.ConnectorHandler_SqlExecutor(&sf.SqlExecutorOptions{
			Statements: &map[string]sf.SqlStatement{
				"whoAmI": sf.SqlStatement_Of(jsii.String("SELECT CURRENT_USER() AS WHO"), nil),
			},
		}),
		// There is no secret whose key would encrypt the logs: name one.
		LogEncryptionKey: key,
	})

	return stack
}

func main() {
	defer jsii.Close()

	outdir, ok := os.LookupEnv("CDK_OUTDIR")
	if !ok {
		outdir = "cdk.out"
	}
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(outdir)})
	// Environment-agnostic: the VPC takes its zones from Fn::GetAZs at deploy time.
	NewSnowflakePortableStack(app, "SnowflakeKeyPairPortable", &awscdk.StackProps{})
	app.Synth(nil)
}
