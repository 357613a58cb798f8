//! One file's lowered expressions as bytes, for the evaluator's parse
//! cache. Parsing and lowering are most of the work of a plan whose
//! sources were all read before (nixplan's own modules, nixpkgs' lib,
//! disko…), so a file seen before with the same text and the same
//! lowering context is read back from these bytes instead.
//!
//! The bytes are `MAGIC`, the payload's CRC-32 (it finds damage; the entry
//! is this user's own and named by a BLAKE3 hash of what it was made
//! from, so no cryptographic sum is needed), then the payload: a head
//! (postcard: the key the entry was stored under, the ids of the arena
//! that froze it and where the file's first one was, the root, and every
//! name the lowering asked the global scope about with the answer it
//! got), the end and the span of each expression, and the expressions,
//! each on its own (postcard), so that each can be decoded
//! when it is first asked for: most of a library's functions are never
//! called. [`Arena::thaw`] refuses (returns `None` for) bytes that are
//! damaged, of another format, whose root or spans leave the file, or
//! whose global names answer differently now; the caller then parses the
//! text again. An expression whose bytes do not read as one of its file
//! is [`Expr::Damaged`] (an error where it is evaluated): an expression
//! may refer only to expressions made before it, and a global variable
//! only to a name the lowering saw as global, so a forged entry can make
//! no cycle and reach no global that does not exist. Its variables'
//! slots are trusted: the entry is the user's own (the evaluator reads
//! no entry, and no cache directory, that others can write).

use crate::Str;
use std::rc::Rc;

use serde::{Deserialize, Serialize};

use super::{Arena, AttrName, AttrsDef, Expr, ExprId, LambdaDef, Param, StrPart, Var};
use crate::{FileId, Span};

const MAGIC: &[u8; 8] = b"nixplnL3";

/// How many bytes come before the payload: `MAGIC` and the CRC-32.
pub const HEADER_LEN: usize = MAGIC.len() + 4;

/// How every format's `MAGIC` begins (this one's and those before and
/// after it): what tells an entry file from any other file.
pub const MAGIC_FAMILY: &[u8] = b"nixpln";

/// The lowering code's fingerprint (from the build script: this crate's
/// sources and the lock file), so that no build reads another's entries.
pub const LOWERING_FINGERPRINT: &str = env!("NIXPLAN_SYNTAX_FINGERPRINT");

/// An entry's head as read (after it come the expressions' ends, their
/// spans and the expressions, see [`Arena::freeze`]): `count` expressions, which
/// were expression `from` on of the arena that froze them, with that
/// arena's ids.
#[derive(Deserialize)]
struct Head {
    /// The [`cache_key`] it was stored under: an entry renamed to another
    /// file's name is refused.
    key: String,
    from: u32,
    count: u32,
    root: u32,
    #[serde(deserialize_with = "rc_str_pairs")]
    globals: Vec<(Str, bool)>,
}

/// A string of an entry, read from its bytes and interned (`intern`): a
/// name thawed is the same `Str` as every other writing of it.
struct Interned(Str);

impl<'de> Deserialize<'de> for Interned {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Interned, D::Error> {
        struct Visit;
        impl serde::de::Visitor<'_> for Visit {
            type Value = Interned;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Interned, E> {
                Ok(Interned(super::intern(s)))
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

/// Reads a `Str` of the arena through [`Interned`].
pub(crate) fn rc_str<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Str, D::Error> {
    Interned::deserialize(d).map(|s| s.0)
}

pub(crate) fn rc_str_opt<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Str>, D::Error> {
    Ok(Option::<Interned>::deserialize(d)?.map(|s| s.0))
}

/// Reads `(Str, T)` pairs, each string through [`Interned`].
pub(crate) fn rc_str_pairs<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Vec<(Str, T)>, D::Error> {
    Ok(Vec::<(Interned, T)>::deserialize(d)?
        .into_iter()
        .map(|(s, t)| (s.0, t))
        .collect())
}

/// An entry's head as written (the same encoding as [`Head`]).
#[derive(Serialize)]
struct HeadRef<'a> {
    key: &'a str,
    from: u32,
    count: u32,
    root: u32,
    globals: Vec<(Str, bool)>,
}

/// A thawed file whose expressions are decoded when first asked for:
/// the entry's bytes, where its expressions are in them, and what
/// [`Move`] needs to place them.
#[derive(Debug)]
pub(crate) struct Lazy {
    /// The arena's id of the file's first expression.
    pub(crate) base: u32,
    count: u32,
    from: u32,
    file: FileId,
    len: u32,
    bytes: Vec<u8>,
    /// Where in `bytes` the expressions' ends (`count` little-endian
    /// `u32`s, relative to `exprs_at`) and the expressions begin (their
    /// spans, between them, are read on thawing).
    ends_at: usize,
    exprs_at: usize,
    /// The names the lowering saw as global, sorted.
    globals: Box<[Str]>,
    /// The key the entry is stored under.
    key: Box<str>,
}

impl Lazy {
    pub(crate) fn holds(&self, id: u32) -> bool {
        id.checked_sub(self.base).is_some_and(|i| i < self.count)
    }
    pub(crate) fn key(&self) -> &str {
        &self.key
    }
    /// Arena expression `id` (one of this file's), placed; `None` when
    /// its bytes do not read as an expression of this file.
    pub(crate) fn decode(&self, id: u32) -> Option<Expr> {
        if !self.holds(id) {
            return None;
        }
        let i = (id - self.base) as usize;
        let end_of = |i: usize| -> Option<usize> {
            let at = self.ends_at + 4 * i;
            let b = self.bytes.get(at..at + 4)?;
            Some(u32::from_le_bytes(b.try_into().ok()?) as usize)
        };
        let start = if i == 0 { 0 } else { end_of(i - 1)? };
        let end = end_of(i)?;
        let blob = self.bytes.get(self.exprs_at..)?;
        // All of its bytes and only them (ends out of order would make
        // it another's).
        let (mut e, rest): (Expr, _) = postcard::take_from_bytes(blob.get(start..end)?).ok()?;
        if !rest.is_empty() {
            return None;
        }
        let m = Move {
            from: self.from,
            below: i as u32,
            base: self.base,
            file: self.file,
            len: self.len,
            globals: &self.globals,
        };
        m.expr(&mut e)?;
        Some(e)
    }
}

/// The name of a cache entry: everything a file's lowering depends on
/// besides the global names (checked on thawing) — nixplan's lowering
/// code, the text, the directory relative paths resolve against, `$HOME`
/// for `~/` paths, and the names bound around the file.
pub fn cache_key(text: &str, base_dir: &str, home: Option<&str>, outer: &[Str]) -> String {
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

/// Where a thawed file's ids and spans go: ids moved from `from` on (the
/// frozen ids are the arena's when frozen) to `base` on, spans into
/// `file`. Every id must stay inside the file, every span inside its text.
struct Move<'a> {
    from: u32,
    /// Ids must be below this one (relative to `from`): lowering makes
    /// every expression after those it refers to, so an expression whose
    /// ids point forward (a cycle) or out of its file is refused (it reads
    /// as [`Expr::Damaged`]).
    below: u32,
    base: u32,
    file: FileId,
    len: u32,
    /// The global names the lowering saw as global (sorted): a
    /// `Var::Global` must be one of them.
    globals: &'a [Str],
}

impl Move<'_> {
    fn id(&self, x: &mut ExprId) -> Option<()> {
        let i = x.0.checked_sub(self.from).filter(|i| *i < self.below)?;
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
        // Evaluation appends the static names as they are (sorted, each
        // once, as lowering leaves them): an entry where they are not
        // is damaged.
        d.statics
            .windows(2)
            .all(|w| w[0].0 < w[1].0)
            .then_some(())?;
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
            // Calls look formals up by binary search, slot i for formal i.
            formals
                .windows(2)
                .all(|w| w[0].name < w[1].name)
                .then_some(())?;
            for (i, f) in formals.iter().enumerate() {
                (f.slot as usize == i).then_some(())?;
            }
            for f in formals {
                self.opt(&mut f.default)?;
                self.span(&mut f.span)?;
            }
        }
        self.id(&mut l.body)
    }

    /// Move `e`'s ids and spans in place (its `Rc`s are its own, fresh
    /// from the bytes, but for its strings, which are interned and never
    /// changed); `None` when one leaves the file.
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
            | Expr::Var(Var::Local { .. } | Var::With(_))
            | Expr::CurPos => Some(()),
            // Lowering makes none: only a damaged entry could hold one.
            Expr::Frozen | Expr::Damaged => None,
            Expr::Var(Var::Global(g) | Var::Builtin(g)) => self
                .globals
                .binary_search_by(|n| (**n).cmp(&**g))
                .ok()
                .map(|_| ()),
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
    /// the lowering asked about (with their answers). After `MAGIC` and
    /// the checksum: the head (postcard), each expression's end (a
    /// little-endian `u32` each, from the first expression's start), each
    /// expression's span (its start and end, `u32`s), then the
    /// expressions (postcard each), so that one can be read without the
    /// others.
    pub fn freeze(
        &self,
        key: &str,
        first: ExprId,
        root: ExprId,
        globals: Vec<(Str, bool)>,
    ) -> Option<Vec<u8>> {
        let lo = first.0 as usize;
        let hi = self.exprs.len();
        let count = u32::try_from(hi.checked_sub(lo)?).ok()?;
        let head = HeadRef {
            key,
            from: first.0,
            count,
            root: root.0,
            globals,
        };
        let mut payload = postcard::to_stdvec(&head).ok()?;
        let ends_at = payload.len();
        payload.resize(ends_at + 4 * count as usize, 0);
        for s in &self.spans[lo..] {
            payload.extend_from_slice(&s.start.to_le_bytes());
            payload.extend_from_slice(&s.end.to_le_bytes());
        }
        let exprs_at = payload.len();
        for (i, id) in (lo..hi).enumerate() {
            let id = ExprId(id as u32);
            payload = match self.get(id) {
                Expr::Frozen => postcard::to_extend(&self.thawed(id)?, payload),
                e => postcard::to_extend(e, payload),
            }
            .ok()?;
            let end = u32::try_from(payload.len() - exprs_at).ok()?;
            payload[ends_at + 4 * i..ends_at + 4 * i + 4].copy_from_slice(&end.to_le_bytes());
        }
        let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
        out.extend_from_slice(&payload);
        Some(out)
    }

    /// Append the lowering frozen in `bytes` as file `file`'s (whose text
    /// is `text_len` bytes long), and return its root; `None` (and the
    /// arena unchanged) when the bytes are not a whole entry of this
    /// format under this key, a place leaves the text, or a global name
    /// answers differently from when it was made. The expressions are
    /// decoded when first evaluated ([`Arena::decode`]); one whose bytes do
    /// not read as an expression of this file then reads as
    /// [`Expr::Damaged`].
    pub fn thaw(
        &mut self,
        key: &str,
        bytes: Vec<u8>,
        file: FileId,
        text_len: usize,
        is_global: &dyn Fn(&str) -> bool,
    ) -> Option<ExprId> {
        let rest = bytes.strip_prefix(MAGIC.as_slice())?;
        let (sum, payload) = rest.split_first_chunk::<4>()?;
        if crc32fast::hash(payload) != u32::from_le_bytes(*sum) {
            return None;
        }
        let (head, after): (Head, &[u8]) = postcard::take_from_bytes(payload).ok()?;
        let count = head.count as usize;
        // The ends (4 bytes each) and the spans (8) of the expressions.
        let table = count.checked_mul(12)?;
        if head.key != key
            || after.len() < table
            || head.root.checked_sub(head.from)? >= head.count
            || head.globals.iter().any(|(g, was)| is_global(g) != *was)
        {
            return None;
        }
        let len = u32::try_from(text_len).ok()?;
        let base = u32::try_from(self.exprs.len()).ok()?;
        base.checked_add(head.count)?;
        // The spans go straight to the arena's (no copy of them first),
        // taken back if one is out of the text.
        let had = self.spans.len();
        self.spans.reserve(count);
        for s in after[4 * count..table].chunks_exact(8) {
            let (start, end) = s.split_at(4);
            let word = |b: &[u8]| u32::from_le_bytes(b.try_into().expect("4 bytes"));
            let (start, end) = (word(start), word(end));
            if start > end || end > len {
                self.spans.truncate(had);
                return None;
            }
            self.spans.push(Span { file, start, end });
        }
        let mut globals: Box<[Str]> = head
            .globals
            .into_iter()
            .filter(|(_, was)| *was)
            .map(|(g, _)| g)
            .collect();
        globals.sort_unstable();
        let ends_at = bytes.len() - after.len();
        self.exprs.resize(self.exprs.len() + count, Expr::Frozen);
        self.lazy.push(Lazy {
            base,
            count: head.count,
            from: head.from,
            file,
            len,
            ends_at,
            exprs_at: ends_at + table,
            bytes,
            globals,
            key: head.key.into(),
        });
        Some(ExprId(head.root - head.from + base))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lower::{lower, LowerContext};
    use crate::SourceMap;

    /// A file lowered into a fresh arena and frozen: the arena, the
    /// root, the bytes and the text's length.
    fn frozen(text: &str) -> (Arena, ExprId, Vec<u8>, usize) {
        let mut sources = SourceMap::new();
        let file = sources.add("f.nix".into(), None, text.into());
        let parsed = crate::parse(&sources, file).expect("parses");
        let global = |n: &str| n == "builtins";
        let cx = LowerContext {
            file,
            base_dir: "/",
            home: None,
            is_global: &global,
            outer: &[],
            added: &parsed.added,
        };
        let mut arena = Arena::default();
        let root = lower(&mut arena, &cx, &parsed.root).expect("lowers");
        let globals = vec![(Str::from("builtins"), true)];
        let bytes = arena
            .freeze("k", ExprId(0), root, globals)
            .expect("freezes");
        (arena, root, bytes, sources.file(file).text.len())
    }

    /// The checksum put right after `bytes` were changed (a forged or
    /// mis-written entry, which the checksum does not find).
    fn resummed(mut bytes: Vec<u8>) -> Vec<u8> {
        let sum = crc32fast::hash(&bytes[HEADER_LEN..]).to_le_bytes();
        bytes[MAGIC.len()..HEADER_LEN].copy_from_slice(&sum);
        bytes
    }

    #[test]
    fn expressions_are_decoded_when_asked_for() {
        let (mut lowered, root, bytes, len) =
            frozen("let f = x: x + 1; g = y: [ y builtins.map ]; in f 2");
        let mut a = Arena::default();
        let at = a
            .thaw("k", bytes, FileId(0), len, &|n| n == "builtins")
            .unwrap();
        assert_eq!(at, root);
        assert_eq!(a.len(), lowered.len());
        // Nothing is decoded by thawing; each expression when asked for,
        // as it was lowered, with its place.
        assert!((0..a.len() as u32).all(|i| matches!(a.get(ExprId(i)), Expr::Frozen)));
        for i in (0..a.len() as u32).rev() {
            let id = ExprId(i);
            assert_eq!(
                format!("{:?}", a.decoded(id)),
                format!("{:?}", lowered.decoded(id))
            );
            assert_eq!(a.span(id), lowered.span(id));
        }
    }

    fn global(n: &str) -> bool {
        n == "builtins"
    }

    /// Every expression of `a`, decoded, as text.
    fn all(a: &mut Arena) -> Vec<String> {
        (0..a.len() as u32)
            .map(|i| {
                let e = format!("{:?}", a.decoded(ExprId(i)));
                format!("{e} @ {:?}", a.span(ExprId(i)))
            })
            .collect()
    }

    #[test]
    fn an_expression_whose_bytes_do_not_read_is_damaged_not_a_panic() {
        let (mut lowered, root, bytes, len) = frozen("{ a = 1; b = [ 2 builtins ]; }");
        // The last byte is the root's (made last, an attribute set: its
        // last byte is the count of its dynamic attributes); 0xff ends no
        // varint.
        let mut forged = bytes.clone();
        *forged.last_mut().unwrap() = 0xff;
        let forged = resummed(forged);
        let mut a = Arena::default();
        let at = a.thaw("k", forged, FileId(0), len, &global).unwrap();
        assert_eq!(at, root);
        assert_eq!(a.entry_of(root), Some("k"));
        assert!(matches!(a.decoded(root), Expr::Damaged));
        // The others read as they were lowered.
        for i in 0..root.0 {
            let id = ExprId(i);
            assert_eq!(
                format!("{:?}", a.decoded(id)),
                format!("{:?}", lowered.decoded(id))
            );
        }
        // A thawed arena freezes again (decoding what is still frozen),
        // and that entry thaws as the lowering.
        let mut b = Arena::default();
        b.thaw("k", bytes, FileId(0), len, &global).unwrap();
        let again = b
            .freeze("k", ExprId(0), root, vec![(Str::from("builtins"), true)])
            .unwrap();
        let mut c = Arena::default();
        assert_eq!(c.thaw("k", again, FileId(0), len, &global), Some(root));
        assert_eq!(all(&mut c), all(&mut lowered));
        assert_eq!(c.entry_of(root), Some("k"));
        assert_eq!(lowered.entry_of(root), None);
    }

    /// Entries frozen from a lowering changed as no lowering changes it
    /// (checksummed, so only their structure can refuse them): what their
    /// head says is refused at once, with the arena unchanged; an
    /// expression that refers forward, names a global the lowering did
    /// not see, holds a tag no lowering writes or whose bytes are not its
    /// own reads as damaged, and only it.
    #[test]
    fn forged_entries_are_refused_or_read_as_damaged() {
        let text = "let f = x: x + 1; in [ (f 2) builtins.map ]";
        let (lowered, root, _, len) = frozen(text);
        let frozen_from = |change: &dyn Fn(&mut Arena), root: ExprId| {
            let (mut a, _, _, _) = frozen(text);
            change(&mut a);
            a.freeze("k", ExprId(0), root, vec![(Str::from("builtins"), true)])
                .unwrap()
        };
        // An arena with a file in it already, which a refusal leaves as
        // it was.
        let (_, _, other_bytes, other_len) = frozen("{ x = 1; }");
        let mut host = Arena::default();
        host.thaw("k", other_bytes, FileId(1), other_len, &global)
            .unwrap();
        let before = all(&mut host);
        let refused = |host: &mut Arena, bytes: Vec<u8>, what: &str| {
            assert_eq!(
                host.thaw("k", bytes, FileId(0), len, &global),
                None,
                "{what}"
            );
            assert_eq!(all(host), before, "{what}: the arena changed");
            // No span of the refused entry left behind its expressions.
            assert_eq!(host.spans.len(), host.exprs.len(), "{what}: spans left");
        };
        refused(
            &mut host,
            frozen_from(&|_| {}, ExprId(root.0 + 1)),
            "a root past the end",
        );
        refused(
            &mut host,
            frozen_from(
                &|a| {
                    a.spans[1] = Span {
                        file: FileId(0),
                        start: 5,
                        end: 2,
                    }
                },
                root,
            ),
            "a span that ends before it starts",
        );
        refused(
            &mut host,
            frozen_from(&|a| a.spans[0].end = len as u32 + 1, root),
            "a span past the text",
        );

        let n = lowered.len() as u32;
        for (what, change) in [
            ("a forward id", Expr::Not(ExprId(n - 1))),
            ("its own id", Expr::Not(ExprId(1))),
            ("an unseen global", Expr::Var(Var::Global("nope".into()))),
            ("a tag no lowering writes", Expr::Damaged),
            ("a frozen expression", Expr::Frozen),
            ("an end before its start", Expr::Null),
        ] {
            let bytes = if let Expr::Frozen = change {
                // Frozen is never frozen (freezing decodes it): written
                // over expression 1's bytes (a `Damaged`, one byte too).
                let mut b = frozen_from(&|a| a.exprs[1] = Expr::Damaged, root);
                let at = expr_range(&b, 1);
                assert_eq!(
                    b[at.clone()],
                    postcard::to_stdvec(&Expr::Damaged).unwrap()[..]
                );
                b[at].copy_from_slice(&postcard::to_stdvec(&Expr::Frozen).unwrap());
                resummed(b)
            } else if let Expr::Null = change {
                // Expression 1's end before its start.
                let mut b = frozen_from(&|_| {}, root);
                let ends_at = expr_range(&b, 0).start - 12 * n as usize - HEADER_LEN;
                let at = HEADER_LEN + ends_at + 4;
                b[at..at + 4].copy_from_slice(&0u32.to_le_bytes());
                resummed(b)
            } else {
                frozen_from(&|a| a.exprs[1] = change.clone(), root)
            };
            let mut a = Arena::default();
            assert!(
                a.thaw("k", bytes, FileId(0), len, &global).is_some(),
                "{what}"
            );
            let mut expected = lowered_copy(text);
            for i in 0..n {
                let id = ExprId(i);
                let e = format!("{:?}", a.decoded(id));
                // Expression 2 reads from where expression 1 says it
                // ends: from expression 0 on.
                if i == 1 || (i == 2 && matches!(change, Expr::Null)) {
                    assert_eq!(e, "Damaged", "{what}: expression {i}");
                } else {
                    assert_eq!(
                        e,
                        format!("{:?}", expected.decoded(id)),
                        "{what}: expression {i}"
                    );
                }
            }
        }
    }

    /// Where expression `i`'s bytes are in entry `bytes`.
    fn expr_range(bytes: &[u8], i: usize) -> std::ops::Range<usize> {
        let payload = &bytes[HEADER_LEN..];
        let (head, after): (Head, &[u8]) = postcard::take_from_bytes(payload).unwrap();
        let count = head.count as usize;
        let exprs_at = bytes.len() - after.len() + 12 * count;
        let end =
            |i: usize| u32::from_le_bytes(after[4 * i..4 * i + 4].try_into().unwrap()) as usize;
        let start = if i == 0 { 0 } else { end(i - 1) };
        exprs_at + start..exprs_at + end(i)
    }

    /// `text` lowered again (an arena to compare with).
    fn lowered_copy(text: &str) -> Arena {
        frozen(text).0
    }
}
