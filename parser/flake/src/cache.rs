//! nixplan's source cache: `$XDG_CACHE_HOME/nixplan/sources/HASH`, one
//! entry per NAR hash. An entry appears only whole: sources are unpacked
//! and hashed in a staging directory beside it and renamed into place after
//! their hash matched, so an interrupted fetch or a mismatch leaves no
//! entry.

use std::io;
use std::path::{Path, PathBuf};

use crate::nar::NarHash;

#[derive(Debug, Clone)]
pub struct Cache {
    pub root: PathBuf,
}

impl Cache {
    /// `$XDG_CACHE_HOME/nixplan`, else `$HOME/.cache/nixplan`.
    pub fn default_root() -> Option<PathBuf> {
        let env = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        env("XDG_CACHE_HOME")
            .or_else(|| env("HOME").map(|h| h.join(".cache")))
            .map(|p| p.join("nixplan"))
    }

    pub fn new(root: impl Into<PathBuf>) -> Cache {
        Cache { root: root.into() }
    }

    /// Where the source with this hash is (or would be) kept.
    pub fn entry(&self, hash: &NarHash) -> PathBuf {
        self.root.join("sources").join(hash.base32())
    }

    pub fn lookup(&self, hash: &NarHash) -> Option<PathBuf> {
        let e = self.entry(hash);
        std::fs::symlink_metadata(&e).is_ok().then_some(e)
    }

    /// A fresh directory to unpack into, removed when dropped.
    pub fn staging(&self) -> io::Result<tempfile::TempDir> {
        let dir = self.root.join("tmp");
        std::fs::create_dir_all(&dir)?;
        std::fs::create_dir_all(self.root.join("sources"))?;
        tempfile::Builder::new().prefix("fetch-").tempdir_in(dir)
    }

    /// Move `source` (inside a staging directory) into the cache as the
    /// entry for `hash`. Another process that stored it first wins; ours is
    /// left for the staging directory's removal.
    pub fn commit(&self, source: &Path, hash: &NarHash) -> io::Result<PathBuf> {
        let e = self.entry(hash);
        match std::fs::rename(source, &e) {
            Ok(()) => Ok(e),
            Err(_) if self.lookup(hash).is_some() => Ok(e),
            Err(err) => Err(err),
        }
    }
}
