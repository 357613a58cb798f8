//! Function calls: lambdas with their formals, primops applied one argument
//! at a time, `__functor` sets.

use crate::*;

impl Eval {
    pub fn call(&mut self, f: &Value, arg: Thunk, span: Span) -> EvalResult<Value> {
        self.enter(|_| span)?;
        let r = if self.depth.is_multiple_of(8) {
            stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || self.call_inner(f, arg, span))
        } else {
            self.call_inner(f, arg, span)
        };
        self.depth -= 1;
        r
    }

    pub(crate) fn call_inner(&mut self, f: &Value, arg: Thunk, span: Span) -> EvalResult<Value> {
        match f {
            Value::Lambda(c) => {
                let def = c.def.clone();
                if let Param::Ident(_) = def.param {
                    let new_env = Env::new(Some(c.env.clone()), smallvec::smallvec![arg]);
                    return self.eval(def.body, &new_env).map_err(|mut e| {
                        e.add_trace(span, "while calling a function");
                        e
                    });
                }
                let new_env = Env::new(Some(c.env.clone()), Slots::new());
                let mut slots: Slots = smallvec::smallvec![arg.clone(); def.slots as usize];
                if let Param::Formals {
                    formals,
                    ellipsis,
                    bind,
                } = &def.param
                {
                    let av = self.force(&arg)?;
                    let attrs = match av {
                        Value::Attrs(a) => a,
                        other => {
                            return Err(type_err(
                                format!(
                                    "value is {} while a set was expected (as a function argument)",
                                    other.type_phrase()
                                ),
                                span,
                            ))
                        }
                    };
                    let mut used = 0;
                    for formal in formals {
                        match attrs.get(&formal.name) {
                            Some(t) => {
                                used += 1;
                                slots[formal.slot as usize] = t.clone();
                            }
                            None => match formal.default {
                                Some(d) => {
                                    slots[formal.slot as usize] = Thunk::pending(d, new_env.clone())
                                }
                                None => {
                                    let fname = self.lambda_name(c);
                                    return Err(type_err(
                                        format!(
                                            "{fname} called without required argument '{}'",
                                            formal.name
                                        ),
                                        span,
                                    ));
                                }
                            },
                        }
                    }
                    if !ellipsis && used < attrs.len() {
                        let names: Vec<&str> = formals.iter().map(|f| &*f.name).collect();
                        for k in attrs.names() {
                            if formals
                                .binary_search_by(|f| f.name.as_ref().cmp(k))
                                .is_err()
                            {
                                let fname = self.lambda_name(c);
                                let mut msg =
                                    format!("{fname} called with unexpected argument '{k}'");
                                if let Some(best) = closest(k, names.iter().copied()) {
                                    msg.push_str(&format!("; did you mean '{best}'?"));
                                }
                                return Err(type_err(msg, span));
                            }
                        }
                    }
                    if bind.is_some() {
                        // the `@` binding takes the last slot
                        let last = def.slots as usize - 1;
                        slots[last] = arg;
                    }
                }
                *new_env.slots.borrow_mut() = slots;
                self.eval(def.body, &new_env).map_err(|mut e| {
                    e.add_trace(span, "while calling a function");
                    e
                })
            }
            Value::PrimOp(app) => {
                let mut args = app.args.clone();
                args.push(arg);
                if args.len() == app.op.arity {
                    (app.op.run)(self, &args, span).map_err(|mut e| {
                        e.add_trace(span, format!("while calling the builtin '{}'", app.op.name));
                        e
                    })
                } else {
                    Ok(Value::PrimOp(Rc::new(PrimOpApp { op: app.op, args })))
                }
            }
            Value::Attrs(a) => match a.get("__functor") {
                Some(functor) => {
                    let functor = functor.clone();
                    let fv = self.force(&functor)?;
                    let inner = self.call(&fv, Thunk::ready(f.clone()), span)?;
                    self.call(&inner, arg, span)
                }
                // An unavailable flake input called as a function (a flake
                // whose outputs are a functor): say which and why.
                None if a
                    .opaque
                    .as_ref()
                    .is_some_and(|o| o.kind == OpaqueKind::Input) =>
                {
                    match self.lookup_attr(a, "__functor", span, true) {
                        Err(mut e) => {
                            e.message = e.message.replace(
                                "so '__functor' of it cannot be used",
                                "so it cannot be called",
                            );
                            Err(e)
                        }
                        Ok(_) => Err(type_err(
                            "attempt to call something which is not a function but a set",
                            span,
                        )),
                    }
                }
                None => Err(type_err(
                    "attempt to call something which is not a function but a set",
                    span,
                )),
            },
            other => Err(type_err(
                format!(
                    "attempt to call something which is not a function but {}",
                    other.type_phrase()
                ),
                span,
            )),
        }
    }

    pub(crate) fn lambda_name(&self, c: &Closure) -> String {
        let s = self.arena.span(c.expr);
        format!("the function at {}", self.sources.describe(s))
    }

    /// Call `f` with already-built argument values.
    pub fn call_values(&mut self, f: &Value, args: &[Thunk], span: Span) -> EvalResult<Value> {
        let mut v = f.clone();
        for a in args {
            v = self.call(&v, a.clone(), span)?;
        }
        Ok(v)
    }

    // ----- operators -----------------------------------------------------
}
