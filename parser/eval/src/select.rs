//! Selecting attributes: the lookup used for `a.b` (stand-ins synthesise
//! attributes), `-A a.b.c`, and the closest name for a suggestion.

use crate::*;

/// How an attribute is asked for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Probe {
    /// `a.b`: opaque stand-ins synthesise it.
    Use,
    /// `a.b or d`: an opaque set has only its real attributes; an
    /// unavailable input's is unread (its source is not here to say).
    Or,
    /// `a ? b`: an opaque set has only its real attributes; an
    /// unavailable input's is an error.
    Has,
}

impl Eval {
    /// An attribute of a set, synthesised for opaque stand-ins (see
    /// [`Probe`]).
    pub fn lookup_attr(
        &mut self,
        a: &Attrs,
        key: &str,
        span: Span,
        probe: Probe,
    ) -> EvalResult<Option<Thunk>> {
        if let Some(t) = a.get(key) {
            return Ok(Some(t.clone()));
        }
        self.lookup_absent(a, key, span, probe)
    }

    /// `lookup_attr` of a name `a` was seen not to have: what an opaque
    /// stand-in gives for it, else nothing.
    pub(crate) fn lookup_absent(
        &mut self,
        a: &Attrs,
        key: &str,
        span: Span,
        probe: Probe,
    ) -> EvalResult<Option<Thunk>> {
        let Some(o) = &a.opaque else { return Ok(None) };
        let synthesize = probe == Probe::Use;
        // A stand-in package set has every package, also for `?` and
        // `or` (nixpkgs' `mkPackageOption` tests `pkgs ? name`); a stand-in
        // package has only what it was given (`pkg ? outputSpecified` is
        // false, as for most real packages), and so do module sets.
        let whole_set = o.has_every_package();
        if !synthesize && o.kind != OpaqueKind::Input && !whole_set {
            return Ok(None);
        }
        // `_type` is the marker the module system and flake-parts test on
        // every value they merge (`v ? _type`); an unavailable input's
        // value has one exactly when it was given (a flake's "flake"):
        // asking is no use of the input's content.
        if !synthesize && o.kind == OpaqueKind::Input && key == "_type" {
            return Ok(None);
        }
        match o.kind {
            OpaqueKind::Packages => {
                let path = format!("{}.{key}", o.path);
                Ok(Some(Thunk::ready(self.opaque_package(&path, key))))
            }
            // An empty module whose undeclared definitions are accepted
            // unchecked (`_module.check = lib.mkForce false`, written as
            // the module system represents it).
            OpaqueKind::Modules => Ok(Some(Thunk::ready(Value::attrs(unchecked_module())))),
            OpaqueKind::Uniform => Ok(o.every.clone()),
            // `LABEL/default.nix: modules.extra`.
            OpaqueKind::Unread => {
                let sep = if o.path.contains(": ") { "." } else { ": " };
                Ok(Some(Thunk::ready(unread(
                    &format!("{}{sep}{key}", o.path),
                    o.reason.clone(),
                ))))
            }
            // `input.lib or null` (snowfall-lib asks it of every input):
            // whether the flake has one is not known without its source;
            // what it would be is unread (an error where it is used, an
            // empty module where one is imported), and the input is
            // recorded as giving empty modules (`--strict-inputs` refuses).
            OpaqueKind::Input if probe == Probe::Or => {
                if self.host.is_some() {
                    let args = serde_json::json!({ "path": o.path, "used": "empty modules", "reason": o.reason });
                    crate::builtins::ask_host(self, "degraded", args, span)?;
                }
                Ok(Some(Thunk::ready(unread(
                    &format!("{}: {key}", o.path),
                    o.reason.clone(),
                ))))
            }
            OpaqueKind::Input => Err(EvalError::new(
                ErrorKind::Unsupported,
                format!(
                    "the flake input '{}' is unavailable ({}), so '{key}' of it cannot be used; make its source available: allow the network, give it with --override-input {} PATH, or put it in /nix/store (`nix flake archive`)",
                    o.path,
                    o.reason.as_deref().unwrap_or("not fetched"),
                    o.path
                ),
                Some(span),
            )),
        }
    }

    /// A stand-in package: a derivation-like set with a deterministic
    /// placeholder store path; any attribute of it is another package, and
    /// calling it (`writeShellScript "x" "..."`) gives a package too.
    pub fn opaque_package(&mut self, path: &str, name: &str) -> Value {
        let h = store::sha256(format!("nixplan-opaque-package:{path}").as_bytes());
        let hash = nix_base32::to_nix_base32(&h[..20]);
        let out = format!("{}/{hash}-{name}", self.settings.store_dir);
        let drv = format!("{}/{hash}-{name}.drv", self.settings.store_dir);
        let mut a = AttrMap::new();
        let mut ctx = BTreeSet::new();
        ctx.insert(format!("!out!{drv}"));
        a.insert_value("outPath", Value::String(NixString::with_ctx(out, ctx)));
        let mut dctx = BTreeSet::new();
        dctx.insert(format!("={drv}"));
        a.insert_value("drvPath", Value::String(NixString::with_ctx(drv, dctx)));
        a.insert_value("type", Value::str("derivation"));
        a.insert_value("name", Value::str(name));
        a.insert_value("pname", Value::str(name));
        a.insert_value("version", Value::str(""));
        a.insert_value("outputName", Value::str("out"));
        a.insert_value(
            "outputs",
            Value::list(vec![Thunk::ready(Value::str("out"))]),
        );
        let mut meta = AttrMap::new();
        meta.insert_value("mainProgram", Value::str(name));
        a.insert_value("meta", Value::attrs(meta));
        if let Some(call) = self.global("__nixplanPackageCall") {
            a.insert("__functor", call);
        }
        Value::Attrs(Attrs::opaque(
            a,
            Opaque {
                kind: OpaqueKind::Packages,
                path: path.to_string(),
                reason: None,
                every: None,
            },
        ))
    }
}

/// The name closest to `key` (by edit distance), if reasonably close.
pub fn closest<'a>(key: &str, names: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    for n in names {
        let d = strsim::levenshtein(key, n);
        if d <= (key.len().max(2) / 2).max(2) && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, n));
        }
    }
    best.map(|(_, n)| n)
}

impl Eval {
    /// Select a dotted attribute path (`-A a.b.c`; a number indexes a list).
    pub fn select_path(&mut self, v: &Value, path: &str, span: Span) -> EvalResult<Value> {
        self.select_path_with(v, path, &Attrs::new(), span)
    }

    /// Call `f` as nix-instantiate calls a function it is to print or
    /// select from (`autoCallFunction`): a function with a formal argument
    /// set gets the `args` it names (all of them with `...`) and its
    /// defaults; a missing argument without a default is an error; any
    /// other value is returned as it is.
    pub fn auto_call(&mut self, f: &Value, args: &Attrs, span: Span) -> EvalResult<Value> {
        let Value::Lambda(c) = f else {
            return Ok(f.clone());
        };
        let def = self.lambda_def(c);
        let nixplan_syntax::lower::Param::Formals {
            formals, ellipsis, ..
        } = &def.param
        else {
            return Ok(f.clone());
        };
        let mut given = AttrMap::new();
        if *ellipsis {
            given = args.map.to_map();
        }
        for formal in formals {
            match args.get(&formal.name) {
                Some(t) => given.insert(formal.name.clone(), t.clone()),
                None if formal.default.is_some() => {}
                None => {
                    return Err(type_err(
                        format!(
                            "cannot evaluate a function that has an argument without a value ('{}')\n\
                             Nix attempted to evaluate a function as a top level expression; in this case it must have its arguments supplied either by default values, or passed explicitly with '--arg' or '--argstr'.",
                            formal.name
                        ),
                        formal.span,
                    ))
                }
            }
        }
        self.call(f, Thunk::ready(Value::attrs(given)), span)
    }

    /// [`Eval::select_path`], calling each function on the way with `args`
    /// ([`Eval::auto_call`]), as `nix-instantiate -A` does.
    pub fn select_path_with(
        &mut self,
        v: &Value,
        path: &str,
        args: &Attrs,
        span: Span,
    ) -> EvalResult<Value> {
        let mut cur = v.clone();
        let parts = split_attr_path(path)
            .map_err(|m| type_err(format!("invalid attribute path '{path}': {m}"), span))?;
        for part in &parts {
            let part = part.as_str();
            cur = self.auto_call(&cur, args, span)?;
            cur = match &cur {
                Value::Attrs(a) => match a.get(part).cloned() {
                    Some(t) => self.force(&t)?,
                    None => {
                        // As nix words it for a selection path.
                        let mut e = self.missing_attr(part, a, span);
                        let hint = e
                            .message
                            .split_once("; ")
                            .map(|(_, h)| format!("\n{h}"))
                            .unwrap_or_default();
                        e.message = format!(
                            "attribute '{part}' in selection path '{path}' not found{hint}"
                        );
                        return Err(e);
                    }
                },
                Value::List(l) => {
                    match part.parse::<usize>().ok().and_then(|i| l.get(i).cloned()) {
                        Some(t) => self.force(&t)?,
                        None => {
                            return Err(type_err(
                                format!(
                                "list index '{part}' in selection path '{path}' is out of bounds"
                            ),
                                span,
                            ))
                        }
                    }
                }
                other => {
                    return Err(type_err(
                        format!("cannot select '{part}' from {}", other.type_phrase()),
                        span,
                    ))
                }
            };
        }
        Ok(cur)
    }
}

/// Split an attribute path as nix's `-A` does: on dots, except inside
/// double quotes (`a."b.c".d` is `a`, `b.c`, `d`).
pub fn split_attr_path(path: &str) -> Result<Vec<String>, String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut chars = path.chars();
    while let Some(c) = chars.next() {
        match c {
            '.' => parts.push(std::mem::take(&mut cur)),
            '"' => loop {
                match chars.next() {
                    Some('"') => break,
                    Some(c) => cur.push(c),
                    None => return Err("missing closing quote".into()),
                }
            },
            c => cur.push(c),
        }
    }
    if !path.is_empty() {
        parts.push(cur);
    }
    if parts.iter().any(String::is_empty) {
        return Err("empty attribute name".into());
    }
    Ok(parts)
}

/// An empty module whose undeclared definitions are accepted unchecked
/// (`_module.check = lib.mkForce false`, written as the module system
/// represents it).
fn unchecked_module() -> AttrMap {
    let mut force = AttrMap::new();
    force.insert_value("_type", Value::str("override"));
    force.insert_value("priority", Value::Int(50));
    force.insert_value("content", Value::Bool(false));
    let mut module = AttrMap::new();
    module.insert_value("check", Value::attrs(force));
    let mut m = AttrMap::new();
    m.insert_value("_module", Value::attrs(module));
    m
}

/// The stand-in for what a file of an unavailable source (or a part of
/// it, `path`) evaluates to: an unchecked empty module that has every
/// attribute and can be called ([`OpaqueKind::Unread`]).
pub(crate) fn unread(path: &str, reason: Option<String>) -> Value {
    Value::Attrs(Attrs::opaque(
        unchecked_module(),
        Opaque {
            kind: OpaqueKind::Unread,
            path: path.to_string(),
            reason,
            every: None,
        },
    ))
}
