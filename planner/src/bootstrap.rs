//! The facts the plan needs about the target, the bootstrap decision (kexec,
//! live system, or none for a running NixOS installer) and the install
//! steps, each with its exact command and a clean environment.

use std::collections::BTreeMap;

use nixplan_plan::facts::{is_installer, kexec_blocker, FACTS_SCRIPT};
use nixplan_plan::placeholder::{ESCALATION, SSH_OPTIONS, SSH_TARGET};
use nixplan_plan::shell::{clean_env, sh_quote};
use nixplan_plan::{Action, Condition, Kind, Phase, RunsOn};

use crate::build::{BootstrapMode, PlanOptions};

/// What the live-system mode needs of the running system.
const LIVE_PRECONDITIONS: &str = "nix and nixos-install on PATH, and root (or sudo/doas)";

/// The environment of a local action that reaches the target over SSH.
fn reach_target(a: &mut Action) {
    a.env.insert("NIX_SSHOPTS".into(), SSH_OPTIONS.into());
    a.env.insert("NIXPLAN_TARGET".into(), SSH_TARGET.into());
    a.env.insert("NIXPLAN_SUDO".into(), ESCALATION.into());
}

pub struct Bootstrap {
    pub actions: Vec<Action>,
    pub mode: String,
}

// Every field of an action is spelled out at each call; a builder would hide
// which ones the bootstrap steps set.
#[allow(clippy::too_many_arguments)]
fn action(
    id: &str,
    phase: Phase,
    kind: Kind,
    argv: Option<Vec<String>>,
    script: Option<String>,
    needs: Vec<String>,
    produces: Vec<String>,
    reason: &str,
) -> Action {
    Action {
        id: id.into(),
        phase,
        kind,
        deps: Vec::new(),
        argv,
        script,
        env: clean_env(),
        stdin: None,
        runs_on: RunsOn::Target,
        destructive: false,
        check: None,
        condition: None,
        needs,
        produces,
        source: None,
        reason: reason.into(),
    }
}

pub fn actions(options: &PlanOptions) -> Bootstrap {
    let mut out = Vec::new();
    out.push(action(
        "facts/gather",
        Phase::Facts,
        Kind::Facts,
        None,
        Some(FACTS_SCRIPT.to_string()),
        vec![],
        vec!["facts".into()],
        "learn the target's OS, architecture, Secure Boot and kexec state, tools and disks",
    ));
    let live_pre = LIVE_PRECONDITIONS;
    let (mode, kexec_cond, live_cond): (String, Option<Condition>, Option<Condition>) =
        match (options.bootstrap, &options.facts) {
            (BootstrapMode::None, _) => ("none (chosen)".into(), None, None),
            (BootstrapMode::Kexec, _) => ("kexec (chosen)".into(), Some(Condition::Always), None),
            (BootstrapMode::Live, _) => ("live (chosen)".into(), None, Some(Condition::Always)),
            (BootstrapMode::Auto, Some(f)) if is_installer(f) => {
                ("none: the target runs a NixOS installer".into(), None, None)
            }
            (BootstrapMode::Auto, Some(f)) => match kexec_blocker(f) {
                Some(why) => (
                    format!("live: kexec cannot work because {why}"),
                    None,
                    Some(Condition::Always),
                ),
                None => (
                    "kexec: the target is not a NixOS installer and kexec can work".into(),
                    Some(Condition::Always),
                    None,
                ),
            },
            (BootstrapMode::Auto, None) => (
                "decided by facts".into(),
                Some(Condition::KexecWorks),
                Some(Condition::KexecCannotWork),
            ),
        };
    if let Some(cond) = kexec_cond {
        let q = sh_quote;
        let (fetch, mut needs) = match &options.kexec_image {
            crate::build::KexecImage::Download { url } => (
                // curl, else wget (a minimal Debian has neither: then the
                // tarball has to come from here).
                format!(
                    "if command -v curl >/dev/null; then fetch=\"curl -fsSL\"; \
                     elif command -v wget >/dev/null; then fetch=\"wget -qO-\"; \
                     else echo 'neither curl nor wget on the target: plan with --kexec-tarball FILE to upload it' >&2; exit 1; fi\n\
                     $fetch \"{}\" | tar -xzf- -C /root",
                    // In double quotes: `&` or `;` in a URL stay in it, and
                    // $(uname -m) still expands.
                    url.replace('\\', "\\\\")
                        .replace('"', "\\\"")
                        .replace('`', "\\`")
                ),
                vec!["facts".to_string()],
            ),
            crate::build::KexecImage::Upload { path, sha256 } => {
                let dest = match &options.target_host {
                    Some(_) => "ssh $NIX_SSHOPTS \"$NIXPLAN_TARGET\" \"$NIXPLAN_SUDO tee /root/nixplan-kexec.tar.gz >/dev/null\"".to_string(),
                    None => "cat > /root/nixplan-kexec.tar.gz".to_string(),
                };
                let mut up = action(
                    "bootstrap/kexec-upload",
                    Phase::Bootstrap,
                    Kind::Upload,
                    None,
                    Some(format!("set -eu\n{dest} < {}\n", q(path))),
                    vec!["facts".into()],
                    vec!["kexec:uploaded".into()],
                    &format!("upload the kexec installer {path} (sha256 {sha256}) to the target"),
                );
                up.runs_on = RunsOn::Local;
                up.condition = Some(cond);
                if options.target_host.is_some() {
                    reach_target(&mut up);
                }
                out.push(up);
                (
                    format!(
                        "echo '{sha256}  /root/nixplan-kexec.tar.gz' | sha256sum -c -\ntar -xzf /root/nixplan-kexec.tar.gz -C /root"
                    ),
                    vec!["facts".to_string(), "kexec:uploaded".to_string()],
                )
            }
        };
        needs.dedup();
        let mut a = action(
            "bootstrap/kexec",
            Phase::Bootstrap,
            Kind::Kexec,
            None,
            Some(format!("set -eu\ncd /root\n{fetch}\n/root/kexec/run\n")),
            needs,
            vec!["bootstrap:kexec".into()],
            "boot the NixOS kexec installer in place of the running system (the host key changes; nixplan reconnects expecting it)",
        );
        a.condition = Some(cond);
        a.destructive = true;
        out.push(a);
    }
    if let Some(cond) = live_cond {
        let mut a = action(
            "bootstrap/live-check",
            Phase::Bootstrap,
            Kind::Precondition,
            None,
            Some("set -eu\ncommand -v nix\ncommand -v nixos-install\n[ \"$(id -u)\" = 0 ] || sudo -n true || doas -n true\n".into()),
            vec!["facts".into()],
            vec!["bootstrap:live".into()],
            &format!("install from the running system: check its preconditions ({live_pre}) before anything changes"),
        );
        a.condition = Some(cond);
        out.push(a);
    }
    // Nothing changes on the disks before the bootstrap step (whichever runs).
    let mut barrier_needs = vec!["facts".to_string()];
    barrier_needs.extend(
        out.iter()
            .filter(|a| a.phase == Phase::Bootstrap)
            .flat_map(|a| a.produces.iter().cloned()),
    );
    // Secret files reach the machine that runs disko (after a kexec, the
    // installer), streamed from here; only their names are in the plan.
    let q = sh_quote;
    let mut secrets = Vec::new();
    for (remote, local) in &options.secret_files {
        let dir = match remote.rsplit_once('/') {
            Some((d, _)) if !d.is_empty() => d.to_string(),
            _ => "/".to_string(),
        };
        let mut a = action(
            &format!("bootstrap/secret{remote}"),
            Phase::Bootstrap,
            Kind::SecretFile,
            None,
            Some(format!(
                "set -eu\numask 077\nmkdir -p {}\ncat > {}\n",
                q(&dir),
                q(remote)
            )),
            barrier_needs.clone(),
            vec![format!("secret:{remote}")],
            &format!("put the secret {local} (from this machine, over stdin) at {remote} on the target, mode 0600"),
        );
        // No check: writing it again is harmless, and a file already
        // there may be another key (the executor always runs these).
        a.stdin = Some(format!("file:{local}"));
        secrets.push(a);
    }
    barrier_needs.extend(secrets.iter().flat_map(|a| a.produces.iter().cloned()));
    out.extend(secrets);
    out.push(action(
        "bootstrap/ready",
        Phase::Bootstrap,
        Kind::Barrier,
        None,
        None,
        barrier_needs,
        vec!["bootstrap:ready".into()],
        "the target runs an installer (or the live system passed its checks): changes may start",
    ));
    Bootstrap { actions: out, mode }
}

/// Build (or take) the system, copy its closure into the new root, install.
pub fn install_actions(
    options: &PlanOptions,
    root: &str,
    mounts: &BTreeMap<String, String>,
) -> Vec<Action> {
    let mut out = Vec::new();
    let all_mounts: Vec<String> = mounts.values().cloned().collect();
    // Without --system, the path comes from install/build's output, given to
    // the next steps as NIXPLAN_SYSTEM (the only value decided while running).
    let system_ref = match &options.system {
        Some(s) => s.clone(),
        None => "$NIXPLAN_SYSTEM".to_string(),
    };
    let built = options.system.is_none();
    let mut copy_needs = all_mounts.clone();
    copy_needs.push("facts".into());
    if options.system.is_none() {
        let attr = options
            .flake_attr
            .clone()
            .unwrap_or_else(|| "<target>".into());
        let mut a = action(
            "install/build",
            Phase::Install,
            Kind::Build,
            Some(vec![
                "nix".into(),
                "--extra-experimental-features".into(),
                "nix-command flakes".into(),
                "build".into(),
                "--no-link".into(),
                "--print-out-paths".into(),
                attr.clone(),
            ]),
            None,
            vec![],
            vec!["system:built".into()],
            &format!(
                "build the system {attr} on this machine; its store path becomes NIXPLAN_SYSTEM"
            ),
        );
        a.runs_on = RunsOn::Local;
        out.push(a);
        copy_needs.push("system:built".into());
    }
    let nix_copy: Vec<String> = [
        "nix",
        "--extra-experimental-features",
        "nix-command flakes",
        "copy",
        "--no-check-sigs",
        "--to",
    ]
    .iter()
    .map(|w| w.to_string())
    .collect();
    let mut copy = match &options.target_host {
        // The store is the executor's login (root after a kexec), and a
        // non-root login runs the remote nix-store through sudo/doas
        // (nix's `remote-program`, URL-encoded).
        Some(_) => {
            let system = if built {
                "\"$NIXPLAN_SYSTEM\"".to_string()
            } else {
                sh_quote(&system_ref)
            };
            let words: Vec<String> = nix_copy.iter().map(|w| sh_quote(w)).collect();
            let root_q = percent_encoding::utf8_percent_encode(
                &format!("local?root={root}"),
                percent_encoding::NON_ALPHANUMERIC,
            )
            .to_string();
            let mut a = action(
                "install/copy-closure",
                Phase::Install,
                Kind::CopyClosure,
                None,
                Some(format!(
                    "set -eu\nstore=\"ssh://$NIXPLAN_TARGET?remote-store={root_q}\"\n\
                     [ -z \"$NIXPLAN_SUDO\" ] || store=\"$store&remote-program=$(printf '%s nix-store' \"$NIXPLAN_SUDO\" | sed 's/ /%20/g')\"\n\
                     {} \"$store\" {system}\n",
                    words.join(" ")
                )),
                copy_needs,
                vec!["system:copied".into()],
                &format!("copy the system closure into {root}/nix/store on the target, over the executor's SSH login ($NIXPLAN_TARGET; root after a kexec), through sudo/doas for a non-root login ($NIXPLAN_SUDO)"),
            );
            reach_target(&mut a);
            if built {
                a.env
                    .insert("NIXPLAN_SYSTEM".into(), "@install/build".into());
            }
            a
        }
        None => {
            let mut argv = nix_copy.clone();
            argv.push(format!("local?root={root}"));
            argv.push(system_ref.clone());
            action(
                "install/copy-closure",
                Phase::Install,
                Kind::CopyClosure,
                Some(argv),
                None,
                copy_needs,
                vec!["system:copied".into()],
                &format!("copy the system closure into {root}/nix/store"),
            )
        }
    };
    copy.runs_on = RunsOn::Local;
    out.push(copy);
    let mut needs = vec!["system:copied".to_string(), "host-keys".to_string()];
    needs.extend(all_mounts.iter().cloned());
    let root_mount = mounts.get("/").cloned().into_iter().collect::<Vec<_>>();
    if let Some(dir) = &options.extra_files {
        let q = sh_quote;
        // Owned by root unless --chown says otherwise, modes kept, and the
        // directories already there (the new root, persisted ones) keep
        // their own owner and mode.
        let unpack = format!(
            "tar -C {} -xf - --no-same-owner --no-overwrite-dir",
            q(root)
        );
        let (dest, remote) = match &options.target_host {
            Some(_) => (
                format!(
                    "tar -C {} -cf - . | ssh $NIX_SSHOPTS \"$NIXPLAN_TARGET\" $NIXPLAN_SUDO {}",
                    q(dir),
                    q(&unpack)
                ),
                true,
            ),
            None => (format!("tar -C {} -cf - . | {unpack}", q(dir)), false),
        };
        let mut script = format!("set -eu\n{dest}\n");
        for (path, owner) in &options.chown {
            let cmd = format!("chown -R {} {}", q(owner), q(&format!("{root}{path}")));
            if remote {
                script.push_str(&format!(
                    "ssh $NIX_SSHOPTS \"$NIXPLAN_TARGET\" $NIXPLAN_SUDO {}\n",
                    q(&cmd)
                ));
            } else {
                script.push_str(&format!("{cmd}\n"));
            }
        }
        let mut a = action(
            "install/extra-files",
            Phase::Install,
            Kind::ExtraFiles,
            None,
            Some(script),
            root_mount.clone(),
            vec!["extra-files".into()],
            &format!("copy the contents of {dir} into {root}: modes kept, owned by root unless chowned, directories already there unchanged"),
        );
        a.runs_on = RunsOn::Local;
        if remote {
            reach_target(&mut a);
        }
        out.push(a);
        needs.push("extra-files".into());
    }
    // SSH host keys exist before the first boot (kept from --extra-files
    // when given there), so the host key is known and stable.
    let mut keys_needs = root_mount.clone();
    if options.extra_files.is_some() {
        keys_needs.push("extra-files".into());
    }
    let mut keys = action(
        "install/host-keys",
        Phase::Install,
        Kind::HostKeys,
        None,
        Some(format!(
            "set -eu\nmkdir -p {root}/etc/ssh\nssh-keygen -A -f {root}\n"
        )),
        keys_needs,
        vec!["host-keys".into()],
        "generate the SSH host keys the installed system will use (only those missing)",
    );
    keys.check = Some(vec![
        "test".into(),
        "-f".into(),
        format!("{root}/etc/ssh/ssh_host_ed25519_key"),
    ]);
    out.push(keys);
    out.push(action(
        "install/nixos-install",
        Phase::Install,
        Kind::NixosInstall,
        Some(vec![
            "nixos-install".into(),
            "--no-root-passwd".into(),
            "--no-channel-copy".into(),
            "--root".into(),
            root.into(),
            "--system".into(),
            system_ref,
        ]),
        None,
        needs,
        vec!["system:installed".into()],
        "install the boot loader and activate the system in the new root, with a clean environment",
    ));
    if built {
        // The executor sets NIXPLAN_SYSTEM to what install/build printed;
        // the command is a script so that the variable is expanded.
        for a in out.iter_mut() {
            let Some(argv) = a.argv.clone() else { continue };
            if !argv.iter().any(|x| x == "$NIXPLAN_SYSTEM") {
                continue;
            }
            let line: Vec<String> = argv
                .iter()
                .map(|x| {
                    if x == "$NIXPLAN_SYSTEM" {
                        "\"$NIXPLAN_SYSTEM\"".to_string()
                    } else {
                        sh_quote(x)
                    }
                })
                .collect();
            a.script = Some(format!("set -eu\n{}\n", line.join(" ")));
            a.argv = None;
            a.env
                .insert("NIXPLAN_SYSTEM".into(), "@install/build".into());
            a.needs.push("system:built".into());
        }
    }
    out
}
