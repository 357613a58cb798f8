//! Operators: boolean, arithmetic, comparison, equality (Nix's, with
//! derivations compared by their outPath), `//`, `++`.

use crate::*;

impl Eval {
    pub(crate) fn eval_bin(
        &mut self,
        op: BinOp,
        lhs: ExprId,
        rhs: ExprId,
        env: &Env,
        span: Span,
    ) -> EvalResult<Value> {
        match op {
            BinOp::And => {
                if !self.eval_bool(lhs, env)? {
                    return Ok(Value::Bool(false));
                }
                Ok(Value::Bool(self.eval_bool(rhs, env)?))
            }
            BinOp::Or => {
                if self.eval_bool(lhs, env)? {
                    return Ok(Value::Bool(true));
                }
                Ok(Value::Bool(self.eval_bool(rhs, env)?))
            }
            BinOp::Impl => {
                if !self.eval_bool(lhs, env)? {
                    return Ok(Value::Bool(true));
                }
                Ok(Value::Bool(self.eval_bool(rhs, env)?))
            }
            BinOp::PipeRight | BinOp::PipeLeft => {
                let (fe, ae) = if op == BinOp::PipeRight {
                    (rhs, lhs)
                } else {
                    (lhs, rhs)
                };
                let f = self.eval(fe, env)?;
                let a = self.thunk(ae, env);
                self.call(&f, a, span)
            }
            // `x == "text"` (the module system's `_type or "" == "merge"`):
            // the literal is compared where it is written, not made a
            // value first. A string equals it by its characters (`==`
            // ignores context); any other value does not.
            BinOp::Eq | BinOp::Neq if matches!(self.arena.get(rhs), Expr::Str(_)) => {
                let a = self.eval(lhs, env)?;
                let same = match (&a, self.arena.get(rhs)) {
                    (Value::String(s), Expr::Str(lit)) => *s.s == **lit,
                    _ => false,
                };
                a.release();
                Ok(Value::Bool(same == (op == BinOp::Eq)))
            }
            _ => {
                let a = self.eval(lhs, env)?;
                let b = self.eval(rhs, env)?;
                self.binary(op, a, b, span)
            }
        }
    }

    pub(crate) fn eval_bool(&mut self, e: ExprId, env: &Env) -> EvalResult<bool> {
        // Taken apart by value: a Boolean leaves nothing to drop.
        match self.eval(e, env)?.into_bool() {
            Ok(b) => Ok(b),
            Err(v) => Err(type_err(
                format!("value is {} while a Boolean was expected", v.type_phrase()),
                self.arena.span(e),
            )),
        }
    }

    pub(crate) fn binary(
        &mut self,
        op: BinOp,
        a: Value,
        b: Value,
        span: Span,
    ) -> EvalResult<Value> {
        match op {
            BinOp::Eq => Ok(Value::Bool(self.equal(&a, &b)?)),
            BinOp::Neq => Ok(Value::Bool(!self.equal(&a, &b)?)),
            BinOp::Lt => Ok(Value::Bool(self.less_than(&a, &b, span)?)),
            BinOp::Gt => Ok(Value::Bool(self.less_than(&b, &a, span)?)),
            BinOp::Le => Ok(Value::Bool(!self.less_than(&b, &a, span)?)),
            BinOp::Ge => Ok(Value::Bool(!self.less_than(&a, &b, span)?)),
            BinOp::Concat => match (a, b) {
                (Value::List(x), Value::List(y)) => {
                    // One allocation (a chain of two slices knows its length).
                    Ok(Value::list_of(x.iter().chain(y.iter()).cloned()))
                }
                (Value::List(_), y) => Err(type_err(
                    format!("value is {} while a list was expected", y.type_phrase()),
                    span,
                )),
                (x, _) => Err(type_err(
                    format!("value is {} while a list was expected", x.type_phrase()),
                    span,
                )),
            },
            BinOp::Update => match (a, b) {
                (Value::Attrs(x), Value::Attrs(y)) => {
                    if y.is_empty() {
                        return Ok(Value::Attrs(x));
                    }
                    if x.is_empty() {
                        return Ok(Value::Attrs(y));
                    }
                    Ok(Value::Attrs(x.updated_with(&y)))
                }
                (Value::Attrs(_), y) => Err(type_err(
                    format!("value is {} while a set was expected", y.type_phrase()),
                    span,
                )),
                (x, _) => Err(type_err(
                    format!("value is {} while a set was expected", x.type_phrase()),
                    span,
                )),
            },
            BinOp::Add => match (&a, &b) {
                (Value::Path(p), _) => {
                    let s = self.coerce_to_string(&b, span, false, false)?;
                    if s.ctx.is_some() {
                        return Err(type_err(
                            "a string that refers to a store path cannot be appended to a path",
                            span,
                        ));
                    }
                    Ok(Value::Path(
                        lower::canonicalize_path(&format!("{p}{}", s.s)).into(),
                    ))
                }
                (Value::String(x), _) => {
                    let y = self.coerce_to_string(&b, span, false, true)?;
                    self.concat(x, &y, span)
                }
                (Value::Int(_) | Value::Float(_), _) => self.arith(op, a, b, span),
                // As nix: anything else is string concatenation of both
                // coerced (a set with outPath or __toString; `self + /x`),
                // paths not copied to the store.
                _ => {
                    let x = self.coerce_to_string(&a, span, false, false)?;
                    let y = self.coerce_to_string(&b, span, false, false)?;
                    self.concat(&x, &y, span)
                }
            },
            BinOp::Sub | BinOp::Mul | BinOp::Div => self.arith(op, a, b, span),
            _ => unreachable!("short-circuit operators are handled in eval_bin"),
        }
    }

    /// Two strings one after the other, with both contexts.
    fn concat(&mut self, x: &NixString, y: &NixString, span: Span) -> EvalResult<Value> {
        self.check_text(x.s.len().saturating_add(y.s.len()), span)?;
        let mut ctx = BTreeSet::new();
        value::merge_ctx(&mut ctx, &x.ctx);
        value::merge_ctx(&mut ctx, &y.ctx);
        Ok(Value::String(NixString::with_ctx(
            format!("{}{}", x.s, y.s),
            ctx,
        )))
    }

    pub(crate) fn arith(&mut self, op: BinOp, a: Value, b: Value, span: Span) -> EvalResult<Value> {
        let opname = match op {
            BinOp::Add => "add",
            BinOp::Sub => "subtract",
            BinOp::Mul => "multiply",
            _ => "divide",
        };
        match (&a, &b) {
            (Value::Int(x), Value::Int(y)) => {
                let (x, y) = (*x, *y);
                let r = match op {
                    BinOp::Add => x.checked_add(y),
                    BinOp::Sub => x.checked_sub(y),
                    BinOp::Mul => x.checked_mul(y),
                    _ => {
                        if y == 0 {
                            return Err(EvalError::new(
                                ErrorKind::DivisionByZero,
                                "division by zero",
                                Some(span),
                            ));
                        }
                        x.checked_div(y)
                    }
                };
                match r {
                    Some(v) => Ok(Value::Int(v)),
                    None => Err(EvalError::new(
                        ErrorKind::Overflow,
                        format!("integer overflow in {opname}ing {x} and {y}"),
                        Some(span),
                    )),
                }
            }
            (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
                let x = as_f64(&a);
                let y = as_f64(&b);
                let r = match op {
                    BinOp::Add => x + y,
                    BinOp::Sub => x - y,
                    BinOp::Mul => x * y,
                    _ => {
                        if y == 0.0 {
                            return Err(EvalError::new(
                                ErrorKind::DivisionByZero,
                                "division by zero",
                                Some(span),
                            ));
                        }
                        x / y
                    }
                };
                Ok(Value::Float(r))
            }
            (Value::Int(_) | Value::Float(_), _) => Err(type_err(
                format!("value is {} while an integer was expected", b.type_phrase()),
                span,
            )),
            _ => Err(type_err(
                format!("value is {} while an integer was expected", a.type_phrase()),
                span,
            )),
        }
    }

    /// `a == b`. Integers and strings, the commonest, are compared inline
    /// at the caller; everything else by `equal_values`.
    #[inline]
    pub fn equal(&mut self, a: &Value, b: &Value) -> EvalResult<bool> {
        match (a, b) {
            (Value::Int(x), Value::Int(y)) => Ok(x == y),
            (Value::String(x), Value::String(y)) => Ok(x.s == y.s),
            _ => self.equal_values(a, b),
        }
    }

    fn equal_values(&mut self, a: &Value, b: &Value) -> EvalResult<bool> {
        Ok(match (a, b) {
            (Value::Int(x), Value::Int(y)) => x == y,
            (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
                as_f64(a) == as_f64(b)
            }
            (Value::String(x), Value::String(y)) => x.s == y.s,
            (Value::Path(x), Value::Path(y)) => x == y,
            (Value::Null, Value::Null) => true,
            (Value::Bool(x), Value::Bool(y)) => x == y,
            (Value::List(x), Value::List(y)) => {
                if Rc::ptr_eq(x, y) {
                    return Ok(true);
                }
                if x.len() != y.len() {
                    return Ok(false);
                }
                for (p, q) in x.iter().zip(y.iter()) {
                    if p.ptr_eq(q) {
                        continue;
                    }
                    let pv = self.force(p)?;
                    let qv = self.force(q)?;
                    if !self.nested(|ev| ev.equal(&pv, &qv))? {
                        return Ok(false);
                    }
                }
                true
            }
            (Value::Attrs(x), Value::Attrs(y)) => {
                if x.ptr_eq(y) {
                    return Ok(true);
                }
                if self.is_derivation(x)? && self.is_derivation(y)? {
                    if let (Some(p), Some(q)) =
                        (x.get("outPath").cloned(), y.get("outPath").cloned())
                    {
                        let pv = self.force(&p)?;
                        let qv = self.force(&q)?;
                        return self.nested(|ev| ev.equal(&pv, &qv));
                    }
                }
                if x.len() != y.len() {
                    return Ok(false);
                }
                for ((k1, a1), (k2, a2)) in x.map.iter().zip(y.map.iter()) {
                    if k1 != k2 {
                        return Ok(false);
                    }
                    if a1.value.ptr_eq(&a2.value) {
                        continue;
                    }
                    let pv = self.force(&a1.value)?;
                    let qv = self.force(&a2.value)?;
                    if !self.nested(|ev| ev.equal(&pv, &qv))? {
                        return Ok(false);
                    }
                }
                true
            }
            _ => false,
        })
    }

    pub fn is_derivation(&mut self, a: &Attrs) -> EvalResult<bool> {
        match a.get("type").cloned() {
            Some(t) => Ok(matches!(self.force(&t)?, Value::String(s) if &*s.s == "derivation")),
            None => Ok(false),
        }
    }

    pub fn less_than(&mut self, a: &Value, b: &Value, span: Span) -> EvalResult<bool> {
        match (a, b) {
            (Value::Int(x), Value::Int(y)) => Ok(x < y),
            (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
                Ok(as_f64(a) < as_f64(b))
            }
            (Value::String(x), Value::String(y)) => Ok(x.s.as_bytes() < y.s.as_bytes()),
            (Value::Path(x), Value::Path(y)) => Ok(x.as_bytes() < y.as_bytes()),
            (Value::List(x), Value::List(y)) => {
                for (p, q) in x.iter().zip(y.iter()) {
                    let pv = self.force(p)?;
                    let qv = self.force(q)?;
                    if !self.nested(|ev| ev.equal(&pv, &qv))? {
                        return self.nested(|ev| ev.less_than(&pv, &qv, span));
                    }
                }
                Ok(x.len() < y.len())
            }
            _ => Err(type_err(
                format!(
                    "cannot compare {} with {}",
                    a.type_phrase(),
                    b.type_phrase()
                ),
                span,
            )),
        }
    }

    // ----- coercions -----------------------------------------------------
}
