//! nixplan's NixOS side: what turns a flake or a module file into the typed
//! configuration the planner reads. The module system, NixOS, disko and
//! impermanence declarations, stand-in inputs and flake and hive loading
//! are Nix code of nixplan's own ([`embedded`], under `nix/`), evaluated
//! by `nixplan-eval`; [`config`] extracts the typed configuration from
//! the result, each value with where the user wrote it.

pub mod config;
pub mod embedded;
pub mod inputs;
pub mod lockfile;
