//! Deploys (`plan --goal`, then `apply`) to a real sshd in a network
//! namespace and a mount namespace of the test's own: the target's `/run`
//! and `/nix/var/nix/profiles` are directories of the test, so its system
//! profile, `/run/current-system`, keys and the watchdog's state are the
//! target's, never this machine's. The systems are built by nix-bin from
//! derivations of this test: their `bin/switch-to-configuration` records
//! its goal in the target's /run, and the broken one stops the target's
//! sshd (as a switch that breaks sshd or the network would).
//!
//! Closure copies go to the same /nix/store (the namespace shares it), so
//! `nix copy` runs for real but finds the paths there.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::lab::sh;
use common::skip::skip_unless;
use common::ssh::{build_system, sh_ok, unavailable_ssh, SshTarget};

/// The target's own /run and /nix: its own store (a closure copy is a
/// real copy), profiles and running system.
const PRIVATE: [&str; 2] = ["/run", "/nix"];

fn missing() -> Option<String> {
    if let Some(m) = unavailable_ssh() {
        return Some(m);
    }
    for tool in ["nix-build", "nix-env", "nix-daemon", "unshare", "setsid"] {
        if !sh(&format!("command -v {tool}")).0 {
            return Some(format!("missing {tool}"));
        }
    }
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Some("not root (network and mount namespaces)".into());
    }
    None
}

fn skip(test: &str) -> bool {
    skip_unless(test, missing(), "NIXPLAN_REQUIRE_LOOP_TESTS")
}

struct Deploy<'t> {
    target: &'t SshTarget,
    flake: PathBuf,
    state: PathBuf,
}

impl Deploy<'_> {
    fn new(target: &SshTarget) -> Deploy<'_> {
        let flake = target.dir.path().join("hive");
        std::fs::create_dir_all(&flake).unwrap();
        std::fs::write(flake.join("api.key"), "api-secret-123\n").unwrap();
        std::fs::write(
            flake.join("flake.nix"),
            r#"{
  outputs = { self }: {
    colmena = {
      web = {
        networking.hostName = "web";
        deployment = {
          targetHost = "web.invalid";
          keys."api.key" = {
            keyFile = ./api.key;
            permissions = "0640";
          };
          keys."late.key" = {
            keyCommand = [ "printf" "from-a-command" ];
            uploadAt = "post-activation";
          };
          keys."text.key".text = "text-secret-xyz";
        };
      };
    };
  };
}
"#,
        )
        .unwrap();
        Deploy {
            target,
            state: target.dir.path().join("state"),
            flake,
        }
    }

    /// Plan `goal` with `system`, save it, and apply it: (exit code,
    /// what apply printed, the plan's text).
    fn run(&self, goal: &str, system: &str, extra: &[&str]) -> (i32, String, String) {
        let plan = self.target.dir.path().join(format!("{goal}.plan.json"));
        let host = format!("root@{}", self.target.address);
        let mut args = vec![
            "plan".to_string(),
            format!("{}#web", self.flake.display()),
            "--goal".into(),
            goal.into(),
            "--system".into(),
            system.into(),
            "--target-host".into(),
            host,
            "--out".into(),
            plan.display().to_string(),
            "--offline".into(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let args: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
        let (code, _, err) = common::nixplan_text(&args);
        assert_eq!(code, 0, "plan: {err}");
        let known = format!(
            "UserKnownHostsFile={}",
            self.target.dir.path().join("known_hosts").display()
        );
        let out = Command::new(env!("CARGO_BIN_EXE_nixplan"))
            .args(["apply", plan.to_str().unwrap(), "--yes", "-i"])
            .arg(self.target.dir.path().join("id"))
            .args(["--state-dir", self.state.to_str().unwrap()])
            .args(["--ssh-option", &known])
            .args(["--ssh-option", "GlobalKnownHostsFile=/dev/null"])
            .args(["--ssh-option", "ConnectTimeout=5"])
            .output()
            .unwrap();
        // What it printed: stdout (progress, the preview), then stderr.
        (
            out.status.code().unwrap_or(-1),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
            std::fs::read_to_string(&plan).unwrap(),
        )
    }

    fn run_dir(&self) -> PathBuf {
        self.target.private_dir("/run")
    }

    fn record(&self) -> Vec<String> {
        std::fs::read_to_string(self.run_dir().join("deploy-record"))
            .unwrap_or_default()
            .lines()
            .map(|l| l.to_string())
            .collect()
    }

    /// Where the target's system profile points (`system-N-link`) and
    /// what that generation is.
    fn profile(&self) -> (String, String) {
        let dir = self.target.private_dir("/nix").join("var/nix/profiles");
        let gen = std::fs::read_link(dir.join("system"))
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let system = std::fs::read_link(dir.join(&gen))
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        (gen, system)
    }

    fn current_system(&self) -> String {
        std::fs::read_link(self.run_dir().join("current-system"))
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    }

    /// The watchdog directories of the deploys so far.
    fn deploys(&self) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = std::fs::read_dir(self.run_dir().join("nixplan"))
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        out.retain(|p| p.is_dir());
        out.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
        out
    }
}

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

#[test]
fn switch_confirms_and_keeps_a_broken_switch_rolls_back() {
    if skip("switch_confirms_and_keeps_a_broken_switch_rolls_back") {
        return;
    }
    let target = SshTarget::start_with(7, &PRIVATE);
    let d = target.dir.path().display().to_string();
    // The good system (re)starts the target's sshd when it is not running;
    // the broken one stops it.
    let good = build_system(
        target.dir.path(),
        "good",
        &format!(
            "kill -0 \"\\$(cat {d}/sshd.pid 2>/dev/null)\" 2>/dev/null || /usr/sbin/sshd -f {d}/sshd_config"
        ),
    );
    let broken = build_system(
        target.dir.path(),
        "broken",
        &format!("kill \"\\$(cat {d}/sshd.pid)\""),
    );
    let deploy = Deploy::new(&target);

    // A switch: keys first, profile, switch, confirmed over a new
    // connection; the watchdog then ends without rolling back.
    let (code, err, plan) = deploy.run("switch", &good, &["--confirm-timeout", "3"]);
    assert_eq!(code, 0, "{err}\n{}", target.log());
    assert!(
        !plan.contains("api-secret-123") && !plan.contains("text-secret-xyz"),
        "a key's content is in the plan"
    );
    assert!(
        plan.contains("\"command:[\\\"printf\\\",\\\"from-a-command\\\"]\""),
        "{plan}"
    );
    // The preview ran the new system's dry activation first.
    assert_eq!(deploy.record(), vec!["good dry-activate", "good switch"]);
    let (gen, system) = deploy.profile();
    assert_eq!(
        (gen.as_str(), system.as_str()),
        ("system-1-link", good.as_str())
    );
    assert_eq!(deploy.current_system(), good);
    let keys = deploy.run_dir().join("keys");
    assert_eq!(
        std::fs::read_to_string(keys.join("api.key")).unwrap(),
        "api-secret-123\n"
    );
    assert_eq!(mode(&keys.join("api.key")), 0o640);
    assert_eq!(
        std::fs::read_to_string(keys.join("late.key")).unwrap(),
        "from-a-command"
    );
    assert_eq!(mode(&keys.join("late.key")), 0o600);
    assert_eq!(
        std::fs::read_to_string(keys.join("text.key")).unwrap(),
        "text-secret-xyz"
    );
    let first = deploy.deploys();
    assert_eq!(first.len(), 1, "{first:?}");
    assert!(
        !first[0].join("canary").exists(),
        "the confirmation removes the canary"
    );
    std::thread::sleep(Duration::from_secs(5));
    assert!(!first[0].join("rolled-back").exists());
    assert_eq!(
        deploy.record(),
        vec!["good dry-activate", "good switch"],
        "no rollback after a confirmation"
    );

    // Without --yes (and no terminal to ask at), the preview runs and the
    // deploy stops at its approval: nothing switched.
    let saved = target.dir.path().join("switch.plan.json");
    std::fs::remove_file(keys.join("api.key")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_nixplan"))
        .args(["apply", saved.to_str().unwrap(), "-i"])
        .arg(target.dir.path().join("id"))
        .args(["--state-dir", deploy.state.to_str().unwrap()])
        .args([
            "--ssh-option",
            &format!(
                "UserKnownHostsFile={}",
                target.dir.path().join("known_hosts").display()
            ),
        ])
        .args(["--ssh-option", "GlobalKnownHostsFile=/dev/null"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let said =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    assert_ne!(out.status.code(), Some(0), "{said}");
    assert!(said.contains("refusing without --yes"), "{said}");
    assert!(said.contains("deploy/approve"), "{said}");
    assert_eq!(
        deploy.record(),
        vec!["good dry-activate", "good switch", "good dry-activate"],
        "only the preview ran"
    );
    assert!(
        !keys.join("api.key").exists(),
        "a key was written before the approval"
    );

    // A switch that stops sshd: the switch itself ends (over the
    // multiplexed connection), the confirmation over a new connection
    // cannot come, the run fails, and the watchdog rolls back: profile
    // generation 1, the good system activated again (which starts sshd).
    let (code, err, _) = deploy.run("switch", &broken, &["--confirm-timeout", "3"]);
    assert_ne!(code, 0, "a switch that cut the target off succeeded: {err}");
    // The preview showed the closure diff against the running system.
    assert!(err.contains("== closure changes"), "{err}");
    assert!(err.contains("deploy/confirm"), "{err}");
    let deadline = Instant::now() + Duration::from_secs(60);
    let second = loop {
        let all = deploy.deploys();
        if let Some(p) = all.iter().find(|p| p.join("rolled-back").exists()) {
            break p.clone();
        }
        assert!(
            Instant::now() < deadline,
            "no rollback: {:?} {:?}",
            deploy.record(),
            all
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_ne!(second, first[0]);
    assert_eq!(
        deploy.record(),
        vec![
            "good dry-activate",
            "good switch",
            "good dry-activate",
            "broken dry-activate",
            "broken switch",
            "good switch"
        ]
    );
    let (gen, system) = deploy.profile();
    assert_eq!(
        (gen.as_str(), system.as_str()),
        ("system-1-link", good.as_str())
    );
    assert_eq!(deploy.current_system(), good);
    let addr: std::net::SocketAddr = format!("{}:22", target.address).parse().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_err() {
        assert!(
            Instant::now() < deadline,
            "sshd is not back after the rollback"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    // dry-activate: the goal reaches the system; profile and running
    // system stay, no watchdog.
    let (code, err, _) = deploy.run("dry-activate", &good, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(deploy.record().last().unwrap(), "good dry-activate");
    assert_eq!(deploy.profile().0, "system-1-link");
    assert_eq!(deploy.deploys().len(), 2, "dry-activate arms no watchdog");
}

/// What a target's fake systems recorded (see [`build_system`]).
fn record_of(t: &SshTarget) -> Vec<String> {
    std::fs::read_to_string(t.private_dir("/run").join("deploy-record"))
        .unwrap_or_default()
        .lines()
        .map(|l| l.to_string())
        .collect()
}

/// The line of the hive apply's table for host `name`.
fn row(table: &str, name: &str) -> String {
    table
        .lines()
        .find(|l| l.starts_with(&format!("{name} ")))
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_hive_deploys_the_tagged_hosts_in_parallel_and_one_failure_stops_no_other() {
    let test = "a_hive_deploys_the_tagged_hosts_in_parallel_and_one_failure_stops_no_other";
    if skip(test) {
        return;
    }
    let a = SshTarget::start_with(8, &PRIVATE);
    let b = SshTarget::start_with(9, &PRIVATE);
    b.authorize(&a);
    let dir = a.dir.path();
    let known = dir.join("known_all");
    let mut hosts = std::fs::read_to_string(dir.join("known_hosts")).unwrap();
    hosts.push_str(&std::fs::read_to_string(b.dir.path().join("known_hosts")).unwrap());
    std::fs::write(&known, hosts).unwrap();
    let good = build_system(dir, "good", "");
    let flake = dir.join("hive");
    std::fs::create_dir_all(&flake).unwrap();
    std::fs::write(
        flake.join("flake.nix"),
        format!(
            r#"{{
  outputs = {{ self }}: {{
    colmena = {{
      meta.description = "two web hosts and a database nobody reaches";
      defaults = {{ deployment.targetUser = "root"; }};
      web-a = {{ deployment.targetHost = "{a}"; deployment.tags = [ "web" ]; }};
      web-b = {{ deployment.targetHost = "{b}"; deployment.tags = [ "web" "eu" ]; }};
      db = {{ deployment.targetHost = "192.0.2.1"; deployment.tags = [ "db" ]; }};
    }};
  }};
}}
"#,
            a = a.address,
            b = b.address
        ),
    )
    .unwrap();
    let flake_s = flake.display().to_string();
    let plan_file = dir.join("hive.plan.json");
    let plan = |on: &str| {
        let (code, _, err) = common::nixplan_text(&[
            "plan",
            &flake_s,
            "--on",
            on,
            "--goal",
            "switch",
            "--node-system",
            &format!("web-a={good}"),
            "--node-system",
            &format!("web-b={good}"),
            "--node-system",
            &format!("db={good}"),
            "--confirm-timeout",
            "2",
            "--offline",
            "--out",
            plan_file.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
        let p: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&plan_file).unwrap()).unwrap();
        let names: Vec<String> = p["hosts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["target"]["name"].as_str().unwrap().to_string())
            .collect();
        names
    };
    let apply_with = |parallel: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_nixplan"))
            .args(["apply", plan_file.to_str().unwrap(), "--yes", "-i"])
            .arg(dir.join("id"))
            .args(["--state-dir", dir.join("state").to_str().unwrap()])
            .args([
                "--ssh-option",
                &format!("UserKnownHostsFile={}", known.display()),
            ])
            .args(["--ssh-option", "GlobalKnownHostsFile=/dev/null"])
            .args(["--ssh-option", "ConnectTimeout=5"])
            .args(parallel)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // @web picks the two web hosts (by their tags), not the database.
    assert_eq!(plan("@web"), ["web-a", "web-b"]);
    let (code, out, err) = common::nixplan_text(&["verify", plan_file.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("OK: 2 hosts,"), "{out}");
    let (code, out, err) = apply_with(&["--parallel", "4"]);
    assert_eq!(code, 0, "{out}\n{err}\n{}\n{}", a.log(), b.log());
    assert!(out.contains("applied to 2 hosts"), "{out}");
    for t in [&a, &b] {
        assert_eq!(record_of(t), ["good dry-activate", "good switch"]);
        let profiles = t.private_dir("/nix").join("var/nix/profiles");
        assert_eq!(
            std::fs::read_link(profiles.join("system")).unwrap(),
            Path::new("system-1-link")
        );
    }
    // A host that cannot be reached fails alone: web-a is deployed again
    // (a test goal next time would be the same), db fails, the run fails.
    assert_eq!(plan("web-a,db"), ["db", "web-a"]);
    let (code, out, err) = apply_with(&["--parallel", "4"]);
    assert_ne!(code, 0, "{out}\n{err}");
    assert!(row(&out, "web-a").contains(" ok "), "{out}\n{err}");
    assert!(row(&out, "db").contains("FAILED"), "{out}\n{err}");
    assert!(err.contains("1 of 2 hosts failed"), "{err}");
    assert_eq!(
        record_of(&a),
        [
            "good dry-activate",
            "good switch",
            "good dry-activate",
            "good switch"
        ]
    );
    assert_eq!(record_of(&b), ["good dry-activate", "good switch"]);
    // One at a time with --fail-fast: db (first) fails, web-a is not
    // started at all.
    let (code, out, err) = apply_with(&["--parallel", "1", "--fail-fast"]);
    assert_ne!(code, 0, "{out}\n{err}");
    assert!(row(&out, "web-a").contains("not started"), "{out}\n{err}");
    assert_eq!(record_of(&a).len(), 4, "web-a ran after db failed");
}

#[test]
fn a_login_whose_sudo_asks_a_password_gets_it_on_stdin_only() {
    let test = "a_login_whose_sudo_asks_a_password_gets_it_on_stdin_only";
    if skip(test) {
        return;
    }
    if !sh("command -v sudo && command -v openssl").0 {
        skip_unless(
            test,
            Some("missing sudo or openssl".into()),
            "NIXPLAN_REQUIRE_LOOP_TESTS",
        );
        return;
    }
    // The target's own /etc: a user `deployer` whose sudo asks for a
    // password (this machine's /etc is untouched).
    let t = SshTarget::start_with_copies(10, &PRIVATE, &["/etc"]);
    let etc = t.private_dir("/etc");
    let password = "correct horse 42";
    let hash = sh_ok(&format!("openssl passwd -6 -salt nixplan '{password}'"));
    let append = |file: &str, line: &str| {
        let path = etc.join(file);
        let mut text = std::fs::read_to_string(&path).unwrap_or_default();
        text.push_str(line);
        text.push('\n');
        std::fs::write(&path, text).unwrap();
    };
    append("passwd", "deployer:x:4242:4242::/tmp:/bin/sh");
    append("group", "deployer:x:4242:");
    append(
        "shadow",
        &format!("deployer:{}:19000:0:99999:7:::", hash.trim()),
    );
    std::fs::create_dir_all(etc.join("sudoers.d")).unwrap();
    std::fs::write(etc.join("sudoers.d/deployer"), "deployer ALL=(ALL) ALL\n").unwrap();
    sh_ok(&format!(
        "chmod 0440 '{}'",
        etc.join("sudoers.d/deployer").display()
    ));
    let dir = t.dir.path();
    // sshd reads the authorized keys as the user logging in.
    sh_ok(&format!(
        "chmod 0711 '{d}' && chmod 0644 '{d}/authorized_keys'",
        d = dir.display()
    ));
    let flake = dir.join("hive");
    std::fs::create_dir_all(&flake).unwrap();
    std::fs::write(flake.join("db.key"), "db-secret\n").unwrap();
    std::fs::write(
        flake.join("flake.nix"),
        format!(
            r#"{{
  outputs = {{ self }}: {{
    colmena.db = {{
      deployment.targetHost = "{}";
      deployment.targetUser = "deployer";
      deployment.keys."db.key" = {{ keyFile = ./db.key; user = "deployer"; permissions = "0400"; }};
    }};
  }};
}}
"#,
            t.address
        ),
    )
    .unwrap();
    let plan = dir.join("keys.plan.json");
    let (code, _, err) = common::nixplan_text(&[
        "plan",
        &format!("{}#db", flake.display()),
        "--goal",
        "keys",
        "--offline",
        "--out",
        plan.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let apply = |password_file: Option<&Path>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_nixplan"));
        cmd.args(["apply", plan.to_str().unwrap(), "--yes", "-i"])
            .arg(dir.join("id"))
            .args(["--state-dir", dir.join("state").to_str().unwrap()])
            .args([
                "--ssh-option",
                &format!("UserKnownHostsFile={}", dir.join("known_hosts").display()),
            ])
            .args(["--ssh-option", "GlobalKnownHostsFile=/dev/null"]);
        if let Some(f) = password_file {
            cmd.arg("--sudo-password-file").arg(f);
        }
        let out = cmd.output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // Without the password: refused before anything runs, saying how.
    let (code, err) = apply(None);
    assert_ne!(code, 0);
    assert!(err.contains("--ask-sudo-password"), "{err}\n{}", t.log());
    // With it: facts, then the key written as root, owned by deployer.
    let pw = dir.join("pw");
    std::fs::write(&pw, format!("{password}\n")).unwrap();
    let (code, err) = apply(Some(&pw));
    assert_eq!(code, 0, "{err}\n{}", t.log());
    let key = t.private_dir("/run").join("keys/db.key");
    assert_eq!(std::fs::read_to_string(&key).unwrap(), "db-secret\n");
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(&key).unwrap();
    assert_eq!((meta.uid(), meta.mode() & 0o7777), (4242, 0o400));
    // The password is in no plan, journal or log.
    let (found, _) = sh(&format!(
        "grep -rlF '{password}' '{}' '{}'",
        plan.display(),
        dir.join("state").display()
    ));
    assert!(!found, "the password was written down");
    // A wrong password: sudo refuses, the run fails.
    std::fs::write(&pw, "wrong\n").unwrap();
    std::fs::remove_file(&key).unwrap();
    let (code, _) = apply(Some(&pw));
    assert_ne!(code, 0);
    assert!(!key.exists());
}
