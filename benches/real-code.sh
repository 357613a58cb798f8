#!/usr/bin/env bash
# issue 16's corpus of real code: each workload under benches/real/ is an
# expression over the upstream sources (../shared/upstream: nixpkgs' lib,
# disko, flake-parts, Home Manager, impermanence) evaluated by nixplan and
# by nix-instantiate --eval --strict in the same run (hyperfine, whole
# processes, start-up included). Both must print the same JSON first.
# Prints median wall time and peak memory of each, and their ratios
# (nixplan/nix: below 1 means nixplan is faster or smaller). nixplan runs
# twice: reading its parse cache (warm, filled by the warm-up run), and
# with it off (`cold`: NIXPLAN_PARSE_CACHE=off, every file parsed).
#
#   benches/real-code.sh [RUNS]        (RUNS: hyperfine's --min-runs, 5)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
up=${NIXPLAN_UPSTREAM:-$(cd .. && pwd)/shared/upstream}
[ -d "$up/nixpkgs-lib" ] || { echo "no upstream snapshots at $up (set NIXPLAN_UPSTREAM)"; exit 1; }
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)"; exit 1; }
command -v nix-instantiate >/dev/null || { echo "needs nix-instantiate (apt-get install nix-bin)"; exit 1; }
. benches/nixplan-bin.sh
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
printf '%-14s %11s %11s %11s %7s %7s %11s %11s %7s\n' workload nixplan_ms cold_ms nix_ms time× cold× nixplan_MiB nix_MiB mem×
for w in benches/real/*.nix; do
  name=$(basename "$w" .nix)
  args=(--eval --strict --json --arg upstream "$up" "$w")
  a=$("$NP" eval --strict --json --arg upstream "$up" "$w" 2>/dev/null) || { echo "$name: nixplan failed"; continue; }
  b=$(nix-instantiate "${args[@]}" 2>/dev/null) || { echo "$name: nix-instantiate failed (nix 2.8 may lack what it needs)"; continue; }
  [ "$a" = "$b" ] || { echo "$name: outputs differ"; continue; }
  hyperfine -N --warmup 1 --min-runs "$runs" --export-json "$out/$name.json" \
    "$QNP eval --strict --json --arg upstream $up $w" \
    "env NIXPLAN_PARSE_CACHE=off $QNP eval --strict --json --arg upstream $up $w" \
    "nix-instantiate ${args[*]}" >/dev/null 2>&1
  /usr/bin/time -o "$out/m1" -f %M "$NP" eval --strict --json --arg upstream "$up" "$w" >/dev/null 2>&1
  /usr/bin/time -o "$out/m2" -f %M nix-instantiate "${args[@]}" >/dev/null 2>&1
  m1=$(tail -1 "$out/m1"); m2=$(tail -1 "$out/m2")
  python3 - "$out/$name.json" "$name" "$m1" "$m2" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
a, c, b = (x["median"] * 1000 for x in r)
m1, m2 = int(sys.argv[3]) / 1024, int(sys.argv[4]) / 1024
print(f"{sys.argv[2]:<14} {a:11.1f} {c:11.1f} {b:11.1f} {a/b:7.2f} {c/b:7.2f} {m1:11.1f} {m2:11.1f} {m1/m2:7.2f}")
PY
done
