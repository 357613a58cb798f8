#!/usr/bin/env bash
# Evaluate each workload with nixplan and with nix-instantiate in the same
# run (hyperfine, whole processes, start-up included) and print the ratio
# nixplan/nix of median wall time (below 1 means nixplan is faster; the
# median, as issue 16 states its goal, is steadier than the mean here) and of
# peak memory. The workloads are benches/workloads/*.nix (programs shaped
# like what nixplan evaluates), or those of the directory given:
# benches/micro holds one small program per builtin or language feature, to
# find the ones slower than nix's (`benches/eval-vs-nix.sh benches/micro`).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)"; exit 1; }
command -v nix-instantiate >/dev/null || { echo "needs nix-instantiate (apt-get install nix-bin)"; exit 1; }
. benches/nixplan-bin.sh
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
printf '%-16s %12s %12s %8s %12s %12s %8s\n' workload nixplan_ms nix_ms time× nixplan_MiB nix_MiB mem×
DIR=${1:-benches/workloads}
for w in "$DIR"/*.nix; do
  name=$(basename "$w" .nix)
  # Both must agree before their speed means anything.
  a=$("$NP" eval --json "$w"); b=$(nix-instantiate --eval --strict --json "$w" 2>/dev/null)
  [ "$a" = "$b" ] || { echo "$name: outputs differ"; exit 1; }
  hyperfine -N --warmup 2 --min-runs 5 --export-json "$out/$name.json" \
    "$QNP eval --json $w" "nix-instantiate --eval --strict --json $w" >/dev/null 2>&1
  m1=$( { /usr/bin/time -f %M "$NP" eval --json "$w" >/dev/null; } 2>&1 | tail -1)
  m2=$( { /usr/bin/time -f %M nix-instantiate --eval --strict --json "$w" >/dev/null; } 2>&1 | tail -1)
  python3 - "$out/$name.json" "$name" "$m1" "$m2" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
a, b = r[0]["median"] * 1000, r[1]["median"] * 1000
m1, m2 = int(sys.argv[3]) / 1024, int(sys.argv[4]) / 1024
print(f"{sys.argv[2]:<16} {a:12.1f} {b:12.1f} {a/b:8.2f} {m1:12.1f} {m2:12.1f} {m1/m2:8.2f}")
PY
done

# The rest measures nixplan's own commands on the default workloads only.
[ "$DIR" = benches/workloads ] || exit 0

# End to end: a typical fixture flake through the module system to the
# typed configuration (no nix counterpart offline: absolute times). Offline:
# a run that may fetch measures the network (a lookup that times out).
printf '\n%-40s %12s %12s\n' "config target" mean_ms peak_MiB
for t in "tests/fixtures/esp-ext4#alder" "tests/fixtures/impermanence-tmpfs-root#fir" "tests/fixtures/colmena-hive#web1"; do
  hyperfine -N --warmup 2 --min-runs 10 --export-json "$out/config.json" "$QNP config --json --offline $t" >/dev/null 2>&1
  m=$( { /usr/bin/time -f %M "$NP" config --json --offline "$t" >/dev/null; } 2>&1 | tail -1)
  python3 - "$out/config.json" "$t" "$m" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(f"{sys.argv[2]:<40} {r['mean']*1000:12.1f} {int(sys.argv[3])/1024:12.1f}")
PY
done

# Lint and plan of an impermanence configuration with 20k persisted
# directories, end to end (evaluation included).
big="$out/persist20k-module.nix"
cat > "$big" <<'NIX'
{
  disko.devices = {
    nodev."/" = { fsType = "tmpfs"; };
    disk.main = { device = "/dev/disk/by-id/nvme-BENCH"; content.type = "gpt"; content.partitions = {
      ESP = { size = "512M"; type = "EF00"; content = { type = "filesystem"; format = "vfat"; mountpoint = "/boot"; }; };
      nix = { size = "50G"; content = { type = "filesystem"; format = "ext4"; mountpoint = "/nix"; }; };
      persist = { size = "100%"; content = { type = "filesystem"; format = "ext4"; mountpoint = "/persist"; }; };
    }; };
  };
  fileSystems."/persist".neededForBoot = true;
  boot.loader.systemd-boot.enable = true;
  environment.persistence."/persist" = {
    files = [ "/etc/machine-id" "/etc/ssh/ssh_host_ed25519_key" ];
    directories = [ "/var/lib/nixos" ] ++ builtins.genList (i: { directory = "/var/lib/app${toString (i / 100)}/d${toString i}"; mode = "0750"; }) 20000;
  };
}
NIX
printf '\n%-40s %12s %12s\n' "20k persisted directories" mean_ms peak_MiB
for cmd in lint plan; do
  hyperfine -N --warmup 1 --min-runs 5 --export-json "$out/big.json" "$QNP $cmd --format json $big" >/dev/null 2>&1
  m=$( { /usr/bin/time -f %M "$NP" $cmd --format json "$big" >/dev/null; } 2>&1 | tail -1)
  python3 - "$out/big.json" "$cmd" "$m" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(f"nixplan {sys.argv[2]:<32} {r['mean']*1000:12.1f} {int(sys.argv[3])/1024:12.1f}")
PY
done

# A colmena hive of 500 nodes: planning one node (evaluation included).
hive="$out/hive"
mkdir -p "$hive"
cat > "$hive/flake.nix" <<'NIX'
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.05";
  inputs.disko.url = "github:nix-community/disko";
  inputs.disko.inputs.nixpkgs.follows = "nixpkgs";
  outputs = { self, nixpkgs, disko }: {
    colmena = {
      meta.nixpkgs = import nixpkgs { system = "x86_64-linux"; };
      defaults = { name, ... }: {
        imports = [ disko.nixosModules.disko ];
        networking.hostName = name;
        boot.loader.systemd-boot.enable = true;
        disko.devices.disk.main = {
          device = "/dev/disk/by-id/nvme-${name}";
          content.type = "gpt";
          content.partitions = {
            ESP = { size = "512M"; type = "EF00"; content = { type = "filesystem"; format = "vfat"; mountpoint = "/boot"; }; };
            root = { size = "100%"; content = { type = "filesystem"; format = "ext4"; mountpoint = "/"; }; };
          };
        };
      };
    } // builtins.listToAttrs (builtins.genList (i: { name = "node${toString i}"; value = { deployment.targetHost = "10.0.${toString (i / 250)}.${toString (i - (i / 250) * 250 + 1)}"; }; }) 500);
  };
}
NIX
# The fixture hive's lock (nixpkgs and disko locked; offline, nixplan's
# stand-ins serve them): every input needs a lock entry.
cp tests/fixtures/colmena-hive/flake.lock "$hive/flake.lock"
printf '\n%-40s %12s %12s\n' "500-node colmena hive" mean_ms peak_MiB
hyperfine -N --warmup 1 --min-runs 5 --export-json "$out/hive.json" "env NIXPLAN_OFFLINE=1 $QNP plan --format json $hive#node250" >/dev/null 2>&1
m=$( { NIXPLAN_OFFLINE=1 /usr/bin/time -f %M "$NP" plan --format json "$hive#node250" >/dev/null; } 2>&1 | tail -1)
python3 - "$out/hive.json" "$m" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(f"{'nixplan plan node250':<40} {r['mean']*1000:12.1f} {int(sys.argv[2])/1024:12.1f}")
PY
