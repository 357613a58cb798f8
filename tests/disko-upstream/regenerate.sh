#!/usr/bin/env bash
# disko's own create and mount scripts for each of its examples, generated
# by the real nix (nix-bin) from the upstream snapshots: disko's library over
# nixpkgs' lib (gen.nix). tests/disko_upstream.rs compares nixplan's plans
# with them.
#
#   tests/disko-upstream/regenerate.sh          rewrite expected/NAME.{create,mount}.sh
#   tests/disko-upstream/regenerate.sh --check  regenerate into a temporary
#                                               directory and fail on any difference
#
# The snapshots are NIXPLAN_UPSTREAM, else ../shared/upstream beside the
# repository, else /work/shared/upstream.
set -euo pipefail

check=0
case "${1:-}" in
  --check) check=1 ;;
  "") ;;
  *) sed -n '2,12p' "$0"; exit 2 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
upstream=
for candidate in "${NIXPLAN_UPSTREAM:-}" "$root/../shared/upstream" /work/shared/upstream; do
  if [ -n "$candidate" ] && [ -f "$candidate/disko/lib/default.nix" ]; then
    upstream=$(cd "$candidate" && pwd)
    break
  fi
done
if [ -z "$upstream" ]; then
  echo "no upstream snapshots (set NIXPLAN_UPSTREAM)" >&2
  exit 2
fi
if ! command -v nix >/dev/null; then
  echo "nix missing; installing nix-bin with apt-get" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nix-bin >&2
fi

out="$here/expected"
work=
if [ "$check" = 1 ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  out="$work"
fi
mkdir -p "$out"

examples=()
# disko's examples, then nixplan's own (extra/: options no example of
# disko's sets), made by the same disko.
for f in "$upstream"/disko/example/*.nix "$upstream"/disko/example/*/configuration.nix "$here"/extra/*.nix; do
  case "$f" in
    */configuration.nix) examples+=("$(dirname "$f")") ;;
    *) examples+=("$f") ;;
  esac
done

failed=0
for example in "${examples[@]}"; do
  name=$(basename "$example" .nix)
  for script in create mount; do
    # nix prints a warning about its build users on a machine without
    # them, and disko's deprecation traces; neither is part of the script.
    if ! nix --extra-experimental-features nix-command eval --raw \
      -f "$here/gen.nix" "$script" \
      --arg example "$example" \
      --arg disko "$upstream/disko" \
      --arg nixpkgsLib "$upstream/nixpkgs-lib/lib" \
      >"$out/$name.$script.sh" 2>"$out/$name.$script.err"; then
      echo "$name: nix could not generate the $script script:" >&2
      cat "$out/$name.$script.err" >&2
      failed=1
    fi
    rm -f "$out/$name.$script.err"
  done
done
echo "${#examples[@]} examples (disko's and nixplan's own extra/) made by disko $(nix --extra-experimental-features nix-command eval --raw -f "$upstream/disko/version.nix" version 2>/dev/null || echo '(no version.nix)')"

if [ "$check" = 1 ]; then
  if ! diff -r "$here/expected" "$work" >/dev/null; then
    echo "the committed scripts in tests/disko-upstream/expected differ from what nix generates now:" >&2
    diff -r "$here/expected" "$work" | head -40 >&2
    exit 1
  fi
  echo "disko's scripts for every example agree with the committed ones"
fi
exit "$failed"
