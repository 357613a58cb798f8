//! Store paths computed the way Nix computes them, without a store: source
//! paths from a NAR hash, text files (`toFile`, `.drv` files), and the
//! output paths of derivations (`hashDerivationModulo`). Nothing is written.

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::fs::{FileSystem, FileType};

pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Nix's `compressHash`: XOR-fold a hash to `len` bytes.
fn compress_hash(hash: &[u8], len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    for (i, b) in hash.iter().enumerate() {
        out[i % len] ^= b;
    }
    out
}

/// `makeStorePath(type, sha256 hash, name)`.
pub fn make_store_path(store_dir: &str, ty: &str, hash: &[u8; 32], name: &str) -> String {
    let fingerprint = format!("{ty}:sha256:{}:{store_dir}:{name}", hex(hash));
    let digest = sha256(fingerprint.as_bytes());
    let compressed = compress_hash(&digest, 20);
    format!(
        "{store_dir}/{}-{name}",
        nix_base32::to_nix_base32(&compressed)
    )
}

/// The path of a text file in the store (`builtins.toFile`, `.drv` files).
pub fn make_text_path(
    store_dir: &str,
    name: &str,
    contents: &[u8],
    references: &BTreeSet<String>,
) -> String {
    let mut ty = String::from("text");
    for r in references {
        ty.push(':');
        ty.push_str(r);
    }
    make_store_path(store_dir, &ty, &sha256(contents), name)
}

/// The store path of a fixed-output derivation's output.
pub fn make_fixed_output_path(
    store_dir: &str,
    recursive: bool,
    algo: &str,
    hash_hex: &str,
    hash: &[u8],
    name: &str,
) -> String {
    if recursive && algo == "sha256" {
        let mut h = [0u8; 32];
        h.copy_from_slice(hash);
        make_store_path(store_dir, "source", &h, name)
    } else {
        let inner = format!(
            "fixed:out:{}{algo}:{hash_hex}:",
            if recursive { "r:" } else { "" }
        );
        make_store_path(store_dir, "output:out", &sha256(inner.as_bytes()), name)
    }
}

/// Whether a name is valid for the store (Nix's rules).
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("store path name is empty".into());
    }
    if name.len() > 211 {
        return Err(format!(
            "store path name '{name}' is longer than 211 characters"
        ));
    }
    if name.starts_with('.') {
        return Err(format!("store path name '{name}' starts with a period"));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "+-._?=".contains(*c)))
    {
        return Err(format!(
            "store path name '{name}' contains the forbidden character '{c}'"
        ));
    }
    Ok(())
}

// ----- NAR --------------------------------------------------------------
// The NAR serialisation is written here (rather than with the nix-nar crate)
// because the evaluator reads files only through its FileSystem trait; a test
// checks it against nix-nar on a real directory.

fn nar_str(h: &mut Sha256, s: &[u8]) {
    h.update((s.len() as u64).to_le_bytes());
    h.update(s);
    let pad = (8 - s.len() % 8) % 8;
    h.update(&[0u8; 8][..pad]);
}

fn nar_entry(fs: &dyn FileSystem, h: &mut Sha256, path: &Path) -> io::Result<()> {
    nar_entry_without(fs, h, path, &std::collections::HashSet::new())
}

/// The NAR serialisation of `path` without the entries at `left_out` (and
/// what is under them), as `builtins.path` with a filter copies it.
fn nar_entry_without(
    fs: &dyn FileSystem,
    h: &mut Sha256,
    path: &Path,
    left_out: &std::collections::HashSet<PathBuf>,
) -> io::Result<()> {
    let kind = fs.file_type(path)?;
    nar_node(fs, h, path, kind, left_out)
}

/// The NAR serialisation of `path`, whose type is `kind` (as its directory
/// listed it: not asked again).
fn nar_node(
    fs: &dyn FileSystem,
    h: &mut Sha256,
    path: &Path,
    kind: FileType,
    left_out: &std::collections::HashSet<PathBuf>,
) -> io::Result<()> {
    nar_str(h, b"(");
    match kind {
        FileType::Regular { executable } => {
            nar_str(h, b"type");
            nar_str(h, b"regular");
            if executable {
                nar_str(h, b"executable");
                nar_str(h, b"");
            }
            nar_str(h, b"contents");
            nar_str(h, &fs.read(path)?);
        }
        FileType::Symlink => {
            nar_str(h, b"type");
            nar_str(h, b"symlink");
            nar_str(h, b"target");
            nar_str(h, fs.read_link(path)?.to_string_lossy().as_bytes());
        }
        FileType::Directory => {
            nar_str(h, b"type");
            nar_str(h, b"directory");
            for (name, kind) in fs.read_dir(path)? {
                let child = path.join(&name);
                if left_out.contains(&child) {
                    continue;
                }
                nar_str(h, b"entry");
                nar_str(h, b"(");
                nar_str(h, b"name");
                nar_str(h, name.as_bytes());
                nar_str(h, b"node");
                nar_node(fs, h, &child, kind, left_out)?;
                nar_str(h, b")");
            }
        }
        FileType::Unknown => return Err(io::Error::other("unsupported file type")),
    }
    nar_str(h, b")");
    Ok(())
}

/// SHA-256 of the NAR serialisation of `path` without the entries at
/// `left_out`.
pub fn nar_sha256_without(
    fs: &dyn FileSystem,
    path: &Path,
    left_out: &std::collections::HashSet<PathBuf>,
) -> io::Result<[u8; 32]> {
    let mut h = Sha256::new();
    nar_str(&mut h, b"nix-archive-1");
    nar_entry_without(fs, &mut h, path, left_out)?;
    Ok(h.finalize().into())
}

/// SHA-256 of the NAR serialisation of `path`.
pub fn nar_sha256(fs: &dyn FileSystem, path: &Path) -> io::Result<[u8; 32]> {
    let mut h = Sha256::new();
    nar_str(&mut h, b"nix-archive-1");
    nar_entry(fs, &mut h, path)?;
    Ok(h.finalize().into())
}

// ----- derivations -------------------------------------------------------

#[derive(Debug, Clone)]
pub struct DrvOutput {
    pub path: String,
    /// `r:sha256` etc. for fixed outputs, empty otherwise.
    pub hash_algo: String,
    pub hash: String,
}

#[derive(Debug, Clone, Default)]
pub struct Derivation {
    pub outputs: BTreeMap<String, DrvOutput>,
    pub input_drvs: BTreeMap<String, BTreeSet<String>>,
    pub input_srcs: BTreeSet<String>,
    pub platform: String,
    pub builder: String,
    pub args: Vec<String>,
    pub env: BTreeMap<String, String>,
}

fn aterm_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn aterm_list<T>(
    out: &mut String,
    items: impl IntoIterator<Item = T>,
    mut f: impl FnMut(&mut String, T),
) {
    out.push('[');
    let mut first = true;
    for i in items {
        if !first {
            out.push(',');
        }
        first = false;
        f(out, i);
    }
    out.push(']');
}

impl Derivation {
    pub fn is_fixed_output(&self) -> bool {
        self.outputs.len() == 1 && self.outputs.get("out").is_some_and(|o| !o.hash.is_empty())
    }

    /// The ATerm text of the `.drv` file; `input_drvs` may be replaced (for
    /// hashing modulo), and output paths masked.
    pub fn unparse(
        &self,
        mask_outputs: bool,
        input_drvs: Option<&BTreeMap<String, BTreeSet<String>>>,
    ) -> String {
        let mut s = String::from("Derive(");
        aterm_list(&mut s, self.outputs.iter(), |s, (name, o)| {
            s.push('(');
            aterm_str(s, name);
            s.push(',');
            aterm_str(s, if mask_outputs { "" } else { &o.path });
            s.push(',');
            aterm_str(s, &o.hash_algo);
            s.push(',');
            aterm_str(s, &o.hash);
            s.push(')');
        });
        s.push(',');
        aterm_list(
            &mut s,
            input_drvs.unwrap_or(&self.input_drvs).iter(),
            |s, (p, outs)| {
                s.push('(');
                aterm_str(s, p);
                s.push(',');
                aterm_list(s, outs.iter(), |s, o| aterm_str(s, o));
                s.push(')');
            },
        );
        s.push(',');
        aterm_list(&mut s, self.input_srcs.iter(), |s, p| aterm_str(s, p));
        s.push(',');
        aterm_str(&mut s, &self.platform);
        s.push(',');
        aterm_str(&mut s, &self.builder);
        s.push(',');
        aterm_list(&mut s, self.args.iter(), |s, a| aterm_str(s, a));
        s.push(',');
        aterm_list(&mut s, self.env.iter(), |s, (k, v)| {
            s.push('(');
            aterm_str(s, k);
            s.push(',');
            aterm_str(
                s,
                if mask_outputs && self.outputs.contains_key(k) {
                    ""
                } else {
                    v
                },
            );
            s.push(')');
        });
        s.push(')');
        s
    }
}

/// Where known derivations are kept, by `.drv` path, with their modulo hashes.
#[derive(Default)]
pub struct DrvStore {
    pub drvs: BTreeMap<String, Derivation>,
    modulo: BTreeMap<String, [u8; 32]>,
}

impl DrvStore {
    /// Nix's `hashDerivationModulo`.
    pub fn hash_modulo(&mut self, drv: &Derivation, mask_outputs: bool) -> [u8; 32] {
        if drv.is_fixed_output() {
            let o = &drv.outputs["out"];
            return sha256(format!("fixed:out:{}:{}:{}", o.hash_algo, o.hash, o.path).as_bytes());
        }
        let mut inputs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (path, outs) in &drv.input_drvs {
            let h = match self.modulo.get(path) {
                Some(h) => *h,
                None => match self.drvs.get(path).cloned() {
                    Some(d) => {
                        let h = self.hash_modulo(&d, false);
                        self.modulo.insert(path.clone(), h);
                        h
                    }
                    // An unknown input (not produced by this evaluation): hash its path.
                    None => sha256(path.as_bytes()),
                },
            };
            inputs
                .entry(hex(&h))
                .or_default()
                .extend(outs.iter().cloned());
        }
        sha256(drv.unparse(mask_outputs, Some(&inputs)).as_bytes())
    }

    /// Fill in output paths of an input-addressed derivation, register it and
    /// return its `.drv` path.
    pub fn add(&mut self, store_dir: &str, name: &str, mut drv: Derivation) -> String {
        if !drv.is_fixed_output() {
            for o in drv.outputs.values_mut() {
                o.path.clear();
            }
            for k in drv.outputs.keys() {
                drv.env.insert(k.clone(), String::new());
            }
            let h = self.hash_modulo(&drv, true);
            let names: Vec<String> = drv.outputs.keys().cloned().collect();
            for id in names {
                let out_name = if id == "out" {
                    name.to_string()
                } else {
                    format!("{name}-{id}")
                };
                let p = make_store_path(store_dir, &format!("output:{id}"), &h, &out_name);
                drv.env.insert(id.clone(), p.clone());
                drv.outputs.get_mut(&id).expect("listed").path = p;
            }
        }
        let text = drv.unparse(false, None);
        let mut refs: BTreeSet<String> = drv.input_srcs.clone();
        refs.extend(drv.input_drvs.keys().cloned());
        let drv_path = make_text_path(store_dir, &format!("{name}.drv"), text.as_bytes(), &refs);
        self.drvs.insert(drv_path.clone(), drv);
        drv_path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_path_matches_nix() {
        // What Debian's nix 2.8 prints for `builtins.toFile "hello" "world"`.
        let p = make_text_path("/nix/store", "hello", b"world", &BTreeSet::new());
        assert_eq!(p, "/nix/store/a8pm5wln4zaphc7x9iaqrgm9fravifib-hello");
        // A text file referring to another store path (its references are
        // part of the path): `builtins.toFile "hello" "with ${builtins.toFile
        // "dep" "x"} inside"`.
        let dep = make_text_path("/nix/store", "dep", b"x", &BTreeSet::new());
        assert_eq!(dep, "/nix/store/wkb38adhw4i46sxpcl84c1g6wxsylyag-dep");
        let p = make_text_path(
            "/nix/store",
            "hello",
            format!("with {dep} inside").as_bytes(),
            &BTreeSet::from([dep.clone()]),
        );
        assert_eq!(p, "/nix/store/2is3nncwr9pn6qpgh9blp6564njy8dzw-hello");
    }

    #[test]
    fn nar_hash_agrees_with_nix_nar() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("tree");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("a.txt"), "hello\n").unwrap();
        std::fs::write(root.join("sub/b"), "").unwrap();
        std::os::unix::fs::symlink("a.txt", root.join("link")).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(root.join("sub/b"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
        let ours = nar_sha256(&crate::fs::OsFileSystem, &root).unwrap();
        let nar_file = dir.path().join("out.nar");
        let mut enc = nix_nar::Encoder::new(&root).unwrap();
        enc.pack(&nar_file).unwrap();
        let theirs = sha256(&std::fs::read(&nar_file).unwrap());
        assert_eq!(hex(&ours), hex(&theirs));
    }
}
