//! nixplan's own extensions (`__nixplan*`), used by its Nix sources through `builtins.X or fallback` so the same code also runs on real Nix.

use super::*;

/// `{ kind = "pkgs" | "modules" | "input" | "uniform"; name; attrs ? {}; reason ? null; every ? ; }`
/// → an opaque stand-in: `attrs` are its real attributes, any other is
/// synthesised (packages, modules), `every` (uniform), or an error saying
/// `reason` (inputs).
pub(super) fn p_nixplan_opaque(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let args = ev.force_attrs(&a[0], s)?;
    let get = |ev: &mut Eval, n: &str| -> EvalResult<String> {
        match args.get(n).cloned() {
            Some(t) => Ok(ev.force_string(&t, s)?.s.to_string()),
            None => Err(ev.missing_attr(n, &args, s)),
        }
    };
    let kind = get(ev, "kind")?;
    let name = get(ev, "name")?;
    let kind = match kind.as_str() {
        "pkgs" => crate::OpaqueKind::Packages,
        "modules" => crate::OpaqueKind::Modules,
        "input" => crate::OpaqueKind::Input,
        "uniform" => crate::OpaqueKind::Uniform,
        other => {
            return Err(EvalError::new(
                ErrorKind::Other,
                format!("unknown opaque kind '{other}'"),
                Some(s),
            ))
        }
    };
    let path = if kind == crate::OpaqueKind::Packages {
        "pkgs".to_string()
    } else {
        name
    };
    let mut out = match args.get("attrs").cloned() {
        Some(t) => ev.force_attrs(&t, s)?.map.to_map(),
        None => AttrMap::new(),
    };
    if kind == crate::OpaqueKind::Packages {
        out.insert_value("system", Value::str(path.clone()));
    }
    let reason = match args.get("reason").cloned() {
        Some(t) => match ev.force(&t)? {
            Value::Null => None,
            _ => Some(ev.force_string(&t, s)?.s.to_string()),
        },
        None => None,
    };
    let every = args.get("every").cloned();
    if kind == crate::OpaqueKind::Uniform && every.is_none() {
        return Err(ev.missing_attr("every", &args, s));
    }
    Ok(Value::Attrs(Attrs::opaque(
        out,
        crate::Opaque {
            kind,
            path,
            reason,
            every,
        },
    )))
}

/// `set` with each attribute's position taken from `positions` (an
/// attribute set of `{ file; line; column; }` or null): how the module system
/// records where a definition was written.
pub(super) fn p_nixplan_set_positions(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let set = ev.force_attrs(&a[0], s)?;
    let positions = ev.force_attrs(&a[1], s)?;
    let mut out = set.map.to_map();
    for (name, attr) in out.iter_mut() {
        let Some(p) = positions.get(name).cloned() else {
            continue;
        };
        // A place that cannot be had (nixplan's places of what nixpkgs'
        // module system merged read definitions it may never force) is
        // left out, never an error.
        if let Some(span) = ev.place_value(&p) {
            attr.pos = ev.pos_of_span(span);
        }
    }
    Ok(Value::Attrs(Attrs::with_opaque(out, set.opaque.clone())))
}

/// `__nixplanPlaceLazily set places`: `set`, each of whose names is
/// placed where `places` says (`{ file; line; column; }`, null for the
/// name's own place, false for none) when its place is asked for (`Eval::place_of`:
/// `unsafeGetAttrPos` and the planner's reading of a configuration), not
/// before. A set nixplan made for it (`placed`, nixplan.nix): computing a
/// place can force much of the module system (the definitions of an
/// option), and the planner asks for the places of few names. The places
/// are seen only through `Eval::place_of`; a set made from this one
/// (`//`, `mapAttrs`, `removeAttrs`) has its names' own places only.
pub(super) fn p_nixplan_place_lazily(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let set = ev.force_attrs(&a[0], s)?;
    Ok(Value::Attrs(ev.place_lazily(set, a[1].clone())))
}

/// `throw msg`, reported at `pos` (`{ file; line; column; }`): the module
/// system points type errors and conflicts at the user's definition.
pub(super) fn p_nixplan_throw_at(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let msg = ev.coerce(&a[1], s, false, false)?;
    // A place that cannot be had: the throw is said where it is called.
    let span = ev.place_value(&a[0]).unwrap_or(s);
    Err(EvalError::new(
        ErrorKind::Throw,
        msg.s.to_string(),
        Some(span),
    ))
}

/// The store path of a locked flake source (`narHash` from flake.lock).
pub(super) fn p_nixplan_locked_path(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let nar_hash = ev.force_string(&a[0], s)?;
    let raw = decode_hash("sha256", &nar_hash.s).ok_or_else(|| {
        EvalError::new(
            ErrorKind::Other,
            format!("invalid narHash '{}'", nar_hash.s),
            Some(s),
        )
    })?;
    let mut h = [0u8; 32];
    h.copy_from_slice(&raw);
    Ok(Value::str(store::make_store_path(
        &ev.settings.store_dir,
        "source",
        &h,
        "source",
    )))
}

/// The NAR hash (`sha256-BASE64`, as flake.lock writes it) of a directory
/// this evaluation copied to the store: a flake's `narHash`.
pub(super) fn p_nixplan_nar_hash(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let path = ev.force_string(&a[0], s)?;
    match ev.nar_hash_of(&path.s) {
        Some(h) => {
            use base64::Engine;
            Ok(Value::str(format!(
                "sha256-{}",
                base64::engine::general_purpose::STANDARD.encode(h)
            )))
        }
        None => Err(EvalError::new(
            ErrorKind::Other,
            format!(
                "'{}' is not a directory this evaluation copied to the store",
                path.s
            ),
            Some(s),
        )),
    }
}

/// Calling a stand-in package gives a package named after the argument.
pub(super) fn p_nixplan_package_call(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let this = ev.force_attrs(&a[0], s)?;
    let base = this
        .opaque
        .as_ref()
        .map(|o| o.path.clone())
        .unwrap_or_else(|| "pkgs".into());
    let arg = ev.force(&a[1])?;
    let name = match &arg {
        Value::String(st) => st.s.to_string(),
        Value::Attrs(x) => match x.get("name").or(x.get("pname")).cloned() {
            Some(t) => ev.coerce(&t, s, true, false)?.s.to_string(),
            None => base.rsplit('.').next().unwrap_or("package").to_string(),
        },
        _ => base.rsplit('.').next().unwrap_or("package").to_string(),
    };
    let name = if store::check_name(&name).is_ok() {
        name
    } else {
        "package".to_string()
    };
    Ok(ev.opaque_package(&format!("{base}({name})"), &name))
}

/// `__nixplanHost REQUEST ARGS`: ask the program running the evaluation
/// (see [`crate::Host`]); ARGS go as JSON, the answer comes back as a value.
pub(super) fn p_nixplan_host(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let request = ev.force_string(&a[0], s)?.s.to_string();
    let args = ev.force(&a[1])?;
    let mut ctx = BTreeSet::new();
    let text = ev.print_json(&args, s, &mut ctx)?;
    let mut args: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| EvalError::new(ErrorKind::Other, format!("__nixplanHost: {e}"), Some(s)))?;
    // The host reads the machine's files (as for `ask_host`).
    real_paths(ev, &mut args);
    let Some(mut host) = ev.host.take() else {
        // With no host, nothing was given on a command line.
        if request == "overrides" {
            return Ok(json_to_value(serde_json::json!([])));
        }
        return Err(EvalError::new(
            ErrorKind::Other,
            format!("__nixplanHost \"{request}\": nothing answers requests in this evaluation"),
            Some(s),
        ));
    };
    let answer = host.call(&request, args);
    ev.host = Some(host);
    match answer {
        Ok(j) => Ok(json_to_value(j)),
        Err(m) => Err(EvalError::new(ErrorKind::Other, m, Some(s))),
    }
}

/// `__nixplanAlias TARGET SOURCE`: reads under the path TARGET read SOURCE
/// (how a stand-in package set's `path` shows a real nixpkgs lib's `lib/`
/// beside nixplan's NixOS tree); returns TARGET.
pub(super) fn p_nixplan_alias(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let target = ev.coerce(&a[0], s, false, false)?.s.to_string();
    let source = ev.coerce(&a[1], s, false, false)?.s.to_string();
    ev.record_copy(&target, &source, Default::default(), None);
    Ok(Value::str(target))
}

/// `builtins.__nixplanClosest NAME NAMES`: the one of NAMES closest to NAME
/// by edit distance, if reasonably close, else null (for "did you mean").
pub(super) fn p_nixplan_closest(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let name = ev.force_string(&a[0], s)?.s.to_string();
    let list = ev.force_list(&a[1], s)?;
    let mut names = Vec::new();
    for t in list.iter() {
        names.push(ev.force_string(t, s)?.s.to_string());
    }
    Ok(
        match crate::closest(&name, names.iter().map(String::as_str)) {
            Some(n) => Value::str(n),
            None => Value::Null,
        },
    )
}
