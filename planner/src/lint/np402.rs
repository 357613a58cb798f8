//! NP402: target architecture differs from the configuration's.

use super::{Context, Finding, Rule, Severity};

pub(crate) const RULE: Rule = Rule {
    code: "NP402",
    title: "target architecture differs from the configuration's",
    severity: Severity::Error,
    explanation: "The target machine (its facts: uname -m) runs another architecture than nixpkgs.hostPlatform; the kexec image, the closure and the boot loader would not run on it.\n\nExample: nixpkgs.hostPlatform = \"aarch64-linux\"; on an x86_64 server.\n\nFix: set nixpkgs.hostPlatform to the machine's architecture.",
    needs_facts: true,
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let Some(arch) = cx
        .facts
        .and_then(|f| f.get("arch"))
        .and_then(|a| a.as_str())
    else {
        return;
    };
    let system = &cx.config.system.value;
    let wanted = system.split('-').next().unwrap_or("");
    let same = wanted == arch
        || (wanted == "i686" && arch == "x86_64")
        || (wanted == "armv7l" && arch == "armv7l");
    if !same {
        out.push(cx.finding(
            &RULE,
            format!("the target is {arch} but the configuration is for {system}"),
            cx.config.system.at.as_ref(),
        ));
    }
}
