//! The flake inputs an evaluation reaches: nixplan's Nix asks for each one
//! when it first uses it (`builtins.__nixplanHost "input"`), and says when
//! it had to use a stand-in or empty modules instead (`"degraded"`). The
//! log of both is what the plan shows of its inputs.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::Path;
use std::rc::Rc;

use nixplan_eval::Host;
use nixplan_flake::{Origin, Resolver};
use serde::Serialize;
use serde_json::{json, Value};

/// The repositories nixplan has a stand-in for (`standIns` in
/// `nix/nixplan.nix`; a test checks they agree).
pub const STAND_INS: &[&str] = &[
    "agenix",
    "colmena",
    "disko",
    "home-manager",
    "impermanence",
    "nixos-hardware",
    "nixpkgs",
    "sops-nix",
];

/// How an input served the evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Used {
    /// Its real source was evaluated.
    Real,
    /// Unavailable: nixplan's stand-in for it was evaluated instead.
    StandIn,
    /// Unavailable: the modules taken from it were empty.
    EmptyModules,
    /// A nixpkgs that is only its lib: the real lib, with nixplan's NixOS
    /// declarations for `lib.nixosSystem` and stand-in packages.
    LibOnly,
    /// Unavailable and reached (an error if anything of it was needed).
    Unavailable,
}

impl Used {
    pub fn word(self) -> &'static str {
        match self {
            Used::Real => "real",
            Used::StandIn => "stand-in",
            Used::EmptyModules => "empty modules",
            Used::LibOnly => "lib only",
            Used::Unavailable => "unavailable",
        }
    }
}

/// One input the evaluation reached.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct InputUse {
    /// `nixpkgs`, `home-manager/nixpkgs`: as `--override-input` names it.
    pub path: String,
    /// The locked reference (`github:OWNER/REPO/REV`), or the override's.
    pub reference: Option<String>,
    pub nar_hash: Option<String>,
    /// Where its source came from (override, path, store, cache, fetched,
    /// unavailable).
    pub origin: String,
    pub used: Used,
    pub reason: Option<String>,
    /// Where its source is on this machine.
    pub local: Option<String>,
}

pub type InputLog = Rc<RefCell<BTreeMap<String, InputUse>>>;

/// Answers the evaluation's input requests from a [`Resolver`].
pub struct InputHost {
    resolver: Resolver,
    /// Lock node → the first input path reaching it.
    labels: BTreeMap<String, String>,
    strict: bool,
    pub log: InputLog,
}

impl InputHost {
    /// `strict`: an input that is unavailable and used anyway (a stand-in,
    /// empty modules) is an error (`--strict-inputs`).
    pub fn new(resolver: Resolver, strict: bool) -> InputHost {
        let labels = resolver
            .lock
            .as_ref()
            .map(|l| l.reached().into_iter().map(|r| (r.key, r.path)).collect())
            .unwrap_or_default();
        InputHost {
            resolver,
            labels,
            strict,
            log: InputLog::default(),
        }
    }

    fn input(&mut self, args: &Value) -> Result<Value, String> {
        let node = args.get("node").and_then(Value::as_str);
        let label = match node {
            Some(n) => self.labels.get(n).cloned().unwrap_or_else(|| n.to_string()),
            None => args
                .get("path")
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_string(),
        };
        let base = args.get("base").and_then(Value::as_str).unwrap_or("/");
        let r = match self.resolver.input(node, &label, Path::new(base)) {
            Ok(r) => r,
            // Said at the input's declaration in flake.nix by the Nix side.
            Err(e @ nixplan_flake::Error::NotLocked(_)) => {
                return Ok(json!({ "error": e.to_string() }))
            }
            Err(e) => return Err(e.to_string()),
        };
        let l = r.locked.as_ref();
        self.log.borrow_mut().insert(
            label.clone(),
            InputUse {
                path: label.clone(),
                reference: l.map(|l| l.reference()),
                nar_hash: l.and_then(|l| l.nar_hash).map(|h| h.sri()),
                origin: r.origin.word().to_string(),
                used: if r.origin == Origin::Unavailable {
                    Used::Unavailable
                } else {
                    Used::Real
                },
                reason: r.reason.clone(),
                local: r.path.as_ref().map(|p| p.display().to_string()),
            },
        );
        let mut j = r.to_json();
        j["label"] = json!(label);
        Ok(j)
    }

    fn degraded(&mut self, args: &Value) -> Result<Value, String> {
        let path = args
            .get("path")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_string();
        let used = match args.get("used").and_then(Value::as_str) {
            Some("stand-in") => Used::StandIn,
            Some("lib-only") => Used::LibOnly,
            _ => Used::EmptyModules,
        };
        let reason = args
            .get("reason")
            .and_then(Value::as_str)
            .unwrap_or("unavailable");
        if self.strict {
            return Err(match used {
                Used::LibOnly => format!(
                    "the flake input '{path}' is only nixpkgs' lib (no nixos/), and --strict-inputs forbids nixplan's NixOS declarations in place of NixOS"
                ),
                _ => format!(
                    "the flake input '{path}' is unavailable ({reason}) and --strict-inputs forbids using {} for it",
                    if used == Used::StandIn { "nixplan's stand-in" } else { "empty modules" }
                ),
            });
        }
        if let Some(u) = self.log.borrow_mut().get_mut(&path) {
            u.used = used;
        }
        Ok(json!(true))
    }
}

impl InputHost {
    /// `builtins.fetchTree { type; ...; narHash; }`: the source, found or
    /// fetched and checked; without a narHash nothing is fetched (the
    /// result could not be checked).
    fn fetch_tree(&mut self, args: &Value) -> Result<Value, String> {
        let Some(map) = args.as_object() else {
            return Err("fetchTree: expected an attribute set of a locked reference".into());
        };
        let locked =
            nixplan_flake::Locked::from_json(map).map_err(|m| format!("fetchTree: {m}"))?;
        if locked.nar_hash.is_none()
            && !matches!(locked.kind, nixplan_flake::source::Kind::Path { .. })
        {
            return Err(format!(
                "fetchTree {}: nixplan fetches only sources with a narHash (it checks what it fetched against it); pin it as a flake input, or use --eval nix",
                locked.reference()
            ));
        }
        let label = locked.reference();
        let r = self
            .resolver
            .locked(&locked, &label)
            .map_err(|e| e.to_string())?;
        match &r.path {
            Some(p) => {
                let mut j = r.to_json();
                j["outPath"] = json!(p.display().to_string());
                Ok(j)
            }
            None => Err(format!(
                "fetchTree {label}: unavailable ({})",
                r.reason.as_deref().unwrap_or("not found")
            )),
        }
    }
}

impl InputHost {
    /// `builtins.fetchurl { url; sha256; name; }` (sha256 in hex): the
    /// file, from the store, the cache, or fetched and checked.
    fn fetch_url(&mut self, args: &Value) -> Result<Value, String> {
        let text = |k: &str| args.get(k).and_then(Value::as_str).unwrap_or("");
        let (url, hex, name) = (text("url"), text("sha256"), text("name"));
        let mut sha = [0u8; 32];
        if hex.len() != 64
            || (0..32).any(|i| match u8::from_str_radix(&hex[2 * i..2 * i + 2], 16) {
                Ok(b) => {
                    sha[i] = b;
                    false
                }
                Err(_) => true,
            })
        {
            return Err(format!("fetchurl {url}: invalid sha256 '{hex}'"));
        }
        let r = self
            .resolver
            .file(url, &sha, name)
            .map_err(|e| format!("fetchurl {e}"))?;
        let path = r.path.as_ref().map(|p| p.display().to_string());
        Ok(json!({ "outPath": path, "origin": r.origin.word() }))
    }
}

impl Host for InputHost {
    fn call(&mut self, request: &str, args: Value) -> Result<Value, String> {
        match request {
            "fetchurl" => self.fetch_url(&args),
            "input" => self.input(&args),
            "degraded" => self.degraded(&args),
            "fetchTree" => self.fetch_tree(&args),
            "overrides" => Ok(json!(self.resolver.override_names())),
            other => Err(format!("unknown host request '{other}'")),
        }
    }
}

/// The warnings a reviewer must see: each input that was not itself.
pub fn warnings(uses: &[InputUse]) -> Vec<String> {
    uses.iter()
        .filter(|u| u.used != Used::Real)
        .map(|u| {
            let why = u.reason.as_deref().unwrap_or("unavailable");
            match u.used {
                Used::StandIn => format!(
                    "the flake input '{}' is unavailable ({why}): nixplan's stand-in was evaluated in its place, so what the plan shows of it is nixplan's reading, not the input's",
                    u.path
                ),
                Used::EmptyModules => format!(
                    "the flake input '{}' is unavailable ({why}): the modules taken from it were empty, and the options they would declare were accepted unchecked",
                    u.path
                ),
                Used::LibOnly => format!(
                    "the flake input '{}' is only nixpkgs' lib (no nixos/): its real lib evaluated nixplan's own NixOS declarations, with stand-in packages",
                    u.path
                ),
                _ => format!("the flake input '{}' is unavailable ({why})", u.path),
            }
        })
        .collect()
}
