//! The reboot phase: unmount in exactly the reverse order of the mounts
//! (disko unmounts in lexical order, a known bug), export ZFS pools so the
//! installed system imports them, then reboot (never the machine nixplan
//! runs on).

use nixplan_nixos::config::Config;
use nixplan_plan::shell::{clean_env, sh_quote};
use nixplan_plan::{Action, Condition, Kind, Phase, RunsOn};
use nixplan_plan::{Resource, ResourceKind as Res};

use crate::builder::source_of;

/// The reboot phase's actions added to the ordered actions of the others
/// (unmounts follow the order the mounts ended up in).
pub(crate) fn unmount_and_reboot(config: &Config, ordered: Vec<Action>) -> Vec<Action> {
    // First order without unmounts, then unmount in exactly the reverse
    // order of the mounts, before rebooting.
    let mount_order: Vec<(String, String)> = ordered
        .iter()
        .filter(|a| a.kind == Kind::Mount)
        .map(|a| (a.id.clone(), a.produces[0].name().to_string()))
        .collect();
    let mut actions = ordered;
    let installed = Resource::new(Res::System, "installed");
    let finished: Vec<Resource> = actions
        .iter()
        .flat_map(|a| a.produces.iter().cloned())
        .filter(|r| matches!(r.kind(), Res::Activation | Res::Owner) || *r == installed)
        .collect();
    let mut previous: Option<Resource> = None;
    for (mount_id, target) in mount_order.iter().rev() {
        let mut needs = finished.clone();
        if let Some(p) = &previous {
            needs.push(p.clone());
        }
        let produced = Resource::new(Res::Unmounted, target.to_string());
        let mut a = Action {
            id: format!(
                "reboot/unmount/{}",
                mount_id.strip_suffix("/mount").unwrap_or(mount_id)
            ),
            phase: Phase::Reboot,
            kind: Kind::Unmount,
            deps: Vec::new(),
            argv: Some(vec!["umount".into(), target.clone()]),
            script: None,
            env: clean_env(),
            stdin: None,
            runs_on: RunsOn::Target,
            destructive: false,
            check: Some(vec![
                "sh".into(),
                "-c".into(),
                format!("! findmnt --mountpoint {}", sh_quote(target)),
            ]),
            condition: None,
            needs,
            produces: vec![produced.clone()],
            source: None,
            reason: format!("unmount {target} (reverse of {mount_id})"),
        };
        a.needs.push(Resource::new(Res::Mount, target.to_string()));
        previous = Some(produced);
        actions.push(a);
    }
    let mut reboot_needs: Vec<Resource> = finished.clone();
    if let Some(p) = &previous {
        reboot_needs.push(p.clone());
    }
    // A pool must be exported, or the first boot finds it last imported by
    // another host and refuses it.
    for pool in config.disko.zpools.values() {
        let mut needs = finished.clone();
        needs.extend(previous.iter().cloned());
        needs.push(Resource::new(Res::Zpool, pool.name.to_string()));
        let produced = Resource::new(Res::Exported, pool.name.to_string());
        reboot_needs.push(produced.clone());
        actions.push(Action {
            id: format!("reboot/zpool-export/{}", pool.name),
            phase: Phase::Reboot,
            kind: Kind::ZpoolExport,
            deps: Vec::new(),
            argv: Some(vec!["zpool".into(), "export".into(), pool.name.clone()]),
            script: None,
            env: clean_env(),
            stdin: None,
            runs_on: RunsOn::Target,
            destructive: false,
            check: Some(vec![
                "sh".into(),
                "-c".into(),
                format!("! zpool list {}", sh_quote(&pool.name)),
            ]),
            condition: None,
            needs,
            produces: vec![produced],
            source: source_of(&pool.at),
            reason: format!(
                "export ZFS pool {} so the installed system imports it at boot",
                pool.name
            ),
        });
    }
    actions.push(Action {
        id: "reboot/reboot".into(),
        phase: Phase::Reboot,
        kind: Kind::Reboot,
        deps: Vec::new(),
        argv: Some(vec!["reboot".into()]),
        script: None,
        env: clean_env(),
        stdin: None,
        runs_on: RunsOn::Target,
        destructive: false,
        check: None,
        condition: Some(Condition::NotThisMachine),
        needs: reboot_needs,
        produces: vec![Resource::bare(Res::Rebooted)],
        source: None,
        reason: "boot the installed system".into(),
    });
    actions
}
