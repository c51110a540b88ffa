#!/usr/bin/env bash
# Installs what the main job and the test suite need, on a fresh clone or an existing one:
#   - npm packages from package-lock.json, including the pinned Node 24 toolchain (npm package
#     `node`, see docs/development.md), with `npm ci` when anything is missing or stale;
#   - the Python test tools (requirements-dev.txt: moto's server, cfn-lint, checkov) in .venv.
# Safe to run again: it does nothing when everything is current.
set -euo pipefail
cd "$(dirname "$0")/.."

stamp=node_modules/.package-lock.json
if [ "${CI:-}" = "true" ] || [ ! -x node_modules/.bin/node ] || [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  echo "ensure-deps: npm ci"
  # --loglevel=error: a newcomer sees the steps and the result, not dozens of npm warnings (EBADENGINE from dev tools).
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ ! -x .venv/bin/moto_server ] || [ ! -x .venv/bin/cfn-lint ] || [ ! -x .venv/bin/checkov ] || [ ! -f .venv/.installed ] || [ requirements-dev.txt -nt .venv/.installed ]; then
  echo "ensure-deps: Python test tools into .venv"
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
  touch .venv/.installed
fi

node_version=$(node_modules/.bin/node --version)
case "$node_version" in
  v24.*) ;;
  *) echo "ensure-deps: expected the pinned Node 24 in node_modules/.bin, found $node_version" >&2; exit 1 ;;
esac
