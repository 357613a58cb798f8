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
    // List elements located at their own place (checked against the text).
    let mut checked = 0;
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
        elements_are_where_written(&value, &mut checked);
        insta::with_settings!({ snapshot_path => root().join("snapshots/config"), prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(t.name, json);
        });
    }
    assert!(
        checked >= 80,
        "only {checked} list elements had their own position"
    );
}

/// Every list of strings whose elements have their own positions (`items`)
/// points at the element itself: the file's text at that line and column
/// is the string, quoted as written.
fn elements_are_where_written(v: &serde_json::Value, checked: &mut usize) {
    match v {
        serde_json::Value::Object(m) => {
            if let (Some(values), Some(items)) = (
                m.get("value").and_then(|v| v.as_array()),
                m.get("items").and_then(|v| v.as_array()),
            ) {
                assert_eq!(values.len(), items.len(), "{v}");
                for (value, at) in values.iter().zip(items) {
                    let (Some(value), Some(at)) = (value.as_str(), at.as_str()) else {
                        continue;
                    };
                    if at == m.get("at").and_then(|a| a.as_str()).unwrap_or("") {
                        continue;
                    }
                    let mut parts = at.rsplitn(3, ':');
                    let col: usize = parts.next().unwrap().parse().unwrap();
                    let line: usize = parts.next().unwrap().parse().unwrap();
                    let file = parts
                        .next()
                        .unwrap()
                        .replace("<repo>", &root().display().to_string());
                    let path = if std::path::Path::new(&file).is_absolute() {
                        std::path::PathBuf::from(&file)
                    } else {
                        root().join(&file)
                    };
                    let text = std::fs::read_to_string(&path).unwrap();
                    let l = text.lines().nth(line - 1).unwrap();
                    let quoted = serde_json::to_string(value).unwrap();
                    let here: String = l.chars().skip(col - 1).collect();
                    assert!(here.starts_with(&quoted), "{at} is not {quoted}: {l}");
                    *checked += 1;
                }
            }
            for x in m.values() {
                elements_are_where_written(x, checked);
            }
        }
        serde_json::Value::Array(a) => {
            for x in a {
                elements_are_where_written(x, checked);
            }
        }
        _ => {}
    }
}

/// A value several modules define is said at the definition that stands
/// (tests/places): not at a false `mkIf` met first, nor at a `mkDefault`
/// that loses, on nixplan's own lib as on nixpkgs' (given as the nixpkgs
/// input).
#[test]
fn a_value_is_placed_at_the_definition_that_stands() {
    let upstream = common::upstream_or_skip("a_value_is_placed_at_the_definition_that_stands");
    let mut runs = vec![vec!["config", "--json", "tests/places/main.nix"]];
    let given = upstream
        .as_ref()
        .map(|u| common::overrides(u, &[("nixpkgs", "nixpkgs-lib")]))
        .unwrap_or_default();
    if upstream.is_some() {
        let mut real = runs[0].clone();
        real.extend(given.iter().map(String::as_str));
        runs.push(real);
    }
    for args in runs {
        let out = nixplan(&args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["host_name"]["value"], "wins", "{args:?}");
        let device = &v["file_systems"]["/"]["device"];
        assert_eq!(device["value"], "/dev/wins", "{args:?}");
        // nixpkgs' lib keeps a leaf's file only (line 1), nixplan's the line.
        let grub = &v["boot_loader"]["grub_devices"];
        assert_eq!(grub["value"], serde_json::json!(["/dev/wins"]), "{args:?}");
        for at in [&v["host_name"]["at"], &device["at"], &grub["at"]] {
            let at = at.as_str().unwrap_or("nowhere");
            assert!(at.starts_with("tests/places/wins.nix:"), "{args:?}: {at}");
        }
        // A value only a default gives, whose only definitions are false
        // mkIfs (never.nix), is placed nowhere: neither an option
        // (users.mutableUsers) nor a name inside a set (the root file
        // system's options), whose items are not said either.
        let options = &v["file_systems"]["/"]["options"];
        assert_eq!(v["mutable_users"]["value"], true, "{args:?}");
        assert_eq!(
            options["value"],
            serde_json::json!(["defaults"]),
            "{args:?}"
        );
        for (what, at) in [
            ("mutable_users", &v["mutable_users"]["at"]),
            ("options", &options["at"]),
            ("options' items", &options["items"]),
        ] {
            assert!(at.is_null(), "{args:?}: {what} placed at {at}");
        }
        // An override inside a forced definition competes a level down:
        // forced-default.nix's mkDefault device loses to forced.nix's,
        // and its fsType, which nothing else writes, stands.
        let boot = &v["file_systems"]["/boot"];
        assert_eq!(boot["device"]["value"], "/dev/forced", "{args:?}");
        assert_eq!(boot["fs_type"]["value"], "vfat", "{args:?}");
        for (at, file) in [
            (&boot["device"]["at"], "forced.nix"),
            (&boot["fs_type"]["at"], "forced-default.nix"),
        ] {
            let at = at.as_str().unwrap_or("nowhere");
            assert!(
                at.starts_with(&format!("tests/places/{file}:")),
                "{args:?}: {at}, not {file}"
            );
        }
    }
}

/// A list nixplan's disko stand-in adds elements to (the disk GRUB goes
/// to) beside the user's own: the user's line is said of none of the
/// stand-in's elements (on nixplan's own lib, whose module system keeps
/// the stand-in's place; under nixpkgs' lib, which keeps files only, the
/// list is said at the user's file as before).
#[test]
fn a_stand_ins_list_elements_are_not_said_at_the_users_line() {
    let out = nixplan(&["config", "--json", "tests/places/grub-beside-disko.nix"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let grub = &v["boot_loader"]["grub_devices"];
    let values: Vec<&str> = grub["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert!(
        values.contains(&"/dev/vda") && values.contains(&"/dev/vdb"),
        "{values:?}"
    );
    let items = grub["items"].as_array().cloned().unwrap_or_default();
    for (i, d) in values.iter().enumerate() {
        let at = items.get(i).and_then(|a| a.as_str()).unwrap_or("nowhere");
        if *d == "/dev/vda" {
            assert!(
                !at.contains("grub-beside-disko.nix"),
                "disko's {d} said at {at}"
            );
        }
    }
    let at = grub["at"].as_str().unwrap_or("nowhere");
    assert!(!at.starts_with("/nixplan/"), "{at}");
}
