//! NP208: small ESP.

use super::layout::{esp_partitions, partition_bytes};

use super::{Context, Finding, Rule, Severity};

pub(crate) const RULE: Rule = Rule {
    code: "NP208",
    title: "small ESP",
    severity: Severity::Warning,
    explanation: "An ESP under 256M fills up after a few kernel generations with systemd-boot.\n\nFix: size = \"512M\" (or 1G).",
    needs_facts: false,
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let (esps, _) = esp_partitions(cx.config);
    for p in esps {
        if let Some(bytes) = partition_bytes(&p.size.value, &p.start.value, &p.end.value) {
            if bytes < 256 << 20 {
                out.push(cx.finding(
                    &RULE,
                    format!("the ESP {} is {} (under 256M)", p.name, p.size.value),
                    p.size.at.as_ref().or(p.at.as_ref()),
                ));
            }
        }
    }
}
