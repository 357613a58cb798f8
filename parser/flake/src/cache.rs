//! nixplan's source cache: `$XDG_CACHE_HOME/nixplan/sources/HASH`, one
//! entry per NAR hash, `files/SHA256` for single files fetched by their
//! flat hash (`builtins.fetchurl`), and `refs/` for the NAR hash that a
//! reference naming one revision was found to have. An entry appears only whole: sources are unpacked
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

    /// Where the file whose sha256 (of its bytes, as `builtins.fetchurl`
    /// checks it) is `sha256` is (or would be) kept.
    pub fn file_entry(&self, sha256: &[u8; 32]) -> PathBuf {
        self.root
            .join("files")
            .join(nix_base32::to_nix_base32(sha256))
    }

    pub fn lookup_file(&self, sha256: &[u8; 32]) -> Option<PathBuf> {
        let e = self.file_entry(sha256);
        e.is_file().then_some(e)
    }

    /// Move the file `source` (inside a staging directory) into the cache
    /// as the file with this sha256; as `commit`, the first one stored wins.
    pub fn commit_file(&self, source: &Path, sha256: &[u8; 32]) -> io::Result<PathBuf> {
        let e = self.file_entry(sha256);
        std::fs::create_dir_all(self.root.join("files"))?;
        match std::fs::rename(source, &e) {
            Ok(()) => Ok(e),
            Err(_) if self.lookup_file(sha256).is_some() => Ok(e),
            Err(err) => Err(err),
        }
    }

    /// The NAR hash a reference that names one revision (`github:o/r/REV`,
    /// `git+URL?rev=REV`) was found to have when it was fetched without
    /// one (`--override-input`): `refs/SHA256(reference)` holds it.
    pub fn hash_of_reference(&self, reference: &str) -> Option<NarHash> {
        let text = std::fs::read_to_string(self.reference_entry(reference)).ok()?;
        let hash = NarHash::parse(text.trim())?;
        self.lookup(&hash).is_some().then_some(hash)
    }

    /// Remember the NAR hash of a reference fetched without one (written
    /// whole: a temporary file renamed into place).
    pub fn remember_reference(&self, reference: &str, hash: &NarHash) -> io::Result<()> {
        let entry = self.reference_entry(reference);
        let dir = self.root.join("refs");
        std::fs::create_dir_all(&dir)?;
        let tmp = tempfile::NamedTempFile::new_in(&dir)?;
        std::fs::write(tmp.path(), hash.sri())?;
        tmp.persist(entry).map_err(|e| e.error)?;
        Ok(())
    }

    fn reference_entry(&self, reference: &str) -> PathBuf {
        use sha2::Digest;
        let digest: [u8; 32] = sha2::Sha256::digest(reference.as_bytes()).into();
        self.root
            .join("refs")
            .join(nix_base32::to_nix_base32(&digest))
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
