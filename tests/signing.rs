//! Signed plans: `plan --sign KEY` signs with an SSH key, and `apply` /
//! `verify` with `--allowed-signers FILE` run only a plan signed by an
//! allowed key and unchanged since: one byte edited (with or without its
//! hash recomputed), an unsigned plan, a foreign key and a signature made
//! for another purpose are all refused. Keys are made here with OpenSSH's
//! ssh-keygen, which also does the signing.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::nixplan_text;
use nixplan_plan::Plan;

const TARGET: &str = "tests/fixtures/esp-ext4#alder";

/// A fresh ed25519 key without passphrase: its private key file.
fn key(dir: &Path, name: &str) -> PathBuf {
    let file = dir.join(name);
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&file)
        .output()
        .expect("ssh-keygen runs");
    assert!(out.status.success(), "{out:?}");
    file
}

/// An allowed signers file allowing `principal` with `key` for plans.
fn allowed(dir: &Path, principal: &str, key: &Path) -> PathBuf {
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    let file = dir.join(format!("allowed-{principal}"));
    std::fs::write(
        &file,
        format!("{principal} namespaces=\"nixplan-plan\" {public}"),
    )
    .unwrap();
    file
}

fn signed_plan(dir: &Path, key: &Path) -> PathBuf {
    let out = dir.join("plan.json");
    let (code, _, err) = nixplan_text(&[
        "plan",
        TARGET,
        "--sign",
        key.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    out
}

/// `apply PLAN --dry-run --allowed-signers FILE`: exit code and stderr.
fn apply_checked(plan: &Path, signers: &Path) -> (i32, String) {
    let (code, out, err) = nixplan_text(&[
        "apply",
        plan.to_str().unwrap(),
        "--dry-run",
        "--allowed-signers",
        signers.to_str().unwrap(),
    ]);
    (code, format!("{out}{err}"))
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let file = dir.join(name);
    std::fs::write(&file, text).unwrap();
    file
}

#[test]
fn a_signed_plan_runs_and_verifies_and_names_its_signer() {
    let dir = tempfile::tempdir().unwrap();
    let alice = key(dir.path(), "alice");
    let plan = signed_plan(dir.path(), &alice);
    let signers = allowed(dir.path(), "alice@example.org", &alice);
    let text = std::fs::read_to_string(&plan).unwrap();
    assert!(text.contains("BEGIN SSH SIGNATURE"), "{text}");
    let (code, out, err) = nixplan_text(&[
        "verify",
        plan.to_str().unwrap(),
        "--allowed-signers",
        signers.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("signed by alice@example.org"), "{out}");
    let (code, out) = apply_checked(&plan, &signers);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("the plan is signed by alice@example.org"),
        "{out}"
    );
    // Signing adds a signature and changes nothing else: the hash is the
    // unsigned plan's.
    let mut unsigned = Plan::from_json(&text).unwrap();
    unsigned.signature = None;
    assert_eq!(unsigned.compute_hash(), unsigned.hash);
}

#[test]
fn a_signed_plan_edited_by_one_byte_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let alice = key(dir.path(), "alice");
    let plan = signed_plan(dir.path(), &alice);
    let signers = allowed(dir.path(), "alice@example.org", &alice);
    let text = std::fs::read_to_string(&plan).unwrap();
    let at = text.find("mkfs.ext4").expect("the plan formats ext4") + "mkfs.ext".len();
    let mut bytes = text.clone().into_bytes();
    bytes[at] = b'3';
    let edited = String::from_utf8(bytes).unwrap();
    assert_eq!(
        edited
            .bytes()
            .zip(text.bytes())
            .filter(|(a, b)| a != b)
            .count(),
        1
    );
    // As edited: the hash no longer matches.
    let (code, out) = apply_checked(&write(dir.path(), "edited.json", &edited), &signers);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("changed after it was sealed"), "{out}");
    // With its hash recomputed: the signature no longer matches.
    let resealed = Plan::from_json(&edited).unwrap().seal();
    assert!(resealed.signature.is_some());
    let (code, out) = apply_checked(
        &write(dir.path(), "resealed.json", &resealed.to_json()),
        &signers,
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("signature does not verify"), "{out}");
    let (code, out, _) = nixplan_text(&[
        "verify",
        dir.path().join("resealed.json").to_str().unwrap(),
        "--allowed-signers",
        signers.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{out}");
}

#[test]
fn unsigned_foreign_and_other_purpose_signatures_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let alice = key(dir.path(), "alice");
    let mallory = key(dir.path(), "mallory");
    let signers = allowed(dir.path(), "alice@example.org", &alice);

    let unsigned = dir.path().join("unsigned.json");
    let (code, _, err) = nixplan_text(&["plan", TARGET, "--out", unsigned.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let (code, out) = apply_checked(&unsigned, &signers);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("the plan is not signed"), "{out}");

    let foreign = signed_plan(dir.path(), &mallory);
    let (code, out) = apply_checked(&foreign, &signers);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("not in"), "{out}");

    // Alice's key, but a signature made for git, not for plans.
    let mut plan = Plan::from_json(&std::fs::read_to_string(&unsigned).unwrap()).unwrap();
    let message = dir.path().join("message");
    std::fs::write(&message, format!("{}\n", plan.hash)).unwrap();
    let out = Command::new("ssh-keygen")
        .args(["-Y", "sign", "-n", "git", "-f"])
        .arg(&alice)
        .arg(&message)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    plan.signature = Some(std::fs::read_to_string(dir.path().join("message.sig")).unwrap());
    let other = write(dir.path(), "git-signed.json", &plan.to_json());
    let (code, out) = apply_checked(&other, &signers);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("refused"), "{out}");

    // --allowed-signers is for saved plans only.
    let (code, _, err) = nixplan_text(&[
        "apply",
        TARGET,
        "--dry-run",
        "--allowed-signers",
        signers.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("checks a saved, signed plan"), "{err}");
}
