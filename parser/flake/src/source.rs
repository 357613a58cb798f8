//! A locked source: where nix fetched it from (the `locked` attribute of a
//! lock node, or a `--override-input` reference), and what it must hash to.

use serde_json::{Map, Value};

use crate::nar::NarHash;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// `github`, `gitlab`, `sourcehut`: a tarball of one revision.
    Forge {
        forge: Forge,
        owner: String,
        repo: String,
        rev: String,
        host: Option<String>,
    },
    Git {
        url: String,
        rev: String,
        git_ref: Option<String>,
        submodules: bool,
    },
    /// An archive unpacked (one top directory is stripped, as nix does).
    Tarball {
        url: String,
    },
    /// A single file.
    File {
        url: String,
    },
    Path {
        path: String,
    },
    /// Locked kinds nixplan does not fetch (`hg`, `indirect`): named.
    Other {
        kind: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forge {
    Github,
    Gitlab,
    Sourcehut,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locked {
    pub kind: Kind,
    pub nar_hash: Option<NarHash>,
    /// The flake's subdirectory inside the source (`?dir=`).
    pub dir: Option<String>,
    pub last_modified: Option<i64>,
    pub rev_count: Option<i64>,
}

fn text(o: &Map<String, Value>, k: &str) -> Option<String> {
    o.get(k).and_then(Value::as_str).map(str::to_string)
}

impl Locked {
    pub fn from_json(o: &Map<String, Value>) -> Result<Locked, String> {
        let ty = text(o, "type").ok_or("the locked reference has no `type`")?;
        let need =
            |k: &str| text(o, k).ok_or_else(|| format!("a locked `{ty}` reference has no `{k}`"));
        let forge = |forge| -> Result<Kind, String> {
            Ok(Kind::Forge {
                forge,
                owner: need("owner")?,
                repo: need("repo")?,
                rev: need("rev")?,
                host: text(o, "host"),
            })
        };
        let kind = match ty.as_str() {
            "github" => forge(Forge::Github)?,
            "gitlab" => forge(Forge::Gitlab)?,
            "sourcehut" => forge(Forge::Sourcehut)?,
            "git" => Kind::Git {
                url: need("url")?,
                rev: need("rev")?,
                git_ref: text(o, "ref"),
                submodules: o
                    .get("submodules")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            },
            "tarball" => Kind::Tarball { url: need("url")? },
            "file" => Kind::File { url: need("url")? },
            "path" => Kind::Path {
                path: need("path")?,
            },
            other => Kind::Other {
                kind: other.to_string(),
            },
        };
        let nar_hash = match text(o, "narHash") {
            Some(h) => Some(
                NarHash::parse(&h)
                    .ok_or_else(|| format!("`narHash` '{h}' is not a sha256 hash"))?,
            ),
            None => None,
        };
        Ok(Locked {
            kind,
            nar_hash,
            dir: text(o, "dir"),
            last_modified: o.get("lastModified").and_then(Value::as_i64),
            rev_count: o.get("revCount").and_then(Value::as_i64),
        })
    }

    /// A flake reference as people write one (`--override-input`): a
    /// directory, `path:DIR`, `github:OWNER/REPO/REV`, `git+URL?rev=REV`,
    /// or a tarball URL. Relative directories are taken from `cwd`.
    pub fn from_flakeref(s: &str, cwd: &std::path::Path) -> Result<Locked, String> {
        let plain = |kind| Locked {
            kind,
            nar_hash: None,
            dir: None,
            last_modified: None,
            rev_count: None,
        };
        let (body, query) = s.split_once('?').unwrap_or((s, ""));
        let param = |k: &str| {
            query.split('&').find_map(|kv| {
                kv.strip_prefix(k)
                    .and_then(|r| r.strip_prefix('='))
                    .map(str::to_string)
            })
        };
        let mut locked = if let Some(rest) = ["github:", "gitlab:", "sourcehut:"]
            .iter()
            .find_map(|p| body.strip_prefix(p).map(|r| (*p, r)))
        {
            let forge = match rest.0 {
                "github:" => Forge::Github,
                "gitlab:" => Forge::Gitlab,
                _ => Forge::Sourcehut,
            };
            let parts: Vec<&str> = rest.1.split('/').collect();
            let [owner, repo, rev] = parts[..] else {
                return Err(format!(
                    "'{s}': name the revision ({}OWNER/REPO/REV): nixplan fetches only locked sources",
                    rest.0
                ));
            };
            plain(Kind::Forge {
                forge,
                owner: owner.into(),
                repo: repo.into(),
                rev: rev.into(),
                host: param("host"),
            })
        } else if let Some(url) = body.strip_prefix("git+") {
            let rev = param("rev").ok_or_else(|| format!("'{s}': name the revision (?rev=...)"))?;
            plain(Kind::Git {
                url: url.into(),
                rev,
                git_ref: param("ref"),
                submodules: param("submodules").as_deref() == Some("1"),
            })
        } else if body.starts_with("http://") || body.starts_with("https://") {
            plain(Kind::Tarball { url: s.to_string() })
        } else if let Some(url) = body.strip_prefix("tarball+") {
            plain(Kind::Tarball { url: url.into() })
        } else if let Some(url) = body.strip_prefix("file+") {
            plain(Kind::File { url: url.into() })
        } else {
            let p = body.strip_prefix("path:").unwrap_or(body);
            if p.contains(':') && !body.starts_with("path:") {
                return Err(format!("'{s}' is not a flake reference nixplan reads (a directory, path:, github:, gitlab:, sourcehut:, git+, or an http(s) tarball URL)"));
            }
            // Absolute, `.` and `..` taken away by name, as nix makes a
            // path flake reference (no symbolic link is followed).
            let mut clean = std::path::PathBuf::new();
            for c in cwd.join(p).components() {
                match c {
                    std::path::Component::CurDir => {}
                    std::path::Component::ParentDir => {
                        clean.pop();
                    }
                    c => clean.push(c),
                }
            }
            plain(Kind::Path {
                path: clean.display().to_string(),
            })
        };
        if !matches!(locked.kind, Kind::Tarball { .. }) {
            locked.dir = param("dir");
        }
        if let Some(h) = param("narHash") {
            locked.nar_hash = Some(
                NarHash::parse(&h)
                    .ok_or_else(|| format!("'{s}': narHash '{h}' is not a sha256 hash"))?,
            );
        }
        Ok(locked)
    }

    /// A repository as `--override-source` names it, any revision:
    /// `github:OWNER/REPO` (also gitlab:, sourcehut:; `?host=`), or the
    /// URL of a git repository (`git+https://…`) or of a tarball.
    pub fn repository(s: &str) -> Result<Locked, String> {
        let (body, query) = s.split_once('?').unwrap_or((s, ""));
        let forge = ["github:", "gitlab:", "sourcehut:"]
            .iter()
            .find_map(|p| body.strip_prefix(p).map(|r| (*p, r)));
        if let Some((prefix, rest)) = forge {
            let [owner, repo] = rest.split('/').collect::<Vec<_>>()[..] else {
                return Err(format!(
                    "'{s}': name a repository as {prefix}OWNER/REPO (any revision of it is meant)"
                ));
            };
            let with_rev = format!("{prefix}{owner}/{repo}/-?{query}");
            return Locked::from_flakeref(&with_rev, std::path::Path::new("/"));
        }
        if body.starts_with("git+") || body.starts_with("http://") || body.starts_with("https://") {
            let url = body.strip_prefix("git+").unwrap_or(body);
            return Ok(Locked {
                kind: Kind::Git {
                    url: url.to_string(),
                    rev: String::new(),
                    git_ref: None,
                    submodules: false,
                },
                nar_hash: None,
                dir: None,
                last_modified: None,
                rev_count: None,
            });
        }
        Err(format!(
            "'{s}' is not a repository (github:OWNER/REPO, gitlab:OWNER/REPO, sourcehut:~OWNER/REPO, or a git or tarball URL)"
        ))
    }

    /// Whether this locked source is of the repository `pattern` names
    /// ([`Locked::repository`]): the same forge, host, owner and name
    /// (case-insensitively, as the forges compare them), or the same URL
    /// without its query (a git or tarball source).
    pub fn of_repository(&self, pattern: &Locked) -> bool {
        let bare = |u: &str| {
            let u = u.split('?').next().unwrap_or(u);
            u.trim_end_matches('/').trim_end_matches(".git").to_string()
        };
        match (&self.kind, &pattern.kind) {
            (
                Kind::Forge {
                    forge: f,
                    owner: o,
                    repo: r,
                    host: h,
                    ..
                },
                Kind::Forge {
                    forge: pf,
                    owner: po,
                    repo: pr,
                    host: ph,
                    ..
                },
            ) => {
                f == pf
                    && o.eq_ignore_ascii_case(po)
                    && r.eq_ignore_ascii_case(pr)
                    && h.as_deref().map(str::to_ascii_lowercase)
                        == ph.as_deref().map(str::to_ascii_lowercase)
            }
            (
                Kind::Git { url, .. } | Kind::Tarball { url } | Kind::File { url },
                Kind::Git { url: p, .. },
            ) => bare(url) == bare(p),
            _ => false,
        }
    }

    /// The URL a tarball of this source is fetched from.
    pub fn url(&self) -> Option<String> {
        match &self.kind {
            Kind::Forge { forge, owner, repo, rev, host } => Some(match forge {
                Forge::Github => format!("https://{}/{owner}/{repo}/archive/{rev}.tar.gz", host.as_deref().unwrap_or("github.com")),
                Forge::Gitlab => format!(
                    "https://{}/api/v4/projects/{owner}%2F{repo}/repository/archive.tar.gz?sha={rev}",
                    host.as_deref().unwrap_or("gitlab.com")
                ),
                Forge::Sourcehut => format!("https://{}/{owner}/{repo}/archive/{rev}.tar.gz", host.as_deref().unwrap_or("git.sr.ht")),
            }),
            Kind::Git { url, .. } | Kind::Tarball { url } | Kind::File { url } => Some(url.clone()),
            Kind::Path { .. } | Kind::Other { .. } => None,
        }
    }

    /// Whether this reference names one revision for good (a forge or git
    /// reference with a full commit hash): its contents cannot change.
    pub fn names_one_revision(&self) -> bool {
        // With submodules the reference does not say all that is fetched.
        !matches!(
            self.kind,
            Kind::Git {
                submodules: true,
                ..
            }
        ) && self
            .rev()
            .is_some_and(|r| r.len() == 40 && r.chars().all(|c| c.is_ascii_hexdigit()))
    }

    pub fn rev(&self) -> Option<&str> {
        match &self.kind {
            Kind::Forge { rev, .. } | Kind::Git { rev, .. } => Some(rev),
            _ => None,
        }
    }

    /// `github:NixOS/nixpkgs/REV`, `git+URL?rev=REV`, `path:DIR`...
    pub fn reference(&self) -> String {
        let mut s = match &self.kind {
            Kind::Forge {
                forge,
                owner,
                repo,
                rev,
                host,
            } => {
                let f = match forge {
                    Forge::Github => "github",
                    Forge::Gitlab => "gitlab",
                    Forge::Sourcehut => "sourcehut",
                };
                let h = host
                    .as_ref()
                    .map(|h| format!("?host={h}"))
                    .unwrap_or_default();
                format!("{f}:{owner}/{repo}/{rev}{h}")
            }
            Kind::Git {
                url, rev, git_ref, ..
            } => match git_ref {
                Some(r) => format!("git+{url}?ref={r}&rev={rev}"),
                None => format!("git+{url}?rev={rev}"),
            },
            Kind::Tarball { url } => url.clone(),
            Kind::File { url } => format!("file+{url}"),
            Kind::Path { path } => format!("path:{path}"),
            Kind::Other { kind } => format!("{kind}:"),
        };
        if let Some(d) = &self.dir {
            s.push(if s.contains('?') { '&' } else { '?' });
            s.push_str("dir=");
            s.push_str(d);
        }
        s
    }

    pub fn type_name(&self) -> &str {
        match &self.kind {
            Kind::Forge {
                forge: Forge::Github,
                ..
            } => "github",
            Kind::Forge {
                forge: Forge::Gitlab,
                ..
            } => "gitlab",
            Kind::Forge {
                forge: Forge::Sourcehut,
                ..
            } => "sourcehut",
            Kind::Git { .. } => "git",
            Kind::Tarball { .. } => "tarball",
            Kind::File { .. } => "file",
            Kind::Path { .. } => "path",
            Kind::Other { kind } => kind,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repository_matches_every_revision_of_it_and_nothing_else() {
        let cwd = std::path::Path::new("/");
        let disko = Locked::repository("github:nix-community/disko").unwrap();
        let at = |r: &str| Locked::from_flakeref(r, cwd).unwrap();
        assert!(at("github:nix-community/disko/abc").of_repository(&disko));
        assert!(at("github:Nix-Community/Disko/latest").of_repository(&disko));
        assert!(!at("github:nix-community/disko-extra/abc").of_repository(&disko));
        assert!(!at("gitlab:nix-community/disko/abc").of_repository(&disko));
        assert!(!at("github:nix-community/disko/abc?host=example.org").of_repository(&disko));
        assert!(!at("path:/src/disko").of_repository(&disko));
        let git = Locked::repository("git+https://example.org/a/b.git").unwrap();
        assert!(at("git+https://example.org/a/b?rev=1234").of_repository(&git));
        assert!(at("https://example.org/a/b.git").of_repository(&git));
        assert!(!at("git+https://example.org/a/c?rev=1234").of_repository(&git));
        for bad in [
            "github:nix-community",
            "github:a/b/c",
            "nix-community/disko",
            "path:/x",
        ] {
            assert!(Locked::repository(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn flakerefs() {
        let cwd = std::path::Path::new("/w");
        let l = Locked::from_flakeref("github:nix-community/disko/878ec37", cwd).unwrap();
        assert_eq!(
            l.url().unwrap(),
            "https://github.com/nix-community/disko/archive/878ec37.tar.gz"
        );
        assert_eq!(l.reference(), "github:nix-community/disko/878ec37");
        assert!(Locked::from_flakeref("github:nix-community/disko", cwd)
            .unwrap_err()
            .contains("name the revision"));
        let p = Locked::from_flakeref("../upstream/disko", cwd).unwrap();
        assert_eq!(
            p.kind,
            Kind::Path {
                path: "/upstream/disko".into()
            }
        );
        let g =
            Locked::from_flakeref("git+https://e.org/r.git?ref=main&rev=abc&dir=sub", cwd).unwrap();
        assert_eq!(g.dir.as_deref(), Some("sub"));
        assert_eq!(
            g.reference(),
            "git+https://e.org/r.git?ref=main&rev=abc&dir=sub"
        );
        assert!(Locked::from_flakeref("hg+https://x", cwd).is_err());
    }
}
