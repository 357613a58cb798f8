//! How commands are written into a plan: POSIX shell quoting (a plan's
//! argv is shown quoted, and the SSH transport sends it quoted), and the
//! clean environment every action runs with.

use std::collections::BTreeMap;

/// Quote a word for POSIX sh (plain words stay as they are).
pub fn sh_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+=:,@%".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// The environment every action runs with, exactly: nothing of the
/// caller's environment leaks in (a disko image bug leaked the build
/// user's HOME into images).
pub fn clean_env() -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    env.insert("HOME".into(), "/root".into());
    env.insert("LANG".into(), "C.UTF-8".into());
    env.insert("LC_ALL".into(), "C.UTF-8".into());
    env.insert(
        "PATH".into(),
        "/run/wrappers/bin:/run/current-system/sw/bin:/nix/var/nix/profiles/default/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into(),
    );
    env
}

#[cfg(test)]
mod tests {
    use super::sh_quote;

    #[test]
    fn quoting_survives_a_real_shell() {
        for word in ["plain", "", "two words", "it's", "$(rm -rf /)", "a\nb", "*"] {
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("printf %s {}", sh_quote(word)))
                .output()
                .expect("sh runs");
            assert_eq!(String::from_utf8_lossy(&out.stdout), word);
        }
        assert_eq!(sh_quote("/dev/disk/by-id/x"), "/dev/disk/by-id/x");
    }
}
