//! The bootstrap phase: how the target comes to run an installer. kexec
//! into nixos-images' installer, the live-system mode where kexec cannot
//! work (Secure Boot, lockdown, `kexec_load_disabled`, a container), or
//! nothing for a running NixOS installer; without facts, both as
//! conditions the executor decides. Secret files go to the target here,
//! and a barrier marks the point after which disks may change.

use nixplan_plan::facts::{is_installer, kexec_blocker};
use nixplan_plan::shell::sh_quote;
use nixplan_plan::{Action, Condition, Kind, Phase, RunsOn};
use nixplan_plan::{Resource, ResourceKind as Res};

use super::{action, reach_target};
use crate::options::{BootstrapMode, KexecImage, PlanOptions};

/// What the live-system mode needs of the running system.
const LIVE_PRECONDITIONS: &str = "nix and nixos-install on PATH, and root (or sudo/doas)";

pub struct Bootstrap {
    pub actions: Vec<Action>,
    pub mode: String,
}

pub fn actions(options: &PlanOptions) -> Bootstrap {
    let mut out = Vec::new();
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
            KexecImage::Download { url } => (
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
                vec![Resource::bare(Res::Facts)],
            ),
            KexecImage::Upload { path, sha256 } => {
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
                    vec![Resource::bare(Res::Facts)],
                    vec![Resource::new(Res::Kexec, "uploaded")],
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
                    vec![Resource::bare(Res::Facts), Resource::new(Res::Kexec, "uploaded")],
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
            vec![Resource::new(Res::Bootstrap, "kexec")],
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
            vec![Resource::bare(Res::Facts)],
            vec![Resource::new(Res::Bootstrap, "live")],
            &format!("install from the running system: check its preconditions ({live_pre}) before anything changes"),
        );
        a.condition = Some(cond);
        out.push(a);
    }
    // Nothing changes on the disks before the bootstrap step (whichever runs).
    let mut barrier_needs = vec![Resource::bare(Res::Facts)];
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
            vec![Resource::new(Res::Secret, remote.to_string())],
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
        vec![Resource::new(Res::Bootstrap, "ready")],
        "the target runs an installer (or the live system passed its checks): changes may start",
    ));
    Bootstrap { actions: out, mode }
}
