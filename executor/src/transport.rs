//! Transports: how a command reaches the machine it runs on. The local
//! transport runs it with `std::process`; the SSH transport runs it through
//! the system OpenSSH client over one multiplexed connection. Both start
//! every command with exactly the environment they are given (`env -i` and
//! the plan's variables) and stream secrets over stdin, never argv.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::os::fd::RawFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use wait_timeout::ChildExt;

/// What to run: an exact argv, or a POSIX sh script.
#[derive(Debug, Clone, PartialEq)]
pub enum Program {
    Argv(Vec<String>),
    Script(String),
}

/// One command to run, with everything it gets.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub program: Program,
    /// The whole environment of the command: nothing else is inherited.
    pub env: BTreeMap<String, String>,
    /// Written to the command's stdin, then closed (secrets go here).
    pub stdin: Option<Vec<u8>>,
    pub timeout: Duration,
}

/// How a command ended.
#[derive(Debug, Clone)]
pub struct Finished {
    /// The exit code; `None` when it was killed (by a signal or the timeout).
    pub code: Option<i32>,
    pub timed_out: bool,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub elapsed: Duration,
}

impl Finished {
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// The last `n` lines of stdout and stderr, for a failure report.
    pub fn tail(&self, n: usize) -> String {
        let mut lines: Vec<String> = Vec::new();
        for stream in [&self.stdout, &self.stderr] {
            lines.extend(String::from_utf8_lossy(stream).lines().map(str::to_string));
        }
        let skip = lines.len().saturating_sub(n);
        lines[skip..].join("\n")
    }

    pub fn describe(&self) -> String {
        match (self.code, self.timed_out) {
            (_, true) => format!("timed out after {:.0?}", self.elapsed),
            (Some(c), _) => format!("exit code {c}"),
            (None, _) => "killed by a signal".into(),
        }
    }
}

/// A machine commands run on.
pub trait Transport {
    /// Run one command; `Err` only when it could not be started at all.
    fn run(&self, inv: &Invocation) -> Result<Finished, String>;
    /// `local` or `user@host`, for messages.
    fn describe(&self) -> String;
    /// Whether this is the machine nixplan itself runs on (kexec and reboot
    /// are never run there).
    fn is_this_machine(&self) -> bool;
    /// Run commands through `sudo -n` or `doas -n` from now on (a non-root
    /// login, as the facts say).
    fn escalate_with(&mut self, tool: Option<Escalation>);
    /// A descriptor the commands started here keep open while they live
    /// (the run's lock); only commands on this machine can hold one.
    fn hold_while_running(&mut self, _fd: Option<RawFd>) {}
    /// The escalation tool commands run through now, if any.
    fn escalation(&self) -> Option<Escalation>;
    /// On a remote target (or here through sudo/doas, which close the
    /// descriptors of `hold_while_running`): every command from now on holds a shared
    /// `flock` on this file there for as long as it (or anything it
    /// starts) lives, so that a later run can tell that a command of this
    /// one is still running after nixplan died (`None`: stop).
    fn hold_remote_lock(&mut self, _path: Option<String>) {}
    /// The target now runs the kexec'd installer (`fresh`: it just
    /// booted; otherwise an earlier run kexec'd it): forget the connection,
    /// log in as root (the installer's only login) on the post-kexec port,
    /// and accept the installer's new host key for this plan only.
    fn after_kexec(&mut self, _fresh: bool) -> Result<(), String> {
        Ok(())
    }
    /// The login commands reach the target with (`user@host`), if SSH.
    fn login(&self) -> Option<String> {
        None
    }
    /// The login's sudo password (`--ask-sudo-password`), if given: with
    /// it, a login for which `sudo -n` does not work escalates with
    /// [`SUDO_WITH_PASSWORD`].
    fn set_password(&mut self, _password: Option<Vec<u8>>) {}
    fn has_password(&self) -> bool {
        false
    }
    /// The machine went away under the connection (a reboot): forget it,
    /// so the next command connects anew instead of waiting on a dead
    /// one.
    fn forget_connection(&mut self) {}
    /// Run over a new connection, not a multiplexed one (the confirmation
    /// of a deploy: it proves the target can still be reached).
    fn run_fresh(&self, inv: &Invocation) -> Result<Finished, String> {
        self.run(inv)
    }
    /// The ssh options this transport connects with (`NIX_SSHOPTS` for
    /// local actions that reach the target), if it is SSH.
    fn ssh_options(&self) -> Option<Vec<String>> {
        None
    }
    /// Start a command that holds something on the machine (a lock) for
    /// as long as the returned [`Held`] lives: it prints `ready` once it
    /// holds it, then waits for its stdin to close. Anything else it
    /// prints first is the reason it could not (the error).
    fn hold(&self, _inv: &Invocation, _ready: &str) -> Result<Held, String> {
        Err(format!("{} cannot hold a lock", self.describe()))
    }
}

/// A command holding something on its machine (see [`Transport::hold`]):
/// dropping this closes its stdin, so it lets go and ends.
pub struct Held {
    child: Option<(Child, ChildStdin, Reaped)>,
}

impl Held {
    /// Nothing held (a machine that needs no lock, in tests).
    pub fn nothing() -> Held {
        Held { child: None }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Some((mut child, stdin, _reaped)) = self.child.take() {
            drop(stdin);
            if !matches!(child.wait_timeout(Duration::from_secs(10)), Ok(Some(_))) {
                // SAFETY: kill(2) on the process group `hold_child` created.
                unsafe {
                    libc::kill(-(child.id() as i32), libc::SIGKILL);
                }
                let _ = child.wait();
            }
        }
    }
}

/// Start `cmd` in its own process group (known to the reaper) with its
/// stdin kept open, and wait up to `wait` for its first line: `ready`
/// means it holds what it was started for.
fn hold_child(
    mut cmd: Command,
    ready: &str,
    wait: Duration,
    first: Option<&[u8]>,
) -> Result<Held, String> {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = cmd.spawn().map_err(|e| e.to_string())?;
    let reaped = Reaped::new(child.id());
    let mut stdin = child.stdin.take().expect("stdin is piped");
    if let Some(data) = first {
        // The command's stdin stays open (closing it lets go).
        let _ = stdin.write_all(data);
        let _ = stdin.flush();
    }
    let mut out = child.stdout.take().expect("stdout is piped");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = Vec::new();
        let mut byte = [0u8; 1];
        while let Ok(1) = out.read(&mut byte) {
            if byte[0] == b'\n' {
                break;
            }
            line.push(byte[0]);
        }
        let _ = tx.send(String::from_utf8_lossy(&line).into_owned());
        // Keep reading so the command never blocks on a full pipe.
        let _ = std::io::copy(&mut out, &mut std::io::sink());
    });
    match rx.recv_timeout(wait) {
        Ok(line) if line == ready => Ok(Held {
            child: Some((child, stdin, reaped)),
        }),
        first => {
            drop(stdin);
            let _ = child.wait_timeout(Duration::from_secs(10));
            // SAFETY: kill(2) on the process group this function created.
            unsafe {
                libc::kill(-(child.id() as i32), libc::SIGKILL);
            }
            let _ = child.wait();
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            let said = match first {
                Ok(line) => line,
                Err(_) => format!("no answer within {wait:.0?}"),
            };
            Err([said.trim(), err.trim()]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(": "))
        }
    }
}

/// Quote a word for POSIX sh: the planner's quoting, so a command reads
/// the same in a plan and on the wire.
pub use nixplan_plan::shell::sh_quote;

/// How a non-root login runs commands as root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Escalation {
    /// `sudo -n` or `doas -n` (the tool's name): lets the login through
    /// without asking.
    Tool(String),
    /// A sudo that asks for the login's password: `sudo -k -S`, the
    /// password streamed as the first line of the command's stdin (`-k`:
    /// sudo always reads it, never taking a cached credential and leaving
    /// the line to the command).
    SudoWithPassword,
    /// The node's own command, word for word
    /// (`deployment.privilegeEscalationCommand`).
    Command(Vec<String>),
}

impl Escalation {
    /// The words a command is prefixed with.
    pub fn words(&self) -> Vec<String> {
        match self {
            Escalation::Tool(t) => vec![t.clone(), "-n".into()],
            Escalation::SudoWithPassword => ["sudo", "-k", "-S", "-p", "", "--"]
                .map(String::from)
                .to_vec(),
            Escalation::Command(w) => w.clone(),
        }
    }
}

/// The argv (`env -i K=V … program`) that runs an invocation with exactly
/// its environment, optionally through an escalation tool.
pub fn env_argv(inv: &Invocation, escalate: Option<&Escalation>) -> Vec<String> {
    let mut argv = Vec::new();
    if let Some(e) = escalate {
        argv.extend(e.words());
    }
    argv.push("env".into());
    argv.push("-i".into());
    for (k, v) in &inv.env {
        argv.push(format!("{k}={v}"));
    }
    match &inv.program {
        Program::Argv(a) => argv.extend(a.iter().cloned()),
        Program::Script(s) => {
            argv.push("/bin/sh".into());
            argv.push("-c".into());
            argv.push(s.clone());
        }
    }
    argv
}

/// The reaper: `+ PGID` and `- PGID` lines add and remove a process group;
/// at end of input (nixplan is gone) every group still listed is killed.
const REAPER_SCRIPT: &str = r#"live=" "
while read -r op pg; do
  case "$pg" in ''|*[!0-9]*) continue ;; esac
  case "$op" in
    +) live="$live$pg " ;;
    -) case "$live" in *" $pg "*) live="${live%% $pg *} ${live#* $pg }" ;; esac ;;
  esac
done
for pg in $live; do
  [ "$pg" -gt 1 ] && kill -9 -"$pg" 2>/dev/null
done
exit 0
"#;

/// One process per nixplan that ends the process group of every command
/// still running when nixplan dies (even by SIGKILL): it is told of each
/// group as it starts and ends, over a pipe whose end-of-file means nixplan
/// is gone. `None` where it could not be started.
fn reaper() -> Option<&'static Mutex<ChildStdin>> {
    static REAPER: OnceLock<Option<Mutex<ChildStdin>>> = OnceLock::new();
    REAPER
        .get_or_init(|| {
            let mut cmd = Command::new("/bin/sh");
            // Its own environment: nothing inherited can change what it
            // does. It keeps the live groups in one list, and kills only
            // numbers above 1 (never `kill -9 -1`).
            cmd.arg("-c")
                .arg(REAPER_SCRIPT)
                .env_clear()
                .env("PATH", "/usr/bin:/bin")
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0);
            cmd.spawn()
                .ok()
                .and_then(|mut c| c.stdin.take())
                .map(Mutex::new)
        })
        .as_ref()
}

/// A process group the reaper knows of, for as long as this lives (its
/// drop says `-`, on every way out of `run_child`).
struct Reaped(u32);

impl Reaped {
    fn new(pgid: u32) -> Reaped {
        reap_on_exit('+', pgid);
        Reaped(pgid)
    }
}

impl Drop for Reaped {
    fn drop(&mut self) {
        reap_on_exit('-', self.0);
    }
}

/// Tell the reaper that process group `pgid` started (`+`) or ended (`-`).
fn reap_on_exit(op: char, pgid: u32) {
    if let Some(r) = reaper() {
        if let Ok(mut pipe) = r.lock() {
            let _ = writeln!(pipe, "{op} {pgid}");
        }
    }
}

/// Spawn `cmd`, feed it `stdin`, collect its output, kill its whole process
/// group when the timeout passes (or, through the reaper, when nixplan
/// dies). `inherit` is a
/// descriptor the command keeps open (the run's lock: a later run waits
/// while this command lives).
fn run_child(
    mut cmd: Command,
    stdin: Option<&[u8]>,
    timeout: Duration,
    inherit: Option<RawFd>,
) -> Result<Finished, String> {
    let start = Instant::now();
    if let Some(fd) = inherit {
        // SAFETY: fcntl(2) is async-signal-safe; it changes the child's
        // own descriptor table only.
        unsafe {
            cmd.pre_exec(move || {
                libc::fcntl(fd, libc::F_SETFD, 0);
                Ok(())
            });
        }
    }
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .process_group(0);
    let mut child: Child = cmd.spawn().map_err(|e| e.to_string())?;
    let _reaped = Reaped::new(child.id());
    if let Some(data) = stdin {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        let data = data.to_vec();
        // A command that never reads its stdin must not block us.
        std::thread::spawn(move || {
            let _ = pipe.write_all(&data);
        });
    }
    let mut out = child.stdout.take().expect("stdout is piped");
    let mut err = child.stderr.take().expect("stderr is piped");
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = out.read_to_end(&mut buf);
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err.read_to_end(&mut buf);
        buf
    });
    let (status, timed_out) = match child.wait_timeout(timeout).map_err(|e| e.to_string())? {
        Some(s) => (s, false),
        None => {
            let pgid = child.id() as i32;
            // SAFETY: kill(2) on the process group this function created.
            unsafe {
                libc::kill(-pgid, libc::SIGTERM);
            }
            let status = match child.wait_timeout(Duration::from_secs(5)) {
                Ok(Some(s)) => s,
                _ => {
                    unsafe {
                        libc::kill(-pgid, libc::SIGKILL);
                    }
                    child.wait().map_err(|e| e.to_string())?
                }
            };
            (status, true)
        }
    };
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    Ok(Finished {
        code: if timed_out { None } else { status.code() },
        timed_out,
        stdout,
        stderr,
        elapsed: start.elapsed(),
    })
}

/// The machine nixplan runs on.
#[derive(Debug, Default)]
pub struct Local {
    escalate: Option<Escalation>,
    /// A descriptor every command inherits (the run's lock).
    hold: Option<RawFd>,
    /// The run's lock for commands run through sudo/doas, which close
    /// inherited descriptors ([`Transport::hold_remote_lock`]).
    escalated_lock: Option<String>,
}

impl Local {
    /// The command that runs `inv` here, and its program's name.
    fn command(&self, inv: &Invocation) -> Result<(Command, String), String> {
        let argv = match &self.escalate {
            Some(tool) => match &self.escalated_lock {
                Some(lock) => env_argv(&holding_lock(inv, lock), Some(tool)),
                None => env_argv(inv, Some(tool)),
            },
            None => match &inv.program {
                Program::Argv(a) => a.clone(),
                Program::Script(s) => vec!["/bin/sh".into(), "-c".into(), s.clone()],
            },
        };
        let (first, rest) = argv.split_first().ok_or("an empty command")?;
        let mut cmd = Command::new(first);
        cmd.args(rest).env_clear();
        if self.escalate.is_none() {
            cmd.envs(&inv.env);
        } else if let Some(path) = inv.env.get("PATH") {
            // Only to find sudo itself; the command gets `env -i`.
            cmd.env("PATH", path);
        }
        Ok((cmd, first.clone()))
    }
}

impl Transport for Local {
    fn run(&self, inv: &Invocation) -> Result<Finished, String> {
        let (cmd, first) = self.command(inv)?;
        run_child(cmd, inv.stdin.as_deref(), inv.timeout, self.hold)
            .map_err(|e| format!("cannot start {first}: {e}"))
    }

    fn hold(&self, inv: &Invocation, ready: &str) -> Result<Held, String> {
        let (cmd, first) = self.command(inv)?;
        hold_child(cmd, ready, inv.timeout, None).map_err(|e| format!("{first}: {e}"))
    }

    fn describe(&self) -> String {
        "the machine nixplan runs on".into()
    }

    fn is_this_machine(&self) -> bool {
        true
    }

    fn escalate_with(&mut self, tool: Option<Escalation>) {
        self.escalate = tool;
    }

    fn escalation(&self) -> Option<Escalation> {
        self.escalate.clone()
    }

    fn hold_while_running(&mut self, fd: Option<RawFd>) {
        self.hold = fd;
    }

    fn hold_remote_lock(&mut self, path: Option<String>) {
        self.escalated_lock = path;
    }
}

/// How to reach a target over SSH.
#[derive(Debug, Clone, Default)]
pub struct SshOptions {
    /// `user@host` or `host`.
    pub destination: String,
    pub port: Option<u16>,
    pub identity: Option<PathBuf>,
    /// Further `-o` options, as given by the user.
    pub options: Vec<String>,
    /// Where the control socket and the post-kexec known_hosts file live.
    pub state_dir: PathBuf,
    /// The port after a kexec, when `port` was given: the installer's sshd
    /// listens on 22 unless told otherwise (as nixos-anywhere assumes).
    pub post_kexec_port: Option<u16>,
    /// The ssh program (default `ssh`).
    pub program: Option<String>,
}

/// A target reached through the system OpenSSH client: one multiplexed
/// connection, BatchMode, StrictHostKeyChecking, the user's ssh_config and
/// agent.
#[derive(Debug)]
pub struct Ssh {
    opts: SshOptions,
    escalate: Option<Escalation>,
    /// The login's sudo password, streamed to `sudo -S` (never in argv).
    password: Option<Vec<u8>>,
    /// After a kexec: this run's own known_hosts file, where the new key
    /// of the installer is accepted once.
    post_kexec_known_hosts: Option<PathBuf>,
    generation: u32,
    /// Where the control socket lives: the state directory, or a private
    /// directory under the system's temporary one when the state
    /// directory's path is too long for a Unix socket (108 bytes).
    control_dir: PathBuf,
    _control_tmp: Option<tempfile::TempDir>,
    /// The run's lock on the target ([`Transport::hold_remote_lock`]).
    remote_lock: Option<String>,
}

/// `inv` run by [`REMOTE_LOCK_WRAPPER`] with the lock file `lock`.
pub fn holding_lock(inv: &Invocation, lock: &str) -> Invocation {
    let mut program = vec![
        "/bin/sh".to_string(),
        "-c".into(),
        REMOTE_LOCK_WRAPPER.into(),
        "nixplan-lock".into(),
        lock.to_string(),
    ];
    match &inv.program {
        Program::Argv(a) => program.extend(a.iter().cloned()),
        Program::Script(s) => program.extend(["/bin/sh".into(), "-c".into(), s.clone()]),
    }
    Invocation {
        program: Program::Argv(program),
        ..inv.clone()
    }
}

/// Run the command after it: with the lock file `$1` open on descriptor 7
/// and a shared `flock` on it, which the command and whatever it starts
/// keep while they live (nothing is locked where flock is missing or the
/// file cannot be made).
const REMOTE_LOCK_WRAPPER: &str = "l=$1; shift; if command -v flock >/dev/null 2>&1 && mkdir -p \"${l%/*}\" 2>/dev/null && touch \"$l\" 2>/dev/null; then exec 7>>\"$l\"; flock -s 7; fi; exec \"$@\"";

impl Ssh {
    pub fn new(opts: SshOptions) -> Ssh {
        // A socket's path has at most 107 bytes. Ours are DIR/ssh-G-HASH16
        // (22 bytes with a one-digit generation), and ssh binds them under
        // a temporary name 17 bytes longer: 46 leaves room for both.
        let fits = |dir: &Path| dir.as_os_str().len() + 1 + 46 < 108;
        let (control_dir, tmp) = if fits(&opts.state_dir) {
            (opts.state_dir.clone(), None)
        } else {
            match tempfile::Builder::new().prefix("nixplan-ssh-").tempdir() {
                Ok(t) if fits(t.path()) => (t.path().to_path_buf(), Some(t)),
                _ => (opts.state_dir.clone(), None),
            }
        };
        Ssh {
            remote_lock: None,
            password: None,
            opts,
            escalate: None,
            post_kexec_known_hosts: None,
            generation: 0,
            control_dir,
            _control_tmp: tmp,
        }
    }

    /// One socket per login (user, host, port) and generation: a name of
    /// our own rather than ssh's %C (40 bytes), to keep the path short.
    fn control_path(&self) -> PathBuf {
        let key = format!("{}:{:?}", self.opts.destination, self.opts.port);
        let hash = nixplan_plan::sha256_hex(key.as_bytes());
        self.control_dir
            .join(format!("ssh-{}-{}", self.generation, &hash[..16]))
    }

    /// The ssh argv up to (not including) the remote command.
    pub fn ssh_argv(&self) -> Vec<String> {
        self.ssh_argv_with(true)
    }

    /// The same, for a connection of its own (no control socket).
    pub fn ssh_argv_fresh(&self) -> Vec<String> {
        self.ssh_argv_with(false)
    }

    fn ssh_argv_with(&self, multiplexed: bool) -> Vec<String> {
        let mut argv = vec![self.opts.program.clone().unwrap_or_else(|| "ssh".into())];
        let mut opt = |o: String| {
            argv.push("-o".into());
            argv.push(o);
        };
        if multiplexed {
            opt("ControlMaster=auto".into());
            opt(format!("ControlPath={}", self.control_path().display()));
            opt("ControlPersist=120".into());
        } else {
            opt("ControlMaster=no".into());
            opt("ControlPath=none".into());
        }
        opt("BatchMode=yes".into());
        opt("ServerAliveInterval=15".into());
        match &self.post_kexec_known_hosts {
            Some(file) => {
                opt("StrictHostKeyChecking=accept-new".into());
                opt(format!("UserKnownHostsFile={}", file.display()));
            }
            None => opt("StrictHostKeyChecking=yes".into()),
        }
        for o in &self.opts.options {
            opt(o.clone());
        }
        if let Some(port) = self.opts.port {
            argv.push("-p".into());
            argv.push(port.to_string());
        }
        if let Some(key) = &self.opts.identity {
            argv.push("-i".into());
            argv.push(key.display().to_string());
        }
        argv.push("--".into());
        argv.push(self.opts.destination.clone());
        argv
    }

    /// Close the multiplexed connection (best effort).
    pub fn close(&self) {
        let mut argv = self.ssh_argv();
        let dest = argv.pop().unwrap_or_default();
        argv.pop();
        let mut cmd = Command::new(&argv[0]);
        cmd.args(&argv[1..]).args(["-O", "exit", "--", &dest]);
        let _ = run_child(cmd, None, Duration::from_secs(10), None);
    }
}

impl Drop for Ssh {
    fn drop(&mut self) {
        self.close();
    }
}

impl Ssh {
    /// The password line `sudo -S` reads first, when escalating so.
    fn password_line(&self) -> Option<Vec<u8>> {
        match (&self.password, &self.escalate) {
            (Some(p), Some(Escalation::SudoWithPassword)) => {
                let mut line = p.clone();
                line.push(b'\n');
                Some(line)
            }
            _ => None,
        }
    }

    /// What the command reads: the password line first where sudo asks.
    fn stdin_for(&self, inv: &Invocation) -> Option<Vec<u8>> {
        match self.password_line() {
            Some(mut line) => {
                line.extend_from_slice(inv.stdin.as_deref().unwrap_or_default());
                Some(line)
            }
            None => inv.stdin.clone(),
        }
    }

    /// The ssh command that runs `inv` on the target (over a new
    /// connection when `fresh`), and ssh's name.
    fn command(&self, inv: &Invocation, fresh: bool) -> (Command, String) {
        let argv = if fresh {
            self.ssh_argv_fresh()
        } else {
            self.ssh_argv()
        };
        let wrapped = self.remote_lock.as_deref().map(|l| holding_lock(inv, l));
        let inv = wrapped.as_ref().unwrap_or(inv);
        let remote: Vec<String> = env_argv(inv, self.escalate.as_ref())
            .iter()
            .map(|w| sh_quote(w))
            .collect();
        let mut cmd = Command::new(&argv[0]);
        cmd.args(&argv[1..]).arg(remote.join(" "));
        // ssh itself needs the user's environment (agent, HOME for
        // ~/.ssh); the remote command gets only `env -i` and the plan's.
        (cmd, argv[0].clone())
    }
}

impl Transport for Ssh {
    fn run(&self, inv: &Invocation) -> Result<Finished, String> {
        let (cmd, ssh) = self.command(inv, false);
        run_child(cmd, self.stdin_for(inv).as_deref(), inv.timeout, None)
            .map_err(|e| format!("cannot start {ssh}: {e}"))
    }

    /// Held on the target while the session lasts: when nixplan ends (or
    /// dies), ssh closes the command's stdin and it lets go.
    fn hold(&self, inv: &Invocation, ready: &str) -> Result<Held, String> {
        let (cmd, ssh) = self.command(inv, false);
        let first = self.password_line();
        hold_child(cmd, ready, inv.timeout, first.as_deref()).map_err(|e| format!("{ssh}: {e}"))
    }

    fn set_password(&mut self, password: Option<Vec<u8>>) {
        self.password = password;
    }

    fn has_password(&self) -> bool {
        self.password.is_some()
    }

    fn run_fresh(&self, inv: &Invocation) -> Result<Finished, String> {
        let (cmd, ssh) = self.command(inv, true);
        run_child(cmd, self.stdin_for(inv).as_deref(), inv.timeout, None)
            .map_err(|e| format!("cannot start {ssh}: {e}"))
    }

    fn describe(&self) -> String {
        self.opts.destination.clone()
    }

    fn is_this_machine(&self) -> bool {
        false
    }

    fn escalate_with(&mut self, tool: Option<Escalation>) {
        self.escalate = tool;
    }

    fn escalation(&self) -> Option<Escalation> {
        self.escalate.clone()
    }

    fn forget_connection(&mut self) {
        self.close();
        // A new control socket: never one a dying master may still hold.
        self.generation += 1;
    }

    fn hold_remote_lock(&mut self, path: Option<String>) {
        self.remote_lock = path;
    }

    fn ssh_options(&self) -> Option<Vec<String>> {
        let argv = self.ssh_argv();
        // Without the program, the `--` and the destination.
        Some(argv[1..argv.len() - 2].to_vec())
    }

    fn after_kexec(&mut self, fresh: bool) -> Result<(), String> {
        self.close();
        self.generation += 1;
        let file = self.opts.state_dir.join("known_hosts.after-kexec");
        if fresh || !file.exists() {
            std::fs::write(&file, b"").map_err(|e| format!("{}: {e}", file.display()))?;
        }
        self.post_kexec_known_hosts = Some(file);
        let host = match self.opts.destination.rsplit_once('@') {
            Some((_, h)) => h.to_string(),
            None => self.opts.destination.clone(),
        };
        self.opts.destination = format!("root@{host}");
        if self.opts.port.is_some() {
            self.opts.port = Some(self.opts.post_kexec_port.unwrap_or(22));
        } else if let Some(p) = self.opts.post_kexec_port {
            self.opts.port = Some(p);
        }
        self.escalate = None;
        Ok(())
    }

    fn login(&self) -> Option<String> {
        Some(self.opts.destination.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inv(program: Program) -> Invocation {
        let mut env = BTreeMap::new();
        env.insert("PATH".into(), "/usr/bin:/bin".into());
        env.insert("ONLY".into(), "this".into());
        Invocation {
            program,
            env,
            stdin: None,
            timeout: Duration::from_secs(20),
        }
    }

    #[test]
    fn control_sockets_fit_a_unix_socket_path_whatever_the_state_directory() {
        for dir in [
            "/var/lib/nixplan/0123456789abcdef/ssh",
            &format!("/home/someone/{}", "deep/".repeat(30)),
        ] {
            let ssh = Ssh::new(SshOptions {
                destination: "deploy@example.org".into(),
                state_dir: PathBuf::from(dir),
                ..Default::default()
            });
            let path = ssh.control_path();
            // ssh binds it under a name 17 bytes longer first.
            assert!(path.as_os_str().len() + 17 < 108, "{}", path.display());
            if dir.len() < 50 {
                assert!(path.starts_with(dir), "{}", path.display());
            }
        }
    }

    #[test]
    fn after_a_kexec_ssh_logs_in_as_root_on_the_installer_port_with_the_plans_known_hosts() {
        let dir = tempfile::tempdir().unwrap();
        let opts = |port, post| SshOptions {
            destination: "deploy@example.org".into(),
            port,
            post_kexec_port: post,
            state_dir: dir.path().to_path_buf(),
            ..Default::default()
        };
        let tail = |ssh: &Ssh| ssh.ssh_argv()[ssh.ssh_argv().len() - 4..].to_vec();
        // --port given: the installer listens on 22 unless told otherwise.
        let mut ssh = Ssh::new(opts(Some(2222), None));
        ssh.escalate_with(Some(Escalation::Tool("sudo".into())));
        assert_eq!(tail(&ssh), vec!["-p", "2222", "--", "deploy@example.org"]);
        ssh.after_kexec(true).unwrap();
        assert_eq!(tail(&ssh), vec!["-p", "22", "--", "root@example.org"]);
        assert_eq!(ssh.escalate, None);
        assert_eq!(ssh.login().as_deref(), Some("root@example.org"));
        let known = dir.path().join("known_hosts.after-kexec");
        let argv = ssh.ssh_argv();
        assert!(argv.contains(&format!("UserKnownHostsFile={}", known.display())));
        assert!(argv.contains(&"StrictHostKeyChecking=accept-new".to_string()));
        // A resume keeps the key the kexec's run accepted; a fresh kexec
        // forgets it.
        std::fs::write(&known, "example.org ssh-ed25519 AAAA\n").unwrap();
        let mut resumed = Ssh::new(opts(None, Some(2200)));
        resumed.after_kexec(false).unwrap();
        assert_eq!(tail(&resumed), vec!["-p", "2200", "--", "root@example.org"]);
        assert_eq!(
            std::fs::read_to_string(&known).unwrap(),
            "example.org ssh-ed25519 AAAA\n"
        );
        let mut fresh = Ssh::new(opts(None, None));
        fresh.after_kexec(true).unwrap();
        assert_eq!(std::fs::read_to_string(&known).unwrap(), "");
        // Without --port and --post-kexec-port, ssh_config decides.
        assert!(!fresh.ssh_argv().contains(&"-p".to_string()));
    }

    #[test]
    fn local_commands_get_only_their_environment() {
        std::env::set_var("NIXPLAN_LEAK_TEST", "leaked");
        let out = Local::default()
            .run(&inv(Program::Argv(vec!["env".into()])))
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let mut lines: Vec<&str> = text.lines().collect();
        lines.sort();
        assert_eq!(lines, vec!["ONLY=this", "PATH=/usr/bin:/bin"]);
    }

    #[test]
    fn stdin_reaches_the_command_and_timeouts_kill_the_group() {
        let mut i = inv(Program::Script("cat; echo done >&2".into()));
        i.stdin = Some(b"secret".to_vec());
        let out = Local::default().run(&i).unwrap();
        assert_eq!(out.stdout, b"secret");
        assert_eq!(out.tail(5), "secret\ndone");
        let mut slow = inv(Program::Script("sleep 30 & sleep 30; echo never".into()));
        slow.timeout = Duration::from_millis(300);
        let out = Local::default().run(&slow).unwrap();
        assert!(out.timed_out && out.code.is_none() && out.stdout.is_empty());
        assert!(out.elapsed < Duration::from_secs(10));
    }

    #[test]
    fn remote_commands_are_quoted_with_their_environment() {
        let argv = env_argv(
            &inv(Program::Script("echo 'a b' \"$HOME\"".into())),
            Some(&Escalation::Tool("sudo".into())),
        );
        assert_eq!(
            argv,
            vec![
                "sudo",
                "-n",
                "env",
                "-i",
                "ONLY=this",
                "PATH=/usr/bin:/bin",
                "/bin/sh",
                "-c",
                "echo 'a b' \"$HOME\""
            ]
        );
        let quoted: Vec<String> = argv.iter().map(|w| sh_quote(w)).collect();
        assert_eq!(quoted.last().unwrap(), "'echo '\\''a b'\\'' \"$HOME\"'");
        // A node's own command is used word for word (no -n added); a
        // sudo that asks reads the password from stdin, never argv.
        let prog = || inv(Program::Argv(vec!["true".into()]));
        let words = |e: Escalation| env_argv(&prog(), Some(&e))[..3].to_vec();
        assert_eq!(
            words(Escalation::Command(vec![
                "doas".into(),
                "-u".into(),
                "root".into()
            ])),
            vec!["doas", "-u", "root"]
        );
        assert_eq!(
            env_argv(&prog(), Some(&Escalation::SudoWithPassword))[..6].to_vec(),
            vec!["sudo", "-k", "-S", "-p", "", "--"]
        );
    }
}
