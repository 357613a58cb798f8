//! Data formats: JSON in and out, TOML in.

use super::*;

pub(super) fn p_to_json(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let v = ev.force(&a[0])?;
    let mut ctx = BTreeSet::new();
    let text = ev.print_json(&v, s, &mut ctx)?;
    Ok(Value::String(NixString::with_ctx(text, ctx)))
}

pub(super) fn p_to_xml(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let v = ev.force(&a[0])?;
    let mut ctx = BTreeSet::new();
    let text = ev.print_xml(&v, false, s, &mut ctx)?;
    Ok(Value::String(NixString::with_ctx(text, ctx)))
}

pub(crate) fn json_to_value(j: serde_json::Value) -> Value {
    match j {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(b),
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => Value::Int(i),
            // Above i64::MAX: fromJSON refuses these first; what a real nix
            // printed (`--eval nix`) is taken as it wraps.
            (None, Some(u), _) => Value::Int(u as i64),
            // serde_json reads `-0` as the float -0.0; Nix reads it as the integer 0.
            (None, None, Some(f)) if f == 0.0 && f.is_sign_negative() => Value::Int(0),
            (None, None, f) => Value::Float(f.unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(s) => Value::str(s),
        serde_json::Value::Array(items) => Value::list(
            items
                .into_iter()
                .map(|x| Thunk::ready(json_to_value(x)))
                .collect(),
        ),
        serde_json::Value::Object(m) => {
            let mut a = AttrMap::new();
            for (k, v) in m {
                a.insert_value(k, json_to_value(v));
            }
            Value::attrs(a)
        }
    }
}

pub(super) fn p_from_json(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let st = ev.force_string(&a[0], s)?;
    let j: serde_json::Value = serde_json::from_str(&st.s)
        .map_err(|e| EvalError::new(ErrorKind::Other, format!("invalid JSON: {e}"), Some(s)))?;
    if let Some(n) = unsigned_out_of_range(&j) {
        // As current Nix (2.8 wrapped it to a negative number silently).
        return Err(EvalError::new(
            ErrorKind::Other,
            format!("unsigned json number {n} outside of Nix integer range"),
            Some(s),
        ));
    }
    json_no_nul(&j, s)?;
    Ok(json_to_value(j))
}

/// The first integer of a JSON document above what a Nix integer holds.
fn unsigned_out_of_range(j: &serde_json::Value) -> Option<u64> {
    match j {
        serde_json::Value::Number(n) if n.as_i64().is_none() => n.as_u64(),
        serde_json::Value::Array(items) => items.iter().find_map(unsigned_out_of_range),
        serde_json::Value::Object(m) => m.values().find_map(unsigned_out_of_range),
        _ => None,
    }
}

/// A string from JSON or TOML, refused as Nix refuses it when it holds a
/// NUL byte.
fn no_nul(x: &str, what: &str, s: Span) -> EvalResult<()> {
    if x.contains('\0') {
        return Err(EvalError::new(
            ErrorKind::Other,
            format!("{what}{}", nixplan_syntax::lower::nul_message(x)),
            Some(s),
        ));
    }
    Ok(())
}

fn json_no_nul(j: &serde_json::Value, s: Span) -> EvalResult<()> {
    match j {
        serde_json::Value::String(x) => no_nul(x, "", s),
        serde_json::Value::Array(items) => items.iter().try_for_each(|i| json_no_nul(i, s)),
        serde_json::Value::Object(m) => m.iter().try_for_each(|(k, v)| {
            no_nul(k, "", s)?;
            json_no_nul(v, s)
        }),
        _ => Ok(()),
    }
}

/// A TOML date or time as Nix writes it (`parse-toml-timestamps`): the
/// date, `T`, the time with its fraction in 3, 6 or 9 digits (as few as
/// hold it), `Z` or the offset.
fn toml_timestamp(d: &toml::value::Datetime) -> String {
    let mut out = String::new();
    if let Some(date) = d.date {
        out.push_str(&format!(
            "{:04}-{:02}-{:02}",
            date.year, date.month, date.day
        ));
    }
    if let Some(time) = d.time {
        if d.date.is_some() {
            out.push('T');
        }
        out.push_str(&format!(
            "{:02}:{:02}:{:02}",
            time.hour,
            time.minute,
            time.second.unwrap_or(0)
        ));
        match time.nanosecond.unwrap_or(0) {
            0 => {}
            ns if ns % 1_000_000 == 0 => out.push_str(&format!(".{:03}", ns / 1_000_000)),
            ns if ns % 1_000 == 0 => out.push_str(&format!(".{:06}", ns / 1_000)),
            ns => out.push_str(&format!(".{ns:09}")),
        }
    }
    match d.offset {
        None => {}
        Some(toml::value::Offset::Z) => out.push('Z'),
        Some(toml::value::Offset::Custom { minutes }) => {
            let sign = if minutes < 0 { '-' } else { '+' };
            let m = minutes.unsigned_abs();
            out.push_str(&format!("{sign}{:02}:{:02}", m / 60, m % 60));
        }
    }
    out
}

pub(super) fn toml_to_value(ev: &Eval, t: toml::Value, s: Span) -> R {
    const WHAT: &str = "while parsing TOML: error: ";
    Ok(match t {
        toml::Value::String(x) => {
            no_nul(&x, WHAT, s)?;
            Value::str(x)
        }
        toml::Value::Integer(i) => Value::Int(i),
        toml::Value::Float(f) => Value::Float(f),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => {
            if !ev
                .settings
                .experimental_features
                .contains("parse-toml-timestamps")
            {
                return Err(EvalError::new(
                    ErrorKind::Unsupported,
                    format!("while parsing TOML: Dates and times are not supported ('{d}'; the experimental feature parse-toml-timestamps reads them)"),
                    Some(s),
                ));
            }
            let mut a = AttrMap::new();
            a.insert_value("_type", Value::str("timestamp"));
            a.insert_value("value", Value::str(toml_timestamp(&d)));
            Value::attrs(a)
        }
        toml::Value::Array(items) => {
            let mut out = Vec::new();
            for i in items {
                out.push(Thunk::ready(toml_to_value(ev, i, s)?));
            }
            Value::list(out)
        }
        toml::Value::Table(m) => {
            let mut a = AttrMap::new();
            for (k, v) in m {
                no_nul(&k, WHAT, s)?;
                a.insert_value(k, toml_to_value(ev, v, s)?);
            }
            Value::attrs(a)
        }
    })
}

pub(super) fn p_from_toml(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let st = ev.force_string(&a[0], s)?;
    let t: toml::Table = st.s.parse().map_err(|e: toml::de::Error| {
        EvalError::new(
            ErrorKind::Other,
            format!("while parsing TOML: {}", e.message()),
            Some(s),
        )
    })?;
    toml_to_value(ev, toml::Value::Table(t), s)
}

// ----- files ----------------------------------------------------------------
