//! The plan contract: what the planner writes and the executor runs, and
//! nothing else. A [`Plan`] is a list of [`Action`]s, each in a [`Phase`],
//! of a [`Kind`], with the exact argv or script it runs, its clean
//! environment, the resources it needs and produces, and the [`Condition`]
//! under which it runs at all. This crate also holds what both sides must
//! agree on: the run-time placeholders the executor fills in, shell
//! quoting, the facts script and what its facts mean, the hash, the order
//! and verification.
//!
//! It depends on no evaluator: the executor links this crate and never the
//! parser (a test checks `cargo tree -p nixplan-executor`).

mod action;
pub mod facts;
pub mod order;
pub mod placeholder;
mod plan;
mod resource;
pub mod shell;
pub mod signature;
pub mod verify;

pub use action::{Condition, Kind, Phase, PhaseSelection, RunsOn};
pub use plan::{
    sha256_hex, Action, Incomplete, InputSource, Plan, PlanInput, PlanTarget, SourceDigest,
    SourceFile, SourceRef, Summary, FORMAT_VERSION,
};
pub use resource::{Resource, ResourceKind};
