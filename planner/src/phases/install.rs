//! The install phase: build (or take) the system, copy its closure into
//! the new root, extra files and host keys, then `nixos-install`, each with
//! the clean environment (nothing of the caller's leaks into the target).

use std::collections::BTreeMap;

use nixplan_plan::shell::sh_quote;
use nixplan_plan::{Action, Kind, Phase, RunsOn};
use nixplan_plan::{Resource, ResourceKind as Res};

use super::{action, reach_target};
use crate::options::PlanOptions;

/// Build (or take) the system, copy its closure into the new root, install.
pub(crate) fn actions(
    options: &PlanOptions,
    root: &str,
    mounts: &BTreeMap<String, Resource>,
) -> Vec<Action> {
    let mut out = Vec::new();
    let all_mounts: Vec<Resource> = mounts.values().cloned().collect();
    // Without --system, the path comes from install/build's output, given to
    // the next steps as NIXPLAN_SYSTEM (the only value decided while running).
    let system_ref = match &options.system {
        Some(s) => s.clone(),
        None => "$NIXPLAN_SYSTEM".to_string(),
    };
    let built = options.system.is_none();
    let mut copy_needs = all_mounts.clone();
    copy_needs.push(Resource::bare(Res::Facts));
    if options.system.is_none() {
        let attr = options
            .flake_attr
            .clone()
            .unwrap_or_else(|| nixplan_plan::placeholder::NO_FLAKE_ATTRIBUTE.into());
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
            vec![Resource::new(Res::System, "built")],
            &if options.flake_attr.is_some() {
                format!("build the system {attr} on this machine; its store path becomes NIXPLAN_SYSTEM")
            } else {
                "build the system on this machine: this target has no flake attribute nix can build (a module file, or a raw `colmena` output: colmena itself needs colmenaHive = colmena.lib.makeHive self.colmena), so apply refuses the plan unless it is made with --system /nix/store/... (or --stop-after persist)".into()
            },
        );
        a.runs_on = RunsOn::Local;
        out.push(a);
        copy_needs.push(Resource::new(Res::System, "built"));
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
                vec![Resource::new(Res::System, "copied")],
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
                vec![Resource::new(Res::System, "copied")],
                &format!("copy the system closure into {root}/nix/store"),
            )
        }
    };
    copy.runs_on = RunsOn::Local;
    out.push(copy);
    let mut needs = vec![
        Resource::new(Res::System, "copied"),
        Resource::bare(Res::HostKeys),
    ];
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
            vec![Resource::bare(Res::ExtraFiles)],
            &format!("copy the contents of {dir} into {root}: modes kept, owned by root unless chowned, directories already there unchanged"),
        );
        a.runs_on = RunsOn::Local;
        if remote {
            reach_target(&mut a);
        }
        out.push(a);
        needs.push(Resource::bare(Res::ExtraFiles));
    }
    // SSH host keys exist before the first boot (kept from --extra-files
    // when given there), so the host key is known and stable.
    let mut keys_needs = root_mount.clone();
    if options.extra_files.is_some() {
        keys_needs.push(Resource::bare(Res::ExtraFiles));
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
        vec![Resource::bare(Res::HostKeys)],
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
        vec![Resource::new(Res::System, "installed")],
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
            a.needs.push(Resource::new(Res::System, "built"));
        }
    }
    out
}
