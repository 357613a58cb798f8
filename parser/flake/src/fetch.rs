//! Fetching a locked source into the cache: a tarball over HTTP(S) (github,
//! gitlab and sourcehut archives, `tarball` and `file` URLs), or a git
//! revision through the system's git. What was fetched is NAR-hashed and
//! compared with the lock's narHash before it enters the cache.

use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use crate::cache::Cache;
use crate::nar::NarHash;
use crate::source::{Kind, Locked};
use crate::Error;

pub struct Fetcher {
    pub cache: Cache,
    /// `(FROM, TO)`: a URL starting with FROM is fetched from TO instead
    /// (mirrors; the tests' HTTP server).
    pub rewrites: Vec<(String, String)>,
    /// Progress bars, drawn only on a terminal.
    pub progress: Option<MultiProgress>,
    agent: ureq::Agent,
}

impl Fetcher {
    pub fn new(
        cache: Cache,
        rewrites: Vec<(String, String)>,
        progress: Option<MultiProgress>,
    ) -> Fetcher {
        let agent = ureq::Agent::config_builder()
            .timeout_connect(Some(Duration::from_secs(30)))
            // A whole nixpkgs tarball over a slow link: half an hour.
            .timeout_recv_response(Some(Duration::from_secs(60)))
            .timeout_recv_body(Some(Duration::from_secs(1800)))
            .user_agent(concat!("nixplan/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Fetcher {
            cache,
            rewrites,
            progress,
            agent,
        }
    }

    /// `NIXPLAN_URL_REWRITE="FROM=TO;FROM2=TO2"`.
    pub fn rewrites_from_env() -> Vec<(String, String)> {
        std::env::var("NIXPLAN_URL_REWRITE")
            .unwrap_or_default()
            .split(';')
            .filter_map(|r| r.split_once('='))
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    fn rewrite(&self, url: &str) -> String {
        for (from, to) in &self.rewrites {
            if let Some(rest) = url.strip_prefix(from.as_str()) {
                return format!("{to}{rest}");
            }
        }
        url.to_string()
    }

    /// Fetch `locked` into the cache; `label` names it in progress and
    /// errors. Returns the cache entry and the hash it has.
    pub fn fetch(&self, locked: &Locked, label: &str) -> Result<(PathBuf, NarHash), Error> {
        let staging = self
            .cache
            .staging()
            .map_err(|e| Error::Io(self.cache.root.display().to_string(), e))?;
        let io_err = |e: io::Error| Error::Io(staging.path().display().to_string(), e);
        let url = locked.url().map(|u| self.rewrite(&u));
        let root = match &locked.kind {
            Kind::Forge { .. } | Kind::Tarball { .. } => {
                let url = url.clone().expect("forges and tarballs have a URL");
                let unpack = staging.path().join("unpack");
                std::fs::create_dir(&unpack).map_err(io_err)?;
                let body = self.open(&url, label)?;
                unpack_archive(body, &unpack).map_err(|e| Error::Http {
                    url: url.clone(),
                    msg: format!("cannot unpack: {e}"),
                })?;
                single_top_dir(&unpack).map_err(io_err)?
            }
            Kind::File { .. } => {
                let url = url.clone().expect("files have a URL");
                let dest = staging.path().join("source");
                let mut body = self.open(&url, label)?;
                let mut f = std::fs::File::create(&dest).map_err(io_err)?;
                io::copy(&mut body, &mut f).map_err(|e| Error::Http {
                    url: url.clone(),
                    msg: e.to_string(),
                })?;
                dest
            }
            Kind::Git {
                url,
                rev,
                git_ref,
                submodules,
            } => {
                if *submodules {
                    return Err(Error::Unsupported(format!(
                        "{label}: git inputs with submodules are not fetched by nixplan; fetch it with nix (`nix flake archive`) or give it with --override-input"
                    )));
                }
                let dest = staging.path().join("source");
                git_export(
                    &self.rewrite(url),
                    rev,
                    git_ref.as_deref(),
                    &staging.path().join("repo"),
                    &dest,
                )?;
                dest
            }
            Kind::Path { path } => {
                return Err(Error::Unsupported(format!(
                    "{label}: path:{path} is read in place, not fetched"
                )))
            }
            Kind::Other { kind } => {
                return Err(Error::Unsupported(format!(
                    "{label}: nixplan does not fetch `{kind}` inputs"
                )));
            }
        };
        let got = NarHash::of_path(&root).map_err(io_err)?;
        if let Some(expected) = locked.nar_hash {
            if expected != got {
                return Err(Error::Mismatch {
                    what: label.to_string(),
                    from: url.unwrap_or_default(),
                    expected: expected.sri(),
                    got: got.sri(),
                });
            }
        }
        let entry = self
            .cache
            .commit(&root, &got)
            .map_err(|e| Error::Io(self.cache.entry(&got).display().to_string(), e))?;
        Ok((entry, got))
    }

    /// The file at `url` into the cache, if its bytes hash to `sha256`
    /// (flat, as `builtins.fetchurl` checks). A mismatch keeps nothing.
    pub fn fetch_file(&self, url: &str, sha256: &[u8; 32], label: &str) -> Result<PathBuf, Error> {
        use sha2::Digest;
        let staging = self
            .cache
            .staging()
            .map_err(|e| Error::Io(self.cache.root.display().to_string(), e))?;
        let url = self.rewrite(url);
        let dest = staging.path().join("file");
        let mut body = self.open(&url, label)?;
        let mut f =
            std::fs::File::create(&dest).map_err(|e| Error::Io(dest.display().to_string(), e))?;
        let mut hasher = sha2::Sha256::new();
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = match body.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(Error::Http {
                        url: url.clone(),
                        msg: e.to_string(),
                    })
                }
            };
            hasher.update(&buf[..n]);
            io::Write::write_all(&mut f, &buf[..n])
                .map_err(|e| Error::Io(dest.display().to_string(), e))?;
        }
        drop(f);
        let got: [u8; 32] = hasher.finalize().into();
        if &got != sha256 {
            return Err(Error::FileMismatch {
                url,
                expected: NarHash(*sha256).sri(),
                got: NarHash(got).sri(),
            });
        }
        self.cache
            .commit_file(&dest, sha256)
            .map_err(|e| Error::Io(self.cache.file_entry(sha256).display().to_string(), e))
    }

    /// A reader of the body at `url` (http, https or file), with a progress
    /// bar on a terminal.
    fn open(&self, url: &str, label: &str) -> Result<Box<dyn Read + Send>, Error> {
        let http = |msg: String| Error::Http {
            url: url.to_string(),
            msg,
        };
        let (len, reader): (Option<u64>, Box<dyn Read + Send>) =
            if let Some(p) = url.strip_prefix("file://") {
                let f = std::fs::File::open(p).map_err(|e| http(e.to_string()))?;
                (f.metadata().ok().map(|m| m.len()), Box::new(f))
            } else if url.starts_with("http://") || url.starts_with("https://") {
                let resp = self
                    .agent
                    .get(url)
                    .call()
                    .map_err(|e| http(e.to_string()))?;
                let len = resp
                    .headers()
                    .get("content-length")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|s| s.parse().ok());
                (len, Box::new(resp.into_body().into_reader()))
            } else {
                return Err(http("only http, https and file URLs are fetched".into()));
            };
        let Some(multi) = &self.progress else {
            return Ok(reader);
        };
        let bar = multi.add(match len {
            Some(n) => ProgressBar::new(n).with_style(
                ProgressStyle::with_template(
                    "{prefix} {bar:30} {bytes}/{total_bytes} {bytes_per_sec}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            ),
            None => ProgressBar::new_spinner().with_style(
                ProgressStyle::with_template("{prefix} {spinner} {bytes} {bytes_per_sec}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            ),
        });
        bar.set_prefix(label.to_string());
        Ok(Box::new(Finished {
            inner: bar.wrap_read(reader),
        }))
    }
}

/// Clears its bar when the body is dropped.
struct Finished<R> {
    inner: indicatif::ProgressBarIter<R>,
}

impl<R: Read> Read for Finished<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}

impl<R> Drop for Finished<R> {
    fn drop(&mut self) {
        self.inner.progress.finish_and_clear();
    }
}

/// Unpack a tar archive, compressed with gzip, xz, zstd or bzip2 or not at
/// all (told by its first bytes), into `dest`. Entries that would land
/// outside `dest` are refused by `tar`.
pub fn unpack_archive(body: impl Read, dest: &Path) -> io::Result<()> {
    let mut r = BufReader::with_capacity(1 << 16, body);
    let magic = r.fill_buf()?.to_vec();
    let reader: Box<dyn Read> = if magic.starts_with(&[0x1f, 0x8b]) {
        Box::new(flate2::read::MultiGzDecoder::new(r))
    } else if magic.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        Box::new(liblzma::read::XzDecoder::new(r))
    } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Box::new(zstd::stream::read::Decoder::with_buffer(r)?)
    } else if magic.starts_with(b"BZh") {
        Box::new(bzip2::read::BzDecoder::new(r))
    } else if magic.starts_with(b"PK\x03\x04") {
        return Err(io::Error::other("zip archives are not read by nixplan"));
    } else {
        Box::new(r)
    };
    let mut archive = tar::Archive::new(reader);
    archive.set_preserve_mtime(false);
    archive.set_unpack_xattrs(false);
    archive.unpack(dest)
}

/// An archive holding one top directory (as forges make them) is that
/// directory, as nix strips it.
fn single_top_dir(dir: &Path) -> io::Result<PathBuf> {
    let entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    match &entries[..] {
        [one] if one.file_type()?.is_dir() => Ok(one.path()),
        _ => Ok(dir.to_path_buf()),
    }
}

/// The tree of git revision `rev` of `url`, exactly as committed (no
/// attributes, filters or line-ending conversion applied; submodules empty
/// directories), written to `dest`.
fn git_export(
    url: &str,
    rev: &str,
    git_ref: Option<&str>,
    repo: &Path,
    dest: &Path,
) -> Result<(), Error> {
    let git = |args: &[&str]| -> Result<Vec<u8>, Error> {
        let out = Command::new("git")
            .arg("--git-dir")
            .arg(repo)
            .args(args)
            .env("GIT_TERMINAL_PROMPT", "0")
            .output()
            .map_err(|e| Error::Git(format!("cannot run git: {e}")))?;
        if !out.status.success() {
            return Err(Error::Git(format!(
                "git {} ({url}) failed: {}",
                args.first().copied().unwrap_or(""),
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(out.stdout)
    };
    let init = Command::new("git")
        .args(["init", "--quiet", "--bare"])
        .arg(repo)
        .output()
        .map_err(|e| Error::Git(format!("cannot run git: {e}")))?;
    if !init.status.success() {
        return Err(Error::Git(
            String::from_utf8_lossy(&init.stderr).trim().to_string(),
        ));
    }
    // The revision itself first; servers that refuse a bare hash get the
    // ref (or every branch and tag) fetched instead.
    if git(&["fetch", "--quiet", "--depth=1", url, rev]).is_err() {
        let refspec = match git_ref {
            Some(r) => format!("+{r}:refs/nixplan/wanted"),
            None => "+refs/*:refs/nixplan/*".to_string(),
        };
        git(&["fetch", "--quiet", url, &refspec])?;
    }
    let commit = format!("{rev}^{{commit}}");
    git(&["rev-parse", "--verify", "--quiet", &commit])
        .map_err(|_| Error::Git(format!("{url} has no commit {rev}")))?;
    let listing = git(&["ls-tree", "-r", "-z", "--full-tree", rev])?;
    std::fs::create_dir_all(dest).map_err(|e| Error::Io(dest.display().to_string(), e))?;
    let mut blobs = Vec::new();
    for entry in listing.split(|b| *b == 0).filter(|e| !e.is_empty()) {
        let entry = String::from_utf8_lossy(entry);
        let (meta, path) = entry
            .split_once('\t')
            .ok_or_else(|| Error::Git(format!("git ls-tree printed '{entry}'")))?;
        let mut meta = meta.split(' ');
        let (Some(mode), Some(_), Some(oid)) = (meta.next(), meta.next(), meta.next()) else {
            return Err(Error::Git(format!("git ls-tree printed '{entry}'")));
        };
        if path
            .split('/')
            .any(|c| c == ".." || c == "." || c.is_empty())
        {
            return Err(Error::Git(format!(
                "{url}: the path '{path}' leaves the tree"
            )));
        }
        blobs.push((mode.to_string(), oid.to_string(), dest.join(path)));
    }
    // Every blob through one `git cat-file --batch`. What git says on its
    // stderr is kept for the error (never printed over the plan's output,
    // or between the nodes of a hive evaluated at once); on any error the
    // child is stopped and reaped (`Batch`'s drop).
    let mut batch = Batch(
        Command::new("git")
            .arg("--git-dir")
            .arg(repo)
            .args(["cat-file", "--batch"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| Error::Git(format!("cannot run git: {e}")))?,
    );
    let wanted: String = blobs
        .iter()
        .filter(|(mode, _, _)| mode != "160000")
        .map(|(_, oid, _)| format!("{oid}\n"))
        .collect();
    let mut stdin = batch.0.stdin.take().expect("piped");
    let feeder = std::thread::spawn(move || {
        use std::io::Write;
        stdin.write_all(wanted.as_bytes())
    });
    let mut stderr = batch.0.stderr.take().expect("piped");
    let said = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stderr.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    });
    let mut out = BufReader::new(batch.0.stdout.take().expect("piped"));
    let copied = copy_blobs(&blobs, &mut out, url);
    drop(out);
    if copied.is_err() {
        batch.stop();
    }
    let _ = feeder.join();
    let status = batch.0.wait();
    let said = said.join().unwrap_or_default();
    let said = said.trim();
    match (copied, status) {
        (Err(Error::Git(m)), _) if !said.is_empty() => Err(Error::Git(format!("{m}: {said}"))),
        (Err(e), _) => Err(e),
        (Ok(()), Ok(st)) if st.success() => Ok(()),
        (Ok(()), Ok(st)) => Err(Error::Git(format!(
            "git cat-file ({url}) failed ({st}){}{said}",
            if said.is_empty() { "" } else { ": " }
        ))),
        (Ok(()), Err(e)) => Err(Error::Git(format!("git cat-file ({url}): {e}"))),
    }
}

/// A `git cat-file --batch` that is stopped and reaped when dropped, so
/// an error leaves no process behind.
struct Batch(std::process::Child);

impl Batch {
    fn stop(&mut self) {
        let _ = self.0.kill();
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            self.stop();
            let _ = self.0.wait();
        }
    }
}

/// Each blob of `blobs` (mode, object, path) written where it goes, read
/// in order from `git cat-file --batch`'s output.
fn copy_blobs(
    blobs: &[(String, String, PathBuf)],
    out: &mut impl BufRead,
    url: &str,
) -> Result<(), Error> {
    let write = |e: io::Error, p: &Path| Error::Io(p.display().to_string(), e);
    let bad = |m: String| Error::Git(format!("git cat-file ({url}): {m}"));
    for (mode, _, path) in blobs {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| write(e, parent))?;
        }
        if mode == "160000" {
            std::fs::create_dir_all(path).map_err(|e| write(e, path))?;
            continue;
        }
        let mut header = String::new();
        out.read_line(&mut header).map_err(|e| bad(e.to_string()))?;
        let size: usize = header
            .trim_end()
            .rsplit(' ')
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad(format!("unexpected '{}'", header.trim_end())))?;
        let mut data = vec![0; size + 1];
        out.read_exact(&mut data).map_err(|e| bad(e.to_string()))?;
        data.pop();
        if mode == "120000" {
            let target = String::from_utf8_lossy(&data).into_owned();
            std::os::unix::fs::symlink(target, path).map_err(|e| write(e, path))?;
        } else {
            std::fs::write(path, &data).map_err(|e| write(e, path))?;
            if mode == "100755" {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
                    .map_err(|e| write(e, path))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(dir: &Path, args: &[&str]) -> String {
        let out = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["-c", "user.name=t", "-c", "user.email=t@t"])
            .args(["-c", "commit.gpgsign=false"])
            .args(args)
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    }

    /// A blob git cannot read ends the export with git's own words in the
    /// error (not printed to the terminal).
    #[test]
    fn a_blob_git_cannot_read_is_an_error_with_gits_words() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let src = tmp.path().join("src");
        std::fs::create_dir_all(&src).expect("mkdir");
        git(&src, &["init", "-q"]);
        std::fs::write(src.join("a.nix"), "{ }\n").expect("write");
        git(&src, &["add", "-A"]);
        git(&src, &["commit", "-qm", "one"]);
        let rev = git(&src, &["rev-parse", "HEAD"]).trim().to_string();
        let blob = git(&src, &["rev-parse", "HEAD:a.nix"]).trim().to_string();
        let url = format!("file://{}", src.display());
        let repo = tmp.path().join("repo");
        git_export(&url, &rev, None, &repo, &tmp.path().join("one")).expect("first export");
        assert_eq!(
            std::fs::read_to_string(tmp.path().join("one/a.nix")).expect("exported"),
            "{ }\n"
        );
        // The fetched blob, loose in the export's repository, made
        // unreadable: the next export of the same revision reads it.
        let loose = repo.join("objects").join(&blob[..2]).join(&blob[2..]);
        if !loose.exists() {
            // git keeps a fetch this small as loose objects unless its
            // configuration (`fetch.unpackLimit`) says otherwise.
            eprintln!("skipped: this git configuration keeps fetched objects packed");
            return;
        }
        let mut perms = std::fs::metadata(&loose).expect("stat").permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o644);
        std::fs::set_permissions(&loose, perms).expect("chmod");
        std::fs::write(&loose, b"not a zlib stream").expect("corrupt");
        let err = git_export(&url, &rev, None, &repo, &tmp.path().join("two"))
            .expect_err("a corrupt blob is an error");
        let msg = err.to_string();
        // git answers `OID missing` on its output and says why on its
        // stderr: both are in the error.
        let said = msg
            .split_once(&format!(
                "git cat-file ({url}): unexpected '{blob} missing': "
            ))
            .map(|(_, said)| said.trim())
            .unwrap_or_default();
        assert!(!said.is_empty(), "{msg}");
    }
}
