#!/usr/bin/env bash
# A release build of nixplan optimised with a profile of its own runs
# (profile-guided optimisation, by cargo-pgo): built instrumented, run on a
# training set, rebuilt with what the runs counted. Prints the optimised
# binary's path last; time it with any benchmark script by naming it:
#
#   benches/pgo.sh
#   NIXPLAN_BIN=target/x86_64-unknown-linux-gnu/release/nixplan benches/real-code.sh
#
# (a relative NIXPLAN_BIN is read from the repository's root, where every
# benchmark script runs).
#
# The training set: `plan` of every fixture target
# (tests/fixtures/targets.txt), with nixplan's stand-in inputs and with the
# upstream snapshots as the flakes' inputs (nixpkgs' real lib and module
# system, disko, impermanence, Home Manager...), each with the parse cache
# off (parsing and lowering) and on; and Nix's own language tests
# (eval-okay-*.nix). The bad-* fixtures and some language tests fail on
# purpose: their runs count like the others. No file a benchmark script
# times is in it (benches/real/, benches/workloads/, benches/micro/,
# disko's examples, the realworld-dev flakes); the code the benchmarks run
# is, through the fixtures: nixpkgs' module system, disko's types and
# nixplan's own NixOS declarations, on other configurations.
#
# Needs cargo-pgo (`cargo install cargo-pgo --locked`) and rustup's
# llvm-tools (`rustup component add llvm-tools`), and the upstream snapshots
# (../shared/upstream, or NIXPLAN_UPSTREAM).
set -euo pipefail
cd "$(dirname "$0")/.."
up=${NIXPLAN_UPSTREAM:-$(cd .. && pwd)/shared/upstream}
[ -d "$up/nixpkgs-lib" ] || { echo "no upstream snapshots at $up (set NIXPLAN_UPSTREAM)" >&2; exit 1; }
command -v cargo-pgo >/dev/null || { echo "needs cargo-pgo: cargo install cargo-pgo --locked" >&2; exit 1; }
# (`cargo pgo info` fails without BOLT's tools, which this script does not use)
info=$(NO_COLOR=1 cargo pgo info 2>/dev/null || true)
grep -q '^\[llvm-profdata\]: found' <<<"$info" ||
  { echo "needs llvm-profdata of this rustc: rustup component add llvm-tools" >&2; exit 1; }

host=$(rustc -vV | sed -n 's/^host: //p')
bin=$PWD/target/$host/release/nixplan
# (cargo pgo build clears target/pgo-profiles first)
cargo pgo build -- -q >&2

# The upstream snapshots as inputs: a flake takes any of them; a module
# file only nixpkgs, disko and impermanence.
file_inputs=() inputs=()
for i in nixpkgs:nixpkgs-lib disko:disko impermanence:impermanence; do
  file_inputs+=(--override-input "${i%%:*}" "$up/${i#*:}")
done
inputs=("${file_inputs[@]}")
for i in home-manager:home-manager sops-nix:sops-nix agenix:agenix nixos-hardware:nixos-hardware \
  flake-parts:flake-parts; do
  inputs+=(--override-input "${i%%:*}" "$up/${i#*:}")
done

# A run stopped by `timeout` writes no profile: counted apart.
runs=0 failed=0 stopped=0
train() {
  local rc=0
  runs=$((runs + 1))
  timeout 120 "$bin" "$@" </dev/null >/dev/null 2>&1 || rc=$?
  case $rc in 0) ;; 124) stopped=$((stopped + 1)) ;; *) failed=$((failed + 1)) ;; esac
}

while read -r dir target; do
  case "$dir" in '' | '#'*) continue ;; esac
  case "$target" in
    '#'*) t="tests/fixtures/$dir$target" over=("${inputs[@]}") ;;
    *) t="tests/fixtures/$dir/$target" over=("${file_inputs[@]}") ;;
  esac
  for cache in off on; do
    NIXPLAN_PARSE_CACHE=$cache train plan "$t" --offline
    NIXPLAN_PARSE_CACHE=$cache train plan "$t" --offline "${over[@]}"
  done
done < tests/fixtures/targets.txt
for f in "$up"/nix-lang-tests/eval-okay-*.nix; do
  train eval --strict "$f"
done
echo "trained on $runs runs ($failed of them failed, as some do on purpose; $stopped stopped after 120 s, which count for nothing)" >&2

cargo pgo optimize -- -q >&2
echo "$bin"
