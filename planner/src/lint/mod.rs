//! `nixplan lint`: rules that catch broken disko, impermanence, activation
//! and install configurations before anything runs. One file per rule
//! family, one registry ([`RULES`]); every finding points at the user's
//! file, line and column.

mod activation;
mod disko;
mod impermanence;
mod install;
pub mod report;

use nixplan_nixos::config::Config;
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

/// Where findings without a position of their own point: the target file.
pub struct Context<'a> {
    pub config: &'a Config,
    pub fallback_file: String,
}

impl Context<'_> {
    pub fn finding(&self, code: &'static str, message: String, at: Option<&String>) -> Finding {
        let rule = rule(code).expect("registered rule");
        let (file, line, column) = match at.and_then(|a| parse_at(a)) {
            Some(x) => x,
            None => (self.fallback_file.clone(), 1, 1),
        };
        Finding {
            code,
            severity: rule.severity,
            message,
            file,
            line,
            column,
        }
    }
}

fn parse_at(at: &str) -> Option<(String, usize, usize)> {
    let mut parts = at.rsplitn(3, ':');
    let column = parts.next()?.parse().ok()?;
    let line = parts.next()?.parse().ok()?;
    Some((parts.next()?.to_string(), line, column))
}

pub static RULES: &[Rule] = &[
    impermanence::NP101,
    impermanence::NP102,
    impermanence::NP103,
    impermanence::NP104,
    impermanence::NP105,
    impermanence::NP106,
    impermanence::NP107,
    impermanence::NP108,
    impermanence::NP109,
    impermanence::NP110,
    disko::NP201,
    disko::NP202,
    disko::NP203,
    disko::NP205,
    disko::NP206,
    disko::NP207,
    disko::NP208,
    disko::NP209,
    disko::NP210,
    disko::NP211,
    disko::NP212,
    disko::NP213,
    disko::NP214,
    disko::NP215,
    activation::NP301,
    activation::NP302,
    activation::NP303,
    activation::NP304,
    disko::NP204,
    install::NP401,
    install::NP402,
];

pub fn rule(code: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.code.eq_ignore_ascii_case(code))
}

/// Every finding for a configuration, sorted by file, line, column, code.
pub fn lint(
    config: &Config,
    fallback_file: &str,
    facts: Option<&serde_json::Value>,
) -> Vec<Finding> {
    let cx = Context {
        config,
        fallback_file: fallback_file.to_string(),
    };
    let mut out = Vec::new();
    impermanence::check(&cx, &mut out);
    disko::check(&cx, &mut out);
    activation::check(&cx, &mut out);
    activation::check_persisted(&cx, &mut out);
    install::check(&cx, &mut out);
    if let Some(f) = facts {
        install::check_facts(&cx, f, &mut out);
    }
    out.sort_by(|a, b| {
        (&a.file, a.line, a.column, a.code, &a.message)
            .cmp(&(&b.file, b.line, b.column, b.code, &b.message))
    });
    out.dedup();
    out
}

/// Mounted filesystems: mountpoint → (fsType, neededForBoot, where).
pub(crate) fn mounts(config: &Config) -> Vec<(&str, &str, bool, Option<&String>)> {
    config
        .file_systems
        .values()
        .map(|fs| {
            (
                fs.mount_point.value.as_str(),
                fs.fs_type.value.as_str(),
                fs.needed_for_boot.value,
                fs.at.as_ref(),
            )
        })
        .collect()
}

/// The mountpoint holding a path (the longest containing one).
pub(crate) fn holding<'a>(
    mounts: &[(&'a str, &'a str, bool, Option<&'a String>)],
    path: &str,
) -> Option<(&'a str, &'a str, bool, Option<&'a String>)> {
    mounts
        .iter()
        .filter(|(mp, ..)| {
            *mp == "/" || path == *mp || path.starts_with(&format!("{}/", mp.trim_end_matches('/')))
        })
        .max_by_key(|(mp, ..)| mp.len())
        .copied()
}

pub(crate) fn is_tmpfs_root(config: &Config) -> bool {
    config
        .file_systems
        .get("/")
        .is_some_and(|fs| fs.fs_type.value == "tmpfs")
}
