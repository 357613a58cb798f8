//! The target's facts: the output of the plan's facts script (`key=value`
//! lines) turned into the JSON the planner reads, and the questions the
//! guards ask of it (which block device a path is, what is mounted on it).

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
            let stacked = matches!(ty, "crypt" | "lvm" | "dm" | "md") || ty.starts_with("raid");
            if stacked {
                let path = c.get("path").and_then(|p| p.as_str()).unwrap_or("?");
                out.push((path.to_string(), ty.to_string()));
            }
            out.extend(holders_on(c));
        }
    }
    out
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

    #[test]
    fn broken_facts_are_errors() {
        assert!(parse("no equals sign").unwrap_err().contains("line 1"));
        assert!(parse("arch=x\nuid=0\n").unwrap_err().contains("os_id"));
        assert!(parse("os_id=a\narch=b\nuid=0\ndisks={oops")
            .unwrap_err()
            .contains("lsblk"));
    }
}
