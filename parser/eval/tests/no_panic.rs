//! Property test (our fuzz target): random programs, valid and broken, are
//! parsed, evaluated strictly and printed. Whatever the input, the result is
//! a value or an error value — never a panic or a stack overflow.

use nixplan_eval::fs::OsFileSystem;
use nixplan_eval::LoadError;
use nixplan_eval::{Eval, Settings};
use proptest::prelude::*;

fn leaf() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|i| i.to_string()),
        (0u32..1000).prop_map(|i| format!("{i}.5")),
        "[a-z]{0,3}".prop_map(|s| format!("\"{s}\"")),
        Just("x".to_string()),
        Just("y".to_string()),
        Just("null".to_string()),
        Just("true".to_string()),
        Just("{}".to_string()),
        Just("[]".to_string()),
        Just("./.".to_string()),
        Just("''\n  a ${x}\n''".to_string()),
        prop::sample::select(vec![
            "builtins.attrNames",
            "builtins.length",
            "builtins.head",
            "builtins.tail",
            "builtins.toJSON",
            "builtins.fromJSON",
            "builtins.typeOf",
            "builtins.genList",
            "builtins.substring 0",
            "builtins.elemAt",
            "builtins.map",
            "builtins.filter",
            "builtins.sort",
            "builtins.split",
            "builtins.match",
            "toString",
            "builtins.concatStringsSep",
            "builtins.replaceStrings",
            "builtins.listToAttrs",
            "builtins.mapAttrs",
            "builtins.tryEval",
            "builtins.deepSeq",
            "builtins.splitVersion",
            "builtins.compareVersions \"1\"",
            "builtins.fromTOML",
            "builtins.ceil",
            "builtins.floor",
            "builtins.bitAnd 3",
            "builtins.div 7",
            "builtins.functionArgs",
            "builtins.genericClosure",
            "builtins.toFile \"n\"",
            "derivation",
            "builtins.parseDrvName",
            "builtins.hashString \"sha256\"",
            "builtins.unsafeGetAttrPos \"a\"",
            "builtins.zipAttrsWith",
            "builtins.groupBy",
            "builtins.partition",
            "builtins.catAttrs \"a\"",
        ])
        .prop_map(String::from),
    ]
}

fn expr() -> impl Strategy<Value = String> {
    leaf().prop_recursive(5, 48, 4, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} {b})")),
            (
                inner.clone(),
                prop::sample::select(vec![
                    "+", "-", "*", "/", "++", "//", "==", "<", "&&", "||", "->", "!=", ">="
                ]),
                inner.clone()
            )
                .prop_map(|(a, op, b)| format!("({a} {op} {b})")),
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[ {} ]", v.join(" "))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{{ a = {a}; b.c = {b}; }}")),
            (inner.clone(), inner.clone())
                .prop_map(|(a, b)| format!("rec {{ x = {a}; y = {b}; }}")),
            (inner.clone(), inner.clone())
                .prop_map(|(a, b)| format!("(let x = {a}; y = x; in {b})")),
            inner.clone().prop_map(|a| format!("(x: {a})")),
            inner
                .clone()
                .prop_map(|a| format!("({{ x ? 1, ... }}@y: {a})")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(a, b, c)| format!("(if {a} then {b} else {c})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("(with {a}; {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("(assert {a}; {b})")),
            inner.clone().prop_map(|a| format!("({a}).a or 0")),
            inner.clone().prop_map(|a| format!("({a} ? a)")),
            inner.clone().prop_map(|a| format!("\"s${{{a}}}\"")),
            inner.clone().prop_map(|a| format!("(-{a})")),
            inner.clone().prop_map(|a| format!("(!{a})")),
        ]
    })
}

/// Also feed broken text: cut and splice valid programs at random places.
fn program() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => expr().prop_map(|e| format!("let x = 1; y = [ 2 ]; in {e}")),
        1 => (expr(), any::<prop::sample::Index>(), "[(){};=.\"$'a-z ]{0,4}").prop_map(|(e, i, junk)| {
            let cut = i.index(e.len() + 1);
            let cut = (0..=cut).rev().find(|c| e.is_char_boundary(*c)).unwrap_or(0);
            format!("{}{}{}", &e[..cut], junk, &e[cut..])
        }),
    ]
}

/// How an evaluation ended: a syntax error or an evaluation error (with
/// its message), or a value that printed as Nix and as JSON.
#[derive(Debug)]
enum Ended {
    Syntax(String),
    Error(String),
    Value,
}

fn evaluate(src: &str) -> Ended {
    evaluate_with(
        src,
        Settings {
            max_depth: 2_000,
            ..Settings::default()
        },
    )
}

fn evaluate_with(src: &str, settings: Settings) -> Ended {
    let mut ev = Eval::new(Box::new(OsFileSystem), settings);
    let root = match ev.load_source("fuzz.nix", None, src, "/nonexistent") {
        Ok((_, r)) => r,
        Err(LoadError::Syntax(d)) => {
            assert!(!d.errors.is_empty());
            let message = d.errors[0].message.clone();
            std::mem::forget(ev);
            return Ended::Syntax(message);
        }
        Err(LoadError::Eval(e)) => {
            let message = e.message.clone();
            std::mem::forget(ev);
            return Ended::Error(message);
        }
    };
    let span = ev.arena.span(root);
    let ended = match ev.eval_root(root) {
        Ok(v) => {
            let ended = match ev.deep_force(&v, span) {
                Ok(()) => {
                    let printed = ev.print_nix(&v, span);
                    let mut ctx = Default::default();
                    let json = ev.print_json(&v, span, &mut ctx);
                    match (printed, json) {
                        (Ok(_), Ok(_)) => Ended::Value,
                        (Err(e), _) | (_, Err(e)) => Ended::Error(e.message.clone()),
                    }
                }
                Err(e) => Ended::Error(e.message.clone()),
            };
            // Dropped here: a deeply nested value must free in bounded stack.
            drop(v);
            ended
        }
        Err(e) => Ended::Error(e.message.clone()),
    };
    std::mem::forget(ev);
    ended
}

proptest! {
    // 768 in CI; `PROPTEST_CASES=N` runs longer by hand.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(768),
        ..ProptestConfig::default()
    })]
    #[test]
    fn parse_and_eval_never_panic(src in program()) {
        let src2 = src.clone();
        let r = std::thread::Builder::new().stack_size(64 << 20).spawn(move || evaluate(&src2)).unwrap().join();
        prop_assert!(r.is_ok(), "panicked on: {}", src);
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    // Each case ends in the error a user should see, not a crash.
    let cases = [
        (
            format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000)),
            "nested more than 1000 levels deep",
        ),
        (
            format!("{}1", "x: ".repeat(50_000)),
            "nests deeper than 512 levels",
        ),
        (
            format!("{}1{}", "(".repeat(100_000), ")".repeat(100_000)),
            "nested more than 1000 levels deep",
        ),
        (
            format!("{}true", "!".repeat(100_000)),
            "nested more than 1000 levels deep",
        ),
        (
            "let f = n: if n == 0 then 0 else 1 + f (n - 1); in f 1000000".to_string(),
            "evaluation is nested more than 2000 levels deep",
        ),
        (
            "let xs = builtins.genList (x: x) 200000; in builtins.foldl' (acc: x: [ acc ]) [] xs"
                .to_string(),
            "nested more than 2000 levels",
        ),
    ];
    for (src, expected) in cases {
        let head: String = src.chars().take(24).collect();
        let ended = std::thread::Builder::new()
            .stack_size(8 << 20)
            .spawn(move || evaluate(&src))
            .unwrap()
            .join()
            .expect("no panic, no stack overflow");
        match &ended {
            Ended::Syntax(m) | Ended::Error(m) if m.contains(expected) => {}
            other => panic!("{head}...: expected an error saying {expected:?}, got {other:?}"),
        }
    }
}

/// Values that never end, or end only past the memory there is: an
/// evaluation error each, never a crash (issue: the evaluator aborted).
#[test]
fn cyclic_infinite_and_huge_values_are_errors() {
    let cases = [
        (
            "let s = { a = s; }; t = { a = t; }; in s == t",
            "nested more than",
        ),
        ("let s = [ s ]; t = [ t ]; in s == t", "nested more than"),
        ("let s = [ s ]; t = [ t ]; in s < t", "nested more than"),
        (
            "builtins.sort (a: b: a < b) (let s = [ s ]; t = [ t ]; in [ s t ])",
            "nested more than",
        ),
        (
            "let f = n: { next = f (n + 1); }; in builtins.deepSeq (f 0) 1",
            "nested more than",
        ),
        ("let f = n: { next = f (n + 1); }; in f 0", "nested more than"),
        // nixplan's own limit is not replaced by a context that throws
        // (`addErrorContext` says the context's error otherwise, as nix):
        // `tryEval` would catch it.
        (
            "builtins.tryEval (builtins.addErrorContext (throw \"ctx\") (let f = n: 1 + f (n + 1); in f 0))",
            "levels deep (runaway recursion?)",
        ),
        (
            "builtins.genList (x: x) 9223372036854775807",
            "would take more than the memory limit",
        ),
        (
            "builtins.genList (x: x) 100000000",
            "would take more than the memory limit",
        ),
        (
            "let d = s: s + s; in builtins.stringLength (d (d (d (d (d (d (d (d (d (d (d (d (d (d (d (d (d (d (d (d (d (d (d (d (d (d (d (d (d (d \"x\"))))))))))))))))))))))))))))))",
            "would take more than the memory limit",
        ),
    ];
    for (src, expected) in cases {
        let src = src.to_string();
        let ended = std::thread::Builder::new()
            .stack_size(8 << 20)
            .spawn(move || {
                let settings = Settings {
                    max_depth: 20_000,
                    max_memory: 256 << 20,
                    ..Settings::default()
                };
                evaluate_with(&src, settings)
            })
            .unwrap()
            .join()
            .expect("no panic, no stack overflow");
        match &ended {
            Ended::Syntax(m) | Ended::Error(m) if m.contains(expected) => {}
            other => panic!("expected an error saying {expected:?}, got {other:?}"),
        }
    }
    // A value shared with itself compares as itself, as in Nix.
    let same = std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(|| evaluate("let s = { a = s; }; in s == s"))
        .unwrap()
        .join()
        .unwrap();
    assert!(matches!(same, Ended::Value), "{same:?}");
}
