//! Every builtin of the installed nix, applied to as many arguments as it
//! takes, each a `throw` with its own message: the error said is the one
//! of the argument forced first (or, for `tryEval`, the value), and
//! nixplan's must be nix's (which
//! argument a builtin looks at first decides which error a user sees, and
//! whether a value is made at all: `map (throw "f") [ ]` is `[ ]`). Each
//! builtin also takes as many arguments in nixplan as in nix.

mod common;

use std::collections::BTreeMap;
use std::process::Command;

/// How many arguments each builtin function takes, as an expression: a
/// builtin given fewer is still a function (and forces nothing). Left
/// out: those nix 2.8 refuses to name without an experimental feature.
const ARITIES: &str = r#"
let
  t = throw "x";
  isF = x: let r = builtins.tryEval (builtins.isFunction x); in r.success && r.value;
  arity = f: if isF (f t) then (if isF (f t t) then 3 else 2) else 1;
  names = builtins.filter
    (n: !(builtins.elem n [ "getFlake" "fetchTree" ]) && builtins.isFunction builtins.${n})
    (builtins.attrNames builtins);
in
builtins.listToAttrs (map (n: { name = n; value = arity builtins.${n}; }) names)
"#;

fn nix(expr: &str, json: bool) -> std::process::Output {
    let mut c = Command::new("nix-instantiate");
    c.args(["--eval", "--strict"]);
    if json {
        c.arg("--json");
    }
    c.args(["-E", expr]).output().expect("nix-instantiate runs")
}

fn nixplan(expr: &str, json: bool) -> std::process::Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_nixplan"));
    c.args(["eval", "--strict"]);
    if json {
        c.arg("--json");
    }
    c.args(["-E", expr])
        .env("NIXPLAN_OFFLINE", "1")
        .output()
        .expect("nixplan runs")
}

/// The value printed, or the first line of the error, without nixplan's
/// place (`(at «string»…)`), which nix 2.8 does not print.
fn said(out: &std::process::Output) -> String {
    if out.status.success() {
        return format!("value {}", String::from_utf8_lossy(&out.stdout).trim());
    }
    let text = String::from_utf8_lossy(&out.stderr);
    let first = text.lines().find(|l| l.starts_with("error:")).unwrap_or("");
    match first.find(" (at ") {
        Some(i) => first[..i].to_string(),
        None => first.to_string(),
    }
}

fn arities(out: std::process::Output, who: &str) -> BTreeMap<String, u64> {
    assert!(
        out.status.success(),
        "{who} could not count arguments: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("a set of numbers")
}

#[test]
fn every_builtin_forces_its_arguments_in_nixs_order() {
    if common::skip_without_nix("every_builtin_forces_its_arguments_in_nixs_order") {
        return;
    }
    let theirs = arities(nix(ARITIES, true), "nix");
    let ours = arities(nixplan(ARITIES, true), "nixplan");
    assert!(theirs.len() > 90, "nix names {} builtins", theirs.len());
    let mut wrong = Vec::new();
    for (name, n) in &theirs {
        if ours.get(name) != Some(n) {
            wrong.push(format!(
                "{name}: nix takes {n} arguments, nixplan {:?}",
                ours.get(name)
            ));
            continue;
        }
        let args: String = (0..*n).map(|i| format!(" (throw \"a{i}\")")).collect();
        let expr = format!("builtins.{name}{args}");
        let (a, b) = (said(&nix(&expr, false)), said(&nixplan(&expr, false)));
        if a.is_empty() || a != b {
            wrong.push(format!("{expr}: nix says {a:?}, nixplan {b:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
