//! Flake inputs fetched for real: a test HTTP server on 127.0.0.1 serves
//! tarballs as GitHub would (nixplan reaches it through
//! `NIXPLAN_URL_REWRITE`, the same HTTP code path as github.com), a local
//! git repository serves a `git` input. The narHash each lock gives is what
//! Debian's nix computes (`nix hash path`), never nixplan's own. Checked:
//! fetched, verified, cached (and used from the cache offline), a wrong
//! narHash refused with nothing kept, an interrupted download leaving no
//! cache entry, an unavailable input degrading to empty modules and
//! stand-in packages (an error with --strict-inputs), and a missing lock
//! entry said at flake.nix.

mod common;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use common::nixplan_env;

/// How the server answers one path.
#[derive(Clone)]
enum Serve {
    Whole(Vec<u8>),
    /// Promise the whole length, send only the first half.
    Cut(Vec<u8>),
}

/// A test HTTP server: one thread, one request per connection (closed
/// after each answer, so a cut body ends in EOF, as a dropped connection).
struct Server {
    base: String,
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
    hits: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start(routes: BTreeMap<String, Serve>) -> Server {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        listener.set_nonblocking(true).unwrap();
        let hits = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (h, st) = (hits.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !st.load(std::sync::atomic::Ordering::Relaxed) {
                let Ok((conn, _)) = listener.accept() else {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    continue;
                };
                conn.set_nonblocking(false).unwrap();
                let mut r = BufReader::new(conn.try_clone().unwrap());
                let mut line = String::new();
                r.read_line(&mut line).unwrap();
                let url = line.split(' ').nth(1).unwrap_or("").to_string();
                loop {
                    let mut header = String::new();
                    if r.read_line(&mut header).unwrap_or(0) <= 2 {
                        break;
                    }
                }
                h.lock().unwrap().push(url.clone());
                let mut w = conn;
                let (status, body, len) = match routes.get(&url) {
                    Some(Serve::Whole(b)) => ("200 OK", b.clone(), b.len()),
                    Some(Serve::Cut(b)) => ("200 OK", b[..b.len() / 2].to_vec(), b.len()),
                    None => ("404 Not Found", Vec::new(), 0),
                };
                let _ = write!(
                    w,
                    "HTTP/1.1 {status}\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"
                );
                let _ = w.write_all(&body);
            }
        });
        Server {
            base,
            stop,
            thread: Some(thread),
            hits,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// `nix hash path DIR`: the oracle for every narHash here.
fn nix_hash(dir: &Path) -> String {
    let out = Command::new("nix")
        .args([
            "--extra-experimental-features",
            "nix-command",
            "hash",
            "path",
        ])
        .arg(dir)
        .output()
        .unwrap();
    let h = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(h.starts_with("sha256-"), "{h}");
    h
}

/// A .tar.gz of `dir` under one top directory, as GitHub makes them.
fn tarball(dir: &Path, top: &str) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut t = tar::Builder::new(gz);
    t.append_dir_all(top, dir).unwrap();
    t.into_inner().unwrap().finish().unwrap()
}

fn fresh(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("inputs-fetch")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The input's source: a flake of modules that set the host name.
fn hardening_source(root: &Path) -> PathBuf {
    let src = root.join("hardening-src");
    std::fs::create_dir_all(src.join("modules")).unwrap();
    std::fs::write(
        src.join("flake.nix"),
        "{ outputs = { self }: { nixosModules.hardened = import ./modules/hardened.nix; lib.tag = \"real\"; }; }\n",
    )
    .unwrap();
    std::fs::write(src.join("name"), "from-fetch-tree").unwrap();
    std::fs::write(
        src.join("modules/hardened.nix"),
        "{ lib, ... }: { networking.hostName = lib.mkDefault \"from-the-input\"; }\n",
    )
    .unwrap();
    src
}

/// A flake using `hardening` (locked as `locked`) and the nixpkgs and
/// disko stand-ins (locked to sources nobody serves).
fn user_flake(root: &Path, locked: &str) -> PathBuf {
    let f = root.join("flake");
    std::fs::create_dir_all(&f).unwrap();
    std::fs::write(
        f.join("flake.nix"),
        r#"{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.05";
  inputs.disko.url = "github:nix-community/disko";
  inputs.hardening.url = "github:example/hardening";
  outputs = { self, nixpkgs, disko, hardening }: {
    nixosConfigurations.box = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      modules = [
        disko.nixosModules.disko
        hardening.nixosModules.hardened
        {
          disko.devices.disk.main = {
            device = "/dev/vda";
            content.type = "gpt";
            content.partitions.root = { size = "100%"; content = { type = "filesystem"; format = "ext4"; mountpoint = "/"; }; };
          };
        }
      ];
    };
    # A locked source named in Nix itself (as flake-compat names them).
    nixosConfigurations.fetched = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      modules = [ { networking.hostName = builtins.readFile "${(builtins.fetchTree (builtins.fromJSON (builtins.readFile ./tree.json))).outPath}/name"; } ];
    };
    # The same fetch, before nixpkgs is reached.
    nixosConfigurations.fetchedFirst = builtins.seq (builtins.fetchTree (builtins.fromJSON (builtins.readFile ./tree.json))) (nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      modules = [ ];
    });
    nixosConfigurations.called = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      modules = [ (hardening { }) ];
    };
    nixosConfigurations.tagged = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      modules = [ { networking.hostName = hardening.lib.tag; } ];
    };
    # Its packages and an overlay of it, as data.
    nixosConfigurations.packaged = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      modules = [ { networking.hostName = "${hardening.packages.x86_64-linux.tool.pname}-${builtins.toJSON (hardening.overlays.default { } { })}"; } ];
    };
  };
}
"#,
    )
    .unwrap();
    let stand_in = |owner: &str, repo: &str| {
        format!(
            r#"{{ "locked": {{ "type": "github", "owner": "{owner}", "repo": "{repo}", "rev": "0000000000000000000000000000000000000000", "lastModified": 1700000000, "narHash": "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" }}, "original": {{ "type": "github", "owner": "{owner}", "repo": "{repo}" }} }}"#
        )
    };
    std::fs::write(
        f.join("flake.lock"),
        format!(
            r#"{{ "nodes": {{
  "hardening": {{ "locked": {locked}, "original": {{ "type": "github", "owner": "example", "repo": "hardening" }} }},
  "nixpkgs": {},
  "disko": {},
  "root": {{ "inputs": {{ "hardening": "hardening", "nixpkgs": "nixpkgs", "disko": "disko" }} }}
}}, "root": "root", "version": 7 }}"#,
            stand_in("NixOS", "nixpkgs"),
            stand_in("nix-community", "disko")
        ),
    )
    .unwrap();
    f
}

const REV: &str = "1111111111111111111111111111111111111111";

fn github_locked(nar_hash: &str) -> String {
    format!(
        r#"{{ "type": "github", "owner": "example", "repo": "hardening", "rev": "{REV}", "lastModified": 1750000000, "narHash": "{nar_hash}" }}"#
    )
}

fn entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|r| {
            r.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Neither a source nor a staging directory is left in the cache.
fn nothing_kept(cache: &Path, what: &str) {
    assert!(entries(&cache.join("nixplan/sources")).is_empty(), "{what}");
    assert!(
        entries(&cache.join("nixplan/tmp")).is_empty(),
        "staging left behind"
    );
}

fn input<'a>(rows: &'a serde_json::Value, path: &str) -> &'a serde_json::Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["path"] == path)
        .unwrap_or_else(|| panic!("no input {path}: {rows}"))
}

#[test]
fn fetched_verified_cached_and_used_offline() {
    if common::skip_without_nix("fetched_verified_cached_and_used_offline") {
        return;
    }
    let root = fresh("fetched");
    let src = hardening_source(&root);
    let hash = nix_hash(&src);
    let server = Server::start(BTreeMap::from([(
        format!("/github/example/hardening/archive/{REV}.tar.gz"),
        Serve::Whole(tarball(&src, &format!("hardening-{REV}"))),
    )]));
    let flake = user_flake(&root, &github_locked(&hash));
    let cache = root.join("cache");
    let rewrite = format!("https://github.com/={}/github/", server.base);
    let env = [
        ("XDG_CACHE_HOME", cache.to_str().unwrap()),
        ("NIXPLAN_URL_REWRITE", rewrite.as_str()),
    ];
    let f = flake.to_str().unwrap();

    let (code, out, err) = nixplan_env(&["inputs", f, "--json"], &env, &["NIXPLAN_OFFLINE"]);
    assert_eq!(code, 0, "{err}");
    let rows: serde_json::Value = serde_json::from_str(&out).unwrap();
    let h = input(&rows, "hardening");
    assert_eq!(h["origin"], "fetched", "{rows}");
    assert_eq!(h["narHash"], hash.as_str());
    let local = PathBuf::from(h["local"].as_str().unwrap());
    assert!(
        local.starts_with(cache.join("nixplan/sources")),
        "{local:?}"
    );
    assert!(local.join("modules/hardened.nix").is_file());
    // Nothing at those addresses: unavailable, and nixplan has stand-ins.
    assert_eq!(input(&rows, "nixpkgs")["origin"], "stand-in", "{rows}");
    assert!(
        input(&rows, "disko")["reason"]
            .as_str()
            .unwrap()
            .contains("404"),
        "{rows}"
    );
    assert!(
        entries(&cache.join("nixplan/tmp")).is_empty(),
        "staging left behind"
    );

    // Planned: the input's own module set the host name; the plan names
    // the stand-ins.
    let (code, out, err) = nixplan_env(
        &["config", &format!("{f}#box"), "--json"],
        &env,
        &["NIXPLAN_OFFLINE"],
    );
    assert_eq!(code, 0, "{err}");
    let config: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(config["host_name"]["value"], "from-the-input");
    let used: Vec<(String, String, String)> = config["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["path"].as_str().unwrap().into(),
                u["origin"].as_str().unwrap().into(),
                u["used"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(
        used.contains(&("hardening".into(), "cache".into(), "real".into())),
        "{used:?}"
    );
    assert!(
        used.contains(&("nixpkgs".into(), "unavailable".into(), "stand-in".into())),
        "{used:?}"
    );
    assert!(
        err.contains("the flake input 'nixpkgs' is unavailable"),
        "{err}"
    );
    // The cached input is read at the store path nix gives it (asked of
    // nix from the source's hash), its files where they are.
    std::fs::write(
        flake.join("flake.nix"),
        std::fs::read_to_string(flake.join("flake.nix")).unwrap().replace(
            "    nixosConfigurations.tagged =",
            "    nixosConfigurations.stored = nixpkgs.lib.nixosSystem {\n      system = \"x86_64-linux\";\n      modules = [ { networking.hostName = \"${builtins.baseNameOf \"${hardening}\"}-${builtins.readFile \"${hardening}/name\"}\"; } ];\n    };\n    nixosConfigurations.tagged =",
        ),
    )
    .unwrap();
    let (code, out, err) = nixplan_env(
        &["config", &format!("{f}#stored"), "--json"],
        &env,
        &["NIXPLAN_OFFLINE"],
    );
    assert_eq!(code, 0, "{err}");
    let stored: serde_json::Value = serde_json::from_str(&out).unwrap();
    let base32 = Command::new("nix")
        .args([
            "--extra-experimental-features",
            "nix-command",
            "hash",
            "path",
            "--base32",
        ])
        .arg(&src)
        .output()
        .unwrap();
    let base32 = String::from_utf8(base32.stdout).unwrap().trim().to_string();
    let fixed = Command::new("nix-store")
        .args([
            "--print-fixed-path",
            "--recursive",
            "sha256",
            &base32,
            "source",
        ])
        .output()
        .unwrap();
    let fixed = String::from_utf8(fixed.stdout).unwrap().trim().to_string();
    assert!(fixed.starts_with("/nix/store/"), "{fixed}");
    assert_eq!(
        stored["host_name"]["value"].as_str().unwrap(),
        format!("{}-from-fetch-tree", &fixed["/nix/store/".len()..])
    );
    let (code, plan, err) = nixplan_env(
        &["plan", &format!("{f}#box"), "--format", "json"],
        &env,
        &["NIXPLAN_OFFLINE"],
    );
    assert_eq!(code, 0, "{err}");
    let plan: serde_json::Value = serde_json::from_str(&plan).unwrap();
    let sources: Vec<String> = plan["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            format!(
                "{}={}",
                i["path"].as_str().unwrap(),
                i["source"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        sources,
        ["disko=stand-in", "hardening=locked", "nixpkgs=stand-in"]
    );

    // builtins.fetchTree with a narHash: from the cache, checked.
    std::fs::write(
        flake.join("tree.json"),
        format!(r#"{{ "type": "github", "owner": "example", "repo": "hardening", "rev": "{REV}", "narHash": "{hash}" }}"#),
    )
    .unwrap();
    let (code, out, err) = nixplan_env(
        &["config", &format!("{f}#fetched"), "--offline"],
        &env,
        &["NIXPLAN_OFFLINE"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("from-fetch-tree "), "{out}");

    // The server gone: the cache serves, offline too.
    let served = server.hits.lock().unwrap().len();
    drop(server);
    let (code, out, err) = nixplan_env(
        &["config", &format!("{f}#box"), "--offline"],
        &env,
        &["NIXPLAN_OFFLINE"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("from-the-input "), "{out}");
    assert!(served >= 1);

    // An empty cache and no network: its modules are empty, with a
    // warning; --strict-inputs refuses.
    let empty = root.join("empty-cache");
    let env2 = [("XDG_CACHE_HOME", empty.to_str().unwrap())];
    let (code, out, err) = nixplan_env(&["config", &format!("{f}#box"), "--offline"], &env2, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("from-the-input"), "{out}");
    assert!(
        err.contains("the flake input 'hardening' is unavailable") && err.contains("empty"),
        "{err}"
    );
    let (code, _, err) = nixplan_env(
        &[
            "config",
            &format!("{f}#box"),
            "--offline",
            "--strict-inputs",
        ],
        &env2,
        &[],
    );
    assert_eq!(code, 1);
    assert!(err.contains("--strict-inputs"), "{err}");
    // Reaching more than its modules is an error naming the remedies.
    let (code, _, err) = nixplan_env(&["config", &format!("{f}#tagged"), "--offline"], &env2, &[]);
    assert_eq!(code, 1);
    assert!(
        err.contains("the flake input 'hardening' is unavailable")
            && err.contains("so 'lib' of it cannot be used")
            && err.contains("--override-input hardening PATH"),
        "{err}"
    );
    // Its packages and overlays: stand-in packages, overlays that change
    // nothing, with a warning; --strict-inputs refuses.
    let (code, out, err) = nixplan_env(
        &["config", &format!("{f}#packaged"), "--offline"],
        &env2,
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("tool-{} "), "{out}");
    assert!(
        err.contains("the flake input 'hardening' is unavailable")
            && err.contains("its packages were opaque stand-ins and its overlays changed nothing"),
        "{err}"
    );
    let (code, _, err) = nixplan_env(
        &[
            "config",
            &format!("{f}#packaged"),
            "--offline",
            "--strict-inputs",
        ],
        &env2,
        &[],
    );
    assert_eq!(code, 1);
    assert!(err.contains("--strict-inputs forbids"), "{err}");
    // fetchTree of a source that is nowhere, offline: its tree is unread,
    // and reading a file of it is an error naming the source and why.
    let (code, _, err) = nixplan_env(
        &["config", &format!("{f}#fetched"), "--offline"],
        &env2,
        &[],
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("it is in the source of 'github:example/hardening/")
            && err.contains("which is unavailable (")
            && err.contains("--offline forbids fetching"),
        "{err}"
    );
    // With --strict-inputs, the fetch itself.
    let (code, _, err) = nixplan_env(
        &[
            "config",
            &format!("{f}#fetchedFirst"),
            "--offline",
            "--strict-inputs",
        ],
        &env2,
        &[],
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("fetchTree github:example/hardening/")
            && err.contains("--strict-inputs forbids"),
        "{err}"
    );
    // Called as a function (a flake whose outputs are a functor), too.
    let (code, _, err) = nixplan_env(&["config", &format!("{f}#called"), "--offline"], &env2, &[]);
    assert_eq!(code, 1);
    assert!(
        err.contains("the flake input 'hardening' is unavailable")
            && err.contains("so it cannot be called"),
        "{err}"
    );
    let (code, out, err) = nixplan_env(
        &[
            "config",
            &format!("{f}#tagged"),
            "--offline",
            "--override-input",
            "hardening",
            src.to_str().unwrap(),
        ],
        &env2,
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("real "), "{out}");
    let (code, _, err) = nixplan_env(
        &[
            "plan",
            &format!("{f}#box"),
            "--offline",
            "--override-input",
            "hardening",
            "/nonexistent",
        ],
        &env2,
        &[],
    );
    assert_eq!(code, 1);
    assert!(err.contains("'/nonexistent' does not exist"), "{err}");
}

#[test]
fn a_wrong_nar_hash_is_refused_and_nothing_is_kept() {
    if common::skip_without_nix("a_wrong_nar_hash_is_refused_and_nothing_is_kept") {
        return;
    }
    let root = fresh("mismatch");
    let src = hardening_source(&root);
    let other = root.join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("flake.nix"), "{ outputs = _: { }; }\n").unwrap();
    let server = Server::start(BTreeMap::from([(
        format!("/github/example/hardening/archive/{REV}.tar.gz"),
        Serve::Whole(tarball(&src, "top")),
    )]));
    let flake = user_flake(&root, &github_locked(&nix_hash(&other)));
    let cache = root.join("cache");
    let rewrite = format!("https://github.com/={}/github/", server.base);
    let env = [
        ("XDG_CACHE_HOME", cache.to_str().unwrap()),
        ("NIXPLAN_URL_REWRITE", rewrite.as_str()),
    ];
    for args in [
        vec!["inputs", flake.to_str().unwrap()],
        vec!["plan", &format!("{}#box", flake.display())],
    ] {
        let (code, _, err) = nixplan_env(
            &args.iter().map(|s| &**s).collect::<Vec<_>>(),
            &env,
            &["NIXPLAN_OFFLINE"],
        );
        assert_eq!(code, 1, "{args:?}: {err}");
        assert!(
            err.contains("does not have the narHash its lock gives")
                && err.contains(&nix_hash(&src)),
            "{err}"
        );
        nothing_kept(&cache, "a mismatching source was kept");
    }
}

/// `nixplan eval`'s `builtins.fetchTarball { url; sha256; }` goes through
/// the same fetcher and cache: fetched and checked against the hash nix
/// computes, then found in the cache with --offline; a wrong hash is
/// refused with nothing kept; no hash, nothing fetched.
#[test]
fn fetch_tarball_in_eval_is_fetched_checked_and_cached() {
    if common::skip_without_nix("fetch_tarball_in_eval_is_fetched_checked_and_cached") {
        return;
    }
    let root = fresh("eval-fetch-tarball");
    let src = hardening_source(&root);
    let hash = nix_hash(&src);
    let server = Server::start(BTreeMap::from([(
        "/archive/hardening.tar.gz".to_string(),
        Serve::Whole(tarball(&src, "hardening-top")),
    )]));
    let cache = root.join("cache");
    let env = [("XDG_CACHE_HOME", cache.to_str().unwrap())];
    let url = format!("{}/archive/hardening.tar.gz", server.base);
    let expr = |h: &str| {
        format!("builtins.readFile (builtins.fetchTarball {{ url = \"{url}\"; sha256 = \"{h}\"; }} + \"/name\")")
    };
    let (code, out, err) = nixplan_env(&["eval", "-E", &expr(&hash)], &env, &["NIXPLAN_OFFLINE"]);
    assert_eq!((code, out.trim()), (0, "\"from-fetch-tree\""), "{err}");
    assert_eq!(server.hits.lock().unwrap().len(), 1);
    // From the cache: offline, and the server is not asked again.
    let (code, out, err) = nixplan_env(&["eval", "--offline", "-E", &expr(&hash)], &env, &[]);
    assert_eq!((code, out.trim()), (0, "\"from-fetch-tree\""), "{err}");
    assert_eq!(server.hits.lock().unwrap().len(), 1);
    // A hash the tree does not have: refused, nothing kept.
    let other_cache = root.join("other-cache");
    let wrong = nix_hash(&src.join("modules"));
    let (code, _, err) = nixplan_env(
        &["eval", "-E", &expr(&wrong)],
        &[("XDG_CACHE_HOME", other_cache.to_str().unwrap())],
        &["NIXPLAN_OFFLINE"],
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&hash),
        "the error names the hash it got: {err}"
    );
    nothing_kept(&other_cache, "a mismatching tarball was kept");
    // No hash: nothing fetched.
    let (code, _, err) = nixplan_env(
        &["eval", "-E", &format!("builtins.fetchTarball \"{url}\"")],
        &env,
        &["NIXPLAN_OFFLINE"],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("fetches only what it can check"), "{err}");
    assert_eq!(
        server.hits.lock().unwrap().len(),
        2,
        "only the wrong-hash run fetched"
    );
}

/// `nix hash file FILE` (flat sha256, SRI), and the same in nix's base32.
fn nix_hash_file(file: &Path) -> (String, String) {
    let run = |extra: &[&str]| {
        let out = Command::new("nix")
            .args([
                "--extra-experimental-features",
                "nix-command",
                "hash",
                "file",
            ])
            .args(extra)
            .arg(file)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    (run(&[]), run(&["--base32"]))
}

/// `builtins.fetchurl { url; sha256; }` in `nixplan eval`: fetched over
/// HTTP and checked against the file's sha256 as nix computes it, kept in
/// the cache (offline afterwards, the server not asked again), a wrong
/// hash refused with nothing kept, no hash nothing fetched, and a file nix
/// itself put in the store found there at the path nix gave it.
#[test]
fn fetchurl_in_eval_is_fetched_checked_cached_and_found_in_the_store() {
    if common::skip_without_nix("fetchurl_in_eval_is_fetched_checked_cached_and_found_in_the_store")
    {
        return;
    }
    let root = fresh("eval-fetchurl");
    let body = format!(
        "a file fetched by url, made at {:?}\n",
        std::time::SystemTime::now()
    );
    let file = root.join("keys.txt");
    std::fs::write(&file, &body).unwrap();
    let (sri, base32) = nix_hash_file(&file);
    assert!(sri.starts_with("sha256-"), "{sri}");
    let server = Server::start(BTreeMap::from([(
        "/files/keys.txt".to_string(),
        Serve::Whole(body.clone().into_bytes()),
    )]));
    let cache = root.join("cache");
    let env = [("XDG_CACHE_HOME", cache.to_str().unwrap())];
    let url = format!("{}/files/keys.txt", server.base);
    let expr = |h: &str| {
        format!("builtins.readFile (builtins.fetchurl {{ url = \"{url}\"; sha256 = \"{h}\"; }})")
    };
    let want = serde_json::to_string(&body).unwrap();
    let (code, out, err) = nixplan_env(&["eval", "-E", &expr(&base32)], &env, &["NIXPLAN_OFFLINE"]);
    assert_eq!((code, out.trim()), (0, want.as_str()), "{err}");
    assert_eq!(server.hits.lock().unwrap().len(), 1);
    // From the cache, offline, by its SRI `hash` this time.
    let (code, out, err) = nixplan_env(
        &[
            "eval",
            "--offline",
            "-E",
            &format!(
                "builtins.readFile (builtins.fetchurl {{ url = \"{url}\"; hash = \"{sri}\"; }})"
            ),
        ],
        &env,
        &[],
    );
    assert_eq!((code, out.trim()), (0, want.as_str()), "{err}");
    assert_eq!(server.hits.lock().unwrap().len(), 1);
    // Offline, not cached: an error, nothing fetched.
    let empty = root.join("empty-cache");
    let (code, _, err) = nixplan_env(
        &["eval", "--offline", "-E", &expr(&base32)],
        &[("XDG_CACHE_HOME", empty.to_str().unwrap())],
        &[],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("--offline forbids fetching"), "{err}");
    assert_eq!(server.hits.lock().unwrap().len(), 1);
    // A wrong hash: refused, the hash it got said, nothing kept.
    let other = root.join("other-cache");
    let (wrong, _) = nix_hash_file(&cache.join("nixplan/files").join(&base32));
    assert_eq!(wrong, sri, "the cache entry is the file itself");
    let bad = "0000000000000000000000000000000000000000000000000000";
    let (code, _, err) = nixplan_env(
        &["eval", "-E", &expr(bad)],
        &[("XDG_CACHE_HOME", other.to_str().unwrap())],
        &["NIXPLAN_OFFLINE"],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(&sri), "the error names the hash it got: {err}");
    nothing_kept(&other, "a mismatching file was kept");
    assert!(
        entries(&other.join("nixplan/files")).is_empty(),
        "a mismatching file was kept"
    );
    // No hash: nothing fetched.
    let (code, _, err) = nixplan_env(
        &["eval", "-E", &format!("builtins.fetchurl \"{url}\"")],
        &env,
        &["NIXPLAN_OFFLINE"],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("fetches only what it can check"), "{err}");
    assert_eq!(server.hits.lock().unwrap().len(), 2);
    // In the store (added by nix as fetchurl would have): found there, at
    // the path nix gives it, without the cache or the network.
    let added = Command::new("nix-store")
        .args(["--add-fixed", "sha256"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let store_path = String::from_utf8(added.stdout).unwrap().trim().to_string();
    let (code, out, err) = nixplan_env(
        &[
            "eval",
            "--offline",
            "-E",
            &format!("builtins.fetchurl {{ url = \"{url}\"; sha256 = \"{base32}\"; }}"),
        ],
        &[("XDG_CACHE_HOME", empty.to_str().unwrap())],
        &[],
    );
    let _ = Command::new("nix-store")
        .arg("--delete")
        .arg(&store_path)
        .output();
    assert_eq!(
        (code, out.trim().trim_matches('"')),
        (0, store_path.as_str()),
        "{err}"
    );
}

/// `builtins.getFlake` in `nixplan eval`: a local flake is loaded with its
/// own lock (its input fetched over HTTP and checked), a locked `github:`
/// reference with a narHash is fetched, kept and then read offline from
/// the cache; `self` carries the lock's facts; an unlocked reference is
/// refused without fetching.
#[test]
fn get_flake_loads_a_flake_with_its_own_lock_through_the_fetcher() {
    if common::skip_without_nix("get_flake_loads_a_flake_with_its_own_lock_through_the_fetcher") {
        return;
    }
    let root = fresh("eval-get-flake");
    let src = hardening_source(&root);
    let hash = nix_hash(&src);
    let server = Server::start(BTreeMap::from([(
        format!("/github/example/hardening/archive/{REV}.tar.gz"),
        Serve::Whole(tarball(&src, "top")),
    )]));
    let flake = user_flake(&root, &github_locked(&hash));
    let cache = root.join("cache");
    let rewrite = format!("https://github.com/={}/github/", server.base);
    let env = [
        ("XDG_CACHE_HOME", cache.to_str().unwrap()),
        ("NIXPLAN_URL_REWRITE", rewrite.as_str()),
    ];
    let expr = format!(
        "let f = builtins.getFlake \"{}\"; in [ f.inputs.hardening.lib.tag f.inputs.hardening.sourceInfo.narHash f.inputs.hardening.rev (builtins.attrNames f.nixosConfigurations) ]",
        flake.display()
    );
    let (code, out, err) = nixplan_env(
        &["eval", "--strict", "-E", &expr],
        &env,
        &["NIXPLAN_OFFLINE"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.trim(),
        format!("[ \"real\" \"{hash}\" \"{REV}\" [ \"box\" \"called\" \"fetched\" \"fetchedFirst\" \"packaged\" \"tagged\" ] ]"),
        "{err}"
    );
    assert_eq!(server.hits.lock().unwrap().len(), 1);
    // A locked reference, by itself: from the cache now, offline.
    let locked = format!("github:example/hardening/{REV}?narHash={hash}");
    let expr = format!(
        "let f = builtins.getFlake \"{locked}\"; in [ f.lib.tag f.narHash f._type (builtins.readFile (f.outPath + \"/name\")) ]"
    );
    let (code, out, err) = nixplan_env(&["eval", "--strict", "--offline", "-E", &expr], &env, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.trim(),
        format!("[ \"real\" \"{hash}\" \"flake\" \"from-fetch-tree\" ]")
    );
    assert_eq!(server.hits.lock().unwrap().len(), 1);
    // Unlocked: refused, nothing asked of the server.
    let (code, _, err) = nixplan_env(
        &[
            "eval",
            "-E",
            &format!("(builtins.getFlake \"github:example/hardening/{REV}\").lib.tag"),
        ],
        &env,
        &["NIXPLAN_OFFLINE"],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("narHash"), "{err}");
    assert_eq!(server.hits.lock().unwrap().len(), 1);
}

#[test]
fn an_interrupted_download_leaves_no_cache_entry() {
    if common::skip_without_nix("an_interrupted_download_leaves_no_cache_entry") {
        return;
    }
    let root = fresh("interrupted");
    let src = hardening_source(&root);
    // Large enough that half of it is not a whole archive.
    std::fs::write(
        src.join("padding"),
        (0..200_000u32)
            .map(|i| (i % 251) as u8)
            .collect::<Vec<u8>>(),
    )
    .unwrap();
    let server = Server::start(BTreeMap::from([(
        format!("/github/example/hardening/archive/{REV}.tar.gz"),
        Serve::Cut(tarball(&src, "top")),
    )]));
    let flake = user_flake(&root, &github_locked(&nix_hash(&src)));
    let cache = root.join("cache");
    let rewrite = format!("https://github.com/={}/github/", server.base);
    let env = [
        ("XDG_CACHE_HOME", cache.to_str().unwrap()),
        ("NIXPLAN_URL_REWRITE", rewrite.as_str()),
    ];
    let (code, out, err) = nixplan_env(
        &["inputs", flake.to_str().unwrap(), "--json"],
        &env,
        &["NIXPLAN_OFFLINE"],
    );
    assert_eq!(code, 0, "{err}");
    let rows: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(input(&rows, "hardening")["origin"], "unavailable", "{rows}");
    nothing_kept(&cache, "a partial source was kept");
}

#[test]
fn a_git_input_is_fetched_at_its_revision() {
    if common::skip_without_nix("a_git_input_is_fetched_at_its_revision") {
        return;
    }
    let root = fresh("git");
    let src = hardening_source(&root);
    std::os::unix::fs::symlink("modules/hardened.nix", src.join("link.nix")).unwrap();
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .arg("-C")
            .arg(&src)
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "one"]);
    let rev = git(&["rev-parse", "HEAD"]).trim().to_string();
    // A later commit: the lock's revision, not the branch head, is fetched.
    std::fs::write(src.join("later.nix"), "{ }\n").unwrap();
    git(&["add", "-A"]);
    git(&["commit", "-qm", "two"]);
    // The tree of `rev`, without .git, as nix hashes a git input.
    let tree = root.join("tree");
    let archive = Command::new("git")
        .arg("-C")
        .arg(&src)
        .args(["archive", "--format=tar", &rev])
        .output()
        .unwrap();
    std::fs::create_dir_all(&tree).unwrap();
    tar::Archive::new(std::io::Cursor::new(archive.stdout))
        .unpack(&tree)
        .unwrap();
    let locked = format!(
        r#"{{ "type": "git", "url": "file://{}", "rev": "{rev}", "lastModified": 1750000000, "narHash": "{}" }}"#,
        src.display(),
        nix_hash(&tree)
    );
    let flake = user_flake(&root, &locked);
    let cache = root.join("cache");
    let env = [("XDG_CACHE_HOME", cache.to_str().unwrap())];
    let (code, out, err) = nixplan_env(
        &["inputs", flake.to_str().unwrap(), "--json"],
        &env,
        &["NIXPLAN_OFFLINE"],
    );
    assert_eq!(code, 0, "{err}");
    let rows: serde_json::Value = serde_json::from_str(&out).unwrap();
    let h = input(&rows, "hardening");
    assert_eq!(h["origin"], "fetched", "{rows}");
    let local = PathBuf::from(h["local"].as_str().unwrap());
    assert!(!local.join("later.nix").exists() && !local.join(".git").exists());
    let mut text = String::new();
    std::fs::File::open(local.join("link.nix"))
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    assert!(text.contains("from-the-input"));
    // `nixplan eval`'s builtins.fetchGit with the commit's rev and
    // narHash: the same fetch, the same checks (here from the cache).
    let fetch = |hash: &str| {
        format!(
            "let s = builtins.fetchGit {{ url = \"file://{}\"; rev = \"{rev}\"; narHash = \"{hash}\"; }}; in [ (builtins.readFile (s.outPath + \"/name\")) (builtins.pathExists (s.outPath + \"/later.nix\")) ]",
            src.display()
        )
    };
    let (code, out, err) = nixplan_env(
        &["eval", "-E", &fetch(&nix_hash(&tree))],
        &env,
        &["NIXPLAN_OFFLINE"],
    );
    assert_eq!(
        (code, out.trim()),
        (0, "[ \"from-fetch-tree\" false ]"),
        "{err}"
    );
    let (code, _, err) = nixplan_env(
        &[
            "eval",
            "-E",
            &format!(
                "builtins.fetchGit {{ url = \"file://{}\"; rev = \"{rev}\"; }}",
                src.display()
            ),
        ],
        &env,
        &["NIXPLAN_OFFLINE"],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("fetches only what it can check"), "{err}");
}

#[test]
fn an_input_without_a_lock_entry_is_said_at_its_declaration() {
    let (code, _, err) = common::nixplan_text(&["config", "tests/config-errors/unknown-input#box"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("the input 'nixpkgs' has no entry in flake.lock: run `nix flake lock`")
            && err.contains("tests/config-errors/unknown-input/flake.nix:3:"),
        "{err}"
    );
}

#[test]
fn the_stand_in_list_is_the_one_nixplan_evaluates() {
    let (code, out, err) = common::nixplan_text(&[
        "eval",
        "--json",
        "-E",
        "builtins.attrNames (import /nixplan/nixplan.nix).standIns",
    ]);
    assert_eq!(code, 0, "{err}");
    let names: Vec<String> = serde_json::from_str(&out).unwrap();
    assert_eq!(names, nixplan_nixos::inputs::STAND_INS);
}

/// A relative `path:` input of an input flake is relative to that flake's
/// directory (the lock names the flake as the node's `parent`), not to the
/// root flake's.
#[test]
fn a_relative_path_input_of_an_input_is_relative_to_its_flake() {
    let root = fresh("nested-relative");
    for (file, text) in [
        (
            "a-src/b/flake.nix",
            "{ outputs = _: { word = \"from-b-inside-a\"; }; }\n",
        ),
        (
            "a-src/flake.nix",
            "{ inputs.b.url = \"path:./b\"; outputs = { self, b }: { word = b.word; }; }\n",
        ),
        (
            "root/flake.nix",
            "{ inputs.a.url = \"path:../a-src\"; outputs = { self, a }: { word = a.word; }; }\n",
        ),
        (
            "root/flake.lock",
            r#"{ "nodes": {
  "a": { "inputs": { "b": "b" }, "locked": { "path": "../a-src", "type": "path" }, "original": { "path": "../a-src", "type": "path" } },
  "b": { "locked": { "path": "./b", "type": "path" }, "original": { "path": "./b", "type": "path" }, "parent": [ "a" ] },
  "root": { "inputs": { "a": "a" } } }, "root": "root", "version": 7 }"#,
        ),
    ] {
        let p = root.join(file);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let expr = format!(
        "(builtins.getFlake \"{}\").word",
        root.join("root").display()
    );
    let (code, out, err) = nixplan_env(&["eval", "-E", &expr], &[], &[]);
    assert_eq!((code, out.trim()), (0, "\"from-b-inside-a\""), "{err}");
}

fn hardening_hits(server: &Server) -> usize {
    let hits = server.hits.lock().unwrap();
    hits.iter().filter(|h| h.contains("/hardening/")).count()
}

/// `--override-input NAME github:OWNER/REPO/REV` (one revision, no
/// narHash): fetched once, its hash remembered in the cache, then found
/// there offline.
#[test]
fn an_override_naming_one_revision_is_fetched_once_then_cached() {
    if common::skip_without_nix("an_override_naming_one_revision_is_fetched_once_then_cached") {
        return;
    }
    let root = fresh("override-cached");
    let src = hardening_source(&root);
    let server = Server::start(BTreeMap::from([(
        format!("/github/example/hardening/archive/{REV}.tar.gz"),
        Serve::Whole(tarball(&src, "top")),
    )]));
    // Locked to a hash nobody serves: only the override can give it.
    let flake = user_flake(
        &root,
        &github_locked("sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
    );
    let cache = root.join("cache");
    let rewrite = format!("https://github.com/={}/github/", server.base);
    let env = [
        ("XDG_CACHE_HOME", cache.to_str().unwrap()),
        ("NIXPLAN_URL_REWRITE", rewrite.as_str()),
    ];
    let over = format!("github:example/hardening/{REV}");
    let target = format!("{}#tagged", flake.display());
    let args = |offline: bool| {
        let mut a = vec![
            "config",
            target.as_str(),
            "--override-input",
            "hardening",
            over.as_str(),
        ];
        if offline {
            a.push("--offline");
        }
        a
    };
    let (code, out, err) = nixplan_env(&args(false), &env, &["NIXPLAN_OFFLINE"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("real "), "{out}");
    assert_eq!(hardening_hits(&server), 1);
    let (code, out, err) = nixplan_env(&args(true), &env, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("real "), "{out}");
    assert_eq!(hardening_hits(&server), 1, "fetched again");
    // The hash it was found to have is the one nix computes.
    let (code, out, err) = nixplan_env(
        &[
            "inputs",
            flake.to_str().unwrap(),
            "--json",
            "--offline",
            "--override-input",
            "hardening",
            &over,
        ],
        &env,
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let rows: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        input(&rows, "hardening")["narHash"],
        nix_hash(&src).as_str(),
        "{rows}"
    );
}
