//! Nix's lints on literals, checked as a file is parsed, as nix checks
//! them: URL literals (`lint-url-literals`), absolute and `~/` path
//! literals (`lint-absolute-path-literals`), relative path literals without
//! `./` or `../` (`lint-short-path-literals`). Each is off, a warning, or
//! fatal (an error that stops the file from loading).

use nixplan_syntax::{FileId, Span};
use rnix::ast;
use rowan::ast::AstNode;

/// What a lint does when it finds its literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Level {
    #[default]
    Off,
    Warn,
    Fatal,
}

impl std::str::FromStr for Level {
    type Err = String;
    fn from_str(s: &str) -> Result<Level, String> {
        match s {
            "ignore" | "off" => Ok(Level::Off),
            "warn" => Ok(Level::Warn),
            "fatal" => Ok(Level::Fatal),
            other => Err(format!(
                "'{other}' is not a lint level: ignore, warn or fatal"
            )),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LiteralLints {
    pub url: Level,
    pub absolute_path: Level,
    pub short_path: Level,
}

impl LiteralLints {
    pub fn any(&self) -> bool {
        *self != LiteralLints::default()
    }
}

/// One literal a lint found.
pub struct Finding {
    pub message: String,
    /// The setting's name, as nix appends it to the message.
    pub setting: &'static str,
    pub fatal: bool,
    pub span: Span,
}

/// Every literal in `root` the lints that are on object to, in source order.
pub fn check(
    root: &rnix::Root,
    file: FileId,
    added: &nixplan_syntax::respace::Added,
    lints: LiteralLints,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for node in root.syntax().descendants() {
        let Some(expr) = ast::Expr::cast(node.clone()) else {
            continue;
        };
        let text = node.text().to_string();
        let found = match expr {
            ast::Expr::Literal(lit) if matches!(lit.kind(), ast::LiteralKind::Uri(_)) => {
                let verb = if lints.url == Level::Fatal {
                    "disallowed"
                } else {
                    "discouraged"
                };
                Some((
                    lints.url,
                    "lint-url-literals",
                    format!(
                        "URL literals are {verb}. Consider using a string literal \"{text}\" instead"
                    ),
                ))
            }
            ast::Expr::PathAbs(_) => Some((
                lints.absolute_path,
                "lint-absolute-path-literals",
                format!("absolute path literals are not portable. Consider replacing path literal '{text}' by a string, relative path, or parameter"),
            )),
            ast::Expr::PathHome(_) => Some((
                lints.absolute_path,
                "lint-absolute-path-literals",
                format!("home path literals are not portable. Consider replacing path literal '{text}' by a string, relative path, or parameter"),
            )),
            ast::Expr::PathRel(_) if !text.starts_with("./") && !text.starts_with("../") => Some((
                lints.short_path,
                "lint-short-path-literals",
                format!("relative path literal '{text}' should be prefixed with '.' for clarity: './{text}'"),
            )),
            _ => None,
        };
        if let Some((level, setting, message)) = found {
            if level != Level::Off {
                out.push(Finding {
                    message,
                    setting,
                    fatal: level == Level::Fatal,
                    span: added.span(file, node.text_range()),
                });
            }
        }
    }
    out
}
