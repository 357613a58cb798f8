#!/usr/bin/env bash
# Issue 17's deploy benchmark: HOSTS targets (each a real sshd in a network
# namespace and a mount namespace of its own: its /run and /nix, so its own
# store, are this script's directories: closure copies are real), one hive plan
# (goal switch, no watchdog, a system built here by nix-build whose
# switch-to-configuration records its goal) applied with --parallel 1 and
# --parallel HOSTS, against a shell script that runs the same commands
# (ssh, nix copy, nix-env --set, switch-to-configuration) for every host at
# once. hyperfine, same run; prints mean times and the ratios.
# Run as root. Everything made is removed by name on exit.
#
#   benches/deploy.sh [HOSTS] [RUNS]        (8 hosts, hyperfine --min-runs 3)
set -euo pipefail
cd "$(dirname "$0")/.."
hosts=${1:-8}
runs=${2:-3}
[ "$(id -u)" = 0 ] || { echo "run as root (network and mount namespaces)"; exit 1; }
for t in hyperfine nix-build ip unshare /usr/sbin/sshd ssh-keygen; do
  command -v "$t" >/dev/null || { echo "needs $t"; exit 1; }
done
. benches/nixplan-bin.sh
root=$(mktemp -d /tmp/nixplan-bench-deploy.XXXXXX)
tag=$(( $$ % 1000 ))
cleanup() {
  for i in $(seq 1 "$hosts"); do
    d=$root/t$i
    if [ -f "$d/sshd.pid" ]; then
      pid=$(cat "$d/sshd.pid")
      grep -qF "$d/sshd_config" "/proc/$pid/cmdline" 2>/dev/null && kill "$pid" 2>/dev/null || true
    fi
    ip link del "npbd${tag}v${i}a" 2>/dev/null || true
    ip netns del "npbd${tag}n$i" 2>/dev/null || true
  done
  rm -rf "$root"
}
trap cleanup EXIT
ssh-keygen -q -t ed25519 -N '' -f "$root/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$root/id"
: > "$root/known_hosts"
nodes=""
for i in $(seq 1 "$hosts"); do
  d=$root/t$i ns=npbd${tag}n$i v=npbd${tag}v$i
  a=10.233.$i.2
  mkdir -p "$d/run" "$d/nix"
  cp "$root/id.pub" "$d/authorized_keys"
  ip netns add "$ns"
  ip link add "${v}a" type veth peer name "${v}b"
  ip link set "${v}b" netns "$ns"
  ip addr add "10.233.$i.1/24" dev "${v}a"; ip link set "${v}a" up
  ip -n "$ns" addr add "$a/24" dev "${v}b"; ip -n "$ns" link set "${v}b" up; ip -n "$ns" link set lo up
  cat > "$d/sshd_config" <<EOF
ListenAddress $a
HostKey $root/host_key
AuthorizedKeysFile $d/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
UsePAM no
StrictModes no
PidFile $d/sshd.pid
EOF
  ip netns exec "$ns" unshare -m sh -c "mount --make-rprivate / && mount --bind '$d/run' /run && mount --bind '$d/nix' /nix && mkdir -p /run/sshd && exec /usr/sbin/sshd -f '$d/sshd_config'"
  printf '%s %s\n' "$a" "$(cut -d' ' -f1,2 "$root/host_key.pub")" >> "$root/known_hosts"
  nodes="$nodes    n$i = { deployment.targetHost = \"$a\"; deployment.targetUser = \"root\"; };
"
done
cat > "$root/system.nix" <<'EOF'
derivation {
  name = "nixos-system-bench";
  system = builtins.currentSystem;
  builder = "/bin/sh";
  args = [ "-c" ''
    /bin/mkdir -p $out/bin
    /bin/cat > $out/bin/switch-to-configuration <<EOF
    #!/bin/sh
    echo "switch \$1" >> /run/deploy-record
    /bin/ln -sfn $out /run/current-system
    EOF
    /bin/chmod +x $out/bin/switch-to-configuration
  '' ];
}
EOF
sys=$(nix-build --option build-users-group '' --option sandbox false --no-out-link "$root/system.nix" 2>/dev/null)
mkdir -p "$root/hive"
printf '{\n  outputs = { self }: {\n    colmena = {\n%s    };\n  };\n}\n' "$nodes" > "$root/hive/flake.nix"
given=()
for i in $(seq 1 "$hosts"); do given+=(--node-system "n$i=$sys"); done
NIXPLAN_OFFLINE=1 "$NP" plan "$root/hive" --goal switch --no-rollback "${given[@]}" --out "$root/plan.json" >/dev/null
opts="-o UserKnownHostsFile=$root/known_hosts -o GlobalKnownHostsFile=/dev/null -o BatchMode=yes -i $root/id"
apply="$QNP apply $root/plan.json --yes -i $root/id --state-dir $root/state --ssh-option UserKnownHostsFile=$root/known_hosts --ssh-option GlobalKnownHostsFile=/dev/null"
# The same commands by hand, every host at once.
cat > "$root/by-hand.sh" <<EOF
#!/bin/sh
set -eu
for i in \$(seq 1 $hosts); do
  (
    h=root@10.233.\$i.2
    NIX_SSHOPTS="$opts" nix --extra-experimental-features 'nix-command flakes' copy --no-check-sigs --to "ssh-ng://\$h" $sys
    ssh $opts "\$h" nix-env -p /nix/var/nix/profiles/system --set $sys
    ssh $opts "\$h" $sys/bin/switch-to-configuration switch
  ) &
done
wait
EOF
chmod +x "$root/by-hand.sh"
"$root/by-hand.sh" >/dev/null 2>&1 || { echo "the shell script failed"; exit 1; }
$apply --parallel "$hosts" >/dev/null 2>&1 || { echo "nixplan apply failed"; exit 1; }
hyperfine -N --warmup 1 --min-runs "$runs" --export-json "$root/r.json" \
  "$apply --parallel 1" "$apply --parallel $hosts" "$root/by-hand.sh" >/dev/null 2>&1
python3 - "$root/r.json" "$hosts" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
one, many, sh = (x["mean"] * 1000 for x in r)
n = sys.argv[2]
print(f"{n} hosts, goal switch (no watchdog), mean of hyperfine runs")
print(f"nixplan apply --parallel 1  {one:9.0f} ms")
print(f"nixplan apply --parallel {n:<2} {many:9.0f} ms   speed-up x{one/many:.2f}")
print(f"shell script, all at once   {sh:9.0f} ms   nixplan/shell {many/sh:.2f}")
PY
