#!/usr/bin/env bash
# How parsing grows with the size of a file: for files of 10^4, 10^5 and
# 10^6 terms in several shapes (the value is bound but never evaluated, so
# this is parsing and lowering), nixplan's and nix-instantiate's wall time
# (best of 3, whole process), their ratio, and nixplan's growth per 10x
# (10 means linear). The shapes rnix/rowan would parse in quadratic time
# (long runs of path characters, long unspaced operator or application
# chains) are parsed respaced (parser/syntax/src/respace.rs); the last rows
# show their growth (nix 2.8 is itself quadratic on the unspaced sum).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v nix-instantiate >/dev/null || { echo "needs nix-instantiate (apt-get install nix-bin)"; exit 1; }
. benches/nixplan-bin.sh
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

gen() { # gen SHAPE N FILE
  python3 - "$1" "$2" "$3" <<'PY'
import sys
shape, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
body = {
  "sum":      lambda: " + ".join(["1"] * n),
  "list":     lambda: "[ " + " ".join(["1"] * n) + " ]",
  "attrs":    lambda: "{ " + " ".join(f"a{i} = {i};" for i in range(n)) + " }",
  "lets":     lambda: "let " + " ".join(f"v{i} = {i};" for i in range(n)) + " in v0",
  "strings":  lambda: "[ " + " ".join(f'"s{i} ${{toString {i}}}"' for i in range(n)) + " ]",
  "tight":    lambda: "+".join(["1"] * n),
  "tightpar": lambda: "+".join(["(1)"] * n),
  "apply":    lambda: "(let f = x: f; in f) " + " ".join(["1"] * n),
  "select":   lambda: "let a = { a = a; }; in a" + ".a" * n,
}[shape]()
open(out, "w").write(f"let x = {body}; in 1\n")
PY
}

best() { # best CMD...: the best wall time of 3 runs, in ms (each cut at 60 s)
  local b=999999999 t
  for _ in 1 2 3; do
    /usr/bin/time -o "$dir/time" -f %e timeout -k 5 60 "$@" >/dev/null 2>&1 || true
    t=$(python3 -c "print(int(float(open('$dir/time').read().split()[-1]) * 1000))")
    [ "$t" -lt "$b" ] && b=$t
    [ "$t" -ge 60000 ] && break
  done
  echo "$b"
}

printf '%-10s %9s %12s %10s %8s %8s\n' shape terms nixplan_ms nix_ms ratio growth
# SHAPES="sum list" runs only those.
for shape in ${SHAPES:-sum list attrs lets strings tight tightpar apply select}; do
  prev=
  for n in 10000 100000 1000000; do
    f=$dir/$shape-$n.nix
    gen "$shape" "$n" "$f"
    a=$(best "$NP" eval "$f")
    b=$(best nix-instantiate --eval "$f")
    ratio=$(python3 -c "print(f'{max($a,1)/max($b,1):.2f}')")
    growth=$([ -n "$prev" ] && python3 -c "print(f'{max($a,1)/max($prev,1):.1f}')" || echo -)
    printf '%-10s %9s %12s %10s %8s %8s\n' "$shape" "$n" "$a" "$b" "$ratio" "$growth"
    prev=$a
  done
done
