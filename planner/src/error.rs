//! What planning reports when it cannot plan: the planner's errors, each
//! with the user's position where there is one.

use nixplan_nixos::config::Pos;
use nixplan_plan::order::OrderError;

#[derive(Debug, Clone, PartialEq)]
pub enum PlanError {
    Order(OrderError),
    Activation(ActivationError),
    Invalid { message: String, at: Option<Pos> },
}

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlanError::Order(e) => write!(f, "{e}"),
            PlanError::Activation(e) => match e {
                ActivationError::UnknownDependency { at: Some(at), .. }
                | ActivationError::Cycle { at: Some(at), .. } => {
                    write!(f, "{e} (at {at})")
                }
                _ => write!(f, "{e}"),
            },
            PlanError::Invalid {
                message,
                at: Some(at),
            } => write!(f, "{message} (at {at})"),
            PlanError::Invalid { message, at: None } => write!(f, "{message}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ActivationError {
    UnknownDependency {
        snippet: String,
        dependency: String,
        at: Option<Pos>,
    },
    Cycle {
        members: Vec<String>,
        at: Option<Pos>,
    },
}
