# Sourced by the benchmark scripts (from the repository's root): sets NP to
# the nixplan binary they time. NIXPLAN_BIN names one (e.g. the PGO build
# that benches/pgo.sh prints); else the plain release build, made here.
if [ -n "${NIXPLAN_BIN:-}" ]; then
  [ -x "$NIXPLAN_BIN" ] || { echo "NIXPLAN_BIN=$NIXPLAN_BIN is not an executable" >&2; exit 1; }
  NP=$(realpath "$NIXPLAN_BIN")
else
  cargo build --release -q
  NP=$PWD/target/release/nixplan
fi
# For hyperfine's command strings, which it splits as a shell would.
printf -v QNP %q "$NP"
echo "timing $NP" >&2
