#!/usr/bin/env bash
# Regenerate (or check) the expected outputs of the nixplan differential
# corpus using the reference Nix implementation (nix-instantiate, Nix 2.8).
#
#   tests/corpus/regenerate.sh           rewrite tests/corpus/expected/**.out
#   tests/corpus/regenerate.sh --check   regenerate into a temp dir, list every
#                                        case that differs, exit 1 if any do
#   tests/corpus/regenerate.sh [--check] PATTERN
#                                        only cases whose path contains PATTERN
#
# Hand-written expected files (a third line starting with "hand:") are never
# rewritten and never compared: they cover builtins that Nix 2.8 lacks.
set -u

check=0
pattern=
for arg in "$@"; do
    case "$arg" in
        --check) check=1 ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        -*) echo "unknown option: $arg" >&2; exit 2 ;;
        *) pattern=$arg ;;
    esac
done

# Run from the repository root so that case paths (and therefore relative
# path literals and error positions) are stable.
script_dir=$(cd "$(dirname "$0")" && pwd)
repo_root=$(cd "$script_dir/../.." && pwd)
cd "$repo_root" || exit 2

corpus=tests/corpus
cases_dir=$corpus/cases
expected_dir=$corpus/expected

if [ ! -x /usr/bin/nix-instantiate ]; then
    echo "nix-instantiate missing; installing nix-bin with apt-get" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y nix-bin >&2 || exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/home" "$work/out"

if [ "$check" = 1 ]; then
    out_root=$work/out
else
    out_root=$expected_dir
fi

# Evaluate with a clean, fixed environment so the caller's NIX_PATH, HOME,
# config, etc. cannot leak into the results.
# `<nixplan/lib.nix>` is nixplan's own lib (embedded in the binary): real
# nix reads the same files from the source tree.
nixplan_lib=$(cd "$(dirname "$0")/../../parser/nixos/nix" && pwd)

# The class of a failure, from nix's first error line: what nixplan's own
# error kind must agree with (tests/corpus.rs maps its kinds to these).
# Messages are not compared, only classes.
error_class() {
    local m
    m=$(grep -m1 '^error:' | sed 's/^error: //')
    case "$m" in
        *"infinite recursion encountered"*|*"stack overflow"*) echo recursion ;;
        "syntax error"*|*"already defined at"*|"duplicate formal function argument"*|"path has a trailing slash"*|"invalid integer"*|"invalid float"*) echo syntax ;;
        "undefined variable"*) echo undefined-variable ;;
        "attribute '"*"' missing"*|"attribute '"*"' required"*|"required attribute '"*"' missing"*) echo missing-attribute ;;
        *"called with unexpected argument"*|*"called without required argument"*) echo type ;;
        "assertion "*) echo assertion ;;
        "evaluation aborted"*) echo abort ;;
        "[json.exception"*|"while parsing a TOML"*) echo other ;;
        "division by zero"*|*"overflow in integer"*|"integer overflow"*) echo arithmetic ;;
        "getting status of"*|"opening file"*|"opening directory"*) echo io ;;
        "value is "*" while "*" was expected"*|"cannot coerce"*|"cannot convert"*|"cannot compare"*|"cannot add"*|"attempt to call something which is not a function"*|*"requires a function"*) echo type ;;
        *) echo other ;;
    esac
}

# `ERROR <class>` when nix fails, else what it printed.
nix_line() {
    local err out
    err=$(mktemp)
    if out=$(env -i HOME="$work/home" PATH=/usr/bin:/bin NIX_PATH= NIX_STORE_DIR=/nix/store \
        timeout 120 nix-instantiate --eval --strict -I "nixplan=$nixplan_lib" "$@" 2>"$err"); then
        printf '%s' "$out"
    else
        printf 'ERROR %s' "$(error_class < "$err")"
    fi
    rm -f "$err"
}

is_hand() {
    [ -f "$1" ] && sed -n '3p' "$1" | grep -q '^hand:'
}

total=0
generated=0
hand=0
differ=()

while IFS= read -r case_file; do
    rel=${case_file#"$cases_dir"/}
    [ -n "$pattern" ] && case "$case_file" in *"$pattern"*) ;; *) continue ;; esac
    total=$((total + 1))
    committed=$expected_dir/${rel%.nix}.out
    if is_hand "$committed"; then
        hand=$((hand + 1))
        continue
    fi
    line1="nix: $(nix_line "$case_file")"
    line2="json: $(nix_line --json "$case_file")"
    target=$out_root/${rel%.nix}.out
    mkdir -p "$(dirname "$target")"
    printf '%s\n%s\n' "$line1" "$line2" > "$target"
    generated=$((generated + 1))
    if [ "$check" = 1 ] && ! cmp -s "$target" "$committed"; then
        differ+=("${rel%.nix}")
    fi
done < <(find "$cases_dir" -type f -name '*.nix' | LC_ALL=C sort)

# Expected files without a case are stale: reported by --check, deleted
# otherwise.
removed=0
while IFS= read -r exp_file; do
    rel=${exp_file#"$expected_dir"/}
    [ -n "$pattern" ] && case "$exp_file" in *"$pattern"*) ;; *) continue ;; esac
    [ -f "$cases_dir/${rel%.out}.nix" ] && continue
    if [ "$check" = 1 ]; then
        differ+=("${rel%.out}")
    else
        rm -f "$exp_file"
        removed=$((removed + 1))
    fi
done < <(find "$expected_dir" -type f -name '*.out' 2>/dev/null | LC_ALL=C sort)

if [ "$check" = 1 ]; then
    for d in "${differ[@]+"${differ[@]}"}"; do
        echo "DIFFERS: $cases_dir/$d.nix"
        if [ ! -f "$cases_dir/$d.nix" ]; then
            echo "    (stale expected file $expected_dir/$d.out has no case)"
        elif [ ! -f "$expected_dir/$d.out" ]; then
            echo "    (no committed expected file $expected_dir/$d.out)"
        else
            diff "$expected_dir/$d.out" "$work/out/$d.out" | sed 's/^/    /' | head -8
        fi
    done
    echo "checked $generated cases ($hand hand-written skipped, $total total); ${#differ[@]} differ"
    [ "${#differ[@]}" = 0 ] || exit 1
    exit 0
fi

echo "regenerated $generated cases ($hand hand-written kept, $total total; $removed stale expected files removed)"
