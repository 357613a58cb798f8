//! NP217: two disks on one device.

use std::collections::BTreeMap;

use super::{Context, Finding, Rule, Severity};

pub(crate) const RULE: Rule = Rule {
    code: "NP217",
    title: "two disks on one device",
    severity: Severity::Error,
    explanation: "Each disko disk is wiped and partitioned on its own: two disks with one device would partition it twice, the second undoing the first.\n\nExample: disk.a.device = \"/dev/sda\"; disk.b.device = \"/dev/sda\";\n\nFix: give each disk its own device, or merge them into one disk.",
    needs_facts: false,
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for (name, disk) in &cx.config.disko.disks {
        let dev = disk.device.value.as_str();
        if let Some(first) = seen.insert(dev, name) {
            out.push(cx.finding(
                &RULE,
                format!("disks {first} and {name} are both on {dev}"),
                disk.device.at.as_ref().or(disk.at.as_ref()),
            ));
        }
    }
}
