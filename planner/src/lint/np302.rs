//! NP302: activation snippets depend on each other in a cycle.

use crate::error::ActivationError;
use crate::phases::activation::order;

use super::{Context, Finding, Rule, Severity};

pub(crate) const RULE: Rule = Rule {
    code: "NP302",
    title: "activation snippets depend on each other in a cycle",
    severity: Severity::Error,
    explanation: "NixOS silently breaks dependency cycles, so one of the snippets runs before what it needs.\n\nFix: remove one of the dependencies.",
    needs_facts: false,
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    if let Err(ActivationError::Cycle { members, at }) = order(&cx.config.activation_scripts) {
        out.push(cx.finding(
            &RULE,
            format!(
                "activation snippets depend on each other in a cycle: {}",
                members.join(" → ")
            ),
            at.as_ref(),
        ));
    }
}
