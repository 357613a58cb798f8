//! NP205: member of a device that does not exist.

use nixplan_nixos::config::{Content, LvmPv, Mdraid, Zfs};

use super::layout::all_contents;

use super::{Context, Finding, Rule, Severity};

pub(crate) const RULE: Rule = Rule {
    code: "NP205",
    title: "member of a device that does not exist",
    severity: Severity::Error,
    explanation: "An lvm_pv naming a volume group that is not declared is silently dropped by disko; the same holds for a zfs member naming a missing pool and an mdraid naming a missing mdadm array.\n\nExample: content = { type = \"lvm_pv\"; vg = \"mainpool\"; }; with only lvm_vg.pool declared.\n\nFix: fix the name or declare the device.",
    needs_facts: false,
    check,
};

fn check(cx: &Context, out: &mut Vec<Finding>) {
    let c = cx.config;
    for (_, content) in all_contents(c) {
        match content {
            Content::LvmPv(LvmPv { vg, at, .. }) if !c.disko.lvm_vgs.contains_key(&vg.value) => {
                out.push(cx.finding(
                    &RULE,
                    format!("this lvm_pv names the volume group '{}', which is not declared (disko would drop it silently)", vg.value),
                    vg.at.as_ref().or(at.as_ref()),
                ));
            }
            Content::Zfs(Zfs { pool, at, .. }) if !c.disko.zpools.contains_key(&pool.value) => {
                out.push(cx.finding(
                    &RULE,
                    format!(
                        "this zfs member names the pool '{}', which is not declared",
                        pool.value
                    ),
                    pool.at.as_ref().or(at.as_ref()),
                ));
            }
            Content::Mdraid(Mdraid { name, at, .. })
                if !c.disko.mdadm.contains_key(&name.value) =>
            {
                out.push(cx.finding(
                    &RULE,
                    format!(
                        "this mdraid member names the array '{}', which is not declared",
                        name.value
                    ),
                    name.at.as_ref().or(at.as_ref()),
                ));
            }
            _ => {}
        }
    }
}
