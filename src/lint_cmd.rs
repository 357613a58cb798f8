//! `nixplan lint TARGET` and `nixplan explain CODE`.

use std::process::ExitCode;

use miette::{Diagnostic, LabeledSpan, NamedSource, SourceSpan};
use nixplan_nixos::config::Target;
use nixplan_planner::lint::{self, report, Finding, Severity};

use crate::cli::{LintArgs, LintFormat};
use crate::target::{load_config, parse_target};

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
struct LintDiagnostic {
    message: String,
    code: String,
    severity: miette::Severity,
    src: Option<NamedSource<String>>,
    span: Option<SourceSpan>,
    help: String,
}

impl Diagnostic for LintDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(&self.code))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.src.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.span.map(|s| {
            Box::new(std::iter::once(LabeledSpan::new_with_span(
                Some("here".into()),
                s,
            ))) as Box<dyn Iterator<Item = LabeledSpan>>
        })
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(&self.help))
    }
}

/// The span of a finding: from its column to the end of the definition on
/// that line (`None` when the file does not have that line).
fn span_of(text: &str, line: usize, column: usize) -> Option<SourceSpan> {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let rest = text.get(start..)?;
    let this = rest.lines().next()?;
    let col = this
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(0, |(i, _)| i);
    let len = this[col..]
        .find([';', '\n'])
        .unwrap_or(this.len() - col)
        .max(1);
    Some(SourceSpan::new((start + col).into(), len))
}

/// The file findings without a position of their own point at: the
/// target's, relative to the working directory when under it.
pub(crate) fn main_file(target: &Target) -> String {
    let cwd = std::env::current_dir()
        .map(|d| d.display().to_string())
        .unwrap_or_default();
    let main_file = match target {
        Target::Flake { dir, .. } => format!("{dir}/flake.nix"),
        Target::Module { file } => file.clone(),
    };
    main_file
        .strip_prefix(&format!("{cwd}/"))
        .map(String::from)
        .unwrap_or(main_file)
}

/// A finding as the terminal shows it: the line it points at, the rule.
pub(crate) fn print_finding(f: &Finding) {
    eprintln!("{:?}", miette::Report::new(diagnostic(f)));
}

fn diagnostic(f: &Finding) -> LintDiagnostic {
    let text = std::fs::read_to_string(&f.file).ok();
    let span = text.as_ref().and_then(|t| span_of(t, f.line, f.column));
    LintDiagnostic {
        message: format!("{} (at {}:{}:{})", f.message, f.file, f.line, f.column),
        code: f.code.to_string(),
        severity: match f.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        },
        src: text.map(|t| NamedSource::new(f.file.clone(), t).with_language("nix")),
        span,
        help: format!("nixplan explain {}", f.code),
    }
}

pub fn run(args: LintArgs) -> ExitCode {
    let Ok(target) = parse_target(&args.target).map_err(|e| eprintln!("error: {e}")) else {
        return ExitCode::from(1);
    };
    let Ok((ev, config)) = load_config(&args.target, &args.inputs) else {
        return ExitCode::from(1);
    };
    crate::eval_cmd::finish(ev);
    let main_file = main_file(&target);
    let facts = match &args.facts {
        Some(f) => match std::fs::read_to_string(f)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
        {
            Ok(v) => Some(v),
            Err(e) => {
                eprintln!("error: cannot read facts from {}: {e}", f.display());
                return ExitCode::from(1);
            }
        },
        None => None,
    };
    let findings = lint::lint(&config, &main_file, facts.as_ref());
    match args.format {
        LintFormat::Json => print!("{}", report::json(&findings)),
        LintFormat::Sarif => print!("{}", report::sarif(&findings, env!("CARGO_PKG_VERSION"))),
        LintFormat::Human => {
            for f in &findings {
                print_finding(f);
            }
            let errors = findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .count();
            let warnings = findings
                .iter()
                .filter(|f| f.severity == Severity::Warning)
                .count();
            if findings.is_empty() {
                println!("{}: no findings", args.target);
            } else {
                println!("{}: {errors} errors, {warnings} warnings", args.target);
            }
        }
    }
    let deny_warnings = args.deny.iter().any(|d| d == "warnings");
    let failing = findings.iter().any(|f| {
        f.severity == Severity::Error || (deny_warnings && f.severity == Severity::Warning)
    });
    if failing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

pub fn explain(code: &str) -> ExitCode {
    match report::explain(code) {
        Some(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        None => {
            eprintln!(
                "error: there is no rule {code}; the rules are {}",
                lint::RULES
                    .iter()
                    .map(|r| r.code)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            ExitCode::from(1)
        }
    }
}
