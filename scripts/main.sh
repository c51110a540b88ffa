#!/usr/bin/env bash
# The main job: synthesize the example app (examples/typescript) into cdk.out/ and print a
# summary of what was made. Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/ensure-deps.sh
export PATH="$PWD/node_modules/.bin:$PATH"   # the pinned Node 24 first
npx projen bundle:runtime
npx projen synth:example
