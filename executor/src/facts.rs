//! The target's facts: the output of the plan's facts script (`key=value`
//! lines) turned into the JSON the planner reads, and the questions the
//! guards ask of it (which block device a path is, what is mounted on it).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// `key=value` lines to JSON: a dotted key nests (`by_id.X=/dev/sda` is
/// `{"by_id": {"X": "/dev/sda"}}`), `disks` holds lsblk's JSON, every other
/// value stays a string.
pub fn parse(output: &str) -> Result<Value, String> {
    let mut root = Map::new();
    for (n, line) in output.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(format!(
                "line {} of the facts is not key=value: {line:?}",
                n + 1
            ));
        };
        if key == "disks" {
            let disks = if value.trim().is_empty() {
                Value::Null
            } else {
                serde_json::from_str(value).map_err(|e| format!("the disks fact (lsblk): {e}"))?
            };
            root.insert(key.into(), disks);
            continue;
        }
        match key.split_once('.') {
            Some((group, name)) => {
                let entry = root
                    .entry(group.to_string())
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(m) = entry {
                    m.insert(name.into(), Value::String(value.into()));
                }
            }
            None => {
                root.insert(key.into(), Value::String(value.into()));
            }
        }
    }
    for required in ["os_id", "arch", "uid"] {
        if !root.contains_key(required) {
            return Err(format!("the facts have no {required}"));
        }
    }
    Ok(Value::Object(root))
}

pub fn get<'a>(facts: &'a Value, key: &str) -> Option<&'a str> {
    facts.get(key).and_then(|v| v.as_str())
}

/// The kernel name of a device path as the facts know it (by-id links
/// resolved through the facts' `by_id` map).
pub fn resolve(facts: &Value, device: &str) -> String {
    if let Some(id) = device.strip_prefix("/dev/disk/by-id/") {
        if let Some(p) = facts
            .get("by_id")
            .and_then(|m| m.get(id))
            .and_then(|v| v.as_str())
        {
            return p.to_string();
        }
    }
    device.to_string()
}

fn block_devices(facts: &Value) -> Vec<Value> {
    let disks = match facts.get("disks") {
        Some(Value::String(s)) => serde_json::from_str::<Value>(s).unwrap_or(Value::Null),
        Some(v) => v.clone(),
        None => Value::Null,
    };
    disks
        .get("blockdevices")
        .and_then(|b| b.as_array())
        .cloned()
        .unwrap_or_default()
}

/// lsblk's entry for the disk at `path` (after resolving), if the facts
/// list it.
pub fn disk(facts: &Value, device: &str) -> Option<Value> {
    let path = resolve(facts, device);
    block_devices(facts)
        .into_iter()
        .find(|d| d.get("path").and_then(|p| p.as_str()) == Some(path.as_str()))
}

/// Every `(device path, mountpoint)` on the disk or anything stacked on it
/// (partitions, mappings, volumes).
pub fn mounts_on(disk: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let path = disk
        .get("path")
        .and_then(|p| p.as_str())
        .unwrap_or("?")
        .to_string();
    let mut points: Vec<String> = Vec::new();
    if let Some(arr) = disk.get("mountpoints").and_then(|m| m.as_array()) {
        points.extend(arr.iter().filter_map(|m| m.as_str()).map(str::to_string));
    }
    if let Some(m) = disk.get("mountpoint").and_then(|m| m.as_str()) {
        points.push(m.to_string());
    }
    for p in points {
        out.push((path.clone(), p));
    }
    if let Some(children) = disk.get("children").and_then(|c| c.as_array()) {
        for c in children {
            out.extend(mounts_on(c));
        }
    }
    out
}

/// Devices stacked on a disk or its partitions and active now (an open
/// LUKS mapping, a logical volume, an assembled md array): `(path, type)`.
pub fn holders_on(disk: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(children) = disk.get("children").and_then(|c| c.as_array()) {
        for c in children {
            let ty = c.get("type").and_then(|t| t.as_str()).unwrap_or("");
            let stacked =
                matches!(ty, "crypt" | "lvm" | "dm" | "md" | "bcache") || ty.starts_with("raid");
            if stacked {
                let path = c.get("path").and_then(|p| p.as_str()).unwrap_or("?");
                out.push((path.to_string(), ty.to_string()));
            }
            out.extend(holders_on(c));
        }
    }
    out
}

/// The entry itself and everything under it.
fn family(node: &Value) -> Vec<&Value> {
    let mut out = vec![node];
    if let Some(children) = node.get("children").and_then(|c| c.as_array()) {
        for c in children {
            out.extend(family(c));
        }
    }
    out
}

fn text<'v>(node: &'v Value, key: &str) -> Option<&'v str> {
    node.get(key)
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
}

/// What uses the disk without showing on it in lsblk: a btrfs filesystem
/// with a member on the disk that is mounted from another device (lsblk
/// shows a multi-device btrfs's mount on one member only), and imported
/// zpools with a vdev on the disk (the facts' `zpool_members`,
/// `POOL:/dev/PATH` words). Each as a sentence.
pub fn used_elsewhere(facts: &Value, disk: &Value) -> Vec<String> {
    let all = block_devices(facts);
    let everything: Vec<&Value> = all.iter().flat_map(family).collect();
    let mine = family(disk);
    let mine_paths: Vec<&str> = mine.iter().filter_map(|n| text(n, "path")).collect();
    // The btrfs filesystem of each device: lsblk's FSTYPE/UUID where udev
    // knows them, else blkid's probe (the facts' `btrfs_members`,
    // `UUID:/dev/PATH` words; lsblk is blind where udev does not run).
    let mut btrfs: BTreeMap<String, String> = BTreeMap::new();
    for n in &everything {
        if let (Some("btrfs"), Some(uuid), Some(path)) =
            (text(n, "fstype"), text(n, "uuid"), text(n, "path"))
        {
            btrfs.insert(path.to_string(), uuid.to_string());
        }
    }
    for word in get(facts, "btrfs_members").unwrap_or("").split_whitespace() {
        if let Some((uuid, dev)) = word.rsplit_once(':') {
            btrfs.insert(resolve(facts, dev), uuid.to_string());
        }
    }
    let mut out = Vec::new();
    for member in &mine_paths {
        let Some(uuid) = btrfs.get(*member) else {
            continue;
        };
        for other in &everything {
            let Some(path) = text(other, "path") else {
                continue;
            };
            if mine_paths.contains(&path) || btrfs.get(path) != Some(uuid) {
                continue;
            }
            for (_, m) in mounts_on(&strip_children(other)) {
                out.push(format!(
                    "{member} belongs to the btrfs filesystem {uuid}, mounted on {m} from {path}"
                ));
            }
        }
    }
    if let Some(members) = get(facts, "zpool_members") {
        for word in members.split_whitespace() {
            let Some((pool, dev)) = word.split_once(':') else {
                continue;
            };
            let dev = resolve(facts, dev);
            if mine_paths.contains(&dev.as_str()) {
                out.push(format!("{dev} is a vdev of the imported zpool {pool}"));
            }
        }
    }
    out
}

/// An entry without what is stacked on it (its own mounts only).
fn strip_children(node: &Value) -> Value {
    let mut n = node.clone();
    if let Some(o) = n.as_object_mut() {
        o.remove("children");
    }
    n
}

pub fn size(disk: &Value) -> Option<u64> {
    match disk.get("size")? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

pub fn serial(disk: &Value) -> Option<String> {
    disk.get("serial")
        .and_then(|s| s.as_str())
        .map(|s| s.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"os_id=debian
os_variant_id=
arch=x86_64
uid=0
tool.sgdisk=1
by_id.virtio-main=/dev/vda
disks={"blockdevices":[{"name":"vda","path":"/dev/vda","size":21474836480,"serial":"main","type":"disk","mountpoints":[null],"children":[{"name":"vda1","path":"/dev/vda1","size":1,"serial":null,"type":"part","mountpoints":["/boot"]}]}]}
"#;

    #[test]
    fn facts_nest_dotted_keys_and_parse_lsblk() {
        let f = parse(SAMPLE).unwrap();
        assert_eq!(get(&f, "arch"), Some("x86_64"));
        assert_eq!(get(&f, "os_variant_id"), Some(""));
        assert_eq!(f["tool"]["sgdisk"], "1");
        let d = disk(&f, "/dev/disk/by-id/virtio-main").unwrap();
        assert_eq!(size(&d), Some(21474836480));
        assert_eq!(serial(&d).as_deref(), Some("main"));
        assert_eq!(
            mounts_on(&d),
            vec![("/dev/vda1".to_string(), "/boot".to_string())]
        );
    }

    /// lsblk's JSON as it lists a btrfs made over two loop devices
    /// (`mkfs.btrfs -d raid1 loop7 loop8`, mounted from loop7), a zfs
    /// member and a bcache device (trimmed to the columns read).
    const IN_USE: &str = r#"os_id=debian
arch=x86_64
uid=0
zpool_members=tank:/dev/vdc1 tank:/dev/disk/by-id/virtio-z2-part1
by_id.virtio-z2-part1=/dev/vdd1
disks={"blockdevices":[{"name":"loop7","path":"/dev/loop7","size":268435456,"serial":null,"type":"loop","fstype":"btrfs","uuid":"5f0c-77","mountpoints":["/mnt/pool"]},{"name":"loop8","path":"/dev/loop8","size":268435456,"serial":null,"type":"loop","fstype":"btrfs","uuid":"5f0c-77","mountpoints":[null]},{"name":"vdc","path":"/dev/vdc","size":1000,"serial":"Z1","type":"disk","mountpoints":[null],"children":[{"name":"vdc1","path":"/dev/vdc1","size":900,"type":"part","fstype":"zfs_member","uuid":"99","mountpoints":[null]}]},{"name":"vdd","path":"/dev/vdd","size":1000,"serial":"Z2","type":"disk","mountpoints":[null],"children":[{"name":"vdd1","path":"/dev/vdd1","size":900,"type":"part","fstype":"zfs_member","uuid":"99","mountpoints":[null]}]},{"name":"vde","path":"/dev/vde","size":1000,"serial":"B","type":"disk","mountpoints":[null],"children":[{"name":"bcache0","path":"/dev/bcache0","size":900,"type":"bcache","mountpoints":[null]}]}]}
"#;

    #[test]
    fn multi_device_btrfs_zpool_vdevs_and_bcache_are_in_use() {
        let f = parse(IN_USE).unwrap();
        let loop8 = disk(&f, "/dev/loop8").unwrap();
        assert!(
            mounts_on(&loop8).is_empty(),
            "lsblk shows no mount on loop8"
        );
        assert_eq!(
            used_elsewhere(&f, &loop8),
            vec!["/dev/loop8 belongs to the btrfs filesystem 5f0c-77, mounted on /mnt/pool from /dev/loop7".to_string()]
        );
        let vdc = disk(&f, "/dev/vdc").unwrap();
        assert_eq!(
            used_elsewhere(&f, &vdc),
            vec!["/dev/vdc1 is a vdev of the imported zpool tank".to_string()]
        );
        // Named by id in zpool's list, resolved through the facts.
        let vdd = disk(&f, "/dev/vdd").unwrap();
        assert_eq!(
            used_elsewhere(&f, &vdd),
            vec!["/dev/vdd1 is a vdev of the imported zpool tank".to_string()]
        );
        let vde = disk(&f, "/dev/vde").unwrap();
        assert_eq!(
            holders_on(&vde),
            vec![("/dev/bcache0".to_string(), "bcache".to_string())]
        );
        // Where udev does not run, lsblk knows no FSTYPE: blkid's probe.
        let blind = IN_USE
            .replace("\"fstype\":\"btrfs\",\"uuid\":\"5f0c-77\",", "")
            .replace(
                "zpool_members=",
                "btrfs_members=5f0c-77:/dev/loop7 5f0c-77:/dev/loop8\nzpool_members=",
            );
        let f2 = parse(&blind).unwrap();
        let loop8 = disk(&f2, "/dev/loop8").unwrap();
        assert_eq!(
            used_elsewhere(&f2, &loop8),
            vec!["/dev/loop8 belongs to the btrfs filesystem 5f0c-77, mounted on /mnt/pool from /dev/loop7".to_string()]
        );
        // The mounted member itself shows its mount as before.
        let loop7 = disk(&f, "/dev/loop7").unwrap();
        assert!(used_elsewhere(&f, &loop7).is_empty());
        assert_eq!(mounts_on(&loop7).len(), 1);
    }

    #[test]
    fn broken_facts_are_errors() {
        assert!(parse("no equals sign").unwrap_err().contains("line 1"));
        assert!(parse("arch=x\nuid=0\n").unwrap_err().contains("os_id"));
        assert!(parse("os_id=a\narch=b\nuid=0\ndisks={oops")
            .unwrap_err()
            .contains("lsblk"));
    }
}
