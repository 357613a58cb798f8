#!/usr/bin/env bash
# Flake inputs, measured by hand (not a test):
#  1. resolving every input of a lock from nixplan's cache (`nixplan
#     inputs`, 12 nodes whose sources are the upstream snapshots, placed in
#     a fresh cache under their nix-computed narHash), best of 5, beside
#     `nix flake metadata` of the same flake (nix reads the lock and hashes
#     nothing: the floor for "read a lock");
#  2. `nixplan plan` of each realworld-dev repository end to end (--offline;
#     the inputs found in ../shared/upstream given with --override-input,
#     and --override-source for those other locks of the repository name;
#     nixpkgs as nixpkgs-lib), best of 3, or the error it stops at.
# Run: benches/inputs.sh   (needs nix-bin for `nix hash path`)
set -euo pipefail
cd "$(dirname "$0")/.."
UP=${NIXPLAN_UPSTREAM:-$(cd ../shared/upstream 2>/dev/null && pwd || echo /work/shared/upstream)}
RW=${NIXPLAN_REALWORLD:-$(cd ../shared/realworld-dev 2>/dev/null && pwd || echo /work/shared/realworld-dev)}
command -v nix >/dev/null || { echo "needs nix (apt-get install nix-bin)"; exit 1; }
. benches/nixplan-bin.sh
# The scratch directory (removed on exit): no other variable may be called
# `work`.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
nixh() { nix --extra-experimental-features nix-command hash path "$@"; }

best() { # best N CMD...: the fastest wall time in ms
  local n=$1 best=
  shift
  for _ in $(seq "$n"); do
    local s e
    s=$(date +%s%N)
    "$@" >/dev/null 2>&1 || true
    e=$(date +%s%N)
    local ms=$(((e - s) / 1000000))
    if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
  done
  echo "$best"
}

# 1. A lock of every upstream snapshot, sources in a fresh cache.
mkdir -p "$work/flake" "$work/cache/nixplan/sources"
nodes=""
inputs=""
for name in agenix colmena disko flake-parts flake-utils home-manager impermanence lanzaboote nix-systems-default nixos-hardware nixpkgs-lib sops-nix; do
  h=$(nixh "$UP/$name")
  b32=$(nixh --base32 "$UP/$name")
  cp -a "$UP/$name" "$work/cache/nixplan/sources/$b32"
  nodes+="\"$name\": { \"flake\": false, \"locked\": { \"type\": \"github\", \"owner\": \"o\", \"repo\": \"$name\", \"rev\": \"0000000000000000000000000000000000000000\", \"narHash\": \"$h\" }, \"original\": { \"type\": \"github\", \"owner\": \"o\", \"repo\": \"$name\" } },"
  inputs+="\"$name\": \"$name\","
done
echo "{ \"nodes\": { $nodes \"root\": { \"inputs\": { ${inputs%,} } } }, \"root\": \"root\", \"version\": 7 }" >"$work/flake/flake.lock"
echo '{ outputs = _: { }; }' >"$work/flake/flake.nix"
np_ms=$(XDG_CACHE_HOME=$work/cache best 5 "$NP" inputs "$work/flake" --offline)
nix_ms=$(best 5 nix --extra-experimental-features 'nix-command flakes' flake metadata --offline "path:$work/flake")
echo "resolve 12 inputs from the cache: nixplan ${np_ms} ms; nix flake metadata ${nix_ms} ms; ratio $(python3 -c "print(round($np_ms/max($nix_ms,1),2))")"

# 2. Each realworld-dev repository, end to end: every lock node (nested
# too) whose repository is an upstream snapshot is overridden, as
# tests/realworld.rs does.
for m in "$RW"/*.json; do
  repo=$(basename "$m" .json)
  target=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['target'])" "$m")
  flake="$RW/src/$repo/${target%%#*}"
  arg="$flake#${target#*#}"
  # A flake below the repository's top: all of the repository its source,
  # as nix copies a git work tree (tests/realworld.rs does the same).
  sub=${target%%#*}
  sub=${sub#/}
  sub=${sub%/}
  if [ -n "$sub" ]; then arg="path:$RW/src/$repo?dir=$sub#${target#*#}"; fi
  mapfile -t mine < <(python3 - "$flake/flake.lock" "$UP" <<'PY'
import json, os, sys
lock = json.load(open(sys.argv[1])); up = sys.argv[2]
snap = {"agenix": "agenix", "colmena": "colmena", "default": "nix-systems-default", "disko": "disko",
        "flake-parts": "flake-parts", "flake-utils": "flake-utils", "home-manager": "home-manager",
        "impermanence": "impermanence", "lanzaboote": "lanzaboote", "nixos-hardware": "nixos-hardware",
        "nixpkgs": "nixpkgs-lib", "nixpkgs.lib": "nixpkgs-lib", "sops-nix": "sops-nix"}
def walk(key, prefix, depth):
    if depth > 3: return
    for name, ref in lock["nodes"][key].get("inputs", {}).items():
        if isinstance(ref, list): continue
        node = lock["nodes"][ref]
        repo = (node.get("locked") or {}).get("repo") or (node.get("original") or {}).get("repo") or ref
        if repo in snap:
            print("--override-input"); print(prefix + name); print(os.path.join(up, snap[repo]))
        walk(ref, prefix + name + "/", depth + 1)
walk(lock["root"], "", 0)
# --override-source for the GitHub sources of every other lock in the
# repository (flake-parts partitions'), which --override-input cannot reach.
seen = set()
for dirpath, dirs, files in sorted(os.walk(os.path.dirname(sys.argv[1]))):
    if "flake.lock" not in files: continue
    for node in json.load(open(os.path.join(dirpath, "flake.lock")))["nodes"].values():
        l = node.get("locked") or {}
        if l.get("type") == "github" and l.get("repo") in snap:
            key = ("github:" + l["owner"] + "/" + l["repo"])
            if key.lower() in seen: continue
            seen.add(key.lower())
            print("--override-source"); print(key); print(os.path.join(up, snap[l["repo"]]))
PY
)
  if out=$("$NP" plan "$arg" --offline "${mine[@]}" 2>&1 >/dev/null); then
    ms=$(best 3 "$NP" plan "$arg" --offline "${mine[@]}")
    echo "$repo: planned in ${ms} ms"
  else
    echo "$repo: stops: $(echo "$out" | grep -m1 '^error' | cut -c1-160)"
  fi
done
