//! The `nixplan` command: argument parsing and glue over the parser,
//! planner and executor crates. Only this crate touches the terminal, the
//! process environment and the real file system.

mod apply_cmd;
mod block_cache;
mod cli;
mod config_cmd;
mod eval_cmd;
mod hive_apply;
mod inputs_cmd;
mod lint_cmd;
mod nodes;
mod plan_cmd;
mod report;
mod target;
mod verify_cmd;

use std::alloc::{GlobalAlloc, Layout};
use std::process::ExitCode;
use std::sync::atomic::Ordering::Relaxed;

use clap::Parser;

// The evaluator allocates many small, short-lived values: mimalloc, asked
// directly (`mi_malloc`) where its plain alignment suffices.
#[global_allocator]
static ALLOC: PlainMiMalloc = PlainMiMalloc;

struct PlainMiMalloc;

/// Whether mimalloc's plain `mi_malloc` gives this layout's alignment by
/// itself: its blocks are aligned to 8 bytes (it is built with
/// `MI_MAX_ALIGN_SIZE=8`, .cargo/config.toml, so that its small blocks
/// come in every multiple of 8 bytes; built with its default of 16 they
/// are aligned more). `MiMalloc` asks for every allocation through
/// `mi_malloc_aligned`, whose path is slower: only what needs more than 8
/// takes it.
fn plain(layout: Layout) -> bool {
    // A block is at least a word (and aligned to it); one of two words
    // or more, to 8 bytes (mimalloc's smallest blocks on a 32-bit target
    // are 4 bytes).
    layout.align() <= std::mem::size_of::<usize>()
        || (layout.align() <= 8 && layout.align() <= layout.size())
}

// SAFETY: every call is forwarded to mimalloc (`mi_malloc`/`mi_zalloc`
// where `plain` says their alignment suffices, else mimalloc's own
// GlobalAlloc, with the same arguments), or for a small block to the
// thread's cache of freed ones (`block_cache`), whose blocks are
// mimalloc's blocks of the layout's size rounded up to 8 (asked so:
// `mi_malloc`, `mi_zalloc`), aligned to 8 (a small layout it keeps asks
// no more). A block is freed to the cache by its layout's size, which is
// its allocation's: every block of a size the cache keeps was allocated
// at that size rounded up to 8, and a realloc within one rounded size
// keeps its block. Every block is freed and reallocated by mimalloc or
// the cache, which take blocks of either.
unsafe impl GlobalAlloc for PlainMiMalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if let Some(i) = block_cache::list_of(layout.size(), layout.align()) {
            return block_cache::take(i);
        }
        if plain(layout) {
            unsafe { libmimalloc_sys::mi_malloc(layout.size()) as *mut u8 }
        } else {
            unsafe { mimalloc::MiMalloc.alloc(layout) }
        }
    }
    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if let Some(i) = block_cache::list_of(layout.size(), layout.align()) {
            // SAFETY: as the caller of dealloc says, a block of this layout.
            return unsafe { block_cache::give(i, ptr) };
        }
        unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if let Some(i) = block_cache::list_of(layout.size(), layout.align()) {
            // Of the list's rounded size, as every block that may be freed
            // to it (mimalloc rounds less on a 32-bit target).
            return unsafe { libmimalloc_sys::mi_zalloc((i + 1) << 3) as *mut u8 };
        }
        if plain(layout) {
            unsafe { libmimalloc_sys::mi_zalloc(layout.size()) as *mut u8 }
        } else {
            unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) }
        }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let list = |size| block_cache::list_of(size, layout.align());
        let (from, to) = (list(layout.size()), list(new_size));
        if from.is_some() && from == to {
            // The block is of the new size's rounded size already.
            return ptr;
        }
        if from.is_some() || to.is_some() {
            // From or to a cached size: a new block, the bytes copied, the
            // old one freed (each by its own layout).
            // SAFETY: as the caller of realloc says, `new_size` with this
            // alignment is a valid layout.
            let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
            let new = unsafe { self.alloc(new_layout) };
            if !new.is_null() {
                // SAFETY: both blocks hold the bytes copied, and differ.
                unsafe {
                    std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                    self.dealloc(ptr, layout);
                }
            }
            return new;
        }
        unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) }
    }
}

/// The memory this process holds from the system for its heap now
/// (mimalloc's committed memory). Asked now and then by the evaluator (it
/// was a count kept on every allocation and free: two atomic operations
/// each, a tenth of the evaluation's time).
pub fn memory_in_use() -> usize {
    let mut commit = 0usize;
    // SAFETY: every out-parameter but one is null, which mimalloc allows;
    // `commit` is a valid place for the one asked.
    unsafe {
        libmimalloc_sys::mi_process_info(
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            &mut commit,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        )
    };
    commit
}

/// mimalloc's `mi_option_arena_eager_commit` and `mi_option_arena_reserve`
/// (in KiB) (their numbers in its `mi_option_e`, the same in mimalloc 2
/// and 3; libmimalloc-sys names no constants for them).
const MI_OPTION_ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
const MI_OPTION_ARENA_RESERVE: libmimalloc_sys::mi_option_t = 23;

/// mimalloc reserves its memory in arenas (1 GiB each by default). On
/// Linux it commits an arena eagerly and asks for transparent huge pages,
/// which is fast for a big evaluation (module-tree: 7,000 page faults
/// instead of 38,000) but costs every run 20-25 MB of resident memory in
/// 2 MiB pages (home-manager's workload: 36 MB, nix 28). So the first
/// arena is reserved small (mimalloc makes it 64 MiB at least) and
/// committed on demand, and a small evaluation stays small; the arenas a
/// big one needs after it are as mimalloc (or its environment variables)
/// would make them: `main` puts back the values saved here. Set before
/// `main`: the runtime's first allocation reserves the first arena.
#[ctor::ctor(unsafe)]
fn small_first_arena() {
    // SAFETY: mimalloc allows reading and setting an option at any time,
    // also before its own initialisation (the option table is static; a
    // first read takes the environment's value without allocating).
    unsafe {
        for ((option, small), saved) in FIRST_ARENA.iter().zip(&SAVED) {
            saved.store(libmimalloc_sys::mi_option_get(*option) as i64, Relaxed);
            libmimalloc_sys::mi_option_set(*option, *small);
        }
    }
}

/// The options set for the first arena, and their values for it (the
/// reserve in KiB).
const FIRST_ARENA: [(libmimalloc_sys::mi_option_t, std::ffi::c_long); 2] = [
    (MI_OPTION_ARENA_EAGER_COMMIT, 0),
    (MI_OPTION_ARENA_RESERVE, 32 * 1024),
];

/// Their values before (mimalloc's defaults, or the environment's).
static SAVED: [std::sync::atomic::AtomicI64; FIRST_ARENA.len()] =
    [const { std::sync::atomic::AtomicI64::new(0) }; FIRST_ARENA.len()];

/// The stack of a thread that evaluates (the evaluator also grows its
/// stack on demand and bounds its depth).
pub const EVAL_STACK: usize = 256 * 1024 * 1024;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    // The first arena is there (parsing the arguments allocated): the
    // next ones as mimalloc would make them.
    for ((option, _), saved) in FIRST_ARENA.iter().zip(&SAVED) {
        let before = saved.load(Relaxed) as std::ffi::c_long;
        // SAFETY: as in `small_first_arena`; no other thread exists yet.
        unsafe { libmimalloc_sys::mi_option_set(*option, before) };
    }
    report::install();
    // Evaluation recurses; run it on a thread with a generous stack (the
    // evaluator also grows its stack on demand and bounds its depth).
    let worker = std::thread::Builder::new()
        .name("nixplan".into())
        .stack_size(EVAL_STACK)
        .spawn(move || {
            let code = run(args);
            // The process ends with this thread: the blocks it keeps are
            // not given back one by one.
            block_cache::forget_lists();
            code
        });
    match worker.map(|h| h.join()) {
        Ok(Ok(code)) => code,
        _ => {
            eprintln!("error: nixplan failed unexpectedly");
            ExitCode::from(1)
        }
    }
}

fn run(args: cli::Cli) -> ExitCode {
    match args.command {
        cli::Command::Eval(a) => eval_cmd::run(a),
        cli::Command::Config(a) => config_cmd::run(a),
        cli::Command::Plan(a) => plan_cmd::run(a),
        cli::Command::Lint(a) => lint_cmd::run(a),
        cli::Command::Explain { code } => lint_cmd::explain(&code),
        cli::Command::Apply(a) => apply_cmd::run(a),
        cli::Command::Inputs(a) => inputs_cmd::run(a),
        cli::Command::Verify {
            plan,
            allowed_signers,
        } => verify_cmd::run(&plan, allowed_signers.as_deref()),
    }
}

#[cfg(test)]
mod tests {
    /// mimalloc was built as .cargo/config.toml asks (8-byte smallest
    /// alignment): a 40-byte block (a thunk's) is 40 bytes, not 48. Were
    /// it not, nixplan would still be right, only bigger.
    #[test]
    fn mimalloc_has_blocks_of_every_multiple_of_eight_bytes() {
        // SAFETY: a block of mimalloc's, asked its size and freed once.
        let usable = unsafe {
            let p = libmimalloc_sys::mi_malloc(40);
            assert!(!p.is_null());
            let n = libmimalloc_sys::mi_usable_size(p);
            libmimalloc_sys::mi_free(p);
            n
        };
        assert_eq!(
            usable, 40,
            "mimalloc was built without -DMI_MAX_ALIGN_SIZE=8 (.cargo/config.toml's HOST_CFLAGS/TARGET_CFLAGS, \
             which a HOST_CFLAGS or TARGET_CFLAGS of the environment replaces)"
        );
    }
}
