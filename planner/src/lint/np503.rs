//! NP503: an activation snippet's text cannot be evaluated here.

use super::{Context, Finding, Rule, Severity};

pub(crate) const RULE: Rule = Rule {
    code: "NP503",
    title: "activation snippet not evaluated here",
    severity: Severity::Warning,
    explanation: "An activation snippet's text could not be evaluated where the plan is made: it reads a file that is not here (a secret from a repository that is not checked out, as in a code review's CI), an input that is unavailable, or an option that has no value. The plan leaves the snippet out and says it is incomplete; apply refuses an incomplete plan.\n\nExample:\n  system.activationScripts.install-secrets.text = \"install ${config.secrets.db.file} /run/secrets/db\";   # secrets.db.file has no value here\n\nFix: make what the snippet reads available (check out the secrets, give the input with --override-input), then plan again.",
    needs_facts: false,
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for (name, snippet) in &cx.config.activation_scripts {
        if let Some(error) = &snippet.error {
            out.push(cx.finding(
                &RULE,
                format!("activation snippet {name} cannot be evaluated here (a plan leaves it out and is incomplete): {error}"),
                snippet.at.as_ref(),
            ));
        }
    }
}
