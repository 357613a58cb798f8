//! The corpus of Nix files the syntax tests read: every `.nix` file of
//! the upstream snapshots and of this repository's tests and parser.

use std::path::{Path, PathBuf};

fn nix_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            if p.file_name().is_some_and(|n| n == "target" || n == ".git") {
                continue;
            }
            nix_files(&p, out);
        } else if ft.is_file() && p.extension().is_some_and(|x| x == "nix") {
            out.push(p);
        }
    }
}

pub fn corpus() -> Option<Vec<PathBuf>> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    // Where the other tests look (tests/common/mod.rs `upstream`): the
    // variable, beside the checkout, or the project's shared folder.
    let upstream = std::env::var_os("NIXPLAN_UPSTREAM")
        .map(PathBuf::from)
        .into_iter()
        .chain([
            repo.join("../shared/upstream"),
            PathBuf::from("/work/shared/upstream"),
        ])
        .find(|p| p.join("nixpkgs-lib/lib/default.nix").is_file())
        .unwrap_or_else(|| repo.join("../shared/upstream"));
    if !upstream.is_dir() {
        assert!(
            std::env::var("NIXPLAN_REQUIRE_UPSTREAM").as_deref() != Ok("1"),
            "no upstream snapshots at {}",
            upstream.display()
        );
        eprintln!(
            "skipped: no upstream snapshots at {} (set NIXPLAN_UPSTREAM)",
            upstream.display()
        );
        return None;
    }
    let mut files = Vec::new();
    nix_files(&upstream, &mut files);
    nix_files(&repo.join("tests"), &mut files);
    nix_files(&repo.join("parser"), &mut files);
    files.sort();
    Some(files)
}
