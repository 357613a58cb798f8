//! `nixplan lint`: rules that catch broken disko, impermanence, activation
//! and install configurations before anything runs. One file per rule
//! (`npXXX.rs`: its code, title, severity, explanation and check), one
//! registry ([`RULES`]); every finding points at the user's file, line and
//! column. What several rules read of a configuration is computed in
//! `layout.rs` (disko) and `persistence.rs` (impermanence).
//!
//! Adding a rule: a file `npXXX.rs` with its `RULE`, a line in [`RULES`],
//! a file `tests/lint/NPXXX.nix` that triggers it (and nothing else) and
//! its fixed counterpart `tests/lint/clean/NPXXX.nix` (the tests are
//! generated from the registry and fail without them).

mod layout;
mod persistence;
pub mod report;

mod inputs;
mod np101;
mod np102;
mod np103;
mod np104;
mod np105;
mod np106;
mod np107;
mod np108;
mod np109;
mod np110;
mod np201;
mod np202;
mod np203;
mod np204;
mod np205;
mod np206;
mod np207;
mod np208;
mod np209;
mod np210;
mod np211;
mod np212;
mod np213;
mod np214;
mod np215;
mod np216;
mod np217;
mod np218;
mod np301;
mod np302;
mod np303;
mod np304;
mod np401;
mod np402;
mod np501;
mod np502;
mod np503;

use nixplan_nixos::config::{Config, Pos};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// A rule of the catalogue.
pub struct Rule {
    pub code: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    /// Why it matters, an example that triggers it, and the fix.
    pub explanation: &'static str,
    /// It looks at the target's facts (`--facts`) and finds nothing without.
    pub needs_facts: bool,
    /// Finds this rule's problems (and no other rule's).
    pub check: fn(&Context, &mut Vec<Finding>),
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Finding {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub file: String,
    pub line: usize,
    pub column: usize,
}

/// What the rules look at: the configuration, the target's facts when
/// given, and where findings without a position of their own point (the
/// target file).
pub struct Context<'a> {
    pub config: &'a Config,
    pub facts: Option<&'a serde_json::Value>,
    pub fallback_file: String,
}

impl Context<'_> {
    pub fn finding(&self, rule: &Rule, message: String, at: Option<&Pos>) -> Finding {
        let (file, line, column) = match at {
            Some(at) => (at.file.to_string(), at.line, at.column),
            None => (self.fallback_file.clone(), 1, 1),
        };
        Finding {
            code: rule.code,
            severity: rule.severity,
            message,
            file,
            line,
            column,
        }
    }
}

/// Every rule, in the order reports list them (SARIF's `rules`).
pub static RULES: &[&Rule] = &[
    &np101::RULE,
    &np102::RULE,
    &np103::RULE,
    &np104::RULE,
    &np105::RULE,
    &np106::RULE,
    &np107::RULE,
    &np108::RULE,
    &np109::RULE,
    &np110::RULE,
    &np201::RULE,
    &np202::RULE,
    &np203::RULE,
    &np205::RULE,
    &np206::RULE,
    &np207::RULE,
    &np208::RULE,
    &np209::RULE,
    &np210::RULE,
    &np211::RULE,
    &np212::RULE,
    &np213::RULE,
    &np214::RULE,
    &np215::RULE,
    &np216::RULE,
    &np217::RULE,
    &np218::RULE,
    &np301::RULE,
    &np302::RULE,
    &np303::RULE,
    &np304::RULE,
    &np204::RULE,
    &np401::RULE,
    &np402::RULE,
    &np501::RULE,
    &np502::RULE,
    &np503::RULE,
];

pub fn rule(code: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .copied()
        .find(|r| r.code.eq_ignore_ascii_case(code))
}

/// Every finding for a configuration, sorted by file, line, column, code.
pub fn lint(
    config: &Config,
    fallback_file: &str,
    facts: Option<&serde_json::Value>,
) -> Vec<Finding> {
    let cx = Context {
        config,
        facts,
        fallback_file: fallback_file.to_string(),
    };
    let mut out = Vec::new();
    for rule in RULES {
        (rule.check)(&cx, &mut out);
    }
    out.sort_by(|a, b| {
        (&a.file, a.line, a.column, a.code, &a.message)
            .cmp(&(&b.file, b.line, b.column, b.code, &b.message))
    });
    out.dedup();
    out
}
