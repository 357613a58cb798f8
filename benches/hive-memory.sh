#!/usr/bin/env bash
# A hive's plan as its number of nodes grows (by hand, not a test): the
# colmena-hive fixture with N more nodes generated (each with its own
# disko layout, as the fixture's), planned for a switch with stand-in
# inputs, offline, every node's system given (nothing is built). Prints,
# per N, the median wall time (hyperfine, at least RUNS runs), the time
# per node, and the peak resident memory of the largest process (GNU
# time: nixplan, or one of the children it evaluates nodes in), with its
# ratio to the smallest N's. nixplan evaluates each node in a process of
# its own, so the peak should not grow with N; in one process it grew by
# each node's evaluation (reference loops are never freed by counting).
# Run: benches/hive-memory.sh [RUNS] [N...]   (default: 3, and 1 10 40)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
shift || true
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(1 10 40)
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)"; exit 1; }
command -v python3 >/dev/null || { echo "needs python3"; exit 1; }
[ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install time)"; exit 1; }
. benches/nixplan-bin.sh
export NIXPLAN_OFFLINE=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r tests/fixtures/colmena-hive "$work/hive"
# The fixture's colmena set, with N generated nodes (N read from n.nix).
python3 - "$work/hive/flake.nix" <<'EOF'
import sys
p = sys.argv[1]
s = open(p).read()
gen = ('(builtins.listToAttrs (map (i: { name = "gen${toString i}"; value = { '
       'imports = [ (diskoLayout "/dev/disk/by-id/gen${toString i}") ]; '
       'networking.hostName = "gen${toString i}"; '
       'deployment.targetHost = "gen${toString i}.example.net"; }; }) '
       '(builtins.genList (x: x) (import ./n.nix)))) // {')
assert '      colmena = {' in s
open(p, 'w').write(s.replace('      colmena = {', '      colmena = ' + gen, 1))
EOF

printf '%8s %12s %14s %10s %8s\n' nodes "median ms" "ms per node" "peak MB" "x first"
first=""
for n in "${SIZES[@]}"; do
  echo "$n" > "$work/hive/n.nix"
  args=(plan "$work/hive" --on 'gen*' --goal switch --format json)
  for ((i = 0; i < n; i++)); do
    args+=(--node-system "gen$i=/nix/store/qcpbj3406g87nifdqh66bikpv1q4z93h-nixos-system-gen$i")
  done
  "$NP" "${args[@]}" >/dev/null 2>&1 || { echo "the plan of $n nodes failed:" >&2; "$NP" "${args[@]}" >/dev/null; exit 1; }
  printf -v cmd '%q ' "$NP" "${args[@]}"
  hyperfine -N --warmup 1 --min-runs "$RUNS" --export-json "$work/h.json" "$cmd" >/dev/null || { echo "hyperfine failed: $cmd" >&2; "$NP" "${args[@]}" 2>&1 >/dev/null | grep -v "^warning" >&2; exit 1; }
  ms=$(python3 -c 'import json, sys; print(round(json.load(open(sys.argv[1]))["results"][0]["median"] * 1000))' "$work/h.json")
  kb=$(/usr/bin/time -f %M "$NP" "${args[@]}" 2>&1 >/dev/null | tail -1)
  mb=$((kb / 1024))
  first=${first:-$mb}
  printf '%8s %12s %14s %10s %8s\n' "$n" "$ms" "$(awk -v a="$ms" -v b="$n" 'BEGIN { printf "%.1f", a / b }')" "$mb" \
    "$(awk -v a="$mb" -v b="$first" 'BEGIN { printf "%.2f", a / (b ? b : 1) }')"
done
