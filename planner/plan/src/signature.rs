//! Plan signatures: the plan reviewed is provably the plan that runs.
//! `plan --sign KEY` signs the plan's hash with an SSH key (OpenSSH's
//! `ssh-keygen -Y sign`, namespace [`NAMESPACE`]: the SSH signature format,
//! keys from files or the agent, every key type OpenSSH knows); `apply` and
//! `verify` with `--allowed-signers FILE` (OpenSSH's allowed signers
//! format) refuse a plan that is unsigned, signed by a key the file does
//! not allow for this namespace, or changed after signing. The hash covers
//! every byte of the plan but the hash and the signature, and is checked
//! against the content before the signature is, so one changed byte
//! anywhere is refused.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::Plan;

/// The signature namespace: a key that signs other things (git commits,
/// files) cannot be replayed as a plan signature.
pub const NAMESPACE: &str = "nixplan-plan";

/// What is signed: the plan's hash, on a line of its own.
fn message(plan: &Plan) -> Vec<u8> {
    format!("{}\n", plan.hash).into_bytes()
}

/// Run `ssh-keygen` with `args`, `stdin` on its standard input.
fn ssh_keygen(args: &[&str], stdin: &[u8]) -> Result<(bool, String, String), String> {
    let mut child = Command::new("ssh-keygen")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run ssh-keygen (OpenSSH 8.2 or newer signs plans): {e}"))?;
    let mut pipe = child.stdin.take().expect("stdin is piped");
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || pipe.write_all(&data));
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let _ = writer.join();
    Ok((
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).trim().to_string(),
    ))
}

/// Sign a sealed plan with the SSH key `key` (a private key file, or the
/// public half of a key held by ssh-agent).
pub fn sign(mut plan: Plan, key: &Path) -> Result<Plan, String> {
    if plan.hash != plan.compute_hash() {
        return Err("the plan is not sealed (its hash is not its content's)".into());
    }
    let key = key.to_str().ok_or("the key's path is not UTF-8")?;
    let (ok, out, err) = ssh_keygen(&["-Y", "sign", "-n", NAMESPACE, "-f", key], &message(&plan))?;
    if !ok || !out.contains("BEGIN SSH SIGNATURE") {
        return Err(format!("ssh-keygen could not sign with {key}: {err}"));
    }
    plan.signature = Some(out);
    Ok(plan)
}

/// Check a plan's signature against an allowed signers file: `Ok` with
/// the principal that signed it, or why it is refused.
pub fn check(plan: &Plan, allowed_signers: &Path) -> Result<String, String> {
    let Some(sig) = &plan.signature else {
        return Err("the plan is not signed, and only signed plans are accepted here".into());
    };
    let computed = plan.compute_hash();
    if plan.hash != computed {
        return Err(format!(
            "the plan was changed after it was sealed (its hash says {}, its content hashes to {computed})",
            plan.hash
        ));
    }
    let signers = allowed_signers
        .to_str()
        .ok_or("the allowed signers file's path is not UTF-8")?;
    if !allowed_signers.is_file() {
        return Err(format!("cannot read the allowed signers file {signers}"));
    }
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let sig_file = dir.path().join("plan.sig");
    std::fs::write(&sig_file, sig).map_err(|e| e.to_string())?;
    let sig_path = sig_file.to_str().ok_or("temporary path is not UTF-8")?;
    let (ok, out, err) = ssh_keygen(
        &["-Y", "find-principals", "-s", sig_path, "-f", signers],
        b"",
    )?;
    let principals: Vec<&str> = out
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if !ok || principals.is_empty() {
        return Err(format!(
            "the plan's signer is not in {signers}{}",
            if err.is_empty() {
                String::new()
            } else {
                format!(" ({err})")
            }
        ));
    }
    let message = message(plan);
    let mut refusals = Vec::new();
    for principal in principals {
        let (ok, _, err) = ssh_keygen(
            &[
                "-Y", "verify", "-f", signers, "-I", principal, "-n", NAMESPACE, "-s", sig_path,
            ],
            &message,
        )?;
        if ok {
            return Ok(principal.to_string());
        }
        refusals.push(format!("{principal}: {err}"));
    }
    Err(format!(
        "the plan's signature does not verify against {signers}: {}",
        refusals.join("; ")
    ))
}
