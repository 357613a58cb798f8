//! nixplan's planner: a typed configuration becomes a dependency graph of
//! install actions (petgraph), ordered from the resources each action needs
//! and produces, and printed as a plan people review. The planner never
//! runs a command.
//!
//! Start at [`build::plan`]; each phase has a file under `phases/`, each
//! disko content type one under `disko/`, each lint rule one under `lint/`.

pub mod build;
mod builder;
pub mod deploy;
pub mod diff;
mod disko;
mod error;
pub mod lint;
mod options;
mod phases;
pub mod render;
mod summary;

pub use build::plan;
pub use disko::{udev, zpool_topology};
pub use error::{ActivationError, PlanError};
pub use nixplan_plan::{Action, Plan};
pub use options::{BootstrapMode, KexecImage, PlanOptions, DEFAULT_KEXEC_URL};
pub use phases::activation::order as activation_order;
pub use phases::bootstrap::Bootstrap;
