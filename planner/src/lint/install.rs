//! Install rules: what nixos-install needs.

use super::{Context, Finding, Rule, Severity};

pub const NP401: Rule = Rule {
    code: "NP401",
    title: "no filesystem for /",
    severity: Severity::Error,
    explanation: "The installed system needs a root filesystem: a fileSystems.\"/\" entry, or a disko content with mountpoint = \"/\".\n\nFix: mount something at /.",
};

pub fn check(cx: &Context, out: &mut Vec<Finding>) {
    let c = cx.config;
    let has_storage = !c.disko.disks.is_empty() || !c.file_systems.is_empty();
    if has_storage && !c.file_systems.contains_key("/") {
        let at = c
            .disko
            .disks
            .values()
            .next()
            .and_then(|d| d.at.as_ref())
            .or(c.host_name.at.as_ref());
        out.push(cx.finding("NP401", "nothing is mounted at /".into(), at));
    }
}

pub const NP402: Rule = Rule {
    code: "NP402",
    title: "target architecture differs from the configuration's",
    severity: Severity::Error,
    explanation: "The target machine (its facts: uname -m) runs another architecture than nixpkgs.hostPlatform; the kexec image, the closure and the boot loader would not run on it.\n\nExample: nixpkgs.hostPlatform = \"aarch64-linux\"; on an x86_64 server.\n\nFix: set nixpkgs.hostPlatform to the machine's architecture.",
};

/// Rules that need the target's facts (`--facts`).
pub fn check_facts(cx: &Context, facts: &serde_json::Value, out: &mut Vec<Finding>) {
    let Some(arch) = facts.get("arch").and_then(|a| a.as_str()) else {
        return;
    };
    let system = &cx.config.system.value;
    let wanted = system.split('-').next().unwrap_or("");
    let same = wanted == arch
        || (wanted == "i686" && arch == "x86_64")
        || (wanted == "armv7l" && arch == "armv7l");
    if !same {
        out.push(cx.finding(
            "NP402",
            format!("the target is {arch} but the configuration is for {system}"),
            cx.config.system.at.as_ref(),
        ));
    }
}
