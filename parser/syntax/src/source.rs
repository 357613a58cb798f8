//! Source files and their syntax: every file nixplan reads is registered in a
//! [`SourceMap`], parsed with rnix, and every parse error becomes a diagnostic
//! that points at the file, line and column.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use miette::{Diagnostic, LabeledSpan, NamedSource, SourceSpan};
use rnix::TextRange;
use serde::{Deserialize, Serialize};

/// Index of a file in the [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FileId(pub u32);

/// A range of text in one registered file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, range: TextRange) -> Span {
        Span {
            file,
            start: range.start().into(),
            end: range.end().into(),
        }
    }
}

/// A file's text: compiled into the binary (nixplan's own Nix files,
/// registered without a copy), or read.
#[derive(Debug, Clone)]
pub enum Text {
    Static(&'static str),
    Shared(Arc<str>),
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            Text::Static(s) => s,
            Text::Shared(s) => s,
        }
    }
}

impl From<Arc<str>> for Text {
    fn from(s: Arc<str>) -> Text {
        Text::Shared(s)
    }
}

impl From<&str> for Text {
    /// A copy of text that is not kept.
    fn from(s: &str) -> Text {
        Text::Shared(Arc::from(s))
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text::Shared(Arc::from(s))
    }
}

/// One file's text and the name it is shown under.
#[derive(Debug)]
pub struct SourceFile {
    /// The name used in diagnostics (as given, or a path).
    pub name: String,
    /// The absolute path, when the text came from a file.
    pub path: Option<PathBuf>,
    pub text: Text,
    /// Where each line begins, made when a line is first asked for: most
    /// files read (a module system's hundreds) never are.
    line_starts: OnceLock<Vec<u32>>,
}

impl SourceFile {
    fn line_starts(&self) -> &[u32] {
        self.line_starts.get_or_init(|| {
            let mut starts = vec![0u32];
            starts.extend(memchr::memchr_iter(b'\n', self.text.as_bytes()).map(|i| i as u32 + 1));
            starts
        })
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: u32) -> (usize, usize) {
        let starts = self.line_starts();
        let line = match starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = starts[line] as usize;
        let end = (offset as usize).min(self.text.len());
        let col = self
            .text
            .get(start..end)
            .map(|s| s.chars().count())
            .unwrap_or(end - start);
        (line + 1, col + 1)
    }
}

/// Every source file read during one run.
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

/// The text with carriage returns made what Nix's lexer makes of them, or
/// `None` when it has none: a lone CR ends a `#` comment, and in a
/// `"..."` string CR LF and a lone CR are each LF. Elsewhere they stay
/// (whitespace to the parser; in `''...''` strings, text).
pub fn nix_line_ends(text: &str) -> Option<String> {
    // (memchr's search: every source read goes through here.)
    memchr::memchr(b'\r', text.as_bytes())?;
    let mut current = text.to_string();
    // A comment a lone CR ends was one token: what followed the CR is code,
    // whose strings need the same again.
    loop {
        let mut out = String::with_capacity(current.len());
        let mut strings: Vec<bool> = Vec::new();
        // rnix's tokens, in linear time.
        for t in crate::respace::Tokens::new(&current) {
            let (kind, token) = (t.kind, &current[t.start..t.end]);
            match kind {
                rnix::SyntaxKind::TOKEN_STRING_START => {
                    strings.push(token == "\"");
                    out.push_str(token);
                }
                rnix::SyntaxKind::TOKEN_STRING_END => {
                    strings.pop();
                    out.push_str(token);
                }
                rnix::SyntaxKind::TOKEN_STRING_CONTENT if strings.last() == Some(&true) => {
                    out.push_str(&token.replace("\r\n", "\n").replace('\r', "\n"));
                }
                rnix::SyntaxKind::TOKEN_COMMENT if token.starts_with('#') => {
                    let mut chars = token.chars().peekable();
                    while let Some(c) = chars.next() {
                        if c == '\r' && chars.peek() != Some(&'\n') {
                            out.push('\n');
                        } else {
                            out.push(c);
                        }
                    }
                }
                _ => out.push_str(token),
            }
        }
        if out == current {
            return Some(out);
        }
        current = out;
    }
}

impl SourceMap {
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// Register a source, its carriage returns read as Nix's lexer reads
    /// them ([`nix_line_ends`]).
    pub fn add(&mut self, name: String, path: Option<PathBuf>, text: Text) -> FileId {
        let text = match nix_line_ends(&text) {
            Some(t) => t.into(),
            None => text,
        };
        self.files.push(SourceFile {
            name,
            path,
            text,
            line_starts: OnceLock::new(),
        });
        FileId(self.files.len() as u32 - 1)
    }

    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    /// The file registered for this absolute path, if any.
    pub fn find_path(&self, path: &Path) -> Option<FileId> {
        self.files
            .iter()
            .position(|f| f.path.as_deref() == Some(path))
            .map(|i| FileId(i as u32))
    }

    /// The span of one character at a 1-based line and column of the file
    /// registered under this path or name.
    pub fn span_at(&self, file: &str, line: usize, column: usize) -> Option<Span> {
        let id = self.files.iter().position(|f| {
            f.path.as_deref().is_some_and(|p| p.as_os_str() == file) || f.name == file
        })?;
        let f = &self.files[id];
        let start = *f.line_starts().get(line.checked_sub(1)?)? as usize;
        let rest = f.text.get(start..)?;
        let offset = start
            + rest
                .char_indices()
                .nth(column.saturating_sub(1))
                .map_or(rest.len(), |(i, _)| i);
        Some(Span {
            file: FileId(id as u32),
            start: offset as u32,
            end: offset as u32 + 1,
        })
    }

    /// `file:line:column` of a span's start.
    pub fn describe(&self, span: Span) -> String {
        let f = self.file(span.file);
        let (l, c) = f.line_col(span.start);
        format!("{}:{}:{}", f.name, l, c)
    }

    pub fn named_source(&self, id: FileId) -> NamedSource<String> {
        let f = self.file(id);
        NamedSource::new(f.name.clone(), f.text.to_string()).with_language("nix")
    }
}

/// All parse errors of one file, as one diagnostic with a label per error.
/// Its message names the first error and where it is, so it reads whole
/// even where the source cannot be shown (a line too long to draw).
#[derive(Debug, thiserror::Error)]
#[error(
    "{}",
    match (self.count, self.errors.first()) {
        (1, Some(e)) => format!("syntax error in {} at line {}, column {}: {}", self.name, e.line, e.column, e.message),
        (n, Some(e)) => format!("{n} syntax errors in {}, the first at line {}, column {}: {}", self.name, e.line, e.column, e.message),
        (n, None) => format!("{n} syntax errors in {}", self.name),
    }
)]
pub struct ParseDiagnostics {
    pub name: String,
    pub count: usize,
    pub errors: Vec<SyntaxError>,
    src: NamedSource<String>,
}

/// One parse error with its location.
#[derive(Debug, Clone)]
pub struct SyntaxError {
    pub message: String,
    pub span: Span,
    pub line: usize,
    pub column: usize,
}

impl Diagnostic for ParseDiagnostics {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new("nix::syntax"))
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.src)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.errors.iter().map(|e| {
            LabeledSpan::new_with_span(
                Some(format!(
                    "{} (line {}, column {})",
                    e.message, e.line, e.column
                )),
                SourceSpan::new(
                    (e.span.start as usize).into(),
                    (e.span.end - e.span.start) as usize,
                ),
            )
        })))
    }
}

fn kind_name(kind: rnix::SyntaxKind) -> String {
    use rnix::SyntaxKind::*;
    let s = match kind {
        TOKEN_ASSIGN => "`=`",
        TOKEN_SEMICOLON => "`;`",
        TOKEN_COLON => "`:`",
        TOKEN_COMMA => "`,`",
        TOKEN_DOT => "`.`",
        TOKEN_L_BRACE => "`{`",
        TOKEN_R_BRACE => "`}`",
        TOKEN_L_BRACK => "`[`",
        TOKEN_R_BRACK => "`]`",
        TOKEN_L_PAREN => "`(`",
        TOKEN_R_PAREN => "`)`",
        TOKEN_IN => "`in`",
        TOKEN_THEN => "`then`",
        TOKEN_ELSE => "`else`",
        TOKEN_IDENT => "an identifier",
        TOKEN_INTERPOL_END => "`}`",
        TOKEN_STRING_END => "the end of the string",
        TOKEN_ERROR => "an invalid token",
        _ => {
            return format!("{kind:?}")
                .trim_start_matches("TOKEN_")
                .trim_start_matches("NODE_")
                .to_lowercase()
                .replace('_', " ")
        }
    };
    s.to_string()
}

fn describe_wanted(kinds: &[rnix::SyntaxKind]) -> String {
    let mut names: Vec<String> = kinds.iter().map(|k| kind_name(*k)).collect();
    names.dedup();
    names.join(", ")
}

/// Parse `text` (already registered as `file`), returning the tree or every
/// syntax error of the file.
pub fn parse(sources: &SourceMap, file: FileId) -> Result<Parsed, Box<ParseDiagnostics>> {
    let src = sources.file(file);
    let text: &str = &src.text;
    let (too_deep, chain) = crate::guard::scan(text);
    // One error at one offset: the file is not handed to rnix.
    let refuse = |offset: u32, message: String| {
        let (line, column) = src.line_col(offset);
        Box::new(ParseDiagnostics {
            name: src.name.clone(),
            count: 1,
            errors: vec![SyntaxError {
                message,
                span: Span {
                    file,
                    start: offset,
                    end: offset + 1,
                },
                line,
                column,
            }],
            src: sources.named_source(file),
        })
    };
    if let Some((offset, depth)) = too_deep {
        return Err(refuse(
            offset,
            format!(
                "the expression is nested more than {MAX_NESTING} levels deep here (depth {depth})"
            ),
        ));
    }
    // Long runs and chains are parsed with trivia added (linear, the same
    // tree but for trivia); every offset is mapped back to the text.
    let long = chain.or_else(|| crate::guard::long_run(text));
    let respaced = long.and_then(|_| crate::respace::respace(text));
    if let (Some((offset, _)), None) = (long, &respaced) {
        // Only malformed text cannot be respaced; as written it would take
        // rnix quadratic time.
        return Err(refuse(
            offset,
            "a very long run or chain of operators starts here in a file with a malformed token (a `<` that opens no `<path>`, say): nixplan cannot parse that in bounded time; fix the malformed token".into(),
        ));
    }
    let (parsed, added) = match &respaced {
        Some((spaced, added)) => (rnix::Root::parse(spaced), added.clone()),
        None => (rnix::Root::parse(text), crate::respace::Added::default()),
    };
    if parsed.errors().is_empty() {
        return Ok(Parsed {
            root: parsed.tree(),
            added,
        });
    }
    // The end of the file, as a place a reader can see: its last
    // character that is not white space (a label past the last line is
    // not shown).
    // (In the text rnix read: mapped back like every other range.)
    let read: &str = respaced.as_ref().map_or(text, |(s, _)| s.as_str());
    let last = read.trim_end().len();
    let eof = TextRange::new(
        (last.saturating_sub(1) as u32).into(),
        (last.max(1).min(read.len()) as u32).into(),
    );
    let mut errors = Vec::new();
    // rnix stops at a fixed depth and the errors after that are only its
    // consequences: one error says what happened, where it stopped.
    let too_deep = parsed
        .errors()
        .iter()
        .any(|e| matches!(e, rnix::ParseError::RecursionLimitExceeded));
    let reported: Vec<&rnix::ParseError> = if too_deep {
        vec![&rnix::ParseError::RecursionLimitExceeded]
    } else {
        parsed.errors().iter().collect()
    };
    let stopped_at = parsed.errors().iter().find_map(|e| match e {
        rnix::ParseError::Unexpected(r)
        | rnix::ParseError::UnexpectedExtra(r)
        | rnix::ParseError::UnexpectedWanted(_, r, _) => Some(*r),
        _ => None,
    });
    for e in reported {
        use rnix::ParseError as P;
        let (message, range) = match e {
            P::Unexpected(r) => ("unexpected input".to_string(), *r),
            P::UnexpectedExtra(r) => ("unexpected input after the expression".to_string(), *r),
            P::UnexpectedWanted(got, r, wanted) => (
                format!(
                    "unexpected {}, expected {}",
                    kind_name(*got),
                    describe_wanted(wanted)
                ),
                *r,
            ),
            P::UnexpectedDoubleBind(r) => {
                ("the argument set is bound twice with `@`".to_string(), *r)
            }
            P::UnexpectedEOF => ("unexpected end of file".to_string(), eof),
            P::UnexpectedEOFWanted(wanted) => (
                format!(
                    "unexpected end of file, expected {}",
                    describe_wanted(wanted)
                ),
                eof,
            ),
            P::DuplicatedArgs(r, name) => {
                (format!("duplicate formal function argument `{name}`"), *r)
            }
            P::RecursionLimitExceeded => (
                format!(
                    "the expression nests deeper than {RNIX_DEPTH} levels (each `let`, `with`, `if`, `assert`, function, bracket and operand counts one): nixplan's parser reads no deeper, though nix does"
                ),
                stopped_at.unwrap_or(eof),
            ),
            other => (other.to_string(), eof),
        };
        let span = added.span(file, range);
        let (line, column) = src.line_col(span.start);
        errors.push(SyntaxError {
            message,
            span,
            line,
            column,
        });
    }
    Err(Box::new(ParseDiagnostics {
        name: src.name.clone(),
        count: errors.len(),
        errors,
        src: sources.named_source(file),
    }))
}

/// A parsed file: rnix's tree, and the trivia added to parse it in linear
/// time (see `respace.rs`), which [`Added::span`] maps back.
pub struct Parsed {
    pub root: rnix::Root,
    pub added: crate::respace::Added,
}

/// How deeply rnix's parser descends before it gives up.
pub const RNIX_DEPTH: usize = 512;

/// How deeply brackets and prefix operators may nest. Real configurations
/// stay far below; the limit keeps parsing linear and the stack bounded.
pub const MAX_NESTING: usize = 1000;
