//! The parse cache (`lower::frozen`, `NIXPLAN_PARSE_CACHE`): a run that
//! reads lowered files from it prints exactly what a run that parses them
//! prints — values, plans with their definitions' places, and errors with
//! theirs; damaged entries are parsed again and rewritten; an entry
//! whose checksum holds but whose expressions do not read is an error
//! where they are evaluated (not a panic or a wrong value) and is
//! removed; `off` writes nothing.

mod common;

use std::path::Path;

use common::{nixplan_env, root};

/// The entries of a parse cache: the files in its build directories.
fn entries(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if e.path().is_dir() {
            out.extend(entries(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out.sort();
    out
}

/// Set the modification time of `path` to `days` days ago.
fn age(path: &Path, days: u64) {
    let t = std::time::SystemTime::now() - std::time::Duration::from_secs(days * 24 * 3600);
    std::fs::File::open(path).unwrap().set_modified(t).unwrap();
}

/// Each build of nixplan keeps its entries in a directory of its own; its
/// first run removes other builds' directories unused for two weeks and
/// the entries of the older flat layout, nothing else; later runs of the
/// same build prune nothing.
#[test]
fn a_new_build_prunes_what_old_builds_left() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("lowered");
    let old_build = cache.join("build-0.0.1-00000000000000aa");
    let recent_build = cache.join("build-0.0.1-00000000000000bb");
    let flat = cache.join("ab".repeat(32));
    let foreign = cache.join("notes.txt");
    let odd_dir = cache.join("keep-me");
    for d in [&old_build, &recent_build, &odd_dir] {
        std::fs::create_dir_all(d).unwrap();
        std::fs::write(d.join("cd".repeat(32)), b"nixplnL1").unwrap();
    }
    std::fs::write(&flat, b"nixplnL1").unwrap();
    std::fs::write(&foreign, b"mine").unwrap();
    age(&old_build, 30);
    age(&recent_build, 3);
    age(&odd_dir, 30);
    let env = [("NIXPLAN_PARSE_CACHE", cache.to_str().unwrap())];
    let run = || {
        let (code, out, err) = nixplan_env(&["eval", "--expr", "1 + 1"], &env, &[]);
        assert_eq!((code, out.trim()), (0, "2"), "{err}");
    };
    run();
    assert!(!old_build.exists(), "a build unused for a month was kept");
    assert!(!flat.exists(), "an entry of the flat layout was kept");
    assert!(
        recent_build.exists(),
        "a build used three days ago was removed"
    );
    assert!(
        foreign.exists() && odd_dir.exists(),
        "something not nixplan's was removed"
    );
    let ours: Vec<_> = std::fs::read_dir(&cache)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("build-") && !n.ends_with("bb"))
        .collect();
    assert_eq!(ours.len(), 1, "{ours:?}");
    assert!(
        !entries(&cache.join(&ours[0])).is_empty(),
        "nothing was cached"
    );
    // The same build again: nothing else goes, even what is old by now.
    age(&recent_build, 30);
    run();
    assert!(recent_build.exists(), "a build's later run pruned");
}

#[test]
fn cached_lowering_gives_the_same_values_places_and_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("lowered");
    let cache_s = cache.to_str().unwrap();
    let file = tmp.path().join("f.nix");
    std::fs::write(
        &file,
        "let\n  x = 1;\n  f = { a ? x, ... }@args: a + builtins.length (builtins.attrNames args);\nin\n{\n  v = f { b = 2; };\n  s = \"${toString x}-${builtins.toJSON [ x ]}\";\n  pos = builtins.unsafeGetAttrPos \"v\" { v = 1; };\n  bad = assert x == 2; x;\n}\n",
    )
    .unwrap();
    let f = file.to_str().unwrap();
    let env = [("NIXPLAN_PARSE_CACHE", cache_s)];
    let good = ["eval", "--strict", "--json", "--expr"];
    let value = format!("removeAttrs (import {f}) [ \"bad\" ]");
    let error = format!("(import {f}).bad");
    let plan = root()
        .join("tests/fixtures/luks-btrfs-swapfile")
        .display()
        .to_string()
        + "#dogwood";
    let runs = |label: &str| {
        let v = nixplan_env(&[&good[..], &[value.as_str()]].concat(), &env, &[]);
        let e = nixplan_env(&["eval", "--expr", &error], &env, &[]);
        let p = nixplan_env(&["plan", &plan, "--format", "json"], &env, &[]);
        assert_eq!(v.0, 0, "{label}: {}", v.2);
        assert_eq!(e.0, 1, "{label}: {}", e.2);
        assert_eq!(p.0, 0, "{label}: {}", p.2);
        (v, e, p)
    };
    let cold = runs("cold");
    assert!(cold.1 .2.contains("f.nix:9:"), "{}", cold.1 .2);
    let written = entries(&cache);
    assert!(
        written.len() > 5,
        "nixplan's own modules and the file are cached: {written:?}"
    );
    let inodes = |files: &[std::path::PathBuf]| -> Vec<u64> {
        use std::os::unix::fs::MetadataExt;
        files
            .iter()
            .map(|f| std::fs::metadata(f).unwrap().ino())
            .collect()
    };
    let before = inodes(&written);
    let warm = runs("warm");
    assert_eq!(warm, cold, "a run from the cache differs");
    // Every entry was read, none written again (a rewrite is a rename:
    // a new inode).
    assert_eq!(entries(&cache), written);
    assert_eq!(inodes(&written), before, "an entry was not read back");

    // An entry another user could have written (world-writable, or
    // owned by someone else) is not read: parsed again, rewritten.
    {
        use std::os::unix::fs::{chown, PermissionsExt};
        std::fs::set_permissions(&written[0], std::fs::Permissions::from_mode(0o666)).unwrap();
        let foreign = chown(&written[1], Some(65534), None).is_ok();
        let before = inodes(&written);
        assert_eq!(runs("foreign"), cold);
        let after = inodes(&written);
        assert_ne!(after[0], before[0], "a world-writable entry was read");
        if foreign {
            assert_ne!(after[1], before[1], "another user's entry was read");
        } else {
            eprintln!("not checked: an entry of another user (chown needs root)");
        }
        assert_eq!(after[2..], before[2..]);
    }

    // An entry moved to another file's name (its checksum intact): not
    // read as that file, parsed again, rewritten.
    {
        let before = inodes(&written);
        std::fs::copy(&written[3], &written[4]).unwrap();
        let moved = inodes(&written);
        assert_eq!(runs("moved"), cold);
        let after = inodes(&written);
        assert_ne!(after[4], moved[4], "an entry under another name was read");
        assert_eq!(after[3], before[3]);
    }

    // Damaged entries: parsed again, same output, rewritten whole.
    for e in &written {
        let mut bytes = std::fs::read(e).unwrap();
        let mid = bytes.len() / 2;
        bytes[mid] ^= 1;
        std::fs::write(e, &bytes).unwrap();
    }
    std::fs::write(&written[0], b"not an entry").unwrap();
    let damaged = runs("damaged");
    assert_eq!(damaged, cold, "a run over damaged entries differs");
    let rewritten = entries(&cache);
    assert_eq!(rewritten, written);
    assert!(std::fs::read(&written[0]).unwrap().starts_with(b"nixplnL3"));

    // A cache directory others may write to is not used at all.
    let shared = tmp.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).unwrap();
    }
    let (code, _, err) = nixplan_env(
        &["eval", "--expr", &value],
        &[("NIXPLAN_PARSE_CACHE", shared.to_str().unwrap())],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        entries(&shared).is_empty(),
        "a world-writable cache was used"
    );

    // Off: nothing written anywhere.
    let none = tmp.path().join("xdg");
    let (code, _, err) = nixplan_env(
        &["eval", "--expr", &value],
        &[
            ("NIXPLAN_PARSE_CACHE", "off"),
            ("XDG_CACHE_HOME", none.to_str().unwrap()),
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert!(!none.exists(), "NIXPLAN_PARSE_CACHE=off wrote a cache");

    // A $HOME that does not exist (a build user's) is not created.
    let no_home = tmp.path().join("homeless-shelter");
    let (code, _, err) = nixplan_env(
        &["eval", "--expr", &value],
        &[("HOME", no_home.to_str().unwrap())],
        &["XDG_CACHE_HOME", "NIXPLAN_PARSE_CACHE"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        !no_home.exists(),
        "a cache was made in a $HOME that did not exist"
    );
    // The default place, when $HOME is there: ~/.cache/nixplan/lowered.
    let home = tmp.path().join("home");
    std::fs::create_dir(&home).unwrap();
    let (code, _, err) = nixplan_env(
        &["eval", "--expr", &value],
        &[("HOME", home.to_str().unwrap())],
        &["XDG_CACHE_HOME", "NIXPLAN_PARSE_CACHE"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(!entries(&home.join(".cache/nixplan/lowered")).is_empty());
}

/// An entry whose checksum was put right after its bytes were changed
/// (forged, or written wrong) is read, as its checksum holds; its
/// expressions are decoded when evaluated, and one that does not read is
/// an error at its place (not a panic or a wrong value), which removes
/// the entry: the next run parses the file again.
#[test]
fn an_entry_that_does_not_read_is_an_error_at_its_file() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("lowered");
    let file = tmp.path().join("g.nix");
    std::fs::write(&file, "{\n  a = 1;\n  b = { c = 2; };\n}\n").unwrap();
    let f = file.to_str().unwrap();
    let env = [("NIXPLAN_PARSE_CACHE", cache.to_str().unwrap())];
    let args = ["eval", "--strict", "--json", f];
    let (code, out, err) = nixplan_env(&args, &env, &[]);
    assert_eq!((code, out.trim()), (0, r#"{"a":1,"b":{"c":2}}"#), "{err}");
    let written = entries(&cache);
    assert!(!written.is_empty());
    for e in &written {
        let mut bytes = std::fs::read(e).unwrap();
        // The last byte is the last expression's (a file's root is made
        // last): 0xff ends no varint, tag, Boolean or UTF-8 text.
        *bytes.last_mut().unwrap() = 0xff;
        let sum = crc32fast::hash(&bytes[12..]).to_le_bytes();
        bytes[8..12].copy_from_slice(&sum);
        std::fs::write(e, &bytes).unwrap();
    }
    let (code, out, err) = nixplan_env(&args, &env, &[]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("held a damaged entry for this file"), "{err}");
    assert!(
        err.contains(&format!("{f}:1:1")),
        "not said at the file: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    // That entry was removed: the next run parses the file again, and
    // writes it anew.
    let (code, out, err) = nixplan_env(&args, &env, &[]);
    assert_eq!((code, out.trim()), (0, r#"{"a":1,"b":{"c":2}}"#), "{err}");
    assert_eq!(entries(&cache), written);
    let (code, out, err) = nixplan_env(&args, &env, &[]);
    assert_eq!((code, out.trim()), (0, r#"{"a":1,"b":{"c":2}}"#), "{err}");
}

/// An entry whose static names (or a function's formals) were reordered,
/// its checksum put right: evaluation trusts their order (a set's names
/// are appended as they are, formals are searched for), so such an entry
/// is damaged, an error at its file, never a set that misses its own
/// names or a call that binds the wrong argument.
#[test]
fn an_entry_whose_names_are_out_of_order_is_damaged() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("lowered");
    let env = [("NIXPLAN_PARSE_CACHE", cache.to_str().unwrap())];
    // More names than a lookup scans (it searches), each valued by its
    // index (a name's text is only the name).
    let names: Vec<String> = std::iter::once("aaaa".to_string())
        .chain((1..=16).map(|i| format!("k{i:02}")))
        .chain(std::iter::once("zzzz".to_string()))
        .collect();
    let set: String = names
        .iter()
        .enumerate()
        .map(|(i, n)| format!("  {n} = {i};\n"))
        .collect();
    // Each with a text only its own entry holds (the entry of the file
    // that uses it names the two too).
    let cases = [
        (
            "set.nix",
            format!("{{\n{set}}}\n"),
            "k16",
            "let s = import ./set.nix; in [ (s.aaaa or \"missing\") (s.zzzz or \"missing\") ]",
            "[0,17]",
        ),
        (
            "fun.nix",
            "{ aaaa, zzzz }: [ aaaa zzzz \"marker\" ]\n".to_string(),
            "marker",
            "import ./fun.nix { aaaa = 1; zzzz = 2; }",
            r#"[1,2,"marker"]"#,
        ),
    ];
    for (name, text, marker, expr, expected) in cases {
        let file = tmp.path().join(name);
        std::fs::write(&file, text).unwrap();
        let main = tmp.path().join(format!("use-{name}"));
        std::fs::write(&main, expr).unwrap();
        let args = ["eval", "--strict", "--json", main.to_str().unwrap()];
        let (code, out, err) = nixplan_env(&args, &env, &[]);
        assert_eq!((code, out.trim()), (0, expected), "{err}");
        // Swap the two names in the file's entry (the only one holding
        // both), then put its checksum right.
        let mut swapped = 0;
        for e in entries(&cache) {
            let mut bytes = std::fs::read(&e).unwrap();
            let find = |b: &[u8], n: &[u8]| b.windows(n.len()).position(|w| w == n);
            let (Some(a), Some(z), Some(_)) = (
                find(&bytes, b"aaaa"),
                find(&bytes, b"zzzz"),
                find(&bytes, marker.as_bytes()),
            ) else {
                continue;
            };
            bytes[a..a + 4].copy_from_slice(b"zzzz");
            bytes[z..z + 4].copy_from_slice(b"aaaa");
            let sum = crc32fast::hash(&bytes[12..]).to_le_bytes();
            bytes[8..12].copy_from_slice(&sum);
            std::fs::write(&e, &bytes).unwrap();
            swapped += 1;
        }
        assert_eq!(swapped, 1, "{name}: one entry is the file's");
        let (code, out, err) = nixplan_env(&args, &env, &[]);
        assert_eq!(code, 1, "{name}: {out}{err}");
        assert!(
            err.contains("held a damaged entry for this file"),
            "{name}: {err}"
        );
        assert!(!err.contains("panicked"), "{name}: {err}");
        // Removed: the next run parses the file again.
        let (code, out, err) = nixplan_env(&args, &env, &[]);
        assert_eq!((code, out.trim()), (0, expected), "{name}: {err}");
    }
}
