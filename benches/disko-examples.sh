#!/usr/bin/env bash
# nixplan planning each of disko's examples end to end, beside disko
# generating its own create and mount scripts for it with the real nix, in
# the same run (by hand, not a test):
#   nixplan:  `nixplan plan EXAMPLE --phases disko --format json`, with the
#             stand-in disko, with the real disko by nixpkgs' real lib
#             (--override-input disko/nixpkgs from ../shared/upstream), and
#             (`own`) with the real disko by nixplan's own lib
#             (--override-input disko alone);
#   disko:    `nix-instantiate --eval --strict --json
#             tests/disko-upstream/gen.nix` (both scripts in one evaluation,
#             disko's library over nixpkgs' lib; nix only evaluates, it
#             builds nothing).
# nixplan's runs read its parse cache (warm: hyperfine's warm-up run
# fills it); `real0` is the real disko with the cache off
# (NIXPLAN_PARSE_CACHE=off: every file parsed, as on a first run).
# Median wall times in ms over at least N runs (default 5) by hyperfine
# without a shell (-N: nothing but the process is timed), peak RSS in MB
# of one run, and the ratio disko/nixplan (above 1: nixplan is faster).
# Run: benches/disko-examples.sh [N]   (needs nix-bin)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-5}
UP=${NIXPLAN_UPSTREAM:-$(cd ../shared/upstream 2>/dev/null && pwd || echo /work/shared/upstream)}
command -v nix >/dev/null || { echo "needs nix (apt-get install nix-bin)"; exit 1; }
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)"; exit 1; }
command -v python3 >/dev/null || { echo "needs python3"; exit 1; }
[ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install time)"; exit 1; }
. benches/nixplan-bin.sh
export NIXPLAN_OFFLINE=1
json=$(mktemp)
trap 'rm -f "$json"' EXIT

medians() { # medians() JSON: hyperfine's median of each command, in ms
  python3 -c 'import json, sys
print(*(round(x["median"] * 1000) for x in json.load(open(sys.argv[1]))["results"]))' "$1"
}
printf -v qnp %q "$NP"
printf -v qup %q "$UP"

rss() { # peak resident memory of one run, in MB
  local out
  out=$(mktemp)
  /usr/bin/time -o "$out" -f %M "$@" >/dev/null 2>&1 || true
  tail -1 "$out" | awk '{ printf "%d", $1 / 1024 }'
  rm -f "$out"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / (b ? b : 1) }'; }
printf '%-32s %9s %9s %9s %9s %9s %8s %8s %8s %8s %8s %7s %7s\n' example stand-in real own real0 disko "d/s-in" "d/real" "d/own" "d/real0" "MB s-in" "MB real" "MB nix"
tot_s=0 tot_r=0 tot_o=0 tot_c=0 tot_d=0
for f in "$UP"/disko/example/*.nix "$UP"/disko/example/*/configuration.nix; do
  case "$f" in */configuration.nix) ex=$(dirname "$f") ;; *) ex=$f ;; esac
  name=$(basename "$ex" .nix)
  # hyperfine -N splits its commands into words as a shell would: every
  # path quoted for that.
  printf -v qf %q "$f"
  printf -v qex %q "$ex"
  plan="$qnp plan $qf --phases disko --format json"
  own="--override-input disko $qup/disko"
  over="$own --override-input nixpkgs $qup/nixpkgs-lib"
  disko="nix-instantiate --eval --strict --json tests/disko-upstream/gen.nix --arg example $qex --arg disko $qup/disko --arg nixpkgsLib $qup/nixpkgs-lib/lib"
  hyperfine -N --warmup 1 --min-runs "$N" -i --export-json "$json" \
    "$plan" "$plan $over" "$plan $own" "$disko" >/dev/null || { echo "$name: hyperfine failed" >&2; exit 1; }
  read -r s r o d < <(medians "$json")
  # The parse cache off for the whole run (no `env` exec timed with it).
  NIXPLAN_PARSE_CACHE=off hyperfine -N --warmup 1 --min-runs "$N" -i --export-json "$json" \
    "$plan $over" >/dev/null || { echo "$name: hyperfine failed" >&2; exit 1; }
  read -r c < <(medians "$json")
  tot_s=$((tot_s + s)) tot_r=$((tot_r + r)) tot_o=$((tot_o + o)) tot_c=$((tot_c + c)) tot_d=$((tot_d + d))
  printf '%-32s %9s %9s %9s %9s %9s %8s %8s %8s %8s %8s %7s %7s\n' "$name" "$s" "$r" "$o" "$c" "$d" \
    "$(ratio "$d" "$s")" "$(ratio "$d" "$r")" "$(ratio "$d" "$o")" "$(ratio "$d" "$c")" \
    "$(rss env NIXPLAN_OFFLINE=1 "$NP" plan "$f" --phases disko --format json)" \
    "$(rss env NIXPLAN_OFFLINE=1 "$NP" plan "$f" --phases disko --format json \
      --override-input disko "$UP/disko" --override-input nixpkgs "$UP/nixpkgs-lib")" \
    "$(rss nix-instantiate --eval --strict --json tests/disko-upstream/gen.nix \
      --arg example "$ex" --arg disko "$UP/disko" --arg nixpkgsLib "$UP/nixpkgs-lib/lib")"
done
printf '%-32s %9s %9s %9s %9s %9s %8s %8s %8s %8s\n' total "$tot_s" "$tot_r" "$tot_o" "$tot_c" "$tot_d" \
  "$(ratio "$tot_d" "$tot_s")" "$(ratio "$tot_d" "$tot_r")" "$(ratio "$tot_d" "$tot_o")" "$(ratio "$tot_d" "$tot_c")"
