//! Arithmetic, bit operations, rounding and `lessThan`.

use super::*;

pub(super) fn arith(ev: &mut Eval, a: &[Thunk], s: Span, op: BinOp) -> R {
    let x = ev.force(&a[0])?;
    let y = ev.force(&a[1])?;
    ev.arith(op, x, y, s)
}

pub(super) fn p_add(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    arith(ev, a, s, BinOp::Add)
}

pub(super) fn p_sub(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    arith(ev, a, s, BinOp::Sub)
}

pub(super) fn p_mul(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    arith(ev, a, s, BinOp::Mul)
}

pub(super) fn p_div(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    arith(ev, a, s, BinOp::Div)
}

pub(super) fn bit(ev: &mut Eval, a: &[Thunk], s: Span, f: fn(i64, i64) -> i64) -> R {
    let x = ev.force_int(&a[0], s)?;
    let y = ev.force_int(&a[1], s)?;
    Ok(Value::Int(f(x, y)))
}

pub(super) fn p_bit_and(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    bit(ev, a, s, |x, y| x & y)
}

pub(super) fn p_bit_or(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    bit(ev, a, s, |x, y| x | y)
}

pub(super) fn p_bit_xor(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    bit(ev, a, s, |x, y| x ^ y)
}

pub(super) fn round(ev: &mut Eval, a: &[Thunk], s: Span, f: fn(f64) -> f64) -> R {
    match ev.force(&a[0])? {
        Value::Int(i) => Ok(Value::Int(i)),
        Value::Float(x) => {
            let r = f(x);
            if !r.is_finite() || r < i64::MIN as f64 || r >= i64::MAX as f64 {
                return Err(EvalError::new(
                    ErrorKind::Overflow,
                    format!("float {x} does not fit in an integer"),
                    Some(s),
                ));
            }
            Ok(Value::Int(r as i64))
        }
        v => Err(type_err(
            format!("value is {} while a float was expected", v.type_phrase()),
            s,
        )),
    }
}

pub(super) fn p_ceil(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    round(ev, a, s, f64::ceil)
}

pub(super) fn p_floor(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    round(ev, a, s, f64::floor)
}

pub(super) fn p_less_than(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let x = ev.force(&a[0])?;
    let y = ev.force(&a[1])?;
    Ok(Value::Bool(ev.less_than(&x, &y, s)?))
}
