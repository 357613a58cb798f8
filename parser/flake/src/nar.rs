//! NAR hashes: what a lock's `narHash` says, and the hash of a directory
//! or file as nix computes it (SHA-256 of its NAR serialisation).

use std::io;
use std::path::Path;

use base64::Engine;
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NarHash(pub [u8; 32]);

impl NarHash {
    /// `sha256-BASE64` (SRI, as flake.lock writes it), `sha256:BASE32` or
    /// `sha256:HEX`.
    pub fn parse(s: &str) -> Option<NarHash> {
        let bytes = if let Some(b) = s.strip_prefix("sha256-") {
            base64::engine::general_purpose::STANDARD.decode(b).ok()?
        } else {
            let b = s.strip_prefix("sha256:")?;
            if b.len() == 64 && b.bytes().all(|c| c.is_ascii_hexdigit()) {
                (0..32)
                    .map(|i| u8::from_str_radix(&b[2 * i..2 * i + 2], 16).ok())
                    .collect::<Option<Vec<u8>>>()?
            } else {
                nix_base32::from_nix_base32(b)?
            }
        };
        Some(NarHash(bytes.try_into().ok()?))
    }

    /// The SRI form, as flake.lock writes it.
    pub fn sri(&self) -> String {
        format!(
            "sha256-{}",
            base64::engine::general_purpose::STANDARD.encode(self.0)
        )
    }

    /// The hash in nix's base32, as store paths and nixplan's cache name it.
    pub fn base32(&self) -> String {
        nix_base32::to_nix_base32(&self.0)
    }

    /// `/nix/store/HASH-source`: where nix keeps a locked flake source.
    pub fn store_path(&self, store_dir: &str) -> String {
        nixplan_eval::store::make_store_path(store_dir, "source", &self.0, "source")
    }

    /// The NAR hash of what is at `path` (a directory, file or symlink).
    pub fn of_path(path: &Path) -> io::Result<NarHash> {
        let mut enc = nix_nar::Encoder::new(path).map_err(io::Error::other)?;
        let mut h = Sha256::new();
        io::copy(&mut enc, &mut h)?;
        Ok(NarHash(h.finalize().into()))
    }
}

impl std::fmt::Display for NarHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.sri())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_agree() {
        let sri = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
        let h = NarHash::parse(sri).unwrap();
        assert_eq!(h.sri(), sri);
        assert_eq!(NarHash::parse(&format!("sha256:{}", h.base32())), Some(h));
        let hex: String = h.0.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(NarHash::parse(&format!("sha256:{hex}")), Some(h));
        assert_eq!(NarHash::parse("sha512-AAAA"), None);
        assert_eq!(NarHash::parse("sha256-AAAA"), None);
        // 64 bytes that are not hex (a multi-byte character among them):
        // refused, not sliced inside the character.
        let odd = format!("sha256:{}é{}", "a".repeat(31), "b".repeat(31));
        assert_eq!(odd.len(), "sha256:".len() + 64);
        assert_eq!(NarHash::parse(&odd), None);
        assert_eq!(NarHash::parse(&format!("sha256:+{}", "a".repeat(63))), None);
    }

    #[test]
    fn a_file_hashes_as_nix_does() {
        // What `nix hash path` (Debian's nix 2.8) printed for the same
        // file, and for a directory with a subdirectory, a symlink and an
        // executable.
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("f");
        std::fs::write(&f, "hello\n").unwrap();
        assert_eq!(
            NarHash::of_path(&f).unwrap().sri(),
            "sha256-HDfQGvQL4ugGkd48w99EN3ppmvuxfGjwgJZLL9Bx/BM="
        );
        let t = d.path().join("t");
        std::fs::create_dir_all(t.join("sub")).unwrap();
        std::fs::write(t.join("sub/a"), "x").unwrap();
        std::os::unix::fs::symlink("a", t.join("sub/l")).unwrap();
        std::fs::write(t.join("e"), "#!").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(t.join("e"), std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(
            NarHash::of_path(&t).unwrap().sri(),
            "sha256-3rQBzxDhUlZhMTNniYskHy6agaLJjB4MtQJqfXc9Bmo="
        );
    }
}
