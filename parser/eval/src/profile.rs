//! A profile of evaluation by function (`Settings::profile`; the binary
//! turns it on for `NIXPLAN_EVAL_PROFILE=FILE` and writes
//! `Eval::profile_report` there): for each lambda (by where it is
//! written) and each builtin, how often it was called and the evaluation
//! steps and time spent inside its calls, counted once however deeply it
//! recurses. What lazily evaluated thunks cost is counted where they are
//! forced, as in any profile of a lazy language. Each function's own steps
//! (those taken while it is the innermost function called, not in the
//! functions it calls) are counted too, and the functions that took most
//! are listed again by them. For finding hot spots in
//! Nix code by hand; off, it costs a flag test on entering and leaving
//! each call.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use nixplan_syntax::lower::ExprId;

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    Lambda(ExprId),
    Builtin(&'static str),
}

#[derive(Default)]
struct Entry {
    calls: u64,
    steps: u64,
    time: Duration,
    /// Steps taken while this function was the innermost profiled call.
    own: u64,
    active: u32,
}

/// A call under way.
struct Open {
    key: Option<Key>,
    steps: u64,
    start: Option<Instant>,
}

#[derive(Default)]
pub struct Profile {
    entries: HashMap<Key, Entry>,
    /// The calls under way, innermost last (`None`: a call that is not
    /// profiled, such as a functor's).
    open: Vec<Open>,
    started: Option<Instant>,
    /// The step count when a call last began or ended: the steps since are
    /// the innermost profiled call's own.
    mark: u64,
}

impl Profile {
    /// The steps since the last call began or ended, to the innermost
    /// profiled call under way.
    fn own_steps(&mut self, steps: u64) {
        let since = steps.wrapping_sub(self.mark);
        self.mark = steps;
        if let Some(key) = self.open.iter().rev().find_map(|o| o.key) {
            self.entries.entry(key).or_default().own += since;
        }
    }

    pub(crate) fn enter(&mut self, key: Option<Key>, steps: u64) {
        self.started.get_or_insert_with(Instant::now);
        self.own_steps(steps);
        let outer = match key {
            Some(k) => {
                let e = self.entries.entry(k).or_default();
                e.active += 1;
                // Only the outermost call of a recursion counts its time.
                e.active == 1
            }
            None => false,
        };
        self.open.push(Open {
            key,
            steps,
            start: outer.then(Instant::now),
        });
    }

    pub(crate) fn leave(&mut self, steps: u64) {
        self.own_steps(steps);
        let Some(Open {
            key: Some(key),
            steps: from,
            start,
        }) = self.open.pop()
        else {
            return;
        };
        let e = self.entries.entry(key).or_default();
        e.calls += 1;
        e.active = e.active.saturating_sub(1);
        if let Some(start) = start {
            e.time += start.elapsed();
            e.steps += steps.wrapping_sub(from);
        }
    }

    /// The report: the `limit` entries that took longest, one per line,
    /// with `describe` naming a lambda by where it is written; then the
    /// `limit` that took most steps of their own.
    pub(crate) fn report(&self, limit: usize, describe: impl Fn(ExprId) -> String) -> String {
        let total = self.started.map(|s| s.elapsed()).unwrap_or_default();
        let mut rows: Vec<(&Key, &Entry)> = self.entries.iter().collect();
        rows.sort_by(|a, b| b.1.time.cmp(&a.1.time).then(b.1.calls.cmp(&a.1.calls)));
        let header = format!(
            "# {:>9} {:>6} {:>10} {:>12} {:>10}  function\n",
            "ms", "%", "calls", "steps", "own steps"
        );
        let mut out = format!(
            "# nixplan evaluation profile: {:.1} ms in all; per function, inclusive (a recursion counted once), and the steps of its own\n{header}",
            total.as_secs_f64() * 1e3,
        );
        let by_own = {
            let mut r = rows.clone();
            r.sort_by(|a, b| b.1.own.cmp(&a.1.own).then(b.1.calls.cmp(&a.1.calls)));
            r.truncate(limit);
            r
        };
        rows.truncate(limit);
        let line = |(key, e): (&Key, &Entry)| {
            let name = match key {
                Key::Lambda(id) => describe(*id),
                Key::Builtin(name) => format!("builtins.{name}"),
            };
            let ms = e.time.as_secs_f64() * 1e3;
            let pct = if total.is_zero() {
                0.0
            } else {
                100.0 * e.time.as_secs_f64() / total.as_secs_f64()
            };
            format!(
                "  {ms:>9.2} {pct:>5.1}% {:>10} {:>12} {:>10}  {name}\n",
                e.calls, e.steps, e.own
            )
        };
        out.extend(rows.into_iter().map(line));
        out.push_str(&format!("# the same, by the steps of their own\n{header}"));
        out.extend(by_own.into_iter().map(line));
        out
    }
}
