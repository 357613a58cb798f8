//! Attribute sets and bindings: attribute paths (`a.b.c = 1;` merged with
//! `a.b.d = 2;` into nested sets here, as Nix does), `inherit`, and the slots
//! of recursive sets and `let`.

use super::*;

impl<'a, 'b> Lowerer<'a, 'b> {
    pub(super) fn attrpath(&mut self, p: &ast::Attrpath) -> Result<Vec<AttrName>, LowerError> {
        let mut out = Vec::new();
        for attr in p.attrs() {
            out.push(self.attr_name(attr)?);
        }
        Ok(out)
    }

    pub(super) fn attr_name(&mut self, attr: ast::Attr) -> Result<AttrName, LowerError> {
        match attr {
            ast::Attr::Ident(i) => Ok(AttrName::Static(self.ident_name(&i))),
            ast::Attr::Str(s) => {
                let parts = self.str_parts(&s)?;
                match parts.as_slice() {
                    [] => Ok(AttrName::Static("".into())),
                    [StrPart::Lit(l)] => Ok(AttrName::Static(l.clone())),
                    _ => {
                        let node = s.syntax().clone();
                        Ok(AttrName::Dynamic(
                            self.push(Expr::Interp(parts.into()), &node),
                        ))
                    }
                }
            }
            ast::Attr::Dynamic(d) => {
                let node = d.syntax().clone();
                let inner = match d.expr() {
                    Some(e) => e,
                    None => return self.err(&node, "missing expression"),
                };
                // `${"a"}` with a plain string literal is static.
                if let ast::Expr::Str(s) = &inner {
                    let parts = self.str_parts(s)?;
                    if let [StrPart::Lit(l)] = parts.as_slice() {
                        return Ok(AttrName::Static(l.clone()));
                    }
                    if parts.is_empty() {
                        return Ok(AttrName::Static("".into()));
                    }
                }
                Ok(AttrName::Dynamic(self.expr(inner)?))
            }
        }
    }

    /// Static name of an attribute without lowering anything (for set keys).
    pub(super) fn static_key(&self, attr: &ast::Attr) -> Option<Str> {
        match attr {
            ast::Attr::Ident(i) => Some(self.ident_name(i)),
            ast::Attr::Str(s) => static_str(s),
            ast::Attr::Dynamic(d) => match d.expr() {
                Some(ast::Expr::Str(s)) => static_str(&s),
                _ => None,
            },
        }
    }

    pub(super) fn collect_entries<N: HasEntry>(&mut self, n: &N) -> Result<PendingSet, LowerError> {
        let mut set = PendingSet::default();
        for entry in n.entries() {
            self.add_entry(&mut set, entry)?;
        }
        Ok(set)
    }

    pub(super) fn add_entry(
        &mut self,
        set: &mut PendingSet,
        entry: ast::Entry,
    ) -> Result<(), LowerError> {
        match entry {
            ast::Entry::Inherit(inh) => {
                let from = match inh.from() {
                    Some(f) => match f.expr() {
                        Some(e) => {
                            set.froms.push(e);
                            Some(set.froms.len() - 1)
                        }
                        None => return self.err(f.syntax(), "missing expression"),
                    },
                    None => None,
                };
                for attr in inh.attrs() {
                    let span = self.span_of(attr.syntax());
                    let name = match self.static_key(&attr) {
                        Some(n) => n,
                        None => {
                            return self.err(
                                attr.syntax(),
                                "dynamic attributes are not allowed in inherit",
                            )
                        }
                    };
                    if set.statics.contains_key(&name) {
                        return self
                            .err(attr.syntax(), format!("attribute '{name}' already defined"));
                    }
                    set.statics
                        .insert(name.clone(), PendingValue::Inherit { name, from, span });
                }
                Ok(())
            }
            ast::Entry::AttrpathValue(apv) => {
                let path = match apv.attrpath() {
                    Some(p) => p,
                    None => return self.err(apv.syntax(), "missing attribute path"),
                };
                let value = match apv.value() {
                    Some(v) => v,
                    None => return self.err(apv.syntax(), "missing value"),
                };
                let attrs: Vec<ast::Attr> = path.attrs().collect();
                let span = self.span_of(apv.syntax());
                self.insert_path(set, &attrs, value, span)
            }
        }
    }

    pub(super) fn insert_path(
        &mut self,
        set: &mut PendingSet,
        attrs: &[ast::Attr],
        value: ast::Expr,
        span: Span,
    ) -> Result<(), LowerError> {
        let (first, rest) = match attrs.split_first() {
            Some(x) => x,
            None => {
                return Err(LowerError {
                    message: "empty attribute path".into(),
                    span,
                })
            }
        };
        let key = self.static_key(first);
        let key_span = self.span_of(first.syntax());
        match key {
            None => {
                let name_expr = match first {
                    ast::Attr::Dynamic(d) => match d.expr() {
                        Some(e) => e,
                        None => return self.err(d.syntax(), "missing expression"),
                    },
                    ast::Attr::Str(s) => ast::Expr::Str(s.clone()),
                    ast::Attr::Ident(_) => unreachable!("identifiers are static"),
                };
                if rest.is_empty() {
                    set.dynamics
                        .push((name_expr, PendingValue::Expr(value, span), key_span));
                } else {
                    let mut nested = PendingSet::default();
                    self.insert_path(&mut nested, rest, value, span)?;
                    set.dynamics.push((
                        name_expr,
                        PendingValue::Nested(Box::new(nested), key_span),
                        key_span,
                    ));
                }
                Ok(())
            }
            Some(key) => {
                if rest.is_empty() {
                    match set.statics.get_mut(&key) {
                        None => {
                            // A literal set value may later be extended by `key.x = ...`.
                            let pv = match &value {
                                ast::Expr::AttrSet(s) => {
                                    let mut nested = self.collect_entries(s)?;
                                    nested.rec = s.rec_token().is_some();
                                    PendingValue::Nested(Box::new(nested), key_span)
                                }
                                _ => PendingValue::Expr(value, span),
                            };
                            set.statics.insert(key, pv);
                            Ok(())
                        }
                        Some(PendingValue::Nested(nested, _)) => {
                            // `a.b = 1; a = { c = 2; };` (a `rec` here is
                            // dropped, as Nix drops it)
                            match &value {
                                ast::Expr::AttrSet(s) => {
                                    for entry in s.entries() {
                                        self.add_entry(nested, entry)?;
                                    }
                                    Ok(())
                                }
                                _ => Err(LowerError {
                                    message: format!("attribute '{key}' already defined"),
                                    span: key_span,
                                }),
                            }
                        }
                        Some(_) => Err(LowerError {
                            message: format!("attribute '{key}' already defined"),
                            span: key_span,
                        }),
                    }
                } else {
                    let entry = set
                        .statics
                        .entry(key.clone())
                        .or_insert_with(|| PendingValue::Nested(Box::default(), key_span));
                    match entry {
                        PendingValue::Nested(nested, _) => {
                            self.insert_path(nested, rest, value, span)
                        }
                        _ => Err(LowerError {
                            message: format!("attribute '{key}' already defined"),
                            span: key_span,
                        }),
                    }
                }
            }
        }
    }
}

pub(super) fn static_str(s: &ast::Str) -> Option<Str> {
    let parts = s.normalized_parts();
    let mut out = String::new();
    for p in parts {
        match p {
            InterpolPart::Literal(l) => out.push_str(&l),
            InterpolPart::Interpolation(_) => return None,
        }
    }
    Some(super::intern(&out))
}

pub(super) fn shift(v: Var) -> Var {
    match v {
        Var::Local { depth, slot } => Var::Local {
            depth: depth + 1,
            slot,
        },
        Var::With(w) => Var::With(Rc::new(WithVar {
            name: w.name.clone(),
            depths: w.depths.iter().map(|d| d + 1).collect(),
        })),
        g => g,
    }
}

impl<'a, 'b> Lowerer<'a, 'b> {
    pub(super) fn slot_names(&self, set: &PendingSet) -> HashMap<Str, u32> {
        set.statics
            .keys()
            .enumerate()
            .map(|(i, k)| (k.clone(), i as u32))
            .collect()
    }

    /// Lower a set literal; `rec` sets get their own scope.
    pub(super) fn finish_set(
        &mut self,
        pending: PendingSet,
        rec: bool,
    ) -> Result<AttrsDef, LowerError> {
        if rec {
            let names = self.slot_names(&pending);
            self.scopes.push(Scope::Names(names));
            let r = self.finish_bindings(pending, true);
            self.scopes.pop();
            r
        } else {
            self.finish_bindings(pending, false)
        }
    }

    /// Lower the bindings; when `scoped`, the innermost scope is the set's own
    /// (a `rec` set or `let`) and a plain `inherit x;` looks outside it.
    pub(super) fn finish_bindings(
        &mut self,
        pending: PendingSet,
        scoped: bool,
    ) -> Result<AttrsDef, LowerError> {
        let mut froms = Vec::new();
        for f in pending.froms {
            froms.push(self.expr(f)?);
        }
        let mut statics = Vec::new();
        for (name, pv) in pending.statics {
            let (value, span) = self.pending_value(pv, &froms, scoped)?;
            statics.push((
                name,
                Binding {
                    value,
                    span,
                    pos: Default::default(),
                },
            ));
        }
        let mut dynamics = Vec::new();
        for (name_expr, pv, key_span) in pending.dynamics {
            let name = self.expr(name_expr)?;
            let (value, _) = self.pending_value(pv, &froms, scoped)?;
            dynamics.push(DynBinding {
                name,
                value,
                span: key_span,
                pos: Default::default(),
            });
        }
        Ok(AttrsDef {
            rec: scoped,
            statics,
            dynamics,
        })
    }

    pub(super) fn pending_value(
        &mut self,
        pv: PendingValue,
        froms: &[ExprId],
        scoped: bool,
    ) -> Result<(ExprId, Span), LowerError> {
        match pv {
            PendingValue::Expr(e, span) => Ok((self.expr(e)?, span)),
            PendingValue::Nested(nested, span) => {
                let rec = nested.rec;
                let def = self.finish_set(*nested, rec)?;
                Ok((self.arena.push(Expr::Attrs(Rc::new(def)), span), span))
            }
            PendingValue::Inherit {
                name,
                from: Some(i),
                span,
            } => {
                let e = Expr::Select {
                    expr: froms[i],
                    path: vec![AttrName::Static(name)].into(),
                    default: None,
                };
                Ok((self.arena.push(e, span), span))
            }
            PendingValue::Inherit {
                name,
                from: None,
                span,
            } => {
                let var = if scoped {
                    let inner = self.scopes.pop();
                    let v = self.resolve(&name);
                    if let Some(inner) = inner {
                        self.scopes.push(inner);
                    }
                    v.map(shift)
                } else {
                    self.resolve(&name)
                };
                let e = match var {
                    Some(Var::Global(g)) if &*g == "true" => Expr::Bool(true),
                    Some(Var::Global(g)) if &*g == "false" => Expr::Bool(false),
                    Some(Var::Global(g)) if &*g == "null" => Expr::Null,
                    Some(v) => Expr::Var(v),
                    None => {
                        return Err(LowerError {
                            message: format!("undefined variable '{name}'"),
                            span,
                        })
                    }
                };
                Ok((self.arena.push(e, span), span))
            }
        }
    }
}
