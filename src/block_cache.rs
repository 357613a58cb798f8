//! A cache, per thread, of freed small blocks in front of mimalloc: the
//! evaluator makes and frees millions of blocks of a few sizes (a thunk
//! is 32 bytes, an environment of one slot 24), mostly freeing one soon
//! after making another of its size. Here such a free puts the block on
//! its size's list and the next allocation of that size takes it back,
//! a handful of instructions each way, and the block taken is the one
//! freed last, still in the cache of the processor: mimalloc takes a
//! block freed on a page only once it has collected the page's frees,
//! so it hands out colder ones (measured on the module tree: 2-3% fewer
//! instructions, about 9% less time, in rounds that varied from 5 to 15).
//!
//! Each size up to [`LARGEST`] bytes, rounded up to 8, has a list, of at
//! most [`KEPT`] blocks: more are given back to mimalloc, so a thread
//! holds little that it does not use (at most 2.3 MB of blocks of those
//! sizes), and a thread that ends gives its lists back (a thread-specific
//! key's destructor, `closing`, set when a thread first takes a block
//! from mimalloc or first keeps one). Every block on a list is
//! mimalloc's, of at least its list's rounded size and aligned to 8 (the
//! allocator asks mimalloc for blocks of those sizes rounded so:
//! `mi_malloc` here, `mi_zalloc` in `main.rs`), so mimalloc's count of
//! committed memory (`memory_in_use`) still counts the blocks in the
//! lists.

use std::cell::Cell;

/// The largest size of block kept (bytes).
pub const LARGEST: usize = 64;
/// How many blocks of one size a thread keeps at most: enough for the
/// evaluator's churn (measured on the module tree: 8,192 as fast as
/// 65,536, 1,024 slower), few enough that giving them back when a thread
/// ends is quick.
pub const KEPT: u32 = 8192;
const SIZES: usize = LARGEST / 8;

/// The lists of one thread: for each size, the last block freed (each
/// block's first word points to the one freed before it) and how many
/// there are.
struct Lists {
    first: [Cell<*mut u8>; SIZES],
    count: [Cell<u32>; SIZES],
}

impl Lists {
    /// Keeps `p` on list `i`, unless the list is full (or not opened).
    ///
    /// # Safety
    /// `p` is a block for list `i` (see [`give`]), no longer used.
    #[inline(always)]
    unsafe fn keep(&self, i: usize, p: *mut u8) -> bool {
        let n = self.count[i].get();
        if n >= KEPT {
            return false;
        }
        // SAFETY: the block is at least a word (8 bytes or more) and not
        // used any more: its first word holds the list's next.
        unsafe { *(p as *mut *mut u8) = self.first[i].get() };
        self.first[i].set(p);
        self.count[i].set(n + 1);
        true
    }

    /// Gives every block on the lists back to mimalloc, and makes every
    /// list full, so that a block freed afterwards goes to mimalloc too.
    fn close(&self) {
        for (first, count) in self.first.iter().zip(&self.count) {
            count.set(KEPT);
            let mut p = first.replace(std::ptr::null_mut());
            while !p.is_null() {
                // SAFETY: a block on a list is mimalloc's, not in use, and
                // its first word is the next one's address (`give`).
                unsafe {
                    let next = *(p as *mut *mut u8);
                    libmimalloc_sys::mi_free(p as *mut std::ffi::c_void);
                    p = next;
                }
            }
        }
    }
}

thread_local! {
    /// A thread's lists start full (of nothing: a block freed goes to
    /// `give_slow`, a block asked for to `new_block`), so that the fast
    /// paths need no test of whether they were opened.
    static LISTS: Lists = const {
        Lists {
            first: [const { Cell::new(std::ptr::null_mut()) }; SIZES],
            count: [const { Cell::new(KEPT) }; SIZES],
        }
    };
    /// Whether the thread's lists were opened, and set to be closed when
    /// it ends (`open`).
    static OPENED: Cell<bool> = const { Cell::new(false) };
}

/// The lists of a thread that ends are closed by a destructor of a
/// POSIX thread-specific key, not of a `thread_local!`: the lists have
/// none, so reading them is a plain read of the thread's memory with no
/// test of a destructor's state, and registering one for a thread
/// allocates nothing of Rust's (std's registration may, inside this
/// allocator, which std refuses).
fn closing() -> Option<libc::pthread_key_t> {
    static KEY: std::sync::OnceLock<Option<libc::pthread_key_t>> = std::sync::OnceLock::new();
    *KEY.get_or_init(|| {
        let mut key: libc::pthread_key_t = 0;
        // SAFETY: `key` is a valid place for the key; the destructor is
        // an `extern "C"` function of one pointer.
        (unsafe { libc::pthread_key_create(&mut key, Some(close_lists)) } == 0).then_some(key)
    })
}

/// Empties the calling thread's lists without giving their blocks back,
/// and closes them (a block freed afterwards goes to mimalloc): for the
/// thread whose end ends the process, where giving back thousands of
/// blocks one by one would be work for nothing (as the evaluator is
/// forgotten, not dropped, at the end).
pub fn forget_lists() {
    LISTS.with(|l| {
        for (first, count) in l.first.iter().zip(&l.count) {
            first.set(std::ptr::null_mut());
            count.set(KEPT);
        }
    });
}

/// The key's destructor: the ending thread's lists go back to mimalloc.
extern "C" fn close_lists(_: *mut libc::c_void) {
    // The lists outlive the key's destructors (they have no destructor).
    LISTS.with(Lists::close);
}

/// The list of a block of `size` bytes aligned to `align`, if it is kept
/// here: up to [`LARGEST`] bytes, aligned to 8 at most (mimalloc's
/// blocks of those sizes are aligned to 8: .cargo/config.toml).
#[inline(always)]
pub fn list_of(size: usize, align: usize) -> Option<usize> {
    (size != 0 && size <= LARGEST && align <= 8).then(|| (size - 1) >> 3)
}

/// A block for list `i`: the last one freed to it, else a new one of
/// mimalloc's (null if there is no memory).
#[inline(always)]
pub fn take(i: usize) -> *mut u8 {
    let p = LISTS.with(|l| {
        let p = l.first[i].get();
        if !p.is_null() {
            // SAFETY: a block on a list is not in use and its first word
            // is the next one's address (`give`).
            l.first[i].set(unsafe { *(p as *mut *mut u8) });
            l.count[i].set(l.count[i].get() - 1);
        }
        p
    });
    if !p.is_null() {
        return p;
    }
    new_block(i)
}

/// A new block of mimalloc's for list `i` (the thread's lists set to be
/// closed when it ends, if they were not).
#[inline(never)]
fn new_block(i: usize) -> *mut u8 {
    if !OPENED.get() {
        open();
    }
    // SAFETY: mi_malloc may be called with any size.
    unsafe { libmimalloc_sys::mi_malloc((i + 1) << 3) as *mut u8 }
}

/// Opens the thread's lists (empty) and sets them to be closed when it
/// ends: once, when a thread first takes a block from mimalloc or first
/// frees one (a thread may only free what others made).
#[cold]
#[inline(never)]
fn open() {
    // Set first: nothing below allocates through this allocator, and if
    // it did, it would not come back here.
    OPENED.set(true);
    LISTS.with(|l| {
        for count in &l.count {
            count.set(0);
        }
    });
    if let Some(key) = closing() {
        // SAFETY: a key made by pthread_key_create; any non-null value
        // makes its destructor run when the thread ends.
        unsafe {
            libc::pthread_setspecific(
                key,
                std::ptr::NonNull::<u8>::dangling().as_ptr() as *const _,
            )
        };
    }
}

/// Frees `p`, a block for list `i` (of `take`, or of mimalloc's of that
/// list's rounded size or more): onto the list, or back to mimalloc when
/// the list is full (or closed: the thread is ending).
///
/// # Safety
/// `p` is such a block, no longer used.
#[inline(always)]
pub unsafe fn give(i: usize, p: *mut u8) {
    // SAFETY: as the caller says. A full list, or one not opened yet,
    // sends it to `give_slow`.
    if !LISTS.with(|l| unsafe { l.keep(i, p) }) {
        // SAFETY: as the caller says.
        unsafe { give_slow(i, p) }
    }
}

/// [`give`] where the list is full (the block goes to mimalloc) or not
/// opened yet (the thread's first block freed: opened first).
///
/// # Safety
/// As [`give`].
#[cold]
#[inline(never)]
unsafe fn give_slow(i: usize, p: *mut u8) {
    if !OPENED.get() {
        open();
    }
    // SAFETY: as the caller says.
    if !LISTS.with(|l| unsafe { l.keep(i, p) }) {
        // SAFETY: as the caller says, a block of mimalloc's.
        unsafe { libmimalloc_sys::mi_free(p as *mut std::ffi::c_void) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A block freed is the next one taken of its size, not of another.
    #[test]
    fn the_block_freed_last_is_taken_first() {
        let i = list_of(32, 8).unwrap();
        let j = list_of(24, 8).unwrap();
        assert_ne!(i, j);
        let a = take(i);
        let b = take(i);
        assert!(!a.is_null() && !b.is_null() && a != b);
        // SAFETY: blocks of `take` for these lists, freed once each.
        unsafe {
            give(i, a);
            give(i, b);
        }
        let other = take(j);
        assert!(other != a && other != b);
        assert_eq!(take(i), b);
        assert_eq!(take(i), a);
        // SAFETY: as above.
        unsafe {
            give(j, other);
            give(i, a);
            give(i, b);
        }
    }

    /// Only small blocks of an alignment mimalloc's small blocks have are
    /// kept, each by its size rounded up to 8.
    #[test]
    fn sizes_are_kept_by_eights_up_to_the_largest() {
        assert_eq!(list_of(1, 1), Some(0));
        assert_eq!(list_of(8, 8), Some(0));
        assert_eq!(list_of(9, 8), Some(1));
        assert_eq!(list_of(LARGEST, 8), Some(SIZES - 1));
        assert_eq!(list_of(LARGEST + 1, 8), None);
        assert_eq!(list_of(0, 1), None);
        assert_eq!(list_of(32, 16), None);
    }

    /// A list keeps at most `KEPT` blocks; the rest go back to mimalloc.
    /// A thread's first block of mimalloc's sets its lists to be closed
    /// when it ends; closed, they hold nothing, and a block freed
    /// afterwards goes to mimalloc.
    #[test]
    fn a_list_is_bounded_and_closed_when_its_thread_ends() {
        std::thread::spawn(|| {
            let i = list_of(16, 8).unwrap();
            let blocks: Vec<*mut u8> = (0..KEPT + 100).map(|_| take(i)).collect();
            assert!(blocks.iter().all(|p| !p.is_null()));
            let key = closing().expect("a key for closing lists");
            // SAFETY: a key made by pthread_key_create.
            assert!(OPENED.get() && !unsafe { libc::pthread_getspecific(key) }.is_null());
            for p in &blocks {
                // SAFETY: blocks of `take`, each freed once.
                unsafe { give(i, *p) };
            }
            assert_eq!(LISTS.with(|l| l.count[i].get()), KEPT);
            // What the key's destructor does when the thread ends.
            close_lists(std::ptr::null_mut());
            let empty = || LISTS.with(|l| l.first.iter().all(|f| f.get().is_null()));
            assert!(empty());
            let p = take(i);
            assert!(!p.is_null());
            // SAFETY: a block of `take`, freed once.
            unsafe { give(i, p) };
            assert!(empty());
        })
        .join()
        .unwrap();
    }

    /// Forgotten lists are empty and closed: what is freed afterwards goes
    /// to mimalloc.
    #[test]
    fn forgotten_lists_are_empty_and_closed() {
        std::thread::spawn(|| {
            let i = list_of(40, 8).unwrap();
            // A thread's lists are opened (emptied) by its first block taken
            // from mimalloc or freed: std may have done either already.
            let before = if OPENED.get() {
                LISTS.with(|l| l.count[i].get())
            } else {
                0
            };
            let p = take(i);
            // SAFETY: a block of `take`, freed once.
            unsafe { give(i, p) };
            assert_eq!(LISTS.with(|l| l.count[i].get()), before.max(1));
            forget_lists();
            let q = take(i);
            // SAFETY: as above.
            unsafe { give(i, q) };
            assert!(LISTS.with(|l| l.first[i].get().is_null() && l.count[i].get() == KEPT));
        })
        .join()
        .unwrap();
    }
}
