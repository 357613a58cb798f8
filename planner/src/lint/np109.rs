//! NP109: persisted home of an unknown user.

use super::persistence::enabled;

use super::{Context, Finding, Rule, Severity};

pub(crate) const RULE: Rule = Rule {
    code: "NP109",
    title: "persisted home of an unknown user",
    severity: Severity::Error,
    explanation: "environment.persistence.<root>.users.<name> must name a user of users.users; otherwise its home and owner cannot be known.\n\nFix: declare users.users.<name> or fix the name.",
    needs_facts: false,
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let c = cx.config;
    for p in enabled(c) {
        for (user, u) in &p.users {
            if !c.users.contains_key(user) {
                out.push(cx.finding(
                    &RULE,
                    format!(
                        "{}: users.{user} names a user that users.users does not declare",
                        p.root.value
                    ),
                    u.at.as_ref(),
                ));
            }
        }
    }
}
