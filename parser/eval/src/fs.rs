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
    /// The text of a file compiled into the binary (read with no copy),
    /// if `path` is one; else `read` it.
    fn read_static(&self, _path: &Path) -> Option<&'static str> {
        None
    }
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
            // The type as the directory lists it (no `stat` where the file
            // system says it); only a regular file is asked for its mode
            // (its executable bit), relative to the directory.
            let ft = entry.file_type()?;
            let kind = if ft.is_file() {
                to_type(ft, &entry.metadata()?)
            } else if ft.is_symlink() {
                FileType::Symlink
            } else if ft.is_dir() {
                FileType::Directory
            } else {
                FileType::Unknown
            };
            out.push((entry.file_name().to_string_lossy().into_owned(), kind));
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

/// `path` with `.` and `..` taken by name, as nix makes paths canonical
/// (`/a/b/..` is `/a`, whatever `b` is).
fn lexical(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                // `/..` is `/`; a relative path keeps leading `..`s.
                if !out.pop() && !out.has_root() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// `source`: what was left out, where it is (a flake's file git does not
/// track, or one a filter of `builtins.path` dropped).
fn not_in_copy(path: &Path, source: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!(
            "{} is not in the store path: {} was left out of the copy (a file git does not track is not in a flake's source, as in nix; or a filter dropped it)",
            path.display(),
            source.display()
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
    /// the filter kept). The path is first made canonical as nix makes it
    /// (`.` and `..` by name). The store path that is a prefix of it, if
    /// any, is the greatest one not after it; a copy of a copy is followed
    /// to the source. In a filtered copy, what the filter left out is not
    /// there (NotFound), and a symbolic link on the way is followed inside
    /// the copy, as in nix's copy (`follow_last`: also the last
    /// component's, as reading does).
    fn resolve(&self, path: &Path, follow_last: bool) -> io::Result<(PathBuf, bool)> {
        let mut at = path.to_path_buf();
        let mut filtered = false;
        // Under a copy, `.` and `..` are taken by name (the copy is not
        // where the source is); elsewhere the path is as given.
        if self.in_a_copy(&at) {
            let text = path.as_os_str().as_encoded_bytes();
            let dir_only = text.ends_with(b"/") || text.ends_with(b"/.");
            at = lexical(path);
            if dir_only {
                let (real, filtered) = self.resolve(&at, true)?;
                if self.inner.file_type(&real)? != FileType::Directory {
                    return Err(io::Error::new(
                        io::ErrorKind::NotFound,
                        format!("{} is not a directory", path.display()),
                    ));
                }
                return Ok((real, filtered));
            }
        }
        // Links followed and copies crossed: bounded as the kernel bounds
        // links (ELOOP), with room for long chains of copies.
        for _ in 0..1024 {
            let copies = self.copies.borrow();
            let Some((store, copy)) = copies.range(..=at.clone()).next_back() else {
                break;
            };
            let Ok(rest) = at.strip_prefix(store) else {
                break;
            };
            if copy.left_out.is_empty() {
                let real = copy.source.join(rest);
                if real == at {
                    break;
                }
                at = real;
                continue;
            }
            filtered = true;
            let parts: Vec<_> = rest.components().collect();
            let mut real = copy.source.clone();
            let mut next = None;
            for (k, part) in parts.iter().enumerate() {
                real.push(part);
                if copy.left_out.contains(&real) {
                    return Err(not_in_copy(path, &real));
                }
                let last = k + 1 == parts.len();
                if (!last || follow_last)
                    && self.inner.file_type(&real).ok() == Some(FileType::Symlink)
                {
                    // The link as the copy has it: relative to where it is
                    // in the store path, or absolute.
                    let target = self.inner.read_link(&real)?;
                    let mut inside = store.to_path_buf();
                    inside.extend(&parts[..k]);
                    let mut then = inside.join(target);
                    then.extend(&parts[k + 1..]);
                    next = Some(lexical(&then));
                    break;
                }
            }
            match next {
                Some(n) => at = n,
                None => {
                    at = real;
                    break;
                }
            }
        }
        Ok((at, filtered))
    }

    /// Where `path` really is, when it is under a store path copied from a
    /// source (a flake evaluated from its store path, `"${./dir}"`): the
    /// source's own path, for diagnostics and for the host, which read the
    /// machine's files. `None` when it is not under a copy (or its filter
    /// left it out).
    pub fn real_path(&self, path: &Path) -> Option<PathBuf> {
        if !self.in_a_copy(path) {
            return None;
        }
        self.resolve(path, false).ok().map(|(real, _)| real)
    }

    /// Whether `path` is under a store path copied from a source (the
    /// copies are ordered by path, component by component: the nearest
    /// one at or before `path` is the only one that can hold it).
    fn in_a_copy(&self, path: &Path) -> bool {
        self.copies
            .borrow()
            .range(..=path.to_path_buf())
            .next_back()
            .is_some_and(|(store, _)| path.starts_with(store))
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
            None => self.inner.read(&self.resolve(path, true)?.0),
        }
    }
    fn read_static(&self, path: &Path) -> Option<&'static str> {
        if self.written.borrow().contains_key(path) {
            return None;
        }
        self.inner.read_static(&self.resolve(path, true).ok()?.0)
    }
    fn read_dir(&self, path: &Path) -> io::Result<Vec<(String, FileType)>> {
        let (real, filtered) = self.resolve(path, true)?;
        let mut entries = self.inner.read_dir(&real)?;
        if filtered {
            entries.retain(|(name, _)| self.resolve(&path.join(name), false).is_ok());
        }
        Ok(entries)
    }
    fn file_type(&self, path: &Path) -> io::Result<FileType> {
        if self.written.borrow().contains_key(path) {
            return Ok(FileType::Regular { executable: false });
        }
        self.inner.file_type(&self.resolve(path, false)?.0)
    }
    fn read_link(&self, path: &Path) -> io::Result<PathBuf> {
        self.inner.read_link(&self.resolve(path, false)?.0)
    }
}
