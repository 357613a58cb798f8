//! `flake.lock`, typed: nodes, their inputs (a node or a `follows` path),
//! and each node's locked source. The format's validity (versions, types,
//! dangling references) is checked with positions by `nixplan-nixos`
//! before evaluation; here a lock that does not fit is an error naming the
//! node.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;

use serde_json::{Map, Value};

use crate::source::Locked;
use crate::Error;

/// What an input of a node points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputRef {
    /// Another node, by key.
    Node(String),
    /// `follows`: input names walked from the root node.
    Follows(Vec<String>),
}

#[derive(Debug, Clone)]
pub struct Node {
    pub inputs: BTreeMap<String, InputRef>,
    /// `None` for the root node (and for nodes nix wrote without one).
    pub locked: Option<Locked>,
    /// The `original` reference as written in flake.nix (shown to people).
    pub original: Option<Map<String, Value>>,
    /// `flake = false` inputs are plain sources.
    pub flake: bool,
}

#[derive(Debug, Clone)]
pub struct Lock {
    pub root: String,
    pub nodes: BTreeMap<String, Node>,
}

/// A node reached from the root, by the first path of input names that
/// reaches it (breadth first, names in order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reached {
    /// `home-manager/nixpkgs`, as `--override-input` names it.
    pub path: String,
    pub key: String,
}

impl Lock {
    /// `DIR/flake.lock`, or `None` when the flake has none.
    pub fn read(dir: &Path) -> Result<Option<Lock>, Error> {
        let file = dir.join("flake.lock");
        let text = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::Io(file.display().to_string(), e)),
        };
        Lock::parse(&text).map(Some)
    }

    pub fn parse(text: &str) -> Result<Lock, Error> {
        let bad = |m: String| Error::Lock(m);
        let top: Value = serde_json::from_str(text).map_err(|e| bad(format!("not JSON: {e}")))?;
        let root = top
            .get("root")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("no `root`".into()))?
            .to_string();
        let raw = top
            .get("nodes")
            .and_then(Value::as_object)
            .ok_or_else(|| bad("no `nodes`".into()))?;
        let mut nodes = BTreeMap::new();
        for (key, n) in raw {
            let mut inputs = BTreeMap::new();
            for (name, r) in n
                .get("inputs")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let r = match r {
                    Value::String(k) => InputRef::Node(k.clone()),
                    Value::Array(p) => InputRef::Follows(
                        p.iter()
                            .map(|s| s.as_str().map(str::to_string))
                            .collect::<Option<_>>()
                            .ok_or_else(|| {
                                bad(format!(
                                    "node `{key}`: input `{name}`: a follows path of non-names"
                                ))
                            })?,
                    ),
                    _ => {
                        return Err(bad(format!(
                            "node `{key}`: input `{name}` is neither a node nor a path"
                        )))
                    }
                };
                inputs.insert(name.clone(), r);
            }
            let locked = match n.get("locked").and_then(Value::as_object) {
                Some(l) => {
                    Some(Locked::from_json(l).map_err(|m| bad(format!("node `{key}`: {m}")))?)
                }
                None => None,
            };
            nodes.insert(
                key.clone(),
                Node {
                    inputs,
                    locked,
                    original: n.get("original").and_then(Value::as_object).cloned(),
                    flake: n.get("flake").and_then(Value::as_bool).unwrap_or(true),
                },
            );
        }
        if !nodes.contains_key(&root) {
            return Err(bad(format!(
                "the root node `{root}` is not among the nodes"
            )));
        }
        Ok(Lock { root, nodes })
    }

    /// The node an input reference names (`follows` walked from the root).
    pub fn target(&self, r: &InputRef) -> Option<String> {
        self.target_seen(r, &mut BTreeSet::new())
    }

    fn target_seen(&self, r: &InputRef, seen: &mut BTreeSet<Vec<String>>) -> Option<String> {
        match r {
            InputRef::Node(k) => self.nodes.contains_key(k).then(|| k.clone()),
            InputRef::Follows(path) => {
                if !seen.insert(path.clone()) {
                    return None;
                }
                let names: Vec<&str> = path.iter().map(String::as_str).collect();
                self.walk(&names, seen)
            }
        }
    }

    /// The node reached from the root by input names (`a/b` split).
    pub fn node_at(&self, names: &[&str]) -> Option<String> {
        self.walk(names, &mut BTreeSet::new())
    }

    fn walk(&self, names: &[&str], seen: &mut BTreeSet<Vec<String>>) -> Option<String> {
        let mut key = self.root.clone();
        for name in names {
            let r = self.nodes.get(&key)?.inputs.get(*name)?.clone();
            key = self.target_seen(&r, seen)?;
        }
        Some(key)
    }

    /// Every node but the root, each once, with the first path that
    /// reaches it.
    pub fn reached(&self) -> Vec<Reached> {
        let mut out = Vec::new();
        let mut seen = BTreeSet::from([self.root.clone()]);
        let mut queue = VecDeque::from([(String::new(), self.root.clone())]);
        while let Some((prefix, key)) = queue.pop_front() {
            let Some(node) = self.nodes.get(&key) else {
                continue;
            };
            for (name, r) in &node.inputs {
                let Some(target) = self.target(r) else {
                    continue;
                };
                let path = if prefix.is_empty() {
                    name.clone()
                } else {
                    format!("{prefix}/{name}")
                };
                if seen.insert(target.clone()) {
                    out.push(Reached {
                        path: path.clone(),
                        key: target.clone(),
                    });
                    queue.push_back((path, target));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"{
      "nodes": {
        "hm": { "inputs": { "nixpkgs": ["nixpkgs"] },
                "locked": { "type": "github", "owner": "nix-community", "repo": "home-manager", "rev": "abc", "narHash": "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" } },
        "nixpkgs": { "locked": { "type": "github", "owner": "NixOS", "repo": "nixpkgs", "rev": "def", "narHash": "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" } },
        "root": { "inputs": { "home-manager": "hm", "nixpkgs": "nixpkgs" } }
      },
      "root": "root", "version": 7 }"#;

    #[test]
    fn follows_and_paths() {
        let l = Lock::parse(LOCK).unwrap();
        assert_eq!(
            l.node_at(&["home-manager", "nixpkgs"]).as_deref(),
            Some("nixpkgs")
        );
        assert_eq!(l.node_at(&["home-manager"]).as_deref(), Some("hm"));
        assert_eq!(l.node_at(&["nope"]), None);
        let r: Vec<String> = l
            .reached()
            .into_iter()
            .map(|r| format!("{}={}", r.path, r.key))
            .collect();
        assert_eq!(r, ["home-manager=hm", "nixpkgs=nixpkgs"]);
    }

    #[test]
    fn a_follows_cycle_ends() {
        let l = Lock::parse(
            r#"{"nodes":{"root":{"inputs":{"a":["b"],"b":["a"]}}},"root":"root","version":7}"#,
        )
        .unwrap();
        assert_eq!(l.node_at(&["a"]), None);
        assert!(l.reached().is_empty());
    }
}
