#!/usr/bin/env bash
# A release build of nixplan optimised with a profile of its own runs
# (profile-guided optimisation, by cargo-pgo): built instrumented, run on a
# training set, rebuilt with what the runs counted. Prints the optimised
# binary's path last; time it with any benchmark script by naming it:
#
#   benches/pgo.sh
#   NIXPLAN_BIN=target/x86_64-unknown-linux-gnu/release/nixplan benches/real-code.sh
#
# The training set leaves out what the issue benchmarks time (benches/real/,
# disko's examples), so their gain is measured on code the profile never
# saw. It is: `plan` of every fixture target (tests/fixtures/targets.txt),
# with nixplan's stand-in inputs and with the upstream snapshots as the
# flakes' inputs (nixpkgs' real lib and module system, disko, impermanence,
# home-manager...), each with the parse cache off (parsing and lowering) and
# on; Nix's own language tests (eval-okay-*.nix); and the synthetic
# workloads (benches/workloads, benches/micro). The bad-* fixtures and some
# language tests fail on purpose: their runs count like the others.
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
info=$(cargo pgo info 2>/dev/null || true)
grep -q '^\[llvm-profdata\]: found' <<<"$info" ||
  { echo "needs llvm-profdata of this rustc: rustup component add llvm-tools" >&2; exit 1; }

host=$(rustc -vV | sed -n 's/^host: //p')
bin=$PWD/target/$host/release/nixplan
rm -rf target/pgo-profiles
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

runs=0 failed=0
train() {
  runs=$((runs + 1))
  timeout 120 "$bin" "$@" >/dev/null 2>&1 || failed=$((failed + 1))
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
for f in benches/workloads/*.nix benches/micro/*.nix; do
  train eval --strict "$f"
done
echo "trained on $runs runs ($failed of them failed, as some do on purpose)" >&2

cargo pgo optimize -- -q >&2
echo "$bin"
