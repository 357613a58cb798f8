//! The journal: what happened to each action of a plan, run after run, in
//! a state directory (`<state>/<plan hash>/journal.jsonl`, one JSON record a
//! line, appended before and after every action, synced where a resume
//! would trust it without a check; locked while a run has it open), and each
//! run's full output log beside it (`runs/<run>.log`). `--resume` reads it
//! to learn what was done; it never trusts it where a check can tell.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::fd::{AsRawFd, RawFd};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Started,
    /// Ran and succeeded.
    Done,
    /// Its check said the effect was already there.
    AlreadyDone,
    /// Its condition was false for this target.
    NotNeeded,
    Failed,
    /// Not run: something it depends on failed.
    Blocked,
}

impl Status {
    /// The action's effect is there (as far as this record goes).
    pub fn completed(self) -> bool {
        matches!(self, Status::Done | Status::AlreadyDone | Status::NotNeeded)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub run: String,
    pub action: String,
    pub status: Status,
    /// Seconds since the epoch.
    pub at: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// sha256 of the action's stdout and stderr.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_sha256: Option<String>,
    /// A value later actions use (the store path `install/build` printed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

pub fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// The journal of one plan.
pub struct Journal {
    dir: PathBuf,
    file: File,
    /// Held by this run and inherited by the commands it starts here:
    /// while any of them lives (nixplan killed, its action not), the plan
    /// cannot be applied again.
    running: File,
    log: File,
    pub run: String,
    /// What earlier runs recorded (read when the journal was opened).
    pub earlier: Vec<Record>,
}

/// Take an exclusive `flock` on `file`, waiting up to two seconds while
/// it is held. A lock is held by an open file description, which a child
/// forked by any thread of this process shares until its exec closes it
/// (`O_CLOEXEC` acts only at the exec): a journal this process has just
/// closed can look locked for that moment. A run that really holds it
/// holds it for longer than the wait.
fn lock_soon(file: &File) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    loop {
        // SAFETY: flock(2) on a descriptor the caller owns.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
            return true;
        }
        let held = std::io::Error::last_os_error().raw_os_error() == Some(libc::EWOULDBLOCK);
        if !held || std::time::Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Lock `DIR/running.lock`; the commands this run starts on this machine
/// inherit it (the lock lasts while any process holds the descriptor).
fn running_lock(dir: &Path) -> Result<File, String> {
    let path = dir.join("running.lock");
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    if !lock_soon(&file) {
        return Err(format!(
            "a command started by an earlier run of this plan is still running (it holds {}): wait for it to end, or end it, before applying again",
            path.display()
        ));
    }
    Ok(file)
}

/// The journal file at `path`, opened for appending and locked (`flock`,
/// exclusive): another nixplan applying the plan holds it otherwise.
fn locked_journal(path: &Path) -> Result<File, String> {
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    if !lock_soon(&file) {
        return Err(format!(
            "another nixplan is applying this plan (its journal {} is locked)",
            path.display()
        ));
    }
    Ok(file)
}

impl Journal {
    /// The lock the commands of this run hold while they live.
    pub fn running_lock(&self) -> RawFd {
        self.running.as_raw_fd()
    }

    /// The directory of a plan's journal under a state directory.
    pub fn dir_for(state_dir: &Path, plan_hash: &str) -> PathBuf {
        let hex = plan_hash.trim_start_matches("sha256:");
        state_dir.join(&hex[..hex.len().min(16)])
    }

    pub fn open(state_dir: &Path, plan_hash: &str) -> Result<Journal, String> {
        let dir = Self::dir_for(state_dir, plan_hash);
        std::fs::create_dir_all(dir.join("runs"))
            .map_err(|e| format!("cannot create the state directory {}: {e}", dir.display()))?;
        let path = dir.join("journal.jsonl");
        // One run of a plan at a time: the lock lasts as long as the file
        // is open (this Journal), and is taken before anything is read.
        let file = locked_journal(&path)?;
        let running = running_lock(&dir)?;
        let (earlier, whole) = read(&path)?;
        // A torn last line (an interrupted write, a full disk) is cut off,
        // so that this run's records start on a line of their own.
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        if len > whole {
            file.set_len(whole)
                .and_then(|_| file.sync_data())
                .map_err(|e| format!("cannot repair {}: {e}", path.display()))?;
        }
        // A run id that sorts by time and never repeats in one directory.
        let mut n = 0;
        let stamp = now() as u64;
        let run = loop {
            let candidate = format!("{stamp}-{n}");
            if !dir.join("runs").join(format!("{candidate}.log")).exists() {
                break candidate;
            }
            n += 1;
        };
        let log_path = dir.join("runs").join(format!("{run}.log"));
        let log = File::create(&log_path)
            .map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
        Ok(Journal {
            dir,
            file,
            running,
            log,
            run,
            earlier,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Begin again, forgetting what earlier runs did (a deploy is run
    /// again whole): their journal is kept beside as
    /// `journal.before-RUN.jsonl`, and a new one is locked in its place.
    pub fn start_over(&mut self) -> Result<PathBuf, String> {
        let path = self.dir.join("journal.jsonl");
        let kept = self.dir.join(format!("journal.before-{}.jsonl", self.run));
        std::fs::rename(&path, &kept)
            .map_err(|e| format!("cannot move {} aside: {e}", path.display()))?;
        self.file = locked_journal(&path)?;
        self.earlier.clear();
        Ok(kept)
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.join("runs").join(format!("{}.log", self.run))
    }

    /// Append a record; `durable` ones are synced before this returns.
    /// (The executor syncs the completions a resume would trust without
    /// asking: those of actions that have no check. A lost record of any
    /// other kind only makes a resume run a check again.)
    pub fn record(&mut self, mut r: Record, durable: bool) -> Result<(), String> {
        r.run = self.run.clone();
        let mut line = serde_json::to_string(&r).expect("records serialise");
        line.push('\n');
        self.file
            .write_all(line.as_bytes())
            .and_then(|_| {
                if durable {
                    self.file.sync_data()
                } else {
                    Ok(())
                }
            })
            .map_err(|e| format!("cannot write the journal in {}: {e}", self.dir.display()))
    }

    pub fn log(&mut self, text: &str) {
        let _ = self.log.write_all(text.as_bytes());
    }

    /// The last completing record of each action in earlier runs.
    pub fn completed_earlier(&self) -> BTreeMap<String, Record> {
        let mut out: BTreeMap<String, Record> = BTreeMap::new();
        for r in &self.earlier {
            if r.status.completed() {
                out.insert(r.action.clone(), r.clone());
            } else if r.status != Status::Started {
                out.remove(&r.action);
            }
        }
        out
    }
}

/// The records of a journal, and the length of its whole lines (a torn
/// last line, which an interrupted write leaves, is not counted).
fn read(path: &Path) -> Result<(Vec<Record>, u64), String> {
    // Bytes, not text: a write cut short may end inside a character.
    let data = match std::fs::read(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), 0)),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let mut out = Vec::new();
    let mut whole = 0u64;
    let lines: Vec<&[u8]> = data.split_inclusive(|b| *b == b'\n').collect();
    for (n, line) in lines.iter().enumerate() {
        let last = n + 1 == lines.len();
        // Only the last piece can lack its newline: it is torn.
        let Some(body) = line.strip_suffix(b"\n") else {
            break;
        };
        match serde_json::from_slice::<Record>(body) {
            Ok(r) => {
                out.push(r);
                whole += line.len() as u64;
            }
            Err(_) if last => {}
            Err(e) => return Err(format!("{} line {}: {e}", path.display(), n + 1)),
        }
    }
    Ok((out, whole))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(action: &str, status: Status) -> Record {
        Record {
            run: String::new(),
            action: action.into(),
            status,
            at: now(),
            seconds: None,
            exit_code: None,
            output_sha256: None,
            value: None,
        }
    }

    #[test]
    fn journals_survive_reopening_and_a_torn_last_line() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::open(dir.path(), "sha256:0123456789abcdef0123").unwrap();
        j.record(rec("a", Status::Started), true).unwrap();
        j.record(rec("a", Status::Done), true).unwrap();
        j.record(rec("b", Status::Started), true).unwrap();
        j.record(rec("c", Status::AlreadyDone), true).unwrap();
        j.record(rec("c", Status::Failed), true).unwrap();
        let first = j.run.clone();
        drop(j);
        let path = dir.path().join("0123456789abcdef/journal.jsonl");
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        // Cut inside a two-byte character.
        f.write_all(b"{\"run\":\"x\",\"action\":\"persist/dir/home/j\xc3")
            .unwrap();
        let mut j = Journal::open(dir.path(), "sha256:0123456789abcdef0123").unwrap();
        assert_ne!(j.run, first);
        let done = j.completed_earlier();
        assert_eq!(done.keys().collect::<Vec<_>>(), vec!["a"]);
        assert_eq!(done["a"].run, first);
        // The torn piece was cut off: what this run writes reads back.
        j.record(rec("b", Status::Done), true).unwrap();
        drop(j);
        let j = Journal::open(dir.path(), "sha256:0123456789abcdef0123").unwrap();
        let done = j.completed_earlier();
        assert_eq!(done.keys().collect::<Vec<_>>(), vec!["a", "b"]);
        // While it is open, another run of the plan is refused.
        let other = Journal::open(dir.path(), "sha256:0123456789abcdef0123").err();
        assert!(other
            .unwrap()
            .contains("another nixplan is applying this plan"));
        drop(j);
        // Dropped, the lock is free.
        Journal::open(dir.path(), "sha256:0123456789abcdef0123").unwrap();
    }
}
