//! Evaluation errors: values with a span and a short trace. The binary turns
//! them into miette reports with [`EvalError::to_diagnostic`].

use miette::{Diagnostic, LabeledSpan, NamedSource, SourceSpan};

use nixplan_syntax::{SourceMap, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// `throw`: caught by `tryEval`.
    Throw,
    /// A failed `assert`: caught by `tryEval`.
    Assert,
    Abort,
    Type,
    MissingAttr,
    UndefinedVariable,
    InfiniteRecursion,
    /// The evaluation went deeper than the configured limit.
    Depth,
    Overflow,
    DivisionByZero,
    Io,
    /// A syntax error in an imported file (the message holds the details).
    Syntax,
    /// What Nix rejects while parsing though the grammar allows it: an
    /// attribute or a formal argument defined twice, and the like.
    Parse,
    /// Something this evaluator deliberately does not do (fetchers, builds).
    Unsupported,
    Other,
}

#[derive(Debug, Clone)]
pub struct TraceFrame {
    pub span: Span,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct EvalError {
    pub kind: ErrorKind,
    pub message: String,
    pub span: Option<Span>,
    pub trace: Vec<TraceFrame>,
    /// Frames left out between the innermost and the outermost kept.
    pub omitted: usize,
    /// What the caller was doing, outermost last, where no place in a
    /// file says it (nixplan reading a configuration).
    pub notes: Vec<String>,
    /// The user's definition the error is about, where the caller knows it
    /// and no place of the error is the user's (a type error found inside
    /// the module system): the report's box is put there.
    pub defined_at: Option<Span>,
}

pub type EvalResult<T> = Result<T, Box<EvalError>>;

/// How many trace frames an error keeps: the innermost (where it went
/// wrong) and the outermost (what the user's configuration was being read
/// for), with a count of those between.
const KEEP_INNER: usize = 24;
const KEEP_OUTER: usize = 8;

impl EvalError {
    pub fn new(kind: ErrorKind, message: impl Into<String>, span: Option<Span>) -> Box<EvalError> {
        Box::new(EvalError {
            kind,
            message: message.into(),
            span,
            trace: Vec::new(),
            omitted: 0,
            notes: Vec::new(),
            defined_at: None,
        })
    }

    pub fn catchable(&self) -> bool {
        matches!(self.kind, ErrorKind::Throw | ErrorKind::Assert)
    }

    pub fn add_trace(&mut self, span: Span, message: impl Into<String>) {
        if self.span.is_none() {
            self.span = Some(span);
            return;
        }
        if self.span != Some(span) && self.trace.last().map(|f| f.span) != Some(span) {
            if self.trace.len() == KEEP_INNER + KEEP_OUTER {
                self.trace.remove(KEEP_INNER);
                self.omitted += 1;
            }
            self.trace.push(TraceFrame {
                span,
                message: message.into(),
            });
        }
    }

    /// Says what the caller was doing when the error came (after the
    /// frames).
    pub fn note(&mut self, text: impl Into<String>) {
        self.notes.push(text.into());
    }

    /// A one-line-per-frame text rendering, for logs and tests.
    pub fn render_plain(&self, sources: &SourceMap) -> String {
        let mut out = format!("error: {}", self.message);
        if let Some(s) = self.span {
            out.push_str(&format!("\n  at {}", sources.describe(s)));
        }
        for (i, f) in self.trace.iter().enumerate() {
            if i == KEEP_INNER && self.omitted > 0 {
                out.push_str(&format!("\n  … {} frames omitted", self.omitted));
            }
            out.push_str(&format!(
                "\n  … {} at {}",
                f.message,
                sources.describe(f.span)
            ));
        }
        for n in &self.notes {
            out.push_str(&format!("\n  … {n}"));
        }
        out
    }

    pub fn to_diagnostic(&self, sources: &SourceMap) -> EvalDiagnostic {
        let internal = |s: Span| {
            sources
                .file(s.file)
                .path
                .as_ref()
                .is_some_and(|p| p.starts_with(crate::fs::EMBEDDED_ROOT))
        };
        // An error raised in nixplan's own Nix code (the module system's
        // "used but not defined") is shown where the user's code was when
        // it came: the innermost frame in a user's file.
        let shown = match self.span {
            _ if self.defined_at.is_some() => self.defined_at,
            Some(s) if internal(s) => self
                .trace
                .iter()
                .map(|f| f.span)
                .find(|f| !internal(*f))
                .or(Some(s)),
            other => other,
        };
        let (src, label) = match shown {
            Some(s) => (
                Some(sources.named_source(s.file)),
                Some(LabeledSpan::new_with_span(
                    Some(if shown == self.defined_at {
                        "defined here".to_string()
                    } else if shown == self.span {
                        self.kind_label().to_string()
                    } else {
                        "while evaluating this".to_string()
                    }),
                    SourceSpan::new((s.start as usize).into(), (s.end - s.start) as usize),
                )),
            ),
            None => (None, None),
        };
        let location = self.span.map(|s| sources.describe(s));
        let mut help = String::new();
        for (i, f) in self.trace.iter().enumerate() {
            if i == KEEP_INNER && self.omitted > 0 {
                if !help.is_empty() {
                    help.push('\n');
                }
                help.push_str(&format!("… {} frames omitted", self.omitted));
            }
            // Frames inside nixplan's own Nix code only say where the user's
            // value was being used, not where it came from.
            if internal(f.span) {
                if f.message.starts_with("while evaluating the option") {
                    if !help.is_empty() {
                        help.push('\n');
                    }
                    help.push_str(&format!("… {}", f.message));
                }
                continue;
            }
            if !help.is_empty() {
                help.push('\n');
            }
            help.push_str(&format!("… {} at {}", f.message, sources.describe(f.span)));
        }
        for n in &self.notes {
            if !help.is_empty() {
                help.push('\n');
            }
            help.push_str(&format!("… {n}"));
        }
        EvalDiagnostic {
            message: match location {
                Some(l) => format!("{} (at {l})", self.message),
                None => self.message.clone(),
            },
            src,
            label,
            help: if help.is_empty() { None } else { Some(help) },
        }
    }

    fn kind_label(&self) -> &'static str {
        match self.kind {
            ErrorKind::Throw => "thrown here",
            ErrorKind::Assert => "assertion failed here",
            ErrorKind::Abort => "aborted here",
            ErrorKind::Type => "wrong type here",
            ErrorKind::MissingAttr => "attribute missing here",
            ErrorKind::UndefinedVariable => "undefined here",
            ErrorKind::InfiniteRecursion => "this value depends on itself",
            ErrorKind::Depth => "too deep here",
            ErrorKind::Overflow => "overflow here",
            ErrorKind::DivisionByZero => "division by zero here",
            ErrorKind::Io => "while reading this",
            ErrorKind::Syntax => "while importing this",
            ErrorKind::Parse => "here",
            ErrorKind::Unsupported => "not supported here",
            ErrorKind::Other => "here",
        }
    }
}

/// A renderable evaluation error.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct EvalDiagnostic {
    pub message: String,
    src: Option<NamedSource<String>>,
    label: Option<LabeledSpan>,
    help: Option<String>,
}

impl Diagnostic for EvalDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new("nix::eval"))
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.src.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.label
            .clone()
            .map(|l| Box::new(std::iter::once(l)) as Box<dyn Iterator<Item = LabeledSpan>>)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }
}
