#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it. Installs what it needs first.
#
#   bundle the runtime assets -> check the bundled packages against known vulnerabilities -> jsii compile (the public API must compile for every target)
#   -> regenerate API.md -> the language packages -> jest (never updates snapshots; starts moto on loopback itself)
#   -> eslint -> the release dry run -> under CI, fail if any generated or committed file changed.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each step's wall time, printed at the end (CI's time budget is 90 minutes).
timings=()
timed() {
  local started=$SECONDS rc=0
  "$@" || rc=$?
  timings+=("$(printf '%5ss  %s' $((SECONDS - started)) "$*")")
  return $rc
}

timed ./scripts/ensure-deps.sh
# The language tests build and run the Python, Java and Go packages with the machine's toolchains.
for tool in python3 java mvn go; do
  command -v "$tool" >/dev/null 2>&1 || { echo "test.sh: $tool is not on PATH; the language tests (test/languages) need Python 3, a JDK 17 with Maven, and Go" >&2; exit 1; }
done
export PATH="$PWD/node_modules/.bin:$PATH"   # the pinned Node 24 first
export JEST_JUNIT_SUITE_NAME="{filepath}"    # name suites by file in test-reports/junit.xml

status=0
timed npx projen default            # re-synthesize projen's files from .projenrc.ts
timed npx projen pre-compile        # bundle src/runtime into assets/ (with each bundle's notices and SBOM)
timed npx projen supply-chain:vulnerabilities || status=$?  # the bundled packages against known vulnerabilities
timed npx projen compile            # jsii
timed npx projen post-compile       # API.md
timed npx projen package:languages  # the Python, Java and Go packages (dist/), which test/languages runs
timed npx projen test || status=$?  # jest --ci (the language parity tests included), then eslint
timed npx projen release:dry-run || status=$?  # the release up to publishing: bump, release notes, every package, checked, unbumped (docs/releasing.md)
printf 'step times:\n'; printf '  %s\n' "${timings[@]}"

# One closing line with the counts, from jest's JUnit report.
if [ -f test-reports/junit.xml ]; then
  node -e '
    const xml = require("fs").readFileSync("test-reports/junit.xml", "utf8");
    const m = /<testsuites[^>]*\btests="(\d+)"[^>]*\bfailures="(\d+)"[^>]*\berrors="(\d+)"/.exec(xml);
    const skipped = [...xml.matchAll(/<skipped\b/g)].length;
    const suites = [...xml.matchAll(/<testsuite name="([^"]*)"[^>]*\btime="([\d.]+)"/g)].map((s) => [s[1], +s[2]]).sort((a, b) => b[1] - a[1]);
    console.log("slowest test suites (s):");
    for (const [name, time] of suites.slice(0, 12)) console.log(`  ${time.toFixed(1).padStart(6)}  ${name.replace(/&apos;/g, "\x27")}`);
    if (m) console.log(`tests: ${+m[1] - +m[2] - +m[3] - skipped} passed, ${+m[2] + +m[3]} failed, ${skipped} skipped`);
  '
fi
[ "$status" -eq 0 ] || exit "$status"

if [ "${CI:-}" = "true" ] && [ -n "$(git status --porcelain)" ]; then
  echo "The build changed files that are committed (regenerate with ./scripts/test.sh and commit):" >&2
  git status --porcelain >&2
  git diff --stat >&2
  exit 1
fi
