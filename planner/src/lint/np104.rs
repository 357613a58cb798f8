//! NP104: malformed persisted path.

use super::persistence::{enabled, entries};

use super::{Context, Finding, Rule, Severity};

pub(crate) const RULE: Rule = Rule {
    code: "NP104",
    title: "malformed persisted path",
    severity: Severity::Error,
    explanation: "Persisted paths must be absolute and must not contain '..' (impermanence joins them as written: a relative path lands wherever the mount unit runs, '..' climbs out of the persistent root). A trailing or doubled slash is harmless: impermanence drops empty components.\n\nExample: directories = [ \"var/lib/foo\" ];\n\nFix: directories = [ \"/var/lib/foo\" ];",
    needs_facts: false,
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for e in enabled(cx.config).flat_map(entries) {
        let path = &e.path;
        if !path.starts_with('/') || path.split('/').any(|s| s == "..") {
            out.push(cx.finding(
                &RULE,
                format!(
                    "the persisted {} '{path}' must be absolute, without '..'",
                    e.kind
                ),
                e.at,
            ));
        }
    }
}
