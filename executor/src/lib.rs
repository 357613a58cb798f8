//! nixplan's executor: runs a plan on a machine, locally or over SSH, and
//! only what the plan says. Before anything runs it refuses plans that do
//! not verify, are stale, or would harm the wrong disk; while running it
//! journals every action so that `--resume` can continue. It never
//! evaluates Nix and never prints: progress goes to an [`Observer`].

pub mod facts;
pub mod journal;
pub mod run;
pub mod transport;

pub use run::{apply, ApplyOptions, Event, Failure, Observer, Outcome, Refusal, Report};
pub use transport::{Local, Ssh, SshOptions, Transport};
