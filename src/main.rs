//! The `nixplan` command: argument parsing and glue over the parser,
//! planner and executor crates. Only this crate touches the terminal, the
//! process environment and the real file system.

mod apply_cmd;
mod cli;
mod config_cmd;
mod eval_cmd;
mod hive_apply;
mod inputs_cmd;
mod lint_cmd;
mod plan_cmd;
mod report;
mod target;
mod verify_cmd;

use std::alloc::{GlobalAlloc, Layout};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

use clap::Parser;

// The evaluator allocates many small, short-lived values (mimalloc); the
// bytes in use are counted, so that evaluation can stop with an error at
// its memory limit instead of aborting when the system has none left.
#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

static IN_USE: AtomicUsize = AtomicUsize::new(0);

struct CountingAlloc;

/// Whether mimalloc's plain `mi_malloc` gives this layout's alignment by
/// itself: its blocks are aligned to 16 bytes, or to their size below 16
/// (the rule std's own allocators use for `malloc`). `MiMalloc` asks for
/// every allocation through `mi_malloc_aligned`, whose path is slower.
fn plain(layout: Layout) -> bool {
    layout.align() <= 16 && layout.align() <= layout.size()
}

// SAFETY: every call is forwarded to mimalloc (`mi_malloc`/`mi_zalloc`
// where `plain` says their alignment suffices, else mimalloc's own
// GlobalAlloc, with the same arguments); every block is freed and
// reallocated by mimalloc, which takes blocks of either; the counter only
// observes sizes.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = if plain(layout) {
            unsafe { libmimalloc_sys::mi_malloc(layout.size()) as *mut u8 }
        } else {
            unsafe { mimalloc::MiMalloc.alloc(layout) }
        };
        if !p.is_null() {
            IN_USE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = if plain(layout) {
            unsafe { libmimalloc_sys::mi_zalloc(layout.size()) as *mut u8 }
        } else {
            unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) }
        };
        if !p.is_null() {
            IN_USE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
            IN_USE.fetch_add(new_size, Ordering::Relaxed);
        }
        p
    }
}

/// The bytes this process has allocated and not freed.
pub fn memory_in_use() -> usize {
    IN_USE.load(Ordering::Relaxed)
}

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    report::install();
    // Evaluation recurses; run it on a thread with a generous stack (the
    // evaluator also grows its stack on demand and bounds its depth).
    let worker = std::thread::Builder::new()
        .name("nixplan".into())
        .stack_size(256 * 1024 * 1024)
        .spawn(move || run(args));
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
