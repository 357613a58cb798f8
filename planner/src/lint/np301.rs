//! NP301: activation snippet depends on an unknown snippet.

use crate::error::ActivationError;
use crate::phases::activation::order;

use super::{Context, Finding, Rule, Severity};

pub(crate) const RULE: Rule = Rule {
    code: "NP301",
    title: "activation snippet depends on an unknown snippet",
    severity: Severity::Error,
    explanation: "deps must name snippets that exist; NixOS fails to build the system otherwise.\n\nExample: system.activationScripts.migrate = { deps = [ \"setupDatabse\" ]; text = \"...\"; };\n\nFix: correct the name.",
    needs_facts: false,
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    if let Err(ActivationError::UnknownDependency {
        snippet,
        dependency,
        at,
    }) = order(&cx.config.activation_scripts)
    {
        out.push(cx.finding(
            &RULE,
            format!(
                "activation snippet '{snippet}' depends on '{dependency}', which does not exist"
            ),
            at.as_ref(),
        ));
    }
}
