//! NP501: a flake input that was not evaluated as itself.

use nixplan_nixos::inputs::Used;

use super::inputs::declared_at;
use super::{Context, Finding, Rule, Severity};

pub(crate) const RULE: Rule = Rule {
    code: "NP501",
    title: "flake input not evaluated as itself",
    severity: Severity::Info,
    explanation: "The input's source was not available (not in /nix/store, not in nixplan's cache, and not fetched: offline, or the network failed), so nixplan evaluated something else in its place: its stand-in (disko, impermanence, Home Manager, sops-nix, agenix, import-tree...), empty modules whose options were accepted unchecked, or stand-in packages and overlays that change nothing. What the plan shows of it is nixplan's reading, not the input's.\n\nExample: inputs.disko.url = \"github:nix-community/disko\"; with --offline and an empty cache.\n\nFix: let nixplan fetch it (drop --offline), give it with --override-input NAME PATH, or put it in the store (`nix flake archive`).",
    needs_facts: false,
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for u in &cx.config.inputs {
        let what = match u.used {
            Used::StandIn => "nixplan's stand-in was evaluated in its place",
            Used::EmptyModules => {
                "the modules taken from it were empty, their options accepted unchecked"
            }
            Used::StandInPackages => "its packages were stand-ins and its overlays changed nothing",
            Used::Real | Used::LibOnly | Used::Unavailable => continue,
        };
        let why = u.reason.as_deref().unwrap_or("unavailable");
        let at = declared_at(&cx.fallback_file, &u.path);
        let message = format!("{} is unavailable ({why}): {what}", u.noun());
        out.push(cx.finding(&RULE, message, at.as_ref()));
    }
}
