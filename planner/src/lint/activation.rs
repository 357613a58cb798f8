//! Activation rules: snippets NixOS would refuse, order silently, or that
//! leak the caller's environment.

use super::{Context, Finding, Rule, Severity};
use crate::phases::activation::{order, ActivationError};

pub const NP301: Rule = Rule {
    code: "NP301",
    title: "activation snippet depends on an unknown snippet",
    severity: Severity::Error,
    explanation: "deps must name snippets that exist; NixOS fails to build the system otherwise.\n\nExample: system.activationScripts.migrate = { deps = [ \"setupDatabse\" ]; text = \"...\"; };\n\nFix: correct the name.",
};
pub const NP302: Rule = Rule {
    code: "NP302",
    title: "activation snippets depend on each other in a cycle",
    severity: Severity::Error,
    explanation: "NixOS silently breaks dependency cycles, so one of the snippets runs before what it needs.\n\nFix: remove one of the dependencies.",
};
pub const NP303: Rule = Rule {
    code: "NP303",
    title: "activation snippet uses $HOME or ~",
    severity: Severity::Warning,
    explanation: "Activation runs as root in a fixed environment; $HOME and ~ are not the user's home, and a caller's HOME leaking into the target is a known image bug.\n\nFix: write the absolute path (/root, or users.users.<name>.home).",
};

pub fn check(cx: &Context, out: &mut Vec<Finding>) {
    let snippets = &cx.config.activation_scripts;
    match order(snippets) {
        Ok(_) => {}
        Err(ActivationError::UnknownDependency {
            snippet,
            dependency,
            at,
        }) => {
            out.push(cx.finding("NP301", format!("activation snippet '{snippet}' depends on '{dependency}', which does not exist"), at.as_ref()));
        }
        Err(ActivationError::Cycle { members, at }) => {
            out.push(cx.finding(
                "NP302",
                format!(
                    "activation snippets depend on each other in a cycle: {}",
                    members.join(" → ")
                ),
                at.as_ref(),
            ));
        }
    }
    for (name, s) in snippets.iter().filter(|(_, s)| !s.provided_by_nixos) {
        let uses_home = s.text.contains("$HOME")
            || s.text.contains("${HOME")
            || s.text
                .split_whitespace()
                .any(|w| w == "~" || w.starts_with("~/"));
        if uses_home {
            out.push(cx.finding("NP303", format!("activation snippet '{name}' uses $HOME or ~, which is not a user's home during activation"), s.at.as_ref()));
        }
    }
}

pub const NP304: Rule = Rule {
    code: "NP304",
    title: "activation snippet uses persisted paths before they exist",
    severity: Severity::Warning,
    explanation: "impermanence creates the persistent directories in the activation snippet createPersistentStorageDirs. A snippet that reads or writes a persisted path without depending on it may run first, on the empty tmpfs, and its work is hidden by the bind mount.\n\nExample: system.activationScripts.seed = \"cp /etc/skel/app.conf /var/lib/app/\"; with /var/lib/app persisted.\n\nFix: deps = [ \"createPersistentStorageDirs\" ];",
};

/// Whether a script mentions a path as a whole path (not a prefix of a
/// longer name: /var/lib/app is not in /var/lib/application).
fn mentions(text: &str, path: &str) -> bool {
    text.match_indices(path).any(|(i, _)| {
        let after = text[i + path.len()..].chars().next();
        !matches!(after, Some(c) if c.is_alphanumeric() || c == '-' || c == '_' || c == '.')
    })
}

/// Every snippet a snippet depends on, directly or not.
fn closure<'a>(
    snippets: &'a std::collections::BTreeMap<String, nixplan_nixos::config::Snippet>,
    name: &'a str,
) -> std::collections::BTreeSet<&'a str> {
    let mut seen = std::collections::BTreeSet::new();
    let mut todo = vec![name];
    while let Some(n) = todo.pop() {
        if let Some(s) = snippets.get(n) {
            for d in &s.deps.value {
                if seen.insert(d.as_str()) {
                    todo.push(d);
                }
            }
        }
    }
    seen
}

pub fn check_persisted(cx: &Context, out: &mut Vec<Finding>) {
    let c = cx.config;
    let snippets = &c.activation_scripts;
    if !snippets.contains_key("createPersistentStorageDirs") {
        return;
    }
    let persisted: Vec<&str> = c
        .persistence
        .values()
        .flat_map(|p| p.directories.iter().map(|d| d.directory.as_str()))
        .filter(|d| d.len() > 1)
        .collect();
    for (name, s) in snippets.iter().filter(|(_, s)| !s.provided_by_nixos) {
        let Some(path) = persisted.iter().find(|p| mentions(&s.text, p)) else {
            continue;
        };
        if !closure(snippets, name).contains("createPersistentStorageDirs") {
            out.push(cx.finding("NP304", format!("activation snippet '{name}' uses the persisted {path} but does not depend on createPersistentStorageDirs"), s.at.as_ref()));
        }
    }
}
