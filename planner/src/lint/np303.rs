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
        let needle = ["$HOME", "${HOME"]
            .into_iter()
            .find(|n| s.text.contains(n))
            .map(str::to_string)
            .or_else(|| {
                s.text
                    .split_whitespace()
                    .find(|w| *w == "~" || w.starts_with("~/"))
                    .map(str::to_string)
            });
        if let Some(needle) = needle {
            // At the line of the snippet where it is written, when the
            // snippet is written out in the definition.
            let at = s.at.as_ref().map(|at| at.narrowed_in_file(&needle));
            out.push(cx.finding(
                &RULE,
                format!("activation snippet '{name}' uses $HOME or ~, which is not a user's home during activation"),
                at.as_ref(),
            ));
        }
    }
}
