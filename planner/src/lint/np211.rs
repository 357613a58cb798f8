//! NP211: LUKS without a key in a non-interactive install.

use nixplan_nixos::config::{Content, Luks};

use super::layout::all_contents;

use super::{Context, Finding, Rule, Severity};

pub(crate) const RULE: Rule = Rule {
    code: "NP211",
    title: "LUKS without a key in a non-interactive install",
    severity: Severity::Warning,
    explanation: "A LUKS device with neither passwordFile nor keyFile asks for a passphrase while installing; an unattended apply stops there.\n\nFix: settings.keyFile = \"/tmp/secret.key\"; (uploaded with the plan's secrets), or passwordFile.",
    needs_facts: false,
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for (_, content) in all_contents(cx.config) {
        if let Content::Luks(Luks {
            name,
            password_file,
            key_file,
            ask_password,
            at,
            ..
        }) = content
        {
            if password_file.value.is_none() && key_file.value.is_none() && ask_password.value {
                out.push(cx.finding(
                    &RULE,
                    format!("LUKS device {} has neither passwordFile nor keyFile: the install stops to ask for a passphrase", name.value),
                    name.at.as_ref().or(at.as_ref()),
                ));
            }
        }
    }
}
