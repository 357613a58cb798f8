//! NP502: nixpkgs is only its lib, so NixOS is nixplan's declarations.

use nixplan_nixos::inputs::Used;

use super::inputs::declared_at;
use super::{Context, Finding, Rule, Severity};

pub(crate) const RULE: Rule = Rule {
    code: "NP502",
    title: "nixpkgs input is only its lib",
    severity: Severity::Info,
    explanation: "The nixpkgs input is nixpkgs' lib without nixos/ (the nixpkgs.lib flake, or an override with only lib/): its real lib and module system evaluated the configuration, but NixOS itself is nixplan's declarations of the options a plan reads, and packages are stand-ins. Options nixplan does not declare were accepted unchecked.\n\nExample: --override-input nixpkgs ./nixpkgs-lib\n\nFix: give the whole nixpkgs (its store path, or --override-input nixpkgs PATH to a checkout) for NixOS's own meaning; --strict-inputs refuses a lib-only nixpkgs.",
    needs_facts: false,
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for u in cx.config.inputs.iter().filter(|u| u.used == Used::LibOnly) {
        let at = declared_at(&cx.fallback_file, &u.path);
        out.push(cx.finding(
            &RULE,
            format!(
                "the flake input '{}' is only nixpkgs' lib: NixOS options were read as nixplan declares them, packages are stand-ins",
                u.path
            ),
            at.as_ref(),
        ));
    }
}
