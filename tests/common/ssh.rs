//! A real sshd in a network namespace of the test's own (a veth pair to
//! it), with host and client keys the test generates; optionally in a mount
//! namespace of its own too (see [`SshTarget::start_with`]). The sshd (by
//! its pid), the namespace and the veth pair are removed by name on drop,
//! also when a test fails.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nixplan_executor::{Ssh, SshOptions};

use super::lab::sh;

pub fn sh_ok(cmd: &str) -> String {
    let (ok, out) = sh(cmd);
    assert!(ok, "{cmd}: {out}");
    out
}

/// A fake NixOS system: `bin/switch-to-configuration GOAL` records
/// `NAME GOAL` in the target's /run/deploy-record, points
/// /run/current-system at itself for switch and test, then runs `extra`.
pub fn build_system(dir: &Path, name: &str, extra: &str) -> String {
    let expr = format!(
        r#"derivation {{
  name = "nixos-system-{name}";
  system = builtins.currentSystem;
  builder = "/bin/sh";
  args = [ "-c" ''
    /bin/mkdir -p $out/bin
    /bin/cat > $out/bin/switch-to-configuration <<EOF
    #!/bin/sh
    echo "{name} \$1" >> /run/deploy-record
    case "\$1" in switch|test) /bin/ln -sfn $out /run/current-system ;; esac
    {extra}
    EOF
    /bin/chmod +x $out/bin/switch-to-configuration
  '' ];
}}"#
    );
    let file = dir.join(format!("{name}.nix"));
    std::fs::write(&file, expr).unwrap();
    sh_ok(&format!(
        "nix-build --option build-users-group '' --option sandbox false --no-out-link {} 2>/dev/null",
        file.display()
    ))
    .trim()
    .to_string()
}

/// A namespace with a veth pair and an sshd listening in it.
pub struct SshTarget {
    pub ns: String,
    pub veth: String,
    pub dir: tempfile::TempDir,
    pub address: String,
    sshd: Option<Child>,
    /// A private mount namespace: these directories of the machine are
    /// replaced, for the sshd and everything it starts, by directories of
    /// this target's own (`DIR/mnt/<path with / as _>`).
    private: Vec<String>,
}

impl SshTarget {
    pub fn start(n: u32) -> SshTarget {
        SshTarget::start_with(n, &[])
    }

    /// An sshd whose sessions see `private` (absolute directories of this
    /// machine, e.g. `/run`, `/nix/var/nix/profiles`) as empty directories
    /// of the target's own: a mount namespace of its own, so a deploy's
    /// profiles and /run are the target's, not this machine's.
    pub fn start_with(n: u32, private: &[&str]) -> SshTarget {
        SshTarget::start_with_copies(n, private, &[])
    }

    /// As [`SshTarget::start_with`], and `copied` directories start as
    /// copies of the machine's (`/etc`, to add a user of the target's own).
    pub fn start_with_copies(n: u32, private: &[&str], copied: &[&str]) -> SshTarget {
        let tag = format!("{}{n}", std::process::id() % 10000);
        let ns = format!("npssh{tag}");
        let veth = format!("npv{tag}");
        // One subnet per target: tests in one process start several.
        let octet = 1 + ((std::process::id().wrapping_mul(7).wrapping_add(n)) % 250) as u8;
        let (host_ip, address) = (format!("10.231.{octet}.1"), format!("10.231.{octet}.2"));
        let dir = tempfile::Builder::new()
            .prefix("nixplan-ssh-")
            .tempdir()
            .unwrap();
        let mut t = SshTarget {
            ns,
            veth,
            dir,
            address,
            sshd: None,
            private: private
                .iter()
                .chain(copied)
                .map(|p| p.to_string())
                .collect(),
        };
        for c in copied {
            let own = t.private_dir(c);
            std::fs::create_dir_all(&own).unwrap();
            sh_ok(&format!("cp -a {c}/. '{}'", own.display()));
        }
        let d = t.dir.path().to_path_buf();
        sh_ok(&format!("ip netns add {}", t.ns));
        sh_ok(&format!(
            "ip link add {v}a type veth peer name {v}b && ip link set {v}b netns {ns} \
             && ip addr add {host_ip}/24 dev {v}a && ip link set {v}a up \
             && ip -n {ns} addr add {a}/24 dev {v}b && ip -n {ns} link set {v}b up \
             && ip -n {ns} link set lo up",
            v = t.veth,
            ns = t.ns,
            a = t.address
        ));
        sh_ok(&format!(
            "ssh-keygen -q -t ed25519 -N '' -f {d}/host_key && ssh-keygen -q -t ed25519 -N '' -f {d}/id \
             && cp {d}/id.pub {d}/authorized_keys && chmod 600 {d}/authorized_keys \
             && printf '%s %s\\n' {a} \"$(cut -d' ' -f1,2 {d}/host_key.pub)\" > {d}/known_hosts \
             && mkdir -p /run/sshd",
            d = d.display(),
            a = t.address
        ));
        std::fs::write(
            d.join("sshd_config"),
            format!(
                "ListenAddress {a}\nPort 22\nHostKey {d}/host_key\nAuthorizedKeysFile {d}/authorized_keys\n\
                 PermitRootLogin prohibit-password\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n\
                 UsePAM no\nStrictModes no\nPidFile {d}/sshd.pid\nAcceptEnv none\n",
                a = t.address,
                d = d.display()
            ),
        )
        .unwrap();
        // unshare execs (no fork), and so does the shell: the child is sshd.
        let mut mounts = String::from("set -e; mount --make-rprivate /; ");
        for p in &t.private {
            let own = t.private_dir(p);
            std::fs::create_dir_all(&own).unwrap();
            mounts.push_str(&format!("mount --bind '{}' '{p}'; ", own.display()));
        }
        mounts.push_str("mkdir -p /run/sshd; exec /usr/sbin/sshd -D -e -f \"$0\"");
        let mut sshd = Command::new("ip");
        if t.private.is_empty() {
            sshd.args(["netns", "exec", &t.ns, "/usr/sbin/sshd", "-D", "-e", "-f"]);
        } else {
            sshd.args(["netns", "exec", &t.ns, "unshare", "-m", "sh", "-c", &mounts]);
        }
        let sshd = sshd
            .arg(d.join("sshd_config"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(d.join("sshd.log")).unwrap())
            .spawn()
            .unwrap();
        t.sshd = Some(sshd);
        let deadline = Instant::now() + Duration::from_secs(20);
        let addr: std::net::SocketAddr = format!("{}:22", t.address).parse().unwrap();
        while std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_err() {
            assert!(Instant::now() < deadline, "sshd did not start: {}", t.log());
            std::thread::sleep(Duration::from_millis(100));
        }
        t
    }

    /// The target's own directory standing in for `path` (see
    /// [`SshTarget::start_with`]).
    pub fn private_dir(&self, path: &str) -> PathBuf {
        self.dir
            .path()
            .join("mnt")
            .join(path.trim_start_matches('/').replace('/', "_"))
    }

    /// Let `other`'s client key log in here too (one `-i` for several
    /// targets).
    pub fn authorize(&self, other: &SshTarget) {
        let key = std::fs::read_to_string(other.dir.path().join("id.pub")).unwrap();
        let file = self.dir.path().join("authorized_keys");
        let mut keys = std::fs::read_to_string(&file).unwrap();
        keys.push_str(&key);
        std::fs::write(&file, keys).unwrap();
    }

    /// The pid of the sshd this target started.
    pub fn sshd_pid(&self) -> Option<u32> {
        self.sshd.as_ref().map(|c| c.id())
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default()
    }

    pub fn options(&self, known_hosts: &Path, state: PathBuf) -> SshOptions {
        SshOptions {
            destination: format!("root@{}", self.address),
            port: None,
            identity: Some(self.dir.path().join("id")),
            options: vec![
                format!("UserKnownHostsFile={}", known_hosts.display()),
                "GlobalKnownHostsFile=/dev/null".into(),
                "ConnectTimeout=10".into(),
            ],
            state_dir: state,
            post_kexec_port: None,
            program: None,
        }
    }

    pub fn transport(&self) -> Ssh {
        let state = self.dir.path().join("state");
        std::fs::create_dir_all(&state).unwrap();
        Ssh::new(self.options(&self.dir.path().join("known_hosts"), state))
    }
}

impl Drop for SshTarget {
    fn drop(&mut self) {
        if let Some(mut c) = self.sshd.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        // An sshd a test restarted (by the pid file it wrote), only if that
        // process is still an sshd of this target's configuration.
        let config = self.dir.path().join("sshd_config");
        if let Ok(pid) = std::fs::read_to_string(self.dir.path().join("sshd.pid")) {
            let pid = pid.trim();
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let ours = String::from_utf8_lossy(&cmdline).contains(&*config.to_string_lossy());
            if ours && pid.parse::<u32>().is_ok() {
                let _ = Command::new("kill").arg(pid).status();
            }
        }
        sh(&format!("ip link del {}a 2>/dev/null", self.veth));
        sh(&format!("ip netns del {} 2>/dev/null", self.ns));
    }
}

pub fn unavailable_ssh() -> Option<String> {
    for tool in ["ip", "ssh", "ssh-keygen", "/usr/sbin/sshd"] {
        if !sh(&format!("command -v {tool}")).0 {
            return Some(format!("missing {tool}"));
        }
    }
    None
}
