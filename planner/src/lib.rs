//! nixplan's planner: a typed configuration becomes a dependency graph of
//! install actions (petgraph), ordered from the resources each action needs
//! and produces, and printed as a plan people review. The planner never
//! runs a command.

pub mod activation;
pub mod bootstrap;
pub mod build;
pub mod diff;
pub mod lint;
pub mod render;

pub use build::{plan, BootstrapMode, KexecImage, PlanError, PlanOptions};
pub use nixplan_plan::{Action, Plan};
