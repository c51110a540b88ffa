/**
 * Stands in, inside our bundles, for packages snowflake-sdk requires but a Lambda connecting with
 * a key pair never uses: the Azure and Google Cloud clients (Azure and GCS stages for PUT/GET,
 * Azure and GCP workload identity). Loading them is what costs; this stub loads nothing and
 * throws, naming the package, if anything ever calls into it.
 *
 * esbuild maps the packages here (`--alias`, see .projenrc.ts); the end-to-end tests run the
 * bundles through every path the connector uses.
 */
function unsupported(name: string): never {
  throw new Error(`${name} is not in the cdk-snowflake-keypair connector bundle: Azure and GCS stages and Azure/GCP `
    + 'workload identity are not supported. Use an S3 stage, and key-pair authentication.');
}

const stub: Record<string | symbol, unknown> = new Proxy({}, {
  get(_target, property) {
    if (property === '__esModule') return false;
    if (typeof property === 'symbol') return undefined;
    return function notBundled() {
      return unsupported(String(property));
    };
  },
});

module.exports = stub;
