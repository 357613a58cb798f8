//! The summary at the top of a plan: counts, the disks wiped (with their
//! sizes from the facts), the bootstrap decision.

use nixplan_plan::{Action, Kind, Summary};

/// The size of a disk, from the facts (lsblk JSON; by-id links resolved).
fn disk_size(facts: Option<&serde_json::Value>, device: &str) -> Option<u64> {
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

fn human_size(bytes: u64) -> String {
    let gib = bytes as f64 / (1u64 << 30) as f64;
    if gib >= 1024.0 {
        format!("{:.1} TiB", gib / 1024.0)
    } else if gib >= 10.0 {
        format!("{gib:.0} GiB")
    } else {
        format!("{gib:.1} GiB")
    }
}

pub(crate) fn summarize(
    actions: &[Action],
    directories: usize,
    bootstrap: &str,
    snippets: usize,
    facts: Option<&serde_json::Value>,
) -> Summary {
    Summary {
        actions: actions.len(),
        destructive: actions.iter().filter(|a| a.destructive).count(),
        wipes: actions
            .iter()
            .filter(|a| a.kind == Kind::Wipe)
            .filter_map(|a| a.needs.first())
            .map(|n| {
                let dev = n.trim_start_matches("device:");
                match disk_size(facts, dev) {
                    Some(size) => format!("{dev} ({})", human_size(size)),
                    None => dev.to_string(),
                }
            })
            .collect(),
        filesystems: actions.iter().filter(|a| a.kind == Kind::Mkfs).count(),
        mounts: actions.iter().filter(|a| a.kind == Kind::Mount).count(),
        directories,
        activation_snippets: snippets,
        bootstrap: bootstrap.to_string(),
    }
}
