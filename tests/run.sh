#!/usr/bin/env bash
# The test command: installs what the tests need (Debian packages, only when
# missing), checks the committed Nix outputs against the real nix, then runs
# every test of the workspace, and the lints.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v nix-instantiate >/dev/null || need+=(nix-bin)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

echo "== real nix agrees with the committed corpus outputs"
tests/corpus/regenerate.sh --check

echo "== cargo test"
cargo test --workspace --lib --bins --tests

echo "== formatting and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
echo "all tests passed"
