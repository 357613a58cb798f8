//! One file's lowered expressions as bytes, for the evaluator's parse
//! cache. Parsing and lowering are most of the work of a plan whose
//! sources were all read before (nixplan's own modules, nixpkgs' lib,
//! disko…), so a file seen before with the same text and the same
//! lowering context is read back from these bytes instead.
//!
//! The bytes are `MAGIC`, the payload's CRC-32 (it finds damage; the entry
//! is this user's own and named by a BLAKE3 hash of what it was made
//! from, so no cryptographic sum is needed), then the payload
//! (postcard): the key the entry was stored under, the expressions with the ids of the arena that froze them
//! and where the file's first one was, their spans' offsets, the root, and
//! every name the lowering asked the global scope about with the answer
//! it got. [`Arena::thaw`] refuses
//! (returns `None` for) bytes that are damaged, of another format, whose
//! ids leave the file, or whose global names answer differently now; the
//! caller then parses the text again. An expression may refer only to
//! expressions made before it, and a global variable only to a name the
//! lowering saw as global: a forged entry can make no cycle and reach no
//! global that does not exist.

use std::rc::Rc;

use serde::{Deserialize, Serialize};

use super::{Arena, AttrName, AttrsDef, Expr, ExprId, LambdaDef, Param, StrPart, Var};
use crate::{FileId, Span};

const MAGIC: &[u8; 8] = b"nixplnL2";

/// How many bytes come before the payload: `MAGIC` and the CRC-32.
pub const HEADER_LEN: usize = MAGIC.len() + 4;

/// How every format's `MAGIC` begins (this one's and those before and
/// after it): what tells an entry file from any other file.
pub const MAGIC_FAMILY: &[u8] = b"nixpln";

/// The lowering code's fingerprint (from the build script: this crate's
/// sources and the lock file), so that no build reads another's entries.
pub const LOWERING_FINGERPRINT: &str = env!("NIXPLAN_SYNTAX_FINGERPRINT");

/// An entry as read: `exprs[i]` was expression `from + i` of the arena
/// that froze it, and its ids are that arena's.
#[derive(Deserialize)]
struct Frozen {
    /// The [`cache_key`] it was stored under: an entry renamed to another
    /// file's name is refused.
    key: String,
    from: u32,
    exprs: Vec<Expr>,
    spans: Vec<(u32, u32)>,
    root: u32,
    #[serde(deserialize_with = "rc_str_pairs")]
    globals: Vec<(Rc<str>, bool)>,
}

/// A string of an entry, read from its bytes into its `Rc` directly
/// (serde's own `Rc<str>` goes through a `String`: two allocations and
/// two copies).
struct RcStr(Rc<str>);

impl<'de> Deserialize<'de> for RcStr {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<RcStr, D::Error> {
        struct Visit;
        impl serde::de::Visitor<'_> for Visit {
            type Value = RcStr;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<RcStr, E> {
                Ok(RcStr(s.into()))
            }
        }
        d.deserialize_str(Visit)
    }
}

/// Reads an `Rc<T>` of the arena into its allocation directly (serde's
/// own goes through a `Box<T>`: two allocations and a copy).
pub(crate) fn rc_new<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Rc<T>, D::Error> {
    T::deserialize(d).map(Rc::new)
}

/// Reads an `Rc<str>` of the arena through [`RcStr`].
pub(crate) fn rc_str<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Rc<str>, D::Error> {
    RcStr::deserialize(d).map(|s| s.0)
}

pub(crate) fn rc_str_opt<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Rc<str>>, D::Error> {
    Ok(Option::<RcStr>::deserialize(d)?.map(|s| s.0))
}

/// Reads `(Rc<str>, T)` pairs, each string through [`RcStr`].
pub(crate) fn rc_str_pairs<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Vec<(Rc<str>, T)>, D::Error> {
    Ok(Vec::<(RcStr, T)>::deserialize(d)?
        .into_iter()
        .map(|(s, t)| (s.0, t))
        .collect())
}

/// An entry as written (the same encoding as [`Frozen`]).
#[derive(Serialize)]
struct FrozenRef<'a> {
    key: &'a str,
    from: u32,
    exprs: &'a [Expr],
    spans: Vec<(u32, u32)>,
    root: u32,
    globals: Vec<(Rc<str>, bool)>,
}

/// The name of a cache entry: everything a file's lowering depends on
/// besides the global names (checked on thawing) — nixplan's lowering
/// code, the text, the directory relative paths resolve against, `$HOME`
/// for `~/` paths, and the names bound around the file.
pub fn cache_key(text: &str, base_dir: &str, home: Option<&str>, outer: &[Rc<str>]) -> String {
    let mut h = blake3::Hasher::new();
    let mut field = |b: &[u8]| {
        h.update(&(b.len() as u64).to_le_bytes());
        h.update(b);
    };
    field(MAGIC);
    field(LOWERING_FINGERPRINT.as_bytes());
    field(text.as_bytes());
    field(base_dir.as_bytes());
    field(home.unwrap_or("\0").as_bytes());
    for name in outer {
        field(name.as_bytes());
    }
    h.finalize().to_hex().to_string()
}

/// Where a thawed file's ids and spans go: ids shifted by `shift` (the
/// frozen ids are the arena's when frozen, from `from` on), spans into
/// `file`. Every id must stay inside the file, every span inside its text.
struct Move<'a> {
    from: u32,
    /// Ids must be below this one (relative to `from`): lowering makes
    /// every expression after those it refers to, so an entry whose ids
    /// point forward (a cycle) is refused.
    below: std::cell::Cell<u32>,
    base: u32,
    file: FileId,
    len: u32,
    /// The global names the lowering saw as global: a `Var::Global` must
    /// be one of them.
    globals: &'a std::collections::HashSet<&'a str>,
}

impl Move<'_> {
    fn id(&self, x: &mut ExprId) -> Option<()> {
        let i =
            x.0.checked_sub(self.from)
                .filter(|i| *i < self.below.get())?;
        x.0 = i + self.base;
        Some(())
    }
    fn opt(&self, x: &mut Option<ExprId>) -> Option<()> {
        match x {
            Some(x) => self.id(x),
            None => Some(()),
        }
    }
    fn span(&self, s: &mut Span) -> Option<()> {
        (s.start <= s.end && s.end <= self.len).then_some(())?;
        s.file = self.file;
        Some(())
    }
    fn parts(&self, ps: &mut Rc<[StrPart]>) -> Option<()> {
        for p in Rc::get_mut(ps)? {
            if let StrPart::Expr(x) = p {
                self.id(x)?;
            }
        }
        Some(())
    }
    fn path(&self, ps: &mut Rc<[AttrName]>) -> Option<()> {
        for p in Rc::get_mut(ps)? {
            if let AttrName::Dynamic(x) = p {
                self.id(x)?;
            }
        }
        Some(())
    }
    fn attrs(&self, d: &mut Rc<AttrsDef>) -> Option<()> {
        let d = Rc::get_mut(d)?;
        for (_, b) in &mut d.statics {
            self.id(&mut b.value)?;
            self.span(&mut b.span)?;
        }
        for b in &mut d.dynamics {
            self.id(&mut b.name)?;
            self.id(&mut b.value)?;
            self.span(&mut b.span)?;
        }
        Some(())
    }
    fn lambda(&self, l: &mut Rc<LambdaDef>) -> Option<()> {
        let l = Rc::get_mut(l)?;
        if let Param::Formals { formals, .. } = &mut l.param {
            for f in formals {
                self.opt(&mut f.default)?;
                self.span(&mut f.span)?;
            }
        }
        self.id(&mut l.body)
    }

    /// Move `e`'s ids and spans in place (its `Rc`s are its own, fresh
    /// from the bytes); `None` when one leaves the file.
    fn expr(&self, e: &mut Expr) -> Option<()> {
        match e {
            Expr::Null
            | Expr::Bool(_)
            | Expr::Int(_)
            | Expr::Float(_)
            | Expr::Str(_)
            | Expr::Uri(_)
            | Expr::Path(_)
            | Expr::SearchPath(_)
            | Expr::Var(Var::Local { .. } | Var::With { .. })
            | Expr::CurPos => Some(()),
            Expr::Var(Var::Global(g) | Var::Builtin(g)) => {
                self.globals.contains(&**g).then_some(())
            }
            Expr::Interp(ps) | Expr::PathInterp(ps) => self.parts(ps),
            Expr::Select {
                expr,
                path,
                default,
            } => {
                self.id(expr)?;
                self.path(path)?;
                self.opt(default)
            }
            Expr::HasAttr { expr, path } => {
                self.id(expr)?;
                self.path(path)
            }
            Expr::Attrs(d) => self.attrs(d),
            Expr::List(xs) => {
                for x in Rc::get_mut(xs)? {
                    self.id(x)?;
                }
                Some(())
            }
            Expr::Lambda(l) => self.lambda(l),
            Expr::Let { bindings, body } => {
                self.attrs(bindings)?;
                self.id(body)
            }
            Expr::Apply { func: a, arg: b }
            | Expr::With { scope: a, body: b }
            | Expr::Assert { cond: a, body: b }
            | Expr::Bin { lhs: a, rhs: b, .. } => {
                self.id(a)?;
                self.id(b)
            }
            Expr::If { cond, then, els } => {
                self.id(cond)?;
                self.id(then)?;
                self.id(els)
            }
            Expr::Not(x) | Expr::Neg(x) => self.id(x),
        }
    }
}

impl Arena {
    /// The bytes of one file's lowering: the expressions from `first` to
    /// the end of the arena, whose root is `root`, and the global names
    /// the lowering asked about (with their answers).
    pub fn freeze(
        &self,
        key: &str,
        first: ExprId,
        root: ExprId,
        globals: Vec<(Rc<str>, bool)>,
    ) -> Option<Vec<u8>> {
        let lo = first.0 as usize;
        let frozen = FrozenRef {
            key,
            from: first.0,
            exprs: self.exprs.get(lo..)?,
            spans: self.spans[lo..].iter().map(|s| (s.start, s.end)).collect(),
            root: root.0,
            globals,
        };
        let payload = postcard::to_stdvec(&frozen).ok()?;
        let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
        out.extend_from_slice(&payload);
        Some(out)
    }

    /// Append the lowering frozen in `bytes` as file `file`'s (whose text
    /// is `text_len` bytes long), and return its root; `None` (and the
    /// arena unchanged) when the bytes are not a whole, well-formed entry
    /// or a global name answers differently from when it was made.
    pub fn thaw(
        &mut self,
        key: &str,
        bytes: &[u8],
        file: FileId,
        text_len: usize,
        is_global: &dyn Fn(&str) -> bool,
    ) -> Option<ExprId> {
        let rest = bytes.strip_prefix(MAGIC.as_slice())?;
        let (sum, payload) = rest.split_first_chunk::<4>()?;
        if crc32fast::hash(payload) != u32::from_le_bytes(*sum) {
            return None;
        }
        let mut frozen: Frozen = postcard::from_bytes(payload).ok()?;
        if frozen.key != key
            || frozen.spans.len() != frozen.exprs.len()
            || frozen.globals.iter().any(|(g, was)| is_global(g) != *was)
        {
            return None;
        }
        let globals: std::collections::HashSet<&str> = frozen
            .globals
            .iter()
            .filter(|(_, was)| *was)
            .map(|(g, _)| &**g)
            .collect();
        let count = u32::try_from(frozen.exprs.len()).ok()?;
        let m = Move {
            from: frozen.from,
            below: std::cell::Cell::new(count),
            base: u32::try_from(self.exprs.len()).ok()?,
            file,
            len: u32::try_from(text_len).ok()?,
            globals: &globals,
        };
        let mut root = ExprId(frozen.root);
        m.id(&mut root)?;
        let mut exprs = std::mem::take(&mut frozen.exprs);
        for (i, e) in exprs.iter_mut().enumerate() {
            m.below.set(i as u32);
            m.expr(e)?;
        }
        frozen.exprs = exprs;
        let mut spans = Vec::with_capacity(frozen.spans.len());
        for &(start, end) in &frozen.spans {
            let mut span = Span { file, start, end };
            m.span(&mut span)?;
            spans.push(span);
        }
        self.exprs.extend(frozen.exprs);
        self.spans.extend(spans);
        Some(root)
    }
}
