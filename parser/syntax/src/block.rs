//! One allocation of a head and the elements right after it, held by a
//! thin pointer to the head: the layout, the allocation and the first
//! element's place, shared by the evaluator's environments and sets and
//! by [`crate::Str`].

/// The layout of one allocation of a head `H` and `n` elements `T` right
/// after it (an environment, a set, a text), whose head's size is a multiple of an
/// element's alignment (each user checks it at compile time).
pub fn head_and_tail<H, T>(n: usize, what: &str) -> std::alloc::Layout {
    let tail = std::alloc::Layout::array::<T>(n)
        .unwrap_or_else(|_| panic!("{what} of {n} elements does not fit memory"));
    let (layout, at) = std::alloc::Layout::new::<H>()
        .extend(tail)
        .unwrap_or_else(|_| panic!("{what} of {n} elements does not fit memory"));
    debug_assert_eq!(at, std::mem::size_of::<H>());
    layout.pad_to_align()
}

/// A block of `layout` for a head `H` and its elements, not yet written.
///
/// # Safety
/// `layout` has a non-zero size (it holds the head).
pub unsafe fn alloc_head<H>(layout: std::alloc::Layout) -> std::ptr::NonNull<H> {
    // SAFETY: as the caller says.
    match std::ptr::NonNull::new(unsafe { std::alloc::alloc(layout) } as *mut H) {
        Some(head) => head,
        None => std::alloc::handle_alloc_error(layout),
    }
}

/// The first element after the head at `head` (see `head_and_tail`).
#[inline(always)]
pub fn tail_of<H, T>(head: *mut H) -> *mut T {
    // SAFETY (of the offset): within the allocation (`head_and_tail`).
    unsafe { (head as *mut u8).add(std::mem::size_of::<H>()) as *mut T }
}
