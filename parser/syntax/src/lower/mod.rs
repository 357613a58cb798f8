//! Lowering: the rnix syntax tree becomes an arena of [`Expr`] with a source
//! map back to text. Variables are resolved here, once: a name bound by a
//! `let`, a `rec` set or a function becomes a (depth, slot) pair; builtins are
//! global; anything else is looked up dynamically in the enclosing `with`s,
//! and a name with no `with` around it is an "undefined variable" error, as
//! in Nix, before any evaluation.

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use serde::{Deserialize, Serialize};

use rnix::ast::{self, AstToken, HasEntry, InterpolPart};
use rowan::ast::AstNode;

use crate::{FileId, Span, Str};

mod attrs;
mod frozen;

pub use frozen::{cache_key, HEADER_LEN, LOWERING_FINGERPRINT, MAGIC_FAMILY};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ExprId(pub u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BinOp {
    Concat,
    Update,
    Add,
    Sub,
    Mul,
    Div,
    And,
    Or,
    Impl,
    Eq,
    Neq,
    Lt,
    Le,
    Gt,
    Ge,
    PipeRight,
    PipeLeft,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Var {
    /// Bound lexically: walk up `depth` environments, take `slot`.
    Local { depth: u32, slot: u32 },
    /// A builtin of the global scope.
    Global(#[serde(deserialize_with = "frozen::rc_str")] Str),
    /// `builtins.NAME` read as the global NAME (`__NAME`, the same value):
    /// like a selection, each evaluation is a value of its own (two of them
    /// are not the same function, as two selections are not).
    Builtin(#[serde(deserialize_with = "frozen::rc_str")] Str),
    /// Not bound lexically: search the `with` scopes at these depths,
    /// innermost first. Behind one pointer: a variable is 16 bytes, so an
    /// expression is 32, not 40 (a `with` variable is rare, and its
    /// search reads sets anyway). The parse cache's bytes are the same
    /// as a struct variant's.
    With(#[serde(deserialize_with = "frozen::rc_new")] Rc<WithVar>),
}

/// A name looked up in the `with` scopes around it.
#[derive(Debug, Serialize, Deserialize)]
pub struct WithVar {
    #[serde(deserialize_with = "frozen::rc_str")]
    pub name: Str,
    /// The scopes' depths, innermost first.
    pub depths: Box<[u32]>,
}

/// The one `Str` of a short text (a name, most often) for this
/// thread: a name written in the files lowered or thawed here is one
/// allocation, however many times it is written, so two writings of it
/// are the same pointer (`name_eq` in the evaluator tries that first).
/// Two different pointers may still be the same text (a long one, another
/// thread's, or one the evaluator made): only the same pointer says
/// anything. Longer texts (strings, scripts) are not kept: each is its
/// own allocation, as written.
pub fn intern(s: &str) -> Str {
    /// Texts up to this long are interned.
    const SHORT: usize = 48;
    thread_local! {
        static NAMES: std::cell::RefCell<rustc_hash::FxHashSet<Str>> =
            std::cell::RefCell::new(rustc_hash::FxHashSet::default());
    }
    if s.len() > SHORT {
        return s.into();
    }
    NAMES.with(|names| {
        let mut names = names.borrow_mut();
        if let Some(n) = names.get(s) {
            return n.clone();
        }
        let n: Str = s.into();
        names.insert(n.clone());
        n
    })
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum AttrName {
    Static(#[serde(deserialize_with = "frozen::rc_str")] Str),
    Dynamic(ExprId),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum StrPart {
    Lit(#[serde(deserialize_with = "frozen::rc_str")] Str),
    Expr(ExprId),
}

/// A binding in a set or `let`: its value expression and where it was written.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Binding {
    pub value: ExprId,
    pub span: Span,
    /// The evaluator's number for this binding's place (0: none yet),
    /// kept beside what a set made from the binding reads anyway. Only
    /// the evaluation whose arena holds the binding sets and reads it.
    #[serde(skip)]
    pub pos: std::cell::Cell<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DynBinding {
    pub name: ExprId,
    pub value: ExprId,
    pub span: Span,
    /// As [`Binding::pos`].
    #[serde(skip)]
    pub pos: std::cell::Cell<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AttrsDef {
    pub rec: bool,
    /// Sorted by name; for `rec` sets, slot i of the new environment is entry i.
    #[serde(deserialize_with = "frozen::rc_str_pairs")]
    pub statics: Vec<(Str, Binding)>,
    pub dynamics: Vec<DynBinding>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Formal {
    #[serde(deserialize_with = "frozen::rc_str")]
    pub name: Str,
    /// The formals are sorted by name and formal i has slot i; the `@`
    /// binding, if any, has the last slot.
    pub slot: u32,
    pub default: Option<ExprId>,
    pub span: Span,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Param {
    Ident(#[serde(deserialize_with = "frozen::rc_str")] Str),
    Formals {
        formals: Vec<Formal>,
        ellipsis: bool,
        #[serde(deserialize_with = "frozen::rc_str_opt")]
        bind: Option<Str>,
    },
}

#[derive(Debug, Serialize, Deserialize)]
pub struct LambdaDef {
    pub param: Param,
    pub body: ExprId,
    /// Number of slots of the function's environment.
    pub slots: u32,
    #[serde(deserialize_with = "frozen::rc_str_opt")]
    pub name: Option<Str>,
}

/// An expression of the arena: 32 bytes (`an_expression_is_32_bytes`),
/// as the evaluator reads one for nearly every step, with its kind in its
/// first byte (`repr(u8)`: without it the kind is kept in a field's spare
/// values, and each `match` computes it first).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[repr(u8)]
pub enum Expr {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(#[serde(deserialize_with = "frozen::rc_str")] Str),
    Uri(#[serde(deserialize_with = "frozen::rc_str")] Str),
    /// A string with interpolations.
    Interp(Rc<[StrPart]>),
    /// An absolute path literal, already resolved.
    Path(#[serde(deserialize_with = "frozen::rc_str")] Str),
    /// A path with interpolations; the first part is a literal.
    PathInterp(Rc<[StrPart]>),
    /// `<name>`: `__findFile __nixPath "name"`.
    SearchPath(#[serde(deserialize_with = "frozen::rc_str")] Str),
    Var(Var),
    Select {
        expr: ExprId,
        path: Rc<[AttrName]>,
        default: Option<ExprId>,
    },
    HasAttr {
        expr: ExprId,
        path: Rc<[AttrName]>,
    },
    Attrs(#[serde(deserialize_with = "frozen::rc_new")] Rc<AttrsDef>),
    List(Rc<[ExprId]>),
    Lambda(#[serde(deserialize_with = "frozen::rc_new")] Rc<LambdaDef>),
    Apply {
        func: ExprId,
        arg: ExprId,
    },
    /// `let`: a new environment with one slot per binding.
    Let {
        #[serde(deserialize_with = "frozen::rc_new")]
        bindings: Rc<AttrsDef>,
        body: ExprId,
    },
    With {
        scope: ExprId,
        body: ExprId,
    },
    If {
        cond: ExprId,
        then: ExprId,
        els: ExprId,
    },
    Assert {
        cond: ExprId,
        body: ExprId,
    },
    Bin {
        op: BinOp,
        lhs: ExprId,
        rhs: ExprId,
    },
    Not(ExprId),
    Neg(ExprId),
    CurPos,
    /// An expression of a file thawed from the parse cache, not decoded
    /// yet: [`Arena::decode`] puts it in its place when it is first
    /// evaluated. Lowering never makes one.
    Frozen,
    /// What a parse-cache entry holds where its bytes do not read as an
    /// expression of its file (it passed its checksum, so only a forged
    /// or mis-written entry has one): evaluating it is an error at its
    /// place. Lowering never makes one.
    Damaged,
}

/// Every lowered expression of every file, and where each came from.
/// A file read from the parse cache is thawed lazily: its expressions'
/// places are there at once, and each expression is [`Expr::Frozen`]
/// until [`Arena::decode`] reads it from the entry's bytes, when it is
/// first evaluated (most of a library's functions are never called, so
/// most of their bodies are never decoded).
#[derive(Debug)]
pub struct Arena {
    exprs: Vec<Expr>,
    spans: Vec<Span>,
    /// The thawed files whose expressions may still be frozen, in the
    /// order of their ids.
    lazy: Vec<frozen::Lazy>,
}

impl Default for Arena {
    fn default() -> Arena {
        Arena {
            // Room before the vectors first move (each move copies them
            // into fresh pages, which the kernel faults in one by one):
            // a plan thaws ~26,000 expressions with nixplan's own library,
            // ~42,000 with nixpkgs' lib and disko. What is reserved and
            // never written costs no memory (mimalloc commits on demand):
            // peak RSS measured the same, and page faults of an empty plan
            // 1,624 -> 1,489. The expressions' room is 5 MiB (163,840 of
            // 32 bytes): with 4 MiB (1 << 17) the module tree's heap stays
            // longer in mimalloc's first arena, of small pages (11,500 page
            // faults, not 4,100; measured, not understood: a block of
            // exactly 4 MiB changes where mimalloc puts the pages after it).
            exprs: Vec::with_capacity(163_840),
            spans: Vec::with_capacity(1 << 17),
            lazy: Vec::new(),
        }
    }
}

impl Arena {
    /// Expression `id`, which is [`Expr::Frozen`] if it was thawed and
    /// not decoded yet (see [`Arena::decoded`]).
    #[inline]
    pub fn get(&self, id: ExprId) -> &Expr {
        &self.exprs[id.0 as usize]
    }
    /// Decode expression `id` if it is frozen: afterwards it is the
    /// expression its file's entry holds, or [`Expr::Damaged`] where the
    /// bytes do not read as one.
    #[inline]
    pub fn decode(&mut self, id: ExprId) {
        if let Expr::Frozen = self.exprs[id.0 as usize] {
            self.decode_frozen(id);
        }
    }
    /// Decodes `id` and, down the chain, the function of an application
    /// and the base of a selection that are still frozen: the evaluator
    /// looks at those before it evaluates them, so a first evaluation of
    /// a thawed file takes the same paths as the next.
    #[cold]
    #[inline(never)]
    fn decode_frozen(&mut self, id: ExprId) {
        let mut next = Some(id);
        while let Some(id) = next {
            let e = self.thawed(id).unwrap_or(Expr::Damaged);
            next = match e {
                Expr::Apply { func: x, .. } | Expr::Select { expr: x, .. } => Some(x),
                _ => None,
            }
            .filter(|x| matches!(self.exprs[x.0 as usize], Expr::Frozen));
            self.exprs[id.0 as usize] = e;
        }
    }
    /// Expression `id`, decoded first if it is frozen.
    pub fn decoded(&mut self, id: ExprId) -> &Expr {
        self.decode(id);
        self.get(id)
    }
    /// What a frozen expression `id` decodes to (`None`: damaged); a
    /// decoded one is not asked for.
    fn thawed(&self, id: ExprId) -> Option<Expr> {
        self.lazy_of(id)?.decode(id.0)
    }
    /// The thawed file expression `id` is of.
    fn lazy_of(&self, id: ExprId) -> Option<&frozen::Lazy> {
        let at = self.lazy.partition_point(|l| l.base <= id.0);
        self.lazy.get(at.checked_sub(1)?).filter(|l| l.holds(id.0))
    }
    /// The key of the parse-cache entry expression `id` was thawed from
    /// (`None`: it was lowered here).
    pub fn entry_of(&self, id: ExprId) -> Option<&str> {
        self.lazy_of(id).map(frozen::Lazy::key)
    }
    pub fn span(&self, id: ExprId) -> Span {
        self.spans[id.0 as usize]
    }
    pub fn len(&self) -> usize {
        self.exprs.len()
    }
    pub fn is_empty(&self) -> bool {
        self.exprs.is_empty()
    }
    fn push(&mut self, e: Expr, span: Span) -> ExprId {
        self.exprs.push(e);
        self.spans.push(span);
        ExprId(self.exprs.len() as u32 - 1)
    }
}

/// A lowering error (undefined variable, duplicate attribute, ...).
#[derive(Debug, Clone)]
pub struct LowerError {
    pub message: String,
    pub span: Span,
}

enum Scope {
    Names(HashMap<Str, u32>),
    With,
}

/// Where a file's relative paths and `~` resolve.
pub struct LowerContext<'a> {
    pub file: FileId,
    /// Directory of the file (absolute), for relative path literals.
    pub base_dir: &'a str,
    /// `$HOME`, for `~/` paths.
    pub home: Option<&'a str>,
    /// Names of the global scope.
    pub is_global: &'a dyn Fn(&str) -> bool,
    /// Names bound around the whole file (`scopedImport`), slot i = name i.
    pub outer: &'a [Str],
    /// What parsing added to the text (offsets map back through it).
    pub added: &'a crate::respace::Added,
}

pub fn lower(arena: &mut Arena, cx: &LowerContext, root: &ast::Root) -> Result<ExprId, LowerError> {
    let mut scopes = Vec::new();
    if !cx.outer.is_empty() {
        let names = cx
            .outer
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), i as u32));
        scopes.push(Scope::Names(names.collect()));
    }
    let mut l = Lowerer { arena, cx, scopes };
    match root.expr() {
        Some(e) => l.expr(e),
        None => Err(LowerError {
            message: "empty file".into(),
            span: l.span_of(root.syntax()),
        }),
    }
}

struct Lowerer<'a, 'b> {
    arena: &'a mut Arena,
    cx: &'a LowerContext<'b>,
    scopes: Vec<Scope>,
}

/// A set or `let` body under construction: nested attribute paths are
/// merged here before being turned into expressions.
#[derive(Default)]
struct PendingSet {
    statics: BTreeMap<Str, PendingValue>,
    dynamics: Vec<(ast::Expr, PendingValue, Span)>,
    /// The `e` of each `inherit (e) ...`.
    froms: Vec<ast::Expr>,
    /// A nested set that was first written as a `rec { ... }` literal:
    /// attributes merged into it later (`a = rec { ... }; a.c = d;`) see
    /// its scope, as in Nix.
    rec: bool,
}

enum PendingValue {
    Expr(ast::Expr, Span),
    Inherit {
        name: Str,
        from: Option<usize>,
        span: Span,
    },
    Nested(Box<PendingSet>, Span),
}

fn normalize_path(p: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for comp in p.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    format!("/{}", out.join("/"))
}

pub fn canonicalize_path(p: &str) -> String {
    normalize_path(p)
}

impl<'a, 'b> Lowerer<'a, 'b> {
    fn span_of(&self, node: &rnix::SyntaxNode) -> Span {
        self.cx.added.span(self.cx.file, node.text_range())
    }

    fn err<T>(&self, node: &rnix::SyntaxNode, message: impl Into<String>) -> Result<T, LowerError> {
        Err(LowerError {
            message: message.into(),
            span: self.span_of(node),
        })
    }

    fn push(&mut self, e: Expr, node: &rnix::SyntaxNode) -> ExprId {
        let span = self.span_of(node);
        self.arena.push(e, span)
    }

    /// The global name of `builtins.NAME` in `s`, if it is one, and
    /// whether the selection is that name alone: the base is the
    /// identifier `builtins`, not bound around it, and the path starts with
    /// the plain name NAME (a selection of that name alone has no `or`).
    /// Every builtin is also the global `__NAME`, the same value: the
    /// evaluator installs them so.
    fn builtin_global(&self, s: &ast::Select) -> Option<(Str, bool)> {
        let Some(ast::Expr::Ident(base)) = s.expr() else {
            return None;
        };
        if &*self.ident_name(&base) != "builtins"
            || !matches!(self.resolve("builtins"), Some(Var::Global(_)))
        {
            return None;
        }
        let mut attrs = s.attrpath()?.attrs();
        let Some(ast::Attr::Ident(first)) = attrs.next() else {
            return None;
        };
        let alone = attrs.next().is_none();
        if alone && s.default_expr().is_some() {
            return None;
        }
        let name = self.ident_name(&first);
        // `__NAME` globals are of `NAME`s: `builtins.__map` is missing.
        if name.starts_with("__") {
            return None;
        }
        let global: Str = format!("__{name}").into();
        (self.cx.is_global)(&global).then_some((global, alone))
    }

    fn resolve(&self, name: &str) -> Option<Var> {
        for (depth, scope) in self.scopes.iter().rev().enumerate() {
            if let Scope::Names(names) = scope {
                if let Some(slot) = names.get(name) {
                    return Some(Var::Local {
                        depth: depth as u32,
                        slot: *slot,
                    });
                }
            }
        }
        if (self.cx.is_global)(name) {
            return Some(Var::Global(name.into()));
        }
        let depths: Vec<u32> = self
            .scopes
            .iter()
            .rev()
            .enumerate()
            .filter(|(_, s)| matches!(s, Scope::With))
            .map(|(d, _)| d as u32)
            .collect();
        if depths.is_empty() {
            None
        } else {
            Some(Var::With(Rc::new(WithVar {
                name: name.into(),
                depths: depths.into(),
            })))
        }
    }

    fn ident_name(&self, id: &ast::Ident) -> Str {
        intern(&id.syntax().text().to_string())
    }

    fn expr(&mut self, e: ast::Expr) -> Result<ExprId, LowerError> {
        stacker::maybe_grow(64 * 1024, 4 * 1024 * 1024, || self.expr_inner(e))
    }

    fn opt_expr(
        &mut self,
        e: Option<ast::Expr>,
        parent: &rnix::SyntaxNode,
    ) -> Result<ExprId, LowerError> {
        match e {
            Some(e) => self.expr(e),
            None => self.err(parent, "missing expression"),
        }
    }

    fn expr_inner(&mut self, e: ast::Expr) -> Result<ExprId, LowerError> {
        let node = e.syntax().clone();
        let lowered = match e {
            ast::Expr::Paren(p) => return self.opt_expr(p.expr(), &node),
            ast::Expr::Root(r) => return self.opt_expr(r.expr(), &node),
            ast::Expr::Error(_) => return self.err(&node, "syntax error"),
            ast::Expr::Literal(lit) => match lit.kind() {
                ast::LiteralKind::Integer(i) => match i.value() {
                    Ok(v) => Expr::Int(v),
                    Err(_) => {
                        return self.err(&node, format!("invalid integer '{}'", i.syntax().text()))
                    }
                },
                ast::LiteralKind::Float(f) => match f.value() {
                    Ok(v) => Expr::Float(v),
                    Err(_) => {
                        return self.err(&node, format!("invalid float '{}'", f.syntax().text()))
                    }
                },
                ast::LiteralKind::Uri(u) => Expr::Uri(u.syntax().text().into()),
            },
            ast::Expr::Str(s) => {
                let parts = self.str_parts(&s)?;
                match parts.as_slice() {
                    [] => Expr::Str("".into()),
                    [StrPart::Lit(l)] => Expr::Str(l.clone()),
                    _ => Expr::Interp(parts.into()),
                }
            }
            ast::Expr::PathAbs(_) | ast::Expr::PathRel(_) | ast::Expr::PathHome(_) => {
                let path = ast::Path::cast(node.clone()).expect("path node");
                return self.path(path, &node);
            }
            ast::Expr::PathSearch(p) => {
                let text = p
                    .content()
                    .map(|c| c.text().to_string())
                    .unwrap_or_default();
                let inner = text.trim_start_matches('<').trim_end_matches('>');
                // `<name>` is `__findFile __nixPath "name"`, both names
                // looked up where the path is, as in Nix (a `let` may
                // rebind them).
                match (self.resolve("__findFile"), self.resolve("__nixPath")) {
                    (Some(find), Some(path)) => {
                        let find = self.push(Expr::Var(find), &node);
                        let path = self.push(Expr::Var(path), &node);
                        let partial = self.push(
                            Expr::Apply {
                                func: find,
                                arg: path,
                            },
                            &node,
                        );
                        let name = self.push(Expr::Str(inner.into()), &node);
                        Expr::Apply {
                            func: partial,
                            arg: name,
                        }
                    }
                    _ => Expr::SearchPath(inner.into()),
                }
            }
            ast::Expr::Ident(id) => {
                let name = self.ident_name(&id);
                match &*name {
                    "true"
                        if self
                            .resolve("true")
                            .is_some_and(|v| matches!(v, Var::Global(_))) =>
                    {
                        Expr::Bool(true)
                    }
                    "false"
                        if self
                            .resolve("false")
                            .is_some_and(|v| matches!(v, Var::Global(_))) =>
                    {
                        Expr::Bool(false)
                    }
                    "null"
                        if self
                            .resolve("null")
                            .is_some_and(|v| matches!(v, Var::Global(_))) =>
                    {
                        Expr::Null
                    }
                    _ => match self.resolve(&name) {
                        Some(v) => Expr::Var(v),
                        None => return self.err(&node, format!("undefined variable '{name}'")),
                    },
                }
            }
            ast::Expr::Select(s) => {
                // `builtins.NAME` is read as the global that every builtin
                // also is (`__NAME`: the same value, as in nix's base
                // environment), when there is one: a lookup by name instead
                // of a search in a set of some 150 names. Decided from the
                // tree, before anything is lowered (no expression is made
                // that nothing refers to).
                let global = self.builtin_global(&s);
                let rewritten = global.is_some();
                let inner = match global {
                    // The whole selection is the global (it has no `or`).
                    Some((g, true)) => return Ok(self.push(Expr::Var(Var::Builtin(g)), &node)),
                    Some((g, false)) => {
                        let base = s.expr().map(|e| e.syntax().clone()).unwrap_or(node.clone());
                        self.push(Expr::Var(Var::Builtin(g)), &base)
                    }
                    None => self.opt_expr(s.expr(), &node)?,
                };
                let mut path = match s.attrpath() {
                    Some(p) => self.attrpath(&p)?,
                    None => return self.err(&node, "missing attribute path"),
                };
                if rewritten {
                    path.remove(0);
                }
                let default = match s.default_expr() {
                    Some(d) => Some(self.expr(d)?),
                    None => None,
                };
                Expr::Select {
                    expr: inner,
                    path: path.into(),
                    default,
                }
            }
            ast::Expr::HasAttr(h) => {
                let inner = self.opt_expr(h.expr(), &node)?;
                let path = match h.attrpath() {
                    Some(p) => self.attrpath(&p)?,
                    None => return self.err(&node, "missing attribute path"),
                };
                Expr::HasAttr {
                    expr: inner,
                    path: path.into(),
                }
            }
            ast::Expr::List(l) => {
                let mut items = Vec::new();
                for item in l.items() {
                    items.push(self.expr(item)?);
                }
                Expr::List(items.into())
            }
            ast::Expr::Apply(a) => {
                let func = self.opt_expr(a.lambda(), &node)?;
                let arg = self.opt_expr(a.argument(), &node)?;
                Expr::Apply { func, arg }
            }
            ast::Expr::IfElse(i) => {
                let cond = self.opt_expr(i.condition(), &node)?;
                let then = self.opt_expr(i.body(), &node)?;
                let els = self.opt_expr(i.else_body(), &node)?;
                Expr::If { cond, then, els }
            }
            ast::Expr::Assert(a) => {
                let cond = self.opt_expr(a.condition(), &node)?;
                let body = self.opt_expr(a.body(), &node)?;
                Expr::Assert { cond, body }
            }
            ast::Expr::With(w) => {
                let scope = self.opt_expr(w.namespace(), &node)?;
                self.scopes.push(Scope::With);
                let body = self.opt_expr(w.body(), &node);
                self.scopes.pop();
                Expr::With { scope, body: body? }
            }
            ast::Expr::UnaryOp(u) => {
                let inner = self.opt_expr(u.expr(), &node)?;
                match u.operator() {
                    Some(ast::UnaryOpKind::Invert) => Expr::Not(inner),
                    Some(ast::UnaryOpKind::Negate) => Expr::Neg(inner),
                    None => return self.err(&node, "unknown unary operator"),
                }
            }
            ast::Expr::BinOp(b) => {
                let lhs = self.opt_expr(b.lhs(), &node)?;
                let rhs = self.opt_expr(b.rhs(), &node)?;
                use ast::BinOpKind as K;
                let op = match b.operator() {
                    Some(K::Concat) => BinOp::Concat,
                    Some(K::Update) => BinOp::Update,
                    Some(K::Add) => BinOp::Add,
                    Some(K::Sub) => BinOp::Sub,
                    Some(K::Mul) => BinOp::Mul,
                    Some(K::Div) => BinOp::Div,
                    Some(K::And) => BinOp::And,
                    Some(K::Or) => BinOp::Or,
                    Some(K::Implication) => BinOp::Impl,
                    Some(K::Equal) => BinOp::Eq,
                    Some(K::NotEqual) => BinOp::Neq,
                    Some(K::Less) => BinOp::Lt,
                    Some(K::LessOrEq) => BinOp::Le,
                    Some(K::More) => BinOp::Gt,
                    Some(K::MoreOrEq) => BinOp::Ge,
                    Some(K::PipeRight) => BinOp::PipeRight,
                    Some(K::PipeLeft) => BinOp::PipeLeft,
                    None => return self.err(&node, "unknown operator"),
                };
                Expr::Bin { op, lhs, rhs }
            }
            ast::Expr::CurPos(_) => Expr::CurPos,
            ast::Expr::AttrSet(set) => {
                let rec = set.rec_token().is_some();
                let pending = self.collect_entries(&set)?;
                let def = self.finish_set(pending, rec)?;
                Expr::Attrs(Rc::new(def))
            }
            ast::Expr::LetIn(l) => {
                let pending = self.collect_entries(&l)?;
                if !pending.dynamics.is_empty() {
                    return self.err(&node, "dynamic attributes are not allowed in let");
                }
                let names = self.slot_names(&pending);
                self.scopes.push(Scope::Names(names));
                let res = (|| {
                    let def = self.finish_bindings(pending, true)?;
                    let body = self.opt_expr(l.body(), &node)?;
                    Ok(Expr::Let {
                        bindings: Rc::new(def),
                        body,
                    })
                })();
                self.scopes.pop();
                res?
            }
            ast::Expr::LegacyLet(l) => {
                // `let { a = 1; body = a; }` is `rec { ... }.body`.
                let pending = self.collect_entries(&l)?;
                let def = self.finish_set(pending, true)?;
                let set = self.push(Expr::Attrs(Rc::new(def)), &node);
                Expr::Select {
                    expr: set,
                    path: vec![AttrName::Static("body".into())].into(),
                    default: None,
                }
            }
            ast::Expr::Lambda(lam) => return self.lambda(lam, &node),
        };
        Ok(self.push(lowered, &node))
    }

    fn lambda(&mut self, lam: ast::Lambda, node: &rnix::SyntaxNode) -> Result<ExprId, LowerError> {
        let param = match lam.param() {
            Some(p) => p,
            None => return self.err(node, "missing function parameter"),
        };
        let (param, names) = match param {
            ast::Param::IdentParam(ip) => {
                let name = match ip.ident() {
                    Some(i) => self.ident_name(&i),
                    None => return self.err(node, "missing parameter name"),
                };
                let mut names = HashMap::new();
                names.insert(name.clone(), 0);
                (Param::Ident(name), names)
            }
            ast::Param::Pattern(pat) => {
                let mut names: HashMap<Str, u32> = HashMap::new();
                let mut formal_nodes = Vec::new();
                for entry in pat.pat_entries() {
                    let ident = match entry.ident() {
                        Some(i) => i,
                        None => return self.err(entry.syntax(), "missing formal name"),
                    };
                    let name = self.ident_name(&ident);
                    if names.contains_key(&name) {
                        return self.err(
                            entry.syntax(),
                            format!("duplicate formal function argument '{name}'"),
                        );
                    }
                    names.insert(name.clone(), names.len() as u32);
                    formal_nodes.push((name, entry));
                }
                // Formal i (in name order) takes slot i: a call fills the
                // slots in order, walking the formals as they are sorted.
                let mut sorted: Vec<&Str> = names.keys().collect();
                sorted.sort();
                let by_name: HashMap<Str, u32> = sorted
                    .into_iter()
                    .enumerate()
                    .map(|(i, n)| (n.clone(), i as u32))
                    .collect();
                names = by_name;
                let bind = match pat.pat_bind().and_then(|b| b.ident()) {
                    Some(i) => {
                        let name = self.ident_name(&i);
                        if names.contains_key(&name) {
                            return self.err(
                                i.syntax(),
                                format!("duplicate formal function argument '{name}'"),
                            );
                        }
                        names.insert(name.clone(), names.len() as u32);
                        Some(name)
                    }
                    None => None,
                };
                self.scopes.push(Scope::Names(names.clone()));
                let mut formals = Vec::new();
                let mut failed = None;
                for (name, entry) in formal_nodes {
                    let default = match entry.default() {
                        Some(d) => match self.expr(d) {
                            Ok(id) => Some(id),
                            Err(e) => {
                                failed = Some(e);
                                break;
                            }
                        },
                        None => None,
                    };
                    let slot = names[&name];
                    formals.push(Formal {
                        name,
                        slot,
                        default,
                        span: self.span_of(entry.syntax()),
                    });
                }
                self.scopes.pop();
                if let Some(e) = failed {
                    return Err(e);
                }
                formals.sort_by(|a, b| a.name.cmp(&b.name));
                let ellipsis = pat.ellipsis_token().is_some();
                (
                    Param::Formals {
                        formals,
                        ellipsis,
                        bind,
                    },
                    names,
                )
            }
        };
        let slots = names.len() as u32;
        self.scopes.push(Scope::Names(names));
        let body = self.opt_expr(lam.body(), node);
        self.scopes.pop();
        let def = LambdaDef {
            param,
            body: body?,
            slots,
            name: None,
        };
        Ok(self.push(Expr::Lambda(Rc::new(def)), node))
    }

    fn str_parts(&mut self, s: &ast::Str) -> Result<Vec<StrPart>, LowerError> {
        let mut parts: Vec<StrPart> = Vec::new();
        for part in s.normalized_parts() {
            match part {
                InterpolPart::Literal(l) => {
                    if l.is_empty() {
                        continue;
                    }
                    if l.contains('\0') {
                        return self.err(s.syntax(), nul_message(&l));
                    }
                    if let Some(StrPart::Lit(prev)) = parts.last_mut() {
                        *prev = format!("{prev}{l}").into();
                    } else {
                        parts.push(StrPart::Lit(l.into()));
                    }
                }
                InterpolPart::Interpolation(i) => {
                    let e = self.opt_expr(i.expr(), i.syntax())?;
                    parts.push(StrPart::Expr(e));
                }
            }
        }
        // A short literal is mostly a name (`"_type"`, `x."a b"`): one
        // allocation for all of its writings.
        for p in parts.iter_mut() {
            if let StrPart::Lit(l) = p {
                *l = intern(l);
            }
        }
        Ok(parts)
    }

    fn path(&mut self, path: ast::Path, node: &rnix::SyntaxNode) -> Result<ExprId, LowerError> {
        let mut parts: Vec<StrPart> = Vec::new();
        let mut first = true;
        for part in path.parts() {
            match part {
                InterpolPart::Literal(lit) => {
                    let mut text = lit.text().to_string();
                    if first {
                        if lit.is_home() {
                            let home = match self.cx.home {
                                Some(h) => h,
                                None => {
                                    return self
                                        .err(node, "cannot resolve '~/' paths: HOME is not set")
                                }
                            };
                            text = format!("{}{}", home, &text[1..]);
                        } else if lit.is_relative() {
                            text = format!("{}/{}", self.cx.base_dir, text);
                        }
                    }
                    parts.push(StrPart::Lit(text.into()));
                }
                InterpolPart::Interpolation(i) => {
                    let e = self.opt_expr(i.expr(), i.syntax())?;
                    parts.push(StrPart::Expr(e));
                }
            }
            first = false;
        }
        let e = match parts.as_slice() {
            [StrPart::Lit(l)] => Expr::Path(normalize_path(l).into()),
            _ => Expr::PathInterp(parts.into()),
        };
        Ok(self.push(e, node))
    }
}

/// Nix's words for a string that holds a NUL byte (Nix strings cannot).
pub fn nul_message(s: &str) -> String {
    format!(
        "input string '{}' cannot be represented as Nix string because it contains null bytes",
        s.replace('\0', "\u{2400}")
    )
}

#[cfg(test)]
mod intern_tests {
    use super::*;

    /// The evaluator reads an expression for nearly every step: the
    /// arena's are 32 bytes (a `with` variable's name and depths behind a
    /// pointer; inline they made every expression 40).
    #[test]
    fn an_expression_is_32_bytes() {
        assert_eq!(std::mem::size_of::<Var>(), 16);
        assert_eq!(std::mem::size_of::<Expr>(), 32);
    }

    /// A short text is one allocation however often it is interned, and
    /// equal to what was asked; a long one is its own each time.
    #[test]
    fn short_texts_are_one_allocation_long_ones_are_not() {
        let a = intern("mkOption");
        let b = intern(&String::from("mkOption"));
        assert!(Str::ptr_eq(&a, &b));
        assert_eq!(&*a, "mkOption");
        assert!(!Str::ptr_eq(&a, &intern("mkOptions")));
        assert_eq!(&*intern(""), "");
        let long = "x".repeat(200);
        let (c, d) = (intern(&long), intern(&long));
        assert_eq!((&*c, &*d), (long.as_str(), long.as_str()));
        assert!(!Str::ptr_eq(&c, &d));
    }
}
