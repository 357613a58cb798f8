//! File access for the evaluator. Evaluation reads files only through
//! [`FileSystem`], so tests and the binary decide what is visible.

use std::io;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    Regular { executable: bool },
    Directory,
    Symlink,
    Unknown,
}

impl FileType {
    /// The name `builtins.readDir` and `readFileType` use.
    pub fn nix_name(self) -> &'static str {
        match self {
            FileType::Regular { .. } => "regular",
            FileType::Directory => "directory",
            FileType::Symlink => "symlink",
            FileType::Unknown => "unknown",
        }
    }
}

pub trait FileSystem {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// Entries of a directory, sorted by name.
    fn read_dir(&self, path: &Path) -> io::Result<Vec<(String, FileType)>>;
    /// The type of `path` itself (symlinks are not followed).
    fn file_type(&self, path: &Path) -> io::Result<FileType>;
    fn read_link(&self, path: &Path) -> io::Result<PathBuf>;
}

/// The machine's real file system.
pub struct OsFileSystem;

fn to_type(ft: std::fs::FileType, meta: &std::fs::Metadata) -> FileType {
    use std::os::unix::fs::PermissionsExt;
    if ft.is_symlink() {
        FileType::Symlink
    } else if ft.is_dir() {
        FileType::Directory
    } else if ft.is_file() {
        FileType::Regular {
            executable: meta.permissions().mode() & 0o100 != 0,
        }
    } else {
        FileType::Unknown
    }
}

impl FileSystem for OsFileSystem {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(path)
    }
    fn read_dir(&self, path: &Path) -> io::Result<Vec<(String, FileType)>> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(path)? {
            let entry = entry?;
            let meta = std::fs::symlink_metadata(entry.path())?;
            out.push((
                entry.file_name().to_string_lossy().into_owned(),
                to_type(meta.file_type(), &meta),
            ));
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }
    fn file_type(&self, path: &Path) -> io::Result<FileType> {
        let meta = std::fs::symlink_metadata(path)?;
        Ok(to_type(meta.file_type(), &meta))
    }
    fn read_link(&self, path: &Path) -> io::Result<PathBuf> {
        std::fs::read_link(path)
    }
}

/// Where nixplan's own Nix sources are served (see `nixplan-nixos`):
/// positions under it are nixplan's, never shown as the user's.
pub const EMBEDDED_ROOT: &str = "/nixplan";
