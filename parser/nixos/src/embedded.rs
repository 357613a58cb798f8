//! nixplan's own Nix sources (its `lib`, module system, NixOS, disko and
//! impermanence declarations, stand-in inputs and target loading), compiled
//! into the binary and served under [`EMBEDDED_ROOT`] as if they were files.

use std::io;
use std::path::{Path, PathBuf};

use nixplan_eval::fs::{FileSystem, FileType, EMBEDDED_ROOT};

/// nixplan's own Nix sources (the `lib` and module system), served under
/// [`EMBEDDED_ROOT`] so they can be imported like files.
const EMBEDDED: &[(&str, &str)] = &[
    // `pkgs.path` of the stand-in package set: `import pkgs.path { }`.
    ("default.nix", "import ./inputs/nixpkgs\n"),
    ("lib.nix", include_str!("../nix/lib.nix")),
    ("lib-extra.nix", include_str!("../nix/lib-extra.nix")),
    ("lib-more-a.nix", include_str!("../nix/lib-more-a.nix")),
    ("lib-more-b.nix", include_str!("../nix/lib-more-b.nix")),
    ("lib-more-c.nix", include_str!("../nix/lib-more-c.nix")),
    ("lib-more-g.nix", include_str!("../nix/lib-more-g.nix")),
    ("lib-more-h.nix", include_str!("../nix/lib-more-h.nix")),
    ("modules.nix", include_str!("../nix/modules.nix")),
    ("options.nix", include_str!("../nix/options.nix")),
    ("types.nix", include_str!("../nix/types.nix")),
    ("nixos.nix", include_str!("../nix/nixos.nix")),
    ("namespaces.nix", include_str!("../nix/namespaces.nix")),
    ("disko.nix", include_str!("../nix/disko.nix")),
    ("impermanence.nix", include_str!("../nix/impermanence.nix")),
    ("snowfall.nix", include_str!("../nix/snowfall.nix")),
    ("nixplan.nix", include_str!("../nix/nixplan.nix")),
    ("getflake.nix", include_str!("../nix/getflake.nix")),
    ("flake-compat.nix", include_str!("../nix/flake-compat.nix")),
    (
        "corepkgs/fetchurl.nix",
        include_str!("../nix/corepkgs/fetchurl.nix"),
    ),
    (
        "inputs/nixpkgs/default.nix",
        include_str!("../nix/inputs/nixpkgs/default.nix"),
    ),
    (
        "inputs/secrets.nix",
        include_str!("../nix/inputs/secrets.nix"),
    ),
    // The stand-ins' modules, where the real inputs have theirs.
    (
        "inputs/disko/module.nix",
        include_str!("../nix/inputs/disko/module.nix"),
    ),
    (
        "inputs/impermanence/nixos.nix",
        include_str!("../nix/inputs/impermanence/nixos.nix"),
    ),
    (
        "inputs/home-manager/nixos/default.nix",
        include_str!("../nix/inputs/home-manager/nixos/default.nix"),
    ),
    (
        "inputs/sops-nix/modules/sops/default.nix",
        include_str!("../nix/inputs/sops-nix/modules/sops/default.nix"),
    ),
    (
        "inputs/sops-nix/modules/home-manager/sops.nix",
        include_str!("../nix/inputs/sops-nix/modules/home-manager/sops.nix"),
    ),
    (
        "inputs/agenix/modules/age.nix",
        include_str!("../nix/inputs/agenix/modules/age.nix"),
    ),
    (
        "inputs/agenix/modules/age-home.nix",
        include_str!("../nix/inputs/agenix/modules/age-home.nix"),
    ),
    // github:nix-systems/*: each is its list of systems.
    (
        "inputs/nix-systems/default/default.nix",
        "[ \"aarch64-darwin\" \"aarch64-linux\" \"x86_64-darwin\" \"x86_64-linux\" ]\n",
    ),
    (
        "inputs/nix-systems/default-linux/default.nix",
        "[ \"aarch64-linux\" \"x86_64-linux\" ]\n",
    ),
    (
        "inputs/nix-systems/default-darwin/default.nix",
        "[ \"aarch64-darwin\" \"x86_64-darwin\" ]\n",
    ),
    (
        "inputs/nix-systems/x86_64-linux/default.nix",
        "[ \"x86_64-linux\" ]\n",
    ),
    (
        "inputs/nix-systems/aarch64-linux/default.nix",
        "[ \"aarch64-linux\" ]\n",
    ),
    (
        "inputs/nix-systems/x86_64-darwin/default.nix",
        "[ \"x86_64-darwin\" ]\n",
    ),
    (
        "inputs/nix-systems/aarch64-darwin/default.nix",
        "[ \"aarch64-darwin\" ]\n",
    ),
];

/// NixOS's own module tree (`modulesPath`, `pkgs.path + "/nixos/modules"`)
/// is not evaluated: each `.nix` file in it is an empty module, but for the
/// two that modules evaluated on their own (Home Manager's) import for
/// their declarations.
const NIXOS_TREE: &str = "nixos/modules/";
const NIXOS_ASSERTIONS: &str = "{ lib, ... }: {\n  options.assertions = lib.mkOption { type = lib.types.listOf lib.types.unspecified; default = [ ]; internal = true; };\n  options.warnings = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; internal = true; };\n}\n";
const NIXOS_META: &str = "{ lib, ... }: {\n  options.meta = lib.mkOption { type = lib.types.lazyAttrsOf lib.types.raw; default = { }; internal = true; };\n}\n";
const NIXOS_EMPTY: &str = "{ }\n";
const NIXOS_HARDWARE: &str = "inputs/nixos-hardware/";
const NIXOS_MODULE_LIST: &str = "[ ../../nixos.nix ]\n";

fn embedded(path: &Path) -> Option<Option<&'static str>> {
    let rest = path.to_str()?.strip_prefix(EMBEDDED_ROOT)?;
    if rest.is_empty() || rest == "/" {
        return Some(None);
    }
    let name = rest.strip_prefix('/')?.trim_end_matches('/');
    // The stand-in package set's `path` for a lib-only nixpkgs
    // (`pkgs-path/KEY`, one per source): its `lib/` is the real one
    // (aliased by evaluation), the rest is nixplan's.
    let name = match name.strip_prefix("pkgs-path/") {
        Some(rest) => match rest.split_once('/') {
            Some((_, "default.nix")) => return Some(Some(
                "args: import ../../inputs/nixpkgs ({ path = ./.; lib = import ./lib; } // args)\n",
            )),
            Some((_, tail)) => tail,
            None => return Some(None),
        },
        None if name == "pkgs-path" => return Some(None),
        None => name,
    };
    if let Some(module) = name.strip_prefix(NIXOS_TREE) {
        return Some(match module {
            "misc/assertions.nix" => Some(NIXOS_ASSERTIONS),
            "misc/meta.nix" => Some(NIXOS_META),
            // NixOS's module list (flake-utils-plus evaluates a host with
            // it): nixplan's own NixOS declarations.
            "module-list.nix" => Some(NIXOS_MODULE_LIST),
            m if m.ends_with(".nix") => Some(NIXOS_EMPTY),
            _ => None,
        });
    }
    if name == "nixos" || name == "nixos/modules" {
        return Some(None);
    }
    // The stand-in for nixos-hardware: every profile imported by its file
    // (`"${nixos-hardware}/lenovo/thinkpad/x1"`) is an empty module, as
    // its `nixosModules` are.
    if name == NIXOS_HARDWARE.trim_end_matches('/') {
        return Some(None);
    }
    if let Some(profile) = name.strip_prefix(NIXOS_HARDWARE) {
        return Some(profile.ends_with(".nix").then_some(NIXOS_EMPTY));
    }
    if let Some((_, text)) = EMBEDDED.iter().find(|(n, _)| *n == name) {
        return Some(Some(*text));
    }
    let dir = format!("{name}/");
    EMBEDDED
        .iter()
        .any(|(n, _)| n.starts_with(&dir))
        .then_some(None)
}

/// A file system that serves nixplan's embedded sources under
/// [`EMBEDDED_ROOT`] and everything else from `inner`.
/// Write nixplan's Nix sources into `dir` (for `--eval nix`: the same files,
/// evaluated by a real nix).
pub fn write_to(dir: &Path) -> io::Result<()> {
    for (name, text) in EMBEDDED {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, text)?;
    }
    Ok(())
}

pub struct WithEmbedded<F>(pub F);

impl<F: FileSystem> FileSystem for WithEmbedded<F> {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        match embedded(path) {
            Some(Some(text)) => Ok(text.as_bytes().to_vec()),
            Some(None) => Err(io::Error::other("is a directory")),
            None => self.0.read(path),
        }
    }
    fn read_static(&self, path: &Path) -> Option<&'static str> {
        match embedded(path) {
            Some(text) => text,
            None => self.0.read_static(path),
        }
    }
    fn read_dir(&self, path: &Path) -> io::Result<Vec<(String, FileType)>> {
        match embedded(path) {
            Some(None) => {
                let rest = path
                    .to_str()
                    .unwrap_or("")
                    .strip_prefix(EMBEDDED_ROOT)
                    .unwrap_or("");
                let rest = rest.trim_matches('/');
                let prefix = if rest.is_empty() {
                    String::new()
                } else {
                    format!("{rest}/")
                };
                let mut out: Vec<(String, FileType)> = Vec::new();
                for (n, _) in EMBEDDED {
                    let Some(tail) = n.strip_prefix(prefix.as_str()) else {
                        continue;
                    };
                    let entry = match tail.split_once('/') {
                        Some((d, _)) => (d.to_string(), FileType::Directory),
                        None => (tail.to_string(), FileType::Regular { executable: false }),
                    };
                    if !out.iter().any(|(e, _)| *e == entry.0) {
                        out.push(entry);
                    }
                }
                out.sort_by(|a, b| a.0.cmp(&b.0));
                Ok(out)
            }
            Some(Some(_)) => Err(io::Error::other("not a directory")),
            None => self.0.read_dir(path),
        }
    }
    fn file_type(&self, path: &Path) -> io::Result<FileType> {
        match embedded(path) {
            Some(None) => Ok(FileType::Directory),
            Some(Some(_)) => Ok(FileType::Regular { executable: false }),
            None => self.0.file_type(path),
        }
    }
    fn read_link(&self, path: &Path) -> io::Result<PathBuf> {
        self.0.read_link(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nixplan_eval::{fs::OsFileSystem, Eval, Settings};
    use nixplan_syntax::{Span, Text};

    /// nixplan's own files are registered as the binary holds them (no
    /// copy), through the layer that adds the evaluation's written files
    /// too; a file of the machine is read.
    #[test]
    fn own_files_are_registered_without_a_copy() {
        let fs = nixplan_eval::fs::WithWritten::new(Box::new(WithEmbedded(OsFileSystem)));
        let mut ev = Eval::new(Box::new(fs), Settings::default());
        let (file, _) = ev.load_source("t.nix", None, "1", "/").expect("loads");
        let span = Span {
            file,
            start: 0,
            end: 1,
        };
        let lib = format!("{EMBEDDED_ROOT}/lib.nix");
        ev.import_path(&lib, span).expect("nixplan's lib imports");
        let dir = tempfile::tempdir().expect("a directory");
        let own = dir.path().join("own.nix");
        std::fs::write(&own, "{ a = 1; }").expect("written");
        ev.import_path(own.to_str().expect("UTF-8"), span)
            .expect("imports");
        let text_of = |path: &str| {
            let id = ev.sources.find_path(Path::new(path)).expect("registered");
            ev.sources.file(id).text.clone()
        };
        let Text::Static(text) = text_of(&lib) else {
            panic!("nixplan's lib was copied")
        };
        assert_eq!(text, include_str!("../nix/lib.nix"));
        assert!(matches!(text_of(own.to_str().unwrap()), Text::Shared(t) if &*t == "{ a = 1; }"));
    }
}
