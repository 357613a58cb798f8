//! Printing fully evaluated values: Nix syntax exactly as
//! `nix-instantiate --eval --strict` prints it, and JSON exactly as its
//! `--json` does (which is also `builtins.toJSON`).

use std::collections::HashSet;
use std::fmt::Write;

use super::{type_err, Eval, EvalResult, Thunk, Value};
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
        // The root is held by no thunk: a key no thunk has.
        self.print_nix_inner(v, 1, &mut out, &mut seen)?;
        Ok(out)
    }

    /// `key`: what identifies `v`, if a list of one or two elements, for
    /// `«repeated»` ([`container_key`]).
    fn print_nix_inner(
        &mut self,
        v: &Value,
        key: usize,
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
                    seen.insert(a.identity());
                }
                out.push_str("{ ");
                for (k, attr) in a.map.iter() {
                    out.push_str(&attr_name(k));
                    out.push_str(" = ");
                    self.print_element(&attr.value, out, seen)?;
                    out.push_str("; ");
                }
                out.push('}');
            }
            Value::List(l) => {
                match l.len() {
                    0 => {}
                    1 | 2 => {
                        seen.insert(key);
                    }
                    _ => {
                        seen.insert(std::rc::Rc::as_ptr(l) as *const u8 as usize);
                    }
                }
                out.push_str("[ ");
                for t in l.iter() {
                    self.print_element(t, out, seen)?;
                    out.push(' ');
                }
                out.push(']');
            }
        }
        Ok(())
    }

    fn print_element(
        &mut self,
        t: &Thunk,
        out: &mut String,
        seen: &mut HashSet<usize>,
    ) -> EvalResult<()> {
        let x = self.force(t)?;
        let key = container_key(&x, t);
        if key != 0 && seen.contains(&key) {
            out.push_str("«repeated»");
            Ok(())
        } else {
            self.nested(|ev| ev.print_nix_inner(&x, key, out, seen))
        }
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
        self.check_text(out.len(), span)?;
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
        // Escaped, a string's bytes can grow (`\u0001`); refused before, at
        // its own length, and as the text grows.
        let len = match v {
            Value::String(s) => s.s.len(),
            _ => 0,
        };
        self.check_text(out.len().saturating_add(len).saturating_add(2), span)?;
        if depth > self.settings.max_call_depth.min(self.settings.max_depth) {
            return Err(super::EvalError::new(
                super::ErrorKind::Depth,
                format!(
                    "stack overflow; max-call-depth exceeded: the value is nested more than {} levels deep to convert to JSON (is it cyclic?)",
                    self.settings.max_call_depth.min(self.settings.max_depth)
                ),
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

/// What identifies a container for `«repeated»`, as nix tells values
/// apart when it prints (0: never repeated). A set is itself (its
/// bindings); a list of three or more elements is its element array; a
/// list of one or two is the value slot holding it (nix keeps such short
/// lists inside the value), here the thunk it came from.
fn container_key(v: &Value, holder: &Thunk) -> usize {
    match v {
        Value::Attrs(a) if !a.is_empty() => a.identity(),
        Value::List(l) if l.len() > 2 => std::rc::Rc::as_ptr(l) as *const u8 as usize,
        Value::List(l) if !l.is_empty() => holder.identity(),
        _ => 0,
    }
}

/// A JSON string as Nix writes it.
pub fn json_string(out: &mut String, s: &str) {
    out.push('"');
    // Only ASCII bytes are escaped: the text between them is copied whole
    // (slices at their places are whole characters).
    let mut from = 0;
    for (i, &c) in s.as_bytes().iter().enumerate() {
        let escaped = match c {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            c if c < 0x20 => "",
            _ => continue,
        };
        out.push_str(&s[from..i]);
        if escaped.is_empty() {
            let _ = write!(out, "\\u{:04x}", c);
        } else {
            out.push_str(escaped);
        }
        from = i + 1;
    }
    out.push_str(&s[from..]);
    out.push('"');
}

/// Text for an XML attribute value, escaped as nix's XML writer does.
fn xml_escape(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            '\t' => out.push_str("&#x9;"),
            c => out.push(c),
        }
    }
}

/// Nix's XML writer: two spaces per level, attributes sorted by name.
struct Xml<'a> {
    out: &'a mut String,
    depth: usize,
    /// Where the conversion was asked for (a string too long is refused there).
    span: Span,
}

impl Xml<'_> {
    fn tag(&mut self, name: &str, attrs: &[(&str, String)], empty: bool) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
        self.out.push('<');
        self.out.push_str(name);
        let mut attrs: Vec<&(&str, String)> = attrs.iter().collect();
        attrs.sort_by_key(|(k, _)| *k);
        for (k, v) in attrs {
            let _ = write!(self.out, " {k}=\"");
            xml_escape(self.out, v);
            self.out.push('"');
        }
        self.out.push_str(if empty { " />\n" } else { ">\n" });
        if !empty {
            self.depth += 1;
        }
    }

    fn close(&mut self, name: &str) {
        self.depth -= 1;
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
        let _ = writeln!(self.out, "</{name}>");
    }
}

impl Eval {
    /// A value as XML, as `builtins.toXML` and `nix-instantiate --eval
    /// --xml` write it: forced as it goes (`strict`), with source positions
    /// of attributes and functions when `location`. String context is
    /// collected into `ctx`.
    pub fn print_xml(
        &mut self,
        v: &Value,
        location: bool,
        span: Span,
        ctx: &mut std::collections::BTreeSet<String>,
    ) -> EvalResult<String> {
        let mut out = String::from("<?xml version='1.0' encoding='utf-8'?>\n");
        let mut xml = Xml {
            out: &mut out,
            depth: 0,
            span,
        };
        xml.tag("expr", &[], false);
        let mut drvs_seen = HashSet::new();
        self.xml_value(v, location, &mut xml, ctx, &mut drvs_seen)?;
        xml.close("expr");
        self.check_text(out.len(), span)?;
        Ok(out)
    }

    fn xml_position(&self, span: Span, attrs: &mut Vec<(&str, String)>) {
        let f = self.sources.file(span.file);
        let (line, column) = f.line_col(span.start);
        let path = f
            .path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| f.name.clone());
        attrs.push(("path", path));
        attrs.push(("line", line.to_string()));
        attrs.push(("column", column.to_string()));
    }

    fn xml_attrs(
        &mut self,
        a: &crate::Attrs,
        location: bool,
        xml: &mut Xml,
        ctx: &mut std::collections::BTreeSet<String>,
        drvs_seen: &mut HashSet<String>,
    ) -> EvalResult<()> {
        for (name, attr) in a.map.iter() {
            let mut tag = vec![("name", name.to_string())];
            if let (true, Some(pos)) = (location, attr.pos) {
                self.xml_position(self.span_of(pos), &mut tag);
            }
            xml.tag("attr", &tag, false);
            let v = self.force(&attr.value)?;
            self.nested(|ev| ev.xml_value(&v, location, xml, ctx, drvs_seen))?;
            xml.close("attr");
        }
        Ok(())
    }

    fn xml_value(
        &mut self,
        v: &Value,
        location: bool,
        xml: &mut Xml,
        ctx: &mut std::collections::BTreeSet<String>,
        drvs_seen: &mut HashSet<String>,
    ) -> EvalResult<()> {
        // Escaped, a string's bytes can grow (`&quot;` for `"`); refused
        // before, at its own length, and as the text grows.
        let len = match v {
            Value::String(s) => s.s.len(),
            _ => 0,
        };
        self.check_text(xml.out.len().saturating_add(len), xml.span)?;
        match v {
            Value::Null => xml.tag("null", &[], true),
            Value::Bool(b) => xml.tag("bool", &[("value", b.to_string())], true),
            Value::Int(i) => xml.tag("int", &[("value", i.to_string())], true),
            Value::Float(f) => xml.tag("float", &[("value", float_to_string_g(*f))], true),
            Value::String(s) => {
                if let Some(c) = &s.ctx {
                    ctx.extend(c.iter().cloned());
                }
                xml.tag("string", &[("value", s.s.to_string())], true)
            }
            Value::Path(p) => xml.tag("path", &[("value", p.to_string())], true),
            Value::PrimOp(_) => xml.tag("unevaluated", &[], true),
            Value::Lambda(c) => {
                let mut tag = Vec::new();
                if location {
                    let span = self.arena.span(c.expr);
                    self.xml_position(span, &mut tag);
                }
                xml.tag("function", &tag, false);
                match &self.lambda_def(c).param {
                    nixplan_syntax::lower::Param::Ident(name) => {
                        xml.tag("varpat", &[("name", name.to_string())], true)
                    }
                    nixplan_syntax::lower::Param::Formals {
                        formals,
                        ellipsis,
                        bind,
                    } => {
                        let mut tag = Vec::new();
                        if let Some(name) = bind {
                            tag.push(("name", name.to_string()));
                        }
                        if *ellipsis {
                            tag.push(("ellipsis", "1".to_string()));
                        }
                        xml.tag("attrspat", &tag, false);
                        let mut names: Vec<&str> = formals.iter().map(|f| &*f.name).collect();
                        names.sort_unstable();
                        for name in names {
                            xml.tag("attr", &[("name", name.to_string())], true);
                        }
                        xml.close("attrspat");
                    }
                }
                xml.close("function");
            }
            Value::List(l) => {
                xml.tag("list", &[], false);
                for t in l.iter() {
                    let x = self.force(t)?;
                    self.nested(|ev| ev.xml_value(&x, location, xml, ctx, drvs_seen))?;
                }
                xml.close("list");
            }
            Value::Attrs(a) => {
                let is_drv = match a.get("type") {
                    Some(t) => matches!(self.force(t)?, Value::String(s) if &*s.s == "derivation"),
                    None => false,
                };
                if !is_drv {
                    xml.tag("attrs", &[], false);
                    self.xml_attrs(a, location, xml, ctx, drvs_seen)?;
                    xml.close("attrs");
                    return Ok(());
                }
                let mut tag = Vec::new();
                let mut drv_path = String::new();
                for (key, name) in [("drvPath", "drvPath"), ("outPath", "outPath")] {
                    if let Some(t) = a.get(key) {
                        if let Value::String(s) = self.force(t)? {
                            if let Some(c) = &s.ctx {
                                ctx.extend(c.iter().cloned());
                            }
                            if key == "drvPath" {
                                drv_path = s.s.to_string();
                            }
                            tag.push((name, s.s.to_string()));
                        }
                    }
                }
                xml.tag("derivation", &tag, false);
                if !drv_path.is_empty() && drvs_seen.insert(drv_path) {
                    self.xml_attrs(a, location, xml, ctx, drvs_seen)?;
                } else {
                    xml.tag("repeated", &[], true);
                }
                xml.close("derivation");
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Runs copied whole escape as escaping each character does:
        /// quotes, backslashes, `\n`, `\r`, `\t` by name, other control
        /// characters by number, everything else (non-ASCII too) as is.
        #[test]
        fn json_strings_escape_as_each_character_would(s in r#"[a"\\\n\r\t\x00-\x1f\x7fé€😀]{0,30}"#) {
            let mut want = String::from('"');
            for c in s.chars() {
                match c {
                    '"' => want.push_str("\\\""),
                    '\\' => want.push_str("\\\\"),
                    '\n' => want.push_str("\\n"),
                    '\r' => want.push_str("\\r"),
                    '\t' => want.push_str("\\t"),
                    c if (c as u32) < 0x20 => want.push_str(&format!("\\u{:04x}", c as u32)),
                    c => want.push(c),
                }
            }
            want.push('"');
            let mut got = String::new();
            json_string(&mut got, &s);
            proptest::prop_assert_eq!(got, want);
        }
    }

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
