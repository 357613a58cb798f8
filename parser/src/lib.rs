//! nixplan's Nix front end: source files and syntax ([`syntax`]), lowering
//! to an arena with a source map ([`lower`]), and a lazy evaluator
//! ([`eval`]) that reads files only through [`fs::FileSystem`].

pub mod config;
pub mod eval;
pub mod fs;
pub mod lower;
pub mod syntax;

pub use eval::{Eval, EvalError, EvalResult, Settings, Value};
