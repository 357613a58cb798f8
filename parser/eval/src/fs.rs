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
    copies: std::cell::RefCell<std::collections::BTreeMap<PathBuf, Copy>>,
}

/// A source in the (virtual) store, and what a filter left out of it
/// (absolute source paths; what is under them is out too).
struct Copy {
    source: PathBuf,
    left_out: std::collections::HashSet<PathBuf>,
}

fn not_in_copy(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!(
            "{} is not in the store path (its filter left it out)",
            path.display()
        ),
    )
}

impl WithWritten {
    pub fn new(inner: Box<dyn FileSystem>) -> WithWritten {
        WithWritten {
            inner,
            written: Default::default(),
            copies: Default::default(),
        }
    }

    /// Record that `source` was copied to the store as `store_path`,
    /// without `left_out` (absolute paths under `source`, as a filter of
    /// `builtins.path`/`filterSource` chose them).
    pub fn copied(
        &self,
        store_path: &str,
        source: &Path,
        left_out: std::collections::HashSet<PathBuf>,
    ) {
        self.copies.borrow_mut().insert(
            PathBuf::from(store_path),
            Copy {
                source: source.to_path_buf(),
                left_out,
            },
        );
    }

    /// Where a path under a copied store path really is, and whether a
    /// filtered copy is on the way (its directories then list only what
    /// the filter kept). The store path that is a prefix of `path`, if any,
    /// is the greatest one not after it; a copy of a copy is followed to
    /// the source. A path a filter left out is not there (NotFound), as
    /// in nix's copy.
    fn resolve(&self, path: &Path) -> io::Result<(PathBuf, bool)> {
        let copies = self.copies.borrow();
        let mut at = path.to_path_buf();
        let mut filtered = false;
        // A chain of copies is as long as the evaluation made it; bounded
        // all the same.
        for _ in 0..1024 {
            let Some((store, copy)) = copies.range(..=at.clone()).next_back() else {
                break;
            };
            let Ok(rest) = at.strip_prefix(store) else {
                break;
            };
            let real = if rest.as_os_str().is_empty() {
                copy.source.clone()
            } else {
                copy.source.join(rest)
            };
            if !copy.left_out.is_empty() {
                filtered = true;
                let mut up = real.as_path();
                while up != copy.source {
                    if copy.left_out.contains(up) {
                        return Err(not_in_copy(path));
                    }
                    match up.parent() {
                        Some(p) => up = p,
                        None => break,
                    }
                }
            }
            if real == at {
                break;
            }
            at = real;
        }
        Ok((at, filtered))
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
            None => self.inner.read(&self.resolve(path)?.0),
        }
    }
    fn read_dir(&self, path: &Path) -> io::Result<Vec<(String, FileType)>> {
        let (real, filtered) = self.resolve(path)?;
        let mut entries = self.inner.read_dir(&real)?;
        if filtered {
            entries.retain(|(name, _)| self.resolve(&path.join(name)).is_ok());
        }
        Ok(entries)
    }
    fn file_type(&self, path: &Path) -> io::Result<FileType> {
        if self.written.borrow().contains_key(path) {
            return Ok(FileType::Regular { executable: false });
        }
        self.inner.file_type(&self.resolve(path)?.0)
    }
    fn read_link(&self, path: &Path) -> io::Result<PathBuf> {
        self.inner.read_link(&self.resolve(path)?.0)
    }
}
