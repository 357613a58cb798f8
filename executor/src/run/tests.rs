//! The executor against a scripted machine: what runs, in which order,
//! with which environment and stdin, and what is refused.

use super::*;
use std::cell::RefCell;
use std::rc::Rc;

use nixplan_plan::shell::clean_env;
use nixplan_plan::Resource;

/// A command the scripted machine ran: its text, stdin and environment.
type Ran = (String, Option<Vec<u8>>, BTreeMap<String, String>);

/// A machine that answers from a script: the facts it reports, which
/// commands fail, and a record of everything it was asked to run.
#[derive(Clone, Default)]
struct Scripted {
    facts: String,
    failing: Vec<String>,
    ran: Rc<RefCell<Vec<Ran>>>,
    this_machine: bool,
    host_key_changed: Rc<RefCell<u32>>,
    /// What the facts say once the host key changed (after kexec).
    facts_after_kexec: Option<String>,
    /// Commands whose connection drops under them (ssh exits 255).
    dropping: Vec<String>,
    /// The SSH login, when it plays an SSH target (root after kexec).
    login: Rc<RefCell<Option<String>>>,
    /// Every escalation the executor asked for, in order.
    escalations: Rc<RefCell<Vec<Option<Escalation>>>>,
    /// The lock scripts it was asked to hold, in order.
    holds: Rc<RefCell<Vec<String>>>,
    /// Another run holds the disk locks.
    locked_elsewhere: bool,
}

fn text(p: &Program) -> String {
    match p {
        Program::Argv(a) => a.join(" "),
        Program::Script(s) => s.clone(),
    }
}

impl Transport for Scripted {
    fn run(&self, inv: &Invocation) -> Result<Finished, String> {
        let t = text(&inv.program);
        let is_facts = t == FACTS_SCRIPT;
        if !is_facts {
            self.ran
                .borrow_mut()
                .push((t.clone(), inv.stdin.clone(), inv.env.clone()));
        }
        let fails = self.failing.iter().any(|f| t.contains(f.as_str()));
        let drops = self.dropping.contains(&t);
        Ok(Finished {
            code: Some(if drops {
                255
            } else if fails {
                1
            } else {
                0
            }),
            timed_out: false,
            stdout: if is_facts {
                match (&self.facts_after_kexec, *self.host_key_changed.borrow()) {
                    (Some(f), n) if n > 0 => f.clone().into_bytes(),
                    _ => self.facts.clone().into_bytes(),
                }
            } else if t.starts_with("nix build") {
                b"/nix/store/abc-nixos-system\n".to_vec()
            } else {
                Vec::new()
            },
            stderr: if fails {
                b"boom\n".to_vec()
            } else {
                Vec::new()
            },
            elapsed: Duration::from_millis(1),
        })
    }
    fn describe(&self) -> String {
        "scripted".into()
    }
    fn is_this_machine(&self) -> bool {
        self.this_machine
    }
    fn escalate_with(&mut self, tool: Option<Escalation>) {
        self.escalations.borrow_mut().push(tool);
    }
    fn escalation(&self) -> Option<Escalation> {
        self.escalations.borrow().last().cloned().flatten()
    }
    fn after_kexec(&mut self, _fresh: bool) -> Result<(), String> {
        *self.host_key_changed.borrow_mut() += 1;
        let mut login = self.login.borrow_mut();
        if let Some(l) = login.as_mut() {
            *l = format!("root@{}", l.rsplit_once('@').map_or(l.as_str(), |x| x.1));
        }
        Ok(())
    }
    fn login(&self) -> Option<String> {
        self.login.borrow().clone()
    }
    fn hold(&self, inv: &Invocation, ready: &str) -> Result<crate::transport::Held, String> {
        assert_eq!(ready, disklock::LOCKED);
        self.holds.borrow_mut().push(text(&inv.program));
        if self.locked_elsewhere {
            Err("another nixplan is applying a plan to /dev/vdb".into())
        } else {
            Ok(crate::transport::Held::nothing())
        }
    }
}

struct Quiet(bool);
impl Observer for Quiet {
    fn event(&mut self, _e: Event<'_>) {}
    fn confirm(&mut self, _q: &str) -> bool {
        self.0
    }
}

fn facts(extra: &str, mounts: &str) -> String {
    format!(
            "os_id=debian\nos_variant_id=\narch=x86_64\nuid=0\nsudo=0\ndoas=0\nsecure_boot=0\nlockdown=\nkexec_load_disabled=0\ncontainer=none\n{extra}disks={{\"blockdevices\":[{{\"path\":\"/dev/vdb\",\"size\":1000,\"serial\":\"S1\",\"mountpoints\":[null],\"children\":[{{\"path\":\"/dev/vdb1\",\"size\":10,\"serial\":null,\"mountpoints\":[{mounts}]}}]}}]}}\n"
        )
}

#[allow(clippy::too_many_arguments)]
fn action(
    id: &str,
    phase: &str,
    kind: &str,
    argv: Option<&[&str]>,
    script: Option<&str>,
    needs: &[&str],
    produces: &[&str],
    deps: &[&str],
) -> Action {
    Action {
        id: id.into(),
        phase: Phase::parse(phase).expect("a phase"),
        kind: serde_json::from_value(serde_json::Value::from(kind)).expect("a kind"),
        deps: deps.iter().map(|s| s.to_string()).collect(),
        argv: argv.map(|a| a.iter().map(|s| s.to_string()).collect()),
        script: script.map(str::to_string),
        env: clean_env(),
        stdin: None,
        runs_on: RunsOn::Target,
        destructive: false,
        check: None,
        condition: None,
        needs: needs
            .iter()
            .map(|s| Resource::parse(s).expect("a resource"))
            .collect(),
        produces: produces
            .iter()
            .map(|s| Resource::parse(s).expect("a resource"))
            .collect(),
        source: None,
        reason: String::new(),
    }
}

/// facts → ready → wipe /dev/vdb → luksFormat (passphrase on stdin)
/// → mkfs; an unrelated step; build → install with NIXPLAN_SYSTEM.
fn plan() -> Plan {
    let mut wipe = action(
        "disko/disk/main/wipe",
        "disko",
        "wipe",
        None,
        Some("wipefs --all /dev/vdb"),
        &["device:/dev/vdb", "bootstrap:ready"],
        &["wiped:/dev/vdb"],
        &["bootstrap/ready"],
    );
    wipe.destructive = true;
    let mut luks = action(
        "disko/luks",
        "disko",
        "luks-format",
        Some(&["cryptsetup", "luksFormat", "/dev/vdb", "--key-file=-"]),
        None,
        &["wiped:/dev/vdb"],
        &["luks:/dev/vdb", "block:/dev/mapper/c"],
        &["disko/disk/main/wipe"],
    );
    luks.destructive = true;
    let mut mkfs = action(
        "disko/mkfs",
        "disko",
        "mkfs",
        Some(&["mkfs.ext4", "/dev/mapper/c"]),
        None,
        &["luks:/dev/vdb"],
        &["fs:/dev/mapper/c"],
        &["disko/luks"],
    );
    mkfs.destructive = true;
    let mut build = action(
        "install/build",
        "install",
        "build",
        Some(&["nix", "build", "x"]),
        None,
        &[],
        &["system:built"],
        &[],
    );
    build.runs_on = RunsOn::Local;
    let mut install = action(
        "install/nixos-install",
        "install",
        "nixos-install",
        None,
        Some("nixos-install --system \"$NIXPLAN_SYSTEM\""),
        &["system:built"],
        &["system:installed"],
        &["install/build"],
    );
    install
        .env
        .insert("NIXPLAN_SYSTEM".into(), "@install/build".into());
    let mut reboot = action(
        "reboot/reboot",
        "reboot",
        "reboot",
        Some(&["reboot"]),
        None,
        &["system:installed"],
        &[],
        &["install/nixos-install"],
    );
    reboot.condition = Some(nixplan_plan::Condition::NotThisMachine);
    let p = Plan {
        format_version: 1,
        nixplan_version: "test".into(),
        target: nixplan_plan::PlanTarget {
            name: "t".into(),
            host: None,
            facts: None,
            goal: None,
            port: None,
            ssh_options: Vec::new(),
            escalation: None,
        },
        source: Default::default(),
        inputs: Vec::new(),
        assumed: Vec::new(),
        incomplete: Vec::new(),
        phases: Phase::ALL.to_vec(),
        actions: vec![
            action(
                "facts/gather",
                "facts",
                "facts",
                None,
                Some(FACTS_SCRIPT),
                &[],
                &["facts"],
                &[],
            ),
            action(
                "bootstrap/ready",
                "bootstrap",
                "barrier",
                None,
                None,
                &["facts"],
                &["bootstrap:ready"],
                &["facts/gather"],
            ),
            wipe,
            luks,
            mkfs,
            build,
            install,
            reboot,
        ],
        summary: Default::default(),
        hash: String::new(),
        signature: None,
        hosts: Vec::new(),
    };
    resealed(p)
}

/// Sealed again after an edit, with the summary recounted (verify checks
/// that it adds up).
fn resealed(mut p: Plan) -> Plan {
    p.summary = nixplan_plan::Summary::of_actions(&p.actions, p.target.facts.as_ref());
    p.seal()
}

/// The plan with kexec, for when the facts say it can work.
fn with_kexec() -> Plan {
    let mut p = plan();
    let mut k = action(
        "bootstrap/kexec",
        "bootstrap",
        "kexec",
        None,
        Some("/root/kexec/run"),
        &["facts"],
        &["bootstrap:kexec"],
        &["facts/gather"],
    );
    k.condition = Some(nixplan_plan::Condition::KexecWorks);
    k.destructive = true;
    p.actions.insert(1, k);
    // As the planner does: changes wait for the bootstrap.
    let ready = &mut p.actions[2];
    assert_eq!(ready.id, "bootstrap/ready");
    ready
        .needs
        .push(Resource::parse("bootstrap:kexec").unwrap());
    ready.deps.push("bootstrap/kexec".into());
    resealed(p)
}

fn opts(dir: &std::path::Path) -> ApplyOptions {
    ApplyOptions {
        yes: true,
        state_dir: dir.to_path_buf(),
        passphrase: Some(b"pw".to_vec()),
        ..ApplyOptions::default()
    }
}

/// Apply on a scripted target (its `local` actions on a copy of it).
fn on(t: &mut Scripted, p: &Plan, o: &ApplyOptions, yes: bool) -> Result<Report, Refusal> {
    let mut local = t.clone();
    apply(p, t, &mut local, o, &mut Quiet(yes))
}

fn ran(t: &Scripted) -> Vec<String> {
    t.ran.borrow().iter().map(|(c, _, _)| c.clone()).collect()
}

#[test]
fn the_plan_runs_in_order_with_secrets_on_stdin_and_the_built_system() {
    let dir = tempfile::tempdir().unwrap();
    // The reboot's lost connection (ssh's 255) counts as done.
    let mut t = Scripted {
        facts: facts("", "null"),
        dropping: vec!["reboot".into()],
        ..Default::default()
    };
    let report = on(&mut t, &plan(), &opts(dir.path()), false).unwrap();
    assert!(report.succeeded(), "{report:?}");
    let log = t.ran.borrow();
    let luks = log
        .iter()
        .find(|(c, _, _)| c.contains("luksFormat"))
        .unwrap();
    assert_eq!(luks.1.as_deref(), Some(&b"pw"[..]));
    let install = log
        .iter()
        .find(|(c, _, _)| c.contains("nixos-install"))
        .unwrap();
    assert_eq!(install.2["NIXPLAN_SYSTEM"], "/nix/store/abc-nixos-system");
    assert_eq!(install.2["HOME"], "/root");
    // reboot is for other machines only: this one is not "this machine".
    assert!(log.iter().any(|(c, _, _)| c == "reboot"));
    // The target saw the plan's order: wipe, encrypt, format, install,
    // reboot (each once).
    let at = |needle: &str| {
        let hits: Vec<usize> = log
            .iter()
            .enumerate()
            .filter(|(_, (c, _, _))| c.contains(needle))
            .map(|(i, _)| i)
            .collect();
        assert_eq!(hits.len(), 1, "{needle} ran {} times: {log:?}", hits.len());
        hits[0]
    };
    let order = [
        at("wipefs --all /dev/vdb"),
        at("luksFormat"),
        at("mkfs.ext4"),
        at("nixos-install"),
        at("reboot"),
    ];
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}: {log:?}");
}

#[test]
fn a_build_of_nothing_is_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = Scripted {
        facts: facts("", "null"),
        dropping: vec!["reboot".into()],
        ..Default::default()
    };
    let mut p = plan();
    let build = p
        .actions
        .iter_mut()
        .find(|a| a.id == "install/build")
        .unwrap();
    build.argv = Some(vec![
        "nix".into(),
        "build".into(),
        nixplan_plan::placeholder::NO_FLAKE_ATTRIBUTE.into(),
    ]);
    let p = p.seal();
    let refused = on(&mut t, &p, &opts(dir.path()), false).unwrap_err();
    assert!(refused.0.contains("has nothing to build"), "{refused}");
    assert!(
        !ran(&t).iter().any(|c| c.contains("wipefs")),
        "{:?}",
        ran(&t)
    );
    // Up to the disks only, the plan runs.
    let o = ApplyOptions {
        phases: PhaseSelection::parse(&[], Some("disko")).unwrap(),
        ..opts(dir.path())
    };
    let report = on(&mut t, &p, &o, false).unwrap();
    assert!(report.succeeded(), "{report:?}");
}

#[test]
fn a_failure_blocks_only_what_depends_on_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = Scripted {
        facts: facts("", "null"),
        failing: vec!["luksFormat".into()],
        ..Default::default()
    };
    let report = on(&mut t, &plan(), &opts(dir.path()), false).unwrap();
    let f = report.failures();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].action, "disko/luks");
    assert_eq!(f[0].status, "exit code 1");
    assert!(f[0].tail.contains("boom"));
    let by_id: BTreeMap<_, _> = report.outcomes.iter().cloned().collect();
    assert_eq!(
        by_id["disko/mkfs"],
        Outcome::Blocked {
            by: "disko/luks".into()
        }
    );
    assert_eq!(by_id["install/nixos-install"], Outcome::Done);
    assert!(!ran(&t).iter().any(|c| c.starts_with("mkfs")));
}

#[test]
fn the_disks_are_locked_before_the_first_destructive_action_and_a_held_lock_stops_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = Scripted {
        facts: facts("", "null"),
        ..Default::default()
    };
    let report = on(&mut t, &plan(), &opts(dir.path()), false).unwrap();
    assert!(report.succeeded(), "{report:?}");
    let holds = t.holds.borrow().clone();
    assert_eq!(holds.len(), 1, "one lock command for the run: {holds:?}");
    assert!(holds[0].ends_with("hold /dev/vdb\n"), "{}", holds[0]);

    let dir = tempfile::tempdir().unwrap();
    let mut t = Scripted {
        facts: facts("", "null"),
        locked_elsewhere: true,
        ..Default::default()
    };
    let report = on(&mut t, &plan(), &opts(dir.path()), false).unwrap();
    let f = report.failures();
    assert_eq!(f.len(), 1, "{report:?}");
    assert_eq!(f[0].action, "disko/disk/main/wipe");
    assert!(f[0].status.contains("another nixplan"), "{}", f[0].status);
    assert!(
        !ran(&t)
            .iter()
            .any(|c| c.contains("wipefs") || c.contains("mkfs")),
        "nothing destructive ran: {:?}",
        ran(&t)
    );
}

#[test]
fn guards_refuse_before_anything_runs() {
    let cases: Vec<(String, Plan, bool, &str)> = vec![
        (
            facts("", "\"/\""),
            plan(),
            false,
            "holds the running system",
        ),
        (facts("", "\"/srv\""), plan(), false, "/dev/vdb1 on /srv"),
        (
            facts("", "null").replace("/dev/vdb\"", "/dev/vdc\""),
            plan(),
            false,
            "is not a disk of the target",
        ),
        (facts("", "null"), with_kexec(), true, "never does"),
        (
            facts("uid=1000\n", "null"),
            plan(),
            false,
            "neither sudo -n nor doas -n works",
        ),
    ];
    for (f, p, this_machine, want) in cases {
        let dir = tempfile::tempdir().unwrap();
        // The last uid line wins in the facts.
        let f = if f.contains("uid=1000") {
            f.replace("uid=0\n", "")
        } else {
            f
        };
        let mut t = Scripted {
            facts: f,
            this_machine,
            ..Default::default()
        };
        let err = on(&mut t, &p, &opts(dir.path()), true).unwrap_err();
        assert!(err.0.contains(want), "{want}: {err}");
        assert!(ran(&t).is_empty(), "{want}: ran {:?}", ran(&t));
    }
}

#[test]
fn an_edited_or_unconfirmed_plan_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut edited = plan();
    edited.actions[4].argv = Some(vec!["mkfs.ext4".into(), "/dev/sda".into()]);
    let mut t = Scripted {
        facts: facts("", "null"),
        ..Default::default()
    };
    let err = on(&mut t, &edited, &opts(dir.path()), true).unwrap_err();
    assert!(err.0.contains("the plan was edited"), "{err}");
    let mut o = opts(dir.path());
    o.yes = false;
    let err = on(&mut t, &plan(), &o, false).unwrap_err();
    assert!(err.0.contains("not confirmed"), "{err}");
    assert!(ran(&t).is_empty());
}

/// A plan that lacks part of the configuration (an activation snippet
/// nixplan could not evaluate) runs nothing; a dry run still shows it, and
/// the hash covers the list (dropping it is an edit).
#[test]
fn an_incomplete_plan_is_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = plan();
    p.incomplete.push(nixplan_plan::Incomplete {
        what: "activation snippet agenixInstall".into(),
        error: "The option `age.secrets.db.file' is used but not defined. (at secrets.nix:3:5)"
            .into(),
    });
    let p = resealed(p);
    let mut t = Scripted {
        facts: facts("", "null"),
        ..Default::default()
    };
    let err = on(&mut t, &p, &opts(dir.path()), true).unwrap_err();
    assert!(err.0.contains("the plan is incomplete"), "{err}");
    assert!(
        err.0
            .contains("activation snippet agenixInstall: The option `age.secrets.db.file'"),
        "{err}"
    );
    assert!(ran(&t).is_empty());
    let mut o = opts(dir.path());
    o.dry_run = true;
    assert!(on(&mut t, &p, &o, true).is_ok());
    assert!(ran(&t).is_empty());
    let mut dropped = p.clone();
    dropped.incomplete.clear();
    let err = on(&mut t, &dropped, &opts(dir.path()), true).unwrap_err();
    assert!(err.0.contains("the plan was edited"), "{err}");
}

#[test]
fn recorded_facts_must_still_match() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = plan();
    p.target.facts = Some(facts::parse(&facts("", "null")).unwrap());
    let p = resealed(p);
    let mut t = Scripted {
        facts: facts("", "null")
            .replace("\"S1\"", "\"S2\"")
            .replace(":1000", ":2000"),
        ..Default::default()
    };
    let err = on(&mut t, &p, &opts(dir.path()), true).unwrap_err();
    assert!(err.0.contains("serial S1, the target's is S2"), "{err}");
    assert!(err.0.contains("1000 bytes, the disk now has 2000"), "{err}");
    // Secure Boot turned on since planning: a different bootstrap.
    let mut t = Scripted {
        facts: facts("", "null").replace("secure_boot=0", "secure_boot=1"),
        ..Default::default()
    };
    let err = on(&mut t, &p, &opts(dir.path()), true).unwrap_err();
    assert!(err.0.contains("plan again"), "{err}");
}

#[test]
fn after_kexec_the_new_host_key_is_expected_and_the_installer_checked() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = opts(dir.path());
    o.reconnect_timeout = Duration::from_millis(200);
    // The running system lacks nixos-install, and runs from the disk
    // to wipe; the installer kexec boots into has the tool and mounts
    // nothing, so neither is a reason to refuse.
    let mut t = Scripted {
        facts: facts("tool.nixos-install=0\n", "\"/\""),
        facts_after_kexec: Some(facts("", "null").replace(
            "os_id=debian\nos_variant_id=",
            "os_id=nixos\nos_variant_id=installer",
        )),
        ..Default::default()
    };
    let report = on(&mut t, &with_kexec(), &o, false).unwrap();
    assert!(report.succeeded(), "{report:?}");
    assert_eq!(*t.host_key_changed.borrow(), 1);
    // First the run lock on the target (no earlier run's command there).
    assert!(ran(&t)[0].contains("flock -n -x"), "{:?}", ran(&t));
    assert_eq!(ran(&t)[1], "/root/kexec/run");
    assert_eq!(ran(&t)[2], "true");
    // Coming back as something else than the installer is a failure,
    // and nothing after it runs.
    let dir = tempfile::tempdir().unwrap();
    let mut o = opts(dir.path());
    o.reconnect_timeout = Duration::from_millis(200);
    let mut t = Scripted {
        facts: facts("", "null"),
        ..Default::default()
    };
    let report = on(&mut t, &with_kexec(), &o, false).unwrap();
    let f = report.failures();
    assert_eq!(f[0].action, "bootstrap/kexec");
    assert!(f[0].status.contains("does not report a NixOS installer"));
    // An installer that still has the disk mounted: refused there.
    let dir = tempfile::tempdir().unwrap();
    let mut o = opts(dir.path());
    o.reconnect_timeout = Duration::from_millis(200);
    let mut t = Scripted {
        facts: facts("", "\"/\""),
        facts_after_kexec: Some(facts("", "\"/srv\"").replace(
            "os_id=debian\nos_variant_id=",
            "os_id=nixos\nos_variant_id=installer",
        )),
        ..Default::default()
    };
    let report = on(&mut t, &with_kexec(), &o, false).unwrap();
    let f = report.failures();
    assert_eq!(f[0].action, "bootstrap/kexec");
    assert!(
        f[0].status.contains("after kexec, refusing to go on"),
        "{}",
        f[0].status
    );
    assert!(!ran(&t).iter().any(|c| c.contains("wipefs")));
}

#[test]
fn a_failed_reconnect_leaves_the_kexec_done_and_a_resume_goes_on_as_the_installer() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = opts(dir.path());
    o.reconnect_timeout = Duration::from_millis(200);
    let installer = facts("", "null").replace(
        "os_id=debian\nos_variant_id=",
        "os_id=nixos\nos_variant_id=installer",
    );
    // Planned with the target's facts: kexec decided, not a condition.
    let mut p = with_kexec();
    p.target.facts = Some(facts::parse(&facts("", "null")).unwrap());
    let p = resealed(p);
    // The first run's reconnect meets something that is no installer.
    let mut t = Scripted {
        facts: facts("", "null"),
        ..Default::default()
    };
    let report = on(&mut t, &p, &o, false).unwrap();
    let f = report.failures();
    assert_eq!(f[0].action, "bootstrap/kexec");
    assert!(
        f[0].status.contains("does not report a NixOS installer"),
        "{f:?}"
    );
    // The journal still says the kexec was done; the failure after it
    // has its own name.
    let journal = Journal::open(&o.state_dir, &p.hash).unwrap();
    let done = journal.completed_earlier();
    assert!(done.contains_key("bootstrap/kexec"), "{done:?}");
    assert!(journal
        .earlier
        .iter()
        .any(|r| r.action == "bootstrap/kexec/reconnect" && r.status == Status::Failed));
    drop(journal);
    // Resumed once the installer answers: reached as the installer,
    // and the plan's "kexec" decision is not held against it.
    let mut t2 = Scripted {
        facts: installer,
        ..Default::default()
    };
    let mut o2 = o.clone();
    o2.resume = true;
    let report = on(&mut t2, &p, &o2, false).unwrap();
    assert!(report.succeeded(), "{report:?}");
    assert_eq!(*t2.host_key_changed.borrow(), 1);
    assert!(!ran(&t2).iter().any(|c| c == "/root/kexec/run"));
    // Resumed while the target is its old system again (rebooted):
    // refused, saying the kexec has to run again.
    let mut t3 = Scripted {
        facts: facts("", "null"),
        ..Default::default()
    };
    let refused = on(&mut t3, &p, &o2, false).unwrap_err();
    assert!(
        refused.0.contains("the kexec has to run again"),
        "{refused}"
    );
    assert!(ran(&t3).is_empty());
}

#[test]
fn local_actions_reach_the_target_as_the_executor_does_before_and_after_kexec() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = opts(dir.path());
    o.reconnect_timeout = Duration::from_millis(200);
    let mut p = with_kexec();
    let reach = |id: &str, phase: &str, needs: &[&str], deps: &[&str]| {
        let mut a = action(
            id,
            phase,
            "upload",
            None,
            Some(&format!(
                "ssh $NIX_SSHOPTS \"$NIXPLAN_TARGET\" $NIXPLAN_SUDO {id}"
            )),
            needs,
            &[&format!("secret:{id}")],
            deps,
        );
        a.runs_on = RunsOn::Local;
        a.env.insert("NIXPLAN_TARGET".into(), SSH_TARGET.into());
        a.env.insert("NIXPLAN_SUDO".into(), ESCALATION.into());
        a
    };
    // One before the kexec (as the tarball upload is), one after.
    let before = reach("up-before", "bootstrap", &["facts"], &["facts/gather"]);
    let after = reach(
        "up-after",
        "install",
        &["bootstrap:ready"],
        &["bootstrap/ready"],
    );
    p.actions.insert(1, before);
    p.actions.push(after);
    let k = p
        .actions
        .iter()
        .position(|a| a.id == "bootstrap/kexec")
        .unwrap();
    p.actions[k]
        .needs
        .push(Resource::parse("secret:up-before").unwrap());
    p.actions[k].deps.push("up-before".into());
    let p = resealed(p);
    let mut t = Scripted {
        facts: facts("", "null").replace("uid=0\nsudo=0", "uid=1000\nsudo=1"),
        facts_after_kexec: Some(facts("", "null").replace(
            "os_id=debian\nos_variant_id=",
            "os_id=nixos\nos_variant_id=installer",
        )),
        login: Rc::new(RefCell::new(Some("deploy@h".into()))),
        ..Default::default()
    };
    let report = on(&mut t, &p, &o, false).unwrap();
    assert!(report.succeeded(), "{report:?}");
    let env_of = |id: &str| {
        let log = t.ran.borrow();
        let (_, _, env) = log.iter().find(|(c, _, _)| c.ends_with(id)).unwrap();
        (env["NIXPLAN_TARGET"].clone(), env["NIXPLAN_SUDO"].clone())
    };
    assert_eq!(env_of("up-before"), ("deploy@h".into(), "sudo -n".into()));
    assert_eq!(env_of("up-after"), ("root@h".into(), String::new()));
    // The target itself: sudo for the deploy login, then none as root.
    assert_eq!(
        *t.escalations.borrow(),
        vec![Some(Escalation::Tool("sudo".to_string())), None]
    );
    // Resumed in a new process: the journal says the kexec happened,
    // so the executor starts as root on the installer.
    let mut t2 = Scripted {
        facts: t.facts_after_kexec.clone().unwrap(),
        login: Rc::new(RefCell::new(Some("deploy@h".into()))),
        ..Default::default()
    };
    let mut o2 = o.clone();
    o2.resume = true;
    let report = on(&mut t2, &p, &o2, false).unwrap();
    assert!(report.succeeded(), "{report:?}");
    assert_eq!(*t2.host_key_changed.borrow(), 1);
    assert_eq!(t2.login().as_deref(), Some("root@h"));
}

#[test]
fn dry_runs_run_nothing_and_show_the_exact_command() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = Scripted::default();
    let mut o = opts(dir.path());
    o.dry_run = true;
    let report = on(&mut t, &plan(), &o, false).unwrap();
    assert!(ran(&t).is_empty());
    let by_id: BTreeMap<_, _> = report.outcomes.into_iter().collect();
    let Outcome::WouldRun { command } = &by_id["disko/mkfs"] else {
        panic!()
    };
    assert!(
        command.starts_with("env -i HOME=/root LANG=C.UTF-8"),
        "{command}"
    );
    assert!(command.ends_with(" mkfs.ext4 /dev/mapper/c"), "{command}");
}
