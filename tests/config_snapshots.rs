//! `nixplan config --json` of every fixture target (tests/fixtures/targets.txt)
//! pinned as insta snapshots under snapshots/config/. A change in what the
//! module system, disko, impermanence or colmena declarations produce shows
//! up here as a reviewable diff.

mod common;

use common::{fixture_targets, nixplan, root};

#[test]
fn config_of_every_fixture() {
    let all = fixture_targets();
    assert!(all.len() >= 25, "only {} fixture targets", all.len());
    for t in all {
        let out = nixplan(&["config", "--json", &t.arg]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{} failed:\n{stderr}", t.arg);
        let json = String::from_utf8(out.stdout).unwrap();
        // Absolute paths of the checkout must not leak into snapshots.
        let json = json.replace(&root().display().to_string(), "<repo>");
        let value: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
        assert!(
            value["host_name"]["value"].is_string(),
            "{}: no host name",
            t.arg
        );
        // Every fixture describes storage: an empty result means the user's
        // modules were not applied.
        let has_storage = value["disko"]["disks"]
            .as_object()
            .is_some_and(|d| !d.is_empty())
            || value["file_systems"]
                .as_object()
                .is_some_and(|f| !f.is_empty());
        assert!(has_storage, "{}: no disks and no file systems", t.arg);
        insta::with_settings!({ snapshot_path => root().join("snapshots/config"), prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(t.name, json);
        });
    }
}
