//! Flake inputs, resolved as nix resolves them: each node of `flake.lock`
//! (nested nodes and `follows` included) is found, in this order, from a
//! `--override-input`, in `/nix/store` (by its narHash), in nixplan's own
//! source cache, or fetched (github, gitlab, sourcehut, tarball, file, git)
//! and checked against its narHash before it enters the cache.
//!
//! Nothing here evaluates Nix: `nixplan-nixos` asks a [`Resolver`] for an
//! input's source when evaluation first reaches it.

pub mod cache;
pub mod fetch;
pub mod lock;
pub mod nar;
pub mod resolve;
pub mod source;

pub use cache::Cache;
pub use lock::Lock;
pub use nar::NarHash;
pub use resolve::{store_dir, Options, Origin, Resolved, Resolver};
pub use source::Locked;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}: {1}")]
    Io(String, #[source] std::io::Error),
    #[error("invalid flake.lock: {0}")]
    Lock(String),
    #[error("cannot fetch {url}: {msg}")]
    Http { url: String, msg: String },
    #[error("{0}")]
    Git(String),
    #[error("{0}")]
    Unsupported(String),
    #[error("the input '{what}' fetched from {from} does not have the narHash its lock gives: expected {expected}, got {got}; nothing was kept (the lock or the source changed: check it, then `nix flake lock`)")]
    Mismatch {
        what: String,
        from: String,
        expected: String,
        got: String,
    },
    #[error("the file fetched from {url} does not have the sha256 the expression gives: expected {expected}, got {got}; nothing was kept")]
    FileMismatch {
        url: String,
        expected: String,
        got: String,
    },
    #[error("{0}")]
    Override(String),
    #[error("the input '{0}' has no entry in flake.lock: run `nix flake lock` (or give it with --override-input {0} PATH)")]
    NotLocked(String),
}
