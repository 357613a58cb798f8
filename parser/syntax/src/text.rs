//! [`Str`]: an immutable, shared text held by one pointer. Its count and
//! length are kept in its own allocation, before its bytes, so a holder is
//! 8 bytes where an `Rc<str>` is 16. Attribute names, string literals and
//! the evaluator's strings are all `Str`: a set's entry, a string value and
//! every expression that names something are smaller by a word.
//!
//! Counted without atomics, as `Rc`: a `Str` stays on its thread (it is
//! neither `Send` nor `Sync`, through its `NonNull`).

use std::alloc::Layout;
use std::borrow::Borrow;
use std::cell::Cell;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::ptr::NonNull;

use crate::block::{alloc_head, head_and_tail, tail_of};

/// A shared text: cloning counts one holder more, the last holder frees it.
pub struct Str(NonNull<Head>);

/// What comes before the bytes. `repr(C)`: the bytes start right after it
/// (`Str::bytes`), at offset 8.
#[repr(C)]
struct Head {
    count: Cell<u32>,
    len: u32,
}

impl Str {
    /// The allocation of a text of `len` bytes (head and bytes, padded to
    /// the head's alignment).
    fn layout(len: usize) -> Layout {
        head_and_tail::<Head, u8>(len, "a text")
    }

    /// A new text: one allocation, with `s` copied into it.
    pub fn new(s: &str) -> Str {
        // A length is kept in 32 bits: a text of 4 GiB or more panics
        // here. The evaluator refuses one with an error first, wherever a
        // program chooses a string's length (`Eval::check_text`).
        let len = u32::try_from(s.len()).expect("a text shorter than 4 GiB");
        // SAFETY: the layout is never empty (the head is 8 bytes). The
        // head is written whole before anything reads it, and `len` bytes
        // after it are in the allocation (`layout`), which the source
        // cannot overlap.
        unsafe {
            let head = alloc_head::<Head>(Str::layout(s.len()));
            head.as_ptr().write(Head {
                count: Cell::new(1),
                len,
            });
            std::ptr::copy_nonoverlapping(s.as_ptr(), Str::bytes(head), s.len());
            Str(head)
        }
    }

    /// Where the bytes of the text at `head` begin.
    #[inline(always)]
    fn bytes(head: NonNull<Head>) -> *mut u8 {
        tail_of(head.as_ptr())
    }

    /// The text.
    #[inline(always)]
    pub fn as_str(&self) -> &str {
        // SAFETY: live while this holder is; its `len` bytes were copied
        // from a `str` (`new`) and never change, so they are UTF-8.
        unsafe {
            let len = self.0.as_ref().len as usize;
            std::str::from_utf8_unchecked(std::slice::from_raw_parts(Str::bytes(self.0), len))
        }
    }

    /// Whether both hold the same allocation (the same text; different
    /// allocations may still hold equal texts).
    #[inline(always)]
    pub fn ptr_eq(a: &Str, b: &Str) -> bool {
        a.0 == b.0
    }

    /// How many hold it.
    pub fn count(this: &Str) -> usize {
        // SAFETY: live while this holder is.
        unsafe { this.0.as_ref() }.count.get() as usize
    }
}

impl Clone for Str {
    #[inline(always)]
    fn clone(&self) -> Str {
        // SAFETY: live while this holder is.
        let count = &unsafe { self.0.as_ref() }.count;
        // As `Rc`: a count that would wrap (only by leaked copies) aborts.
        let Some(more) = count.get().checked_add(1) else {
            std::process::abort()
        };
        count.set(more);
        Str(self.0)
    }
}

impl Drop for Str {
    #[inline(always)]
    fn drop(&mut self) {
        // SAFETY: live while this holder is.
        let head = unsafe { self.0.as_ref() };
        let left = head.count.get() - 1;
        head.count.set(left);
        if left == 0 {
            let layout = Str::layout(head.len as usize);
            // SAFETY: the last holder frees the allocation `new` made,
            // with its layout, once.
            unsafe { std::alloc::dealloc(self.0.as_ptr() as *mut u8, layout) }
        }
    }
}

impl Deref for Str {
    type Target = str;
    #[inline(always)]
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Str {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Str {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Str {
    #[inline]
    fn eq(&self, other: &Str) -> bool {
        Str::ptr_eq(self, other) || self.as_str() == other.as_str()
    }
}

impl Eq for Str {}

impl PartialEq<str> for Str {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Str {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialOrd for Str {
    fn partial_cmp(&self, other: &Str) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Str {
    fn cmp(&self, other: &Str) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

/// As `str` hashes: a `Str` and the `str` it holds are the same key
/// (`Borrow<str>`).
impl Hash for Str {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl fmt::Debug for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl Default for Str {
    fn default() -> Str {
        Str::new("")
    }
}

impl From<&str> for Str {
    fn from(s: &str) -> Str {
        Str::new(s)
    }
}

impl From<&mut str> for Str {
    fn from(s: &mut str) -> Str {
        Str::new(s)
    }
}

impl From<String> for Str {
    fn from(s: String) -> Str {
        Str::new(&s)
    }
}

impl From<&String> for Str {
    fn from(s: &String) -> Str {
        Str::new(s)
    }
}

impl From<Box<str>> for Str {
    fn from(s: Box<str>) -> Str {
        Str::new(&s)
    }
}

impl From<std::borrow::Cow<'_, str>> for Str {
    fn from(s: std::borrow::Cow<'_, str>) -> Str {
        Str::new(&s)
    }
}

impl From<&Str> for String {
    fn from(s: &Str) -> String {
        s.as_str().to_owned()
    }
}

impl From<Str> for String {
    fn from(s: Str) -> String {
        s.as_str().to_owned()
    }
}

impl serde::Serialize for Str {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Str {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Str, D::Error> {
        struct Visit;
        impl serde::de::Visitor<'_> for Visit {
            type Value = Str;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Str, E> {
                Ok(Str::new(s))
            }
        }
        d.deserialize_str(Visit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_is_one_pointer_and_keeps_its_bytes() {
        assert_eq!(std::mem::size_of::<Str>(), 8);
        assert_eq!(std::mem::size_of::<Option<Str>>(), 8);
        for s in ["", "a", "services", "ünïcödé ✓", &"x".repeat(1000)] {
            let t = Str::from(s);
            assert_eq!(&*t, s);
            assert_eq!(t.len(), s.len());
            let u = t.clone();
            assert!(Str::ptr_eq(&t, &u));
            assert_eq!(Str::count(&t), 2);
            drop(u);
            assert_eq!(Str::count(&t), 1);
            assert_eq!(t, Str::from(s.to_string()));
        }
    }

    #[test]
    fn a_text_orders_and_hashes_as_its_str() {
        use std::collections::hash_map::DefaultHasher;
        let (a, b) = (Str::from("abc"), Str::from("abd"));
        assert!(a < b);
        assert_eq!(a.cmp(&Str::from("abc")), std::cmp::Ordering::Equal);
        let hash = |h: &dyn Fn(&mut DefaultHasher)| {
            let mut s = DefaultHasher::new();
            h(&mut s);
            s.finish()
        };
        assert_eq!(hash(&|s| a.hash(s)), hash(&|s| "abc".hash(s)));
        let mut set = std::collections::HashSet::new();
        set.insert(a.clone());
        assert!(set.contains("abc"));
    }
}
