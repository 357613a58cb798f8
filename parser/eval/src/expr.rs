//! Evaluating expressions of the lowered arena: variables, attribute sets
//! (recursive ones share one environment), interpolation, search paths.

use crate::*;

impl Eval {
    pub fn eval(&mut self, e: ExprId, env: &Env) -> EvalResult<Value> {
        // A variable whose value is computed already (the commonest
        // expression) is read without a level of evaluation: nothing is
        // evaluated, so nothing can fail or recurse.
        if let Expr::Var(Var::Local { depth, slot }) = self.arena.get(e) {
            if let Some(v) = lookup_env(env, *depth).slot_value(*slot as usize) {
                return Ok(v);
            }
        }
        self.enter(|ev| ev.arena.span(e))?;
        let r = if self.depth.is_multiple_of(STACK_CHECK_EVERY) {
            // Checked every few levels: the red zone is far larger than their frames.
            stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || self.eval_inner(e, env))
        } else {
            self.eval_inner(e, env)
        };
        self.depth -= 1;
        r
    }

    #[inline(always)]
    pub(crate) fn eval_inner(&mut self, e: ExprId, env: &Env) -> EvalResult<Value> {
        // Where `e` is, read only where it is needed (another vector than
        // the expressions').
        macro_rules! span {
            () => {
                self.arena.span(e)
            };
        }
        // Matched in place: the ids of the commonest expressions are copied
        // out, and only what is shared (`Rc`) is cloned, in its own arm.
        match *self.arena.get(e) {
            Expr::Null => Ok(Value::Null),
            Expr::Bool(b) => Ok(Value::Bool(b)),
            Expr::Int(i) => Ok(Value::Int(i)),
            Expr::Float(f) => Ok(Value::Float(f)),
            Expr::Str(ref s) | Expr::Uri(ref s) => Ok(Value::str(s.clone())),
            Expr::Path(ref p) => Ok(Value::Path(p.clone())),
            Expr::Interp(ref parts) => {
                let parts = parts.clone();
                self.interpolate(&parts, env, span!())
            }
            Expr::PathInterp(ref parts) => {
                let parts = parts.clone();
                let mut out = String::new();
                for p in parts.iter() {
                    match p {
                        StrPart::Lit(l) => out.push_str(l),
                        StrPart::Expr(x) => {
                            let v = self.eval(*x, env)?;
                            let s = self.coerce_to_string(&v, span!(), false, false)?;
                            if s.ctx.is_some() {
                                return Err(type_err(
                                    format!("the path '{}' may not refer to a store path", s.s),
                                    span!(),
                                ));
                            }
                            out.push_str(&s.s);
                        }
                    }
                }
                Ok(Value::Path(lower::canonicalize_path(&out).into()))
            }
            Expr::SearchPath(ref name) => {
                let name = name.clone();
                self.find_search_path(&name, span!())
            }
            Expr::Var(Var::Local { depth, slot }) => {
                let t = lookup_env(env, depth)
                    .slot(slot as usize)
                    .expect("lowering made the slot");
                self.force(&t)
            }
            Expr::Var(Var::Global(_) | Var::Builtin(_)) => {
                let t = self.global_at(e);
                self.force(&t)
            }
            Expr::Var(ref v) => {
                let v = v.clone();
                self.eval_var(&v, env, span!())
            }
            Expr::Select {
                expr,
                ref path,
                default,
            } => {
                let path = path.clone();
                let mut v = self.eval(expr, env)?;
                for (i, name) in path.iter().enumerate() {
                    let key = self.attr_key(name, env)?;
                    let key: &str = &key;
                    let found = match &v {
                        Value::Attrs(a) => match self.get_at_site(a, key, e, i) {
                            Some(t) => Some(t),
                            // A plain set lacks it (asked here, not in a call).
                            None if a.opaque.is_none() => None,
                            // With `or`, an opaque stand-in lacks what it was not given.
                            None => self.lookup_absent(
                                a,
                                key,
                                span!(),
                                if default.is_none() { Probe::Use } else { Probe::Or },
                            )?,
                        },
                        _ if default.is_none() => {
                            return Err(type_err(
                                format!("value is {} while a set was expected (selecting attribute '{key}')", v.type_phrase()),
                                span!(),
                            ))
                        }
                        _ => None,
                    };
                    match found {
                        Some(t) => {
                            let next = self.force(&t).map_err(|mut err| {
                                err.add_trace(
                                    span!(),
                                    format!("while evaluating the attribute '{key}'"),
                                );
                                err
                            })?;
                            std::mem::replace(&mut v, next).release();
                        }
                        None => match default {
                            Some(d) => return self.eval(d, env),
                            None => {
                                let Value::Attrs(a) = &v else { unreachable!() };
                                return Err(self.missing_attr(key, a, span!()));
                            }
                        },
                    }
                }
                Ok(v)
            }
            Expr::HasAttr { expr, ref path } => {
                let path = path.clone();
                let mut v = self.eval(expr, env)?;
                let last = path.len().saturating_sub(1);
                for (i, name) in path.iter().enumerate() {
                    let key = self.attr_key(name, env)?;
                    let key: &str = &key;
                    let t = match &v {
                        Value::Attrs(a) => match self.get_at_site(a, key, e, i) {
                            Some(t) => Some(t),
                            None if a.opaque.is_none() => None,
                            None => self.lookup_absent(a, key, span!(), Probe::Has)?,
                        },
                        _ => None,
                    };
                    match t {
                        // Only what is looked into is forced: `a ? b`
                        // leaves `a.b` alone.
                        Some(t) if i < last => v = self.force(&t)?,
                        Some(_) => {}
                        None => return Ok(Value::Bool(false)),
                    }
                }
                Ok(Value::Bool(true))
            }
            Expr::Attrs(ref def) => {
                let def = def.clone();
                self.eval_attrs(&def, env)
            }
            Expr::List(ref items) => {
                let items = items.clone();
                Ok(Value::list_of(items.iter().map(|i| self.thunk(*i, env))))
            }
            Expr::Lambda(_) => Ok(Value::Lambda(Closure {
                env: env.clone(),
                expr: e,
            })),
            Expr::Apply { func, .. } if matches!(self.arena.get(func), Expr::Apply { .. }) => {
                self.eval_apply_spine(e, env)
            }
            Expr::Apply { func, arg } => {
                let f = self.eval(func, env)?;
                let a = self.thunk(arg, env);
                self.call(&f, a, span!())
            }
            Expr::Let { ref bindings, body } => {
                let bindings = bindings.clone();
                let new_env = self.rec_env(&bindings, env);
                self.eval(body, &new_env)
            }
            Expr::With { scope, body } => {
                let t = self.thunk(scope, env);
                let new_env = Env::one(Some(env.clone()), t);
                self.eval(body, &new_env)
            }
            Expr::If { cond, then, els } => {
                let c = self.eval(cond, env)?;
                match c {
                    Value::Bool(true) => self.eval(then, env),
                    Value::Bool(false) => self.eval(els, env),
                    v => Err(type_err(
                        format!("value is {} while a Boolean was expected", v.type_phrase()),
                        self.arena.span(cond),
                    )),
                }
            }
            Expr::Assert { cond, body } => {
                let c = self.eval(cond, env)?;
                match c {
                    Value::Bool(true) => self.eval(body, env),
                    Value::Bool(false) => {
                        let cs = self.arena.span(cond);
                        let text = self.sources.file(cs.file).text
                            [cs.start as usize..cs.end as usize]
                            .to_string();
                        Err(EvalError::new(
                            ErrorKind::Assert,
                            format!("assertion '{text}' failed"),
                            Some(cs),
                        ))
                    }
                    v => Err(type_err(
                        format!("value is {} while a Boolean was expected", v.type_phrase()),
                        self.arena.span(cond),
                    )),
                }
            }
            Expr::Not(x) => match self.eval(x, env)? {
                Value::Bool(b) => Ok(Value::Bool(!b)),
                v => Err(type_err(
                    format!("value is {} while a Boolean was expected", v.type_phrase()),
                    span!(),
                )),
            },
            Expr::Neg(x) => {
                let v = self.eval(x, env)?;
                self.arith(BinOp::Sub, Value::Int(0), v, span!())
            }
            Expr::Bin { op, lhs, rhs } => self.eval_bin(op, lhs, rhs, env, span!()),
            // Its first evaluation (a file thawed from the parse cache):
            // decoded, then evaluated as what it is. (A variable whose
            // value is computed skips this level the next times: the
            // first evaluation of a thawed one counts one level more
            // against the depth limit; a check of `Frozen` before that
            // fast path cost 2% of module-tree's instructions.)
            Expr::Frozen => {
                self.arena.decode(e);
                self.eval_inner(e, env)
            }
            Expr::Damaged => Err(self.damaged_entry(e)),
            Expr::CurPos => {
                let f = self.sources.file(span!().file);
                let (line, col) = f.line_col(span!().start);
                let mut a = AttrMap::new();
                let file = f.path.as_ref().map(|p| p.display().to_string());
                a.insert_value("file", Value::str(file.unwrap_or_else(|| f.name.clone())));
                a.insert_value("line", Value::Int(line as i64));
                a.insert_value("column", Value::Int(col as i64));
                Ok(Value::attrs(a))
            }
        }
    }

    pub(crate) fn eval_var(&mut self, v: &Var, env: &Env, span: Span) -> EvalResult<Value> {
        match v {
            Var::Local { depth, slot } => {
                let t = lookup_env(env, *depth)
                    .slot(*slot as usize)
                    .expect("lowering made the slot");
                self.force(&t)
            }
            Var::Global(g) | Var::Builtin(g) => {
                let t = self.global(g).expect("lowering saw a global name");
                self.force(&t)
            }
            Var::With(w) => {
                let (name, depths) = (&w.name, &w.depths);
                for d in depths.iter() {
                    let scope = lookup_env(env, *d)
                        .slot(0)
                        .expect("a with scope has its slot");
                    let sv = self.force(&scope)?;
                    let attrs = match sv {
                        Value::Attrs(a) => a,
                        other => {
                            return Err(type_err(
                                format!(
                                    "value is {} while a set was expected (in 'with')",
                                    other.type_phrase()
                                ),
                                span,
                            ))
                        }
                    };
                    if let Some(t) = attrs.get(name) {
                        let t = t.clone();
                        return self.force(&t);
                    }
                }
                // No scope has it: the innermost stand-in package set
                // (`with pkgs; [ hello ]`) has every package.
                for d in depths.iter() {
                    let scope = lookup_env(env, *d)
                        .slot(0)
                        .expect("a with scope has its slot");
                    if let Value::Attrs(a) = self.force(&scope)? {
                        if a.opaque.as_ref().is_some_and(|o| o.has_every_package()) {
                            if let Some(t) = self.lookup_attr(&a, name, span, Probe::Use)? {
                                return self.force(&t);
                            }
                        }
                    }
                }
                Err(EvalError::new(
                    ErrorKind::UndefinedVariable,
                    format!("undefined variable '{name}'"),
                    Some(span),
                ))
            }
        }
    }

    /// The "attribute missing" error, with the closest name as a suggestion.
    pub fn missing_attr(&self, key: &str, a: &Attrs, span: Span) -> Box<EvalError> {
        let mut msg = format!("attribute '{key}' missing");
        if let Some(best) = closest(key, a.names().map(|n| &**n)) {
            msg.push_str(&format!("; did you mean '{best}'?"));
        }
        EvalError::new(ErrorKind::MissingAttr, msg, Some(span))
    }

    /// The name `name` stands for, borrowed where it is written in the
    /// source (no reference count taken for a static name).
    fn attr_key<'a>(&mut self, name: &'a AttrName, env: &Env) -> EvalResult<AttrKey<'a>> {
        match name {
            AttrName::Static(s) => Ok(AttrKey::Static(s)),
            AttrName::Dynamic(_) => self.attr_name(name, env).map(AttrKey::Dynamic),
        }
    }

    pub(crate) fn attr_name(&mut self, name: &AttrName, env: &Env) -> EvalResult<Str> {
        match name {
            AttrName::Static(s) => Ok(s.clone()),
            AttrName::Dynamic(e) => {
                let v = self.eval(*e, env)?;
                match v {
                    Value::String(s) => Ok(s.s),
                    other => Err(type_err(
                        format!(
                            "value is {} while a string was expected (as an attribute name)",
                            other.type_phrase()
                        ),
                        self.arena.span(*e),
                    )),
                }
            }
        }
    }

    pub(crate) fn rec_env(&mut self, def: &AttrsDef, env: &Env) -> Env {
        let new_env = Env::unfilled(Some(env.clone()), def.statics.len());
        // Every slot is given after all are made: a binding that is a
        // variable of the same set (`g = f`) gets a thunk of its own,
        // whatever the order, which `__overrides` needs (it replaces `f`'s
        // slot) and `==` sees (it compares functions by their holders).
        let slots: smallvec::SmallVec<[Thunk; 8]> = def
            .statics
            .iter()
            .map(|(_, b)| self.thunk(b.value, &new_env))
            .collect();
        for (i, t) in slots.into_iter().enumerate() {
            new_env.set_slot(i, t);
        }
        new_env
    }

    pub(crate) fn eval_attrs(&mut self, def: &AttrsDef, env: &Env) -> EvalResult<Value> {
        // The commonest set: its names all written, not recursive. Its
        // entries (sorted by lowering) go straight into their allocation.
        if !def.rec && def.dynamics.is_empty() {
            return Ok(Value::Attrs(Attrs::of_sorted(def.statics.iter().map(
                |(name, b)| {
                    let value = self.thunk(b.value, env);
                    let pos = self.binding_pos(&b.pos, b.span);
                    (name.clone(), Attr { value, pos })
                },
            ))));
        }
        let mut attrs = AttrMap::with_capacity(def.statics.len() + def.dynamics.len());
        let scope = if def.rec {
            let new_env = self.rec_env(def, env);
            let slots = (0..def.statics.len())
                .map(|i| new_env.slot(i).expect("a rec set has a slot per name"));
            // The statics are sorted by name and come first.
            for ((name, b), t) in def.statics.iter().zip(slots) {
                let pos = self.binding_pos(&b.pos, b.span);
                attrs.push_sorted(name.clone(), Attr { value: t, pos });
            }
            // `__overrides` (a legacy of Nix): its attributes replace the
            // set's own, also where the set's other attributes refer to
            // them, and add new ones; evaluated with the set.
            if let Ok(i) = def
                .statics
                .binary_search_by(|(n, _)| (**n).cmp("__overrides"))
            {
                let t = new_env.slot(i).expect("a rec set has a slot per name");
                let span = def.statics[i].1.span;
                // The set's slots change after this: no selection made
                // meanwhile may be taken from them early (`thunk`).
                self.overriding += 1;
                let forced = self.force(&t);
                self.overriding -= 1;
                let overrides = match forced? {
                    Value::Attrs(o) => o,
                    other => {
                        return Err(type_err(
                            format!(
                                "expected a set but found {} (the `__overrides` attribute)",
                                other.type_phrase()
                            ),
                            span,
                        ))
                    }
                };
                for (name, attr) in overrides.map.iter() {
                    if let Ok(j) = def.statics.binary_search_by(|(n, _)| (**n).cmp(&**name)) {
                        new_env.set_slot(j, attr.value.clone());
                    }
                    attrs.insert_attr(name.clone(), attr.clone());
                }
            }
            new_env
        } else {
            // The statics are sorted by name and come first.
            for (name, b) in def.statics.iter() {
                let t = self.thunk(b.value, env);
                let pos = self.binding_pos(&b.pos, b.span);
                attrs.push_sorted(name.clone(), Attr { value: t, pos });
            }
            env.clone()
        };
        for d in def.dynamics.iter() {
            let name = self.eval(d.name, &scope)?;
            let name = match name {
                Value::Null => continue,
                Value::String(s) => s.s,
                other => {
                    return Err(type_err(
                        format!(
                            "value is {} while a string was expected (as an attribute name)",
                            other.type_phrase()
                        ),
                        self.arena.span(d.name),
                    ))
                }
            };
            if attrs.contains_key(&name) {
                return Err(EvalError::new(
                    ErrorKind::Other,
                    format!("dynamic attribute '{name}' already defined"),
                    Some(d.span),
                ));
            }
            let t = self.thunk(d.value, &scope);
            let pos = self.binding_pos(&d.pos, d.span);
            attrs.insert_attr(name, Attr { value: t, pos });
        }
        Ok(Value::attrs(attrs))
    }

    pub(crate) fn interpolate(
        &mut self,
        parts: &[StrPart],
        env: &Env,
        span: Span,
    ) -> EvalResult<Value> {
        let mut out = String::new();
        let mut ctx = BTreeSet::new();
        for p in parts {
            match p {
                StrPart::Lit(l) => out.push_str(l),
                StrPart::Expr(x) => {
                    let v = self.eval(*x, env)?;
                    let s = self
                        .coerce_to_string(&v, self.arena.span(*x), false, true)
                        .map_err(|mut e| {
                            e.add_trace(span, "while evaluating a string interpolation");
                            e
                        })?;
                    self.check_text(out.len().saturating_add(s.s.len()), span)?;
                    out.push_str(&s.s);
                    value::merge_ctx(&mut ctx, &s.ctx);
                }
            }
        }
        Ok(Value::String(NixString::with_ctx(out, ctx)))
    }

    /// `<name>` outside any scope that binds `__findFile`/`__nixPath`:
    /// the settings' search path.
    pub(crate) fn find_search_path(&mut self, name: &str, span: Span) -> EvalResult<Value> {
        let entries = self.settings.nix_path.clone();
        self.find_file_in(&entries, name, span)
    }

    /// `builtins.findFile`, as nix looks a name up in a search path: the
    /// first entry whose prefix matches (empty, the name, or the name's
    /// first components) and under which the rest exists; then nixplan's
    /// own files (`<nixplan/...>`) and Nix's built-in ones (`<nix/...>`,
    /// e.g. `fetchurl.nix`); else a catchable error, as in nix.
    pub(crate) fn find_file_in(
        &mut self,
        entries: &[(String, String)],
        name: &str,
        span: Span,
    ) -> EvalResult<Value> {
        let embedded = crate::fs::EMBEDDED_ROOT;
        let fallbacks = [
            ("nixplan".to_string(), embedded.to_string()),
            ("nix".to_string(), format!("{embedded}/corepkgs")),
        ];
        for (prefix, dir) in entries.iter().chain(fallbacks.iter()) {
            let rest = if prefix.is_empty() {
                name
            } else if let Some(rest) = name.strip_prefix(prefix.as_str()) {
                match rest.strip_prefix('/') {
                    Some(r) => r,
                    None if rest.is_empty() => "",
                    None => continue,
                }
            } else {
                continue;
            };
            let candidate = if rest.is_empty() {
                dir.clone()
            } else {
                format!("{}/{rest}", dir.trim_end_matches('/'))
            };
            if self.fs.file_type(Path::new(&candidate)).is_ok() {
                return Ok(Value::Path(lower::canonicalize_path(&candidate).into()));
            }
        }
        Err(EvalError::new(
            ErrorKind::Throw,
            format!(
                "file '{name}' was not found in the Nix search path (add it using $NIX_PATH or -I)"
            ),
            Some(span),
        ))
    }

    // ----- calls ---------------------------------------------------------
}

/// An attribute name of a selection: written in the source, or computed.
enum AttrKey<'a> {
    Static(&'a str),
    Dynamic(Str),
}

impl std::ops::Deref for AttrKey<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            AttrKey::Static(s) => s,
            AttrKey::Dynamic(s) => s,
        }
    }
}

impl Eval {
    /// The error where a parse-cache entry's expression did not read
    /// ([`Expr::Damaged`]): the entry is removed, so that the next run
    /// parses the file again.
    #[cold]
    fn damaged_entry(&mut self, e: ExprId) -> Box<EvalError> {
        let entry = match (&self.settings.parse_cache, self.arena.entry_of(e)) {
            (Some(dir), Some(key)) => Some(dir.join(key)),
            _ => None,
        };
        let removed = entry
            .as_ref()
            .is_some_and(|path| std::fs::remove_file(path).is_ok());
        let what = match &entry {
            Some(path) if removed => format!(
                "nixplan's parse cache held a damaged entry for this file ({}); it is removed: run again, and the file is parsed anew",
                path.display()
            ),
            Some(path) => format!(
                "nixplan's parse cache holds a damaged entry for this file ({}): delete it, or run again with NIXPLAN_PARSE_CACHE=off",
                path.display()
            ),
            None => "nixplan's parse cache holds a damaged entry for this file: run again with NIXPLAN_PARSE_CACHE=off".to_string(),
        };
        EvalError::new(ErrorKind::Io, what, Some(self.arena.span(e)))
    }
}
