//! How diagnostics reach stderr. On a terminal: miette's rich rendering
//! (source snippets, colours, wrapped to the terminal). Anywhere else
//! (a pipe, a file, CI, a test that greps): plain lines as nix prints
//! them, never wrapped, no box drawing, every message verbatim:
//!
//! ```text
//! error: MESSAGE
//!        at FILE:LINE:COLUMN: LABEL
//!        … TRACE
//! ```

use std::fmt;
use std::io::IsTerminal;

use miette::{Diagnostic, ReportHandler};

/// Install the handler for this process: rich on a terminal, else plain;
/// `NIXPLAN_DIAGNOSTICS=rich` or `=plain` chooses either way.
pub fn install() {
    let plain = match std::env::var("NIXPLAN_DIAGNOSTICS").as_deref() {
        Ok("rich") => false,
        Ok("plain") => true,
        _ => !std::io::stderr().is_terminal(),
    };
    PLAIN.store(plain, std::sync::atomic::Ordering::Relaxed);
    if plain {
        let _ = miette::set_hook(Box::new(|_| Box::new(Plain)));
    }
}

static PLAIN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether diagnostics are plain (for tools: messages exactly as made)
/// rather than drawn for a person at a terminal.
pub fn is_plain() -> bool {
    PLAIN.load(std::sync::atomic::Ordering::Relaxed)
}

/// The plain handler (see the module's documentation).
pub struct Plain;

const INDENT: &str = "       ";

impl Plain {
    fn render(&self, d: &dyn Diagnostic, f: &mut fmt::Formatter<'_>, top: bool) -> fmt::Result {
        let head = if top {
            let severity = match d.severity() {
                Some(miette::Severity::Warning) => "warning",
                Some(miette::Severity::Advice) => "note",
                _ => "error",
            };
            // A rule's code (NP209) is worth reading; nix's own kinds are
            // not (nix does not print them).
            match d.code().map(|c| c.to_string()) {
                Some(code) if !code.starts_with("nix::") => format!("{severity}[{code}]: "),
                _ => format!("{severity}: "),
            }
        } else {
            INDENT.to_string()
        };
        // ANSI escapes in a message (lib's module system writes bold
        // names) are for terminals: nix strips them elsewhere, as here.
        let message = strip_ansi_escapes::strip_str(d.to_string());
        // Continuation lines are indented under the first, as nix does.
        writeln!(f, "{head}{}", message.replace('\n', &format!("\n{INDENT}")))?;
        if let (Some(src), Some(labels)) = (d.source_code(), d.labels()) {
            for label in labels {
                let at = match src.read_span(label.inner(), 0, 0) {
                    Ok(c) => format!(
                        "{}:{}:{}",
                        c.name().unwrap_or("«unknown»"),
                        c.line() + 1,
                        c.column() + 1
                    ),
                    Err(_) => format!("offset {}", label.offset()),
                };
                // Said already when the message names the place.
                if message.contains(&format!("(at {at})")) {
                    continue;
                }
                match label.label() {
                    Some(text) => writeln!(f, "{INDENT}at {at}: {text}")?,
                    None => writeln!(f, "{INDENT}at {at}")?,
                }
            }
        }
        if let Some(help) = d.help() {
            for line in strip_ansi_escapes::strip_str(help.to_string()).lines() {
                writeln!(f, "{INDENT}{line}")?;
            }
        }
        if let Some(related) = d.related() {
            for r in related {
                self.render(r, f, false)?;
            }
        }
        Ok(())
    }
}

impl ReportHandler for Plain {
    fn debug(&self, d: &dyn Diagnostic, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.render(d, f, true)
    }
}

/// A warning of nixplan's own (no source position): `warning: MESSAGE`.
pub fn warn(msg: &str) {
    say(&format!("warning: {msg}"));
}

thread_local! {
    /// What this thread said while [`captured`] holds it back.
    static HELD: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Say `line` on stderr (a newline is added), or hold it back where
/// [`captured`] runs.
pub fn say(line: &str) {
    let line = HELD.with_borrow_mut(|held| match held {
        Some(text) => {
            text.push_str(line);
            text.push('\n');
            None
        }
        None => Some(line),
    });
    if let Some(line) = line {
        eprintln!("{line}");
    }
}

/// `f`'s result and what it said (through [`say`], [`warn`] and the
/// reports of evaluation errors), held back: a hive's nodes are evaluated
/// at once, and what each says is printed in the nodes' order.
pub fn captured<T>(f: impl FnOnce() -> T) -> (T, String) {
    /// What was held before, put back when this goes, also when `f`
    /// panics.
    struct Restore(Option<String>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let before = self.0.take();
            HELD.with_borrow_mut(|held| *held = before);
        }
    }
    let _restore = Restore(HELD.with_borrow_mut(|held| held.replace(String::new())));
    let out = f();
    let text = HELD.with_borrow_mut(Option::take);
    (out, text.unwrap_or_default())
}

/// Whether this thread's words are held back ([`captured`]).
pub fn holding() -> bool {
    HELD.with_borrow(Option::is_some)
}

/// `eprintln!` through [`say`].
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::report::say(&format!($($arg)*))
    };
}
