//! NP303: activation snippet uses $HOME or ~.

use super::{Context, Finding, Rule, Severity};

pub(crate) const RULE: Rule = Rule {
    code: "NP303",
    title: "activation snippet uses $HOME or ~",
    severity: Severity::Warning,
    explanation: "Activation runs as root in a fixed environment; $HOME and ~ are not the user's home, and a caller's HOME leaking into the target is a known image bug.\n\nFix: write the absolute path (/root, or users.users.<name>.home).",
    needs_facts: false,
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for (name, s) in cx
        .config
        .activation_scripts
        .iter()
        .filter(|(_, s)| !s.provided_by_nixos)
    {
        let uses_home = s.text.contains("$HOME")
            || s.text.contains("${HOME")
            || s.text
                .split_whitespace()
                .any(|w| w == "~" || w.starts_with("~/"));
        if uses_home {
            out.push(cx.finding(
                &RULE,
                format!("activation snippet '{name}' uses $HOME or ~, which is not a user's home during activation"),
                s.at.as_ref(),
            ));
        }
    }
}
