//! nixplan's planner: a typed configuration becomes a dependency graph of
//! install actions (petgraph), ordered from the resources each action needs
//! and produces, and printed as a plan people review. The planner never
//! runs a command.
//!
//! Start at [`build::plan`]; each phase has a file under `phases/`, each
//! disko content type one under `disko/`, each lint rule one under `lint/`.

pub mod build;
pub mod diff;
mod disko;
pub mod lint;
mod options;
mod phases;
pub mod render;
mod summary;

pub use build::plan;
pub use disko::zpool_topology;
pub use nixplan_plan::{Action, Plan};
pub use options::{BootstrapMode, KexecImage, PlanError, PlanOptions, DEFAULT_KEXEC_URL};
pub use phases::activation::{order as activation_order, ActivationError};
pub use phases::bootstrap::Bootstrap;
