//! The lazy evaluator. Expressions are evaluated from the lowered arena;
//! every value that is not needed yet is a [`Thunk`]. A thunk being forced is
//! blackholed, so a value that depends on itself is an "infinite recursion"
//! error. Recursion depth is bounded and the native stack grows on demand,
//! so no input overflows the stack.

mod builtins;
mod error;
pub mod fs;
pub mod print;
pub mod store;
mod value;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

pub use error::{ErrorKind, EvalDiagnostic, EvalError, EvalResult, TraceFrame};
pub use value::{
    Attr, Attrs, Closure, Context, Env, NixString, Opaque, OpaqueKind, PrimOp, PrimOpApp, Slots,
    Thunk, ThunkState, Value,
};

use crate::fs::FileSystem;
use nixplan_syntax::lower::{
    self, Arena, AttrName, AttrsDef, BinOp, Expr, ExprId, Param, StrPart, Var,
};
use nixplan_syntax::{self as syntax, FileId, ParseDiagnostics, SourceMap, Span};

/// Evaluation settings that Nix takes from its configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    pub store_dir: String,
    pub current_system: String,
    /// `$HOME`, for `~/` paths; `None` makes them an error.
    pub home: Option<String>,
    /// `-I name=path` / `NIX_PATH` entries, for `<name>` paths.
    pub nix_path: Vec<(String, String)>,
    /// Maximum nesting of evaluation (function calls, forced thunks).
    pub max_depth: usize,
    /// What `builtins.getEnv` sees (empty in pure evaluation).
    pub env: HashMap<String, String>,
    /// Files under this directory are named relative to it in diagnostics.
    pub display_root: Option<String>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            store_dir: "/nix/store".into(),
            current_system: "x86_64-linux".into(),
            home: None,
            nix_path: Vec::new(),
            max_depth: 200_000,
            env: HashMap::new(),
            display_root: None,
        }
    }
}

/// Why a source could not be loaded.
#[derive(Debug)]
pub enum LoadError {
    Syntax(Box<ParseDiagnostics>),
    Eval(Box<EvalError>),
}

/// The evaluator: sources, lowered code, caches and settings of one run.
pub struct Eval {
    pub sources: SourceMap,
    pub arena: Arena,
    pub settings: Settings,
    fs: Box<dyn FileSystem>,
    globals: HashMap<Rc<str>, Thunk>,
    import_cache: HashMap<String, Thunk>,
    depth: usize,
    /// Messages of `builtins.trace` and `builtins.warn`, in order.
    pub messages: Vec<String>,
    /// Every file read (imports, readFile, ...), absolute paths, in order.
    pub files_read: Vec<PathBuf>,
    copied_paths: HashMap<String, String>,
    regex_cache: HashMap<String, Rc<regex::Regex>>,
    /// Derivations instantiated so far, by `.drv` path.
    pub drvs: store::DrvStore,
}

/// A value from JSON, as `builtins.fromJSON` reads it.
pub fn value_from_json(j: serde_json::Value) -> Value {
    builtins::json_to_value(j)
}

/// Stack space kept free below the current frame before growing the stack.
const RED_ZONE: usize = 512 * 1024;
/// Size of each new stack segment.
const STACK_SEGMENT: usize = 16 * 1024 * 1024;

pub(crate) fn type_err(msg: impl Into<String>, span: Span) -> Box<EvalError> {
    EvalError::new(ErrorKind::Type, msg, Some(span))
}

impl Eval {
    pub fn new(fs: Box<dyn FileSystem>, settings: Settings) -> Eval {
        let mut ev = Eval {
            sources: SourceMap::new(),
            arena: Arena::default(),
            settings,
            fs,
            globals: HashMap::new(),
            import_cache: HashMap::new(),
            depth: 0,
            messages: Vec::new(),
            files_read: Vec::new(),
            copied_paths: HashMap::new(),
            regex_cache: HashMap::new(),
            drvs: store::DrvStore::default(),
        };
        builtins::install(&mut ev);
        ev
    }

    pub fn fs(&self) -> &dyn FileSystem {
        &*self.fs
    }

    pub(crate) fn set_global(&mut self, name: &str, t: Thunk) {
        self.globals.insert(name.into(), t);
    }

    pub fn global(&self, name: &str) -> Option<Thunk> {
        self.globals.get(name).cloned()
    }

    /// Parse and lower a text; `path` is the file it came from, if any
    /// (relative paths resolve against its directory, else against `base_dir`).
    pub fn load_source(
        &mut self,
        name: &str,
        path: Option<&Path>,
        text: &str,
        base_dir: &str,
    ) -> Result<(FileId, ExprId), LoadError> {
        self.load_source_scoped(name, path, text, base_dir, &[])
    }

    /// [`Eval::load_source`] with names bound around the whole file.
    pub fn load_source_scoped(
        &mut self,
        name: &str,
        path: Option<&Path>,
        text: &str,
        base_dir: &str,
        outer: &[Rc<str>],
    ) -> Result<(FileId, ExprId), LoadError> {
        let file = self.sources.add(
            name.to_string(),
            path.map(Path::to_path_buf),
            Arc::from(text),
        );
        let root = syntax::parse(&self.sources, file).map_err(LoadError::Syntax)?;
        let globals = &self.globals;
        let is_global = |n: &str| globals.contains_key(n);
        let cx = lower::LowerContext {
            file,
            base_dir,
            home: self.settings.home.as_deref(),
            is_global: &is_global,
            outer,
        };
        let id = lower::lower(&mut self.arena, &cx, &root).map_err(|e| {
            let kind = if e.message.starts_with("undefined variable") {
                ErrorKind::UndefinedVariable
            } else {
                ErrorKind::Other
            };
            LoadError::Eval(EvalError::new(kind, e.message, Some(e.span)))
        })?;
        Ok((file, id))
    }

    /// Evaluate a lowered root expression in the global scope.
    pub fn eval_root(&mut self, e: ExprId) -> EvalResult<Value> {
        let env = Env::new(None, Slots::new());
        self.eval(e, &env)
    }

    // ----- forcing -------------------------------------------------------

    pub fn force(&mut self, t: &Thunk) -> EvalResult<Value> {
        let state = {
            let mut st = t.0.borrow_mut();
            match &*st {
                ThunkState::Done(v) => return Ok(v.clone()),
                ThunkState::Blackhole(e) => {
                    let span = e.map(|e| self.arena.span(e));
                    return Err(EvalError::new(
                        ErrorKind::InfiniteRecursion,
                        "infinite recursion encountered",
                        span,
                    ));
                }
                ThunkState::Pending(e, _) => {
                    let e = *e;
                    std::mem::replace(&mut *st, ThunkState::Blackhole(Some(e)))
                }
                ThunkState::Native(_) => std::mem::replace(&mut *st, ThunkState::Blackhole(None)),
            }
        };
        let result = match &state {
            ThunkState::Pending(e, env) => self.eval(*e, env),
            ThunkState::Native(f) => f(self),
            _ => unreachable!("checked above"),
        };
        match result {
            Ok(v) => {
                *t.0.borrow_mut() = ThunkState::Done(v.clone());
                Ok(v)
            }
            Err(err) => {
                // As in Nix, a failed thunk can be forced again (tryEval).
                *t.0.borrow_mut() = state;
                Err(err)
            }
        }
    }

    /// A thunk for `e` in `env`, without allocating for what is already a value.
    pub fn thunk(&mut self, e: ExprId, env: &Rc<Env>) -> Thunk {
        match self.arena.get(e) {
            Expr::Int(i) => Thunk::ready(Value::Int(*i)),
            Expr::Float(f) => Thunk::ready(Value::Float(*f)),
            Expr::Str(s) => Thunk::ready(Value::str(s.clone())),
            Expr::Null => Thunk::ready(Value::Null),
            Expr::Bool(b) => Thunk::ready(Value::Bool(*b)),
            Expr::Path(p) => Thunk::ready(Value::Path(p.clone())),
            Expr::Var(Var::Local { depth, slot }) => {
                // Slots of a `rec` set or `let` under construction are not there yet.
                match lookup_env(env, *depth).slots.borrow().get(*slot as usize) {
                    Some(t) => t.clone(),
                    None => Thunk::pending(e, env.clone()),
                }
            }
            Expr::Var(Var::Global(g)) => self.globals[g].clone(),
            Expr::Lambda(def) => Thunk::ready(Value::Lambda(Rc::new(Closure {
                def: def.clone(),
                env: env.clone(),
                expr: e,
            }))),
            _ => Thunk::pending(e, env.clone()),
        }
    }

    #[inline]
    fn enter(&mut self, span: impl FnOnce(&Self) -> Span) -> EvalResult<()> {
        self.depth += 1;
        if self.depth > self.settings.max_depth {
            let span = span(self);
            self.depth -= 1;
            return Err(EvalError::new(
                ErrorKind::Depth,
                format!(
                    "evaluation is nested more than {} levels deep (runaway recursion?)",
                    self.settings.max_depth
                ),
                Some(span),
            ));
        }
        Ok(())
    }

    pub fn eval(&mut self, e: ExprId, env: &Rc<Env>) -> EvalResult<Value> {
        self.enter(|ev| ev.arena.span(e))?;
        let r = if self.depth.is_multiple_of(8) {
            // Checked every 8 levels: the red zone is far larger than 8 frames.
            stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || self.eval_inner(e, env))
        } else {
            self.eval_inner(e, env)
        };
        self.depth -= 1;
        r
    }

    fn eval_inner(&mut self, e: ExprId, env: &Rc<Env>) -> EvalResult<Value> {
        let span = self.arena.span(e);
        let expr = self.arena.get(e).clone();
        match expr {
            Expr::Null => Ok(Value::Null),
            Expr::Bool(b) => Ok(Value::Bool(b)),
            Expr::Int(i) => Ok(Value::Int(i)),
            Expr::Float(f) => Ok(Value::Float(f)),
            Expr::Str(s) => Ok(Value::str(s)),
            Expr::Uri(s) => Ok(Value::str(s)),
            Expr::Path(p) => Ok(Value::Path(p)),
            Expr::Interp(parts) => self.interpolate(&parts, env, span),
            Expr::PathInterp(parts) => {
                let mut out = String::new();
                for p in parts.iter() {
                    match p {
                        StrPart::Lit(l) => out.push_str(l),
                        StrPart::Expr(x) => {
                            let v = self.eval(*x, env)?;
                            let s = self.coerce_to_string(&v, span, false, false)?;
                            if s.ctx.is_some() {
                                return Err(type_err(
                                    format!("the path '{}' may not refer to a store path", s.s),
                                    span,
                                ));
                            }
                            out.push_str(&s.s);
                        }
                    }
                }
                Ok(Value::Path(lower::canonicalize_path(&out).into()))
            }
            Expr::SearchPath(name) => self.find_search_path(&name, span),
            Expr::Var(v) => self.eval_var(&v, env, span),
            Expr::Select {
                expr,
                path,
                default,
            } => {
                let mut v = self.eval(expr, env)?;
                for name in path.iter() {
                    let key = self.attr_name(name, env)?;
                    let found = match &v {
                        // With `or`, an opaque stand-in lacks what it was not given.
                        Value::Attrs(a) => self.lookup_attr(a, &key, span, default.is_none())?,
                        _ if default.is_none() => {
                            return Err(type_err(
                                format!("value is {} while a set was expected (selecting attribute '{key}')", v.type_phrase()),
                                span,
                            ))
                        }
                        _ => None,
                    };
                    match found {
                        Some(t) => {
                            v = self.force(&t).map_err(|mut err| {
                                err.add_trace(
                                    span,
                                    format!("while evaluating the attribute '{key}'"),
                                );
                                err
                            })?
                        }
                        None => match default {
                            Some(d) => return self.eval(d, env),
                            None => {
                                let Value::Attrs(a) = &v else { unreachable!() };
                                return Err(self.missing_attr(&key, a, span));
                            }
                        },
                    }
                }
                Ok(v)
            }
            Expr::HasAttr { expr, path } => {
                let mut v = self.eval(expr, env)?;
                for name in path.iter() {
                    let key = self.attr_name(name, env)?;
                    let t = match &v {
                        Value::Attrs(a) => self.lookup_attr(a, &key, span, false)?,
                        _ => None,
                    };
                    match t {
                        Some(t) => v = self.force(&t)?,
                        None => return Ok(Value::Bool(false)),
                    }
                }
                Ok(Value::Bool(true))
            }
            Expr::Attrs(def) => self.eval_attrs(&def, env),
            Expr::List(items) => {
                let thunks = items.iter().map(|i| self.thunk(*i, env)).collect();
                Ok(Value::list(thunks))
            }
            Expr::Lambda(def) => Ok(Value::Lambda(Rc::new(Closure {
                def,
                env: env.clone(),
                expr: e,
            }))),
            Expr::Apply { func, arg } => {
                let f = self.eval(func, env)?;
                let a = self.thunk(arg, env);
                self.call(&f, a, span)
            }
            Expr::Let { bindings, body } => {
                let new_env = self.rec_env(&bindings, env);
                self.eval(body, &new_env)
            }
            Expr::With { scope, body } => {
                let t = self.thunk(scope, env);
                let new_env = Env::new(Some(env.clone()), smallvec::smallvec![t]);
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
                    span,
                )),
            },
            Expr::Neg(x) => {
                let v = self.eval(x, env)?;
                self.arith(BinOp::Sub, Value::Int(0), v, span)
            }
            Expr::Bin { op, lhs, rhs } => self.eval_bin(op, lhs, rhs, env, span),
            Expr::CurPos => {
                let f = self.sources.file(span.file);
                let (line, col) = f.line_col(span.start);
                let mut a = Attrs::new();
                let file = f.path.as_ref().map(|p| p.display().to_string());
                a.insert_value("file", Value::str(file.unwrap_or_else(|| f.name.clone())));
                a.insert_value("line", Value::Int(line as i64));
                a.insert_value("column", Value::Int(col as i64));
                Ok(Value::attrs(a))
            }
        }
    }

    fn eval_var(&mut self, v: &Var, env: &Rc<Env>, span: Span) -> EvalResult<Value> {
        match v {
            Var::Local { depth, slot } => {
                let t = lookup_env(env, *depth).slots.borrow()[*slot as usize].clone();
                self.force(&t)
            }
            Var::Global(g) => {
                let t = self.globals[g].clone();
                self.force(&t)
            }
            Var::With { name, depths } => {
                for d in depths.iter() {
                    let scope = lookup_env(env, *d).slots.borrow()[0].clone();
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

    fn attr_name(&mut self, name: &AttrName, env: &Rc<Env>) -> EvalResult<Rc<str>> {
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

    fn rec_env(&mut self, def: &AttrsDef, env: &Rc<Env>) -> Rc<Env> {
        let new_env = Env::new(Some(env.clone()), Slots::with_capacity(def.statics.len()));
        let slots: Slots = def
            .statics
            .iter()
            .map(|(_, b)| self.thunk(b.value, &new_env))
            .collect();
        *new_env.slots.borrow_mut() = slots;
        new_env
    }

    fn eval_attrs(&mut self, def: &AttrsDef, env: &Rc<Env>) -> EvalResult<Value> {
        let mut attrs = Attrs::new();
        let scope = if def.rec {
            let new_env = self.rec_env(def, env);
            let slots = new_env.slots.borrow().clone();
            for ((name, b), t) in def.statics.iter().zip(slots) {
                attrs.map.insert(
                    name.clone(),
                    Attr {
                        value: t,
                        pos: Some(b.span),
                    },
                );
            }
            new_env
        } else {
            for (name, b) in def.statics.iter() {
                let t = self.thunk(b.value, env);
                attrs.map.insert(
                    name.clone(),
                    Attr {
                        value: t,
                        pos: Some(b.span),
                    },
                );
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
            if attrs.map.contains_key(&name) {
                return Err(EvalError::new(
                    ErrorKind::Other,
                    format!("dynamic attribute '{name}' already defined"),
                    Some(d.span),
                ));
            }
            let t = self.thunk(d.value, &scope);
            attrs.map.insert(
                name,
                Attr {
                    value: t,
                    pos: Some(d.span),
                },
            );
        }
        Ok(Value::attrs(attrs))
    }

    fn interpolate(&mut self, parts: &[StrPart], env: &Rc<Env>, span: Span) -> EvalResult<Value> {
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
                    out.push_str(&s.s);
                    value::merge_ctx(&mut ctx, &s.ctx);
                }
            }
        }
        Ok(Value::String(NixString::with_ctx(out, ctx)))
    }

    fn find_search_path(&mut self, name: &str, span: Span) -> EvalResult<Value> {
        let (first, rest) = match name.split_once('/') {
            Some((a, b)) => (a, Some(b)),
            None => (name, None),
        };
        for (prefix, dir) in self.settings.nix_path.clone() {
            let candidate = if prefix.is_empty() {
                format!("{dir}/{name}")
            } else if prefix == first {
                match rest {
                    Some(r) => format!("{dir}/{r}"),
                    None => dir.clone(),
                }
            } else {
                continue;
            };
            if self.fs.file_type(Path::new(&candidate)).is_ok() {
                return Ok(Value::Path(lower::canonicalize_path(&candidate).into()));
            }
        }
        Err(EvalError::new(
            ErrorKind::Io,
            format!(
                "file '{name}' was not found in the Nix search path (add it with -I or $NIX_PATH)"
            ),
            Some(span),
        ))
    }

    // ----- calls ---------------------------------------------------------

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

    fn call_inner(&mut self, f: &Value, arg: Thunk, span: Span) -> EvalResult<Value> {
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

    fn lambda_name(&self, c: &Closure) -> String {
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

    fn eval_bin(
        &mut self,
        op: BinOp,
        lhs: ExprId,
        rhs: ExprId,
        env: &Rc<Env>,
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
            _ => {
                let a = self.eval(lhs, env)?;
                let b = self.eval(rhs, env)?;
                self.binary(op, a, b, span)
            }
        }
    }

    fn eval_bool(&mut self, e: ExprId, env: &Rc<Env>) -> EvalResult<bool> {
        match self.eval(e, env)? {
            Value::Bool(b) => Ok(b),
            v => Err(type_err(
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
                    let mut v = Vec::with_capacity(x.len() + y.len());
                    v.extend(x.iter().cloned());
                    v.extend(y.iter().cloned());
                    Ok(Value::list(v))
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
                    let mut m = (*x).clone();
                    for (k, v) in y.map.iter() {
                        m.map.insert(k.clone(), v.clone());
                    }
                    Ok(Value::attrs(m))
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
                    let mut ctx = BTreeSet::new();
                    value::merge_ctx(&mut ctx, &x.ctx);
                    value::merge_ctx(&mut ctx, &y.ctx);
                    Ok(Value::String(NixString::with_ctx(
                        format!("{}{}", x.s, y.s),
                        ctx,
                    )))
                }
                (Value::Int(_) | Value::Float(_), _) => self.arith(op, a, b, span),
                _ => Err(type_err(
                    format!("cannot add {} to {}", b.type_phrase(), a.type_phrase()),
                    span,
                )),
            },
            BinOp::Sub | BinOp::Mul | BinOp::Div => self.arith(op, a, b, span),
            _ => unreachable!("short-circuit operators are handled in eval_bin"),
        }
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

    pub fn equal(&mut self, a: &Value, b: &Value) -> EvalResult<bool> {
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
                    if !self.equal(&pv, &qv)? {
                        return Ok(false);
                    }
                }
                true
            }
            (Value::Attrs(x), Value::Attrs(y)) => {
                if Rc::ptr_eq(x, y) {
                    return Ok(true);
                }
                if self.is_derivation(x)? && self.is_derivation(y)? {
                    if let (Some(p), Some(q)) =
                        (x.get("outPath").cloned(), y.get("outPath").cloned())
                    {
                        let pv = self.force(&p)?;
                        let qv = self.force(&q)?;
                        return self.equal(&pv, &qv);
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
                    if !self.equal(&pv, &qv)? {
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
                    if !self.equal(&pv, &qv)? {
                        return self.less_than(&pv, &qv, span);
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

    /// Nix's coerceToString. `more` allows ints, floats, bools, null and
    /// lists (as `toString` does); `copy` copies paths to the store.
    pub fn coerce_to_string(
        &mut self,
        v: &Value,
        span: Span,
        more: bool,
        copy: bool,
    ) -> EvalResult<NixString> {
        match v {
            Value::String(s) => Ok(s.clone()),
            Value::Path(p) => {
                if copy {
                    let sp = self.copy_path_to_store(p, span)?;
                    let mut ctx = BTreeSet::new();
                    ctx.insert(sp.clone());
                    Ok(NixString::with_ctx(sp, ctx))
                } else {
                    Ok(NixString::plain(p.clone()))
                }
            }
            Value::Attrs(a) => {
                if let Some(f) = a.get("__toString").cloned() {
                    let fv = self.force(&f)?;
                    let r = self.call(&fv, Thunk::ready(v.clone()), span)?;
                    return self.coerce_to_string(&r, span, more, copy);
                }
                if let Some(o) = a.get("outPath").cloned() {
                    let ov = self.force(&o)?;
                    return self.coerce_to_string(&ov, span, more, copy);
                }
                Err(type_err("cannot coerce a set to a string", span))
            }
            Value::Int(i) if more => Ok(NixString::plain(i.to_string())),
            Value::Float(f) if more => Ok(NixString::plain(print::float_to_string(*f))),
            Value::Bool(true) if more => Ok(NixString::plain("1")),
            Value::Bool(false) | Value::Null if more => Ok(NixString::plain("")),
            Value::List(items) if more => {
                let mut out = String::new();
                let mut ctx = BTreeSet::new();
                for (i, t) in items.iter().enumerate() {
                    let iv = self.force(t)?;
                    let s = self.coerce_to_string(&iv, span, more, copy)?;
                    out.push_str(&s.s);
                    value::merge_ctx(&mut ctx, &s.ctx);
                    if i + 1 < items.len() && !matches!(&iv, Value::List(l) if l.is_empty()) {
                        out.push(' ');
                    }
                }
                Ok(NixString::with_ctx(out, ctx))
            }
            other => Err(type_err(
                format!("cannot coerce {} to a string", other.type_phrase()),
                span,
            )),
        }
    }

    /// Copy a source path into the (virtual) store: the store path Nix
    /// would give it, computed from its NAR serialisation. Nothing is written.
    pub fn copy_path_to_store(&mut self, p: &str, span: Span) -> EvalResult<String> {
        if let Some(sp) = self.copied_paths.get(p) {
            return Ok(sp.clone());
        }
        if p.starts_with(&format!("{}/", self.settings.store_dir)) {
            return Ok(p.to_string());
        }
        let name = p.rsplit('/').next().unwrap_or("").to_string();
        let hash = store::nar_sha256(self.fs(), Path::new(p)).map_err(|e| {
            EvalError::new(ErrorKind::Io, format!("cannot read '{p}': {e}"), Some(span))
        })?;
        let sp = store::make_store_path(&self.settings.store_dir, "source", &hash, &name);
        self.files_read.push(PathBuf::from(p));
        self.copied_paths.insert(p.to_string(), sp.clone());
        Ok(sp)
    }

    /// Evaluate fully (as `--strict` and `deepSeq` do).
    pub fn deep_force(&mut self, v: &Value, _span: Span) -> EvalResult<()> {
        let mut seen = std::collections::HashSet::new();
        self.deep_force_inner(v, &mut seen)
    }

    fn deep_force_inner(
        &mut self,
        v: &Value,
        seen: &mut std::collections::HashSet<usize>,
    ) -> EvalResult<()> {
        match v {
            Value::Attrs(a) => {
                if !seen.insert(Rc::as_ptr(a) as *const u8 as usize) {
                    return Ok(());
                }
                for (k, attr) in a.map.iter() {
                    let x = self.force(&attr.value).map_err(|mut e| {
                        if let Some(p) = attr.pos {
                            e.add_trace(p, format!("while evaluating the attribute '{k}'"));
                        }
                        e
                    })?;
                    stacker::maybe_grow(256 * 1024, 8 * 1024 * 1024, || {
                        self.deep_force_inner(&x, seen)
                    })?;
                }
                Ok(())
            }
            Value::List(l) => {
                if !seen.insert(Rc::as_ptr(l) as *const u8 as usize) {
                    return Ok(());
                }
                for t in l.iter() {
                    let x = self.force(t)?;
                    stacker::maybe_grow(256 * 1024, 8 * 1024 * 1024, || {
                        self.deep_force_inner(&x, seen)
                    })?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    // ----- imports -------------------------------------------------------

    /// `scopedImport scope path`: the file sees `scope`'s attributes as
    /// variables (before builtins). Not cached, as in Nix.
    pub fn import_scoped(&mut self, path: &str, scope: &Attrs, span: Span) -> EvalResult<Value> {
        let mut p = path.to_string();
        if matches!(
            self.fs.file_type(Path::new(&p)),
            Ok(crate::fs::FileType::Directory)
        ) {
            p = format!("{}/default.nix", p.trim_end_matches('/'));
        }
        let text = self.read_source_text(&p, span)?;
        let names: Vec<Rc<str>> = scope.names().cloned().collect();
        let slots: Slots = scope.map.values().map(|a| a.value.clone()).collect();
        let base = parent_dir(&p);
        let root = self.load_imported(&p, &text, &base, &names, span)?;
        let env = Env::new(None, slots);
        self.eval(root, &env)
    }

    fn read_source_text(&mut self, p: &str, span: Span) -> EvalResult<String> {
        let bytes = self.fs.read(Path::new(p)).map_err(|e| {
            EvalError::new(ErrorKind::Io, format!("cannot read '{p}': {e}"), Some(span))
        })?;
        self.files_read.push(PathBuf::from(p));
        String::from_utf8(bytes).map_err(|_| {
            EvalError::new(
                ErrorKind::Io,
                format!("'{p}' is not valid UTF-8"),
                Some(span),
            )
        })
    }

    fn load_imported(
        &mut self,
        p: &str,
        text: &str,
        base: &str,
        outer: &[Rc<str>],
        span: Span,
    ) -> EvalResult<ExprId> {
        let shown = self.display_name(p);
        match self.load_source_scoped(&shown, Some(Path::new(p)), text, base, outer) {
            Ok((_, root)) => Ok(root),
            Err(LoadError::Eval(e)) => Err(e),
            Err(LoadError::Syntax(d)) => {
                let first = d
                    .errors
                    .first()
                    .map(|e| format!("{} at {}:{}:{}", e.message, d.name, e.line, e.column))
                    .unwrap_or_default();
                Err(EvalError::new(
                    ErrorKind::Syntax,
                    format!("syntax error in '{p}': {first}"),
                    Some(span),
                ))
            }
        }
    }

    /// `import path`: parse, lower and evaluate a file once per path.
    pub fn import_path(&mut self, path: &str, span: Span) -> EvalResult<Value> {
        let mut p = path.to_string();
        if matches!(
            self.fs.file_type(Path::new(&p)),
            Ok(crate::fs::FileType::Directory)
        ) {
            p = format!("{}/default.nix", p.trim_end_matches('/'));
        }
        if let Some(t) = self.import_cache.get(&p).cloned() {
            return self.force(&t);
        }
        let text = self.read_source_text(&p, span)?;
        let base = parent_dir(&p);
        let root = self.load_imported(&p, &text, &base, &[], span)?;
        let env = Env::new(None, Slots::new());
        let t = Thunk::pending(root, env);
        self.import_cache.insert(p, t.clone());
        self.force(&t)
    }
}

impl Eval {
    /// How a file is named in diagnostics: relative to the display root.
    pub fn display_name(&self, p: &str) -> String {
        if let Some(root) = &self.settings.display_root {
            let root = root.trim_end_matches('/');
            if let Some(rest) = p.strip_prefix(root).and_then(|r| r.strip_prefix('/')) {
                return rest.to_string();
            }
        }
        p.to_string()
    }
}

impl Eval {
    /// An attribute of a set, synthesised for opaque stand-ins.
    /// With `synthesize` false (`?`, `or`), an opaque set has only its real
    /// attributes, except that an unavailable input is still an error.
    pub fn lookup_attr(
        &mut self,
        a: &Attrs,
        key: &str,
        span: Span,
        synthesize: bool,
    ) -> EvalResult<Option<Thunk>> {
        if let Some(t) = a.get(key) {
            return Ok(Some(t.clone()));
        }
        let Some(o) = &a.opaque else { return Ok(None) };
        if !synthesize && o.kind != OpaqueKind::Input {
            return Ok(None);
        }
        match o.kind {
            OpaqueKind::Packages => {
                let path = format!("{}.{key}", o.path);
                Ok(Some(Thunk::ready(self.opaque_package(&path, key))))
            }
            OpaqueKind::Modules => Ok(Some(Thunk::ready(Value::attrs(Attrs::new())))),
            OpaqueKind::Input => Err(EvalError::new(
                ErrorKind::Unsupported,
                format!(
                    "the flake input '{}' is not available offline (not a well-known input, not a path, not in /nix/store), so '{key}' of it cannot be used; make its source available (a path: input, or the locked source in /nix/store)",
                    o.path
                ),
                Some(span),
            )),
        }
    }

    /// A stand-in package: a derivation-like set with a deterministic
    /// placeholder store path; any attribute of it is another package, and
    /// calling it (`writeShellScript "x" "..."`) gives a package too.
    pub fn opaque_package(&mut self, path: &str, name: &str) -> Value {
        let h = store::sha256(format!("nixplan-opaque-package:{path}").as_bytes());
        let hash = nix_base32::to_nix_base32(&h[..20]);
        let out = format!("{}/{hash}-{name}", self.settings.store_dir);
        let drv = format!("{}/{hash}-{name}.drv", self.settings.store_dir);
        let mut a = Attrs::new();
        let mut ctx = BTreeSet::new();
        ctx.insert(format!("!out!{drv}"));
        a.insert_value("outPath", Value::String(NixString::with_ctx(out, ctx)));
        let mut dctx = BTreeSet::new();
        dctx.insert(format!("={drv}"));
        a.insert_value("drvPath", Value::String(NixString::with_ctx(drv, dctx)));
        a.insert_value("type", Value::str("derivation"));
        a.insert_value("name", Value::str(name));
        a.insert_value("pname", Value::str(name));
        a.insert_value("version", Value::str(""));
        a.insert_value("outputName", Value::str("out"));
        a.insert_value(
            "outputs",
            Value::list(vec![Thunk::ready(Value::str("out"))]),
        );
        let mut meta = Attrs::new();
        meta.insert_value("mainProgram", Value::str(name));
        a.insert_value("meta", Value::attrs(meta));
        if let Some(call) = self.global("__nixplanPackageCall") {
            a.insert("__functor", call);
        }
        a.opaque = Some(Rc::new(Opaque {
            kind: OpaqueKind::Packages,
            path: path.to_string(),
        }));
        Value::attrs(a)
    }
}

fn parent_dir(p: &str) -> String {
    match p.rfind('/') {
        Some(0) => "/".to_string(),
        Some(i) => p[..i].to_string(),
        None => ".".to_string(),
    }
}

pub(crate) fn lookup_env(env: &Rc<Env>, depth: u32) -> &Rc<Env> {
    let mut e = env;
    for _ in 0..depth {
        e = e.parent.as_ref().expect("lowering computed a valid depth");
    }
    e
}

pub(crate) fn as_f64(v: &Value) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        _ => f64::NAN,
    }
}

/// The name closest to `key` (by edit distance), if reasonably close.
pub fn closest<'a>(key: &str, names: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    for n in names {
        let d = strsim::levenshtein(key, n);
        if d <= (key.len().max(2) / 2).max(2) && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, n));
        }
    }
    best.map(|(_, n)| n)
}

impl Eval {
    /// Select a dotted attribute path (`-A a.b.c`; a number indexes a list).
    pub fn select_path(&mut self, v: &Value, path: &str, span: Span) -> EvalResult<Value> {
        let mut cur = v.clone();
        for part in path.split('.').filter(|p| !p.is_empty()) {
            // `-A` applies functions to an empty set of arguments, as Nix does.
            if let Value::Lambda(_) = cur {
                cur = self.call(&cur, Thunk::ready(Value::attrs(Attrs::new())), span)?;
            }
            cur = match &cur {
                Value::Attrs(a) => match a.get(part).cloned() {
                    Some(t) => self.force(&t)?,
                    None => return Err(self.missing_attr(part, a, span)),
                },
                Value::List(l) => {
                    match part.parse::<usize>().ok().and_then(|i| l.get(i).cloned()) {
                        Some(t) => self.force(&t)?,
                        None => {
                            return Err(type_err(
                                format!("list index '{part}' is out of bounds"),
                                span,
                            ))
                        }
                    }
                }
                other => {
                    return Err(type_err(
                        format!("cannot select '{part}' from {}", other.type_phrase()),
                        span,
                    ))
                }
            };
        }
        Ok(cur)
    }
}
