//! `flake.lock` checked against its format before anything is evaluated,
//! as nix reads it: a version nix accepts (5 to 7), a root node that
//! exists, nodes that are objects, inputs that name existing nodes or
//! follow a path that resolves (a cycle of `follows` is an error), and
//! `locked`/`original` references of a type nix knows. Every error points
//! at the lock file, at the node it is about, never at nixplan's own code.

use std::collections::BTreeSet;
use std::path::Path;

use nixplan_eval::{ErrorKind, Eval, EvalError, EvalResult};
use nixplan_syntax::Span;
use serde_json::{Map, Value};

/// The lock file versions nix reads.
const VERSIONS: std::ops::RangeInclusive<i64> = 5..=7;

/// The input types nix knows (`type` of `locked` and `original`).
const TYPES: &[&str] = &[
    "github",
    "gitlab",
    "sourcehut",
    "git",
    "hg",
    "mercurial",
    "path",
    "tarball",
    "file",
    "indirect",
];

/// Check `DIR/flake.lock` when there is one.
pub fn check(ev: &mut Eval, dir: &str) -> EvalResult<()> {
    let path = Path::new(dir).join("flake.lock");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(());
    };
    let name = ev.display_name(&path.display().to_string());
    let file = ev
        .sources
        .add(name, Some(path.clone()), text.as_str().into());
    let at = |offset: usize| Span {
        file,
        start: offset as u32,
        end: (offset + 1).min(text.len().max(1)) as u32,
    };
    let fail = |offset: usize, msg: String| -> EvalResult<()> {
        Err(EvalError::new(
            ErrorKind::Other,
            format!("invalid flake.lock: {msg}"),
            Some(at(offset)),
        ))
    };
    let lock: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            let offset = offset_of_line_col(&text, e.line(), e.column());
            return fail(offset, format!("not JSON: {e}"));
        }
    };
    let Some(top) = lock.as_object() else {
        return fail(0, "the lock file is not a JSON object".into());
    };
    let place = |needle: &str| text.find(needle).unwrap_or(0);
    // `root` and `version` are the lock's last keys (a node may be called
    // `root` too).
    let place_last = |needle: &str| text.rfind(needle).unwrap_or(0);
    match top.get("version").and_then(Value::as_i64) {
        Some(v) if VERSIONS.contains(&v) => {}
        Some(v) => {
            return fail(
                place_last("\"version\""),
                format!(
                    "version {v} is not one nix reads ({} to {})",
                    VERSIONS.start(),
                    VERSIONS.end()
                ),
            )
        }
        None => return fail(0, "no integer `version`".into()),
    }
    let Some(nodes) = top.get("nodes").and_then(Value::as_object) else {
        return fail(place("\"nodes\""), "no `nodes` object".into());
    };
    let Some(root) = top.get("root").and_then(Value::as_str) else {
        return fail(place_last("\"root\""), "no `root` naming a node".into());
    };
    if !nodes.contains_key(root) {
        return fail(
            place_last("\"root\""),
            format!("the root node `{root}` is not among the nodes"),
        );
    }
    // Where a node is written: its key inside `nodes`.
    let nodes_at = place("\"nodes\"");
    let node_at = |key: &str| {
        text[nodes_at..]
            .find(&format!("{}:", Value::String(key.to_string())))
            .or_else(|| text[nodes_at..].find(&format!("{} :", Value::String(key.to_string()))))
            .map_or(nodes_at, |o| nodes_at + o)
    };
    for (key, node) in nodes {
        let Some(node) = node.as_object() else {
            return fail(node_at(key), format!("node `{key}` is not an object"));
        };
        if let Some(f) = node.get("flake") {
            if !f.is_boolean() {
                return fail(
                    node_at(key),
                    format!("node `{key}`: `flake` is not a Boolean"),
                );
            }
        }
        for part in ["locked", "original"] {
            if let Some(r) = node.get(part) {
                let kind = r
                    .as_object()
                    .and_then(|o| o.get("type"))
                    .and_then(Value::as_str);
                match kind {
                    Some(t) if TYPES.contains(&t) => {}
                    Some(t) => {
                        return fail(
                            node_at(key),
                            format!(
                                "node `{key}`: {part} input type `{t}` is not one nix knows ({})",
                                TYPES.join(", ")
                            ),
                        )
                    }
                    None => {
                        return fail(
                            node_at(key),
                            format!("node `{key}`: `{part}` has no `type`"),
                        )
                    }
                }
            }
        }
        let inputs = match node.get("inputs") {
            None => continue,
            Some(Value::Object(i)) => i,
            Some(_) => {
                return fail(
                    node_at(key),
                    format!("node `{key}`: `inputs` is not an object"),
                )
            }
        };
        for (input, target) in inputs {
            let problem = match target {
                Value::String(t) if nodes.contains_key(t) => None,
                Value::String(t) => Some(format!("names the node `{t}`, which does not exist")),
                Value::Array(path) => follow(nodes, root, path, &mut BTreeSet::new()).err(),
                _ => Some("is neither a node name nor a `follows` path".into()),
            };
            if let Some(p) = problem {
                return fail(node_at(key), format!("node `{key}`: input `{input}` {p}"));
            }
        }
    }
    Ok(())
}

/// Resolve a `follows` path (input names from the root) to a node key.
fn follow(
    nodes: &Map<String, Value>,
    root: &str,
    path: &[Value],
    seen: &mut BTreeSet<String>,
) -> Result<String, String> {
    let shown: Vec<&str> = path.iter().filter_map(Value::as_str).collect();
    if shown.len() != path.len() {
        return Err("follows a path that is not a list of names".into());
    }
    let shown = shown.join("/");
    if !seen.insert(shown.clone()) {
        return Err(format!("follows `{shown}`, which follows itself (a cycle)"));
    }
    let mut key = root.to_string();
    for name in path.iter().filter_map(Value::as_str) {
        let next = nodes
            .get(&key)
            .and_then(|n| n.get("inputs"))
            .and_then(|i| i.get(name))
            .ok_or_else(|| format!("follows `{shown}`, which does not exist"))?;
        key = match next {
            Value::String(k) => k.clone(),
            Value::Array(p) => follow(nodes, root, p, seen)?,
            _ => return Err(format!("follows `{shown}`, which is not an input")),
        };
    }
    Ok(key)
}

/// The byte offset of a 1-based line and column (serde_json's).
fn offset_of_line_col(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    (start + column.saturating_sub(1)).min(text.len().saturating_sub(1))
}
