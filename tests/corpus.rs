//! The differential corpus: every expression under tests/corpus/cases is
//! evaluated by `nixplan eval` (Nix syntax and JSON) and compared with what
//! Debian's nix-instantiate printed for it (tests/corpus/expected, produced
//! by tests/corpus/regenerate.sh). Where nixplan deliberately differs from
//! nix 2.8, tests/corpus/deviations.toml says why and what nixplan prints.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use nixplan_eval::fs::{OsFileSystem, EMBEDDED_ROOT};
use nixplan_eval::{ErrorKind, Eval, LoadError, Settings};
use nixplan_nixos::embedded::WithEmbedded;

#[derive(serde::Deserialize)]
struct Deviation {
    reason: String,
    nix: String,
    json: String,
}

fn cases(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("corpus dir")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            cases(&p, out);
        } else if p.extension().is_some_and(|e| e == "nix") {
            out.push(p);
        }
    }
}

fn run(root: &Path, case: &Path, json: bool) -> (bool, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nixplan"));
    cmd.current_dir(root)
        .arg("eval")
        .arg(case.strip_prefix(root).expect("under root"));
    if json {
        cmd.arg("--json");
    }
    cmd.env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", "/nonexistent");
    let out = cmd.output().expect("run nixplan");
    let code = out.status.code();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        matches!(code, Some(0) | Some(1)) && !stderr.contains("panicked"),
        "{}: nixplan crashed (exit {code:?}): {stderr}",
        case.display()
    );
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout)
            .trim_end_matches('\n')
            .to_string(),
        stderr,
    )
}

/// The class of nixplan's failure (as tests/corpus/regenerate.sh classes
/// nix's): the same evaluation as `nixplan eval`, in this process, for its
/// typed error kind.
fn error_class(case: &Path, json: bool) -> &'static str {
    let case = case.to_path_buf();
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || {
            let settings = Settings {
                home: Some("/nonexistent".into()),
                nix_path: vec![("nixplan".into(), EMBEDDED_ROOT.into())],
                ..Settings::default()
            };
            let mut ev = Eval::new(Box::new(WithEmbedded(OsFileSystem)), settings);
            let text = std::fs::read_to_string(&case).expect("case");
            let base = case.parent().unwrap().display().to_string();
            let name = case.display().to_string();
            let kind = match ev.load_source(&name, Some(&case), &text, &base) {
                Err(LoadError::Syntax(_)) => ErrorKind::Syntax,
                Err(LoadError::Eval(e)) => e.kind,
                Ok((_, root)) => {
                    let span = ev.arena.span(root);
                    let result = ev.eval_root(root).and_then(|v| {
                        ev.deep_force(&v, span)?;
                        let printed = if json {
                            ev.print_json(&v, span, &mut BTreeSet::new())
                        } else {
                            ev.print_nix(&v, span)
                        };
                        std::mem::forget(v);
                        printed
                    });
                    match result {
                        Err(e) => e.kind,
                        Ok(_) => panic!("{name}: the binary failed, the library did not"),
                    }
                }
            };
            std::mem::forget(ev);
            match kind {
                ErrorKind::InfiniteRecursion | ErrorKind::Depth => "recursion",
                ErrorKind::Syntax | ErrorKind::Parse => "syntax",
                ErrorKind::UndefinedVariable => "undefined-variable",
                ErrorKind::MissingAttr => "missing-attribute",
                ErrorKind::Assert => "assertion",
                ErrorKind::Abort => "abort",
                ErrorKind::DivisionByZero | ErrorKind::Overflow => "arithmetic",
                ErrorKind::Io => "io",
                ErrorKind::Type => "type",
                ErrorKind::Throw | ErrorKind::Other | ErrorKind::Unsupported => "other",
            }
        })
        .expect("thread")
        .join()
        .expect("no panic")
}

#[test]
fn corpus_agrees_with_nix() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = root.join("tests/corpus");
    let mut all = Vec::new();
    cases(&corpus.join("cases"), &mut all);
    assert!(all.len() >= 400, "the corpus has only {} cases", all.len());
    let deviations: BTreeMap<String, Deviation> = toml::from_str(
        &std::fs::read_to_string(corpus.join("deviations.toml")).unwrap_or_default(),
    )
    .expect("deviations.toml");
    let mut failures = Vec::new();
    for case in &all {
        let rel = case
            .strip_prefix(corpus.join("cases"))
            .expect("under cases")
            .with_extension("");
        let key = rel.display().to_string();
        let expected_file = corpus.join("expected").join(&rel).with_extension("out");
        let text = std::fs::read_to_string(&expected_file)
            .unwrap_or_else(|_| panic!("missing {}", expected_file.display()));
        let mut want_nix = None;
        let mut want_json = None;
        for line in text.lines() {
            if let Some(v) = line.strip_prefix("nix: ") {
                want_nix = Some(v.to_string());
            } else if let Some(v) = line.strip_prefix("json: ") {
                want_json = Some(v.to_string());
            }
        }
        if let Some(d) = deviations.get(&key) {
            assert!(!d.reason.is_empty(), "{key}: a deviation needs a reason");
            want_nix = Some(d.nix.clone());
            want_json = Some(d.json.clone());
        }
        for (json, want) in [(false, want_nix), (true, want_json)] {
            let want = want.unwrap_or_else(|| panic!("{key}: expected file lacks a line"));
            let (ok, got, err) = run(root, case, json);
            let mode = if json { "json" } else { "nix" };
            if let Some(class) = want.strip_prefix("ERROR") {
                let class = class.trim();
                if ok {
                    failures.push(format!("{key} [{mode}]: nix fails, nixplan printed {got}"));
                } else if class != error_class(case, json) {
                    failures.push(format!(
                        "{key} [{mode}]: nix fails with an error of class {class}, nixplan with {}: {}",
                        error_class(case, json),
                        err.lines().take(3).collect::<Vec<_>>().join(" | ")
                    ));
                }
            } else if !ok {
                failures.push(format!(
                    "{key} [{mode}]: expected {want}\n    nixplan failed: {}",
                    err.lines().take(3).collect::<Vec<_>>().join(" | ")
                ));
            } else if got != want {
                failures.push(format!(
                    "{key} [{mode}]:\n    nix:     {want}\n    nixplan: {got}"
                ));
            }
        }
    }
    if !failures.is_empty() {
        panic!(
            "{} of {} corpus checks differ from nix:\n{}",
            failures.len(),
            all.len() * 2,
            failures.join("\n")
        );
    }
    eprintln!("{} corpus cases agree with nix", all.len());
}
