//! Control and reflection: errors (`abort`, `throw`, `addErrorContext`, `tryEval`), forcing (`seq`, `deepSeq`), tracing, `getEnv`, type tests and `functionArgs`.

use super::*;

pub(super) fn p_abort(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let msg = ev.coerce(&a[0], s, false, false)?;
    Err(EvalError::new(
        ErrorKind::Abort,
        format!(
            "evaluation aborted with the following error message: '{}'",
            msg.s
        ),
        Some(s),
    ))
}

pub(super) fn p_throw(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let msg = ev.coerce(&a[0], s, false, false)?;
    Err(EvalError::new(ErrorKind::Throw, msg.s.to_string(), Some(s)))
}

pub(super) fn p_add_error_context(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    match ev.force(&a[1]) {
        Ok(v) => Ok(v),
        Err(mut e) => match ev.coerce(&a[0], s, false, false) {
            Ok(msg) => {
                e.add_trace(s, msg.s.to_string());
                Err(e)
            }
            // nixplan's own limits (nix has neither) are never replaced:
            // a `throw` in the context would make them catchable.
            Err(_) if matches!(e.kind, ErrorKind::Depth | ErrorKind::Unsupported) => Err(e),
            // A context that fails is the error said instead, as in nix.
            Err(ctx) => Err(ctx),
        },
    }
}

pub(super) fn p_deep_seq(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let v = ev.force(&a[0])?;
    ev.deep_force(&v, s)?;
    ev.force(&a[1])
}

pub(super) fn p_seq(ev: &mut Eval, a: &[Thunk], _s: Span) -> R {
    ev.force(&a[0])?;
    ev.force(&a[1])
}

pub(super) fn p_function_args(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    match ev.force(&a[0])? {
        Value::Lambda(c) => {
            let mut out = AttrMap::new();
            if let Param::Formals { formals, .. } = &ev.lambda_def(&c).param {
                for f in formals {
                    let value = Thunk::ready(Value::Bool(f.default.is_some()));
                    let pos = ev.pos_of_span(f.span);
                    out.insert_attr(f.name.clone(), Attr { value, pos });
                }
            }
            Ok(Value::attrs(out))
        }
        Value::PrimOp(_) => Ok(Value::attrs(AttrMap::new())),
        v => Err(type_err(
            format!("value is {} while a function was expected", v.type_phrase()),
            s,
        )),
    }
}

pub(super) fn p_get_env(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let name = ev.force_string(&a[0], s)?;
    Ok(Value::str(
        ev.settings.env.get(&*name.s).cloned().unwrap_or_default(),
    ))
}

pub(super) fn is(ev: &mut Eval, a: &[Thunk], f: fn(&Value) -> bool) -> R {
    let v = ev.force(&a[0])?;
    bool_v(f(&v))
}

pub(super) fn p_is_attrs(ev: &mut Eval, a: &[Thunk], _: Span) -> R {
    is(ev, a, |v| matches!(v, Value::Attrs(_)))
}

pub(super) fn p_is_bool(ev: &mut Eval, a: &[Thunk], _: Span) -> R {
    is(ev, a, |v| matches!(v, Value::Bool(_)))
}

pub(super) fn p_is_float(ev: &mut Eval, a: &[Thunk], _: Span) -> R {
    is(ev, a, |v| matches!(v, Value::Float(_)))
}

pub(super) fn p_is_function(ev: &mut Eval, a: &[Thunk], _: Span) -> R {
    is(ev, a, |v| v.is_function())
}

pub(super) fn p_is_int(ev: &mut Eval, a: &[Thunk], _: Span) -> R {
    is(ev, a, |v| matches!(v, Value::Int(_)))
}

pub(super) fn p_is_list(ev: &mut Eval, a: &[Thunk], _: Span) -> R {
    is(ev, a, |v| matches!(v, Value::List(_)))
}

pub(super) fn p_is_null(ev: &mut Eval, a: &[Thunk], _: Span) -> R {
    is(ev, a, |v| matches!(v, Value::Null))
}

pub(super) fn p_is_path(ev: &mut Eval, a: &[Thunk], _: Span) -> R {
    is(ev, a, |v| matches!(v, Value::Path(_)))
}

pub(super) fn p_is_string(ev: &mut Eval, a: &[Thunk], _: Span) -> R {
    is(ev, a, |v| matches!(v, Value::String(_)))
}

pub(super) fn p_type_of(ev: &mut Eval, a: &[Thunk], _: Span) -> R {
    let v = ev.force(&a[0])?;
    Ok(Value::str(v.type_name()))
}

// ----- strings --------------------------------------------------------------

pub(super) fn p_trace(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let v = ev.force(&a[0])?;
    let msg = match &v {
        Value::String(st) => st.s.to_string(),
        other => {
            ev.deep_force(other, s)?;
            ev.print_nix(other, s)?
        }
    };
    ev.messages.push(format!("trace: {msg}"));
    ev.force(&a[1])
}

pub(super) fn p_trace_verbose(ev: &mut Eval, a: &[Thunk], _s: Span) -> R {
    ev.force(&a[1])
}

pub(super) fn p_warn(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let msg = ev.force_string(&a[0], s)?;
    ev.messages.push(format!("evaluation warning: {}", msg.s));
    if ev.settings.abort_on_warn {
        return Err(EvalError::new(
            ErrorKind::Abort,
            format!(
                "aborting to reveal stack trace of warning, as abort-on-warn is set: {}",
                msg.s
            ),
            Some(s),
        ));
    }
    ev.force(&a[1])
}

pub(super) fn p_try_eval(ev: &mut Eval, a: &[Thunk], _s: Span) -> R {
    let mut out = AttrMap::new();
    match ev.force(&a[0]) {
        Ok(v) => {
            out.insert_value("success", Value::Bool(true));
            out.insert_value("value", v);
        }
        Err(e) if e.catchable() => {
            out.insert_value("success", Value::Bool(false));
            out.insert_value("value", Value::Bool(false));
        }
        Err(e) => return Err(e),
    }
    Ok(Value::attrs(out))
}

// ----- versions -------------------------------------------------------------
