//! NP304: activation snippet uses persisted paths before they exist.

use std::collections::{BTreeMap, BTreeSet};

use nixplan_nixos::config::Snippet;

use super::{Context, Finding, Rule, Severity};

pub(crate) const RULE: Rule = Rule {
    code: "NP304",
    title: "activation snippet uses persisted paths before they exist",
    severity: Severity::Warning,
    explanation: "impermanence creates the persistent directories in the activation snippet createPersistentStorageDirs. A snippet that reads or writes a persisted path without depending on it may run first, on the empty tmpfs, and its work is hidden by the bind mount.\n\nExample: system.activationScripts.seed = \"cp /etc/skel/app.conf /var/lib/app/\"; with /var/lib/app persisted.\n\nFix: deps = [ \"createPersistentStorageDirs\" ];",
    needs_facts: false,
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
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
            out.push(cx.finding(&RULE, format!("activation snippet '{name}' uses the persisted {path} but does not depend on createPersistentStorageDirs"), s.at.as_ref()));
        }
    }
}

/// Whether a script mentions a path as a whole path (not a prefix of a
/// longer name: /var/lib/app is not in /var/lib/application).
fn mentions(text: &str, path: &str) -> bool {
    text.match_indices(path).any(|(i, _)| {
        let after = text[i + path.len()..].chars().next();
        !matches!(after, Some(c) if c.is_alphanumeric() || c == '-' || c == '_' || c == '.')
    })
}

/// Every snippet a snippet depends on, directly or not.
fn closure<'a>(snippets: &'a BTreeMap<String, Snippet>, name: &'a str) -> BTreeSet<&'a str> {
    let mut seen = BTreeSet::new();
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
