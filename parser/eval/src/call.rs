//! Function calls: lambdas with their formals, primops applied one argument
//! at a time, `__functor` sets.

use crate::*;

impl Eval {
    pub fn call(&mut self, f: &Value, arg: Thunk, span: Span) -> EvalResult<Value> {
        self.enter(|_| span)?;
        let profiling = self.profile.is_some();
        if profiling {
            self.profile_enter(f);
        }
        let r = if self.depth.is_multiple_of(STACK_CHECK_EVERY) {
            stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || self.call_inner(f, arg, span))
        } else {
            self.call_inner(f, arg, span)
        };
        self.depth -= 1;
        if profiling {
            self.profile_leave();
        }
        r
    }

    #[inline(always)]
    pub(crate) fn call_inner(&mut self, f: &Value, arg: Thunk, span: Span) -> EvalResult<Value> {
        match f {
            Value::Lambda(c) => {
                // `x: body`, the commonest: read in place (no reference
                // count taken on the definition).
                if let Expr::Lambda(def) = self.arena.get(c.expr) {
                    if let Param::Ident(_) = def.param {
                        let body = def.body;
                        let new_env = Env::one(Some(c.env.clone()), arg);
                        return self.eval(body, &new_env).map_err(|mut e| {
                            e.add_trace(span, "while calling a function");
                            e
                        });
                    }
                }
                let def = self.lambda_def(c);
                // Formal i has slot i (lowering), the `@` binding the last.
                let new_env = Env::unfilled(Some(c.env.clone()), def.slots as usize);
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
                    for (i, formal) in formals.iter().enumerate() {
                        debug_assert_eq!(formal.slot as usize, i);
                        match attrs.get(&formal.name) {
                            Some(t) => {
                                used += 1;
                                new_env.set_slot(i, t.clone());
                            }
                            None => match formal.default {
                                Some(d) => new_env.set_slot(i, Thunk::pending(d, new_env.clone())),
                                None => {
                                    // A default's thunk holds the
                                    // environment: a failed call lets
                                    // go of them (else it would hold
                                    // itself, and the argument's thunks).
                                    new_env.empty_slots();
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
                                new_env.empty_slots();
                                return Err(type_err(msg, span));
                            }
                        }
                    }
                    if bind.is_some() {
                        // the `@` binding takes the last slot
                        new_env.set_slot(formals.len(), arg);
                    }
                }
                self.eval(def.body, &new_env).map_err(|mut e| {
                    e.add_trace(span, "while calling a function");
                    e
                })
            }
            Value::PrimOp(app) => {
                if app.args.len() + 1 < app.op.arity {
                    let mut args = app.args.clone();
                    args.push(arg);
                    return Ok(Value::PrimOp(Rc::new(PrimOpApp { op: app.op, args })));
                }
                // No builtin takes more than three arguments.
                match app.args.as_slice() {
                    [] => self.run_primop(app.op, std::slice::from_ref(&arg), span),
                    [a] => self.run_primop(app.op, &[a.clone(), arg], span),
                    [a, b] => self.run_primop(app.op, &[a.clone(), b.clone(), arg], span),
                    more => {
                        let mut args: PrimOpArgs = more.iter().cloned().collect();
                        args.push(arg);
                        self.run_primop(app.op, &args, span)
                    }
                }
            }
            Value::Attrs(a) => match a.get("__functor") {
                Some(functor) => {
                    let functor = functor.clone();
                    let fv = self.force(&functor)?;
                    let inner = self.call(&fv, Thunk::ready(f.clone()), span)?;
                    self.call(&inner, arg, span)
                }
                // A file of an unavailable source called: another such.
                None if a
                    .opaque
                    .as_ref()
                    .is_some_and(|o| o.kind == OpaqueKind::Unread) =>
                {
                    Ok(f.clone())
                }
                // An unavailable flake input called as a function (a flake
                // whose outputs are a functor): say which and why.
                None if a
                    .opaque
                    .as_ref()
                    .is_some_and(|o| o.kind == OpaqueKind::Input) =>
                {
                    match self.lookup_attr(a, "__functor", span, Probe::Use) {
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

    /// Run builtin `op` on all its arguments.
    pub(crate) fn run_primop(
        &mut self,
        op: &'static PrimOp,
        args: &[Thunk],
        span: Span,
    ) -> EvalResult<Value> {
        let profiling = self.profile.is_some();
        if profiling {
            self.profile_enter_builtin(op);
        }
        let r = (op.run)(self, args, span).map_err(|mut e| {
            e.add_trace(span, format!("while calling the builtin '{}'", op.name));
            e
        });
        if profiling {
            self.profile_leave();
        }
        r
    }

    /// `f a b ...` (the application `e` and the ones in its function
    /// position): a builtin given all it takes here runs on them at once,
    /// with no partial application made in between; anything else is
    /// applied one argument at a time, as written.
    pub(crate) fn eval_apply_spine(&mut self, e: ExprId, env: &Env) -> EvalResult<Value> {
        // The spine is walked, not collected: `n` applications down to the
        // head, and the application of the `k`th argument (innermost
        // first) is found again from `e` when it is applied. Spines are
        // short (one to three arguments, rarely six), and a walk is a few
        // reads, where a vector of them cost its length checks on every
        // step.
        let mut n = 0usize;
        let mut head = e;
        while let Expr::Apply { func, .. } = *self.arena.get(head) {
            n += 1;
            head = func;
        }
        let mut f = self.eval(head, env)?;
        // Arguments applied so far, innermost first.
        let mut done = 0usize;
        while done < n {
            if let Value::PrimOp(partial) = &f {
                let missing = partial.op.arity - partial.args.len();
                if missing > 1 && n - done >= missing {
                    // The application that gives the last argument the
                    // builtin takes: its span is the call's.
                    let (last, _) = self.nth_arg(e, n - done - missing);
                    let (op, span) = (partial.op, self.arena.span(last));
                    // Pushed one by one: `extend` and `clone` of a small
                    // vector cost more than the few arguments.
                    let mut args = PrimOpArgs::new();
                    for t in partial.args.iter() {
                        args.push(t.clone());
                    }
                    for k in done..done + missing {
                        let (_, arg) = self.nth_arg(e, n - 1 - k);
                        args.push(self.thunk(arg, env));
                    }
                    done += missing;
                    self.enter(|_| span)?;
                    let r = if self.depth.is_multiple_of(STACK_CHECK_EVERY) {
                        stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || {
                            self.run_primop(op, &args, span)
                        })
                    } else {
                        self.run_primop(op, &args, span)
                    };
                    self.depth -= 1;
                    std::mem::replace(&mut f, r?).release();
                    continue;
                }
            }
            let (app, arg) = self.nth_arg(e, n - 1 - done);
            done += 1;
            let a = self.thunk(arg, env);
            let next = self.call(&f, a, self.arena.span(app))?;
            std::mem::replace(&mut f, next).release();
        }
        Ok(f)
    }

    /// The application `k` levels down the function position of `e` (an
    /// application with at least `k + 1` in its spine), and its argument.
    #[inline(always)]
    fn nth_arg(&self, e: ExprId, k: usize) -> (ExprId, ExprId) {
        let mut app = e;
        for _ in 0..k {
            match *self.arena.get(app) {
                Expr::Apply { func, .. } => app = func,
                _ => unreachable!("walked above"),
            }
        }
        match *self.arena.get(app) {
            Expr::Apply { arg, .. } => (app, arg),
            _ => unreachable!("walked above"),
        }
    }

    #[cold]
    #[inline(never)]
    fn profile_enter(&mut self, f: &Value) {
        let key = match f {
            Value::Lambda(c) => Some(profile::Key::Lambda(c.expr)),
            _ => None,
        };
        if let Some(p) = &mut self.profile {
            p.enter(key, self.steps);
        }
    }

    #[cold]
    #[inline(never)]
    fn profile_enter_builtin(&mut self, op: &'static PrimOp) {
        if let Some(p) = &mut self.profile {
            p.enter(Some(profile::Key::Builtin(op.name)), self.steps);
        }
    }

    #[cold]
    #[inline(never)]
    fn profile_leave(&mut self) {
        if let Some(p) = &mut self.profile {
            p.leave(self.steps);
        }
    }

    /// The definition of function `c` (its parameters and body).
    pub(crate) fn lambda_def(&self, c: &Closure) -> Rc<nixplan_syntax::lower::LambdaDef> {
        match self.arena.get(c.expr) {
            Expr::Lambda(def) => def.clone(),
            _ => unreachable!("a closure is made from a lambda expression"),
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
