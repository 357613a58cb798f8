//! Coercion to strings (with context), copying paths to the store, and
//! deep forcing.

use crate::*;

impl Eval {
    /// Nix's coerceToString. `more` allows ints, floats, bools, null and
    /// lists (as `toString` does); `copy` copies paths to the store.
    pub fn coerce_to_string(
        &mut self,
        v: &Value,
        span: Span,
        more: bool,
        copy: bool,
    ) -> EvalResult<NixString> {
        match v {
            Value::String(s) => Ok(s.clone()),
            Value::Path(p) => {
                if copy {
                    let sp = self.copy_path_to_store(p, span)?;
                    let mut ctx = BTreeSet::new();
                    ctx.insert(sp.clone());
                    Ok(NixString::with_ctx(sp, ctx))
                } else {
                    Ok(NixString::plain(p.clone()))
                }
            }
            Value::Attrs(a) => {
                if let Some(f) = a.get("__toString").cloned() {
                    let fv = self.force(&f)?;
                    let r = self.call(&fv, Thunk::ready(v.clone()), span)?;
                    return self.coerce_to_string(&r, span, more, copy);
                }
                if let Some(o) = a.get("outPath").cloned() {
                    let ov = self.force(&o)?;
                    return self.coerce_to_string(&ov, span, more, copy);
                }
                if let Some(o) = a.opaque.as_ref().filter(|o| o.kind == OpaqueKind::Unread) {
                    return Err(EvalError::new(
                        ErrorKind::Unsupported,
                        format!(
                            "'{}' is from the source of a flake input that is unavailable ({}): nixplan stands in for what such a file gives only as a module, not as a string; make the input's source available (the network, --override-input, or `nix flake archive`)",
                            o.path,
                            o.reason.as_deref().unwrap_or("not fetched")
                        ),
                        Some(span),
                    ));
                }
                Err(type_err("cannot coerce a set to a string", span))
            }
            Value::Int(i) if more => Ok(NixString::plain(i.to_string())),
            Value::Float(f) if more => Ok(NixString::plain(print::float_to_string(*f))),
            Value::Bool(true) if more => Ok(NixString::plain("1")),
            Value::Bool(false) | Value::Null if more => Ok(NixString::plain("")),
            Value::List(items) if more => {
                let mut out = String::new();
                let mut ctx = BTreeSet::new();
                for (i, t) in items.iter().enumerate() {
                    let iv = self.force(t)?;
                    let s = self.coerce_to_string(&iv, span, more, copy)?;
                    self.check_text(out.len().saturating_add(s.s.len()).saturating_add(1), span)?;
                    out.push_str(&s.s);
                    value::merge_ctx(&mut ctx, &s.ctx);
                    if i + 1 < items.len() && !matches!(&iv, Value::List(l) if l.is_empty()) {
                        out.push(' ');
                    }
                }
                Ok(NixString::with_ctx(out, ctx))
            }
            other => Err(type_err(
                format!("cannot coerce {} to a string", other.type_phrase()),
                span,
            )),
        }
    }

    /// Copy a source path into the (virtual) store: the store path Nix
    /// would give it, computed from its NAR serialisation. Nothing is written.
    pub fn copy_path_to_store(&mut self, p: &str, span: Span) -> EvalResult<String> {
        if let Some(sp) = self.copied_paths.get(p) {
            return Ok(sp.clone());
        }
        if p.starts_with(&format!("{}/", self.settings.store_dir)) {
            return Ok(p.to_string());
        }
        let name = p.rsplit('/').next().unwrap_or("").to_string();
        let hash = store::nar_sha256(self.fs(), Path::new(p)).map_err(|e| {
            EvalError::new(ErrorKind::Io, format!("cannot read '{p}': {e}"), Some(span))
        })?;
        let sp = store::make_store_path(&self.settings.store_dir, "source", &hash, &name);
        self.files_read.push(PathBuf::from(p));
        self.copied_paths.insert(p.to_string(), sp.clone());
        self.fs.copied(&sp, Path::new(p), Default::default());
        Ok(sp)
    }

    /// Evaluate fully (as `--strict` and `deepSeq` do).
    pub fn deep_force(&mut self, v: &Value, _span: Span) -> EvalResult<()> {
        let mut seen = std::collections::HashSet::new();
        self.deep_force_inner(v, &mut seen, false)
    }

    /// [`Eval::deep_force`], leaving alone attributes named `_…` (the
    /// module system's and disko's internals: scripts, packages).
    pub fn deep_force_public(&mut self, v: &Value) -> EvalResult<()> {
        let mut seen = std::collections::HashSet::new();
        self.deep_force_inner(v, &mut seen, true)
    }

    pub(crate) fn deep_force_inner(
        &mut self,
        v: &Value,
        seen: &mut std::collections::HashSet<usize>,
        public: bool,
    ) -> EvalResult<()> {
        match v {
            Value::Attrs(a) => {
                if !seen.insert(a.identity()) {
                    return Ok(());
                }
                for (k, attr) in a.map.iter() {
                    if public && k.starts_with('_') {
                        continue;
                    }
                    let x = match self.force(&attr.value) {
                        Ok(x) => x,
                        Err(mut e) => {
                            // A lazily placed set's place is asked for
                            // only here, where it is said.
                            if let Some(p) = self.place_of(a, k) {
                                e.add_trace(p, format!("while evaluating the attribute '{k}'"));
                            }
                            return Err(e);
                        }
                    };
                    self.nested(|ev| ev.deep_force_inner(&x, seen, public))?;
                }
                Ok(())
            }
            Value::List(l) => {
                if !seen.insert(Rc::as_ptr(l) as *const u8 as usize) {
                    return Ok(());
                }
                for t in l.iter() {
                    let x = self.force(t)?;
                    self.nested(|ev| ev.deep_force_inner(&x, seen, public))?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    // ----- imports -------------------------------------------------------
}
