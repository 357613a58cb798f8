//! One run per disk: before the first action that destroys data on the
//! target, the run takes a lock for each disk the plan wipes, held on the
//! target itself (`flock` on `/run/nixplan/disk-NAME.lock`, NAME the
//! kernel's name of the disk the path resolves to there, so two paths of
//! one disk share a lock) by a command that lives as long as the run:
//! when nixplan ends or dies, its stdin closes and the locks go. A second
//! nixplan, from any machine or state directory, cannot take them.

use super::*;
use crate::transport::Held;

/// What the lock command prints once it holds every lock.
pub(super) const LOCKED: &str = "nixplan: disks locked";

/// Where the disk locks stand in a run.
pub(super) enum DiskLocks {
    /// Not taken yet: the disks the plan wipes.
    Pending(Vec<String>),
    /// Held (the holder lives in the `Held`) for these disks.
    Held { _holder: Held, disks: Vec<String> },
    /// Could not be taken; every destructive action fails with this.
    Refused(String),
}

/// The POSIX sh script that locks `disks` on the target and then waits for
/// its stdin to close. Its first line is [`LOCKED`], or why it could not.
pub(super) fn lock_script(disks: &[String]) -> String {
    let args: Vec<String> = disks.iter().map(|d| sh_quote(d)).collect();
    format!(
        r#"set -u
command -v flock >/dev/null 2>&1 || {{ echo "flock (util-linux) is not installed on the target: its disks cannot be locked"; exit 3; }}
mkdir -p /run/nixplan || {{ echo "cannot create /run/nixplan on the target"; exit 3; }}
seen=" "
hold() {{
  if [ "$#" -eq 0 ]; then echo '{LOCKED}'; exec cat >/dev/null; fi
  real=$(readlink -f -- "$1" 2>/dev/null) || real=$1
  [ -n "$real" ] || real=$1
  name=$(printf '%s' "${{real#/dev/}}" | tr '/' '_')
  case "$seen" in *" $name "*) shift; hold "$@"; return ;; esac
  seen="$seen$name "
  (
    lock=/run/nixplan/disk-$name.lock
    exec 9>>"$lock" || {{ echo "cannot open $lock on the target"; exit 3; }}
    flock -n 9 || {{ echo "another nixplan is applying a plan to $1 ($real; it holds $lock on the target)"; exit 75; }}
    shift
    hold "$@"
  )
}}
hold {}
"#,
        args.join(" ")
    )
}

impl Runner<'_> {
    /// Take the disk locks if they are not held yet; `Err` when another
    /// run holds one (or they cannot be taken at all).
    pub(super) fn lock_disks(&mut self) -> Result<(), String> {
        if let DiskLocks::Pending(disks) = &self.disk_locks {
            let inv = Invocation {
                program: Program::Script(lock_script(disks)),
                env: probe_env(),
                stdin: None,
                timeout: Duration::from_secs(60),
            };
            self.journal.log(&format!(
                "== locking the disks {} on {}\n",
                disks.join(" "),
                self.target.describe()
            ));
            self.disk_locks = match self.target.hold(&inv, LOCKED) {
                Ok(h) => DiskLocks::Held {
                    _holder: h,
                    disks: disks.clone(),
                },
                Err(e) => DiskLocks::Refused(format!("the disks cannot be locked: {e}")),
            };
        }
        match &self.disk_locks {
            DiskLocks::Refused(e) => Err(e.clone()),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::Local;

    fn hold(disks: &[&str]) -> Result<Held, String> {
        let disks: Vec<String> = disks.iter().map(|d| d.to_string()).collect();
        let inv = Invocation {
            program: Program::Script(lock_script(&disks)),
            env: probe_env(),
            stdin: None,
            timeout: Duration::from_secs(30),
        };
        Local::default().hold(&inv, LOCKED)
    }

    /// Locks files under /run/nixplan named after files this test creates
    /// (not disks): the lock is per resolved path, released on drop.
    #[test]
    fn one_holder_per_disk_whatever_path_names_it_until_it_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let disk = dir.path().join("disk");
        std::fs::write(&disk, b"").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&disk, &link).unwrap();
        let (disk, link) = (disk.to_str().unwrap(), link.to_str().unwrap());
        let first = hold(&[disk, link]).expect("both paths name one disk: one lock");
        let second = hold(&[link]).err().expect("a second holder is refused");
        assert!(
            second.contains("another nixplan is applying a plan to"),
            "{second}"
        );
        assert!(
            second.contains(disk),
            "the refusal names the disk: {second}"
        );
        drop(first);
        let third = hold(&[link]).expect("the lock goes with its holder");
        drop(third);
        let name = disk.trim_start_matches("/dev/").replace('/', "_");
        let _ = std::fs::remove_file(format!("/run/nixplan/disk-{name}.lock"));
    }
}
