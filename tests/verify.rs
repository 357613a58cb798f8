//! `nixplan verify` checks a plan's meaning, not only its hash: each plan
//! below was edited and its hash recomputed, as someone tampering with a
//! saved plan would, and each is refused, saying what is wrong.

mod common;

use common::nixplan_text;
use nixplan_plan::{Kind, Plan};

/// The plan of a fixture, as `nixplan plan --out` wrote it.
fn plan_of(target: &str) -> Plan {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plan.json");
    let (code, _, err) = nixplan_text(&["plan", target, "--out", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    Plan::from_json(&std::fs::read_to_string(out).unwrap()).unwrap()
}

/// `nixplan verify` of this JSON: exit code and what it printed.
fn verify_text(json: &str) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("edited.json");
    std::fs::write(&file, json).unwrap();
    let (code, out, err) = nixplan_text(&["verify", file.to_str().unwrap()]);
    (code, format!("{out}{err}"))
}

/// Edit a plan, recompute its hash, and expect `verify` to refuse it
/// naming `expected`.
fn refused_after(edit: impl FnOnce(&mut Plan), expected: &str) {
    let mut plan = plan_of("tests/fixtures/esp-ext4#alder");
    assert_eq!(
        verify_text(&plan.to_json()).0,
        0,
        "the plan as made verifies"
    );
    edit(&mut plan);
    let plan = plan.seal();
    let (code, out) = verify_text(&plan.to_json());
    assert_eq!(code, 1, "the edited plan must be refused: {out}");
    assert!(out.contains(expected), "expected {expected:?} in: {out}");
}

fn mkfs(plan: &mut Plan) -> &mut nixplan_plan::Action {
    plan.actions
        .iter_mut()
        .find(|a| a.kind == Kind::Mkfs)
        .expect("the plan formats something")
}

#[test]
fn mkfs_pointed_at_a_disk_the_configuration_never_names() {
    refused_after(
        |p| {
            let argv = mkfs(p).argv.as_mut().unwrap();
            *argv.last_mut().unwrap() = "/dev/sdz".into();
        },
        "writes to /dev/sdz, which the plan names nowhere else",
    );
}

#[test]
fn a_summary_that_hides_the_wipe() {
    refused_after(|p| p.summary.wipes.clear(), "the summary says wipes []");
}

#[test]
fn mkfs_marked_not_destructive() {
    refused_after(
        |p| mkfs(p).destructive = false,
        "is a mkfs action, which destroys data, but the plan says destructive: false",
    );
}

#[test]
fn an_empty_command() {
    refused_after(|p| mkfs(p).argv = Some(Vec::new()), "has an empty command");
}

#[test]
fn unknown_phases_kinds_and_places_are_not_plans() {
    let plan = plan_of("tests/fixtures/esp-ext4#alder");
    for (field, value) in [
        ("runs_on", "mars"),
        ("phase", "nosuchphase"),
        ("kind", "format-everything"),
    ] {
        let mut json: serde_json::Value = serde_json::from_str(&plan.to_json()).unwrap();
        json["actions"][3][field] = value.into();
        let (code, out) = verify_text(&json.to_string());
        assert_eq!(code, 1, "{field}: {out}");
        assert!(
            out.contains("not a nixplan plan") && out.contains(value),
            "{field}: {out}"
        );
    }
}

#[test]
fn a_device_named_only_by_the_action_itself_is_not_named() {
    refused_after(
        |p| {
            let a = mkfs(p);
            *a.argv.as_mut().unwrap().last_mut().unwrap() = "/dev/sdz".into();
            a.produces.push(nixplan_plan::Resource::new(
                nixplan_plan::ResourceKind::Block,
                "/dev/sdz",
            ));
        },
        "writes to /dev/sdz, which the plan names nowhere else",
    );
}

/// A plan of some phases (`--phases disko,persist`) says what the phases
/// left out would have produced and it needs (the installer being up),
/// verifies, and is refused once that is no longer said.
#[test]
fn a_plan_of_some_phases_says_what_it_assumes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plan.json");
    let (code, _, err) = nixplan_text(&[
        "plan",
        "tests/fixtures/esp-ext4#alder",
        "--phases",
        "disko,persist",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let (_, text, _) = nixplan_text(&[
        "plan",
        "tests/fixtures/esp-ext4#alder",
        "--phases",
        "disko,persist",
    ]);
    assert!(
        text.contains("Assumed, from phases not in this plan: bootstrap:ready"),
        "{text}"
    );
    let plan = Plan::from_json(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(
        plan.assumed
            .iter()
            .map(|r| r.to_string())
            .collect::<Vec<_>>(),
        ["bootstrap:ready"]
    );
    assert!(plan
        .actions
        .iter()
        .all(|a| a.phase.as_str() == "disko" || a.phase.as_str() == "persist"));
    let (code, out) = verify_text(&plan.to_json());
    assert_eq!(code, 0, "{out}");
    let mut edited = plan.clone();
    edited.assumed.clear();
    let (code, out) = verify_text(&edited.seal().to_json());
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("needs bootstrap:ready"), "{out}");
}
