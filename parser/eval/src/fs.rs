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

/// A file system with the files evaluation itself wrote on top
/// (`builtins.toFile`): nix writes them to the store, nixplan keeps them
/// in memory, so a later `import` or `readFile` of the path reads them.
pub struct WithWritten {
    inner: Box<dyn FileSystem>,
    written: std::cell::RefCell<std::collections::HashMap<PathBuf, Vec<u8>>>,
    /// Sources copied to the (virtual) store: store path → source. Reading
    /// under a store path reads the source, as nix reads its copy.
    copies: std::cell::RefCell<std::collections::BTreeMap<PathBuf, PathBuf>>,
}

impl WithWritten {
    pub fn new(inner: Box<dyn FileSystem>) -> WithWritten {
        WithWritten {
            inner,
            written: Default::default(),
            copies: Default::default(),
        }
    }

    /// Record that `source` was copied to the store as `store_path`.
    pub fn copied(&self, store_path: &str, source: &Path) {
        self.copies
            .borrow_mut()
            .insert(PathBuf::from(store_path), source.to_path_buf());
    }

    /// Where a path under a copied store path really is. The store path
    /// that is a prefix of `path`, if any, is the greatest one not after it.
    fn resolve(&self, path: &Path) -> PathBuf {
        let copies = self.copies.borrow();
        if let Some((store, source)) = copies.range(..=path.to_path_buf()).next_back() {
            if let Ok(rest) = path.strip_prefix(store) {
                return if rest.as_os_str().is_empty() {
                    source.clone()
                } else {
                    source.join(rest)
                };
            }
        }
        path.to_path_buf()
    }

    /// Record a file evaluation wrote.
    pub fn write(&self, path: &Path, contents: &[u8]) {
        self.written
            .borrow_mut()
            .insert(path.to_path_buf(), contents.to_vec());
    }
}

impl FileSystem for WithWritten {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        match self.written.borrow().get(path) {
            Some(c) => Ok(c.clone()),
            None => self.inner.read(&self.resolve(path)),
        }
    }
    fn read_dir(&self, path: &Path) -> io::Result<Vec<(String, FileType)>> {
        self.inner.read_dir(&self.resolve(path))
    }
    fn file_type(&self, path: &Path) -> io::Result<FileType> {
        if self.written.borrow().contains_key(path) {
            return Ok(FileType::Regular { executable: false });
        }
        self.inner.file_type(&self.resolve(path))
    }
    fn read_link(&self, path: &Path) -> io::Result<PathBuf> {
        self.inner.read_link(&self.resolve(path))
    }
}
