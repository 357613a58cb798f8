//! The activation phase: the user's activation snippets, run in the
//! installed system (`nixos-enter`) in the order NixOS runs them: snippets by name
//! (alphabetically), each after its dependencies (in the order they are
//! listed), each once. An unknown dependency is an error, as in NixOS; a
//! cycle is reported with its members (NixOS silently breaks it).

use std::collections::BTreeMap;

use nixplan_nixos::config::Snippet;
use nixplan_plan::{Kind, Phase};
use nixplan_plan::{Resource, ResourceKind as Res};

use crate::builder::{Builder, NewAction};
use crate::error::{ActivationError, PlanError};

impl Builder<'_> {
    /// One action per snippet of the user's, chained in NixOS's order after
    /// the install (NixOS's own snippets run as part of its activation).
    /// Returns how many.
    pub(crate) fn activation(&mut self) -> Result<usize, PlanError> {
        let config = self.config;
        let root = self.root.clone();
        let snippets = order(&config.activation_scripts).map_err(PlanError::Activation)?;
        // NixOS's own snippets run as part of its activation; the user's run in
        // NixOS's order after them.
        // One whose text could not be evaluated here is not run: the plan
        // says it is incomplete (`Plan::incomplete`), and apply refuses it.
        let user_snippets: Vec<&String> = snippets
            .iter()
            .filter(|n| {
                let s = &config.activation_scripts[*n];
                !s.provided_by_nixos && s.error.is_none()
            })
            .collect();
        for (i, name) in user_snippets.iter().enumerate() {
            let name: &String = name;
            let s = &config.activation_scripts[name];
            let mut needs = vec![Resource::new(Res::System, "installed")];
            if i > 0 {
                needs.push(Resource::new(
                    Res::Activation,
                    user_snippets[i - 1].to_string(),
                ));
            }
            self.add(NewAction {
                id: format!("activation/snippet/{name}"),
                phase: Phase::Activation,
                kind: Kind::ActivationSnippet,
                argv: Some(vec![
                    "nixos-enter".into(),
                    "--root".into(),
                    root.clone(),
                    "--".into(),
                    "/bin/sh".into(),
                    "-c".into(),
                    s.text.clone(),
                ]),
                script: None,
                destructive: false,
                check: None,
                needs,
                produces: vec![Resource::new(Res::Activation, name.to_string())],
                at: s.at.clone(),
                reason: format!(
                    "run activation snippet {name} ({} of {} in NixOS order, after {})",
                    snippets.iter().position(|n| n == name).unwrap_or(0) + 1,
                    snippets.len(),
                    if s.deps.value.is_empty() {
                        "no dependencies".to_string()
                    } else {
                        s.deps.value.join(", ")
                    }
                ),
            });
        }
        Ok(user_snippets.len())
    }
}

impl std::fmt::Display for ActivationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ActivationError::UnknownDependency {
                snippet,
                dependency,
                ..
            } => {
                write!(f, "activation snippet '{snippet}' depends on '{dependency}', which does not exist")
            }
            ActivationError::Cycle { members, .. } => {
                write!(
                    f,
                    "activation snippets depend on each other in a cycle: {}",
                    members.join(" → ")
                )
            }
        }
    }
}

/// The names of the snippets in NixOS's order.
pub fn order(snippets: &BTreeMap<String, Snippet>) -> Result<Vec<String>, ActivationError> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Visiting,
        Done,
    }
    fn visit(
        name: &str,
        snippets: &BTreeMap<String, Snippet>,
        state: &mut BTreeMap<String, State>,
        stack: &mut Vec<String>,
        out: &mut Vec<String>,
    ) -> Result<(), ActivationError> {
        match state.get(name) {
            Some(State::Done) => return Ok(()),
            Some(State::Visiting) => {
                let start = stack.iter().position(|s| s == name).unwrap_or(0);
                let mut members: Vec<String> = stack[start..].to_vec();
                members.push(name.to_string());
                return Err(ActivationError::Cycle {
                    members,
                    at: snippets.get(name).and_then(|s| s.deps.at.clone()),
                });
            }
            None => {}
        }
        state.insert(name.to_string(), State::Visiting);
        stack.push(name.to_string());
        let s = &snippets[name];
        for (i, dep) in s.deps.value.iter().enumerate() {
            if !snippets.contains_key(dep) {
                return Err(ActivationError::UnknownDependency {
                    snippet: name.to_string(),
                    dependency: dep.clone(),
                    at: s.deps.item_at(i).cloned().or(s.at.clone()),
                });
            }
            visit(dep, snippets, state, stack, out)?;
        }
        stack.pop();
        state.insert(name.to_string(), State::Done);
        out.push(name.to_string());
        Ok(())
    }
    let mut state = BTreeMap::new();
    let mut out = Vec::new();
    for name in snippets.keys() {
        visit(name, snippets, &mut state, &mut Vec::new(), &mut out)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nixplan_nixos::config::{Located, Strings};

    fn s(deps: &[&str]) -> Snippet {
        Snippet {
            provided_by_nixos: false,
            text: String::new(),
            deps: Strings {
                value: deps.iter().map(|d| d.to_string()).collect(),
                ..Strings::default()
            },
            supports_dry_activation: Located::new(false, None),
            at: None,
            error: None,
        }
    }

    #[test]
    fn roots_alphabetical_dependencies_first_each_once() {
        let mut m = BTreeMap::new();
        m.insert("users".to_string(), s(&[]));
        m.insert("etc".to_string(), s(&["users", "groups"]));
        m.insert("groups".to_string(), s(&[]));
        m.insert("agenix".to_string(), s(&["etc"]));
        m.insert("zzz".to_string(), s(&[]));
        assert_eq!(
            order(&m).unwrap(),
            ["users", "groups", "etc", "agenix", "zzz"]
        );
    }

    #[test]
    fn unknown_dependency_is_an_error() {
        let mut m = BTreeMap::new();
        m.insert("a".to_string(), s(&["nope"]));
        assert!(
            matches!(order(&m), Err(ActivationError::UnknownDependency { dependency, .. }) if dependency == "nope")
        );
    }

    #[test]
    fn cycles_are_reported_with_members() {
        let mut m = BTreeMap::new();
        m.insert("a".to_string(), s(&["b"]));
        m.insert("b".to_string(), s(&["c"]));
        m.insert("c".to_string(), s(&["a"]));
        match order(&m) {
            Err(ActivationError::Cycle { members, .. }) => {
                assert_eq!(members, ["a", "b", "c", "a"])
            }
            other => panic!("{other:?}"),
        }
    }
}
