//! The lowering code's fingerprint for the parse cache
//! (`lower::frozen::LOWERING_FINGERPRINT`): a hash of this crate's sources
//! and of the workspace's lock file (rnix, postcard), so that a cache
//! entry is only ever read by the build that wrote its format.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn main() {
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let mut paths = vec![dir.join("Cargo.toml"), dir.join("../../Cargo.lock")];
    files(&dir.join("src"), &mut paths);
    paths.sort();
    let mut h = DefaultHasher::new();
    for p in &paths {
        println!("cargo::rerun-if-changed={}", p.display());
        p.strip_prefix(&dir).unwrap_or(p).hash(&mut h);
        std::fs::read(p).unwrap_or_default().hash(&mut h);
    }
    println!("cargo::rerun-if-changed=src");
    println!(
        "cargo::rustc-env=NIXPLAN_SYNTAX_FINGERPRINT={}-{:016x}",
        std::env::var("CARGO_PKG_VERSION").unwrap_or_default(),
        h.finish()
    );
}
