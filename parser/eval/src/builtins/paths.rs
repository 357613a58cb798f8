//! Paths and the store: imports, reading files and directories, `path`, `toFile`, `derivationStrict`; `fetchTree` is asked of the host (nixplan's input resolver), the other fetchers fail.

use super::*;
use crate::fs::FileType;
use crate::Str;

pub(super) fn p_no_fetch(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    // What would be fetched is evaluated first, as nix does: its error is
    // the one said.
    ev.force(&a[0])?;
    Err(EvalError::new(
        ErrorKind::Unsupported,
        "nixplan evaluates offline and does not fetch: pin this source as a flake input, or use --eval nix",
        Some(s),
    ))
}

/// Ask the host (checked present by the caller) `request` with `args`;
/// its refusal is an error at `s`.
pub(crate) fn ask_host(
    ev: &mut Eval,
    request: &str,
    args: serde_json::Value,
    s: Span,
) -> EvalResult<serde_json::Value> {
    let Some(mut host) = ev.host.take() else {
        return Err(EvalError::new(
            ErrorKind::Unsupported,
            "nixplan evaluates offline and does not fetch here",
            Some(s),
        ));
    };
    // The host reads the machine's files: a path under a store path copied
    // from a source is given as the source's own.
    let mut args = args;
    real_paths(ev, &mut args);
    let answer = host.call(request, args);
    ev.host = Some(host);
    answer.map_err(|m| EvalError::new(ErrorKind::Unsupported, m, Some(s)))
}

/// Every string of `v` that names a path under a copied store path (or
/// is a flake reference to one), the path replaced by the source's.
pub(super) fn real_paths(ev: &Eval, v: &mut serde_json::Value) {
    match v {
        serde_json::Value::String(s) => {
            // A path, or a flake reference to one (`path:/nix/store/...`).
            for scheme in ["", "path:", "git+file://", "file://"] {
                let Some(rest) = s.strip_prefix(scheme) else {
                    continue;
                };
                let (path, query) = rest.split_at(rest.find('?').unwrap_or(rest.len()));
                if let Some(real) = ev.real_path(path) {
                    *s = format!("{scheme}{real}{query}");
                    return;
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(|i| real_paths(ev, i)),
        serde_json::Value::Object(map) => map.values_mut().for_each(|i| real_paths(ev, i)),
        _ => {}
    }
}

/// The `outPath` of a fetcher's answer, as a string.
fn fetched_path(answer: &serde_json::Value, what: &str, s: Span) -> R {
    match answer.get("outPath").and_then(serde_json::Value::as_str) {
        Some(p) => Ok(Value::str(p)),
        None => Err(EvalError::new(
            ErrorKind::Other,
            format!("{what}: the fetcher gave no path"),
            Some(s),
        )),
    }
}

/// `builtins.fetchTree ATTRS`: asked of the program running the
/// evaluation (nixplan's input resolver: the store, its cache, or a fetch
/// checked against the narHash); without one, nothing is fetched.
/// `builtins.fetchTarball URL` or `{ url; sha256; name ? ; }`: the tree,
/// fetched (or found in the store or nixplan's cache) by the host and
/// checked against `sha256` (the NAR hash of the unpacked tree). Without
/// a hash nothing is fetched: what came could not be checked.
pub(super) fn p_fetch_tarball(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    if ev.host.is_none() {
        return p_no_fetch(ev, a, s);
    }
    let (url, hash) = match ev.force(&a[0])? {
        Value::Attrs(args) => {
            let url = match args.get("url").cloned() {
                Some(t) => ev.force_string(&t, s)?.s.to_string(),
                None => return Err(ev.missing_attr("url", &args, s)),
            };
            let hash = match args.get("sha256").cloned() {
                Some(t) => Some(ev.force_string(&t, s)?.s.to_string()),
                None => None,
            };
            (url, hash)
        }
        other => (
            ev.coerce_to_string(&other, s, false, false)?.s.to_string(),
            None,
        ),
    };
    let Some(hash) = hash else {
        return Err(EvalError::new(
            ErrorKind::Unsupported,
            format!("fetchTarball {url}: nixplan fetches only what it can check: give its sha256 (the NAR hash of the unpacked tree, `nix hash path`), or pin it as a flake input"),
            Some(s),
        ));
    };
    let Some(bytes) = decode_hash("sha256", &hash) else {
        return Err(EvalError::new(
            ErrorKind::Other,
            format!("fetchTarball {url}: invalid sha256 hash '{hash}'"),
            Some(s),
        ));
    };
    use base64::Engine;
    let nar_hash = format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    );
    let request = serde_json::json!({ "type": "tarball", "url": url, "narHash": nar_hash });
    let answer = ask_host(ev, "fetchTree", request, s)?;
    fetched_path(&answer, &format!("fetchTarball {url}"), s)
}

/// `builtins.fetchurl URL` or `{ url; sha256 | hash; name ? ; }`: the
/// file, found in the store or nixplan's cache or fetched by the host, and
/// checked against the sha256 of its bytes. Without a hash nothing is
/// fetched.
pub(super) fn p_fetchurl(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    if ev.host.is_none() {
        return p_no_fetch(ev, a, s);
    }
    let mut hash = None;
    let mut name = None;
    let url = match ev.force(&a[0])? {
        Value::Attrs(args) => {
            let url = match args.get("url").cloned() {
                Some(t) => ev.force_string(&t, s)?.s.to_string(),
                None => return Err(ev.missing_attr("url", &args, s)),
            };
            for key in ["sha256", "hash"] {
                if let Some(t) = args.get(key).cloned() {
                    hash = Some((key, ev.force_string(&t, s)?.s.to_string()));
                }
            }
            if let Some(t) = args.get("name").cloned() {
                name = Some(ev.force_string(&t, s)?.s.to_string());
            }
            url
        }
        other => ev.coerce_to_string(&other, s, false, false)?.s.to_string(),
    };
    let Some((key, hash)) = hash else {
        return Err(EvalError::new(
            ErrorKind::Unsupported,
            format!("fetchurl {url}: nixplan fetches only what it can check: give its sha256 (of the file's bytes, `nix hash file`), or pin it as a flake input"),
            Some(s),
        ));
    };
    let bytes = decode_hash("sha256", &hash)
        .filter(|b| b.len() == 32 && (key == "sha256" || hash.starts_with("sha256-")));
    let Some(bytes) = bytes else {
        return Err(EvalError::new(
            ErrorKind::Other,
            format!("fetchurl {url}: invalid sha256 hash '{hash}'"),
            Some(s),
        ));
    };
    let name = name.unwrap_or_else(|| {
        let t = url.split(['?', '#']).next().unwrap_or(&url);
        t.rsplit('/').next().unwrap_or(t).to_string()
    });
    crate::store::check_name(&name).map_err(|m| {
        EvalError::new(
            ErrorKind::Other,
            format!("fetchurl {url}: invalid store path name '{name}': {m}"),
            Some(s),
        )
    })?;
    let request =
        serde_json::json!({ "url": url, "sha256": crate::store::hex(&bytes), "name": name });
    let answer = ask_host(ev, "fetchurl", request, s)?;
    fetched_path(&answer, &format!("fetchurl {url}"), s)
}

/// `builtins.fetchGit { url; rev; ref ? ; narHash; }`: the commit, through
/// the host's fetcher as `fetchTree` would fetch it, checked against its
/// narHash; without one nothing is fetched.
pub(super) fn p_fetch_git(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    if ev.host.is_none() {
        return p_no_fetch(ev, a, s);
    }
    let args = match ev.force(&a[0])? {
        Value::Attrs(args) => args,
        other => {
            let url = ev.coerce_to_string(&other, s, false, false)?.s.to_string();
            return Err(EvalError::new(
                ErrorKind::Unsupported,
                format!("fetchGit {url}: nixplan fetches only what it can check: give the url, rev and narHash of the commit, or pin it as a flake input"),
                Some(s),
            ));
        }
    };
    let mut request = serde_json::Map::new();
    request.insert("type".into(), "git".into());
    for key in ["url", "rev", "ref", "narHash"] {
        if let Some(t) = args.get(key).cloned() {
            let forced = ev.force(&t)?;
            let v = ev.coerce_to_string(&forced, s, false, false)?;
            request.insert(key.into(), v.s.to_string().into());
        }
    }
    if let Some(t) = args.get("submodules").cloned() {
        let on = ev.force_bool(&t, s)?;
        request.insert("submodules".into(), on.into());
    }
    let url = request
        .get("url")
        .and_then(|u| u.as_str())
        .unwrap_or("?")
        .to_string();
    if !request.contains_key("narHash") || !request.contains_key("rev") {
        return Err(EvalError::new(
            ErrorKind::Unsupported,
            format!("fetchGit {url}: nixplan fetches only what it can check: give the commit's rev and narHash, or pin it as a flake input"),
            Some(s),
        ));
    }
    let answer = ask_host(ev, "fetchTree", serde_json::Value::Object(request), s)?;
    Ok(json_to_value(answer))
}

/// `builtins.getFlake REF`: the host finds the flake's source and names
/// the Nix file (its `loader`) that loads it; that file is called with the
/// host's answer.
pub(super) fn p_get_flake(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    if ev.host.is_none() {
        return p_no_fetch(ev, a, s);
    }
    let reference = ev.force_string(&a[0], s)?.s.to_string();
    let answer = ask_host(ev, "getFlake", serde_json::json!({ "ref": reference }), s)?;
    let Some(loader) = answer.get("loader").and_then(serde_json::Value::as_str) else {
        return Err(EvalError::new(
            ErrorKind::Other,
            format!("getFlake {reference}: the host gave no loader"),
            Some(s),
        ));
    };
    let f = ev.import_path(loader, s)?;
    ev.call_values(&f, &[Thunk::ready(json_to_value(answer))], s)
}

pub(super) fn p_fetch_tree(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    if ev.host.is_none() {
        return p_no_fetch(ev, a, s);
    }
    let args = ev.force(&a[0])?;
    if !matches!(args, Value::Attrs(_)) {
        return p_no_fetch(ev, a, s);
    }
    let mut ctx = BTreeSet::new();
    let text = ev.print_json(&args, s, &mut ctx)?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| EvalError::new(ErrorKind::Other, format!("fetchTree: {e}"), Some(s)))?;
    let answer = ask_host(ev, "fetchTree", json, s)?;
    Ok(json_to_value(answer))
}

pub(super) fn p_base_name_of(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let v = ev.coerce(&a[0], s, false, false)?;
    let t = v.s.strip_suffix('/').unwrap_or(&v.s);
    let base = match t.rfind('/') {
        Some(i) => &t[i + 1..],
        None => t,
    };
    Ok(Value::String(NixString {
        s: base.into(),
        ctx: v.ctx,
    }))
}

pub(super) fn p_dir_of(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let v = ev.force(&a[0])?;
    let is_path = matches!(v, Value::Path(_));
    let st = ev.coerce_to_string(&v, s, false, false)?;
    let dir = match st.s.rfind('/') {
        Some(0) => "/".to_string(),
        Some(i) => st.s[..i].to_string(),
        None => ".".to_string(),
    };
    if is_path {
        Ok(Value::Path(dir.into()))
    } else {
        Ok(Value::String(NixString {
            s: dir.into(),
            ctx: st.ctx,
        }))
    }
}

pub(super) fn p_hash_file(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let algo = ev.force_string(&a[0], s)?;
    let p = ev.force_path(&a[1], s)?;
    let data = ev.read_file_bytes(&p, s)?;
    Ok(Value::str(hash_hex(&algo.s, &data, s)?))
}

pub(super) fn p_scoped_import(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    // The path first, as nix does.
    let p = ev.force_path(&a[1], s)?;
    let scope = ev.force_attrs(&a[0], s)?;
    ev.import_scoped(&p, &scope, s)
}

pub(super) fn p_import(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let p = ev.force_path(&a[0], s)?;
    ev.import_path(&p, s)
}

pub(super) fn p_to_path(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let p = ev.force_path(&a[0], s)?;
    Ok(Value::str(nixplan_syntax::lower::canonicalize_path(&p)))
}

impl Eval {
    pub fn read_file_bytes(&mut self, p: &str, s: Span) -> EvalResult<Vec<u8>> {
        self.check_available(p, s)?;
        let data = self.fs().read(Path::new(p)).map_err(|e| {
            EvalError::new(ErrorKind::Io, format!("cannot read '{p}': {e}"), Some(s))
        })?;
        self.record_read(p);
        Ok(data)
    }
}

pub(super) fn p_read_file(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let p = ev.force_path(&a[0], s)?;
    let data = ev.read_file_bytes(&p, s)?;
    ev.check_text(data.len(), s)?;
    let text = String::from_utf8(data)
        .map_err(|_| EvalError::new(ErrorKind::Io, format!("'{p}' is not valid UTF-8"), Some(s)))?;
    Ok(Value::str(text))
}

pub(super) fn p_read_dir(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let p = ev.force_path(&a[0], s)?;
    ev.check_available(&p, s)?;
    let entries = ev.fs().read_dir(Path::new(&p)).map_err(|e| {
        EvalError::new(
            ErrorKind::Io,
            format!("cannot read directory '{p}': {e}"),
            Some(s),
        )
    })?;
    let map = entries
        .into_iter()
        .map(|(name, ty)| {
            let value = Thunk::ready(Value::str(ty.nix_name()));
            (Str::from(name), Attr { value, pos: None })
        })
        .collect();
    Ok(Value::attrs(map))
}

pub(super) fn p_read_file_type(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let p = ev.force_path(&a[0], s)?;
    ev.check_available(&p, s)?;
    let ty = ev
        .fs()
        .file_type(Path::new(&p))
        .map_err(|e| EvalError::new(ErrorKind::Io, format!("cannot stat '{p}': {e}"), Some(s)))?;
    Ok(Value::str(ty.nix_name()))
}

pub(super) fn p_path_exists(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let p = ev.force_path(&a[0], s)?;
    ev.check_available(&p, s)?;
    bool_v(ev.fs().file_type(Path::new(&p)).is_ok())
}

pub(super) fn p_find_file(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let list = ev.force_list(&a[0], s)?;
    let mut entries = Vec::new();
    for t in list.iter() {
        let entry = ev.force_attrs(t, s)?;
        let prefix = match entry.get("prefix").cloned() {
            Some(p) => ev.force_string(&p, s)?.s.to_string(),
            None => String::new(),
        };
        let path = match entry.get("path").cloned() {
            Some(p) => {
                let v = ev.force(&p)?;
                ev.coerce_to_string(&v, s, false, true)?.s.to_string()
            }
            None => return Err(ev.missing_attr("path", &entry, s)),
        };
        entries.push((prefix, path));
    }
    let name = ev.force_string(&a[1], s)?;
    ev.find_file_in(&entries, &name.s, s)
}

pub(super) fn p_store_path(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let p = ev.force_path(&a[0], s)?;
    let store = format!("{}/", ev.settings.store_dir.trim_end_matches('/'));
    if !p.starts_with(&store) {
        return Err(EvalError::new(
            ErrorKind::Other,
            format!("path '{p}' is not in the Nix store"),
            Some(s),
        ));
    }
    let mut ctx = BTreeSet::new();
    ctx.insert(p.clone());
    Ok(Value::String(NixString::with_ctx(p, ctx)))
}

pub(super) fn p_path(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let args = ev.force_attrs(&a[0], s)?;
    let path = match args.get("path") {
        Some(t) => {
            let t = t.clone();
            ev.force_path(&t, s)?
        }
        None => return Err(ev.missing_attr("path", &args, s)),
    };
    let name = match args.get("name") {
        Some(t) => {
            let t = t.clone();
            ev.force_string(&t, s)?.s.to_string()
        }
        None => path.rsplit('/').next().unwrap_or("").to_string(),
    };
    let filter = match args.get("filter") {
        Some(t) => Some(ev.force(&t.clone())?),
        None => None,
    };
    let recursive = match args.get("recursive") {
        Some(t) => match ev.force(&t.clone())? {
            Value::Bool(b) => b,
            other => {
                return Err(type_err(
                    format!(
                        "expected a Boolean but found {} (builtins.path's 'recursive')",
                        other.type_phrase()
                    ),
                    s,
                ))
            }
        },
        None => true,
    };
    let expected = match args.get("sha256") {
        Some(t) => Some(ev.force_string(&t.clone(), s)?.s.to_string()),
        None => None,
    };
    add_to_store(ev, &path, &name, filter, recursive, expected, s)
}

/// `builtins.filterSource FILTER PATH`: `builtins.path` with a filter.
pub(super) fn p_filter_source(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    // The path first, as nix does.
    let path = ev.force_path(&a[1], s)?;
    let filter = ev.force(&a[0])?;
    let name = path.rsplit('/').next().unwrap_or("").to_string();
    add_to_store(ev, &path, &name, Some(filter), true, None, s)
}

/// The entries under `dir` that `filter` (called as nix calls it: the
/// path as a string and `"regular"`, `"directory"`, `"symlink"` or
/// `"unknown"`) leaves out; nothing under a left-out directory is asked.
fn left_out_by(
    ev: &mut Eval,
    dir: &Path,
    filter: &Value,
    out: &mut std::collections::HashSet<std::path::PathBuf>,
    s: Span,
) -> EvalResult<()> {
    let io = |e: std::io::Error| {
        EvalError::new(
            ErrorKind::Io,
            format!("cannot read '{}': {e}", dir.display()),
            Some(s),
        )
    };
    let entries = ev.fs().read_dir(dir).map_err(io)?;
    for (name, kind) in entries {
        let child = dir.join(&name);
        let word = match kind {
            FileType::Regular { .. } => "regular",
            FileType::Directory => "directory",
            FileType::Symlink => "symlink",
            FileType::Unknown => "unknown",
        };
        let f = ev.call(filter, ready_str(child.display().to_string()), s)?;
        let keep = ev.call(&f, ready_str(word), s)?;
        match keep {
            Value::Bool(true) => {
                if kind == FileType::Directory {
                    ev.nested(|ev| left_out_by(ev, &child, filter, out, s))?;
                }
            }
            Value::Bool(false) => {
                out.insert(child);
            }
            other => {
                return Err(type_err(
                    format!(
                        "expected a Boolean but found {} (the result of the path filter)",
                        other.type_phrase()
                    ),
                    s,
                ))
            }
        }
    }
    Ok(())
}

/// `path` added to the store as nix adds it: its NAR hashed (or, not
/// `recursive`, its contents), without what `filter` leaves out, checked
/// against `expected` (a sha256) when given.
fn add_to_store(
    ev: &mut Eval,
    path: &str,
    name: &str,
    filter: Option<Value>,
    recursive: bool,
    expected: Option<String>,
    s: Span,
) -> R {
    store::check_name(name).map_err(|m| EvalError::new(ErrorKind::Other, m, Some(s)))?;
    let io = |e: std::io::Error| {
        EvalError::new(ErrorKind::Io, format!("cannot read '{path}': {e}"), Some(s))
    };
    let mut left_out = std::collections::HashSet::new();
    if let Some(f) = &filter {
        if ev.fs().file_type(Path::new(path)).map_err(io)? == FileType::Directory {
            left_out_by(ev, Path::new(path), f, &mut left_out, s)?;
        }
    }
    let hash: [u8; 32] = if recursive {
        store::nar_sha256_without(ev.fs(), Path::new(path), &left_out).map_err(io)?
    } else {
        match ev.fs().file_type(Path::new(path)).map_err(io)? {
            FileType::Regular { .. } => store::sha256(&ev.fs().read(Path::new(path)).map_err(io)?),
            _ => {
                return Err(EvalError::new(
                    ErrorKind::Other,
                    format!("'{path}' is not a regular file: 'recursive = false' adds only files"),
                    Some(s),
                ))
            }
        }
    };
    if let Some(want) = &expected {
        if decode_hash("sha256", want).as_deref() != Some(&hash[..]) {
            return Err(EvalError::new(
                ErrorKind::Other,
                format!(
                    "hash mismatch in '{path}': specified sha256:{want}, got sha256:{}",
                    nix_base32::to_nix_base32(&hash)
                ),
                Some(s),
            ));
        }
    }
    let sp = store::make_fixed_output_path(
        &ev.settings.store_dir,
        recursive,
        "sha256",
        &store::hex(&hash),
        &hash,
        name,
    );
    ev.record_copy(&sp, path, left_out, recursive.then_some(hash));
    let mut ctx = BTreeSet::new();
    ctx.insert(sp.clone());
    Ok(Value::String(NixString::with_ctx(sp, ctx)))
}

// ----- store ------------------------------------------------------------------

pub(super) fn p_placeholder(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let name = ev.force_string(&a[0], s)?;
    let h = store::sha256(format!("nix-output:{}", name.s).as_bytes());
    Ok(Value::str(format!("/{}", nix_base32::to_nix_base32(&h))))
}

pub(super) fn p_to_file(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let name = ev.force_string(&a[0], s)?;
    let contents = ev.coerce(&a[1], s, false, true)?;
    store::check_name(&name.s).map_err(|m| EvalError::new(ErrorKind::Other, m, Some(s)))?;
    let mut refs = BTreeSet::new();
    if let Some(c) = &contents.ctx {
        for e in c.iter() {
            if e.starts_with('=') || e.starts_with('!') {
                return Err(EvalError::new(
                    ErrorKind::Other,
                    format!(
                        "in 'toFile': the file '{}' cannot refer to derivation outputs",
                        name.s
                    ),
                    Some(s),
                ));
            }
            refs.insert(e.clone());
        }
    }
    let p = store::make_text_path(
        &ev.settings.store_dir,
        &name.s,
        contents.s.as_bytes(),
        &refs,
    );
    ev.fs.write(Path::new(&p), contents.s.as_bytes());
    let mut ctx = BTreeSet::new();
    ctx.insert(p.clone());
    Ok(Value::String(NixString::with_ctx(p, ctx)))
}

pub(super) fn p_derivation_strict(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let attrs = ev.force_attrs(&a[0], s)?;
    let name = match attrs.get("name") {
        Some(t) => {
            let t = t.clone();
            ev.force_string(&t, s)?.s.to_string()
        }
        None => {
            return Err(EvalError::new(
                ErrorKind::MissingAttr,
                "required attribute 'name' missing",
                Some(s),
            ))
        }
    };
    store::check_name(&name).map_err(|m| {
        EvalError::new(
            ErrorKind::Other,
            format!("invalid derivation name: {m}"),
            Some(s),
        )
    })?;
    let ignore_nulls = match attrs.get("__ignoreNulls") {
        Some(t) => {
            let t = t.clone();
            ev.force_bool(&t, s)?
        }
        None => false,
    };
    // `__structuredAttrs = true`: the attributes go to the builder as one
    // JSON document (`__json`), not as environment variables.
    let structured = match attrs.get("__structuredAttrs") {
        Some(t) => {
            let t = t.clone();
            ev.force_bool(&t, s)?
        }
        None => false,
    };
    let mut json: BTreeMap<String, String> = BTreeMap::new();
    let mut drv = Derivation::default();
    let mut ctx = BTreeSet::new();
    let mut outputs: Vec<String> = vec!["out".into()];
    let (mut hash, mut hash_algo, mut hash_mode) = (None, None, None);
    for (k, attr) in attrs.map.iter() {
        if &**k == "__ignoreNulls" || &**k == "__structuredAttrs" {
            continue;
        }
        let v = ev.force(&attr.value)?;
        if ignore_nulls && matches!(v, Value::Null) {
            continue;
        }
        match &**k {
            "args" => {
                let list = match &v {
                    Value::List(l) => l.clone(),
                    other => {
                        return Err(type_err(
                            format!("value is {} while a list was expected", other.type_phrase()),
                            s,
                        ))
                    }
                };
                for t in list.iter() {
                    let x = ev.coerce(t, s, true, true)?;
                    merge_ctx(&mut ctx, &x.ctx);
                    drv.args.push(x.s.to_string());
                }
                continue;
            }
            "outputs" => {
                let list = match &v {
                    Value::List(l) => l.clone(),
                    other => {
                        return Err(type_err(
                            format!("value is {} while a list was expected", other.type_phrase()),
                            s,
                        ))
                    }
                };
                let mut outs = Vec::new();
                for t in list.iter() {
                    let o = ev.force_string(t, s)?.s.to_string();
                    // `drvPath` is taken by the derivation's own attribute.
                    if o == "drvPath" {
                        return Err(EvalError::new(
                            ErrorKind::Other,
                            "invalid derivation output name 'drvPath'",
                            Some(s),
                        ));
                    }
                    if o == "drv" || outs.contains(&o) {
                        return Err(EvalError::new(
                            ErrorKind::Other,
                            format!("invalid or duplicate derivation output '{o}'"),
                            Some(s),
                        ));
                    }
                    outs.push(o);
                }
                if outs.is_empty() {
                    return Err(EvalError::new(
                        ErrorKind::Other,
                        "derivation cannot have an empty set of outputs",
                        Some(s),
                    ));
                }
                outputs = outs;
            }
            _ => {}
        }
        if structured {
            let mut json_ctx = BTreeSet::new();
            let text = ev.print_json(&v, s, &mut json_ctx)?;
            ctx.extend(json_ctx);
            json.insert(k.to_string(), text);
            const LEGACY: [&str; 6] = [
                "allowedReferences",
                "allowedRequisites",
                "disallowedReferences",
                "disallowedRequisites",
                "maxSize",
                "maxClosureSize",
            ];
            if LEGACY.contains(&&**k) {
                ev.messages.push(format!(
                    "warning: In a derivation named '{name}', 'structuredAttrs' disables the effect of the derivation attribute '{k}'; use 'outputChecks.<output>.{k}' instead"
                ));
            }
            if ![
                "builder",
                "system",
                "outputHash",
                "outputHashAlgo",
                "outputHashMode",
            ]
            .contains(&&**k)
            {
                continue;
            }
        }
        let x = ev.coerce_to_string(&v, s, true, true)?;
        merge_ctx(&mut ctx, &x.ctx);
        match &**k {
            "builder" => drv.builder = x.s.to_string(),
            "system" => drv.platform = x.s.to_string(),
            "outputHash" => hash = Some(x.s.to_string()),
            "outputHashAlgo" => hash_algo = Some(x.s.to_string()),
            "outputHashMode" => hash_mode = Some(x.s.to_string()),
            _ => {}
        }
        if !structured {
            drv.env.insert(k.to_string(), x.s.to_string());
        }
    }
    if structured {
        let mut text = String::from("{");
        for (i, (k, v)) in json.iter().enumerate() {
            if i > 0 {
                text.push(',');
            }
            crate::print::json_string(&mut text, k);
            text.push(':');
            text.push_str(v);
        }
        text.push('}');
        drv.env.insert("__json".into(), text);
    }
    if drv.builder.is_empty() && !drv.env.contains_key("builder") && !json.contains_key("builder") {
        return Err(EvalError::new(
            ErrorKind::MissingAttr,
            "required attribute 'builder' missing",
            Some(s),
        ));
    }
    if !drv.env.contains_key("system") && !json.contains_key("system") {
        return Err(EvalError::new(
            ErrorKind::MissingAttr,
            "required attribute 'system' missing",
            Some(s),
        ));
    }
    for e in ctx.iter() {
        if let Some(d) = e.strip_prefix('=') {
            let outs: Vec<String> = ev
                .drvs
                .drvs
                .get(d)
                .map(|x| x.outputs.keys().cloned().collect())
                .unwrap_or_else(|| vec!["out".into()]);
            drv.input_drvs
                .entry(d.to_string())
                .or_default()
                .extend(outs);
        } else if let Some(rest) = e.strip_prefix('!') {
            if let Some((o, d)) = rest.split_once('!') {
                drv.input_drvs
                    .entry(d.to_string())
                    .or_default()
                    .insert(o.to_string());
            }
        } else {
            drv.input_srcs.insert(e.clone());
        }
    }
    if let Some(h) = hash {
        if outputs != ["out"] {
            return Err(EvalError::new(
                ErrorKind::Other,
                "multiple outputs are not supported in fixed-output derivations",
                Some(s),
            ));
        }
        let algo = hash_algo.unwrap_or_else(|| "sha256".into());
        let recursive = match hash_mode.as_deref() {
            None | Some("flat") => false,
            Some("recursive") => true,
            Some(m) => {
                return Err(EvalError::new(
                    ErrorKind::Other,
                    format!("invalid value '{m}' for 'outputHashMode'"),
                    Some(s),
                ))
            }
        };
        let raw = decode_hash(&algo, &h).ok_or_else(|| {
            EvalError::new(ErrorKind::Other, format!("invalid hash '{h}'"), Some(s))
        })?;
        let hex_hash = store::hex(&raw);
        let path = store::make_fixed_output_path(
            &ev.settings.store_dir,
            recursive,
            &algo,
            &hex_hash,
            &raw,
            &name,
        );
        drv.env.insert("out".into(), path.clone());
        drv.outputs.insert(
            "out".into(),
            DrvOutput {
                path,
                hash_algo: format!("{}{algo}", if recursive { "r:" } else { "" }),
                hash: hex_hash,
            },
        );
    } else {
        for o in &outputs {
            drv.outputs.insert(
                o.clone(),
                DrvOutput {
                    path: String::new(),
                    hash_algo: String::new(),
                    hash: String::new(),
                },
            );
        }
    }
    let drv_path = ev.drvs.add(&ev.settings.store_dir, &name, drv);
    let outs = ev.drvs.drvs[&drv_path].outputs.clone();
    let mut out = AttrMap::new();
    let mut c = BTreeSet::new();
    c.insert(format!("={drv_path}"));
    out.insert_value(
        "drvPath",
        Value::String(NixString::with_ctx(drv_path.clone(), c)),
    );
    for (o, info) in outs {
        let mut c = BTreeSet::new();
        c.insert(format!("!{o}!{drv_path}"));
        out.insert_value(o, Value::String(NixString::with_ctx(info.path, c)));
    }
    Ok(Value::attrs(out))
}

/// A hash given as hex, nix-base32, base64 or SRI.
pub(super) fn decode_hash(algo: &str, h: &str) -> Option<Vec<u8>> {
    // Every form is ASCII (and slicing below is by bytes).
    if !h.is_ascii() {
        return None;
    }
    let (algo, body) = match h.split_once('-') {
        Some((a, b)) if ["sha1", "sha256", "sha512", "md5"].contains(&a) => (a, b),
        _ => (algo, h),
    };
    let size = match algo {
        "md5" => 16,
        "sha1" => 20,
        "sha256" => 32,
        "sha512" => 64,
        _ => return None,
    };
    if body.len() == size * 2 {
        return (0..size)
            .map(|i| u8::from_str_radix(&body[2 * i..2 * i + 2], 16).ok())
            .collect();
    }
    if let Some(b) = nix_base32::from_nix_base32(body) {
        if b.len() == size {
            return Some(b);
        }
    }
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .ok()
        .filter(|b| b.len() == size)
}
