//! The facts: what the executor learns of a target before anything runs
//! (the script it runs there, and the script's output read as JSON), and
//! what those facts mean for the plan's conditions.

/// A POSIX sh script printing the target's facts as `key=value` lines
/// (a dotted key nests: `by_id.NAME=/dev/sda` is `{"by_id": {"NAME": ...}}`;
/// `disks` is lsblk's JSON).
pub const FACTS_SCRIPT: &str = r#"set -u
echo "os_id=$(. /etc/os-release 2>/dev/null; echo "${ID:-}")"
echo "os_variant_id=$(. /etc/os-release 2>/dev/null; echo "${VARIANT_ID:-}")"
echo "arch=$(uname -m)"
echo "kernel=$(uname -r)"
echo "mem_kib=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo 2>/dev/null)"
sb=0; for f in /sys/firmware/efi/efivars/SecureBoot-*; do [ -e "$f" ] && sb=$(od -An -tu1 -j4 -N1 "$f" 2>/dev/null | tr -d ' '); done
echo "secure_boot=${sb:-0}"
echo "efi=$([ -d /sys/firmware/efi ] && echo 1 || echo 0)"
echo "lockdown=$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/security/lockdown 2>/dev/null)"
echo "kexec_load_disabled=$(cat /proc/sys/kernel/kexec_load_disabled 2>/dev/null || echo 0)"
c=none; if command -v systemd-detect-virt >/dev/null 2>&1; then c=$(systemd-detect-virt --container 2>/dev/null) || c=none; elif [ -f /.dockerenv ]; then c=docker; fi
echo "container=$c"
echo "uid=$(id -u)"
echo "sudo=$(sudo -n true >/dev/null 2>&1 && echo 1 || echo 0)"
echo "doas=$(doas -n true >/dev/null 2>&1 && echo 1 || echo 0)"
for t in nix nixos-install kexec sgdisk parted wipefs mkfs.ext4 mkfs.vfat mkfs.btrfs mkfs.xfs cryptsetup pvcreate mdadm zpool mkswap; do
  echo "tool.$t=$(command -v "$t" >/dev/null 2>&1 && echo 1 || echo 0)"
done
echo "disks=$(lsblk --json --bytes --output NAME,PATH,SIZE,SERIAL,TYPE,FSTYPE,UUID,MOUNTPOINTS 2>/dev/null | tr -d '\n')"
echo "btrfs_members=$(for d in $(blkid -t TYPE=btrfs -o device 2>/dev/null); do printf '%s:%s ' "$(blkid -s UUID -o value "$d")" "$d"; done)"
echo "zpool_members=$(zpool list -HPv 2>/dev/null | awk -F'\t' '$1 != "" { p = $1; next } { for (i = 1; i <= NF; i++) if ($i ~ /^\//) printf "%s:%s ", p, $i }')"
for l in /dev/disk/by-id/*; do [ -e "$l" ] || continue; echo "by_id.${l##*/}=$(readlink -f "$l")"; done
"#;

fn fact<'a>(facts: &'a serde_json::Value, key: &str) -> Option<&'a str> {
    facts.get(key).and_then(|v| v.as_str())
}

/// Why kexec cannot work on a target with these facts, if it cannot.
pub fn kexec_blocker(facts: &serde_json::Value) -> Option<String> {
    if fact(facts, "secure_boot") == Some("1") {
        return Some("Secure Boot is on".into());
    }
    if let Some(l) = fact(facts, "lockdown") {
        if l != "none" && !l.is_empty() {
            return Some(format!("the kernel is locked down ({l})"));
        }
    }
    if fact(facts, "kexec_load_disabled") == Some("1") {
        return Some("kexec_load_disabled is set".into());
    }
    if let Some(c) = fact(facts, "container") {
        if c != "none" && !c.is_empty() {
            return Some(format!("it is a container ({c})"));
        }
    }
    None
}

pub fn is_installer(facts: &serde_json::Value) -> bool {
    fact(facts, "os_id") == Some("nixos") && fact(facts, "os_variant_id") == Some("installer")
}

/// The size of a disk, from the facts (lsblk JSON; by-id links resolved).
pub fn disk_size(facts: Option<&serde_json::Value>, device: &str) -> Option<u64> {
    let facts = facts?;
    let path = match device.strip_prefix("/dev/disk/by-id/") {
        Some(id) => facts.get("by_id")?.get(id)?.as_str()?.to_string(),
        None => device.to_string(),
    };
    let disks = match facts.get("disks")? {
        serde_json::Value::String(s) => serde_json::from_str::<serde_json::Value>(s).ok()?,
        v => v.clone(),
    };
    let dev = disks
        .get("blockdevices")?
        .as_array()?
        .iter()
        .find(|d| d.get("path").and_then(|p| p.as_str()) == Some(path.as_str()))?
        .clone();
    match dev.get("size")? {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.parse().ok(),
        _ => None,
    }
}
