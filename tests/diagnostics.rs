//! What a user sees when their Nix is wrong: the rendered diagnostics of
//! every file in tests/eval-errors, pinned as insta snapshots under
//! snapshots/ (as drawn on a terminal). Each must point at the user's file
//! and line, also in the plain form that a pipe gets.

mod common;

use common::{nixplan, nixplan_rich, root};

#[test]
fn eval_error_diagnostics() {
    let root = root();
    let dir = root.join("tests/eval-errors");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for file in files {
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        if name.starts_with("lib-") {
            continue; // imported by other cases
        }
        let rel = file.strip_prefix(root).unwrap();
        let plain = nixplan(&["eval", &rel.to_string_lossy()]);
        let out = nixplan_rich(&["eval", &rel.to_string_lossy()]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{name} must fail with exit code 1"
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        // The error is in the file itself, except where the case is about
        // an error inside a file it imports.
        let at = match name.as_str() {
            "type-error-in-import" => "tests/eval-errors/lib-with-bug.nix".to_string(),
            _ => rel.to_string_lossy().into_owned(),
        };
        assert!(
            stderr.contains(&format!("╭─[{at}:")),
            "{name} must point at {at}: {stderr}"
        );
        assert_plain(&plain, &at, &name);
        insta::with_settings!({ snapshot_path => root.join("snapshots/eval-errors"), prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(name, stderr);
        });
    }
}

/// Errors in configurations (`nixplan config`) point at the user's file and
/// line, never at nixplan's own modules.
#[test]
fn config_error_diagnostics() {
    let root = root();
    let dir = root.join("tests/config-errors");
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for entry in entries {
        let name = entry.file_stem().unwrap().to_string_lossy().into_owned();
        let rel = entry
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let (arg, file) = if entry.is_dir() {
            (format!("{rel}#box"), format!("{rel}/flake.nix"))
        } else {
            (rel.clone(), rel.clone())
        };
        let plain = nixplan(&["config", &arg]);
        let out = nixplan_rich(&["config", &arg]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{name} must fail with exit code 1"
        );
        let stderr =
            String::from_utf8_lossy(&out.stderr).replace(&root.display().to_string(), "<repo>");
        assert!(
            stderr.contains(&format!("╭─[{file}:")),
            "{name}: the error must point at {file}:\n{stderr}"
        );
        assert_plain(&plain, &file, &name);
        assert!(
            !stderr.contains("╭─[/nixplan"),
            "{name}: points into nixplan's modules:\n{stderr}"
        );
        insta::with_settings!({ snapshot_path => root.join("snapshots/config-errors"), prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(name, stderr);
        });
    }
}

/// The plain form (stderr not a terminal): nix's `error:` line first,
/// then `at FILE:LINE:COLUMN`, no box drawing, no line wrapped.
fn assert_plain(out: &std::process::Output, file: &str, name: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
    assert!(stderr.starts_with("error: "), "{name}: {stderr}");
    assert!(
        stderr.contains(&format!("at {file}:")) || stderr.contains(&format!("/{file}:")),
        "{name}: the plain error must point at {file}:\n{stderr}"
    );
    assert!(
        !stderr.contains('╭') && !stderr.contains('│'),
        "{name}: no box drawing when not on a terminal:\n{stderr}"
    );
}
