//! Runtime values of the evaluator: lazily evaluated [`Thunk`]s, attribute
//! sets kept sorted by name (the order Nix prints them in), strings with
//! their store-path context.

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::fmt;
use std::rc::Rc;

use nixplan_syntax::block::{alloc_head, head_and_tail, tail_of};
use nixplan_syntax::lower::ExprId;
use nixplan_syntax::{Span, Str};

use super::{Eval, EvalResult};

/// The store paths a string refers to, encoded as Nix does: a plain path,
/// `=drvPath` for all outputs of a derivation, `!output!drvPath` for one.
pub type Context = Option<Rc<BTreeSet<String>>>;

#[derive(Clone)]
pub struct NixString {
    pub s: Str,
    pub ctx: Context,
}

impl NixString {
    pub fn plain(s: impl Into<Str>) -> NixString {
        NixString {
            s: s.into(),
            ctx: None,
        }
    }
    pub fn with_ctx(s: impl Into<Str>, ctx: BTreeSet<String>) -> NixString {
        NixString {
            s: s.into(),
            ctx: if ctx.is_empty() {
                None
            } else {
                Some(Rc::new(ctx))
            },
        }
    }
    pub fn as_str(&self) -> &str {
        &self.s
    }
}

pub fn merge_ctx(into: &mut BTreeSet<String>, ctx: &Context) {
    if let Some(c) = ctx {
        into.extend(c.iter().cloned());
    }
}

/// A builtin function: its name, how many arguments it takes, and the code.
pub struct PrimOp {
    pub name: &'static str,
    pub arity: usize,
    pub run: fn(&mut Eval, &[Thunk], Span) -> EvalResult<Value>,
}

/// The arguments a builtin was given so far: no builtin takes more than
/// three, so they are held inline.
pub type PrimOpArgs = smallvec::SmallVec<[Thunk; 3]>;

/// A builtin applied to fewer arguments than it takes.
pub struct PrimOpApp {
    pub op: &'static PrimOp,
    pub args: PrimOpArgs,
}

/// A function value: its `Expr::Lambda` (where its definition is) and the
/// environment it was made in, held in the value itself (no allocation of
/// its own).
#[derive(Clone)]
pub struct Closure {
    pub env: Env,
    pub expr: ExprId,
}

pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(NixString),
    Path(Str),
    Attrs(Attrs),
    List(Rc<[Thunk]>),
    Lambda(Closure),
    PrimOp(Rc<PrimOpApp>),
}

/// Any value's drop, out of line (for [`Value::release`]).
#[inline(never)]
fn drop_value(v: Value) {
    drop(v)
}

/// Copied inline: values are copied everywhere (every forced thunk's
/// value), and a call per copy costs more than the copy.
impl Clone for Value {
    #[inline(always)]
    fn clone(&self) -> Value {
        match self {
            Value::Null => Value::Null,
            Value::Bool(b) => Value::Bool(*b),
            Value::Int(i) => Value::Int(*i),
            Value::Float(x) => Value::Float(*x),
            Value::String(s) => Value::String(s.clone()),
            Value::Path(p) => Value::Path(p.clone()),
            Value::Attrs(a) => Value::Attrs(a.clone()),
            Value::List(l) => Value::List(l.clone()),
            Value::Lambda(c) => Value::Lambda(c.clone()),
            Value::PrimOp(p) => Value::PrimOp(p.clone()),
        }
    }
}

impl Value {
    /// Lets go of the value with its commonest kinds inline: nothing to do
    /// for a number, a Boolean or null, a count to lower for a set or a
    /// function. A plain drop calls the value's whole drop (a switch over
    /// every kind, out of line) even for an integer, where the evaluator
    /// drops millions of values it only looked at.
    #[inline(always)]
    pub fn release(self) {
        match self {
            // Forgotten: a value not moved out of would be dropped by the
            // whole drop, called, at the end.
            Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) => {
                std::mem::forget(self)
            }
            Value::Attrs(a) => drop(a),
            Value::Lambda(c) => drop(c),
            Value::PrimOp(p) => drop(p),
            other => drop_value(other),
        }
    }

    /// The Boolean this value is, or the value given back.
    #[inline(always)]
    pub fn into_bool(self) -> Result<bool, Value> {
        if let Value::Bool(b) = self {
            // Nothing to drop (see `release`).
            std::mem::forget(self);
            Ok(b)
        } else {
            Err(self)
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::String(_) => "string",
            Value::Path(_) => "path",
            Value::Attrs(_) => "set",
            Value::List(_) => "list",
            Value::Lambda(_) | Value::PrimOp(_) => "lambda",
        }
    }

    /// The phrase Nix uses in type errors ("a string", "an integer", ...).
    pub fn type_phrase(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a Boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a float",
            Value::String(_) => "a string",
            Value::Path(_) => "a path",
            Value::Attrs(_) => "a set",
            Value::List(_) => "a list",
            Value::Lambda(_) => "a function",
            Value::PrimOp(_) => "a built-in function",
        }
    }

    pub fn str(s: impl Into<Str>) -> Value {
        Value::String(NixString::plain(s))
    }

    pub fn list(items: Vec<Thunk>) -> Value {
        if items.is_empty() {
            return Value::empty_list();
        }
        Value::List(items.into())
    }

    /// A list of what `items` gives, allocated once when it knows its
    /// length (a `map` over a slice).
    pub fn list_of(items: impl IntoIterator<Item = Thunk>) -> Value {
        let items = items.into_iter();
        if items.size_hint().1 == Some(0) {
            return Value::empty_list();
        }
        Value::List(items.collect())
    }

    /// The empty list, shared: nothing tells two empty lists apart (they
    /// are equal, and printing and deep forcing pass over them), and the
    /// module system makes many (on the module tree, a fifth of all lists).
    pub fn empty_list() -> Value {
        thread_local! {
            static EMPTY: Rc<[Thunk]> = Rc::from(Vec::new());
        }
        EMPTY.with(|l| Value::List(l.clone()))
    }

    /// The set of `map`'s entries.
    pub fn attrs(map: AttrMap) -> Value {
        Value::Attrs(Attrs::of(map))
    }

    pub fn is_function(&self) -> bool {
        matches!(self, Value::Lambda(_) | Value::PrimOp(_))
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => write!(f, "null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::String(s) => write!(f, "{:?}", s.as_str()),
            Value::Path(p) => write!(f, "{p}"),
            Value::Attrs(a) => write!(f, "{{ {} attributes }}", a.len()),
            Value::List(l) => write!(f, "[ {} items ]", l.len()),
            Value::Lambda(_) => write!(f, "<LAMBDA>"),
            Value::PrimOp(_) => write!(f, "<PRIMOP>"),
        }
    }
}

pub type NativeFn = Rc<dyn Fn(&mut Eval) -> EvalResult<Value>>;

/// A function that builtins such as `map` and `mapAttrs` apply to every
/// element, and where it was applied: shared by all the calls. The
/// function is forced by the first call, as nix's `map`, `mapAttrs` and
/// `genList` do (`map (throw "f") [ ]` is `[ ]`, and so is the length of
/// `map (throw "f") [ 1 ]` 1).
pub struct Callee {
    pub f: CalleeFn,
    pub span: Span,
}

/// What the attributes of one `mapAttrs f set` share: `f` and where it
/// was applied, and `set`'s entries (each attribute is one of them, by
/// its index: [`ThunkState::MapAttr`]).
pub struct MapAttrs {
    pub callee: Callee,
    pub source: Attrs,
}

/// What the attributes of one `zipAttrsWith f sets` share: `f` and where
/// it was applied, and each name with the list of its values (attribute
/// `i` is `f name values` of entry `i`: [`ThunkState::ZipAttr`]).
pub struct ZipAttrs {
    pub callee: Callee,
    pub entries: Vec<(Str, Rc<[Thunk]>)>,
}

/// The function of a [`Callee`]: its value where it was computed already
/// (the commonest: a lambda written in place), read with no clone.
pub enum CalleeFn {
    Value(Value),
    Lazy(Thunk),
}

pub enum ThunkState {
    Done(Value),
    Pending(ExprId, Env),
    Native(NativeFn),
    /// `f a` when forced: one allocation per element of a `map` or
    /// `genList`, the function and call site being shared. (Two words
    /// after the tag at most: a state is no bigger than a `Value`.)
    Apply(Rc<Callee>, Thunk),
    /// `f name value` for attribute `i` of a set (`mapAttrs`): the name's
    /// thunk is made only when forced (most of a big `mapAttrs`, over
    /// options or definitions, is never read), one allocation per
    /// attribute instead of two. It holds the whole source set (its names
    /// and values) until forced or dropped.
    MapAttr(Rc<MapAttrs>, u32),
    /// `f name values` for entry `i` of a `zipAttrsWith`: its name's and
    /// its list's thunks are made only when forced. As `MapAttr`, it holds
    /// the whole shared block (every name's list) until forced or dropped.
    ZipAttr(Rc<ZipAttrs>, u32),
    Blackhole(Option<ExprId>),
}

/// A value that may not be computed yet. Cloning shares it: once forced,
/// every holder sees the value.
#[derive(Clone)]
pub struct Thunk(pub(crate) Counted<Cell<ThunkState>>);

/// A counted pointer to one allocation of a count and a `T`: an `Rc`
/// with no count of weak holders (nothing holds a thunk
/// weakly; `Rc` keeps one, and writes, reads and tests it on every one
/// made and freed: a thunk is 32 bytes with this, 40 with `Rc`).
pub struct Counted<T>(std::ptr::NonNull<CountedBox<T>>);

/// The count first (`repr(C)`): a thunk's count and its state's tag, both
/// read when a thunk is shared and forced, are in its first 16 bytes, so
/// in one cache line but for a block that starts in a line's last 8 bytes
/// (Rust put the count last: for half of the 40-byte blocks, in the next
/// line).
#[repr(C)]
pub struct CountedBox<T> {
    count: Cell<usize>,
    value: T,
}

impl<T> Counted<T> {
    #[inline]
    pub fn new(value: T) -> Counted<T> {
        let b = Box::new(CountedBox {
            count: Cell::new(1),
            value,
        });
        Counted(std::ptr::NonNull::from(Box::leak(b)))
    }
    /// How many hold it.
    #[inline]
    pub fn count(this: &Counted<T>) -> usize {
        // SAFETY: live while this holder is.
        unsafe { this.0.as_ref() }.count.get()
    }
    /// Whether both hold the same allocation.
    #[inline]
    pub fn ptr_eq(this: &Counted<T>, other: &Counted<T>) -> bool {
        this.0 == other.0
    }
    /// Where the value is (inside the allocation, as `Rc::as_ptr`).
    #[inline]
    pub fn as_ptr(this: &Counted<T>) -> *const T {
        // SAFETY: live while this holder is.
        &unsafe { this.0.as_ref() }.value
    }
}

impl<T> std::ops::Deref for Counted<T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: live while this holder is.
        &unsafe { self.0.as_ref() }.value
    }
}

impl<T> Clone for Counted<T> {
    #[inline]
    fn clone(&self) -> Counted<T> {
        // SAFETY: live while this holder is.
        let count = &unsafe { self.0.as_ref() }.count;
        // As `Rc`: a count that would wrap (only by leaked copies) aborts.
        let Some(more) = count.get().checked_add(1) else {
            std::process::abort()
        };
        count.set(more);
        Counted(self.0)
    }
}

impl<T> Drop for Counted<T> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: live while this holder is; the last one frees the box
        // it was made in (`new`), once.
        unsafe {
            let count = &self.0.as_ref().count;
            let left = count.get() - 1;
            count.set(left);
            if left == 0 {
                Counted::free(self.0);
            }
        }
    }
}

impl<T> Counted<T> {
    /// The last holder went: the value is dropped and its box freed (out
    /// of line, as `Rc`'s: inlined, every drop of a value holding one
    /// grew by the value's whole drop).
    ///
    /// # Safety
    /// `b` was made by `new`, and no holder is left.
    #[inline(never)]
    unsafe fn free(b: std::ptr::NonNull<CountedBox<T>>) {
        // SAFETY: as the caller says.
        drop(unsafe { Box::from_raw(b.as_ptr()) });
    }
}

thread_local! {
    /// States of thunks whose last holder went away deep in a drop,
    /// waiting to be dropped from the outermost one.
    static GRAVE: RefCell<Vec<ThunkState>> = const { RefCell::new(Vec::new()) };
    /// How many thunk states are being dropped one inside the other.
    static DROP_DEPTH: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
    /// Whether `GRAVE` may hold states.
    static BURIED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// How deep thunk states are dropped recursively before the rest waits in
/// the work list (bounded stack, and no work list for shallow values).
const MAX_DROP_DEPTH: u32 = 256;

/// Dropping the last holder of a thunk drops its state recursively only to
/// a bounded depth; deeper states wait in a work list that the outermost
/// drop empties. A value nested 200,000 levels deep (a list of lists, an
/// infinite chain of sets forced deeply) is freed in bounded stack.
impl Drop for Thunk {
    /// A holder that is not the last (most drops) only lets go, inline.
    #[inline]
    fn drop(&mut self) {
        if Counted::count(&self.0) == 1 {
            self.drop_last();
        }
    }
}

impl Thunk {
    /// The last holder goes: the state is this drop's to take.
    #[inline(never)]
    fn drop_last(&mut self) {
        let state = self.0.replace(ThunkState::Blackhole(None));
        // Only what can hold other thunks needs care.
        let nests = matches!(
            &state,
            ThunkState::Done(
                Value::Attrs(_) | Value::List(_) | Value::Lambda(_) | Value::PrimOp(_)
            ) | ThunkState::Pending(..)
                | ThunkState::Native(_)
                | ThunkState::Apply(..)
                | ThunkState::MapAttr(..)
                | ThunkState::ZipAttr(..)
        );
        if !nests {
            return;
        }
        let depth = DROP_DEPTH.try_with(|d| d.get()).unwrap_or(0);
        if depth >= MAX_DROP_DEPTH {
            if GRAVE.try_with(|g| g.borrow_mut().push(state)).is_ok() {
                let _ = BURIED.try_with(|b| b.set(true));
            }
            return;
        }
        let _ = DROP_DEPTH.try_with(|d| d.set(depth + 1));
        drop(state);
        // The work list is looked at only when something waits in it.
        if depth == 0 && BURIED.try_with(|b| b.replace(false)).unwrap_or(false) {
            while let Some(next) = GRAVE.try_with(|g| g.borrow_mut().pop()).ok().flatten() {
                drop(next);
            }
        }
        let _ = DROP_DEPTH.try_with(|d| d.set(depth));
    }
}

impl Thunk {
    #[inline]
    pub fn ready(v: Value) -> Thunk {
        Thunk(Counted::new(Cell::new(ThunkState::Done(v))))
    }
    #[inline]
    pub fn pending(e: ExprId, env: Env) -> Thunk {
        Thunk(Counted::new(Cell::new(ThunkState::Pending(e, env))))
    }
    /// `callee.f a`, computed when forced.
    pub fn apply(callee: &Rc<Callee>, a: Thunk) -> Thunk {
        Thunk(Counted::new(Cell::new(ThunkState::Apply(
            callee.clone(),
            a,
        ))))
    }
    /// `f name value` for the attribute at `i` of `m`'s set.
    pub fn map_attr(m: &Rc<MapAttrs>, i: u32) -> Thunk {
        Thunk(Counted::new(Cell::new(ThunkState::MapAttr(m.clone(), i))))
    }
    /// `f name values` for entry `i` of `z`.
    pub fn zip_attr(z: &Rc<ZipAttrs>, i: u32) -> Thunk {
        Thunk(Counted::new(Cell::new(ThunkState::ZipAttr(z.clone(), i))))
    }
    pub fn native(f: impl Fn(&mut Eval) -> EvalResult<Value> + 'static) -> Thunk {
        Thunk(Counted::new(Cell::new(ThunkState::Native(Rc::new(f)))))
    }
    /// Put `state` where a blackhole is (a thunk being forced), with no
    /// drop of the blackhole: it holds nothing (a drop of a state is a
    /// call, made twice per forced thunk otherwise).
    #[inline]
    pub(crate) fn replace_blackhole(&self, state: ThunkState) {
        let old = self.0.replace(state);
        debug_assert!(matches!(old, ThunkState::Blackhole(_)));
        if let ThunkState::Blackhole(_) = old {
            std::mem::forget(old);
        }
    }
    /// The value, if already computed.
    #[inline]
    pub fn value(&self) -> Option<Value> {
        // SAFETY: the cell is read in place and its value cloned before
        // anything else runs: `Thunk` is not `Send` (a `Counted`), and
        // `Value::clone` only copies and bumps reference counts, so
        // nothing can set this cell while the reference lives.
        match unsafe { &*self.0.as_ptr() } {
            ThunkState::Done(v) => Some(v.clone()),
            _ => None,
        }
    }
    /// The thunk of attribute `name`, if this thunk is already a set that
    /// has it (nothing is forced).
    pub fn attr_now(&self, name: &str) -> Option<Thunk> {
        // SAFETY: as in `value`: read in place, and only a reference count
        // is bumped before the reference ends.
        match unsafe { &*self.0.as_ptr() } {
            ThunkState::Done(Value::Attrs(a)) => a.get(name).cloned(),
            _ => None,
        }
    }
    pub fn ptr_eq(&self, other: &Thunk) -> bool {
        Counted::ptr_eq(&self.0, &other.0)
    }
    /// A number that tells this thunk apart from every other live one.
    pub fn identity(&self) -> usize {
        Counted::as_ptr(&self.0) as *const u8 as usize
    }
}

/// One lexical environment: the slots of a `let`, `rec` set or function,
/// or the single scope value of a `with`, and the environment around it.
/// A thin pointer to one allocation of a head (a count of holders, the
/// number of slots and the parent) and the slots after it, shared by its
/// copies: nearly every environment is a function call's one argument
/// (measured: 1.07M of 1.13M on the module tree), 24 bytes so (it was 48:
/// a count, the parent and a vector of slots with room for three inline).
pub struct Env(std::ptr::NonNull<EnvHead>);

/// The fields of an environment before its slots.
#[repr(C)]
struct EnvHead {
    /// Holders: an environment held by more than `u32::MAX` aborts (only
    /// leaked copies could make that many; each holder is 8 bytes).
    count: Cell<u32>,
    len: u32,
    parent: Option<Env>,
}

/// A slot: `None` while a `let`, `rec` set or function's formals are being
/// made (their thunks need the environment first).
type Slot = Option<Thunk>;

const _: () = assert!(std::mem::size_of::<EnvHead>().is_multiple_of(std::mem::align_of::<Slot>()));
const _: () = assert!(std::mem::align_of::<Slot>() <= std::mem::align_of::<EnvHead>());
const _: () = assert!(std::mem::size_of::<EnvHead>() == 16);

impl Env {
    /// The layout of an environment of `n` slots: its head, then the slots.
    fn layout(n: usize) -> std::alloc::Layout {
        head_and_tail::<EnvHead, Slot>(n, "an environment")
    }

    /// The first slot of the environment at `head`, right after it.
    #[inline(always)]
    fn first_slot(head: *mut EnvHead) -> *mut Slot {
        tail_of(head)
    }

    /// An environment of `n` slots, each written by `slot(i)`.
    #[inline(always)]
    fn make(parent: Option<Env>, n: usize, mut slot: impl FnMut(usize) -> Slot) -> Env {
        let Ok(len) = u32::try_from(n) else {
            panic!("an environment of {n} slots")
        };
        let layout = Env::layout(n);
        // SAFETY: the layout has a non-zero size (the head). Every slot is
        // written before the environment is handed out (`slot` only
        // makes a thunk, it cannot reach the allocation), and the head
        // last: a panic in `slot` leaks the slots written and the block.
        unsafe {
            let head = alloc_head::<EnvHead>(layout);
            let first = Env::first_slot(head.as_ptr());
            for i in 0..n {
                first.add(i).write(slot(i));
            }
            head.as_ptr().write(EnvHead {
                count: Cell::new(1),
                len,
                parent,
            });
            Env(head)
        }
    }

    /// An environment of one slot (a function's argument, a `with`'s
    /// scope).
    #[inline]
    pub fn one(parent: Option<Env>, t: Thunk) -> Env {
        let mut t = Some(t);
        Env::make(parent, 1, |_| t.take())
    }
    /// An environment of `n` slots given later (`set_slot`), as they refer
    /// to it: a `let`, a `rec` set, a function's formals.
    pub fn unfilled(parent: Option<Env>, n: usize) -> Env {
        Env::make(parent, n, |_| None)
    }
    /// An environment of the slots `slots` gives.
    pub fn of(parent: Option<Env>, slots: impl ExactSizeIterator<Item = Thunk>) -> Env {
        let n = slots.len();
        let mut slots = slots.fuse();
        let env = Env::make(parent, n, |_| slots.next());
        debug_assert!(slots.next().is_none(), "as many slots as the iterator said");
        env
    }
    /// An environment of no slots (a file's, around its free names).
    pub fn root() -> Env {
        Env::make(None, 0, |_| None)
    }

    #[inline(always)]
    fn head(&self) -> &EnvHead {
        // SAFETY: live while this holder is; the reference covers the
        // head only (slots are read and written through raw pointers).
        unsafe { self.0.as_ref() }
    }
    /// The environment around this one.
    #[inline(always)]
    pub fn parent(&self) -> Option<&Env> {
        self.head().parent.as_ref()
    }
    /// How many slots it has.
    pub fn len(&self) -> usize {
        self.head().len as usize
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Slot `i`, as it is in place.
    ///
    /// # Safety
    /// `i` is below `len`, and the reference is gone before any slot of
    /// this environment is written (`set_slot`).
    #[inline(always)]
    unsafe fn slot_ref(&self, i: usize) -> &Slot {
        // SAFETY: as the caller says; the slots were all written by `make`.
        unsafe { &*Env::first_slot(self.0.as_ptr()).add(i) }
    }
    /// Slot `i`, if it is there yet (a `let` or `rec` set being made has
    /// none).
    #[inline]
    pub fn slot(&self, i: usize) -> Option<Thunk> {
        if i >= self.len() {
            return None;
        }
        // SAFETY: `i` is a slot; the reference ends with the clone, which
        // only bumps a count.
        unsafe { self.slot_ref(i) }.clone()
    }
    /// The value of slot `i`, if it is there and computed already.
    #[inline]
    pub fn slot_value(&self, i: usize) -> Option<Value> {
        if i >= self.len() {
            return None;
        }
        // SAFETY: as in `slot`: `Thunk::value` only reads its own cell
        // and clones.
        unsafe { self.slot_ref(i) }.as_ref().and_then(Thunk::value)
    }
    /// Let go of every slot's thunk (a call that failed: a default's thunk
    /// holds the environment).
    pub fn empty_slots(&self) {
        for i in 0..self.len() {
            // SAFETY: as in `set_slot`.
            let old = unsafe { std::ptr::replace(Env::first_slot(self.0.as_ptr()).add(i), None) };
            drop(old);
        }
    }
    /// Give slot `i` its thunk, or replace it (`__overrides`).
    pub fn set_slot(&self, i: usize, t: Thunk) {
        assert!(
            i < self.len(),
            "slot {i} of an environment of {}",
            self.len()
        );
        // SAFETY: `i` is a slot, and no reference to a slot is live (every
        // one ends inside a method here); the old thunk is dropped after
        // the write (dropping thunks runs no evaluation, but may free
        // other environments).
        let old = unsafe { std::ptr::replace(Env::first_slot(self.0.as_ptr()).add(i), Some(t)) };
        drop(old);
    }
}

impl Clone for Env {
    #[inline]
    fn clone(&self) -> Env {
        let count = &self.head().count;
        // As `Rc`: a count that would wrap (only by leaked copies) aborts.
        let Some(more) = count.get().checked_add(1) else {
            std::process::abort()
        };
        count.set(more);
        Env(self.0)
    }
}

impl Drop for Env {
    #[inline]
    fn drop(&mut self) {
        let count = &self.head().count;
        let left = count.get() - 1;
        count.set(left);
        if left == 0 {
            // SAFETY: no holder is left.
            unsafe { Env::free(self.0) }
        }
    }
}

impl Env {
    /// The last holder went: the slots and the parent are dropped and the
    /// allocation freed (out of line, as `Counted::free`).
    ///
    /// # Safety
    /// `head` was made by `make`, and no holder is left.
    #[inline(never)]
    unsafe fn free(head: std::ptr::NonNull<EnvHead>) {
        // SAFETY: as the caller says: each slot and the parent were written
        // by `make` (or replaced by `set_slot`) and are dropped once, here,
        // with the layout `make` allocated.
        unsafe {
            let head = head.as_ptr();
            let len = (*head).len as usize;
            std::ptr::drop_in_place(std::ptr::slice_from_raw_parts_mut(
                Env::first_slot(head),
                len,
            ));
            std::ptr::drop_in_place(&mut (*head).parent);
            std::alloc::dealloc(head as *mut u8, Env::layout(len));
        }
    }
}

#[derive(Clone)]
pub struct Attr {
    pub value: Thunk,
    pub pos: Option<Pos>,
}

/// Where an attribute is written: a number in its evaluation's table of
/// places (`Eval::span_of`). Four bytes where a `Span` is twelve, so a
/// set's entry (name, thunk, place) is 24 bytes, not 32.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Pos(pub(crate) std::num::NonZeroU32);

/// Names in byte order (as `str::cmp`), compared eight bytes at a time
/// inline: attribute names are short, and a call to `memcmp` for each
/// step of a binary search costs more than the comparison.
#[inline]
pub fn name_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + 8 <= n {
        let x = u64::from_be_bytes(a[i..i + 8].try_into().expect("8 bytes"));
        let y = u64::from_be_bytes(b[i..i + 8].try_into().expect("8 bytes"));
        if x != y {
            return x.cmp(&y);
        }
        i += 8;
    }
    while i < n {
        if a[i] != b[i] {
            return a[i].cmp(&b[i]);
        }
        i += 1;
    }
    a.len().cmp(&b.len())
}

/// Whether two names are equal, compared as `name_cmp` does (no call to
/// `memcmp` for a name of a few bytes).
#[inline]
pub fn name_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    // The same text (names are interned where files are lowered or
    // thawed: `lower::intern`), with no byte read.
    if std::ptr::eq(a.as_ptr(), b.as_ptr()) {
        return true;
    }
    let mut i = 0;
    while i + 8 <= a.len() {
        let x = u64::from_ne_bytes(a[i..i + 8].try_into().expect("8 bytes"));
        let y = u64::from_ne_bytes(b[i..i + 8].try_into().expect("8 bytes"));
        if x != y {
            return false;
        }
        i += 8;
    }
    a[i..].iter().zip(&b[i..]).all(|(x, y)| x == y)
}

/// One attribute of a set: its name and its value.
pub type Entry = (Str, Attr);

/// Entries sorted by name (as nix's bindings), read alike whether a set is
/// being built ([`AttrMap`]) or made ([`Attrs`]): lookups scan a small
/// set and search a big one.
#[repr(transparent)]
pub struct AttrSlice([Entry]);

impl AttrSlice {
    /// Up to how many names a lookup scans instead of searching (measured).
    pub const SCANNED: usize = 16;
    #[inline]
    fn of(entries: &[Entry]) -> &AttrSlice {
        // SAFETY: `AttrSlice` is a transparent wrapper of `[Entry]`: the
        // same layout and pointer metadata, and the lifetime is kept.
        unsafe { &*(entries as *const [Entry] as *const AttrSlice) }
    }
    fn find(&self, key: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| name_cmp(k, key))
    }
    #[inline]
    pub fn get(&self, key: &str) -> Option<&Attr> {
        // A small set is scanned: names of another length are passed
        // over without looking at their bytes.
        if self.0.len() <= Self::SCANNED {
            return self.0.iter().find(|(k, _)| name_eq(k, key)).map(|(_, a)| a);
        }
        self.find(key).ok().map(|i| &self.0[i].1)
    }
    /// As `get`, trying the entry at `hint` first in a big set, and
    /// leaving in `hint` where `key` was found.
    #[inline]
    pub fn get_hinted(&self, key: &str, hint: &mut u32) -> Option<&Attr> {
        if self.0.len() <= Self::SCANNED {
            return self.get(key);
        }
        if let Some((k, a)) = self.0.get(*hint as usize) {
            if name_eq(k, key) {
                return Some(a);
            }
        }
        let i = self.find(key).ok()?;
        *hint = i as u32;
        Some(&self.0[i].1)
    }
    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// The `i`th attribute in name order.
    pub fn at(&self, i: usize) -> Option<(&Str, &Attr)> {
        self.0.get(i).map(|(k, a)| (k, a))
    }
    pub fn iter(
        &self,
    ) -> impl DoubleEndedIterator<Item = (&Str, &Attr)> + ExactSizeIterator + Clone {
        self.0.iter().map(|(k, a)| (k, a))
    }
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &Str> + ExactSizeIterator + Clone {
        self.0.iter().map(|(k, _)| k)
    }
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Attr> + ExactSizeIterator + Clone {
        self.0.iter().map(|(_, a)| a)
    }
    /// A copy to change.
    pub fn to_map(&self) -> AttrMap {
        AttrMap(self.0.to_vec())
    }
}

/// The entries of `a // b` in name order: both sorted, and `b`'s entry
/// where both have a name.
struct MergeSorted<'a> {
    a: &'a [Entry],
    b: &'a [Entry],
}

impl<'a> Iterator for MergeSorted<'a> {
    type Item = &'a Entry;
    #[inline]
    fn next(&mut self) -> Option<&'a Entry> {
        let (Some(x), Some(y)) = (self.a.first(), self.b.first()) else {
            return match self.a.split_first().or_else(|| self.b.split_first()) {
                Some((e, rest)) if self.a.is_empty() => {
                    self.b = rest;
                    Some(e)
                }
                Some((e, rest)) => {
                    self.a = rest;
                    Some(e)
                }
                None => None,
            };
        };
        match name_cmp(&x.0, &y.0) {
            std::cmp::Ordering::Less => {
                self.a = &self.a[1..];
                Some(x)
            }
            std::cmp::Ordering::Greater => {
                self.b = &self.b[1..];
                Some(y)
            }
            std::cmp::Ordering::Equal => {
                self.a = &self.a[1..];
                self.b = &self.b[1..];
                Some(y)
            }
        }
    }
}

impl<'a> IntoIterator for &'a AttrSlice {
    type Item = (&'a Str, &'a Attr);
    type IntoIter =
        std::iter::Map<std::slice::Iter<'a, Entry>, fn(&'a Entry) -> (&'a Str, &'a Attr)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, a)| (k, a))
    }
}

/// The entries of an attribute set being built, sorted by name: one
/// vector, so a set built in name order is built by appending. Made into
/// [`Attrs`] when the set is made ([`Value::attrs`]).
#[derive(Clone, Default)]
pub struct AttrMap(Vec<Entry>);

impl std::ops::Deref for AttrMap {
    type Target = AttrSlice;
    #[inline]
    fn deref(&self) -> &AttrSlice {
        AttrSlice::of(&self.0)
    }
}

impl AttrMap {
    pub fn new() -> AttrMap {
        AttrMap(Vec::new())
    }
    pub fn with_capacity(n: usize) -> AttrMap {
        AttrMap(Vec::with_capacity(n))
    }
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Attr> {
        self.find(key).ok().map(move |i| &mut self.0[i].1)
    }
    /// Append `key`, which sorts after every name here (a set's static
    /// names, sorted by lowering, into an empty map): no comparison.
    #[inline]
    pub fn push_sorted(&mut self, key: Str, attr: Attr) {
        debug_assert!(self.0.last().is_none_or(|(k, _)| name_cmp(k, &key).is_lt()));
        self.0.push((key, attr));
    }
    /// Insert or replace; appending when `key` sorts after every name.
    pub fn insert_attr(&mut self, key: Str, attr: Attr) -> Option<Attr> {
        if self.0.last().is_none_or(|(k, _)| name_cmp(k, &key).is_lt()) {
            self.0.push((key, attr));
            return None;
        }
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, attr)),
            Err(i) => {
                self.0.insert(i, (key, attr));
                None
            }
        }
    }
    /// Insert or replace attribute `name`, with no position.
    pub fn insert(&mut self, name: impl Into<Str>, value: Thunk) {
        self.insert_attr(name.into(), Attr { value, pos: None });
    }
    /// As `insert`, of a computed value.
    pub fn insert_value(&mut self, name: impl Into<Str>, value: Value) {
        self.insert(name, Thunk::ready(value));
    }
    pub fn remove(&mut self, key: &str) -> Option<Attr> {
        self.find(key).ok().map(|i| self.0.remove(i).1)
    }
    /// Keep the entries `keep` says yes to.
    pub fn retain(&mut self, mut keep: impl FnMut(&Str, &Attr) -> bool) {
        self.0.retain(|(k, a)| keep(k, a));
    }
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&Str, &mut Attr)> {
        self.0.iter_mut().map(|(k, a)| (&*k, a))
    }
}

/// Collected in any order; for a name given twice the last one stays (as
/// inserting one after the other).
impl FromIterator<Entry> for AttrMap {
    fn from_iter<I: IntoIterator<Item = Entry>>(iter: I) -> AttrMap {
        let mut v: Vec<Entry> = iter.into_iter().collect();
        if !v.windows(2).all(|w| name_cmp(&w[0].0, &w[1].0).is_lt()) {
            // Stable: equal names keep their order, and the last is kept.
            v.sort_by(|x, y| name_cmp(&x.0, &y.0));
            let mut out: Vec<Entry> = Vec::with_capacity(v.len());
            for e in v {
                match out.last_mut() {
                    Some(last) if name_eq(&last.0, &e.0) => *last = e,
                    _ => out.push(e),
                }
            }
            v = out;
        }
        AttrMap(v)
    }
}

/// A made attribute set, as its one allocation holds it: a count of its
/// holders, whether it stands in for something nixplan does not evaluate,
/// and its entries sorted by name. Read through [`Attrs`].
#[repr(C)]
pub struct SetBox {
    count: Cell<u32>,
    len: u32,
    /// Set for the stand-ins of things nixplan does not evaluate (packages,
    /// unavailable flake inputs): a missing attribute is synthesised.
    pub opaque: Option<Rc<Opaque>>,
    pub map: AttrSlice,
}

/// The fields of a [`SetBox`] before its entries (the same `repr(C)`
/// layout).
#[repr(C)]
struct SetHead {
    /// Holders: a set held by more than `u32::MAX` aborts (only leaked
    /// copies could make that many; each holder is 8 bytes).
    count: Cell<u32>,
    len: u32,
    opaque: Option<Rc<Opaque>>,
}

const _: () = assert!(std::mem::size_of::<SetHead>().is_multiple_of(std::mem::align_of::<Entry>()));
const _: () = assert!(std::mem::align_of::<Entry>() <= std::mem::align_of::<SetHead>());
const _: () = assert!(std::mem::size_of::<SetHead>() == 16);

/// A made attribute set: one allocation of its entries and what it needs
/// besides (a set was two: the set and its vector of entries), held by a
/// thin pointer (a value holding a set copies and counts one word), and
/// shared by its copies. The empty set is one, shared.
pub struct Attrs(std::ptr::NonNull<SetHead>);

impl Attrs {
    /// The layout of a set of `n` entries: its head, then the entries.
    fn layout(n: usize) -> std::alloc::Layout {
        head_and_tail::<SetHead, Entry>(n, "a set")
    }

    /// The first entry of the set at `head`, right after it.
    fn entries(head: *mut SetHead) -> *mut Entry {
        tail_of(head)
    }

    /// A set of the `n` entries `entries` gives (in name order, each name
    /// once), written straight into its allocation.
    fn make(n: usize, opaque: Option<Rc<Opaque>>, entries: impl Iterator<Item = Entry>) -> Attrs {
        let Ok(len) = u32::try_from(n) else {
            panic!("a set of {n} attributes")
        };
        let layout = Attrs::layout(n);
        // SAFETY: the layout has a non-zero size (the head). Each entry is
        // written in its place, within the allocation (`take(n)`); if the
        // iterator gives fewer, those written are dropped and the
        // allocation freed before the panic, so nothing unwritten is read.
        unsafe {
            let head = alloc_head::<SetHead>(layout);
            let first = Attrs::entries(head.as_ptr());
            let mut k = 0;
            for e in entries.take(n) {
                first.add(k).write(e);
                k += 1;
            }
            if k != n {
                std::ptr::drop_in_place(std::ptr::slice_from_raw_parts_mut(first, k));
                std::alloc::dealloc(head.as_ptr() as *mut u8, layout);
                panic!("a set was made for {n} entries and given {k}");
            }
            head.as_ptr().write(SetHead {
                count: Cell::new(1),
                len,
                opaque,
            });
            let set = Attrs(head);
            debug_assert_eq!(std::mem::size_of_val(&*set), layout.size());
            debug_assert!(set
                .map
                .0
                .windows(2)
                .all(|w| name_cmp(&w[0].0, &w[1].0).is_lt()));
            set
        }
    }

    /// The empty set.
    pub fn new() -> Attrs {
        thread_local! {
            static EMPTY: Attrs = Attrs::make(0, None, std::iter::empty());
        }
        EMPTY.with(Attrs::clone)
    }
    /// The set of `map`'s entries.
    pub fn of(map: AttrMap) -> Attrs {
        Attrs::with_opaque(map, None)
    }
    /// A stand-in of `map`'s entries (see [`Opaque`]).
    pub fn opaque(map: AttrMap, opaque: Opaque) -> Attrs {
        Attrs::with_opaque(map, Some(Rc::new(opaque)))
    }
    /// The set of `map`'s entries, a stand-in if `opaque` says so.
    pub fn with_opaque(map: AttrMap, opaque: Option<Rc<Opaque>>) -> Attrs {
        if map.is_empty() && opaque.is_none() {
            return Attrs::new();
        }
        Attrs::make(map.len(), opaque, map.0.into_iter())
    }
    /// Entries that come in name order, each name once, and as many as
    /// the iterator says (a set's static names, a `mapAttrs` over a set).
    pub fn of_sorted(entries: impl ExactSizeIterator<Item = Entry>) -> Attrs {
        if entries.len() == 0 {
            return Attrs::new();
        }
        Attrs::make(entries.len(), None, entries)
    }
    /// `self // other`, a stand-in if `self` is one: `other`'s entries
    /// win. Allocated once, at its size (counted by a first pass of
    /// comparisons only).
    pub fn updated_with(&self, other: &Attrs) -> Attrs {
        let merged = || MergeSorted {
            a: &self.map.0,
            b: &other.map.0,
        };
        Attrs::make(merged().count(), self.opaque.clone(), merged().cloned())
    }
    pub fn get(&self, name: &str) -> Option<&Thunk> {
        self.map.get(name).map(|a| &a.value)
    }
    pub fn len(&self) -> usize {
        self.map.len()
    }
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
    pub fn names(&self) -> impl Iterator<Item = &Str> {
        self.map.keys()
    }
    /// A number that tells this set apart from every other live one (the
    /// empty set is one): an address inside its allocation (its start
    /// could be where another block ends, an empty list's `Rc::as_ptr`,
    /// which deep forcing keeps in the same table).
    pub fn identity(&self) -> usize {
        self.0.as_ptr() as usize + std::mem::offset_of!(SetHead, len)
    }
    /// Whether both are the same set (not only equal ones).
    pub fn ptr_eq(&self, other: &Attrs) -> bool {
        self.0 == other.0
    }
}

impl Default for Attrs {
    fn default() -> Attrs {
        Attrs::new()
    }
}

impl std::ops::Deref for Attrs {
    type Target = SetBox;
    #[inline]
    fn deref(&self) -> &SetBox {
        // SAFETY: the pointer is to a live set (this handle counts in
        // it), made by `make` with `len` entries after its head: a slice
        // pointer of that length cast to the unsized `SetBox` carries it
        // as the length of its entries.
        unsafe {
            let len = (*self.0.as_ptr()).len as usize;
            &*(std::ptr::slice_from_raw_parts(self.0.as_ptr() as *const Entry, len)
                as *const SetBox)
        }
    }
}

impl Clone for Attrs {
    #[inline]
    fn clone(&self) -> Attrs {
        // SAFETY: the set is live (this handle counts in it).
        let count = unsafe { &(*self.0.as_ptr()).count };
        // As `Rc`: a count that would wrap (only by leaked copies) aborts.
        let Some(more) = count.get().checked_add(1) else {
            std::process::abort()
        };
        count.set(more);
        Attrs(self.0)
    }
}

impl Drop for Attrs {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: the set is live (this handle counts in it).
        let count = unsafe { &(*self.0.as_ptr()).count };
        let left = count.get() - 1;
        count.set(left);
        if left == 0 {
            self.drop_last();
        }
    }
}

impl Attrs {
    /// The last holder goes: the entries and the stand-in are dropped,
    /// and the allocation freed.
    #[inline(never)]
    fn drop_last(&mut self) {
        // SAFETY: no other holder is left; each entry and the head's
        // `opaque` were written by `make` and are dropped once, here;
        // the layout is the one `make` allocated with.
        unsafe {
            let head = self.0.as_ptr();
            let len = (*head).len as usize;
            let first = Attrs::entries(head);
            std::ptr::drop_in_place(std::ptr::slice_from_raw_parts_mut(first, len));
            std::ptr::drop_in_place(&mut (*head).opaque);
            std::alloc::dealloc(head as *mut u8, Attrs::layout(len));
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpaqueKind {
    /// A package set or package: any attribute is another package.
    Packages,
    /// A set of modules: any attribute is an empty module.
    Modules,
    /// A flake input that is not available offline: any use is an error.
    Input,
    /// Any attribute is the same value (`every`): an unavailable input's
    /// overlays, each one that changes nothing.
    Uniform,
    /// What a file of an unavailable source evaluates to (`import
    /// "${input}/default.nix"`): any attribute of it, and the result of
    /// calling it, is another such value; imported as a module it is an
    /// empty one whose definitions are accepted unchecked.
    Unread,
}

pub struct Opaque {
    pub kind: OpaqueKind,
    /// The attribute path that leads here (`pkgs.python3`), or the input name.
    pub path: String,
    /// Why an input is unavailable (said when it is used).
    pub reason: Option<String>,
    /// What every attribute of a `Uniform` stand-in is.
    pub every: Option<Thunk>,
}

impl Opaque {
    /// A stand-in package set (`pkgs`): it has every package, for `a.b`,
    /// `?`, `or`, `with` and `intersectAttrs` alike.
    pub fn has_every_package(&self) -> bool {
        self.kind == OpaqueKind::Packages && self.path == "pkgs"
    }
}

impl std::fmt::Debug for Opaque {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opaque")
            .field("kind", &self.kind)
            .field("path", &self.path)
            .field("reason", &self.reason)
            .field("every", &self.every.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every thunk is one allocation of its count and its state: a state
    /// that grew past a `Value` would make every thunk bigger. A string's
    /// text and a name are one pointer each (`Str`), so a value is 24
    /// bytes, as nix's, and a thunk 32.
    #[test]
    fn a_thunk_state_is_no_bigger_than_a_value() {
        assert_eq!(std::mem::size_of::<Value>(), 24);
        assert_eq!(std::mem::size_of::<NixString>(), 16);
        assert_eq!(std::mem::size_of::<Attrs>(), 8);
        assert_eq!(std::mem::size_of::<ThunkState>(), 24);
        assert_eq!(std::mem::size_of::<CountedBox<Cell<ThunkState>>>(), 32);
        assert_eq!(std::mem::size_of::<Env>(), 8);
        assert_eq!(std::mem::size_of::<Entry>(), 24);
        // A set of one attribute: its head (16 bytes) and the entry (24).
        assert_eq!(Attrs::layout(1).size(), 40);
        assert_eq!(Env::layout(1).size(), 24);
    }

    /// An environment holds its slots and its parent, gives a slot once
    /// it is there (none past its end), replaces one (dropping the old
    /// thunk), and lets all go with its last holder.
    #[test]
    fn an_environment_holds_its_slots_and_lets_them_go() {
        let a = Thunk::ready(Value::Int(1));
        let b = Thunk::ready(Value::Int(2));
        let parent = Env::one(None, a.clone());
        let env = Env::of(Some(parent.clone()), [a.clone(), b.clone()].into_iter());
        assert_eq!(env.len(), 2);
        assert!(env.slot(0).is_some_and(|t| t.ptr_eq(&a)));
        assert!(matches!(env.slot_value(1), Some(Value::Int(2))));
        assert!(env.slot(2).is_none() && env.slot_value(2).is_none());
        assert!(env
            .parent()
            .and_then(|p| p.slot(0))
            .is_some_and(|t| t.ptr_eq(&a)));
        // `a`: here, in the parent and in `env`.
        assert_eq!(Counted::count(&a.0), 3);
        env.set_slot(0, b.clone());
        assert_eq!(Counted::count(&a.0), 2);
        assert!(env.slot(0).is_some_and(|t| t.ptr_eq(&b)));
        let later = Env::unfilled(Some(env.clone()), 3);
        assert!((0..3).all(|i| later.slot(i).is_none()));
        later.set_slot(2, a.clone());
        assert!(later.slot(1).is_none() && later.slot(2).is_some_and(|t| t.ptr_eq(&a)));
        assert!(Env::root().is_empty() && Env::root().parent().is_none());
        drop((env, parent, later));
        assert_eq!(Counted::count(&a.0), 1);
        assert_eq!(Counted::count(&b.0), 1);
    }

    proptest::proptest! {
        /// Names compare as `str::cmp` compares them (the order sets are
        /// sorted and printed in), over prefixes, lengths around eight
        /// bytes and every byte value.
        #[test]
        fn names_compare_as_strings_do(
            a in "[a-c\\x00-\\x02\\u{80}-\\u{10ffff}]{0,20}",
            b in "[a-c\\x00-\\x02\\u{80}-\\u{10ffff}]{0,20}",
            cut in 0usize..20,
        ) {
            proptest::prop_assert_eq!(name_cmp(&a, &b), a.cmp(&b));
            // A shared prefix, so the comparison goes past the first words.
            let mut c = a.clone();
            let keep = b.char_indices().nth(cut).map(|(i, _)| i).unwrap_or(b.len());
            c.insert_str(0, &b[..keep]);
            let d = format!("{}{}", &b[..keep], b);
            proptest::prop_assert_eq!(name_cmp(&c, &d), c.cmp(&d));
            proptest::prop_assert_eq!(name_cmp(&c, &c), std::cmp::Ordering::Equal);
            proptest::prop_assert_eq!(name_eq(&a, &b), a == b);
            proptest::prop_assert_eq!(name_eq(&c, &d), c == d);
            proptest::prop_assert!(name_eq(&c, &c));
        }

        /// A lookup with a hint finds what a lookup without one finds,
        /// whatever the hint (stale, out of range, another name's), and
        /// leaves the found name's place as the hint.
        #[test]
        fn a_hint_never_changes_what_is_found(
            names in proptest::collection::btree_set("[a-e]{1,10}", 0..60),
            key in "[a-e]{1,10}",
            hint in 0u32..70,
        ) {
            let map: AttrMap = names
                .iter()
                .map(|n| (Str::from(n.as_str()), Attr { value: Thunk::ready(Value::Null), pos: None }))
                .collect();
            let mut h = hint;
            let hinted = map.get_hinted(&key, &mut h).map(|a| a.value.identity());
            proptest::prop_assert_eq!(hinted, map.get(&key).map(|a| a.value.identity()));
            if hinted.is_some() && map.len() > AttrSlice::SCANNED {
                proptest::prop_assert!(name_eq(&map.0[h as usize].0, &key));
                // The hint it left finds the name at once.
                let mut again = h;
                proptest::prop_assert_eq!(map.get_hinted(&key, &mut again).map(|a| a.value.identity()), hinted);
                proptest::prop_assert_eq!(again, h);
            }
        }

        /// A made set holds what its builder held, and `//` is the union
        /// where the right side wins, as on a sorted map of strings; the
        /// entries live as long as a copy of the set does, and no longer.
        #[test]
        fn a_made_set_is_its_entries_and_update_is_a_right_biased_union(
            left in proptest::collection::btree_map("[a-d]{0,3}", 0i64..100, 0..20),
            right in proptest::collection::btree_map("[a-d]{0,3}", 100i64..200, 0..20),
        ) {
            let set = |m: &std::collections::BTreeMap<String, i64>| {
                let mut b = AttrMap::new();
                for (k, v) in m.iter().rev() {
                    b.insert_value(k.as_str(), Value::Int(*v));
                }
                Attrs::of(b)
            };
            let read = |a: &Attrs| -> Vec<(String, i64)> {
                a.map
                    .iter()
                    .map(|(k, attr)| match attr.value.value() {
                        Some(Value::Int(i)) => (k.to_string(), i),
                        _ => unreachable!("made of computed integers"),
                    })
                    .collect()
            };
            let (l, r) = (set(&left), set(&right));
            proptest::prop_assert_eq!(read(&l), left.clone().into_iter().collect::<Vec<_>>());
            let mut union = left.clone();
            union.extend(right.clone());
            let u = l.updated_with(&r);
            proptest::prop_assert_eq!(read(&u), union.into_iter().collect::<Vec<_>>());
            // A thunk of the left set, shared: held by both sets while they
            // live, and by nothing else after.
            if let Some((k, _)) = left.iter().find(|(k, _)| !right.contains_key(*k)) {
                let t = l.get(k).expect("there").clone();
                proptest::prop_assert_eq!(Counted::count(&t.0), 3);
                let copy = u.clone();
                drop(u);
                drop(l);
                proptest::prop_assert_eq!(Counted::count(&t.0), 2);
                drop(copy);
                proptest::prop_assert_eq!(Counted::count(&t.0), 1);
            }
            proptest::prop_assert!(Attrs::new().ptr_eq(&set(&Default::default())));
        }
    }
}
