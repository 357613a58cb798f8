//! NP110: invalid mode.

use super::persistence::{enabled, entries, valid_mode};

use super::{Context, Finding, Rule, Severity};

pub(crate) const RULE: Rule = Rule {
    code: "NP110",
    title: "invalid mode",
    severity: Severity::Error,
    explanation: "A mode must be octal (\"0755\") or symbolic (\"u=rwx,g=rx,o=\").\n\nFix: use a valid mode string.",
    needs_facts: false,
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for e in enabled(cx.config).flat_map(entries) {
        if !valid_mode(&e.mode) {
            out.push(cx.finding(
                &RULE,
                format!("'{}' (for {}) is not a valid mode", e.mode, e.path),
                e.at,
            ));
        }
    }
}
