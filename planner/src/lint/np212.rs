//! NP212: resumable swap with random encryption.

use nixplan_nixos::config::{Content, Swap};

use super::layout::all_contents;

use super::{Context, Finding, Rule, Severity};

pub(crate) const RULE: Rule = Rule {
    code: "NP212",
    title: "resumable swap with random encryption",
    severity: Severity::Error,
    explanation: "randomEncryption gives swap a new key at every boot, so a hibernation image written to it can never be resumed.\n\nFix: drop resumeDevice or randomEncryption.",
    needs_facts: false,
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    for (_, content) in all_contents(cx.config) {
        if let Content::Swap(Swap {
            random_encryption,
            resume_device,
            at,
            ..
        }) = content
        {
            if random_encryption.value && resume_device.value {
                out.push(cx.finding(
                    &RULE,
                    "this swap is both the resume device and randomly encrypted: hibernation can never resume".into(),
                    resume_device.at.as_ref().or(at.as_ref()),
                ));
            }
        }
    }
}
