#!/usr/bin/env bash
# Executor overhead: `nixplan apply` of a plan against the same commands
# (each check, then the command, under `env -i` with the plan's
# environment) run from a plain shell script, on a loop device this script
# creates, in the same hyperfine run; prints the ratio. The plan formats
# and mounts one ext4 filesystem and creates 200 persisted directories:
# many small actions, so per-action overhead shows. Needs root.
# Usage: benches/apply-vs-sh.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
[ "$(id -u)" = 0 ] || { echo "needs root (loop devices)"; exit 1; }
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)"; exit 1; }
. benches/nixplan-bin.sh
bin=$NP
work=$(mktemp -d /tmp/nixplan-bench-XXXXXX)
img=$work/disk.img
truncate -s 512M "$img"
loop=$(losetup --find --show "$img")
cleanup() {
  umount -R "$work/root" 2>/dev/null || true
  losetup -d "$loop" || true
  rm -rf "$work"
}
trap cleanup EXIT

python3 - "$work" "$loop" <<'PY'
import sys
work, loop = sys.argv[1], sys.argv[2]
dirs = "\n".join(f'    "/srv/data/d{i:03}"' for i in range(200))
open(f"{work}/bench.nix", "w").write(f'''{{
  disko.rootMountPoint = "{work}/root";
  disko.devices.disk.bench = {{
    type = "disk";
    device = "{loop}";
    content = {{ type = "filesystem"; format = "ext4"; mountpoint = "/"; }};
  }};
  environment.persistence."/persist".directories = [
{dirs}
  ];
}}
''')
PY
"$bin" plan "$work/bench.nix" --bootstrap none --stop-after persist --out "$work/plan.json" >/dev/null

# The same commands as a plain script.
python3 - "$work/plan.json" > "$work/plain.sh" <<'PY'
import json, shlex, sys
plan = json.load(open(sys.argv[1]))
print("set -u")
for a in plan["actions"]:
    env = "env -i " + " ".join(shlex.quote(f"{k}={v}") for k, v in sorted(a["env"].items()))
    if a["argv"]:
        cmd = env + " " + " ".join(shlex.quote(w) for w in a["argv"])
    elif a["script"]:
        cmd = env + " /bin/sh -c " + shlex.quote(a["script"])
    else:
        continue
    if a["kind"] == "facts":
        cmd += " >/dev/null"
    if a["check"]:
        check = env + " " + " ".join(shlex.quote(w) for w in a["check"])
        print(f"if ! {check} >/dev/null 2>&1; then {cmd} >/dev/null 2>&1 || exit 1; fi")
    else:
        print(f"{cmd} >/dev/null 2>&1 || exit 1")
PY

reset="umount -R $work/root 2>/dev/null; wipefs -q -a $loop; rm -rf $work/state"
hyperfine --runs "$runs" --warmup 1 --prepare "$reset" --export-json "$work/result.json" \
  -n nixplan "$bin apply $work/plan.json --yes --state-dir $work/state >/dev/null" \
  -n sh "sh $work/plain.sh"
python3 - "$work/result.json" "$work/plan.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
actions = len(json.load(open(sys.argv[2]))["actions"])
n, s = r["nixplan"]["mean"], r["sh"]["mean"]
print(f"actions: {actions}; nixplan {n:.3f} s, sh {s:.3f} s; ratio nixplan/sh = {n/s:.3f}")
PY
