//! `nixplan config --json` of every fixture target (tests/fixtures/targets.txt)
//! pinned as insta snapshots under snapshots/config/. A change in what the
//! module system, disko, impermanence or colmena declarations produce shows
//! up here as a reviewable diff.

use std::path::Path;
use std::process::Command;

fn targets(root: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(root.join("tests/fixtures/targets.txt")).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (dir, target) = l.split_once(' ').unwrap();
            let arg = if let Some(name) = target.strip_prefix('#') {
                format!("tests/fixtures/{dir}#{name}")
            } else {
                format!("tests/fixtures/{dir}/{target}")
            };
            let snap = format!(
                "{dir}-{}",
                target.trim_start_matches('#').trim_end_matches(".nix")
            );
            (arg, snap)
        })
        .collect()
}

#[test]
fn config_of_every_fixture() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let all = targets(root);
    assert!(all.len() >= 25, "only {} fixture targets", all.len());
    for (arg, snap) in all {
        let out = Command::new(env!("CARGO_BIN_EXE_nixplan"))
            .current_dir(root)
            .args(["config", "--json", &arg])
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{arg} failed:\n{stderr}");
        let json = String::from_utf8(out.stdout).unwrap();
        // Absolute paths of the checkout must not leak into snapshots.
        let json = json.replace(&root.display().to_string(), "<repo>");
        let value: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
        assert!(
            value["host_name"]["value"].is_string(),
            "{arg}: no host name"
        );
        insta::with_settings!({ snapshot_path => root.join("snapshots/config"), prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(snap, json);
        });
    }
}
