//! nixplan's Nix front end. Every file nixplan reads is registered in a
//! [`SourceMap`] and parsed with rnix ([`parse`]): parsing never fails
//! silently, it returns the tree or every syntax error with its location.
//! [`lower`] then turns the tree, once, into an arena of expressions with
//! variables resolved and a span for every expression, which is what the
//! evaluator runs.

pub mod block;
mod guard;
pub mod lower;
pub mod respace;
mod source;
mod text;

pub use guard::{MAX_CHAIN, MAX_RUN};
pub use source::*;
pub use text::Str;
