//! Printing fully evaluated values: Nix syntax exactly as
//! `nix-instantiate --eval --strict` prints it, and JSON exactly as its
//! `--json` does (which is also `builtins.toJSON`).

use std::collections::HashSet;
use std::fmt::Write;

use super::{type_err, Eval, EvalResult, Value};
use nixplan_syntax::Span;

/// C++ `ostream << double` with its default precision (6), i.e. `%g`.
pub fn float_to_string_g(f: f64) -> String {
    if f.is_nan() {
        return if f.is_sign_negative() {
            "-nan".into()
        } else {
            "nan".into()
        };
    }
    if f.is_infinite() {
        return if f < 0.0 { "-inf".into() } else { "inf".into() };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    const P: i32 = 6;
    let sci = format!("{:.*e}", (P - 1) as usize, f);
    let (mantissa, exp) = sci.split_once('e').expect("exponent form");
    let x: i32 = exp.parse().expect("exponent");
    if (-4..P).contains(&x) {
        let decimals = (P - 1 - x).max(0) as usize;
        let s = format!("{:.*}", decimals, f);
        strip_zeros(&s)
    } else {
        let m = strip_zeros(mantissa);
        format!("{m}e{}{:02}", if x < 0 { '-' } else { '+' }, x.abs())
    }
}

fn strip_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

/// `toString` of a float: C++ `std::to_string`, i.e. `%f`.
pub fn float_to_string(f: f64) -> String {
    format!("{f:.6}")
}

/// A string literal as Nix prints it.
pub fn escape_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn is_plain_ident(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '\'' || c == '-')
}

/// An attribute name as Nix prints it (quoted unless a plain identifier).
pub fn attr_name(s: &str) -> String {
    // nix 2.8 quotes `if` (alone among the keywords).
    if is_plain_ident(s) && s != "if" {
        s.to_string()
    } else {
        escape_string(s)
    }
}

impl Eval {
    /// Print a value in Nix syntax, forcing what is needed (`--strict`).
    pub fn print_nix(&mut self, v: &Value, _span: Span) -> EvalResult<String> {
        let mut out = String::new();
        let mut seen = HashSet::new();
        self.print_nix_inner(v, &mut out, &mut seen)?;
        Ok(out)
    }

    fn print_nix_inner(
        &mut self,
        v: &Value,
        out: &mut String,
        seen: &mut HashSet<usize>,
    ) -> EvalResult<()> {
        match v {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Float(f) => out.push_str(&float_to_string_g(*f)),
            Value::String(s) => out.push_str(&escape_string(&s.s)),
            Value::Path(p) => out.push_str(p),
            Value::Lambda(_) => out.push_str("<LAMBDA>"),
            Value::PrimOp(app) => out.push_str(if app.args.is_empty() {
                "<PRIMOP>"
            } else {
                "<PRIMOP-APP>"
            }),
            Value::Attrs(a) => {
                if !a.is_empty() {
                    seen.insert(std::rc::Rc::as_ptr(a) as *const u8 as usize);
                }
                out.push_str("{ ");
                for (k, attr) in a.map.iter() {
                    out.push_str(&attr_name(k));
                    out.push_str(" = ");
                    let x = self.force(&attr.value)?;
                    if repeated(&x, seen) {
                        out.push_str("«repeated»");
                    } else {
                        self.nested(|ev| ev.print_nix_inner(&x, out, seen))?;
                    }
                    out.push_str("; ");
                }
                out.push('}');
            }
            Value::List(l) => {
                if !l.is_empty() {
                    seen.insert(std::rc::Rc::as_ptr(l) as *const u8 as usize);
                }
                out.push_str("[ ");
                for t in l.iter() {
                    let x = self.force(t)?;
                    if repeated(&x, seen) {
                        out.push_str("«repeated»");
                    } else {
                        self.nested(|ev| ev.print_nix_inner(&x, out, seen))?;
                    }
                    out.push(' ');
                }
                out.push(']');
            }
        }
        Ok(())
    }

    /// Print a value as JSON (`builtins.toJSON`, `--json`). Store-path
    /// context is collected into `ctx`.
    pub fn print_json(
        &mut self,
        v: &Value,
        span: Span,
        ctx: &mut std::collections::BTreeSet<String>,
    ) -> EvalResult<String> {
        let mut out = String::new();
        self.print_json_inner(v, span, &mut out, ctx, 0)?;
        Ok(out)
    }

    fn print_json_inner(
        &mut self,
        v: &Value,
        span: Span,
        out: &mut String,
        ctx: &mut std::collections::BTreeSet<String>,
        depth: usize,
    ) -> EvalResult<()> {
        if depth > self.settings.max_depth {
            return Err(super::EvalError::new(
                super::ErrorKind::Depth,
                "value is nested too deeply to convert to JSON (is it cyclic?)",
                Some(span),
            ));
        }
        match v {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Float(f) => out.push_str(&float_to_string_g(*f)),
            Value::String(s) => {
                super::value::merge_ctx(ctx, &s.ctx);
                json_string(out, &s.s);
            }
            Value::Path(p) => {
                let sp = self.copy_path_to_store(p, span)?;
                ctx.insert(sp.clone());
                json_string(out, &sp);
            }
            Value::Attrs(a) => {
                if a.get("__toString").is_some() {
                    let s = self.coerce_to_string(v, span, false, true)?;
                    super::value::merge_ctx(ctx, &s.ctx);
                    json_string(out, &s.s);
                    return Ok(());
                }
                if let Some(o) = a.get("outPath").cloned() {
                    let ov = self.force(&o)?;
                    return self.print_json_inner(&ov, span, out, ctx, depth + 1);
                }
                out.push('{');
                let mut first = true;
                for (k, attr) in a.map.iter() {
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    json_string(out, k);
                    out.push(':');
                    let x = self.force(&attr.value)?;
                    stacker::maybe_grow(256 * 1024, 8 * 1024 * 1024, || {
                        self.print_json_inner(&x, span, out, ctx, depth + 1)
                    })?;
                }
                out.push('}');
            }
            Value::List(l) => {
                out.push('[');
                for (i, t) in l.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    let x = self.force(t)?;
                    stacker::maybe_grow(256 * 1024, 8 * 1024 * 1024, || {
                        self.print_json_inner(&x, span, out, ctx, depth + 1)
                    })?;
                }
                out.push(']');
            }
            Value::Lambda(_) => return Err(type_err("cannot convert a function to JSON", span)),
            Value::PrimOp(app) => {
                return Err(type_err(
                    if app.args.is_empty() {
                        format!(
                            "cannot convert the built-in function '{}' to JSON",
                            app.op.name
                        )
                    } else {
                        format!(
                            "cannot convert the partially applied built-in function '{}' to JSON",
                            app.op.name
                        )
                    },
                    span,
                ))
            }
        }
        Ok(())
    }
}

fn repeated(v: &Value, seen: &HashSet<usize>) -> bool {
    match v {
        Value::Attrs(a) => {
            !a.is_empty() && seen.contains(&(std::rc::Rc::as_ptr(a) as *const u8 as usize))
        }
        Value::List(l) => {
            !l.is_empty() && seen.contains(&(std::rc::Rc::as_ptr(l) as *const u8 as usize))
        }
        _ => false,
    }
}

/// A JSON string as Nix writes it.
pub fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_like_cpp_streams() {
        assert_eq!(float_to_string_g(1.0), "1");
        assert_eq!(float_to_string_g(0.1), "0.1");
        assert_eq!(float_to_string_g(123456789.0), "1.23457e+08");
        assert_eq!(float_to_string_g(1.5e-7), "1.5e-07");
        assert_eq!(float_to_string_g(1e10), "1e+10");
        assert_eq!(float_to_string_g(1.23456789), "1.23457");
        assert_eq!(float_to_string_g(100000.0), "100000");
        assert_eq!(float_to_string_g(1000000.0), "1e+06");
        assert_eq!(float_to_string_g(0.0001), "0.0001");
        assert_eq!(float_to_string_g(0.00001), "1e-05");
        assert_eq!(float_to_string(1.5), "1.500000");
    }
}
